"""Retention enforcement by last_seen and review.state, with an audit record of counts."""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from crawler.cli import purge as purge_cli
from pipelines.es.audit import index_audit_record, index_audit_record_sync
from pipelines.es.client import make_async_client
from pipelines.es.purge import OTHER_STATES, run_purge
from tests.es.conftest import Cluster
from tests.es.hits import make_hit
from tests.support.es_test_server import EsTestServer

NOW = datetime(2027, 3, 1, tzinfo=UTC)
RETENTION = {"new": 30, "not_relevant": 7, "relevant": 365}


def seed(client: Elasticsearch, prefix: str) -> dict[str, str]:
    """Hits of several states and ages; returns doc_id -> label."""
    cases = {
        "new-old": ("new", 40),
        "new-recent": ("new", 10),
        "not-relevant-old": ("not_relevant", 8),
        "relevant-kept": ("relevant", 300),
        "unknown-old": ("odd_state", 400),
        "unknown-recent": ("odd_state", 3),
    }
    labels = {}
    for n, (label, (state, age)) in enumerate(cases.items()):
        seen = (NOW - timedelta(days=age)).isoformat().replace("+00:00", "Z")
        hit = make_hit(prefix, n, seen=seen, review={"state": state})
        client.index(index="lcom-hits", id=hit["doc_id"], document=hit, refresh=True)
        labels[hit["doc_id"]] = label
    return labels


def test_purge_deletes_each_hit_past_the_retention_of_its_review_state(
    es_cluster: Cluster, tmp_path: Path
) -> None:
    with es_cluster.client() as client:
        labels = seed(client, es_cluster.prefix)
        result = run_purge(client, RETENTION, audit_log=tmp_path / "audit.jsonl", now=NOW)
    kept = {labels[d] for d in es_cluster.documents()}
    assert kept == {"new-recent", "relevant-kept", "unknown-recent"}
    assert result.hits["new"] >= 1 and result.hits["not_relevant"] >= 1
    assert result.hits[OTHER_STATES] >= 1


def test_dry_run_counts_and_deletes_nothing_and_writes_no_audit(
    es_server: EsTestServer, tmp_path: Path
) -> None:
    from pipelines.es.setup import setup_cluster

    with Elasticsearch(es_server.url) as client:
        setup_cluster(client)
        seed(client, "p:")
        result = run_purge(
            client, RETENTION, audit_log=tmp_path / "audit.jsonl", now=NOW, dry_run=True
        )
    assert result.total_hits == 3
    assert len(es_server.documents()) == 6
    assert not (tmp_path / "audit.jsonl").exists()
    assert es_server.documents("lcom-audit") == {}


def test_the_erasure_audit_record_holds_counts_not_content(
    es_server: EsTestServer, tmp_path: Path
) -> None:
    from pipelines.es.setup import setup_cluster

    with Elasticsearch(es_server.url) as client:
        setup_cluster(client)
        seed(client, "p:")
        run_purge(client, RETENTION, audit_log=tmp_path / "audit.jsonl", now=NOW)
    (local,) = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    (indexed,) = es_server.documents("lcom-audit").values()
    assert local == indexed
    assert local["kind"] == "erasure"
    assert local["deleted"]["hits_by_state"] == {
        "not_relevant": 1,
        "relevant": 0,
        "new": 1,
        OTHER_STATES: 1,
    }
    text = json.dumps(local)
    assert "Utrecht" not in text and "ad-0000" not in text and "p:" not in text


def test_purge_also_removes_spool_files_past_retention(tmp_path: Path) -> None:
    from pipelines.es.spool import Spool

    spool_dir = tmp_path / "spool"
    with Spool(spool_dir) as spool:
        spool.append(make_hit("p:", 1))
    result = run_purge(
        None,
        RETENTION,
        spool_dir=spool_dir,
        audit_log=tmp_path / "audit.jsonl",
        now=datetime.now(UTC) + timedelta(days=31),
    )
    assert result.spool == {"segments": 1, "records": 1, "rejected": 0}
    assert list(spool_dir.glob("hits-*")) == []


def test_cli_purge_dry_run_with_retention_overrides(
    es_server: EsTestServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from pipelines.es.setup import setup_cluster

    with Elasticsearch(es_server.url) as client:
        setup_cluster(client)
    monkeypatch.setenv("ELASTICSEARCH_URL", es_server.url)
    monkeypatch.delenv("LCOM_POLICY_DIR", raising=False)
    parser = argparse.ArgumentParser()
    purge_cli.register(parser.add_subparsers())
    args = parser.parse_args(
        [
            "purge",
            "--dry-run",
            "--retention",
            "new=30",
            "--spool-dir",
            str(tmp_path / "s"),
            "--audit-log",
            str(tmp_path / "a.jsonl"),
        ]
    )
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "with --retention for new: {'new': 30, 'relevant': 365, 'not_relevant': 14}" in out
    assert "total: would delete 0 hit(s)" in out


@pytest.mark.parametrize("use_async", [True, False])
def test_audit_records_are_appended_to_the_audit_index(
    es_cluster: Cluster, use_async: bool
) -> None:
    record = {"kind": "crawl_run", "run_id": f"{es_cluster.prefix}run", "counts": {"hits": 3}}
    if use_async:

        async def write() -> str:
            client = make_async_client(es_cluster.config)
            try:
                return await index_audit_record(client, record)
            finally:
                await client.close()

        doc_id = asyncio.run(write())
    else:
        with es_cluster.client() as client:
            doc_id = index_audit_record_sync(client, record)
    with es_cluster.client() as client:
        stored = client.get(index="lcom-audit", id=doc_id)["_source"]
    assert stored["run_id"] == record["run_id"] and "@timestamp" in stored


def test_a_partial_retention_override_keeps_the_other_states_at_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pipelines.es.cli_support import resolve_retention

    monkeypatch.delenv("LCOM_POLICY_DIR", raising=False)
    retention, origin = resolve_retention(None, ["not_relevant=7"])
    assert dict(retention.hits_by_state) == {"new": 60, "relevant": 365, "not_relevant": 7}
    assert "not_relevant" in origin


def test_a_partial_retention_override_keeps_the_other_states_of_the_policy() -> None:
    from legal_guardrails import DEMO_POLICY_DIR
    from pipelines.es.cli_support import resolve_retention
    from pipelines.es.retention import retention_from_policy_dir

    policy = dict(retention_from_policy_dir(DEMO_POLICY_DIR).hits_by_state)
    retention, _ = resolve_retention(DEMO_POLICY_DIR, ["not_relevant=3"])
    assert dict(retention.hits_by_state) == {**policy, "not_relevant": 3}
    assert len(policy) > 1  # other states are there to keep


def _audit_records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_purge_that_times_out_still_writes_its_audit_record(
    es_server: EsTestServer, tmp_path: Path
) -> None:
    from pipelines.es.setup import setup_cluster

    with Elasticsearch(es_server.url) as client:
        setup_cluster(client)
    es_server.slow(0.5)
    audit = tmp_path / "audit.jsonl"
    try:
        with Elasticsearch(es_server.url, request_timeout=0.2, max_retries=0) as client:
            result = run_purge(client, RETENTION, audit_log=audit, now=NOW, request_timeout=0.1)
    finally:
        es_server.slow(0)
    assert len(result.errors) >= len(RETENTION) + 1  # every state, and the audit index
    assert all("ConnectionTimeout" in e for e in result.errors)
    (record,) = _audit_records(audit)
    assert record["kind"] == "erasure"
    assert {e.split(":")[0] for e in record["errors"]} == {*RETENTION, OTHER_STATES}


def test_purge_with_the_cluster_down_still_purges_the_spool_and_writes_its_audit_record(
    es_server: EsTestServer, tmp_path: Path
) -> None:
    from pipelines.es.spool import Spool

    with Spool(tmp_path / "spool") as spool:
        spool.append(make_hit("p:", 1, seen="2026-01-01T00:00:00Z"))
    es_server.down_for(None)
    audit = tmp_path / "audit.jsonl"
    with Elasticsearch(es_server.url, request_timeout=1, max_retries=0) as client:
        result = run_purge(
            client, RETENTION, audit_log=audit, now=NOW, spool_dir=tmp_path / "spool"
        )
    assert all("ConnectionError" in e for e in result.errors)
    assert result.spool["segments"] == 1
    (record,) = _audit_records(audit)
    assert len(record["errors"]) == len(RETENTION) + 1
