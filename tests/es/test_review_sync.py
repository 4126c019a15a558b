"""``lcom review sync``: decisions in lcom-reviews are applied to the hits' review.* only."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch

from crawler.cli import review as review_cli
from pipelines.es.client import make_async_client
from pipelines.es.indexer import HitIndexer, IndexerConfig
from pipelines.es.reviews import (
    AUDIT_KIND,
    REVIEW_STATES,
    SyncReport,
    emulate_review_update,
    parse_decision,
    sync_reviews,
)
from pipelines.es.setup import setup_cluster
from pipelines.es.spool import Spool
from tests.es.conftest import Cluster
from tests.es.hits import make_hit
from tests.support.es_test_server import EsTestServer

T1, T2, T3 = "2027-01-01T10:00:00.000001Z", "2027-01-01T10:00:00.000002Z", "2027-01-02T00:00:00Z"


@pytest.fixture
def cluster(es_cluster: Cluster) -> Iterator[Cluster]:
    """``es_cluster``; on a real cluster this test's decisions are deleted afterwards."""
    yield es_cluster
    if es_cluster.server is None:
        with es_cluster.client() as client:
            client.delete_by_query(
                index="lcom-reviews",
                query={"prefix": {"doc_id": es_cluster.prefix}},
                refresh=True,
                conflicts="proceed",
            )


@pytest.fixture
def server(es_server: EsTestServer) -> EsTestServer:
    with Elasticsearch(es_server.url) as client:
        assert setup_cluster(client).ok
    return es_server


def seed_hit(client: Elasticsearch, prefix: str, n: int, **overrides: Any) -> dict[str, Any]:
    hit = make_hit(prefix, n, **overrides)
    client.index(index="lcom-hits", id=hit["doc_id"], document=hit, refresh=True)
    return hit


def decide(client: Elasticsearch, doc_id: str, state: str | None, **extra: Any) -> dict[str, Any]:
    """Append a decision as an investigator does; returns it as stored (user, reviewed_at)."""
    decision = {"doc_id": doc_id, **({"state": state} if state is not None else {}), **extra}
    resp = client.index(index="lcom-reviews", document=decision, refresh=True)
    return dict(client.get(index=resp["_index"], id=resp["_id"])["_source"])


def counts(report: SyncReport) -> tuple[int, int, int, int]:
    return report.applied, report.unchanged, report.orphaned, report.invalid


def review_sync_records(client: Elasticsearch) -> list[dict[str, Any]]:
    resp = client.search(index="lcom-audit", query={"term": {"kind": AUDIT_KIND}}, size=100)
    return [h["_source"] for h in resp["hits"]["hits"]]


# ----------------------------------------------------------- on both kinds of cluster


def test_a_decision_changes_only_the_review_of_its_hit(cluster: Cluster) -> None:
    with cluster.client() as client:
        hit = seed_hit(client, cluster.prefix, 1)
        other = seed_hit(client, cluster.prefix, 2)
        before = cluster.documents()
        stored = decide(
            client, hit["doc_id"], "relevant", labels=["priority"], notes="check", assignee="i-7"
        )
        report = sync_reviews(client)
    after = cluster.documents()
    assert counts(report) == (1, 0, 0, 0)
    assert after[hit["doc_id"]]["review"] == {
        "state": "relevant",
        "labels": ["priority"],
        "notes": "check",
        "assignee": "i-7",
        "reviewed_by": stored["user"]["username"],
        "reviewed_at": stored["reviewed_at"],
    }
    assert {k: v for k, v in after[hit["doc_id"]].items() if k != "review"} == {
        k: v for k, v in before[hit["doc_id"]].items() if k != "review"
    }
    assert after[other["doc_id"]] == before[other["doc_id"]]


def test_the_latest_decision_per_hit_wins(cluster: Cluster) -> None:
    with cluster.client() as client:
        hit = seed_hit(client, cluster.prefix, 1)
        decide(client, hit["doc_id"], "relevant", labels=["priority"])
        decide(client, hit["doc_id"], "not_relevant")
        report = sync_reviews(client)
    review = cluster.documents()[hit["doc_id"]]["review"]
    assert counts(report) == (1, 0, 0, 0)
    assert review["state"] == "not_relevant" and "labels" not in review


def test_a_second_run_changes_nothing(cluster: Cluster) -> None:
    with cluster.client() as client:
        hits = [seed_hit(client, cluster.prefix, n) for n in range(3)]
        for hit in hits:
            decide(client, hit["doc_id"], "relevant")
        first = sync_reviews(client)
        synced = cluster.documents()
        second = sync_reviews(client)
    assert counts(first) == (3, 0, 0, 0)
    assert counts(second) == (0, 3, 0, 0)
    assert cluster.documents() == synced


def test_orphaned_and_invalid_decisions_are_counted_and_skipped(cluster: Cluster) -> None:
    with cluster.client() as client:
        kept = seed_hit(client, cluster.prefix, 1)
        untouched = seed_hit(client, cluster.prefix, 2)
        decide(client, kept["doc_id"], "relevant")
        decide(client, kept["doc_id"], "urgent")  # unknown state: the earlier one applies
        decide(client, untouched["doc_id"], None, notes="no state")
        decide(client, f"{cluster.prefix}purged-long-ago", "relevant")
        report = sync_reviews(client)
    docs = cluster.documents()
    assert counts(report) == (1, 0, 1, 2)
    assert report.ok
    assert docs[kept["doc_id"]]["review"]["state"] == "relevant"
    assert docs[untouched["doc_id"]]["review"] == {"state": "new"}


def test_a_recrawl_after_a_review_keeps_the_review(cluster: Cluster, tmp_path: Path) -> None:
    first = make_hit(cluster.prefix, 1, seen="2026-11-29T05:40:00Z")
    later = make_hit(
        cluster.prefix, 1, seen="2026-12-02T10:00:00Z", title="UPDATED", review={"state": "new"}
    )
    assert index_hits(cluster, tmp_path, first) == ["created"]
    with cluster.client() as client:
        decide(client, first["doc_id"], "relevant", labels=["priority"])
        assert sync_reviews(client).applied == 1
    reviewed = cluster.documents()[first["doc_id"]]["review"]
    assert index_hits(cluster, tmp_path, later) == ["updated"]
    stored = cluster.documents()[first["doc_id"]]
    assert stored["review"] == reviewed
    assert (stored["title"], stored["seen_count"]) == ("UPDATED", 2)
    with cluster.client() as client:
        assert sync_reviews(client).applied == 0


def index_hits(cluster: Cluster, spool_dir: Path, *docs: dict[str, Any]) -> list[str]:
    async def run() -> list[str]:
        client = make_async_client(cluster.config)
        try:
            with Spool(spool_dir) as spool:
                records = [spool.append(d) for d in docs]
                outcomes = await HitIndexer(client, spool, IndexerConfig(refresh="wait_for")).index(
                    records
                )
            return [o.result for o in outcomes]
        finally:
            await client.close()

    return asyncio.run(run())


# ------------------------------------------------------------- test server only


def test_a_hit_in_an_older_index_generation_is_updated_where_it_is(server: EsTestServer) -> None:
    with Elasticsearch(server.url) as client:
        hit = seed_hit(client, "p:", 1)
        server.rollover("lcom-hits")
        decide(client, hit["doc_id"], "relevant")
        report = sync_reviews(client)
    assert counts(report) == (1, 0, 0, 0)
    assert server.copies(hit["doc_id"]) == ["lcom-hits-000001"]
    assert server.documents()[hit["doc_id"]]["review"]["state"] == "relevant"


def test_the_next_run_reads_from_the_checkpoint_in_the_audit_index(server: EsTestServer) -> None:
    with Elasticsearch(server.url) as client:
        hits = [seed_hit(client, "p:", n) for n in range(3)]
        decide(client, hits[0]["doc_id"], "relevant")
        newest = decide(client, hits[1]["doc_id"], "relevant")
        first = sync_reviews(client, overlap=timedelta(0))
        decide(client, hits[2]["doc_id"], "not_relevant")
        second = sync_reviews(client, overlap=timedelta(0))
        records = review_sync_records(client)
    assert first.checkpoint == newest["reviewed_at"] == second.previous_checkpoint
    assert second.since == newest["reviewed_at"]
    # Only the decision at the checkpoint (>=) and the new one are read again.
    assert (second.decisions, second.applied, second.unchanged) == (2, 1, 1)
    assert len(records) == 2
    assert all(set(r) >= {"checkpoint", "counts"} and "p:" not in str(r) for r in records)


def test_a_run_without_news_writes_no_audit_record(server: EsTestServer) -> None:
    with Elasticsearch(server.url) as client:
        hit = seed_hit(client, "p:", 1)
        decide(client, hit["doc_id"], "relevant")
        sync_reviews(client)
        sync_reviews(client)
        assert len(review_sync_records(client)) == 1


def test_a_failed_update_keeps_the_checkpoint_so_the_next_run_retries(
    server: EsTestServer,
) -> None:
    with Elasticsearch(server.url) as client:
        hit = seed_hit(client, "p:", 1)
        decide(client, hit["doc_id"], "relevant")
        server.fail_next_bulk_items(1, status=503)
        failed = sync_reviews(client, overlap=timedelta(0))
        retried = sync_reviews(client, overlap=timedelta(0))
    assert (failed.failed, failed.applied, failed.ok, failed.checkpoint) == (1, 0, False, None)
    assert (retried.since, retried.applied, retried.failed) == (None, 1, 0)
    assert server.documents()[hit["doc_id"]]["review"]["state"] == "relevant"


def test_dry_run_predicts_and_writes_nothing(server: EsTestServer) -> None:
    with Elasticsearch(server.url) as client:
        hits = [seed_hit(client, "p:", n) for n in range(2)]
        decide(client, hits[0]["doc_id"], "relevant")
        decide(client, hits[1]["doc_id"], "new")  # already the hit's state, but who/when differ
        decide(client, "p:gone", "relevant")
        before = server.documents()
        report = sync_reviews(client, dry_run=True)
        assert review_sync_records(client) == []
    assert counts(report) == (2, 0, 1, 0)
    assert server.documents() == before


def test_the_decision_user_is_the_authenticated_one_not_a_typed_name(
    server: EsTestServer,
) -> None:
    server.security_user = "inv-anna"
    with Elasticsearch(server.url) as client:
        hit = seed_hit(client, "p:", 1)
        decide(client, hit["doc_id"], "relevant", reviewed_by="someone-else")
        sync_reviews(client)
    assert server.documents()[hit["doc_id"]]["review"]["reviewed_by"] == "inv-anna"


@pytest.mark.parametrize("dry_run", [True, False])
def test_cli_review_sync_prints_the_counts(
    server: EsTestServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    dry_run: bool,
) -> None:
    with Elasticsearch(server.url) as client:
        hit = seed_hit(client, "p:", 1)
        decide(client, hit["doc_id"], "relevant")
        decide(client, hit["doc_id"], "maybe")
    monkeypatch.setenv("ELASTICSEARCH_URL", server.url)
    monkeypatch.delenv("LCOM_POLICY_DIR", raising=False)
    parser = argparse.ArgumentParser()
    review_cli.register(parser.add_subparsers())
    args = parser.parse_args(["review", "sync", *(["--dry-run"] if dry_run else [])])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    verb = "dry run: would apply" if dry_run else "applied"
    assert f"{verb} 1, unchanged 0, orphaned 0, invalid 1, failed 0" in out
    state = server.documents()[hit["doc_id"]]["review"]["state"]
    assert state == ("new" if dry_run else "relevant")


def test_cli_refuses_a_since_without_zone(capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    review_cli.register(parser.add_subparsers())
    args = parser.parse_args(["review", "sync", "--since", "2027-01-01T00:00:00"])
    assert args.func(args) == 2
    assert "with a zone" in capsys.readouterr().err


# ------------------------------------------------------------------- reference semantics


def ledger_hit(source: dict[str, Any], *, seq_no: int = 0) -> dict[str, Any]:
    return {"_index": "lcom-reviews-000001", "_id": "x", "_seq_no": seq_no, "_source": source}


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ({"state": "relevant", "reviewed_at": T1}, "missing doc_id"),
        ({"doc_id": "d:1", "state": "urgent", "reviewed_at": T1}, "unknown state"),
        ({"doc_id": "d:1", "reviewed_at": T1}, "unknown state"),
        ({"doc_id": "d:1", "state": "relevant"}, "missing reviewed_at"),
        ({"doc_id": "d:1", "state": "relevant", "reviewed_at": "yesterday"}, "missing reviewed_at"),
        (
            {"doc_id": "d:1", "state": "relevant", "reviewed_at": T1, "labels": [1]},
            "labels are not strings",
        ),
    ],
)
def test_invalid_decisions_say_why(source: dict[str, Any], reason: str) -> None:
    assert parse_decision(ledger_hit(source), REVIEW_STATES) == reason


def test_a_decision_takes_its_reviewer_from_the_ingest_pipeline_user() -> None:
    source = {
        "doc_id": "d:1",
        "state": "relevant",
        "labels": "priority",
        "reviewed_by": "typed-by-hand",
        "reviewed_at": T1,
        "user": {"username": "inv-anna"},
    }
    decision = parse_decision(ledger_hit(source), REVIEW_STATES)
    assert not isinstance(decision, str)
    assert decision.review == {
        "state": "relevant",
        "labels": ["priority"],
        "reviewed_by": "inv-anna",
        "reviewed_at": T1,
    }


def test_decisions_at_the_same_time_are_ordered_by_their_place_in_the_ledger() -> None:
    base = {"doc_id": "d:1", "state": "relevant", "reviewed_at": "2027-01-01T10:00:00.001Z"}
    earlier = parse_decision(ledger_hit(base, seq_no=4), REVIEW_STATES)
    later = parse_decision(ledger_hit(base, seq_no=5), REVIEW_STATES)
    assert not isinstance(earlier, str) and not isinstance(later, str)
    assert earlier.order < later.order


@pytest.mark.parametrize(
    ("stored_review", "wanted", "result"),
    [
        ({"state": "new"}, {"state": "relevant", "reviewed_at": T2}, "updated"),
        (None, {"state": "relevant", "reviewed_at": T2}, "updated"),
        ({"state": "relevant", "reviewed_at": T1}, {"state": "new", "reviewed_at": T2}, "updated"),
        (
            {"state": "relevant", "reviewed_at": T2},
            {"state": "relevant", "reviewed_at": T2},
            "noop",
        ),
        ({"state": "relevant", "reviewed_at": T3}, {"state": "new", "reviewed_at": T2}, "noop"),
    ],
)
def test_the_review_update_never_replaces_a_newer_review(
    stored_review: dict[str, Any] | None, wanted: dict[str, Any], result: str
) -> None:
    stored: dict[str, Any] = {"doc_id": "d:1", "title": "t", "seen_count": 3}
    if stored_review is not None:
        stored["review"] = stored_review
    source, outcome = emulate_review_update(stored, {"review": wanted})
    assert outcome == result
    assert source is not None
    assert source["review"] == (wanted if result == "updated" else stored_review)
    assert {k: v for k, v in source.items() if k != "review"} == {
        "doc_id": "d:1",
        "title": "t",
        "seen_count": 3,
    }


@pytest.mark.parametrize(
    "metadata", [{"team": "anti-trafficking", "tags": ["nl", 2]}, {}], ids=["with", "without"]
)
def test_a_decision_written_with_an_api_key_is_accepted_and_applied(
    server: EsTestServer, metadata: dict
) -> None:
    server.security_user = "inv-anna"
    server.security_api_key = {"id": "k1", "name": "kibana-inv-anna", "metadata": metadata}
    with Elasticsearch(server.url) as client:
        hit = seed_hit(client, "p:", 1)
        decide(client, hit["doc_id"], "relevant")
        sync_reviews(client)
    assert server.documents()[hit["doc_id"]]["review"]["state"] == "relevant"
    (decision,) = server.documents("lcom-reviews").values()
    assert decision["user"]["api_key"]["id"] == "k1"
