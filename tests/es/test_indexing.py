"""Indexing through the spool: idempotent upserts, faults, replay, index generations."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch

from pipelines.es.client import EsConnectionConfig, make_async_client
from pipelines.es.indexer import HitIndexer, IndexerConfig, IndexReport, replay_spool
from pipelines.es.setup import setup_cluster
from pipelines.es.spool import Spool
from tests.es.conftest import Cluster
from tests.es.hits import make_hit
from tests.support.es_test_server import EsTestServer

FAST = IndexerConfig(initial_backoff=0.01, max_backoff=0.05, chunk_size=50)


def index_docs(
    config: EsConnectionConfig,
    spool: Spool,
    docs: list[dict[str, Any]],
    *,
    indexer_config: IndexerConfig = FAST,
    stats: Counter[str] | None = None,
) -> list[str]:
    """Spool ``docs`` then index them; returns the result per document."""

    async def run() -> list[str]:
        client = make_async_client(config)
        try:
            records = [spool.append(d) for d in docs]
            sink: Counter[str] = stats if stats is not None else Counter()
            indexer = HitIndexer(client, spool, indexer_config, lambda n, c: sink.update({n: c}))
            outcomes = await indexer.index(records)
            by_line = {o.record.line: o.result for o in outcomes}
            return [by_line[r.line] for r in records]
        finally:
            await client.close()

    return asyncio.run(run())


def replay(config: EsConnectionConfig, spool_dir: Path, **kwargs: Any) -> IndexReport:
    async def run() -> IndexReport:
        client = make_async_client(config)
        try:
            with Spool(spool_dir) as spool:
                return await replay_spool(spool, client, FAST, **kwargs)
        finally:
            await client.close()

    return asyncio.run(run())


def server_config(server: EsTestServer, **kwargs: Any) -> EsConnectionConfig:
    return EsConnectionConfig(url=server.url, **{"max_retries": 1, **kwargs})


# ----------------------------------------------------------- on both kinds of cluster


def test_reindexing_a_newer_observation_keeps_first_seen_and_review(
    es_cluster: Cluster, tmp_path: Path
) -> None:
    first = make_hit(es_cluster.prefix, 1, seen="2026-11-29T05:40:00Z")
    with Spool(tmp_path) as spool:
        assert index_docs(es_cluster.config, spool, [first]) == ["created"]
    # An investigator moves the hit into review (through lcom-reviews, synced into review.*).
    with es_cluster.client() as client:
        client.update(
            index="lcom-hits",
            id=first["doc_id"],
            doc={"review": {"state": "relevant", "assignee": "inv-7"}},
            refresh=True,
        )
    later = make_hit(
        es_cluster.prefix,
        1,
        seen="2026-12-02T10:00:00Z",
        title="UPDATED title",
        run_id="run-2",
        review={"state": "new"},
    )
    with Spool(tmp_path) as spool:
        assert index_docs(es_cluster.config, spool, [later]) == ["updated"]

    stored = es_cluster.documents()[first["doc_id"]]
    assert stored["first_seen"] == "2026-11-29T05:40:00Z"
    assert stored["last_seen"] == "2026-12-02T10:00:00Z"
    assert stored["seen_count"] == 2
    assert stored["title"] == "UPDATED title"
    assert stored["review"] == {"state": "relevant", "assignee": "inv-7"}
    assert es_cluster.copies(first["doc_id"]) == 1


def test_replaying_the_same_observation_is_a_noop(es_cluster: Cluster, tmp_path: Path) -> None:
    hit = make_hit(es_cluster.prefix, 2)
    stats: Counter[str] = Counter()
    with Spool(tmp_path) as spool:
        assert index_docs(es_cluster.config, spool, [hit, hit], stats=stats) == ["created", "noop"]
    with Spool(tmp_path) as spool:
        assert index_docs(es_cluster.config, spool, [hit], stats=stats) == ["noop"]
    assert es_cluster.documents()[hit["doc_id"]]["seen_count"] == 1
    assert stats["lcom/es/indexed"] == 1
    assert stats["lcom/es/noop"] == 2


def test_an_older_observation_arriving_late_changes_nothing(
    es_cluster: Cluster, tmp_path: Path
) -> None:
    new = make_hit(es_cluster.prefix, 3, seen="2026-12-01T00:00:00Z", title="new")
    old = make_hit(es_cluster.prefix, 3, seen="2026-11-01T00:00:00Z", title="old")
    with Spool(tmp_path) as spool:
        assert index_docs(es_cluster.config, spool, [new]) == ["created"]
        assert index_docs(es_cluster.config, spool, [old]) == ["noop"]
    stored = es_cluster.documents()[new["doc_id"]]
    assert (stored["title"], stored["seen_count"]) == ("new", 1)


def test_malformed_documents_are_reported_and_kept_in_the_rejected_ledger(
    es_cluster: Cluster, tmp_path: Path
) -> None:
    good = make_hit(es_cluster.prefix, 4)
    bad = make_hit(es_cluster.prefix, 5, stated_age="nineteen")
    stats: Counter[str] = Counter()
    with Spool(tmp_path) as spool:
        results = index_docs(es_cluster.config, spool, [good, bad], stats=stats)
        status = spool.status()
    assert results == ["created", "rejected"]
    assert status.pending == 0 and status.rejected == 1
    assert stats["lcom/es/rejected"] == 1
    assert any(k.startswith("lcom/es/failed/") and "pars" in k for k in stats)
    ledger = [json.loads(line) for line in (tmp_path / "rejected.jsonl").read_text().splitlines()]
    assert ledger[0]["doc"] == bad
    assert set(es_cluster.documents()) == {good["doc_id"]}


def test_a_field_outside_the_data_model_is_refused(es_cluster: Cluster, tmp_path: Path) -> None:
    leaked = make_hit(es_cluster.prefix, 6, name="Anna")  # "name" is never stored
    with Spool(tmp_path) as spool:
        assert index_docs(es_cluster.config, spool, [leaked]) == ["rejected"]
    assert es_cluster.documents() == {}


# ------------------------------------------------------ fault injection (test server)


def test_cluster_down_for_the_whole_run_then_replay_indexes_every_hit_once(
    es_server: EsTestServer, tmp_path: Path
) -> None:
    config = server_config(es_server)
    with Elasticsearch(es_server.url) as client:
        setup_cluster(client)
    docs = [make_hit("t:", n) for n in range(40)]
    es_server.down_for(None)
    stats: Counter[str] = Counter()
    with Spool(tmp_path) as spool:
        results = index_docs(config, spool, docs, stats=stats)
    assert set(results) == {"failed"}
    assert stats["lcom/es/failed/unavailable"] == 40
    with Spool(tmp_path) as spool:
        assert spool.status().pending == 40

    es_server.up()
    report = replay(config, tmp_path)
    assert report.get("created") == 40
    assert replay(config, tmp_path).counts == {}  # nothing left to send
    stored = es_server.documents()
    assert len(stored) == 40
    assert {d["seen_count"] for d in stored.values()} == {1}
    assert list(tmp_path.glob("hits-*")) == []  # acknowledged segments are deleted


@pytest.fixture
def ready_server(es_server: EsTestServer) -> EsTestServer:
    with Elasticsearch(es_server.url) as client:
        setup_cluster(client)
    return es_server


def test_partial_429s_are_retried_and_succeed(ready_server: EsTestServer, tmp_path: Path) -> None:
    ready_server.fail_next_bulk_items(7, status=429)
    docs = [make_hit("t:", n) for n in range(20)]
    with Spool(tmp_path) as spool:
        results = index_docs(server_config(ready_server), spool, docs)
    assert results == ["created"] * 20
    assert ready_server.bulk_requests >= 2
    assert len(ready_server.documents()) == 20


def test_429s_beyond_max_retries_stay_pending_and_replay_later(
    ready_server: EsTestServer, tmp_path: Path
) -> None:
    ready_server.fail_next_bulk_items(3 * 4, status=429)  # 3 docs x (1 try + 3 retries)
    docs = [make_hit("t:", n) for n in range(3)]
    stats: Counter[str] = Counter()
    with Spool(tmp_path) as spool:
        assert index_docs(server_config(ready_server), spool, docs, stats=stats) == ["failed"] * 3
    assert stats["lcom/es/failed/es_rejected_execution_exception"] == 3
    assert replay(server_config(ready_server), tmp_path).get("created") == 3


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (lambda s: s.fail_bulk_with_status(503, times=1), "created"),  # transport retries
        (lambda s: s.fail_bulk_with_status(503, times=2), "failed"),
        (lambda s: s.reset_connections(times=1), "created"),
        (lambda s: s.reset_connections(times=5), "failed"),
    ],
    ids=["503-once", "503-persistent", "reset-once", "reset-persistent"],
)
def test_transient_faults_are_retried_or_left_pending_for_replay(
    ready_server: EsTestServer, tmp_path: Path, fault: Any, expected: str
) -> None:
    fault(ready_server)
    docs = [make_hit("t:", n) for n in range(5)]
    with Spool(tmp_path) as spool:
        assert index_docs(server_config(ready_server), spool, docs) == [expected] * 5
    ready_server.reset_connections(times=0)
    report = replay(server_config(ready_server), tmp_path)
    assert len(ready_server.documents()) == 5
    assert report.get("created") == (5 if expected == "failed" else 0)


def test_a_slow_cluster_beyond_the_timeout_leaves_hits_pending(
    ready_server: EsTestServer, tmp_path: Path
) -> None:
    config = server_config(ready_server, request_timeout=0.2, max_retries=0)
    ready_server.slow(0.5)
    with Spool(tmp_path) as spool:
        assert index_docs(config, spool, [make_hit("t:", 1)]) == ["failed"]
    ready_server.slow(0)
    assert replay(config, tmp_path).get("created") == 1


def test_documents_rejected_by_the_cluster_are_not_retried_forever(
    ready_server: EsTestServer, tmp_path: Path
) -> None:
    ready_server.reject_documents(lambda doc: doc.get("doc", doc).get("city") == "Nowhere")
    docs = [make_hit("t:", 1), make_hit("t:", 2, city="Nowhere")]
    with Spool(tmp_path) as spool:
        assert index_docs(server_config(ready_server), spool, docs) == ["created", "rejected"]
    assert replay(server_config(ready_server), tmp_path).counts == {}
    # After the cause is fixed, the rejected document can be sent again on purpose.
    ready_server.reject_documents(None)
    with Spool(tmp_path) as spool:
        assert spool.requeue_rejected() == 1
    assert replay(server_config(ready_server), tmp_path).get("created") == 1
    assert len(ready_server.documents()) == 2


def test_without_the_alias_hits_stay_pending_instead_of_creating_a_stray_index(
    es_server: EsTestServer, tmp_path: Path
) -> None:
    stats: Counter[str] = Counter()
    with Spool(tmp_path) as spool:
        results = index_docs(server_config(es_server), spool, [make_hit("t:", 1)], stats=stats)
    assert results == ["failed"]
    assert stats["lcom/es/failed/alias_missing"] == 1
    assert es_server.indices == {}


def test_a_hit_in_a_rolled_over_index_moves_to_the_write_index_once(
    ready_server: EsTestServer, tmp_path: Path
) -> None:
    config = server_config(ready_server)
    hit = make_hit("t:", 1, seen="2026-11-01T00:00:00Z")
    with Spool(tmp_path) as spool:
        assert index_docs(config, spool, [hit]) == ["created"]
    with Elasticsearch(ready_server.url) as client:
        client.update(index="lcom-hits", id=hit["doc_id"], doc={"review": {"state": "relevant"}})
    new_index = ready_server.rollover("lcom-hits")

    again = make_hit("t:", 1, seen="2026-12-01T00:00:00Z")
    stats: Counter[str] = Counter()
    with Spool(tmp_path) as spool:
        assert index_docs(config, spool, [again], stats=stats) == ["updated"]
        # The same observation once more: found in the write index, a no-op.
        assert index_docs(config, spool, [again]) == ["noop"]
    assert ready_server.copies(hit["doc_id"]) == [new_index]
    stored = ready_server.documents()[hit["doc_id"]]
    assert stored["seen_count"] == 2
    assert stored["first_seen"] == "2026-11-01T00:00:00Z"
    assert stored["review"] == {"state": "relevant"}
    assert stats["lcom/es/moved"] == 1


def test_observations_of_one_hit_in_one_batch_are_all_counted(
    ready_server: EsTestServer, tmp_path: Path
) -> None:
    seen = ["2026-11-03T00:00:00Z", "2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z"]
    docs = [make_hit("t:", 1, seen=s) for s in seen]
    with Spool(tmp_path) as spool:
        results = index_docs(server_config(ready_server), spool, docs)
    assert sorted(results) == ["created", "updated", "updated"]
    stored = ready_server.documents()
    assert len(stored) == 1
    (doc,) = stored.values()
    assert (doc["seen_count"], doc["last_seen"]) == (3, "2026-11-03T00:00:00Z")


def test_a_page_fetched_again_in_the_same_run_does_not_count_as_another_sighting(
    ready_server: EsTestServer, tmp_path: Path
) -> None:
    # A crawl killed and resumed keeps its run id and may fetch a page again.
    first = make_hit("t:", 7, seen="2026-11-01T00:00:00Z", run_id="run-A")
    again = make_hit("t:", 7, seen="2026-11-01T00:05:00Z", run_id="run-A")
    later = make_hit("t:", 7, seen="2026-11-02T00:00:00Z", run_id="run-B")
    with Spool(tmp_path) as spool:
        index_docs(server_config(ready_server), spool, [first])
        index_docs(server_config(ready_server), spool, [again])
        (doc,) = ready_server.documents().values()
        assert (doc["seen_count"], doc["last_seen"]) == (1, "2026-11-01T00:05:00Z")
        index_docs(server_config(ready_server), spool, [later])
    (doc,) = ready_server.documents().values()
    assert (doc["seen_count"], doc["first_seen"]) == (2, "2026-11-01T00:00:00Z")


def test_the_painless_upsert_reads_the_stored_state_before_replacing_it() -> None:
    # The test server runs the Python twin; this guards the Painless text itself:
    # every stored value the update keeps or compares must be read before clear().
    from pipelines.es.script import HIT_UPSERT_SCRIPT

    cleared = HIT_UPSERT_SCRIPT.index("ctx._source.clear()")
    for read in (
        "ctx._source.first_seen;",
        "ctx._source.review;",
        "ctx._source.seen_count;",
        "ctx._source.run_id;",
    ):
        assert HIT_UPSERT_SCRIPT.index(read) < cleared, read


def test_replay_of_a_large_backlog_keeps_lookups_within_the_result_window(
    ready_server: EsTestServer, tmp_path: Path
) -> None:
    # chunk_size 626: replay sends 2,504 records per round; one lookup of all their ids
    # would ask for 10,016 hits, more than index.max_result_window (10,000) allows.
    assert ready_server.max_result_window == 10_000
    config = server_config(ready_server)
    with Spool(tmp_path) as spool:
        for n in range(2_504):
            spool.append(make_hit("t:", n))
    report = replay_with(config, tmp_path, IndexerConfig(chunk_size=626, initial_backoff=0.01))
    assert report.counts == {"created": 2_504}
    assert len(ready_server.documents()) == 2_504


def replay_with(config: EsConnectionConfig, spool_dir: Path, indexer: IndexerConfig) -> IndexReport:
    async def run() -> IndexReport:
        client = make_async_client(config)
        try:
            with Spool(spool_dir) as spool:
                return await replay_spool(spool, client, indexer)
        finally:
            await client.close()

    return asyncio.run(run())


def _review(state: str, at: str) -> dict[str, Any]:
    return {"state": state, "reviewed_by": "inv-1", "reviewed_at": at}


def test_newer_review_on_an_old_copy_is_carried_before_the_old_copy_is_deleted(
    ready_server: EsTestServer, tmp_path: Path
) -> None:
    # Copies in two generations: the old one got a review decision the write copy has
    # not (a review sync wrote to it after the move read it).
    config = server_config(ready_server)
    hit = make_hit("t:", 1, seen="2026-11-01T00:00:00Z")
    with Spool(tmp_path) as spool:
        assert index_docs(config, spool, [hit]) == ["created"]
    (old_index,) = ready_server.copies(hit["doc_id"])
    new_index = ready_server.rollover("lcom-hits")
    with Elasticsearch(ready_server.url) as client:
        stored = client.get(index=old_index, id=hit["doc_id"])["_source"]
        client.index(index=new_index, id=hit["doc_id"], document=stored)
        client.update(
            index=old_index,
            id=hit["doc_id"],
            doc={"review": _review("relevant", "2026-11-20T10:00:00Z")},
        )
    later = make_hit("t:", 1, seen="2026-12-01T00:00:00Z")
    with Spool(tmp_path) as spool:
        assert index_docs(config, spool, [later]) == ["updated"]
    assert ready_server.copies(hit["doc_id"]) == [new_index]
    review = ready_server.documents()[hit["doc_id"]]["review"]
    assert review == _review("relevant", "2026-11-20T10:00:00Z")


def test_older_review_on_an_old_copy_does_not_replace_the_newer_one(
    ready_server: EsTestServer, tmp_path: Path
) -> None:
    config = server_config(ready_server)
    hit = make_hit("t:", 1, seen="2026-11-01T00:00:00Z")
    with Spool(tmp_path) as spool:
        index_docs(config, spool, [hit])
    (old_index,) = ready_server.copies(hit["doc_id"])
    with Elasticsearch(ready_server.url) as client:
        client.update(
            index=old_index,
            id=hit["doc_id"],
            doc={"review": _review("new", "2026-11-02T00:00:00Z")},
        )
        new_index = ready_server.rollover("lcom-hits")
        stored = client.get(index=old_index, id=hit["doc_id"])["_source"]
        stored["review"] = _review("not_relevant", "2026-11-25T00:00:00Z")
        client.index(index=new_index, id=hit["doc_id"], document=stored)
    with Spool(tmp_path) as spool:
        index_docs(config, spool, [make_hit("t:", 1, seen="2026-12-01T00:00:00Z")])
    assert ready_server.copies(hit["doc_id"]) == [new_index]
    review = ready_server.documents()[hit["doc_id"]]["review"]
    assert review == _review("not_relevant", "2026-11-25T00:00:00Z")


def test_review_written_to_the_old_copy_during_a_move_is_carried_after_the_conflict(
    ready_server: EsTestServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = server_config(ready_server)
    hit = make_hit("t:", 1, seen="2026-11-01T00:00:00Z")
    with Spool(tmp_path) as spool:
        index_docs(config, spool, [hit])
    (old_index,) = ready_server.copies(hit["doc_id"])
    new_index = ready_server.rollover("lcom-hits")

    send_deletes = HitIndexer._send_deletes
    raced = []

    async def review_sync_wins_the_race(self: HitIndexer, deletes: Any) -> Any:
        if not raced:  # between the carry and the delete, a review sync writes
            raced.append(True)
            with Elasticsearch(ready_server.url) as client:
                client.update(
                    index=old_index,
                    id=hit["doc_id"],
                    doc={"review": _review("relevant", "2026-11-20T10:00:00Z")},
                )
        return await send_deletes(self, deletes)

    monkeypatch.setattr(HitIndexer, "_send_deletes", review_sync_wins_the_race)
    with Spool(tmp_path) as spool:
        assert index_docs(config, spool, [make_hit("t:", 1, seen="2026-12-01T00:00:00Z")]) == [
            "updated"
        ]
    assert raced
    assert ready_server.copies(hit["doc_id"]) == [new_index]
    review = ready_server.documents()[hit["doc_id"]]["review"]
    assert review == _review("relevant", "2026-11-20T10:00:00Z")
