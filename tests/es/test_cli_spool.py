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
