"""Admission: no more requests in the app at once than its database connections serve."""

import asyncio

import httpx

from scheduler.api.admission import Admission, requests_at_once


def test_at_most_limit_requests_are_inside_and_every_one_is_answered() -> None:
    """12 requests at once through a limit of 3: never more than 3 inside, all 12 answered."""
    inside = 0
    most = 0

    async def slow_app(scope, receive, send) -> None:
        nonlocal inside, most
        inside += 1
        most = max(most, inside)
        await asyncio.sleep(0.02)
        inside -= 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def burst() -> list[int]:
        transport = httpx.ASGITransport(app=Admission(slow_app, limit=3))
        async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
            answers = await asyncio.gather(*(client.get("/") for _ in range(12)))
        return [answer.status_code for answer in answers]

    assert asyncio.run(burst()) == [200] * 12
    assert most == 3


def test_a_request_may_hold_two_connections_and_the_audit_writer_one() -> None:
    """PostgreSQL's 40 connections admit 19 requests at once, SQLite's 60 admit 29."""
    assert requests_at_once(40) == 19
    assert requests_at_once(60) == 29
    assert requests_at_once(2) == 1
