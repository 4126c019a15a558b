"""Acknowledgements match records by checksum, never by position; damage is never success."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pipelines.es.errors import SpoolError
from pipelines.es.spool import Spool, record_checksum
from tests.es.hits import make_hit


def spool_of(tmp_path: Path, count: int) -> Path:
    with Spool(tmp_path, delete_acknowledged=False) as spool:
        for n in range(1, count + 1):
            spool.append(make_hit("s:", n))
    (segment,) = tmp_path.glob("hits-*.jsonl")
    return segment


def ack_lines(tmp_path: Path, lines: set[int]) -> None:
    with Spool(tmp_path, delete_acknowledged=False) as spool:
        spool.ack([(r, "created") for r in spool.claim_pending() if r.line in lines])


def test_acknowledgements_name_the_record_by_its_checksum(tmp_path: Path) -> None:
    segment = spool_of(tmp_path, 2)
    ack_lines(tmp_path, {1})
    (ack,) = [json.loads(line) for line in Path(f"{segment}.acks").read_text().splitlines()]
    first_line = segment.read_bytes().split(b"\n")[0]
    assert ack["record"] == record_checksum(first_line)


def test_a_lost_newline_after_a_partial_replay_never_shifts_an_acknowledgement(
    tmp_path: Path,
) -> None:
    segment = spool_of(tmp_path, 5)
    ack_lines(tmp_path, {1, 2})  # a partial replay: records 1 and 2 are indexed
    # Damage: the newline after record 1 is lost, records 1 and 2 become one bad line,
    # and record 3 is now on line 2 (the line number of an acknowledged record).
    data = segment.read_bytes()
    segment.write_bytes(data.replace(b"\n", b" ", 1))
    with Spool(tmp_path) as spool:
        pending = spool.claim_pending()
        assert sorted(r.doc["source_ad_id"] for r in pending) == [
            "ad-00003",
            "ad-00004",
            "ad-00005",
        ]
        spool.ack([(r, "created") for r in pending])
        assert any("line 1: unreadable" in problem for problem in spool.unmatched)
        assert any("acknowledgement(s) match no readable record" in p for p in spool.unmatched)
    assert segment.exists(), "a segment with a line that matches nothing is kept"
    status = Spool(tmp_path).status()
    assert status.unreadable_lines == 1


def test_a_damaged_line_is_never_taken_for_acknowledged(tmp_path: Path) -> None:
    segment = spool_of(tmp_path, 3)
    ack_lines(tmp_path, {2})
    lines = segment.read_bytes().split(b"\n")
    lines[1] = lines[1].replace(b'"doc_id"', b'"doc_iX"')  # still JSON, not the same record
    segment.write_bytes(b"\n".join(lines))
    with Spool(tmp_path) as spool:
        pending = spool.claim_pending()
    assert sorted(r.line for r in pending) == [1, 2, 3]


def test_acknowledgements_written_before_checksums_count_only_for_the_same_record(
    tmp_path: Path,
) -> None:
    segment = spool_of(tmp_path, 3)
    docs = [json.loads(line) for line in segment.read_text().splitlines()]
    legacy = [
        {"line": 1, "id": f"{docs[0]['doc_id']}@{docs[0]['last_seen']}", "outcome": "created"},
        # Says line 2, but names the observation of record 3: it must not ack line 2.
        {"line": 2, "id": f"{docs[2]['doc_id']}@{docs[2]['last_seen']}", "outcome": "created"},
    ]
    Path(f"{segment}.acks").write_text("".join(json.dumps(a) + "\n" for a in legacy))
    with Spool(tmp_path) as spool:
        assert sorted(r.line for r in spool.claim_pending()) == [2, 3]


def test_a_fully_acknowledged_clean_segment_is_deleted(tmp_path: Path) -> None:
    segment = spool_of(tmp_path, 3)
    with Spool(tmp_path) as spool:
        spool.ack([(r, "created") for r in spool.claim_pending()])
        assert spool.unmatched == []
    assert not segment.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files without permission")
def test_an_unreadable_segment_is_a_one_line_error(tmp_path: Path) -> None:
    segment = spool_of(tmp_path, 1)
    segment.chmod(0)
    try:
        with (
            pytest.raises(SpoolError, match="cannot read spool segment") as raised,
            Spool(tmp_path) as spool,
        ):
            spool.claim_pending()
        assert "\n" not in str(raised.value)
    finally:
        segment.chmod(0o600)
