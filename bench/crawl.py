"""Crawl benchmarks: lcom against bare Scrapy, memory, JavaScript, and workers on Redis.

All against the bundled demo ad site on loopback, in one run, so the ratios compare
figures measured on the same machine at the same time (the machine may be busy: quote
ratios, not absolute figures):

1. **lcom vs bare Scrapy**: the demo site with ``--ads`` ads (20,000), the listing and ad
   pages only. A bare Scrapy spider with the same selectors, parsing code and concurrency
   (no guardrails, no pipelines, Scrapy's own HTTP handler) against ``lcom crawl`` with
   every guardrail check and pipeline on (hits to the spool), alternated ``--rounds`` times.
   The benchmark policy lifts the rate limits; it allows 127.0.0.1 only and is written
   to a temporary folder for the run. lcom runs twice per round: as by default (the
   analysis in a worker process on a machine with two or more CPUs) and in one process
   (``LCOM_ANALYSIS_WORKER=false``; not with ``--quick``). Prints pages/s of each and the
   ratio (target >= 0.8), and the peak memory of the lcom crawl (target <= 300 MB without
   JavaScript) as the PSS of its process tree, beside the crawl process's RSS. Every lcom
   run of the benchmark (the sections below too) shares one compiled-lexicon cache, warmed
   before the first timed run, as the first run with a lexicon does.
2. **JavaScript**: ``lcom crawl`` of the site's JavaScript section (Chromium), measured
   separately: pages/s and peak RSS of the whole process tree, browser included.
3. **Workers on Redis**: 1, 2 and 4 workers (``lcom crawl --workers N``) under a policy rate
   of ``--rate`` requests/s: the aggregate rate at the site, the most requests in any
   1-second window (must stay <= R), and whether every ad was fetched exactly once; then
   with the limits lifted, pages/s and the speed-up over one worker.

``--quick`` runs sections 1 and 3 small, without JavaScript (unless ``--js``) and without the
speed-up runs, for the smoke test.

    .venv/bin/python bench/crawl.py [--quick] [--ads 20000] [--rounds 2] [--rate 20]

Redis: a temporary ``redis-server`` on a free loopback port, or ``LCOM_REDIS_URL``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.demosite import DemoSite  # noqa: E402
from crawler.demosite.server import max_in_window  # noqa: E402
from crawler.sources import BUNDLED_DIR as SOURCES_DIR  # noqa: E402
from legal_guardrails import DEMO_POLICY_DIR  # noqa: E402

CONCURRENCY = 16
LIFTED_RATE = 10_000
BENCH_KEY = "62" * 32  # pseudonymisation key of benchmark runs only
MB = 1024 * 1024


# -- set-up -------------------------------------------------------------------
def bench_source(directory: Path, start: str, pages: dict[str, Any]) -> Path:
    """A copy of the demo source config with other start URLs and page types."""
    data = yaml.safe_load((SOURCES_DIR / "demo.yaml").read_text(encoding="utf-8"))
    data["start_urls"] = ["{base_url}" + start]
    data["pages"] = pages
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "demo.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


STATIC_PAGES = {
    "ad": {"url_pattern": "^/ad/[^/?#]+$", "ad": True},
    "listing": {"url_pattern": "^/ads", "follow": ["a.ad-link::attr(href)", "a.next::attr(href)"]},
}
JS_PAGES = {
    "js_ad": {
        "url_pattern": "^/js/ad/[^/?#]+$",
        "ad": True,
        "javascript": True,
        "wait_for": "h1.ad-title",
    },
    "js_listing": {
        "url_pattern": "^/js/?$",
        "javascript": True,
        "wait_for": "a.ad-link",
        "follow": ["a.ad-link::attr(href)"],
    },
}


def bench_policy(directory: Path, rate: float, *, javascript: bool = False) -> Path:
    """The demo policy with the rate (and ceilings) set to ``rate``; 127.0.0.1 only."""
    shutil.copytree(DEMO_POLICY_DIR, directory)
    (directory / "STOP").unlink(missing_ok=True)
    bundle_path = directory / "bundle.yaml"
    bundle = yaml.safe_load(bundle_path.read_text(encoding="utf-8"))
    ceilings = bundle["ceilings"]
    ceilings.update(
        requests_per_second_per_host=max(rate, 1),
        concurrency=CONCURRENCY,
        pages_per_run=1_000_000,
        max_depth=100_000,
    )
    bundle_path.write_text(yaml.safe_dump(bundle, sort_keys=False), encoding="utf-8")
    source_path = directory / "sources" / "demo.yaml"
    source = yaml.safe_load(source_path.read_text(encoding="utf-8"))
    source.update(
        allowed_hosts=["127.0.0.1"],
        requests_per_second=rate,
        concurrency=CONCURRENCY,
        pages_per_run=1_000_000,
        max_depth=100_000,
        javascript_rendering=javascript,
    )
    source_path.write_text(yaml.safe_dump(source, sort_keys=False), encoding="utf-8")
    return directory


# -- measuring a child process -------------------------------------------------
def own_rss(pid: int) -> int:
    """Resident memory of ``pid`` alone, in bytes (``OSError`` once it has exited)."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, IndexError) as exc:
        raise OSError(f"unreadable statm of {pid}") from exc


def own_pss(pid: int) -> int:
    """Proportional memory of ``pid`` alone, in bytes: each page it shares with other
    processes counted for its share only (``OSError`` once it has exited)."""
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) * 1024
    return 0


def own_cpu(pid: int) -> float:
    """User and system CPU seconds of ``pid`` alone so far, its children not included
    (``OSError`` once it has exited)."""
    # The command name (field 2) may hold spaces; the fields after its ")" are fixed.
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_total(pid: int, measure: Callable[[int], int]) -> int:
    """``measure`` summed over ``pid`` and all its descendants, in bytes."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            total += measure(current)
            for task in Path(f"/proc/{current}/task").iterdir():
                stack += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError, IndexError):
            continue
    return total


def tree_rss(pid: int) -> int:
    """Resident memory of ``pid`` and all its descendants, in bytes."""
    return tree_total(pid, own_rss)


def tree_pss(pid: int) -> int:
    """Proportional memory of ``pid`` and its descendants, in bytes: a page the processes
    share (the analysis worker is forked from the crawl) is counted once, split between
    them, where :func:`tree_rss` counts it in each."""
    return tree_total(pid, own_pss)


@dataclass
class Run:
    seconds: float
    stats: dict[str, Any]
    # Sampled from /proc, not the kernel's ru_maxrss of the child: that can include the
    # benchmark's own memory copied at fork (the 20,000-ad demo site lives in this process).
    peak_own_rss: int  # the process alone
    peak_tree_rss: int  # the process and its children (analysis worker, Chromium)
    peak_tree_pss: int  # the same, each shared page counted once
    returncode: int
    cpu_seconds: float = 0.0  # user + system time of the process (kernel's rusage)
    # The crawl process alone, sampled from /proc: its analysis worker not included.
    own_cpu_seconds: float = 0.0

    @property
    def pages(self) -> int:
        return int(self.stats.get("downloader/response_count", 0))

    @property
    def pages_per_second(self) -> float:
        elapsed = float(self.stats.get("elapsed_time_seconds") or self.seconds)
        return self.pages / elapsed if elapsed else 0.0

    @property
    def cpu_ms_per_page(self) -> float:
        """CPU time of the whole process (start-up included) per page: on a machine shared
        with other jobs it varies far less than pages/s."""
        return 1000 * self.cpu_seconds / self.pages if self.pages else 0.0

    @property
    def own_cpu_ms_per_page(self) -> float:
        return 1000 * self.own_cpu_seconds / self.pages if self.pages else 0.0


def run_child(cmd: list[str], env: dict[str, str], stats_file: Path, log: Path) -> Run:
    started = time.monotonic()
    with log.open("w") as out:
        process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=out)
    peak, own, pss = [0], [0], [0]
    own_seconds = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.25):
            peak[0] = max(peak[0], tree_rss(process.pid))
            pss[0] = max(pss[0], tree_pss(process.pid))
            with contextlib.suppress(OSError):
                own[0] = max(own[0], own_rss(process.pid))
                # Up to 0.25 s of the last CPU time can be missed: 0.5% of a 50 s crawl.
                own_seconds[0] = own_cpu(process.pid)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _pid, status, usage = os.wait4(process.pid, 0)
    done.set()
    sampler.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - started
    stats = json.loads(stats_file.read_text()) if stats_file.exists() else {}
    if process.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
        print(f"  ! {' '.join(cmd[:4])} exited {process.returncode}; log ends:", file=sys.stderr)
        print(tail, file=sys.stderr)
    cpu = usage.ru_utime + usage.ru_stime
    return Run(seconds, stats, own[0], peak[0], pss[0], process.returncode, cpu, own_seconds[0])


def base_env(var_dir: Path) -> dict[str, str]:
    """The environment of a child run: none of the caller's lcom settings, but a
    compiled-lexicon cache the caller names (``LCOM_LEXICON_CACHE``)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("LCOM_", "ELASTICSEARCH_")) or k == "LCOM_LEXICON_CACHE"
    }
    env.update(
        LCOM_DEMO="1",
        LCOM_VAR_DIR=str(var_dir),
        LCOM_PROGRESS="0",
        LCOM_PSEUDONYM_KEY=BENCH_KEY,
        PYTHONPATH=str(ROOT),
    )
    return env


def lcom_crawl(
    site: DemoSite, source: Path, policy: Path, tmp: Path, name: str, *extra: str
) -> tuple[list[str], Path]:
    stats = tmp / f"{name}.json"
    # One compiled-lexicon cache for every run, as one var folder gives a machine's crawls
    # (each run has a var folder of its own).
    cmd = [sys.executable, "-m", "crawler", "crawl", str(source), "--base-url", site.base_url,
           "--policy-dir", str(policy), "-s", f"LCOM_STATS_DUMP={stats}", "-s", "LOG_LEVEL=WARNING",
           "-s", "DOWNLOAD_DELAY=0", "-s", f"LCOM_LEXICON_CACHE={lexicon_cache(tmp)}",
           *extra]  # fmt: skip
    return cmd, stats


def lexicon_cache(tmp: Path) -> Path:
    """The compiled-lexicon cache the benchmark's lcom runs share."""
    return tmp / "lexicon-cache"


# -- the bare Scrapy spider (runs in a child process: python bench/crawl.py --bare ...) --
def bare_main(source: str, base_url: str, stats_file: str, concurrency: int) -> int:
    from types import SimpleNamespace

    from scrapy.crawler import CrawlerProcess

    from crawler.sources import load_source
    from crawler.spiders.ads import AdSpider

    class BareSpider(AdSpider):
        """lcom's spider code and selectors, without the runtime (no guardrails, no policy)."""

        name = "bare"

        @classmethod
        def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> BareSpider:
            spider = cls(*args, **kwargs)
            spider._set_crawler(crawler)
            spider.source = load_source(source)
            spider.runtime = SimpleNamespace(  # type: ignore[assignment]
                provenance={}, base_url=base_url, permit=None
            )
            return spider

    settings = {
        "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "DOWNLOAD_DELAY": 0,
        "ROBOTSTXT_OBEY": False,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "DEPTH_PRIORITY": 1,
        "SCHEDULER_DISK_QUEUE": "scrapy.squeues.PickleFifoDiskQueue",
        "SCHEDULER_MEMORY_QUEUE": "scrapy.squeues.FifoMemoryQueue",
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
    }
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler)
    process.start()
    stats = {k: v for k, v in crawler.stats.get_stats().items() if isinstance(v, int | float)}
    Path(stats_file).write_text(json.dumps(stats), encoding="utf-8")
    return 0


# -- sections -------------------------------------------------------------------
def ratio_of(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 0.0


#: lcom's two ways to run the analysis stages (``pipelines/analysis.py``).
LCOM_MODES = {
    "lcom": "auto",  # the default: a worker process on a machine with two or more CPUs
    "lcom-1p": "false",  # one process: the analysis in the crawl process
}


def compare_with_bare(args: argparse.Namespace, tmp: Path) -> None:
    print(f"\n1. lcom vs bare Scrapy: demo site with {args.ads} ads, concurrency {CONCURRENCY}")
    source = bench_source(tmp / "static-source", "/ads?page=1", STATIC_PAGES)
    policy = bench_policy(tmp / "policy-lifted", LIFTED_RATE)
    modes = ["lcom"] if args.quick else list(LCOM_MODES)
    # Every run after the first with a given lexicon loads it compiled from the cache:
    # fill it before the first timed run, as a first run would.
    warm = subprocess.run(
        [sys.executable, "-m", "crawler", "flag", os.devnull],
        cwd=ROOT,
        env=base_env(tmp / "var-warm") | {"LCOM_LEXICON_CACHE": str(lexicon_cache(tmp))},
        capture_output=True,
    )
    if warm.returncode != 0:
        print(f"   ! warming the lexicon cache failed: {warm.stderr.decode()[-500:]}")
    bare_runs: list[Run] = []
    lcom_runs: dict[str, list[Run]] = {mode: [] for mode in modes}
    with DemoSite(port=0, ads=args.ads, seed=7, crawl_delay=0.0) as site:
        for round_ in range(args.rounds):
            stats = tmp / f"bare{round_}.json"
            cmd = [sys.executable, str(Path(__file__).resolve()), "--bare", str(source),
                   site.base_url, str(stats), str(CONCURRENCY)]  # fmt: skip
            bare_run = run_child(cmd, base_env(tmp / "var"), stats, tmp / f"bare{round_}.log")
            bare_runs.append(bare_run)
            line = (
                f"   round {round_ + 1}: bare {bare_run.pages_per_second:7.1f} pages/s "
                f"({bare_run.pages} pages, {bare_run.cpu_ms_per_page:.2f} ms CPU/page)"
            )
            for mode in modes:
                name = f"{mode}{round_}"
                worker = f"LCOM_ANALYSIS_WORKER={LCOM_MODES[mode]}"
                cmd, stats = lcom_crawl(site, source, policy, tmp, name, "-s", worker)
                run = run_child(cmd, base_env(tmp / f"var-{name}"), stats, tmp / f"{name}.log")
                lcom_runs[mode].append(run)
                line += (
                    f"\n      {mode:7} {run.pages_per_second:7.1f} pages/s ({run.pages} pages, "
                    f"{run.stats.get('lcom/ads/extracted', 0)} ads, "
                    f"{run.stats.get('lcom/pipeline/hits', 0)} hits, "
                    f"{run.cpu_ms_per_page:.2f} ms CPU/page, analysis worker "
                    f"{'yes' if run.stats.get('lcom/analysis/worker') else 'no'}) | ratio "
                    f"{ratio_of(run.pages_per_second, bare_run.pages_per_second):.2f}"
                )
            print(line)
    bare = statistics.median(r.pages_per_second for r in bare_runs)
    bare_cpu = statistics.median(r.cpu_ms_per_page for r in bare_runs)
    print(
        f"   median of {args.rounds} round(s): bare {bare:.1f} pages/s, "
        f"{bare_cpu:.2f} ms CPU/page; peak RSS "
        f"{max(r.peak_own_rss for r in bare_runs) / MB:.0f} MB"
    )
    for mode, runs in lcom_runs.items():
        # Each round's ratio compares runs made one after the other: the median of those
        # is steadier on a busy machine than the ratio of the two medians.
        ratio = statistics.median(
            ratio_of(lc.pages_per_second, ba.pages_per_second)
            for ba, lc in zip(bare_runs, runs, strict=True)
        )
        cpu = statistics.median(r.cpu_ms_per_page for r in runs)
        own_cpu = statistics.median(r.own_cpu_ms_per_page for r in runs)
        # Sampled every 0.25 s from /proc: a short peak between two samples can be missed.
        rss = max(r.peak_own_rss for r in runs)
        pss = max(r.peak_tree_pss for r in runs)
        print(
            f"   {mode}: {statistics.median(r.pages_per_second for r in runs):.1f} pages/s, "
            f"ratio lcom/bare {ratio:.2f} (median of the rounds' ratios; target >= 0.80) "
            f"{'OK' if ratio >= 0.8 else 'BELOW'}\n"
            f"      CPU per page (median, analysis worker included): {cpu:.2f} ms, "
            f"bare/lcom {ratio_of(bare_cpu, cpu):.2f}; the crawl process alone {own_cpu:.2f} "
            f"ms, bare/lcom {ratio_of(bare_cpu, own_cpu):.2f} (the bound of the ratio where "
            "the analysis worker and the site have cores of their own)\n"
            f"      peak memory without JavaScript: {pss / MB:.0f} MB PSS of the process "
            f"tree (crawl and analysis worker, each shared page once; target <= 300 MB) "
            f"{'OK' if pss <= 300 * MB else 'ABOVE'}; RSS of the crawl process "
            f"{rss / MB:.0f} MB, of the tree {max(r.peak_tree_rss for r in runs) / MB:.0f} MB "
            "(shared pages in each)"
        )


def javascript_section(args: argparse.Namespace, tmp: Path) -> None:
    print(f"\n2. JavaScript pages (Chromium): demo site with {args.js_ads} ads, its /js section")
    source = bench_source(tmp / "js-source", "/js/", JS_PAGES)
    policy = bench_policy(tmp / "policy-js", LIFTED_RATE, javascript=True)
    with DemoSite(port=0, ads=args.js_ads, seed=7, crawl_delay=0.0) as site:
        cmd, stats = lcom_crawl(site, source, policy, tmp, "js")
        run = run_child(cmd, base_env(tmp / "var-js"), stats, tmp / "js.log")
    rendered = run.stats.get("playwright/page_count", 0)
    print(
        f"   {run.pages_per_second:.1f} pages/s ({run.pages} pages, {rendered} rendered); "
        f"peak RSS {run.peak_own_rss / MB:.0f} MB crawler process, "
        f"{run.peak_tree_rss / MB:.0f} MB with Chromium"
    )


def workers_section(args: argparse.Namespace, tmp: Path, redis_url: str) -> None:
    counts = [1, 2] if args.quick else [1, 2, 4]
    rate_counts = [2] if args.quick else counts
    source = bench_source(tmp / "workers-source", "/ads?page=1", STATIC_PAGES)
    print(
        f"\n3. workers on Redis: demo site with {args.rate_ads} ads, policy rate R = {args.rate}/s"
    )
    limited = bench_policy(tmp / "policy-rate", args.rate)
    lifted = bench_policy(tmp / "policy-lifted-workers", LIFTED_RATE)
    speeds: dict[int, float] = {}
    sections = [("R", limited, args.rate_ads)]
    if not args.quick:  # the same code path, and the slowest part: not in the smoke test
        sections.append(("lifted", lifted, args.scale_ads))
    for label, policy, ads in sections:
        if label == "lifted":
            print(f"   limits lifted: demo site with {ads} ads")
        with DemoSite(port=0, ads=ads, seed=7, crawl_delay=0.0) as site:
            static = {ad.url for ad in site.ground_truth.ads.values() if ad.section == "static"}
            for count in rate_counts if label == "R" else counts:
                site.clear_request_log()
                name = f"workers-{label}-{count}"
                cmd, stats = lcom_crawl(site, source, policy, tmp, name, "--workers", str(count))
                env = base_env(tmp / f"var-{name}")
                env["LCOM_REDIS_URL"] = redis_url
                run = run_child(cmd, env, stats, tmp / f"{name}.log")
                log = [r for r in site.request_log if r.host == "127.0.0.1"]
                pages = [r for r in log if r.path != "/robots.txt"]
                times = sorted(r.time for r in log)
                span = (times[-1] - times[0]) if len(times) > 1 else 0.0
                rate = len(log) / span if span else 0.0
                fetched = Counter(r.path for r in pages)
                ads_once = all(fetched.get(url) == 1 for url in static)
                if label == "R":
                    window = max_in_window([r.time for r in log])
                    verdict = "<= R OK" if window <= args.rate else "ABOVE R"
                    print(
                        f"   {count} worker(s): {rate:6.2f} requests/s at the site, at most "
                        f"{window} in any 1-second window ({verdict}); "
                        f"every ad fetched exactly once: {'yes' if ads_once else 'NO'} "
                        f"(exit {run.returncode})"
                    )
                else:
                    speeds[count] = rate
                    print(
                        f"   {count} worker(s): {rate:7.1f} requests/s; every ad exactly once: "
                        f"{'yes' if ads_once else 'NO'}; speed-up over 1 worker: "
                        f"{rate / speeds[1] if speeds.get(1) else 0:.2f}x (exit {run.returncode})"
                    )


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import scrapy

    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (
        f"machine: {cpu}, {os.cpu_count()} logical CPUs, load average {load}; "
        f"Python {platform.python_version()}, Scrapy {scrapy.__version__}, {platform.system()}"
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--bare"]:
        return bare_main(argv[1], argv[2], argv[3], int(argv[4]))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="every section small (smoke test)")
    parser.add_argument("--ads", type=int, default=20_000, help="ads for section 1 (20000)")
    parser.add_argument("--rounds", type=int, default=2, help="alternated rounds (2)")
    parser.add_argument(
        "--js",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="the JavaScript section (default: on; off with --quick)",
    )
    parser.add_argument("--js-ads", type=int, default=400, help="ads of the JavaScript site (400)")
    parser.add_argument("--rate", type=float, default=20, help="policy rate R for workers (20)")
    parser.add_argument("--rate-ads", type=int, default=300, help="ads for the rate runs (300)")
    parser.add_argument("--scale-ads", type=int, default=3000, help="ads for the speed-up (3000)")
    parser.add_argument("--no-workers", action="store_true", help="skip the Redis section")
    args = parser.parse_args(argv)
    if args.quick:
        args.ads, args.rounds, args.js_ads = 60, 1, 20
        args.rate, args.rate_ads, args.scale_ads = 10, 16, 60
    if args.js is None:
        args.js = not args.quick
    print(machine())
    print("figures of one run on a shared machine: compare the ratios, not absolute speeds")
    with tempfile.TemporaryDirectory(prefix="lcom-bench-crawl-") as name:
        tmp = Path(name)
        compare_with_bare(args, tmp)
        if args.js:
            javascript_section(args, tmp)
        if not args.no_workers:
            url = os.environ.get("LCOM_REDIS_URL")
            if url:
                workers_section(args, tmp, url)
            elif shutil.which("redis-server"):
                from tests.support.redis_server import RedisServer

                with RedisServer() as server:
                    workers_section(args, tmp, server.url)
            else:
                print("\n3. workers on Redis: skipped (no redis-server, no LCOM_REDIS_URL)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
