"""The spool as a write-ahead log: durable appends, acknowledgements, locking, retention."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pipelines.es.errors import SpoolError
from pipelines.es.spool import Spool, SpoolRecord
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


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def test_retention_purge_removes_old_segments_and_old_rejections(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    old, recent = _iso(now - timedelta(days=40)), _iso(now - timedelta(days=2))
    with Spool(tmp_path, max_segment_bytes=1) as spool:
        rejected = spool.append(make_hit("s:", 1, seen=_iso(now - timedelta(days=31))))
        spool.append(make_hit("s:", 2, seen=old))
        spool.append(make_hit("s:", 3, seen=recent))
        spool.reject(rejected, error_type="x", status=400, reason="r")
    with Spool(tmp_path) as spool:
        counts = spool.purge_older_than(30, now=now)
        status = spool.status()
    # Files written a moment ago: only the documents' last_seen says they are old. (The
    # rejected document's segment, fully acknowledged, was deleted when it was closed.)
    assert counts == {"segments": 1, "records": 1, "rejected": 1}
    assert (status.records, status.rejected) == (1, 0)
    assert [d["last_seen"] for d in Spool(tmp_path).documents()] == [recent]


def test_segment_is_kept_while_its_newest_document_is_within_retention(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    with Spool(tmp_path) as spool:
        spool.append(make_hit("s:", 1, seen=_iso(now - timedelta(days=40))))
        spool.append(make_hit("s:", 2, seen=_iso(now - timedelta(days=5))))
    old_time = (now - timedelta(days=90)).timestamp()
    (segment,) = tmp_path.glob("hits-*.jsonl")
    os.utime(segment, (old_time, old_time))  # an old file, but a recent document
    with Spool(tmp_path) as spool:
        assert spool.purge_older_than(30, now=now)["segments"] == 0


def test_requeue_of_rejected_documents_skips_those_past_retention(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    with Spool(tmp_path) as spool:
        expired = spool.append(make_hit("s:", 1, seen=_iso(now - timedelta(days=40))))
        fresh = spool.append(make_hit("s:", 2, seen=_iso(now - timedelta(days=3))))
        for record in (expired, fresh):
            spool.reject(record, error_type="x", status=400, reason="r")
    with Spool(tmp_path) as spool:
        assert spool.requeue_rejected(30, now=now) == 1
        pending = spool.claim_pending()
        # The expired one is not written again with a fresh file date; purge erases it.
        assert [r.doc["doc_id"] for r in pending] == [fresh.doc["doc_id"]]
        assert spool.status().rejected == 1
        assert spool.purge_older_than(30, now=now)["rejected"] == 1


def test_requeue_without_a_retention_uses_that_of_new_hits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LCOM_POLICY_DIR", raising=False)
    now = datetime.now(UTC)
    with Spool(tmp_path) as spool:
        for n, days in ((1, 61), (2, 59)):  # the default retention of "new" is 60 days
            record = spool.append(make_hit("s:", n, seen=_iso(now - timedelta(days=days))))
            spool.reject(record, error_type="x", status=400, reason="r")
    with Spool(tmp_path) as spool:
        assert spool.requeue_rejected() == 1


def test_a_group_of_records_is_written_in_order_with_one_fsync_per_segment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    docs = [make_hit("g:", n) for n in range(5)]
    with Spool(tmp_path) as spool:
        spool.append(make_hit("g:", 99))  # opens the segment
        synced.clear()
        records = spool.append_many(docs)
        assert len(synced) == 1
        assert [r.line for r in records] == [2, 3, 4, 5, 6]
        assert [r.doc for r in records] == docs
    assert [d["source_ad_id"] for d in Spool(tmp_path).documents()][1:] == [
        d["source_ad_id"] for d in docs
    ]


def test_a_record_that_cannot_be_encoded_fails_alone(tmp_path: Path) -> None:
    # A lone surrogate (hostile text that slipped through) cannot be written as UTF-8.
    docs = [make_hit("e:", 0), {"doc_id": "bad", "value": "\ud800"}, make_hit("e:", 2)]
    with Spool(tmp_path) as spool:
        first, bad, third = spool.append_each(docs)
        with pytest.raises(SpoolError, match="cannot encode"):
            spool.append_many(docs[1:2])
    assert isinstance(bad, SpoolError) and "cannot encode" in str(bad)
    assert (first.line, third.line) == (1, 2)  # type: ignore[union-attr]
    assert [d["source_ad_id"] for d in Spool(tmp_path).documents()] == [
        docs[0]["source_ad_id"],
        docs[2]["source_ad_id"],
    ]


class _FailingFile:
    """A segment file whose writes or flushes fail (a full or failing disk)."""

    def __init__(self, fh: Any, *, write: bool = False, flush: bool = False) -> None:
        self._fh, self._write, self._flush = fh, write, flush

    def write(self, data: bytes) -> int:
        if self._write:
            raise OSError(28, "No space left on device")
        return int(self._fh.write(data))

    def flush(self) -> None:
        if self._flush:
            raise OSError(5, "Input/output error")
        self._fh.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fh, name)


def test_after_a_failed_write_the_next_record_goes_to_a_new_segment(tmp_path: Path) -> None:
    with Spool(tmp_path) as spool:
        spool.append(make_hit("w:", 0))
        segment = spool._current
        assert segment is not None
        segment.fh = _FailingFile(segment.fh, write=True)  # type: ignore[assignment]
        failed, written = spool.append_each([make_hit("w:", 1), make_hit("w:", 2)])
        assert isinstance(failed, SpoolError) and "No space left" in str(failed)
        assert isinstance(written, SpoolRecord) and written.segment != segment.name
    assert [d["source_ad_id"] for d in Spool(tmp_path).documents()] == [
        make_hit("w:", n)["source_ad_id"] for n in (0, 2)
    ]


def test_a_failed_flush_fails_the_records_of_that_segment_only(tmp_path: Path) -> None:
    with Spool(tmp_path) as spool:
        spool.append(make_hit("f:", 0))
        segment = spool._current
        assert segment is not None
        real = segment.fh
        segment.fh = _FailingFile(real, flush=True)  # type: ignore[assignment]
        (failed,) = spool.append_each([make_hit("f:", 1)])
        assert isinstance(failed, SpoolError) and "Input/output error" in str(failed)
        segment.fh = real
        (written,) = spool.append_each([make_hit("f:", 2)])
        assert isinstance(written, SpoolRecord) and written.segment != segment.name
