"""Item pipeline: detect the language of an ad (stage 100 of docs/data-model.md)."""

from __future__ import annotations

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
        # Load the models before the first ad rather than in the middle of the crawl.
        self.detector.load()

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        adapter = ItemAdapter(item)
        text = "\n".join(value for value in (adapter.get("title"), adapter.get("text")) if value)
        adapter["lang"], adapter["lang_confidence"] = self.detector.detect(text)
        return item
