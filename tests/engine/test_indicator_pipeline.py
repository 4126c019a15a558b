"""The thin Scrapy item pipeline around the indicator engine."""

from __future__ import annotations

import asyncio
import threading
from types import ModuleType
from typing import Any

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from pipelines.engine.indicators import IndicatorEngine
from pipelines.indicators import IndicatorPipeline
from pipelines.offload import INLINE_TEXT_CHARS
from pipelines.pseudonymize import PSEUDONYMISED
from tests.support.threads import record_threads


def make_item(**fields: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "source": "demo",
        "title": "NIEUW in Utrecht, Roemeense Bianca",
        "text": "Net aangekomen, 24/7 bereikbaar. 150€/u",
        "lang": "nl",
        "age_text": None,
        "price_text": None,
        PSEUDONYMISED: True,
    }
    item.update(fields)
    return item


def process(pipeline: IndicatorPipeline, item: dict[str, Any]) -> Any:
    return asyncio.run(pipeline.process_item(item))


def build(settings: dict[str, Any] | None = None) -> tuple[IndicatorPipeline, Any]:
    crawler = get_crawler(settings_dict=settings or {})
    crawler.stats.open_spider()
    return IndicatorPipeline.from_crawler(crawler), crawler.stats


def test_pipeline_adds_the_indicator_fields_and_counts_stats() -> None:
    pipeline, stats = build({"LCOM_DERIVE_ORIGIN": True})
    item = process(pipeline, make_item(age_text="19"))
    assert item["categories"] == ["availability_24_7", "movement", "origin", "youth"]
    assert item["hit"] is True
    assert item["stated_age"] == 19
    assert item["price"] == {"amount": 150.0, "currency": "EUR", "per_hours": 1.0}
    assert item["lexicon_version"] == pipeline.engine.version
    assert all(isinstance(i, dict) for i in item["indicators"])
    assert stats.get_value("lcom/indicators/hits") == 1
    assert stats.get_value("lcom/indicators/category/movement") == 1
    assert stats.get_value("lcom/indicators/category/origin") == 1


def test_origin_is_off_unless_the_policy_allows_it() -> None:
    pipeline, stats = build()
    item = process(pipeline, make_item())
    assert "origin" not in item["categories"]
    assert stats.get_value("lcom/indicators/category/origin") is None


def test_non_hits_are_kept_for_minimisation_to_drop() -> None:
    pipeline, stats = build()
    item = process(pipeline, make_item(title="Fiets te koop", text="Gazelle, 275 euro"))
    assert item["hit"] is False
    assert item["indicators"] == []
    assert stats.get_value("lcom/indicators/hits") is None


@pytest.mark.parametrize(("value", "expected"), [("0.5", 0.5), (3, 3.0)])
def test_threshold_and_lexicon_dir_settings(value: Any, expected: float) -> None:
    from pipelines.engine.lexicon import DEFAULT_LEXICON_DIR

    pipeline, _ = build({"LCOM_HIT_THRESHOLD": value, "LCOM_LEXICON_DIR": str(DEFAULT_LEXICON_DIR)})
    assert pipeline.engine.threshold == expected


def test_pipeline_can_be_built_without_a_crawler() -> None:
    pipeline = IndicatorPipeline(IndicatorEngine.from_dir(), derive_origin=True)
    item = process(pipeline, make_item())
    assert "origin" in item["categories"]


def test_item_that_was_not_pseudonymised_is_dropped_before_any_snippet_is_cut() -> None:
    pipeline, stats = build()
    item = make_item(source_ad_id="ad-1", text="Net aangekomen, bel 0612345678")
    del item[PSEUDONYMISED]
    with pytest.raises(DropItem):
        process(pipeline, item)
    assert "indicators" not in item
    assert set(item) == {"source", "doc_id"}
    assert stats.get_value("lcom/pipeline/dropped/not_pseudonymised") == 1


def test_a_long_ad_is_analysed_off_the_event_loop(
    monkeypatch: pytest.MonkeyPatch, indicators_source: ModuleType
) -> None:
    # The engine of the source module: the compiled one's methods cannot be replaced.
    pipeline = IndicatorPipeline(indicators_source.IndicatorEngine.from_dir())
    loop_ran = threading.Event()
    analyse = pipeline.engine.analyse

    def slow_analyse(*args: Any, **kwargs: Any) -> Any:
        # Inline on the event loop this wait could only time out.
        assert loop_ran.wait(10)
        return analyse(*args, **kwargs)

    monkeypatch.setattr(pipeline.engine, "analyse", slow_analyse)

    async def main() -> Any:
        async def other_work() -> None:
            loop_ran.set()

        other = asyncio.create_task(other_work())
        long_text = "Net aangekomen, 24/7 bereikbaar. " + "Lekker. " * INLINE_TEXT_CHARS
        item = await pipeline.process_item(make_item(text=long_text))
        await other
        return item

    assert asyncio.run(main())["hit"] is True


def test_an_ordinary_ad_is_analysed_inline(
    monkeypatch: pytest.MonkeyPatch, indicators_source: ModuleType
) -> None:
    pipeline = IndicatorPipeline(indicators_source.IndicatorEngine.from_dir())
    threads = record_threads(monkeypatch, pipeline.engine, "analyse")
    assert process(pipeline, make_item())["hit"] is True
    assert threads == [threading.main_thread()]
