"""Scheduled and repeated crawls against the demo site: incremental recrawls, run
monitoring with alerts, and the per-source lock of ``lcom schedule``."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from crawler.exitcodes import ExitCode
from crawler.sources import BUNDLED_DIR as SOURCES_DIR
from tests.crawl.conftest import REPO, CrawlRunner
from tests.support.alert_receivers import WebhookReceiver

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site() -> Iterator[Any]:
    """A small demo site of our own: these tests flip its switches."""
    from crawler.demosite import DemoSite

    with DemoSite(port=0, ads=20, seed=11, crawl_delay=0.01, slow_seconds=0.5) as running:
        yield running


@pytest.fixture
def runner(site: Any, tmp_path: Path) -> Iterator[CrawlRunner]:
    site.reset_switches()
    yield CrawlRunner(site, tmp_path)
    site.reset_switches()


def listing_source(path: Path, base_url: str, **extra: Any) -> Path:
    """The demo source config reading only the listing and the ads, with listing signals."""
    data = yaml.safe_load((SOURCES_DIR / "demo.yaml").read_text(encoding="utf-8"))
    data["base_url"] = base_url
    data["start_urls"] = ["{base_url}/ads?page=1"]
    data["pages"] = {
        "ad": {"url_pattern": "^/ad/[^/?#]+$", "ad": True},
        "listing": {
            "url_pattern": "^/ads",
            "follow": ["a.ad-link::attr(href)", "a[rel=next]::attr(href)"],
        },
    }
    data["incremental"] = {"card": "li.ad-card", "link": "a.ad-link::attr(href)"}
    data.update(extra)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def ad_paths(paths: list[str]) -> list[str]:
    return sorted(p for p in paths if p.startswith("/ad/"))


def test_a_recrawl_fetches_only_listing_pages_then_exactly_the_changed_ads(
    runner: CrawlRunner, site: Any
) -> None:
    listing = list(site.ground_truth.listing_pages)
    all_ads = sorted(ad.url for ad in site.pages.listing)
    source = listing_source(runner.tmp / "sources" / "demo.yaml", site.base_url)
    policy = runner.policy()

    first = runner.run(policy=policy, source=source)
    assert first.returncode == 0, first.stderr[-3000:]
    assert ad_paths(first.page_paths()) == all_ads

    # The page cap counts what is fetched: the listing pages and robots.txt fit in it.
    capped = runner.policy(source={"pages_per_run": len(listing) + 1})
    second = runner.run(policy=capped, source=source)
    assert second.returncode == 0, second.stderr[-3000:]
    assert second.finish_reason == "finished"
    assert sorted(second.page_paths()) == sorted(listing)
    assert second.stats["lcom/incremental/unchanged"] == len(all_ads)

    changed = [ad.ad_id for ad in site.pages.listing[:3]]
    site.change_ads(changed)
    third = runner.run(policy=policy, source=source)
    assert third.returncode == 0, third.stderr[-3000:]
    assert ad_paths(third.page_paths()) == sorted(f"/ad/{ad_id}" for ad_id in changed)
    assert sorted(p for p in third.page_paths() if not p.startswith("/ad/")) == sorted(listing)
    assert third.stats["lcom/incremental/changed"] == 3
    assert third.stats["lcom/incremental/conditional"] == 3, "validators were sent"
    assert third.stats["lcom/ads/extracted"] == 3


def test_the_demo_site_answers_a_conditional_request_with_304(site: Any) -> None:
    url = site.base_url + site.pages.listing[0].url
    with urllib.request.urlopen(url) as response:
        etag = response.headers["ETag"]
        assert response.headers["Last-Modified"]
    request = urllib.request.Request(url, headers={"If-None-Match": etag})
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(request)
    assert answer.value.code == 304


def test_a_changed_layout_raises_the_zero_items_alert_and_calls_the_webhook(
    runner: CrawlRunner, site: Any
) -> None:
    source = listing_source(runner.tmp / "sources" / "demo.yaml", site.base_url)
    policy = runner.policy()
    with WebhookReceiver() as hook:
        config = runner.tmp / "monitoring.yaml"
        config.write_text(yaml.safe_dump({"notify": {"webhook": {"url": hook.url}}}))
        runner.environ.update({"LCOM_MONITORING": "1", "LCOM_MONITORING_CONFIG": str(config)})
        first = runner.run(policy=policy, source=source)
        assert first.returncode == ExitCode.OK, first.stderr[-3000:]
        assert first.stats["lcom/ads/extracted"] > 0
        assert hook.bodies == []

        site.change_layout()
        second = runner.run(policy=policy, source=source)
    assert second.returncode == ExitCode.ALERTS, second.stderr[-3000:]
    assert "ALERT [zero_items]" in second.stderr
    assert [a["alert"] for a in hook.alerts()] == ["zero_items"]
    assert hook.alerts()[0]["source"] == "demo"
    alerts = [r for r in runner.read_audit() if r.get("kind") == "alert"]
    assert [a["alert"] for a in alerts] == ["zero_items"]
    assert alerts[0]["run_id"]


# -- lcom schedule -------------------------------------------------------------------------


def schedule_command(runner: CrawlRunner, policy: Path, sources: Path, *extra: str) -> list[str]:
    cmd, _ = runner.command(policy=policy)
    settings = cmd[cmd.index("-s") :]  # the same settings a test crawl runs with
    return [sys.executable, "-m", "crawler.cli", "schedule", *extra, "--policy-dir", str(policy),
            "--sources-dir", str(sources), *settings]  # fmt: skip


def test_a_second_overlapping_schedule_once_refuses_with_a_clear_message(
    runner: CrawlRunner, site: Any
) -> None:
    sources = runner.tmp / "sources"
    listing_source(sources / "demo.yaml", site.base_url, schedule={"cron": "* * * * *"})
    # Slow enough that the first run is still going when the second starts.
    policy = runner.policy(source={"requests_per_second": 2, "concurrency": 1})
    cmd = schedule_command(runner, policy, sources, "--once")
    site.clear_request_log()
    first = subprocess.Popen(
        cmd, cwd=REPO, env=runner.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 60
        while not any(r.path.startswith("/ads") for r in site.request_log):
            assert first.poll() is None, first.communicate()[1][-3000:]
            assert time.monotonic() < deadline, "the first run did not start crawling"
            time.sleep(0.05)
        second = subprocess.run(
            cmd, cwd=REPO, env=runner.env(), capture_output=True, text=True, timeout=60
        )
        assert second.returncode == ExitCode.REFUSED, second.stderr[-3000:]
        assert "source demo is already being crawled" in second.stderr
        assert "this run is refused so that two runs never overlap" in second.stderr
        out, err = first.communicate(timeout=90)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == ExitCode.OK, err[-3000:]
    assert "source demo: run for" in out
    assert (runner.var_dir / "jobs" / "demo" / "lcom-job.json").exists()
    state = json.loads((runner.var_dir / "jobs" / "demo" / "lcom-schedule.json").read_text())
    assert state["last_exit"] == 0
    # Once handled, the same fire time is not run again (a fixed clock: this machine may
    # be slow enough for the next minute's fire time to come).
    again = datetime.fromisoformat(state["last_fire"]) + timedelta(seconds=30)
    third = subprocess.run(
        [*cmd, "--at", again.isoformat()],
        cwd=REPO,
        env=runner.env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert third.returncode == ExitCode.OK, third.stderr[-3000:]
    assert "nothing is due" in third.stdout


def test_a_refused_scheduled_run_says_why_before_anything_is_fetched(
    runner: CrawlRunner, site: Any
) -> None:
    sources = runner.tmp / "sources"
    listing_source(sources / "demo.yaml", site.base_url, schedule={"cron": "* * * * *"})
    policy = runner.policy(bundle={"kill_switch": {"engaged": True}})
    site.clear_request_log()
    result = subprocess.run(
        schedule_command(runner, policy, sources, "--once"),
        cwd=REPO,
        env=runner.env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == ExitCode.REFUSED, result.stderr[-3000:]
    assert "refusing to crawl source demo; nothing was fetched" in result.stderr
    assert "kill switch" in result.stderr
    assert site.request_log == []
    assert runner.read_audit()[-1]["finish_reason"] == "lcom_refused"


def test_the_scheduler_service_stops_cleanly_on_sigterm(runner: CrawlRunner, site: Any) -> None:
    sources = runner.tmp / "sources"
    listing_source(sources / "demo.yaml", site.base_url, schedule={"cron": "0 0 1 1 *"})
    service = subprocess.Popen(
        schedule_command(runner, runner.policy(), sources),
        cwd=REPO,
        env=runner.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert service.stdout is not None
        assert "running" in service.stdout.readline()
        service.send_signal(signal.SIGTERM)
        out, err = service.communicate(timeout=30)
    finally:
        if service.poll() is None:
            service.kill()
    assert service.returncode == 0, err[-3000:]
    assert "stopped" in out
