"""A hand-made UHHC day using most of the formulation, and a solution of it (for bench tests)."""

from typing import Any

DAY: dict[str, Any] = {
    "metadata": {
        "name": "day",
        "origin": "extended",
        "time_window_met": "at_service_start",
        "cost_components": {
            "travel_time": 1,
            "total_tardiness": 2,
            "highest_tardiness": 3,
            "total_waiting_time": 4,
            "max_idle_time": 5,
            "caregiver_preferences": 6,
            "optional_patients": 100,
            "missed_lunch_break": 7,
            "total_extra_time": 8,
        },
    },
    "distances": [[0, 10, 15, 20], [10, 0, 5, 12], [15, 5, 0, 9], [20, 12, 9, 0]],
    "terminal_points": [{"id": "d0", "distance_matrix_index": 0}],
    "caregivers": [
        {
            "id": "c1",
            "abilities": ["s0", "s1"],
            "departing_point": "d0",
            "arrival_point": "d0",
            "working_shift": {"start": 0, "end": 200},
            "lunch_break": True,
        },
        {
            "id": "c2",
            "abilities": ["s0"],
            "departing_point": "d0",
            "arrival_point": "d0",
            "working_shift": {"start": 30, "end": 100},
            "lunch_break": True,
        },
    ],
    "patients": [
        {
            "id": "p0",
            "required_services": [{"service": "s0", "duration": 10}],
            "distance_matrix_index": 1,
            "time_windows": [{"start": 0, "end": 20}, {"start": 50, "end": 100}],
            "optional": False,
        },
        {
            "id": "p1",
            "required_services": [{"service": "s1", "duration": 10}],
            "distance_matrix_index": 2,
            "time_windows": [{"start": 0, "end": 30}],
            "preferred_caregivers": ["c2"],
            "incompatible_caregivers": ["c2"],
            "optional": False,
        },
        {
            "id": "p2",
            "required_services": [{"service": "s0"}, {"service": "s1", "duration": 20}],
            "distance_matrix_index": 3,
            "time_windows": [{"start": 40, "end": 160}],
            "synchronization": {"type": "independent"},
            "optional": True,
        },
    ],
    "services": [
        {"id": "s0", "type": "t0", "default_duration": 15},
        {"id": "s1", "type": "t1", "default_duration": 15},
    ],
    "lunch_breaks": {"start": 60, "end": 120, "min_duration": 30},
}
# c1: leaves at 20 for p0 (30-40, late 10 on its first window), lunches at p0 (60-90: waits 20),
# reaches p1 at 95 and starts at 100 (waits 5, late 70), is back at 120. c2 has no route.
SOLUTION = {
    "routes": [
        {
            "caregiver_id": "c1",
            "locations": [
                {
                    "patient": "p0",
                    "service": "s0",
                    "start_service_time": 30,
                    "end_service_time": 40,
                },
                {
                    "patient": "p0",
                    "service": "lunch_break",
                    "start_service_time": 60,
                    "end_service_time": 90,
                },
                {
                    "patient": "p1",
                    "service": "s1",
                    "start_service_time": 100,
                    "end_service_time": 110,
                },
            ],
        }
    ]
}
