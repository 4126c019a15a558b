"""Item pipeline: detect the language of an ad (stage 100 of docs/data-model.md)."""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING, Any, Self

from itemadapter import ItemAdapter

from pipelines.engine.language import LanguageDetector, default_detector

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler


class LanguagePipeline:
    """Sets ``lang`` and ``lang_confidence`` from the title and text."""

    def __init__(self, detector: LanguageDetector) -> None:
        self.detector = detector

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        # One detector per process: the language models are large and load once.
        return cls(default_detector())

    def open_spider(self, spider: Spider | None = None) -> None:
        # Loading the models takes seconds: do it in a thread while the crawl starts,
        # instead of blocking the reactor.
        self._loader = threading.Thread(
            target=self.detector.load, name="lcom-language-models", daemon=True
        )
        self._loader.start()

    async def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        if not self.detector.loaded:
            await asyncio.to_thread(self.detector.load)  # waits for the loader thread
        adapter = ItemAdapter(item)
        text = "\n".join(value for value in (adapter.get("title"), adapter.get("text")) if value)
        adapter["lang"], adapter["lang_confidence"] = self.detector.detect(text)
        return item
