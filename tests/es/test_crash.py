"""A writer killed with SIGKILL mid-indexing loses no hit and indexes none twice."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from pipelines.es.client import EsConnectionConfig, make_async_client
from pipelines.es.indexer import IndexerConfig, IndexReport, replay_spool
from pipelines.es.setup import setup_cluster
from pipelines.es.spool import Spool
from tests.support.es_test_server import EsTestServer

ROOT = Path(__file__).resolve().parents[2]
COUNT, BATCH = 60, 5


@pytest.fixture
def ready_server(es_server: EsTestServer) -> EsTestServer:
    with Elasticsearch(es_server.url) as client:
        setup_cluster(client)
    return es_server


def resume(url: str, spool_dir: Path) -> IndexReport:
    async def run() -> IndexReport:
        client = make_async_client(EsConnectionConfig(url=url))
        try:
            with Spool(spool_dir) as spool:
                return await replay_spool(spool, client, IndexerConfig(initial_backoff=0.01))
        finally:
            await client.close()

    return asyncio.run(run())


def run_writer(url: str, spool_dir: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.es.spool_writer",
            url,
            str(spool_dir),
            str(COUNT),
            str(BATCH),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("kill_after_batches", [0, 3])
def test_writer_killed_mid_indexing_then_resumed_loses_nothing_and_duplicates_nothing(
    ready_server: EsTestServer, tmp_path: Path, kill_after_batches: int
) -> None:
    # Slow answers make the kill land while a bulk request is in flight.
    ready_server.slow(0.02)
    writer = run_writer(ready_server.url, tmp_path)
    assert writer.stdout is not None
    for _ in range(kill_after_batches):
        assert writer.stdout.readline().startswith("batch")
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait(timeout=30)
    writer.stdout.close()
    assert writer.returncode == -signal.SIGKILL
    spooled = {d["doc_id"] for d in Spool(tmp_path, fsync=False).documents()}
    ready_server.slow(0)

    resume(ready_server.url, tmp_path)
    stored = ready_server.documents()
    assert set(stored) == spooled  # every spooled hit is indexed
    assert {d["seen_count"] for d in stored.values()} <= {1}  # none counted twice
    assert resume(ready_server.url, tmp_path).counts == {}  # nothing left behind

    # The run that follows (a new crawl) writes the rest; the totals stay exact.
    writer = run_writer(ready_server.url, tmp_path)
    out, _ = writer.communicate(timeout=60)
    assert writer.returncode == 0, out
    stored = ready_server.documents()
    assert len(stored) == COUNT
    assert {d["seen_count"] for d in stored.values()} == {1}


def test_hits_indexed_but_never_acknowledged_are_noops_on_replay(
    ready_server: EsTestServer, tmp_path: Path
) -> None:
    writer = run_writer(ready_server.url, tmp_path)
    writer.communicate(timeout=60)
    assert writer.returncode == 0
    # Acknowledged segments were deleted on close; simulate a crash right before the
    # acks were written by putting the segment back without its ack file.
    assert not list(tmp_path.glob("hits-*"))
    with Spool(tmp_path) as spool:
        for doc in ready_server.documents().values():
            spool.append({k: v for k, v in doc.items() if k not in ("seen_count", "review")})
    report = resume(ready_server.url, tmp_path)
    assert report.get("noop") == COUNT
    assert {d["seen_count"] for d in ready_server.documents().values()} == {1}
