"""The thin Scrapy pipeline: spool first, then index; spool only without a cluster."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from pipelines.elasticsearch import ElasticsearchPipeline, EsPipelineConfig
from pipelines.es.errors import SpoolError
from pipelines.es.setup import setup_cluster
from tests.es.hits import make_hit, spool_only_pipeline
from tests.support.es_test_server import EsTestServer


def run_items(pipeline: ElasticsearchPipeline, items: list[dict]) -> list[dict]:
    async def run() -> list[dict]:
        await pipeline.open_spider()
        out = [await pipeline.process_item(item) for item in items]
        await pipeline.close_spider()
        return out

    return asyncio.run(run())


def test_without_elasticsearch_url_hits_only_go_to_the_spool(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    crawler, pipeline = spool_only_pipeline(tmp_path, monkeypatch)
    items = [make_hit("p:", n) for n in range(3)]
    with caplog.at_level("INFO"):
        assert run_items(pipeline, items) == items
    (segment,) = tmp_path.glob("hits-*.jsonl")
    assert [json.loads(line) for line in segment.read_text().splitlines()] == items
    assert crawler.stats.get_value("lcom/spool/written") == 3
    assert "ELASTICSEARCH_URL is not set" in caplog.text
    assert str(tmp_path) in caplog.text


def test_with_a_cluster_hits_are_indexed_and_the_spool_is_emptied(
    es_server: EsTestServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Elasticsearch(es_server.url) as client:
        setup_cluster(client)
    monkeypatch.setenv("ELASTICSEARCH_URL", es_server.url)
    crawler = get_crawler(
        settings_dict={
            "LCOM_SPOOL_DIR": str(tmp_path),
            "LCOM_ES_CHUNK_SIZE": 4,
            "LCOM_ES_FLUSH_SECONDS": 0.05,
        }
    )
    pipeline = ElasticsearchPipeline.from_crawler(crawler)
    assert pipeline.config.indexer.chunk_size == 4
    items = [make_hit("p:", n) for n in range(10)]
    run_items(pipeline, [*items, items[0]])
    assert len(es_server.documents()) == 10
    assert crawler.stats.get_value("lcom/es/indexed") == 10
    assert crawler.stats.get_value("lcom/es/noop") == 1
    assert crawler.stats.get_value("lcom/spool/written") == 11
    assert list(tmp_path.glob("hits-*")) == []


def test_hits_left_by_an_earlier_run_are_sent_at_start(
    es_server: EsTestServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Elasticsearch(es_server.url) as client:
        setup_cluster(client)
    monkeypatch.delenv("ELASTICSEARCH_URL", raising=False)
    settings = {"LCOM_SPOOL_DIR": str(tmp_path), "LCOM_ES_FLUSH_SECONDS": 0.05}
    run_items(
        ElasticsearchPipeline.from_crawler(get_crawler(settings_dict=settings)),
        [make_hit("p:", n) for n in range(5)],
    )  # the demo: spool only
    monkeypatch.setenv("ELASTICSEARCH_URL", es_server.url)
    crawler = get_crawler(settings_dict=settings)
    run_items(ElasticsearchPipeline.from_crawler(crawler), [make_hit("p:", 99)])
    assert len(es_server.documents()) == 6
    assert crawler.stats.get_value("lcom/es/indexed") == 6


def test_an_unreachable_cluster_keeps_hits_spooled(
    es_server: EsTestServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    es_server.down_for(None)
    monkeypatch.setenv("ELASTICSEARCH_URL", es_server.url)
    crawler = get_crawler(
        settings_dict={"LCOM_SPOOL_DIR": str(tmp_path), "LCOM_ES_FLUSH_SECONDS": 0.05}
    )
    run_items(ElasticsearchPipeline.from_crawler(crawler), [make_hit("p:", n) for n in range(3)])
    assert crawler.stats.get_value("lcom/es/failed/unavailable") == 3
    from pipelines.es.spool import Spool

    assert Spool(tmp_path).status().pending == 3


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"hit": False, "name": "Bianca", "contacts_raw": ["0612345678"]}, "not a hit"),
        ({"doc_id": None}, "no doc_id"),
        ({"contacts_raw": ["0612345678"]}, "never stored"),
        ({"name": "Bianca"}, "never stored"),
        ({"fetched_at": "2026-11-29T05:40:00Z"}, "does not have"),
    ],
)
def test_item_that_is_not_a_minimised_hit_is_never_written_to_the_spool(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, overrides: dict, reason: str
) -> None:
    from scrapy.exceptions import DropItem

    crawler, pipeline = spool_only_pipeline(tmp_path, monkeypatch)
    item = {**make_hit("p:", 1), **overrides}

    async def run() -> None:
        await pipeline.open_spider()
        try:
            with pytest.raises(DropItem, match=reason):
                await pipeline.process_item(item)
        finally:
            await pipeline.close_spider()

    asyncio.run(run())
    assert "".join(p.read_text() for p in tmp_path.rglob("*") if p.is_file()) == ""
    assert crawler.stats.get_value("lcom/pipeline/dropped/not_minimised") == 1
    assert crawler.stats.get_value("lcom/spool/written") is None
    assert set(item) == {"source", "doc_id"}


def test_a_hit_is_copied_for_the_spool_as_item_adapter_would_copy_it() -> None:
    from dataclasses import dataclass

    from itemadapter import ItemAdapter

    from pipelines.elasticsearch import plain

    @dataclass
    class Nested:
        name: str
        values: list[object]

    item = {
        "doc_id": "d1",
        "score": 2.5,
        "hit": True,
        "city": None,
        "categories": ("youth", "movement"),
        "kinds": {"phone"},
        "indicators": [{"id": "r1", "evidence": [Nested("n", [Nested("m", [])])]}],
        "nested": Nested("x", [1, "a", {"k": Nested("y", [])}]),
    }
    copied = {key: plain(value) for key, value in item.items()}
    assert copied == ItemAdapter(item).asdict()
    assert copied["indicators"] is not item["indicators"]


def test_a_hit_that_cannot_be_encoded_fails_alone_and_its_text_is_not_logged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    crawler, pipeline = spool_only_pipeline(tmp_path, monkeypatch)
    good, bad = make_hit("p:", 1), make_hit("p:", 2)
    bad["text"] = "secret ad text \ud800"  # a lone surrogate: no UTF-8 for it

    async def run() -> BaseException | None:
        await pipeline.open_spider()
        try:
            await pipeline.process_item(bad)
        except SpoolError as exc:
            error: BaseException | None = exc
        else:
            error = None
        await pipeline.process_item(good)
        await pipeline.close_spider()
        return error

    with caplog.at_level("INFO"):
        assert isinstance(asyncio.run(run()), SpoolError)
    (segment,) = tmp_path.glob("hits-*.jsonl")
    assert [json.loads(line) for line in segment.read_text().splitlines()] == [good]
    assert crawler.stats.get_value("lcom/spool/written") == 1
    assert "secret ad text" not in caplog.text


@pytest.mark.parametrize("value", ["-0.1", "2", "soon"])
def test_a_commit_window_out_of_range_is_refused(value: str) -> None:
    settings = get_crawler(settings_dict={"LCOM_SPOOL_COMMIT_WINDOW": value}).settings
    with pytest.raises(NotConfigured, match="LCOM_SPOOL_COMMIT_WINDOW must be"):
        EsPipelineConfig.from_settings(settings, environ={})
