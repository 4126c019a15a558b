"""The shared page cap and rate of the workers (``crawler.handlers.SharedLimits``), on
stand-ins for Redis: the cap blocks, and nothing but the wait for the rate comes
between a request's reserved moment and its download."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request

from crawler.handlers import SharedLimits


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
