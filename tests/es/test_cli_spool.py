"""``lcom spool status`` and ``lcom spool replay``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from crawler.cli import spool as spool_cli
from pipelines.es.setup import setup_cluster
from pipelines.es.spool import Spool
from tests.es.hits import make_hit
from tests.support.es_test_server import EsTestServer


def run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    spool_cli.register(parser.add_subparsers())
    args = parser.parse_args(argv)
    return int(args.func(args))


def test_status_prints_counts_as_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with Spool(tmp_path) as spool:
        for n in range(4):
            spool.append(make_hit("c:", n))
    assert run_cli(["spool", "status", "--spool-dir", str(tmp_path), "--format", "json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert (status["records"], status["pending"], status["rejected"]) == (4, 4, 0)


def test_replay_sends_pending_hits_once(
    es_server: EsTestServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with Elasticsearch(es_server.url) as client:
        setup_cluster(client)
    with Spool(tmp_path) as spool:
        for n in range(4):
            spool.append(make_hit("c:", n))
    monkeypatch.setenv("ELASTICSEARCH_URL", es_server.url)
    assert run_cli(["spool", "replay", "--spool-dir", str(tmp_path)]) == 0
    assert "created    4" in capsys.readouterr().out
    assert run_cli(["spool", "replay", "--spool-dir", str(tmp_path)]) == 0
    assert "created    0" in capsys.readouterr().out
    assert len(es_server.documents()) == 4


def test_replay_against_a_cluster_that_is_down_exits_non_zero(
    es_server: EsTestServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Spool(tmp_path) as spool:
        spool.append(make_hit("c:", 1))
    es_server.down_for(None)
    monkeypatch.setenv("ELASTICSEARCH_URL", es_server.url)
    assert run_cli(["spool", "replay", "--spool-dir", str(tmp_path)]) == 1
    assert Spool(tmp_path).status().pending == 1


def test_a_replay_after_a_lost_newline_sends_every_record_and_does_not_report_success(
    es_server: EsTestServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with Elasticsearch(es_server.url) as client:
        setup_cluster(client)
    with Spool(tmp_path, delete_acknowledged=False) as spool:
        records = [spool.append(make_hit("c:", n)) for n in range(1, 6)]
        spool.ack([(records[0], "created"), (records[1], "created")])  # a partial replay
    (segment,) = tmp_path.glob("hits-*.jsonl")
    segment.write_bytes(segment.read_bytes().replace(b"\n", b" ", 1))  # a lost newline
    monkeypatch.setenv("ELASTICSEARCH_URL", es_server.url)
    assert run_cli(["spool", "replay", "--spool-dir", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert "created    3" in captured.out  # records 3, 4 and 5: none is taken for sent
    assert "line 1: unreadable" in captured.err
    assert segment.exists()
    assert {d["source_ad_id"] for d in es_server.documents().values()} == {
        "ad-00003",
        "ad-00004",
        "ad-00005",
    }


@pytest.mark.parametrize("command", ["status", "replay"])
def test_a_segment_that_cannot_be_read_is_a_one_line_error(
    es_server: EsTestServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: str,
) -> None:
    with Spool(tmp_path) as spool:
        spool.append(make_hit("c:", 1))
    real_read_bytes = Path.read_bytes

    def no_permission(path: Path) -> bytes:
        if path.name.startswith("hits-"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", no_permission)
    monkeypatch.setenv("ELASTICSEARCH_URL", es_server.url)
    assert run_cli(["spool", command, "--spool-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: cannot read spool") and "Permission denied" in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_a_read_only_spool_folder_is_a_one_line_error(
    es_server: EsTestServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with Elasticsearch(es_server.url) as client:
        setup_cluster(client)
    with Spool(tmp_path) as spool:
        spool.append(make_hit("c:", 1))
    real_open = Path.open

    def read_only(path: Path, mode: str = "r", *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if any(flag in mode for flag in "wax"):
            raise PermissionError(30, "Read-only file system", str(path))
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr(Path, "open", read_only)
    monkeypatch.setenv("ELASTICSEARCH_URL", es_server.url)
    assert run_cli(["spool", "replay", "--spool-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: cannot write") and "Read-only file system" in err
    assert err.count("\n") == 1 and "Traceback" not in err
