"""The thin Scrapy item pipeline around the linking engine."""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import Any

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from pipelines.engine.minimize import build_hit_document
from pipelines.linking import LinkingPipeline
from pipelines.links.model import LinkUpdate
from pipelines.pseudonymize import PSEUDONYMISED


def make_item(n: int, city: str, *, hit: bool = True, **fields: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "source": "demo",
        "source_ad_id": f"ad-{n}",
        "doc_id": f"demo:{n:032x}",
        "title": f"Ad {n}",
        "text": f"Text of ad {n} in {city}",
        "city": city,
        "posted": f"2026-11-{n + 1:02d}",
        "fetched_at": "2026-11-28T10:00:00Z",
        "contact_pseudonyms": ["p" * 64],
        "name_pseudonyms": [],
        "stated_age": 20 + n,
        "hit": hit,
        "score": 1.0 if hit else 0.0,
        "context": {"service": True},
        PSEUDONYMISED: True,
    }
    item.update(fields)
    return item


def build(tmp_path: Path, **settings: Any) -> tuple[LinkingPipeline, Any, list[LinkUpdate]]:
    crawler = get_crawler(
        settings_dict={
            "LCOM_VAR_DIR": str(tmp_path / "var"),
            # The suite's compiled lexicons (tests/conftest.py), as a crawl's settings read it.
            "LCOM_LEXICON_CACHE": os.environ.get("LCOM_LEXICON_CACHE"),
            **settings,
        },
    )
    crawler.stats.open_spider()
    pipeline = LinkingPipeline.from_crawler(crawler)
    updates: list[LinkUpdate] = []
    if pipeline.updates_sink is not None:  # the signal to the Elasticsearch pipeline
        pipeline.updates_sink = updates.extend
    pipeline.open_spider()
    return pipeline, crawler.stats, updates


def process(pipeline: LinkingPipeline, item: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = asyncio.run(pipeline.process_item(item))
    return result


def test_hits_get_links_fields_and_earlier_hits_get_them_as_updates(tmp_path: Path) -> None:
    pipeline, stats, updates = build(tmp_path)
    process(pipeline, make_item(0, "Breda"))
    process(pipeline, make_item(1, "Ede"))
    third = process(pipeline, make_item(2, "Venlo"))
    links = third["links"]
    assert links["contact_cluster"] == "p" * 64
    assert links["cities"] == ["Breda", "Ede", "Venlo"]
    assert (links["n_cities"], links["window_days"]) == (3, 2)
    assert [d["indicator"] for d in links["indicators"]] == ["carousel", "shared_contact"]
    assert third["score"] == 3.0  # 1.0 of its text, 1.0 per derived indicator
    assert {doc for doc, _ in updates} == {"demo:" + f"{0:032x}", "demo:" + f"{1:032x}"}
    assert stats.get_value("lcom/links/derived/carousel") == 1
    assert stats.get_value("lcom/links/updates") == len(updates) == 3
    assert stats.get_value("lcom/links/observed") == 3
    pipeline.close_spider()


def test_the_links_object_is_kept_in_the_hit_document(tmp_path: Path) -> None:
    pipeline, _, _ = build(tmp_path)
    process(pipeline, make_item(0, "Breda"))
    item = process(pipeline, make_item(1, "Ede"))
    document = build_hit_document(item)
    assert document["links"]["n_cities"] == 2
    pipeline.close_spider()


def test_non_hits_pass_untouched_unless_the_data_policy_keeps_their_observations(
    tmp_path: Path,
) -> None:
    pipeline, stats, _ = build(tmp_path)
    item = process(pipeline, make_item(0, "Breda", hit=False))
    assert "links" not in item and item["hit"] is False
    assert stats.get_value("lcom/links/observed") is None
    pipeline.close_spider()


def test_a_non_hit_completing_a_carousel_becomes_a_hit_when_the_policy_allows(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pipeline, stats, _ = build(tmp_path, LCOM_LINK_NON_HITS=True)
    caplog.set_level(logging.DEBUG)
    for n, city in enumerate(("Breda", "Ede")):
        item = process(pipeline, make_item(n, city, hit=False))
        assert item["hit"] is False and "links" not in item
    item = process(pipeline, make_item(2, "Venlo", hit=False))
    assert item["hit"] is True
    assert "carousel" in [d["indicator"] for d in item["links"]["indicators"]]
    assert stats.get_value("lcom/links/promoted") == 1
    assert stats.get_value("lcom/links/non_hit_observed") == 3
    # Logs name ads by doc_id and pseudonyms only: never a city or a word of the ad.
    assert "Venlo" not in caplog.text and "Text of ad" not in caplog.text
    pipeline.close_spider()


def test_an_item_that_was_not_pseudonymised_never_reaches_the_link_store(tmp_path: Path) -> None:
    pipeline, stats, _ = build(tmp_path)
    item = process(pipeline, make_item(0, "Breda", **{PSEUDONYMISED: False}))
    assert "links" not in item
    assert stats.get_value("lcom/links/observed") is None
    pipeline.close_spider()


def test_linking_switched_off_says_so(tmp_path: Path) -> None:
    crawler = get_crawler(settings_dict={"LCOM_LINKS_ENABLED": False})
    with pytest.raises(NotConfigured, match="LCOM_LINKS_ENABLED"):
        LinkingPipeline.from_crawler(crawler)


def test_a_wrong_linking_config_stops_the_pipeline_with_file_and_field(tmp_path: Path) -> None:
    lexicons = tmp_path / "lexicons"
    lexicons.mkdir()
    (lexicons / "config.yaml").write_text("links:\n  carousel: {min_cities: 0}\n")
    crawler = get_crawler(
        settings_dict={"LCOM_LEXICON_DIR": str(lexicons), "LCOM_HIT_THRESHOLD": 0.5}
    )
    with pytest.raises(NotConfigured, match=r"links\.carousel\.min_cities"):
        LinkingPipeline.from_crawler(crawler)


def test_non_hit_observations_past_their_retention_are_erased_when_a_crawl_opens(
    tmp_path: Path,
) -> None:
    pipeline, _, _ = build(tmp_path, LCOM_LINK_NON_HITS=True, LCOM_LINK_NON_HIT_DAYS=3)
    process(pipeline, make_item(0, "Breda", hit=False, posted="2020-01-01"))
    pipeline.close_spider()
    pipeline, stats, _ = build(tmp_path, LCOM_LINK_NON_HITS=True, LCOM_LINK_NON_HIT_DAYS=3)
    assert stats.get_value("lcom/links/purged/non_hit") == 1
    pipeline.close_spider()


def test_a_data_policy_that_does_not_store_links_gets_no_updates_and_no_promotion(
    tmp_path: Path,
) -> None:
    fields = ["doc_id", "source", "title", "text", "indicators"]
    pipeline, stats, _ = build(tmp_path, LCOM_STORED_FIELDS=fields, LCOM_LINK_NON_HITS=True)
    assert pipeline.updates_sink is None
    for n, city in enumerate(("Breda", "Ede", "Venlo")):
        item = process(pipeline, make_item(n, city, hit=False))
    assert item["hit"] is False
    assert stats.get_value("lcom/links/promoted") is None
    pipeline.close_spider()
