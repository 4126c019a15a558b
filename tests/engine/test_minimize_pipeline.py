"""MinimizePipeline: drops non-hits without a trace, builds hit documents."""

from __future__ import annotations

from typing import Any

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from pipelines.engine.minimize import ALWAYS_STORED, doc_id
from pipelines.minimize import MinimizePipeline

from .test_minimize import KEY, flagged_item


def build(settings: dict[str, Any] | None = None) -> tuple[MinimizePipeline, Any]:
    crawler = get_crawler(settings_dict=settings or {})
    crawler.stats.open_spider()
    return MinimizePipeline.from_crawler(crawler), crawler.stats


def test_non_hit_is_dropped_counted_and_reduced_to_its_ids() -> None:
    pipeline, stats = build()
    item = flagged_item(hit=False)
    with pytest.raises(DropItem):
        pipeline.process_item(item)
    assert stats.get_value("lcom/pipeline/dropped/non_hit") == 1
    assert stats.get_value("lcom/pipeline/hits") is None
    # Scrapy logs dropped items: only the source and the document id (a hash of the ad
    # id, which may hold a contact) are left to log.
    assert item == {"source": "demo", "doc_id": doc_id("demo", "ad-00042", KEY)}


def test_hit_becomes_the_hit_document_and_is_counted() -> None:
    pipeline, stats = build()
    document = pipeline.process_item(flagged_item())
    assert document["review"] == {"state": "new"}
    assert "name" not in document
    assert "image_phash" not in document
    assert stats.get_value("lcom/pipeline/hits") == 1


def test_stored_fields_and_media_come_from_the_settings() -> None:
    pipeline, _ = build(
        {"LCOM_STORED_FIELDS": ["title", "image_phash", "name"], "LCOM_MEDIA": "hash"}
    )
    document = pipeline.process_item(flagged_item())
    assert set(document) == ALWAYS_STORED | {"title", "image_phash"}


def test_item_that_skipped_pseudonymisation_is_dropped() -> None:
    pipeline, stats = build()
    item = flagged_item()
    del item["contact_pseudonyms"]
    with pytest.raises(DropItem):
        pipeline.process_item(item)
    assert stats.get_value("lcom/pipeline/dropped/not_pseudonymised") == 1


def test_item_without_the_pseudonymisation_mark_is_dropped() -> None:
    pipeline, stats = build()
    item = flagged_item()
    del item["_lcom_pseudonymised"]
    with pytest.raises(DropItem):
        pipeline.process_item(item)
    assert stats.get_value("lcom/pipeline/dropped/not_pseudonymised") == 1
    assert "text" not in item


def test_hit_document_keeps_the_doc_id_of_the_original_ad_id() -> None:
    # The pseudonymiser set doc_id before it replaced a phone number in the ad id.
    pipeline, _ = build()
    original = doc_id("demo", "anna-0612345678", KEY)
    document = pipeline.process_item(
        flagged_item(source_ad_id="anna-[phone:1a2b3c4d]", doc_id=original)
    )
    assert document["doc_id"] == original
    assert document["source_ad_id"] == "anna-[phone:1a2b3c4d]"


def test_incomplete_hit_is_dropped() -> None:
    pipeline, stats = build()
    with pytest.raises(DropItem):
        pipeline.process_item(flagged_item(fetched_at=None))
    assert stats.get_value("lcom/pipeline/dropped/incomplete") == 1


def test_invalid_media_setting_stops_the_pipeline_from_being_built() -> None:
    with pytest.raises(ValueError, match="LCOM_MEDIA"):
        build({"LCOM_MEDIA": "download"})
