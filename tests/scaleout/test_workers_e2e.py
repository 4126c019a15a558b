"""Several workers on one real Redis against the demo site: limits hold, nothing is lost.

Each worker is an ``lcom worker`` (or ``lcom crawl --workers N``) subprocess; the
demo site runs in this process and logs every request it answers, with the
moment it arrived. The policy switches JavaScript off so no browser starts.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

import crawler.settings as project_settings
from crawler.demosite.server import busiest_window, max_in_window
from crawler.monitoring import history_path, read_history
from pipelines.es.spool import segment_documents
from tests.crawl.conftest import REPO, CrawlRunner
from tests.support.redis_server import RedisServer

pytestmark = [pytest.mark.redis, pytest.mark.timeout(240)]

RATE = 5
TIMEOUT = 120.0


@pytest.fixture(scope="module")
def site() -> Iterator[Any]:
    from crawler.demosite import DemoSite

    with DemoSite(port=0, ads=24, seed=11, crawl_delay=0.0) as demo:
        yield demo


def static_ads(site: Any) -> set[str]:
    return {ad.url for ad in site.ground_truth.ads.values() if ad.section == "static"}


class Workers:
    """Builds ``lcom worker`` / ``lcom crawl --workers`` commands for one test."""

    def __init__(self, site: Any, tmp: Path, redis_url: str) -> None:
        self.processes: list[subprocess.Popen[str]] = []
        self.runner = CrawlRunner(site, tmp)
        self.runner.environ["LCOM_REDIS_URL"] = redis_url
        self.site = site
        self.tmp = tmp

    def policy(self, rate: float = RATE, **source: Any) -> Path:
        # Listings and ads only: the calendar trap and the broken pages have their own tests.
        deny = ["^/members(/|$)", "^/login", "^/calendar", "^/bad", "^/go/", "^/js"]
        return self.runner.policy(
            source={
                "requests_per_second": rate,
                "javascript_rendering": False,
                "deny_url_patterns": deny,
                **source,
            }
        )

    def command(self, policy: Path, *, pipelines: bool = False, **settings: Any) -> list[str]:
        merged: dict[str, Any] = {"LCOM_REDIS_HEARTBEAT_TTL": "2", **settings}
        if pipelines:  # every pipeline, hits to the spool (no ELASTICSEARCH_URL)
            merged["ITEM_PIPELINES"] = json.dumps(project_settings.ITEM_PIPELINES)
        cmd, _stats = self.runner.command(policy=policy, settings=merged)
        # [python, -c, LCOM_CRAWL, "crawl", ...options]: the same options for the full CLI.
        return [sys.executable, "-m", "crawler", *cmd[3:]]

    def spawn(
        self, cmd: list[str], name: str, env: dict[str, str] | None = None
    ) -> subprocess.Popen[str]:
        with (self.tmp / f"{name}.log").open("w") as out:
            process = subprocess.Popen(
                cmd, cwd=REPO, env={**self.runner.env(), **(env or {})}, stdout=out, stderr=out,
                text=True,
            )  # fmt: skip
        self.processes.append(process)
        return process

    def kill_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
            process.wait()

    def workers(
        self, policy: Path, count: int, run_id: str = "run-test", **kwargs: Any
    ) -> list[subprocess.Popen[str]]:
        base = self.command(policy, **kwargs)
        base[base.index("crawl")] = "worker"
        return [
            self.spawn([*base, "--run", run_id, "--worker-id", f"w{i}"], f"w{i}")
            for i in range(count)
        ]

    def log(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text()


@pytest.fixture
def make_workers(site: Any, tmp_path: Path) -> Iterator[Any]:
    made: list[Workers] = []

    def make(redis_url: str) -> Workers:
        made.append(Workers(site, tmp_path, redis_url))
        return made[-1]

    yield make
    for workers in made:
        workers.kill_all()


def wait_all(processes: list[subprocess.Popen[str]], timeout: float = TIMEOUT) -> list[int]:
    deadline = time.monotonic() + timeout
    codes = []
    for process in processes:
        try:
            codes.append(process.wait(timeout=max(0.1, deadline - time.monotonic())))
        except subprocess.TimeoutExpired:
            for other in processes:
                other.kill()
            raise AssertionError("the workers did not finish in time") from None
    return codes


def wait_for_requests(site: Any, count: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while len(site.request_log) < count:
        assert time.monotonic() < deadline, f"fewer than {count} requests in time"
        time.sleep(0.05)


def busiest_second(log: list[Any]) -> str:
    """The requests of the busiest 1-second window, for a failure message."""
    ordered = sorted(log, key=lambda r: r.time)
    start, end = busiest_window([r.time for r in ordered])
    busiest = ordered[start:end]
    first = busiest[0].time if busiest else 0.0
    return "busiest second: " + ", ".join(f"+{r.time - first:.3f} s {r.path}" for r in busiest)


def spooled_doc_ids(var_dir: Path) -> list[str]:
    ids = []
    for path in sorted((var_dir / "spool").rglob("*.jsonl")):
        ids += [doc["doc_id"] for doc in segment_documents(path.parent, path.name)]
    return ids


@pytest.mark.parametrize("count", [2, 4])
def test_workers_together_keep_the_policy_rate_and_fetch_every_ad_exactly_once(
    site: Any, make_workers: Any, redis_url: str, count: int
) -> None:
    workers = make_workers(redis_url)
    workers.runner.environ["LCOM_MONITORING"] = "1"  # asserted below
    policy = workers.policy()
    site.clear_request_log()
    if count == 2:  # lcom crawl --workers N on one machine
        parent = workers.spawn([*workers.command(policy), "--workers", "2"], "parent")
        assert wait_all([parent]) == [0], workers.log("parent")[-3000:]
        assert workers.log("parent").count("joined run") == 2
    else:  # lcom worker, as on several machines
        codes = wait_all(workers.workers(policy, count))
        assert codes == [0] * count, workers.log("w0")[-3000:]
        assert all("joined run run-test" in workers.log(f"w{i}") for i in range(count))
    log = [r for r in site.request_log if r.host == "127.0.0.1"]
    fetched = Counter(r.path for r in log)
    assert {path for path in fetched if path.startswith("/ad/")} == static_ads(site)
    # Robots.txt is read by every worker; a 5xx answer is retried (Scrapy's retry).
    retried = {r.path for r in log if r.status >= 500}
    twice = {p: n for p, n in fetched.items() if n > 1 and p != "/robots.txt" and p not in retried}
    assert not twice, f"fetched more than once: {twice}"
    assert max_in_window([r.time for r in log]) <= RATE, busiest_second(log)
    # Monitoring judges whole runs: the merged run of ``--workers N`` is one history record
    # (a worker whose share held no ad is no "zero ads" alert); lone workers' shares are none.
    history = read_history(history_path(workers.runner.var_dir), "demo")
    if count == 2:
        assert [h.ads_seen for h in history] == [len(static_ads(site))]
    else:
        assert history == []


def test_a_worker_killed_mid_crawl_loses_no_ad_and_no_hit_is_stored_twice(
    site: Any, tmp_path: Path, make_workers: Any, redis_url: str
) -> None:
    workers = make_workers(redis_url)
    policy = workers.policy(rate=10)
    site.clear_request_log()
    victim, survivor = workers.workers(policy, 2, pipelines=True)
    # Kill the victim while it holds requests it has taken and not finished.
    client = redis.Redis.from_url(redis_url)
    deadline = time.monotonic() + 120
    while not client.llen("lcom:demo:run-test:processing:w0"):
        assert time.monotonic() < deadline and victim.poll() is None, workers.log("w0")[-2000:]
        time.sleep(0.01)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    assert wait_all([survivor]) == [0], workers.log("w1")[-3000:]
    assert "worker w0 stopped sending heartbeats" in workers.log("w1")
    fetched = {r.path for r in site.request_log if r.host == "127.0.0.1"}
    assert static_ads(site) <= fetched
    # The index upserts by doc_id: a hit the victim spooled and the survivor fetched
    # again is one document. Every doc_id belongs to one ad, and every ad has one doc_id.
    doc_ids = spooled_doc_ids(workers.runner.var_dir)
    assert doc_ids, "no hits were spooled"
    hits_by_ad: dict[str, set[str]] = {}
    for path in sorted((workers.runner.var_dir / "spool").rglob("*.jsonl")):
        for doc in segment_documents(path.parent, path.name):
            hits_by_ad.setdefault(doc["url"], set()).add(doc["doc_id"])
    assert all(len(ids) == 1 for ids in hits_by_ad.values())
    assert len(set(doc_ids)) == len(hits_by_ad)


def test_a_kill_switch_seen_by_one_of_four_workers_stops_all_of_them_within_five_seconds(
    site: Any, tmp_path: Path, make_workers: Any, redis_url: str
) -> None:
    # Only the first worker sees the switch (as if it ran on the machine where the
    # operator engaged it): the others stop through the run's stop key in Redis.
    workers = make_workers(redis_url)
    policy = workers.policy(rate=4)
    switch = tmp_path / "KILL"
    site.clear_request_log()
    cmd = workers.command(policy)
    cmd[cmd.index("crawl")] = "worker"
    processes = [
        workers.spawn(
            [*cmd, "--run", "r", "--worker-id", f"w{i}"]
            + (["-s", f"LCOM_KILL_SWITCH_FILE={switch}"] if i == 0 else []),
            f"w{i}",
        )
        for i in range(4)
    ]
    wait_for_requests(site, 10, timeout=120)
    switch.touch()
    engaged = time.monotonic()
    wait_all(processes, timeout=60)
    assert not [r for r in site.request_log if r.time > engaged + 5.0], "fetched after 5 s"
    for i in range(1, 4):
        log = workers.log(f"w{i}")
        assert "another worker stopped the source (kill_switch)" in log, log[-2000:]
        assert "lcom_kill_switch" in log


def test_workers_pause_while_redis_is_down_and_finish_when_it_is_back(
    site: Any, make_workers: Any, redis_server: RedisServer
) -> None:
    # Its own server (the session's stays up for the other tests), same binary.
    with RedisServer() as server:
        workers = make_workers(server.url)
        policy = workers.policy(rate=4)
        site.clear_request_log()
        (worker,) = workers.workers(policy, 1)
        wait_for_requests(site, 8, timeout=120)
        server.stop(save=True)
        down = time.monotonic()
        time.sleep(3.0)
        during = [r for r in site.request_log if down + 0.5 < r.time]
        server.start()
        assert wait_all([worker]) == [0], workers.log("w0")[-3000:]
    assert not during, f"{len(during)} request(s) made while Redis was down"
    assert "Redis unreachable" in workers.log("w0")
    fetched = {r.path for r in site.request_log if r.host == "127.0.0.1"}
    assert static_ads(site) <= fetched


def test_crawl_with_workers_needs_a_redis_url(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "LCOM_REDIS_URL"}
    result = subprocess.run(
        [sys.executable, "-m", "crawler", "crawl", "demo", "--workers", "2"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert "LCOM_REDIS_URL" in result.stderr
