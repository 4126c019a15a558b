"""Scheduler of a worker on the shared Redis frontier (``LCOM_REDIS_URL`` set).

Built on :mod:`crawler.frontier`; used instead of Scrapy's scheduler only when
the runtime found ``LCOM_REDIS_URL`` (``crawler/runtime.py`` sets ``SCHEDULER``).

- ``enqueue_request`` pushes the request with its fingerprint (Scrapy's own
  request fingerprinter) through the run's shared dupefilter, atomically.
- ``next_request`` moves the next request into this worker's processing list
  (``LMOVE``) and remembers it; once the engine has finished with it (the
  download, the callback or errback, the item pipelines and the scheduling of
  what the callback yielded), it is acknowledged. A request the engine still
  holds is never acknowledged, so a worker killed at any moment leaves it in
  its processing list, and a live worker's reaper queues it again.
- A heartbeat loop renews this worker's heartbeat, acknowledges finished
  requests, reaps dead workers and wakes the engine when other workers queued
  something. A worker that runs out of requests stays open while any other
  worker of the run still holds some (they may yield more).
- Redis unreachable: nothing is taken, requests to push and acknowledgements
  wait in memory and are sent when Redis is back; the worker stays open and
  logs it. It never crawls without the shared state.

Why not scrapy-redis's scheduler: its queues pop destructively (``RPOP``,
``ZREM``), so a killed worker loses every request it had taken; its dupefilter
and queue are two separate calls (a request can be marked seen and never
queued); and it pickles requests by default. lcom keeps its Redis key layout
(one queue and one dupefilter set per spider run) and its idea of a shared
fingerprint set, and implements the at-least-once part itself (Lua, ``LMOVE``).
"""

from __future__ import annotations

import json
import logging
import secrets
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.core.scheduler import BaseScheduler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request
from scrapy.utils.asyncio import create_looping_call

from crawler.frontier import REDIS_DOWN, Frontier

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.spiders import Spider

logger = logging.getLogger(__name__)

#: Meta keys that are rebuilt from the source config on the worker that takes a request.
_DERIVED_META_PREFIXES = ("playwright", "download_slot", "_")


def encode_request(request: Request) -> bytes:
    """A request as JSON: its URL, priority, filter flag and plain meta values."""
    meta: dict[str, Any] = {}
    for key, value in request.meta.items():
        if str(key).startswith(_DERIVED_META_PREFIXES):
            continue
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            continue
        meta[str(key)] = value
    record = {
        "url": request.url,
        "priority": request.priority,
        "dont_filter": request.dont_filter,
        "meta": meta,
        # Two pushes of the same URL (a retry, say) are two entries of the processing list.
        "nonce": secrets.token_hex(6),
    }
    return json.dumps(record, separators=(",", ":"), sort_keys=True).encode("utf-8")


def decode_request(payload: bytes, spider: Any) -> Request | None:
    """The request ``spider.request_for`` builds for the stored URL, with its stored meta."""
    try:
        record = json.loads(payload)
        url = str(record["url"])
        meta = dict(record.get("meta") or {})
        priority = int(record.get("priority", 0))
        dont_filter = bool(record.get("dont_filter", False))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    build = getattr(spider, "request_for", None)
    request = build(url, priority=priority, dont_filter=dont_filter) if build else None
    if not isinstance(request, Request):
        return None
    for key, value in meta.items():
        request.meta.setdefault(key, value)
    return request


class RedisScheduler(BaseScheduler):
    def __init__(self, crawler: Crawler, frontier: Frontier, interval: float) -> None:
        self.crawler = crawler
        self.frontier = frontier
        self.interval = interval
        self.spider: Spider | None = None
        #: Requests taken from Redis that the engine has not finished: id -> (request, payload).
        self.taken: dict[int, tuple[Request, bytes]] = {}
        #: Pushes and acknowledgements waiting for Redis to come back.
        self.pending_push: list[tuple[str | None, bytes]] = []
        self.pending_ack: list[bytes] = []
        self.redis_down = False
        self._loop: Any = None
        self._last_reap = 0.0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisScheduler:
        frontier: Frontier | None = getattr(crawler, "lcom_frontier", None)
        if frontier is None:
            raise RuntimeError("the Redis scheduler needs the frontier the lcom runtime prepares")
        interval = min(1.0, frontier.heartbeat_ttl / 3)
        scheduler = cls(crawler, frontier, interval)
        crawler.signals.connect(scheduler.spider_idle, signal=signals.spider_idle)
        return scheduler

    # -- life cycle ------------------------------------------------------------
    def open(self, spider: Spider) -> None:
        self.spider = spider
        self.frontier.register()
        logger.info(
            "worker %s joined run %s of source %s (%d request(s) queued)",
            self.frontier.worker,
            self.frontier.keys.run_id,
            self.frontier.keys.source,
            self.frontier.queued(),
        )
        self._loop = create_looping_call(self.tick)
        self._loop.start(self.interval, now=False)

    def close(self, reason: str) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        self._loop = None
        try:
            self._flush()
            self._collect_finished(everything=True)
            self._flush()
            self.frontier.unregister()
            self.frontier.finish()
        except REDIS_DOWN:
            logger.error(
                "Redis unreachable while worker %s closed: what it held is returned to the "
                "queue by the other workers once its heartbeat expires",
                self.frontier.worker,
            )

    # -- the Scrapy scheduler interface ---------------------------------------
    def has_pending_requests(self) -> bool:
        if self.redis_down or self.pending_push:
            return True
        try:
            return self.frontier.queued() > 0
        except REDIS_DOWN:
            self._went_down()
            return True

    def enqueue_request(self, request: Request) -> bool:
        fingerprint = None
        if not request.dont_filter:
            fingerprinter = self.crawler.request_fingerprinter
            fingerprint = fingerprinter.fingerprint(request).hex()
        payload = encode_request(request)
        if self.redis_down or self.pending_push:
            self.pending_push.append((fingerprint, payload))
            return True
        try:
            queued = self.frontier.push(fingerprint, payload)
        except REDIS_DOWN:
            self._went_down()
            self.pending_push.append((fingerprint, payload))
            return True
        self._inc("lcom/frontier/pushed" if queued else "lcom/frontier/duplicate")
        return queued

    def next_request(self) -> Request | None:
        self._collect_finished()
        if self.redis_down or self._stopped():
            return None
        while True:
            try:
                payload = self.frontier.take()
            except REDIS_DOWN:
                self._went_down()
                return None
            if payload is None:
                return None
            request = decode_request(payload, self.spider)
            if request is None:
                self._inc("lcom/frontier/undecodable")
                logger.warning("a queued request could not be read; it is dropped")
                self.pending_ack.append(payload)
                continue
            self.taken[id(request)] = (request, payload)
            self._inc("lcom/frontier/taken")
            return request

    # -- housekeeping ----------------------------------------------------------
    def tick(self) -> None:
        """Heartbeat, acknowledgements, reaping; wakes the engine for new work."""
        try:
            self.frontier.heartbeat()
            if self.redis_down:
                self.redis_down = False
                logger.warning("Redis is reachable again: worker %s resumes", self.frontier.worker)
            self._collect_finished()
            self._flush()
            now = _monotonic()
            if now - self._last_reap >= self.frontier.heartbeat_ttl / 2:
                self._last_reap = now
                if self.frontier.reap():
                    self._inc("lcom/frontier/reaped")
            queued = self.frontier.queued()
        except REDIS_DOWN:
            self._went_down()
            return
        if queued:
            _wake(self.crawler)

    def spider_idle(self) -> None:
        """Stay open while the run has work anywhere (or Redis cannot tell)."""
        if self._stopped():
            return
        if self.redis_down or self.pending_push or self.pending_ack:
            raise DontCloseSpider
        try:
            if self.frontier.outstanding() > 0:
                raise DontCloseSpider
        except REDIS_DOWN as exc:
            self._went_down()
            raise DontCloseSpider from exc

    def _collect_finished(self, *, everything: bool = False) -> None:
        if not self.taken:
            return
        inprogress = _in_progress(self.crawler)
        if inprogress is None and not everything:
            return  # cannot tell: acknowledge at close only
        for key, (request, payload) in list(self.taken.items()):
            if everything or request not in (inprogress or ()):
                del self.taken[key]
                self.pending_ack.append(payload)

    def _flush(self) -> None:
        if self.pending_push:
            while self.pending_push:
                fingerprint, payload = self.pending_push[0]
                self.frontier.push(fingerprint, payload)
                self.pending_push.pop(0)
        if self.pending_ack:
            done, self.pending_ack = self.pending_ack, []
            try:
                self.frontier.ack(done)
            except REDIS_DOWN:
                self.pending_ack[:0] = done
                raise

    def _stopped(self) -> bool:
        guardrails = getattr(self.crawler, "lcom_guardrails", None)
        return guardrails is not None and guardrails.stopped is not None

    def _went_down(self) -> None:
        if not self.redis_down:
            logger.error(
                "Redis unreachable: worker %s pauses (nothing is fetched) and retries",
                self.frontier.worker,
            )
            self._inc("lcom/redis/unreachable")
        self.redis_down = True

    def _inc(self, key: str) -> None:
        stats = getattr(self.crawler, "stats", None)
        if stats is not None:
            stats.inc_value(key)


def _monotonic() -> float:
    import time

    return time.monotonic()


def _in_progress(crawler: Crawler) -> set[Request] | None:
    """The requests the engine is downloading or scraping (Scrapy's engine slot)."""
    slot = getattr(getattr(crawler, "engine", None), "_slot", None)
    inprogress = getattr(slot, "inprogress", None)
    return inprogress if isinstance(inprogress, set) else None


def _wake(crawler: Crawler) -> None:
    """Ask the engine to look for requests now rather than at its next 5-second heartbeat."""
    slot = getattr(getattr(crawler, "engine", None), "_slot", None)
    nextcall = getattr(slot, "nextcall", None)
    if nextcall is not None:
        nextcall.schedule()
