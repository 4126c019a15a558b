"""A crawl killed with SIGKILL and resumed from its JOBDIR loses no hit and indexes none twice."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawler.demosite import DemoSite
from pipelines.es.client import EsConnectionConfig, make_client
from pipelines.es.setup import setup_cluster
from tests.crawl.test_demo_e2e import ROOT, base_env, lcom
from tests.support.es_test_server import EsTestServer

SLOW = ["-s", "DOWNLOAD_DELAY=0.1", "-s", "LCOM_ES_FLUSH_SECONDS=0.2"]


def crawl_args(site: DemoSite, jobdir: Path | None = None) -> list[str]:
    args = ["crawl", "demo", "--base-url", site.base_url, *SLOW]
    if jobdir is not None:
        args += ["--jobdir", str(jobdir)]
    return args


def ready(es: EsTestServer) -> None:
    setup_cluster(make_client(EsConnectionConfig.from_env({"ELASTICSEARCH_URL": es.url})))


@pytest.mark.browser
@pytest.mark.slow
def test_a_crawl_killed_and_resumed_loses_no_hit_and_indexes_none_twice(tmp_path: Path) -> None:
    with (
        DemoSite(port=0, ads=50, seed=3, crawl_delay=0.01, slow_seconds=0.5) as site,
        EsTestServer() as reference,
        EsTestServer() as es,
    ):
        ready(reference)
        ready(es)
        # The reference: the same crawl, never interrupted.
        env = base_env(tmp_path / "reference") | {
            "LCOM_DEMO": "1",
            "ELASTICSEARCH_URL": reference.url,
        }
        done = lcom(*crawl_args(site), env=env)
        assert done.returncode == 0, done.stderr[-3000:]
        expected = set(reference.documents())
        assert len(expected) > 10

        env = base_env(tmp_path / "killed") | {"LCOM_DEMO": "1", "ELASTICSEARCH_URL": es.url}
        jobdir = tmp_path / "job"
        process = subprocess.Popen(
            [sys.executable, "-m", "crawler", *crawl_args(site, jobdir)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while len(es.documents()) < 5 and process.poll() is None:
            assert time.monotonic() < deadline, "the crawl indexed nothing in time"
            time.sleep(0.05)
        assert process.poll() is None, "the crawl ended before it could be killed"
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        partial = len(es.documents())
        assert partial < len(expected), "killed too late to prove anything"

        resumed = lcom(*crawl_args(site, jobdir), env=env)
        assert resumed.returncode == 0, resumed.stderr[-3000:]
        documents = es.documents()

    assert set(documents) == expected
    assert all(doc["seen_count"] == 1 for doc in documents.values())
    assert len({doc["run_id"] for doc in documents.values()}) == 1
    assert all(len(es_copies) == 1 for es_copies in (es.copies(d) for d in documents))
    status = lcom("spool", "status", env=env)
    assert status.returncode == 0, status.stderr
    assert re.search(r"pending\s+0\b", status.stdout), status.stdout
