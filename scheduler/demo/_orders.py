"""The frequency orders of the demo agencies, as agencies write them."""

from __future__ import annotations

from scheduler.domain import Discipline

# Orders as agencies write them, with how often each is seen, per discipline.
ORDERS: dict[Discipline, tuple[tuple[str, int], ...]] = {
    Discipline.SN: (
        ("SN 3W2, 2W3, 1W4", 3),
        ("SN 2W4, 1W5", 3),
        ("1W9", 2),
        ("2-3W4, 1W5", 2),
        ("BIW x4, 1W5", 2),
        ("SN QD x7, 2W8", 1),
    ),
    Discipline.PT: (("PT 3W3, 2W3", 3), ("2W4", 3), ("2w3, 1w3", 2)),
    Discipline.OT: (("OT 2W3, 1W2", 2), ("1W4", 1), ("2wk2", 1)),
    Discipline.ST: (("ST 1W4", 1), ("2W3", 1)),
    Discipline.MSW: (("MSW 1M2", 1), ("1W2", 1)),
    Discipline.HHA: (("HHA 3W4", 2), ("2W8", 2), ("5W2", 1)),
}
