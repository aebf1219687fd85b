"""Wrong API tokens are throttled per client address; working tokens never are."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from scheduler.api.throttle import FailedAuthThrottle
from tests.api.support import bearer


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        """The time now, in seconds."""
        return self.now


def test_ten_failures_in_a_minute_block_the_next_for_a_doubling_time():
    """The 11th failure within a minute waits 60 s; the next block 120 s; others unaffected."""
    clock = Clock()
    throttle = FailedAuthThrottle(limit=10, window=60, block=60, clock=clock)
    assert [throttle.fail("a") for _ in range(10)] == [None] * 10
    assert throttle.fail("a") == 60 and throttle.fail("b") is None
    clock.now += 59.5
    assert throttle.fail("a") == 1
    clock.now += 1
    assert [throttle.fail("a") for _ in range(10)] == [None] * 10
    assert throttle.fail("a") == 120


def test_failures_spread_over_more_than_a_minute_never_block():
    """Nine failures a minute, forever, are each answered as usual."""
    clock = Clock()
    throttle = FailedAuthThrottle(limit=10, window=60, clock=clock)
    for _ in range(50):
        assert throttle.fail("a") is None
        clock.now += 60 / 9 + 0.01


def test_the_memory_holds_at_most_max_clients():
    """Failures from 1,000 addresses leave at most 100 remembered, the latest ones."""
    throttle = FailedAuthThrottle(limit=3, max_clients=100)
    addresses = [f"10.0.{number // 256}.{number % 256}" for number in range(1000)]
    for address in addresses:
        throttle.fail(address)
    assert len(throttle) == 100
    assert [throttle.fail(addresses[-1]) for _ in range(3)][-1] is not None  # 1 + 2 failures
    assert [throttle.fail(addresses[0]) for _ in range(3)] == [None] * 3  # forgotten: 3 anew
    assert len(throttle) == 100


def test_thirty_wrong_tokens_get_429_but_the_right_one_is_served(client: TestClient, admin):
    """Wrong tokens: 401 ten times, then 429 with Retry-After; the valid token still gets 200."""
    codes = [client.get("/v1/me", headers=bearer(f"hhs_guess{n}")).status_code for n in range(30)]
    assert codes == [401] * 10 + [429] * 20
    refused = client.get("/v1/branches", auth=("anyone", "hhs_guess"))
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 59
    assert client.get("/v1/me", headers=admin).status_code == 200
    assert client.get("/v1/me").status_code == 401  # no token: nothing guessed, nothing counted


@pytest.mark.parametrize("client", [{"auth_failures_per_minute": 0}], indirect=True)
def test_a_limit_of_zero_throttles_nothing(client: TestClient):
    """With the setting at 0, thirty wrong tokens all get 401."""
    codes = {client.get("/v1/me", headers=bearer(f"hhs_guess{n}")).status_code for n in range(30)}
    assert codes == {401}


def test_every_operation_documents_429_with_retry_after(client: TestClient):
    """The schema lists 429 and its Retry-After header for every operation."""
    operations = [op for path in client.app.openapi()["paths"].values() for op in path.values()]
    assert operations
    for operation in operations:
        answer = operation["responses"]["429"]
        assert answer["headers"]["Retry-After"]["schema"]["type"] == "integer"
