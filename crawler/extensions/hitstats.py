"""Count stored hits per indicator category: ``lcom/hits/category/<id>``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy import signals

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector


class HitStats:
    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HitStats:
        assert crawler.stats is not None
        ext = cls(crawler.stats)
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        return ext

    def item_scraped(self, item: Any, **kwargs: Any) -> None:
        for category in item.get("categories") or ():
            self.stats.inc_value(f"lcom/hits/category/{category}")
