"""Partial updates of earlier hits: spooled after the hits, sent as bulk ``update`` with
``doc``, acknowledged like hits, replay-safe."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch
from scrapy.utils.test import get_crawler

from pipelines.elasticsearch import ElasticsearchPipeline, hit_updates
from pipelines.es.client import EsConnectionConfig, make_async_client
from pipelines.es.indexer import HitIndexer
from pipelines.es.setup import setup_cluster
from pipelines.es.spool import HitUpdate, Spool, segment_documents, segment_items
from tests.es.conftest import Cluster
from tests.es.hits import make_hit, spool_only_pipeline
from tests.es.test_indexing import FAST, replay, server_config
from tests.support.es_test_server import EsTestServer

LINKS = {
    "links": {
        "contact_cluster": "ab" * 32,
        "cities": ["Den Haag", "Nijmegen", "Venlo"],
        "n_cities": 3,
        "window_days": 9,
        "indicators": [
            {
                "indicator": "carousel",
                "rule": "links.carousel",
                "weight": 2.0,
                "facts": {"cities": [{"city": "Venlo", "first": "2026-11-29T05:40:00Z"}]},
            }
        ],
    }
}
LATER = datetime(2026, 12, 1, tzinfo=UTC)


def send(config: EsConnectionConfig, spool: Spool, stats: Counter[str] | None = None) -> list[Any]:
    """Send everything pending in ``spool`` with one indexer; the outcomes."""

    async def run() -> list[Any]:
        client = make_async_client(config)
        try:
            sink: Counter[str] = stats if stats is not None else Counter()
            indexer = HitIndexer(client, spool, FAST, lambda n, c: sink.update({n: c}))
            return await indexer.index(spool.claim_pending())
        finally:
            await client.close()

    return asyncio.run(run())


@pytest.fixture
def ready_server(es_server: EsTestServer) -> EsTestServer:
    with Elasticsearch(es_server.url) as client:
        setup_cluster(client)
    return es_server


# ------------------------------------------------------------------------ the spool


def test_an_update_is_a_spool_record_that_hit_readers_skip(tmp_path: Path) -> None:
    hit = make_hit("u:", 1)
    with Spool(tmp_path, delete_acknowledged=False) as spool:
        spool.append(hit)
        record = spool.append_update(hit["doc_id"], LINKS, at=LATER)
        assert record.is_update and record.doc_id == hit["doc_id"]
        assert record.update == HitUpdate(hit["doc_id"], LINKS, "2026-12-01T00:00:00Z")
    (segment,) = tmp_path.glob("hits-*.jsonl")
    assert json.loads(segment.read_text().splitlines()[1]) == {
        "lcom_update": {"doc_id": hit["doc_id"], "doc": LINKS, "at": "2026-12-01T00:00:00Z"}
    }
    assert segment_documents(tmp_path, segment.name) == [hit]
    assert segment_items(tmp_path, segment.name) == [hit, record.update]
    assert list(Spool(tmp_path).documents()) == [hit]
    status = Spool(tmp_path).status()
    assert (status.records, status.updates, status.pending) == (2, 1, 2)


@pytest.mark.parametrize(
    ("doc_id", "partial", "why"),
    [
        ("", LINKS, "doc_id"),
        ("u:1", {}, "at least one field"),
        ("u:1", {"review": {"state": "relevant"}}, "never changes"),
        ("u:1", {"doc_id": "u:2"}, "never changes"),
    ],
)
def test_an_update_without_target_or_fields_or_touching_review_is_refused(
    tmp_path: Path, doc_id: str, partial: dict[str, Any], why: str
) -> None:
    with Spool(tmp_path) as spool, pytest.raises(ValueError, match=why):
        spool.append_update(doc_id, partial)


def test_an_update_merges_objects_and_replaces_other_values() -> None:
    stored = {"doc_id": "u:1", "links": {"template_cluster": "t-1", "cities": ["A"]}}
    update = HitUpdate("u:1", {"links": {"cities": ["A", "B"], "n_cities": 2}}, "")
    assert update.apply(stored) == {
        "doc_id": "u:1",
        "links": {"template_cluster": "t-1", "cities": ["A", "B"], "n_cities": 2},
    }
    assert stored["links"] == {"template_cluster": "t-1", "cities": ["A"]}


# ------------------------------------------------------------------------ indexing


def test_an_earlier_hit_gets_the_links_by_one_update_and_a_replay_changes_nothing(
    es_cluster: Cluster, tmp_path: Path
) -> None:
    hit = make_hit(es_cluster.prefix, 1)
    stats: Counter[str] = Counter()
    with Spool(tmp_path, delete_acknowledged=False) as spool:
        spool.append(hit)
        spool.append_update(hit["doc_id"], LINKS, at=LATER)
        outcomes = send(es_cluster.config, spool, stats)
    assert [(o.record.is_update, o.result) for o in outcomes] == [
        (False, "created"),
        (True, "updated"),
    ]
    assert stats["lcom/es/updates/applied"] == 1 and stats["lcom/es/indexed"] == 1
    stored = es_cluster.documents()[hit["doc_id"]]
    assert stored["links"] == LINKS["links"]
    assert stored["title"] == hit["title"] and stored["review"] == {"state": "new"}
    assert Spool(tmp_path).status().pending == 0

    # The same update again (a replay after a crash before its acknowledgement).
    with Spool(tmp_path) as spool:
        spool.append_update(hit["doc_id"], LINKS, at=LATER)
        again = send(es_cluster.config, spool)
    assert [o.result for o in again] == ["noop"]
    assert es_cluster.copies(hit["doc_id"]) == 1
    assert es_cluster.documents()[hit["doc_id"]] == stored


def test_an_update_of_a_hit_that_is_not_stored_is_acknowledged_as_missing(
    ready_server: EsTestServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    stats: Counter[str] = Counter()
    with Spool(tmp_path) as spool:
        spool.append_update("u:gone", LINKS)
        (outcome,) = send(server_config(ready_server), spool, stats)
    assert outcome.result == "missing"
    assert stats["lcom/es/updates/missing"] == 1
    assert Spool(tmp_path).status().segments == 0, "acknowledged, so the segment is deleted"
    assert ready_server.documents() == {}
    assert "u:gone" in caplog.text and "Den Haag" not in caplog.text


def test_an_update_waits_for_its_hit_when_the_hit_could_not_be_stored(
    ready_server: EsTestServer, tmp_path: Path
) -> None:
    hit = make_hit("u:", 2)
    ready_server.fail_next_bulk_items(1, status=503)  # the hit's item, once
    stats: Counter[str] = Counter()
    with Spool(tmp_path) as spool:
        spool.append(hit)
        spool.append_update(hit["doc_id"], LINKS)
        outcomes = send(server_config(ready_server), spool, stats)
    assert [(o.result, o.reason) for o in outcomes] == [
        ("failed", "test_fault"),
        ("failed", "hit_pending"),
    ]
    assert ready_server.documents() == {}
    assert Spool(tmp_path).status().pending == 2

    report = replay(server_config(ready_server), tmp_path)
    assert report.counts == {"created": 1, "update:updated": 1}
    assert ready_server.documents()[hit["doc_id"]]["links"] == LINKS["links"]


def test_updates_stay_pending_while_the_cluster_is_down_and_replay_applies_them_once(
    ready_server: EsTestServer, tmp_path: Path
) -> None:
    hits = [make_hit("u:", n) for n in range(3)]
    with Spool(tmp_path) as spool:
        for hit in hits:
            spool.append(hit)
        assert {o.result for o in send(server_config(ready_server), spool)} == {"created"}
        ready_server.down_for(None)
        for hit in hits:
            spool.append_update(hit["doc_id"], LINKS)
        outcomes = send(server_config(ready_server, request_timeout=1.0), spool)
    assert {(o.result, o.reason) for o in outcomes} == {("failed", "unavailable")}
    assert Spool(tmp_path).status().pending == 3
    ready_server.up()

    report = replay(server_config(ready_server), tmp_path)
    assert report.counts == {"update:updated": 3}
    assert replay(server_config(ready_server), tmp_path).counts == {}
    assert all(d["links"] == LINKS["links"] for d in ready_server.documents().values())
    assert len(ready_server.documents()) == 3


def test_a_failed_update_item_stays_pending(ready_server: EsTestServer, tmp_path: Path) -> None:
    hit = make_hit("u:", 3)
    with Spool(tmp_path) as spool:
        spool.append(hit)
        send(server_config(ready_server), spool)
        ready_server.fail_next_bulk_items(1, status=503)
        spool.append_update(hit["doc_id"], LINKS)
        assert [o.result for o in send(server_config(ready_server), spool)] == ["failed"]
    assert Spool(tmp_path).status().pending == 1
    assert replay(server_config(ready_server), tmp_path).counts == {"update:updated": 1}


def test_an_update_reaches_a_hit_in_a_rolled_over_index(
    ready_server: EsTestServer, tmp_path: Path
) -> None:
    hit = make_hit("u:", 4)
    with Spool(tmp_path) as spool:
        spool.append(hit)
        send(server_config(ready_server), spool)
        ready_server.rollover("lcom-hits")
        spool.append_update(hit["doc_id"], LINKS)
        assert [o.result for o in send(server_config(ready_server), spool)] == ["updated"]
    assert ready_server.copies(hit["doc_id"]) == ["lcom-hits-000001"]
    assert ready_server.documents()[hit["doc_id"]]["links"] == LINKS["links"]


def test_an_update_older_than_the_hit_observation_sent_with_it_is_a_noop(
    ready_server: EsTestServer, tmp_path: Path
) -> None:
    newer_links = {"links": {**LINKS["links"], "n_cities": 4}}
    hit = make_hit("u:", 5, seen="2026-12-02T00:00:00Z", **newer_links)
    with Spool(tmp_path) as spool:
        spool.append_update(hit["doc_id"], LINKS, at=LATER)  # left pending by an outage
        spool.append(hit)
        outcomes = send(server_config(ready_server), spool)
    assert sorted(o.result for o in outcomes) == ["created", "noop"]
    assert ready_server.documents()[hit["doc_id"]]["links"]["n_cities"] == 4


def test_an_update_with_a_field_outside_the_mapping_is_rejected_and_kept(
    ready_server: EsTestServer, tmp_path: Path
) -> None:
    hit = make_hit("u:", 6)
    with Spool(tmp_path) as spool:
        spool.append(hit)
        spool.append_update(hit["doc_id"], {"links": {"plaintext": "x"}})
        outcomes = send(server_config(ready_server), spool)
    assert [o.result for o in outcomes] == ["created", "rejected"]
    ledger = [json.loads(line) for line in (tmp_path / "rejected.jsonl").read_text().splitlines()]
    assert [e["doc"]["lcom_update"]["doc_id"] for e in ledger] == [hit["doc_id"]]


# ------------------------------------------------------------------------ the pipeline


def test_the_pipeline_spools_updates_sent_by_signal_and_indexes_them(
    ready_server: EsTestServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ELASTICSEARCH_URL", ready_server.url)
    crawler = get_crawler(
        settings_dict={"LCOM_SPOOL_DIR": str(tmp_path), "LCOM_ES_FLUSH_SECONDS": 0.05}
    )
    pipeline = ElasticsearchPipeline.from_crawler(crawler)
    hits = [make_hit("u:", n) for n in range(2)]

    async def run() -> None:
        await pipeline.open_spider()
        for hit in hits:
            await pipeline.process_item(hit)
        crawler.signals.send_catch_log(
            hit_updates, updates=[(hit["doc_id"], LINKS) for hit in hits]
        )
        await pipeline.close_spider()

    asyncio.run(run())
    assert crawler.stats.get_value("lcom/spool/updates_written") == 2
    assert crawler.stats.get_value("lcom/es/updates/applied") == 2
    assert all(d["links"] == LINKS["links"] for d in ready_server.documents().values())
    assert list(tmp_path.glob("hits-*.jsonl")) == []


def spooled_lines(directory: Path) -> list[dict[str, Any]]:
    (segment,) = directory.glob("hits-*.jsonl")
    return [json.loads(line) for line in segment.read_text().splitlines()]


def test_updates_signalled_during_an_item_are_on_disk_before_it_and_after_their_hits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    crawler, pipeline = spool_only_pipeline(tmp_path, monkeypatch)
    first, second, completing = (make_hit("o:", n) for n in range(3))

    async def run() -> list[dict[str, Any]]:
        await pipeline.open_spider()
        # Two hits in flight together, then the ad that links them: its linking stage
        # signals the updates while it is processed (the two hits still being written),
        # before it reaches this pipeline.
        pending = asyncio.gather(pipeline.process_item(first), pipeline.process_item(second))
        await asyncio.sleep(0)  # both hits are queued or in the writer's thread
        assert not pending.done()
        crawler.signals.send_catch_log(
            hit_updates, updates=[(hit["doc_id"], LINKS) for hit in (first, second)]
        )
        await pipeline.process_item(completing)
        await pending
        on_disk = spooled_lines(tmp_path)  # when process_item returns, before the spider closes
        await pipeline.close_spider()
        return on_disk

    on_disk = asyncio.run(run())
    assert [d.get("doc_id") or d["lcom_update"]["doc_id"] for d in on_disk] == [
        first["doc_id"],
        second["doc_id"],
        first["doc_id"],
        second["doc_id"],
        completing["doc_id"],
    ]
    assert ["lcom_update" in d for d in on_disk] == [False, False, True, True, False]
    assert crawler.stats.get_value("lcom/spool/updates_written") == 2


def test_updates_still_queued_when_the_spider_closes_are_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    crawler, pipeline = spool_only_pipeline(tmp_path, monkeypatch)
    hit = make_hit("c:", 0)

    async def run() -> None:
        await pipeline.open_spider()
        await pipeline.process_item(hit)
        crawler.signals.send_catch_log(hit_updates, updates=[(hit["doc_id"], LINKS)])
        await pipeline.close_spider()  # at once: the update is still queued

    asyncio.run(run())
    assert [("lcom_update" in r) for r in spooled_lines(tmp_path)] == [False, True]
    assert crawler.stats.get_value("lcom/spool/updates_written") == 1


def test_an_update_reaches_the_index_queue_after_its_hit_when_both_share_a_group(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _crawler, pipeline = spool_only_pipeline(tmp_path, monkeypatch)
    hit = make_hit("q:", 1)

    async def run() -> list[bool]:
        await pipeline.open_spider()
        pipeline._queue = asyncio.Queue()  # what open_spider makes with a cluster
        task = asyncio.ensure_future(pipeline.process_item(hit))
        await asyncio.sleep(0.005)  # within the commit window: the same group
        pipeline.spool_updates([(hit["doc_id"], LINKS)])
        await task
        assert pipeline._writer is not None
        await pipeline._writer.drain()
        order = []
        while not pipeline._queue.empty():
            order.append(pipeline._queue.get_nowait().is_update)
        pipeline._queue = None
        await pipeline.close_spider()
        return order

    assert asyncio.run(run()) == [False, True]  # the hit, then its update


def test_an_update_that_cannot_be_encoded_is_counted_as_failed_and_the_others_are_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    crawler, pipeline = spool_only_pipeline(tmp_path, monkeypatch)
    hit = make_hit("e:", 0)

    async def run() -> None:
        await pipeline.open_spider()
        await pipeline.process_item(hit)
        pipeline.spool_updates(
            [(hit["doc_id"], {"links": {"note": "\ud800"}}), (hit["doc_id"], LINKS)]
        )
        await pipeline.close_spider()

    asyncio.run(run())
    assert [("lcom_update" in r) for r in spooled_lines(tmp_path)] == [False, True]
    assert crawler.stats.get_value("lcom/spool/updates_failed") == 1
    assert crawler.stats.get_value("lcom/spool/updates_written") == 1
