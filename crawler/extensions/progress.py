"""A one-line progress display for long crawls on a terminal.

Off when stderr is not a terminal (CI, cron, logs) unless ``LCOM_PROGRESS`` is
set; never prints ad content, only counts.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any, TextIO

from scrapy import signals
from scrapy.exceptions import NotConfigured

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector


class Progress:
    def __init__(self, stats: StatsCollector, stream: TextIO, interval: float = 0.5) -> None:
        self.stats = stats
        self.stream = stream
        self.interval = interval
        self._last = 0.0
        self._started = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Progress:
        setting = crawler.settings.get("LCOM_PROGRESS")
        enabled = (
            sys.stderr.isatty()
            if setting in (None, "")
            else crawler.settings.getbool("LCOM_PROGRESS")
        )
        if not enabled:
            # Without a reason Scrapy logs this at DEBUG: being off is the normal case.
            raise NotConfigured
        assert crawler.stats is not None
        ext = cls(crawler.stats, sys.stderr)
        crawler.signals.connect(ext.tick, signal=signals.response_received)
        crawler.signals.connect(ext.tick, signal=signals.item_scraped)
        crawler.signals.connect(ext.tick, signal=signals.item_dropped)
        crawler.signals.connect(ext.finish, signal=signals.spider_closed)
        return ext

    def line(self) -> str:
        get = self.stats.get_value
        blocked = sum(
            value
            for key, value in self.stats.get_stats().items()
            if key.startswith("lcom/guardrails/blocked/") and isinstance(value, int)
        )
        elapsed = time.monotonic() - self._started
        return (
            f"\r{elapsed:6.1f}s  pages {get('response_received_count', 0):5d}  "
            f"ads {get('lcom/ads/extracted', 0):5d}  hits {get('lcom/pipeline/hits', 0):4d}  "
            f"blocked {blocked:4d}"
        )

    def tick(self, *args: Any, **kwargs: Any) -> None:
        now = time.monotonic()
        if now - self._last >= self.interval:
            self._last = now
            self.stream.write(self.line())
            self.stream.flush()

    def finish(self, *args: Any, **kwargs: Any) -> None:
        self.stream.write(self.line() + "\n")
        self.stream.flush()
