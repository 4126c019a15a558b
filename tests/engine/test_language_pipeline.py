"""LanguagePipeline built from a crawler."""

from __future__ import annotations

import asyncio

from scrapy.utils.test import get_crawler

from pipelines.language import LanguagePipeline


def test_language_pipeline_sets_language_and_confidence() -> None:
    pipeline = LanguagePipeline.from_crawler(get_crawler())
    pipeline.open_spider()
    item = {"title": "Fiets te koop", "text": "Mooie fiets, weinig gebruikt, ophalen in Utrecht."}
    asyncio.run(pipeline.process_item(item))
    assert item["lang"] == "nl"
    assert 0.5 < item["lang_confidence"] <= 1.0
