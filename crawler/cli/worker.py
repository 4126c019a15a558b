"""``lcom worker SOURCE``: one more worker on a source's shared Redis frontier.

Needs ``LCOM_REDIS_URL`` (the same Redis as the other workers, see
``docs/scale-out.md``). The worker joins the run given with ``--run``, else the
source's current run in Redis, else starts one; it crawls under this machine's
copy of the policy with every guardrail, and the policy's rate, page cap and
stop hold for all workers together. ``lcom crawl SOURCE --workers N`` starts N
of these on one machine.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from crawler.cli.crawl import add_crawl_options, execute, overrides_from
from crawler.exitcodes import ExitCode


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "worker", help="join a source's crawl on the shared Redis frontier (LCOM_REDIS_URL)"
    )
    parser.add_argument("source", help="source id (crawler/sources/<id>.yaml) or a YAML path")
    parser.add_argument(
        "--run", metavar="RUN_ID", help="the run to join (default: the current one)"
    )
    parser.add_argument("--worker-id", metavar="NAME", help="this worker's name in Redis")
    add_crawl_options(parser)
    parser.set_defaults(func=run)


def redis_url(overrides: dict[str, Any]) -> str | None:
    return str(overrides.get("LCOM_REDIS_URL") or os.environ.get("LCOM_REDIS_URL") or "") or None


def no_redis_message(command: str) -> str:
    return (
        f"lcom: {command} needs LCOM_REDIS_URL (the shared frontier), e.g. "
        "LCOM_REDIS_URL=redis://:PASSWORD@127.0.0.1:6379/0; see docs/scale-out.md"
    )


def run(args: argparse.Namespace) -> int:
    overrides = overrides_from(args)
    if not redis_url(overrides):
        print(no_redis_message("lcom worker"), file=sys.stderr)
        return ExitCode.USAGE
    if args.jobdir:
        print("lcom: --jobdir cannot be used with workers: Redis holds the job", file=sys.stderr)
        return ExitCode.USAGE
    if args.run:
        overrides["LCOM_RUN_ID"] = args.run
    if args.worker_id:
        overrides["LCOM_WORKER_ID"] = args.worker_id
    # One worker's share of a shared run; a coordinating ``lcom crawl --workers N``
    # monitors the merged run itself and switches this off (LCOM_MONITORING=0).
    code, _ = execute(args.source, args.base_url, overrides, whole_run=False)
    return code


# -- lcom crawl SOURCE --workers N ------------------------------------------------
def worker_command(args: argparse.Namespace, run_id: str, worker_id: str, stats: Path) -> list[str]:
    """The ``lcom worker`` command line of one local worker, with ``args``' options."""
    cmd = [sys.executable, "-m", "crawler"]
    if getattr(args, "log_level", None):
        cmd += ["--log-level", args.log_level]
    cmd += ["worker", args.source, "--run", run_id, "--worker-id", worker_id]
    for option, flag in (
        ("base_url", "--base-url"),
        ("policy", "--policy-dir"),
        ("spool", "--spool-dir"),
    ):
        value = getattr(args, option, None)
        if value:
            cmd += [flag, value]
    if getattr(args, "verbose", False):
        cmd.append("--verbose")
    for pair in args.set:
        if not pair.startswith("LCOM_STATS_DUMP="):
            cmd += ["-s", pair]
    cmd += ["-s", f"LCOM_STATS_DUMP={stats}"]
    return cmd


def merge_stats(dumps: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The workers' stats added up (numbers summed; finish reasons listed)."""
    merged: dict[str, Any] = {}
    for stats in dumps:
        for key, value in stats.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            if key == "elapsed_time_seconds":
                merged[key] = max(float(merged.get(key, 0.0)), float(value))
            else:
                merged[key] = merged.get(key, 0) + value
    reasons = sorted({str(stats.get("finish_reason")) for stats in dumps if stats})
    merged["finish_reason"] = ", ".join(reasons) if reasons else None
    return merged


def run_workers(args: argparse.Namespace, overrides: dict[str, Any]) -> int:
    """Start ``args.workers`` local workers on one run, wait for all, print one summary."""
    import json

    from crawler import frontier, monitoring
    from crawler.cli.crawl import precheck, render_refusal
    from crawler.jobs import CrawlReport
    from crawler.runtime import new_run_id
    from crawler.summary import render_summary

    url = redis_url(overrides)
    if not url:
        print(no_redis_message("lcom crawl --workers"), file=sys.stderr)
        return ExitCode.USAGE
    if args.jobdir:
        print("lcom: --jobdir cannot be used with --workers: Redis holds the job", file=sys.stderr)
        return ExitCode.USAGE
    admission = precheck(args.source, overrides)
    if not admission.ok:
        print(render_refusal(admission), file=sys.stderr)
        return int(admission.exit_code)
    password_file = overrides.get("LCOM_REDIS_PASSWORD_FILE") or os.environ.get(
        "LCOM_REDIS_PASSWORD_FILE"
    )
    try:
        password = (
            Path(password_file).read_text(encoding="utf-8").strip() if password_file else None
        )
        client = frontier.connect(url, password=password)
        source_id = Path(args.source).stem
        run_id = frontier.open_run(client, source_id, new_run_id())
    except (frontier.FrontierError, OSError, frontier.RedisError) as exc:
        print(f"lcom: Redis {frontier.redacted_url(url)} cannot be used: {exc}", file=sys.stderr)
        return ExitCode.FAILED
    print(f"run {run_id} of source {args.source}: starting {args.workers} worker(s)")
    sys.stdout.flush()
    with tempfile.TemporaryDirectory(prefix="lcom-workers-") as tmp:
        dumps = [Path(tmp) / f"worker{i}.json" for i in range(args.workers)]
        # The run is monitored once, below, on the merged stats, not share by share.
        env = {**os.environ, monitoring.SWITCH_ENV: "0"}
        if "LCOM_ANALYSIS_WORKER" not in overrides and "LCOM_ANALYSIS_WORKER" not in env:
            from pipelines.offload import usable_cpus  # (asyncio: not for every command)

            # One analysis process per crawl worker only while the CPUs go round.
            env["LCOM_ANALYSIS_WORKER"] = str(2 * args.workers <= usable_cpus()).lower()
        processes = [
            subprocess.Popen(
                worker_command(args, run_id, f"{run_id}-w{i}", dumps[i]),
                stdout=subprocess.DEVNULL,
                env=env,
            )
            for i in range(args.workers)
        ]

        def forward(signum: int, frame: Any) -> None:
            for process in processes:
                if process.poll() is None:
                    process.send_signal(signum)

        previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            codes = [process.wait() for process in processes]
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        stats = [json.loads(path.read_text()) if path.exists() else {} for path in dumps]
    merged = merge_stats(stats)
    report = CrawlReport(stats=merged, run_id=run_id, finish_reason=merged.get("finish_reason"))
    print(render_summary(report, args.source))
    print(f"  workers: {args.workers} (exit codes {', '.join(str(code) for code in codes)})")
    stats_dump = overrides.get("LCOM_STATS_DUMP")
    if stats_dump:
        Path(stats_dump).write_text(json.dumps(merged, indent=2, sort_keys=True), encoding="utf-8")
    failing = [code for code in codes if code != 0]
    if failing:
        return failing[0]
    if monitoring.monitor_report(args.source, report, overrides):
        return ExitCode.ALERTS
    return ExitCode.OK
