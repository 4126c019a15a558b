"""Helpers to run a real crawl against the demo site in a subprocess.

A Twisted reactor runs once per process, so every crawl is its own
``lcom crawl ...`` (or ``python -m scrapy crawl ads``) subprocess.
``lcom crawl`` runs as ``crawler.cli.crawl`` on its own (see ``LCOM_CRAWL``).
The demo site runs in this process, so its ``request_log`` shows exactly what
the crawler asked for. Each crawl gets a temporary policy folder copied from the
demo policy with edits, a temporary ``LCOM_VAR_DIR``, and dumps its final stats
as JSON (``LCOM_STATS_DUMP``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

import crawler.settings as project_settings
from crawler.sources import BUNDLED_DIR as SOURCES_DIR
from legal_guardrails import DEMO_POLICY_DIR

REPO = Path(__file__).resolve().parents[2]
CRAWL_TIMEOUT = 90.0
#: Chromium may only resolve loopback names in tests: it can never reach the internet.
LOOPBACK_ONLY_ARG = "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost"
#: A test-only pseudonymisation key (never used outside tests).
TEST_PSEUDONYM_KEY = "5f" * 32
#: The item pipelines no crawl may run without (``crawler/runtime.py``).
PRIVACY_PIPELINES = {
    "pipelines.pseudonymize.PseudonymizePipeline": 200,
    "pipelines.minimize.MinimizePipeline": 400,
}


#: ``lcom crawl`` with only its own sub-command registered, so these tests do not
#: depend on every other sub-command of the CLI importing cleanly.
LCOM_CRAWL = """
import argparse, sys
from crawler.cli import crawl
parser = argparse.ArgumentParser(prog="lcom")
crawl.register(parser.add_subparsers(dest="command", required=True))
args = parser.parse_args()
sys.exit(args.func(args))
"""


def launch_options_json() -> str:
    options = dict(project_settings.PLAYWRIGHT_LAUNCH_OPTIONS)
    options["args"] = [*options.get("args", []), LOOPBACK_ONLY_ARG]
    return json.dumps(options)


def deep_update(target: dict[str, Any], changes: dict[str, Any]) -> None:
    """Update nested dicts in place; a value of ``None`` removes the key."""
    for key, value in changes.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            deep_update(target[key], value)
        else:
            target[key] = value


def edit_yaml(path: Path, changes: dict[str, Any]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    deep_update(data, changes)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def make_policy(
    directory: Path,
    *,
    source: dict[str, Any] | None = None,
    bundle: dict[str, Any] | None = None,
    authorisation: dict[str, Any] | None = None,
) -> Path:
    """A copy of the demo policy with edits to the demo source, the bundle or AUTH-DEMO-1."""
    shutil.copytree(DEMO_POLICY_DIR, directory)
    (directory / "STOP").unlink(missing_ok=True)
    if source:
        edit_yaml(directory / "sources" / "demo.yaml", source)
    if bundle:
        edit_yaml(directory / "bundle.yaml", bundle)
    if authorisation:
        path = directory / "authorisations.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        deep_update(data["authorisations"][0], authorisation)
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return directory


def make_source(path: Path, start_paths: list[str]) -> Path:
    """A copy of the demo source config (id ``demo``) that starts at other paths."""
    data = yaml.safe_load((SOURCES_DIR / "demo.yaml").read_text(encoding="utf-8"))
    data["start_urls"] = ["{base_url}" + start for start in start_paths]
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@dataclass
class CrawlResult:
    returncode: int
    stdout: str
    stderr: str
    stats: dict[str, Any]
    audit: list[dict[str, Any]]
    requests: list[Any] = field(default_factory=list)

    @property
    def finish_reason(self) -> str | None:
        return self.stats.get("finish_reason")

    def blocked(self, rule: str) -> int:
        return int(self.stats.get(f"lcom/guardrails/blocked/{rule}", 0))

    def paths(self, host: str | None = "127.0.0.1") -> list[str]:
        return [r.path for r in self.requests if host is None or host_of(r) == host]

    def hosts(self) -> list[str]:
        return [host_of(r) for r in self.requests]

    def on_host(self, host: str) -> list[Any]:
        return [r for r in self.requests if host_of(r) == host]

    def page_paths(self) -> list[str]:
        return [p for p in self.paths() if p != "/robots.txt"]

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def host_of(record: Any) -> str:
    host = str(record.host)
    return urlsplit(f"//{host}").hostname or host


@dataclass
class CrawlRunner:
    """Runs crawls against one demo site with one temporary folder."""

    site: Any
    tmp: Path
    settings: dict[str, str] = field(default_factory=dict)
    environ: dict[str, str] = field(default_factory=dict)
    count: int = 0

    @property
    def var_dir(self) -> Path:
        return self.tmp / "var"

    @property
    def audit_log(self) -> Path:
        return self.var_dir / "audit.jsonl"

    def policy(self, **edits: Any) -> Path:
        self.count += 1
        return make_policy(self.tmp / f"policy{self.count}", **edits)

    def source(self, *start_paths: str) -> Path:
        self.count += 1
        return make_source(self.tmp / f"source{self.count}.yaml", list(start_paths))

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("ELASTICSEARCH_URL", None)
        env.update(
            {
                "LCOM_DEMO": "1",
                "LCOM_VAR_DIR": str(self.var_dir),
                "LCOM_PROGRESS": "0",
                # These crawls hit broken pages, stop codes and expiring authorisations on
                # purpose: run monitoring would rightly alert. Its own tests switch it on.
                "LCOM_MONITORING": "0",
                "PYTHONPATH": str(REPO),
                # Pseudonymisation runs in every crawl; copied policies are not the
                # bundled demo policy, whose public demo key is refused elsewhere.
                "LCOM_PSEUDONYM_KEY": TEST_PSEUDONYM_KEY,
            }
        )
        env.pop("LCOM_PSEUDONYM_KEY_FILE", None)
        env.pop("LCOM_POLICY_DIR", None)
        env.update(self.environ)
        return env

    def command(
        self,
        *,
        policy: Path | None = None,
        source: Path | str = "demo",
        settings: dict[str, Any] | None = None,
        scrapy: bool = False,
    ) -> tuple[list[str], Path]:
        self.count += 1
        stats_file = self.tmp / f"stats{self.count}.json"
        merged = {
            # Guardrails are under test here, not the pipelines (they have their own
            # tests): only the two a crawl may not run without; nothing is stored.
            "ITEM_PIPELINES": json.dumps(PRIVACY_PIPELINES),
            "LCOM_DEMO": "1",
            "LCOM_STATS_DUMP": str(stats_file),
            "LCOM_KILL_SWITCH_INTERVAL": "0.25",
            # No project default delay: the permit's rate (and Crawl-delay) decide.
            "DOWNLOAD_DELAY": "0",
            "PLAYWRIGHT_LAUNCH_OPTIONS": launch_options_json(),
            "LOG_LEVEL": "INFO",
            **self.settings,
            **{k: str(v) for k, v in (settings or {}).items()},
        }
        if scrapy:
            cmd = [sys.executable, "-m", "scrapy", "crawl", "ads",
                   "-a", f"source={source}", "-a", f"base_url={self.site.base_url}"]  # fmt: skip
            if policy is not None:
                merged["LCOM_POLICY_DIR"] = str(policy)
        else:
            cmd = [sys.executable, "-c", LCOM_CRAWL, "crawl", str(source),
                   "--base-url", self.site.base_url]  # fmt: skip
            if policy is not None:
                cmd += ["--policy", str(policy)]
        for name, value in merged.items():
            cmd += ["-s", f"{name}={value}"]
        return cmd, stats_file

    def start(self, **kwargs: Any) -> RunningCrawl:
        cmd, stats_file = self.command(**kwargs)
        self.site.clear_request_log()
        # Files, not pipes: a chatty crawl must never block on a full pipe.
        out, err = stats_file.with_suffix(".out"), stats_file.with_suffix(".err")
        with out.open("w") as stdout, err.open("w") as stderr:
            process = subprocess.Popen(
                cmd, cwd=REPO, env=self.env(), stdout=stdout, stderr=stderr, text=True
            )
        return RunningCrawl(self, process, stats_file)

    def run(self, **kwargs: Any) -> CrawlResult:
        return self.start(**kwargs).wait()

    def read_audit(self) -> list[dict[str, Any]]:
        if not self.audit_log.exists():
            return []
        return [json.loads(line) for line in self.audit_log.read_text().splitlines() if line]


@dataclass
class RunningCrawl:
    runner: CrawlRunner
    process: subprocess.Popen[str]
    stats_file: Path

    def wait_for_requests(self, count: int, timeout: float = 30.0) -> None:
        """Block until the demo site has seen ``count`` requests (or the crawl ended)."""
        deadline = time.monotonic() + timeout
        while len(self.runner.site.request_log) < count:
            if self.process.poll() is not None:
                raise AssertionError(f"the crawl ended before making {count} requests")
            if time.monotonic() > deadline:
                raise AssertionError(f"the crawl made fewer than {count} requests in time")
            time.sleep(0.05)

    def wait(self) -> CrawlResult:
        out, err = self.stats_file.with_suffix(".out"), self.stats_file.with_suffix(".err")
        try:
            self.process.wait(timeout=CRAWL_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(
                f"crawl did not finish in time:\n{err.read_text()[-4000:]}"
            ) from None
        stdout, stderr = out.read_text(), err.read_text()
        stats = json.loads(self.stats_file.read_text()) if self.stats_file.exists() else {}
        return CrawlResult(
            returncode=self.process.returncode,
            stdout=stdout,
            stderr=stderr,
            stats=stats,
            audit=self.runner.read_audit(),
            requests=list(self.runner.site.request_log),
        )


@pytest.fixture(scope="module")
def demo_site() -> Iterator[Any]:
    from crawler.demosite import DemoSite

    with DemoSite(port=0, ads=20, seed=7, crawl_delay=0.05, slow_seconds=1.0) as site:
        yield site


@pytest.fixture
def crawl(demo_site: Any, tmp_path: Path) -> CrawlRunner:
    return CrawlRunner(demo_site, tmp_path)


@pytest.fixture
def make_runner(tmp_path: Path) -> Callable[[Any], CrawlRunner]:
    def make(site: Any) -> CrawlRunner:
        return CrawlRunner(site, tmp_path)

    return make
