"""The shared page cap and rate of the workers (``crawler.handlers.SharedLimits``), on
stand-ins for Redis: the cap blocks, nothing but the wait for the rate comes between a
request's reserved moment and its download, a moment the worker read too late is given
up, and answers that stay too slow stop the source (simulated time)."""

from __future__ import annotations

import asyncio
from collections import Counter
from types import SimpleNamespace
from typing import Any

import pytest
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request

from crawler.frontier import REDIS_DOWN
from crawler.handlers import (
    LATE_TOLERANCE,
    SLOW_ANSWERS_SECONDS,
    SLOW_ANSWERS_STOP,
    SharedLimits,
)


class Redis:
    """The two calls the limits make, recorded in order."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.pages = 0

    async def incr(self, key: str) -> int:
        self.calls.append(f"incr {key}")
        self.pages += 1
        return self.pages


class Bucket:
    def __init__(self, client: Redis) -> None:
        self.client = client

    async def reserve(self, host: str, interval: float) -> float:
        self.client.calls.append(f"reserve {host}")
        return 0.0


class Guardrails:
    def __init__(self, pages: int) -> None:
        self.stopped: Any = None
        self.host_delays: dict[str, float] = {}
        self.base_delay = 0.2
        self.permit = SimpleNamespace(pages_per_run=pages)
        self.blocked: list[tuple[str, str]] = []

    def stop(self, rule: str) -> None:
        self.stopped = SimpleNamespace(rule=rule)

    def block(self, rule: str, url: str) -> None:
        self.blocked.append((rule, url))


def limits(pages: int) -> tuple[SharedLimits, Redis, Guardrails]:
    redis, guardrails = Redis(), Guardrails(pages)
    frontier = SimpleNamespace(keys=SimpleNamespace(pages="run:pages"))
    shared = SharedLimits(guardrails, frontier, Bucket(redis), None)  # type: ignore[arg-type]
    return shared, redis, guardrails


def test_the_page_cap_blocks_the_request_past_it() -> None:
    shared, redis, guardrails = limits(pages=2)

    async def crawl() -> None:
        for n in range(2):
            await shared.before_download(Request(f"http://127.0.0.1/ad/{n}"), robots=False)
        with pytest.raises(IgnoreRequest, match="page_cap"):
            await shared.before_download(Request("http://127.0.0.1/ad/2"), robots=False)

    asyncio.run(crawl())
    assert guardrails.stopped.rule == "page_cap"
    assert guardrails.blocked == [("page_cap", "http://127.0.0.1/ad/2")]
    # The blocked request took no moment of the shared rate.
    assert redis.calls.count("reserve 127.0.0.1") == 2


def test_a_page_is_counted_before_its_moment_is_reserved() -> None:
    shared, redis, _ = limits(pages=10)
    asyncio.run(shared.before_download(Request("http://127.0.0.1/ad/1"), robots=False))
    asyncio.run(shared.before_download(Request("http://127.0.0.1/robots.txt"), robots=True))
    # The reserved moment is the last call before the download (no Redis round trip
    # after it could make the request late), and robots.txt is no page.
    assert redis.calls == ["incr run:pages", "reserve 127.0.0.1", "reserve 127.0.0.1"]


class Clock:
    """Simulated time: sleeping and stalls move it, nothing waits for real."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class StalledBucket(Bucket):
    """Redis reserves a moment ``wait`` ahead of the instant it runs the reservation; the
    worker then stalls for ``stalls[n]`` seconds (descheduled on a loaded machine) before
    it reads the ``n``-th answer. ``outages`` answers before them fail (Redis down)."""

    def __init__(
        self, client: Redis, clock: Clock, *, wait: float, stalls: list[float], outages: int = 0
    ) -> None:
        super().__init__(client)
        self.clock, self.wait, self.stalls, self.outages = clock, wait, stalls, outages
        self.moments: list[float] = []

    async def reserve(self, host: str, interval: float) -> float:
        await super().reserve(host, interval)
        if self.outages:
            self.outages -= 1
            self.clock.now += 0.001
            raise REDIS_DOWN[0]("connection refused")
        self.moments.append(self.clock.now + self.wait)
        self.clock.now += self.stalls.pop(0) if self.stalls else 0.0005
        return self.wait


class Stats:
    def __init__(self) -> None:
        self.values: Counter[str] = Counter()

    def inc_value(self, key: str) -> None:
        self.values[key] += 1


def stalled(
    stalls: list[float], *, wait: float = 0.03, outages: int = 0
) -> tuple[SharedLimits, StalledBucket, Clock, Stats, Guardrails]:
    clock, redis, guardrails, stats = Clock(), Redis(), Guardrails(pages=10_000), Stats()
    frontier = SimpleNamespace(keys=SimpleNamespace(pages="run:pages"))
    bucket = StalledBucket(redis, clock, wait=wait, stalls=stalls, outages=outages)
    shared = SharedLimits(
        guardrails,
        frontier,
        bucket,
        stats,
        clock=clock,
        sleep=clock.sleep,  # type: ignore[arg-type]
    )
    return shared, bucket, clock, stats, guardrails


def download(shared: SharedLimits, n: int = 1) -> None:
    asyncio.run(shared.before_download(Request(f"http://127.0.0.1/ad/{n}"), robots=False))


def test_a_moment_whose_answer_was_read_late_is_given_up() -> None:
    # The stall falls between Redis's reservation and the worker reading it: sleeping the
    # full wait afterwards would send 0.1 s after the moment, next to the request of the
    # moment after it. The moment is given up and a new one taken, and used on time.
    shared, bucket, clock, stats, _ = stalled([LATE_TOLERANCE + 0.1])
    download(shared)
    assert len(bucket.moments) == 2
    assert stats.values["lcom/rate/late_reservations"] == 1
    assert bucket.moments[-1] <= clock.now <= bucket.moments[-1] + LATE_TOLERANCE


def test_a_moment_read_in_time_is_used_never_before_it() -> None:
    shared, bucket, clock, stats, _ = stalled([LATE_TOLERANCE / 5])
    download(shared)
    assert len(bucket.moments) == 1 and not stats.values
    # The sleep runs from the answer, so the request goes at or after its moment.
    assert bucket.moments[0] <= clock.now <= bucket.moments[0] + LATE_TOLERANCE


def test_an_answer_after_a_redis_outage_is_not_late() -> None:
    # The outage is waited out (0.1 s, 0.2 s, ...): only the attempt that Redis answered
    # counts for lateness, so its moment is used.
    shared, bucket, clock, stats, _ = stalled([], outages=3)
    download(shared)
    assert len(bucket.moments) == 1
    assert stats.values == {"lcom/redis/unreachable": 1}
    assert bucket.moments[0] <= clock.now <= bucket.moments[0] + LATE_TOLERANCE


def test_answers_slow_for_long_stop_the_source(caplog: Any) -> None:
    # A Redis too far away: every answer comes 0.1 s after it was asked, so every moment
    # is late. The worker warns, then stops the source instead of retaking moments for
    # ever (the request would never be sent, and the run would never end).
    shared, bucket, clock, _, guardrails = stalled([0.1] * 10_000, wait=0.24)
    with pytest.raises(IgnoreRequest, match="rate_unverifiable"):
        download(shared)
    assert guardrails.stopped.rule == "rate_unverifiable"
    assert guardrails.blocked == [("rate_unverifiable", "http://127.0.0.1/ad/1")]
    assert clock.now - 100.0 >= SLOW_ANSWERS_SECONDS
    assert len(bucket.moments) >= SLOW_ANSWERS_STOP
    assert "answers in a row to rate reservations came more than 50 ms" in caplog.text


def test_a_short_run_of_slow_answers_does_not_stop_the_source() -> None:
    # One stall of the event loop makes every request waiting on it slow at once.
    shared, bucket, _, stats, guardrails = stalled([0.1] * (SLOW_ANSWERS_STOP + 5))
    download(shared)
    assert guardrails.stopped is None
    assert len(bucket.moments) == SLOW_ANSWERS_STOP + 6
    assert stats.values["lcom/rate/late_reservations"] == SLOW_ANSWERS_STOP + 5
