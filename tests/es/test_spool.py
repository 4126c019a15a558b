"""The spool as a write-ahead log: durable appends, acknowledgements, locking, retention."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pipelines.es.spool import Spool
from tests.es.hits import make_hit


def test_spool_files_are_json_lines_of_hit_documents(tmp_path: Path) -> None:
    docs = [make_hit("s:", n) for n in range(3)]
    with Spool(tmp_path) as spool:
        for doc in docs:
            spool.append(doc)
    (segment,) = tmp_path.glob("hits-*.jsonl")
    assert [json.loads(line) for line in segment.read_text().splitlines()] == docs


def test_acknowledged_segments_are_deleted_and_pending_ones_kept(tmp_path: Path) -> None:
    with Spool(tmp_path, max_segment_bytes=1) as spool:  # one document per segment
        first = spool.append(make_hit("s:", 1))
        spool.append(make_hit("s:", 2))
        spool.ack([(first, "created")])
    remaining = list(Spool(tmp_path).documents())
    assert [d["source_ad_id"] for d in remaining] == ["ad-00002"]


def test_segments_rotate_by_size(tmp_path: Path) -> None:
    with Spool(tmp_path, max_segment_bytes=3000) as spool:
        for n in range(10):
            spool.append(make_hit("s:", n))
    assert len(list(tmp_path.glob("hits-*.jsonl"))) >= 3
    assert len(list(Spool(tmp_path).documents())) == 10


def test_a_torn_last_line_from_a_killed_writer_is_ignored(tmp_path: Path) -> None:
    with Spool(tmp_path, delete_acknowledged=False) as spool:
        spool.append(make_hit("s:", 1))
    (segment,) = tmp_path.glob("hits-*.jsonl")
    with segment.open("ab") as fh:
        fh.write(b'{"doc_id": "s:half')
    with Spool(tmp_path) as spool:
        status = spool.status()
        pending = spool.claim_pending()
    assert (status.records, status.pending, status.unreadable_lines) == (1, 1, 1)
    assert [r.doc["source_ad_id"] for r in pending] == ["ad-00001"]


def test_a_segment_held_by_a_running_writer_is_not_claimed(tmp_path: Path) -> None:
    with Spool(tmp_path) as writer:
        writer.append(make_hit("s:", 1))
        with Spool(tmp_path) as other:
            assert other.claim_pending() == []
            assert other.status().segments_in_use == 1
    with Spool(tmp_path) as later:
        assert len(later.claim_pending()) == 1


def test_status_counts_pending_acknowledged_and_rejected(tmp_path: Path) -> None:
    with Spool(tmp_path, delete_acknowledged=False) as spool:
        a = spool.append(make_hit("s:", 1))
        b = spool.append(make_hit("s:", 2))
        spool.append(make_hit("s:", 3))
        spool.ack([(a, "updated")])
        spool.reject(b, error_type="document_parsing_exception", status=400, reason="bad")
        status = spool.status()
    assert (status.records, status.acknowledged, status.pending, status.rejected) == (3, 2, 1, 1)


def test_retention_purge_removes_old_segments_and_old_rejections(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    with Spool(tmp_path, max_segment_bytes=1) as spool:
        rejected = spool.append(make_hit("s:", 1))
        spool.append(make_hit("s:", 2))
        spool.append(make_hit("s:", 3))
        spool.reject(rejected, error_type="x", status=400, reason="r")
    old_time = (now - timedelta(days=40)).timestamp()
    oldest = sorted(tmp_path.glob("hits-*.jsonl"))[0]
    os.utime(oldest, (old_time, old_time))
    ledger = tmp_path / "rejected.jsonl"
    entry = json.loads(ledger.read_text())
    entry["rejected_at"] = (now - timedelta(days=31)).isoformat()
    ledger.write_text(json.dumps(entry) + "\n")
    with Spool(tmp_path) as spool:
        counts = spool.purge_older_than(30, now=now)
        status = spool.status()
    assert counts == {"segments": 1, "records": 1, "rejected": 1}
    assert (status.records, status.rejected) == (1, 0)
    assert not oldest.exists()
