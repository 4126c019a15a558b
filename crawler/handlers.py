"""Download handler of a worker on Redis: the shared rate and page cap, at the last moment.

Used only when ``LCOM_REDIS_URL`` is set (``crawler/runtime.py`` installs it for
``http`` and ``https`` at the policy's priority). Before a request goes on the
wire, after every middleware and Scrapy's own per-host delay, it:

1. reserves the host's next free moment in the shared token bucket
   (:class:`crawler.frontier.TokenBucket`; interval: the policy's
   ``1 / requests_per_second`` or the host's longer Crawl-delay, plus a 20 %
   margin) and waits for it, so all workers together keep the policy's rate. A
   moment missed by more than ``LATE_TOLERANCE`` (the worker was busy, also while
   Redis's answer waited to be read) is given up and a new one reserved, so a
   stalled worker never sends a burst; answers that stay too slow for 30 s stop the
   source (``rate_unverifiable``) rather than retake moments for ever;
2. counts the page against the run's shared ``pages_per_run`` (robots.txt
   fetches excepted); the first page over the cap stops the source everywhere.

Redis unreachable: the request waits and retries (the worker pauses); it is
never sent without a token. A source stopped while the request waited is not
fetched. Then the request goes to scrapy-playwright's handler (which passes
plain HTTP requests on to Scrapy's), or straight to Scrapy's HTTP handler when
the source has no JavaScript pages (``crawler/runtime.py`` decides).

Only the page a browser opens is paced; the sub-requests the browser makes for
it are checked by the guardrails (``PLAYWRIGHT_ABORT_REQUEST``) but not paced.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.exceptions import IgnoreRequest
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

from crawler.frontier import REDIS_DOWN, TokenBucket

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response

    from crawler.frontier import Frontier
    from crawler.middlewares.guardrails import Guardrails

logger = logging.getLogger(__name__)

#: Longest pause between two attempts to reach Redis.
MAX_RETRY_PAUSE = 2.0
#: The shared interval is this much longer than the policy's: the moment a request
#: reaches the site varies (event loop, connection, network), and the policy's rate must
#: hold where it is measured, at the site, in every 1-second window. With ``R`` requests
#: per second, ``R + 1`` requests fit in one window only if the first of them is delayed
#: (from its moment to the site) ``R * interval - 1`` = 0.2 s more than the last one (0.1 s
#: at a 10 % margin, which a loaded machine came close to). ``LATE_TOLERANCE`` takes a
#: quarter of that; the rest is left for the way from the worker to the site, which is assumed,
#: not enforced: a nearby site and kept-alive connections (a new TLS connection to a far
#: site takes several round trips).
RATE_MARGIN = 1.2
#: A reserved moment is used only this close to it (seconds, counted from just before the
#: reservation was asked for, so the Redis round trip is inside it), so a worker whose
#: event loop stalled cannot send a burst afterwards.
LATE_TOLERANCE = 0.05
#: Answers to reservations in a row that alone came later than ``LATE_TOLERANCE``: after
#: this many a warning, and after as many more over at least ``SLOW_ANSWERS_SECONDS`` the
#: worker cannot keep the policy's rate (Redis too far away, the machine overloaded) and
#: stops the source instead of retaking moments for ever. One stall of the event loop
#: makes every request waiting on it slow at once: the time keeps that from stopping.
SLOW_ANSWERS_WARNING = 3
SLOW_ANSWERS_STOP = 10
SLOW_ANSWERS_SECONDS = 30.0


class SharedLimits:
    """The shared rate and page cap, waiting out Redis outages (never skipping them)."""

    def __init__(
        self,
        guardrails: Guardrails,
        frontier: Frontier,
        bucket: TokenBucket,
        stats: Any,
        *,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.guardrails = guardrails
        self.frontier = frontier
        self.bucket = bucket
        self.stats = stats
        #: The event loop's clock unless given (tests give a simulated one).
        self._clock = clock
        self._sleep = sleep
        self._down = False
        self._slow_answers = 0
        self._slow_since = 0.0

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)

    def _check_stopped(self) -> None:
        stopped = self.guardrails.stopped
        if stopped is not None:
            raise IgnoreRequest(f"blocked by guardrail {stopped.rule}")

    async def _retrying(self, what: str, call: Any) -> Any:
        pause = 0.1
        while True:
            self._check_stopped()
            try:
                result = await call()
            except REDIS_DOWN:
                if not self._down:
                    self._down = True
                    self._inc("lcom/redis/unreachable")
                    logger.error("Redis unreachable (%s): requests wait until it is back", what)
                await self._sleep(pause)
                pause = min(MAX_RETRY_PAUSE, pause * 2)
                continue
            if self._down:
                self._down = False
                logger.warning("Redis reachable again: requests continue")
            return result

    async def before_download(self, request: Request, *, robots: bool) -> None:
        host = urlsplit(request.url).hostname or ""
        if not robots:
            # Counted before the wait for the rate, so that nothing but the send follows
            # the moment (a request stopped meanwhile counts: the crawl stops anyway).
            pages_key = self.frontier.keys.pages
            pages = int(
                await self._retrying("page cap", lambda: self.bucket.client.incr(pages_key))
            )
            if pages > self.guardrails.permit.pages_per_run:
                self.guardrails.stop("page_cap")
                self.guardrails.block("page_cap", request.url)
                raise IgnoreRequest("blocked by guardrail page_cap")
        interval = self.guardrails.host_delays.get(host, self.guardrails.base_delay) * RATE_MARGIN
        clock = self._clock or asyncio.get_running_loop().time
        asked = 0.0

        async def reserve() -> float:
            nonlocal asked
            asked = clock()  # per attempt: a Redis outage waited out is no late answer
            return await self.bucket.reserve(host, interval)

        while True:
            # Redis reserves the moment at some instant between ``asked`` and the answer
            # (this worker's clock), so the moment lies between ``asked + wait`` and
            # ``answered + wait``. Sleep to the latest (never early) and judge lateness from
            # the earliest: a worker stalled before it read the answer is late, however
            # long it then sleeps.
            wait = await self._retrying("rate", reserve)
            answered = clock()
            self._count_answer(asked, answered, request)
            if wait > 0:
                await self._sleep(max(0.0, answered + wait - clock()))
            self._check_stopped()
            if clock() - (asked + wait) <= LATE_TOLERANCE:
                break
            # The worker was busy past its moment: sending now could bunch with the
            # requests of later moments. Take a new one.
            self._inc("lcom/rate/late_reservations")

    def _count_answer(self, asked: float, answered: float, request: Request) -> None:
        """Count answers to reservations that alone came too late; stop when they persist."""
        seconds = answered - asked
        if seconds <= LATE_TOLERANCE:
            self._slow_answers = 0
            return
        if not self._slow_answers:
            self._slow_since = asked
        self._slow_answers += 1
        if self._slow_answers == SLOW_ANSWERS_WARNING:  # once in each run of slow answers
            logger.warning(
                "%d answers in a row to rate reservations came more than %.0f ms after they "
                "were asked (last: %.0f ms; a slow Redis or a stalled worker): their moments "
                "are given up",
                self._slow_answers, LATE_TOLERANCE * 1000, seconds * 1000,
            )  # fmt: skip
        lasting = answered - self._slow_since
        if self._slow_answers >= SLOW_ANSWERS_STOP and lasting >= SLOW_ANSWERS_SECONDS:
            logger.error(
                "for %.0f s (%d answers in a row) answers to rate reservations came more than "
                "%.0f ms after they were asked: the policy's rate cannot be kept, the source "
                "stops (Redis must answer well within %.0f ms)",
                lasting, self._slow_answers, LATE_TOLERANCE * 1000, LATE_TOLERANCE * 1000,
            )  # fmt: skip
            self.guardrails.stop("rate_unverifiable")
            self.guardrails.block("rate_unverifiable", request.url)
            raise IgnoreRequest("blocked by guardrail rate_unverifiable")


class _Paced:
    """Waits for the shared rate and page cap, then downloads as the handler it is mixed into."""

    _lcom_crawler: Crawler
    _limits: SharedLimits | None = None

    def _shared(self) -> SharedLimits:
        if self._limits is None:
            from crawler.middlewares.guardrails import guardrails_for

            crawler = self._lcom_crawler
            frontier: Frontier | None = getattr(crawler, "lcom_frontier", None)
            bucket: TokenBucket | None = getattr(crawler, "lcom_bucket", None)
            if frontier is None or bucket is None:
                raise RuntimeError("the paced download handler needs the lcom Redis runtime")
            self._limits = SharedLimits(guardrails_for(crawler), frontier, bucket, crawler.stats)
        return self._limits

    async def download_request(self, request: Request) -> Response:
        from crawler.middlewares.guardrails import is_robots_txt

        await self._shared().before_download(request, robots=is_robots_txt(request))
        response: Response = await super().download_request(request)  # type: ignore[misc]
        return response


class PacedDownloadHandler(_Paced, ScrapyPlaywrightDownloadHandler):  # type: ignore[misc]
    """scrapy-playwright's handler (sources with JavaScript pages) behind the shared limits."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._lcom_crawler = crawler


class PacedHTTPDownloadHandler(_Paced, HTTP11DownloadHandler):
    """Scrapy's HTTP handler (sources without JavaScript pages) behind the shared limits."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._lcom_crawler = crawler
