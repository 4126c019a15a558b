"""The shared page cap and rate of the workers (``crawler.handlers.SharedLimits``), on
stand-ins for Redis: the cap blocks, nothing but the wait for the rate comes between a
request's reserved moment and its download, and a moment the worker read too late is
given up."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from types import SimpleNamespace
from typing import Any

import pytest
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request

from crawler.handlers import LATE_TOLERANCE, SharedLimits


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


class StalledBucket(Bucket):
    """Redis reserves a moment ``wait`` ahead, then the worker stalls before it reads the
    answer (descheduled on a loaded machine): the first ``stalls`` answers come late."""

    def __init__(self, client: Redis, *, wait: float, stall: float, stalls: int) -> None:
        super().__init__(client)
        self.wait, self.stall, self.stalls = wait, stall, stalls

    async def reserve(self, host: str, interval: float) -> float:
        await super().reserve(host, interval)
        if self.stalls:
            self.stalls -= 1
            time.sleep(self.stall)  # blocks the event loop, as a stalled process would
        return self.wait


class Stats:
    def __init__(self) -> None:
        self.values: Counter[str] = Counter()

    def inc_value(self, key: str) -> None:
        self.values[key] += 1


def stalled(stall: float, stalls: int = 1) -> tuple[SharedLimits, Redis, Stats]:
    redis, guardrails, stats = Redis(), Guardrails(pages=10), Stats()
    frontier = SimpleNamespace(keys=SimpleNamespace(pages="run:pages"))
    bucket = StalledBucket(redis, wait=0.03, stall=stall, stalls=stalls)
    return SharedLimits(guardrails, frontier, bucket, stats), redis, stats  # type: ignore[arg-type]


def test_a_moment_whose_answer_was_read_late_is_given_up(caplog: Any) -> None:
    # The stall falls between Redis's reservation and the worker reading it: sleeping the
    # full wait afterwards would send LATE_TOLERANCE + 0.1 s after the moment, next to
    # the request of the moment after it. The moment is given up and a new one taken.
    shared, redis, stats = stalled(stall=LATE_TOLERANCE + 0.1)
    asyncio.run(shared.before_download(Request("http://127.0.0.1/ad/1"), robots=False))
    assert redis.calls.count("reserve 127.0.0.1") == 2
    assert stats.values["lcom/rate/late_reservations"] == 1
    assert "Redis answered a rate reservation in" in caplog.text


def test_a_moment_read_in_time_is_used() -> None:
    shared, redis, stats = stalled(stall=LATE_TOLERANCE / 5)
    asyncio.run(shared.before_download(Request("http://127.0.0.1/ad/1"), robots=False))
    assert redis.calls.count("reserve 127.0.0.1") == 1
    assert not stats.values
