"""``lcom crawl SOURCE``: one crawl job on one source, under the guardrail policy.

The policy is checked before Scrapy starts (a clear error, exit 2) and again by
the spider's runtime (fail closed). ``--jobdir`` makes the crawl resumable:
run the same command again after an interruption.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from crawler.exitcodes import ExitCode

EXIT_REFUSED = 2


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("crawl", help="crawl one source under the guardrail policy")
    parser.add_argument("source", help="source id (crawler/sources/<id>.yaml) or a YAML path")
    add_crawl_options(parser)
    parser.set_defaults(func=run)


def add_crawl_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base-url", help="override the source's base URL")
    parser.add_argument("--policy", metavar="DIR", help="guardrail policy folder (LCOM_POLICY_DIR)")
    parser.add_argument("--jobdir", metavar="DIR", help="persist crawl state here (resumable)")
    parser.add_argument("--spool", metavar="DIR", help="spool folder for hits (LCOM_SPOOL_DIR)")
    add_set_option(parser)


def add_set_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-s",
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra Scrapy/lcom setting (cannot widen policy limits)",
    )


def overrides_from(args: argparse.Namespace) -> dict[str, Any]:
    import os

    overrides: dict[str, Any] = {}
    for pair in args.set:
        name, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"lcom: --set needs NAME=VALUE, got {pair!r}")
        overrides[name.strip()] = value
    if getattr(args, "log_level", None):
        overrides["LOG_LEVEL"] = args.log_level
    policy = args.policy or os.environ.get("LCOM_POLICY_DIR")
    if policy:
        overrides["LCOM_POLICY_DIR"] = policy
    if args.jobdir:
        overrides["JOBDIR"] = args.jobdir
    spool = args.spool or os.environ.get("LCOM_SPOOL_DIR")
    if spool:
        overrides["LCOM_SPOOL_DIR"] = spool
    if os.environ.get("LCOM_VAR_DIR"):
        overrides["LCOM_VAR_DIR"] = os.environ["LCOM_VAR_DIR"]
    return overrides


def precheck(source: str, overrides: dict[str, Any]) -> str | None:
    """The reason no crawl may start, in plain words, or None.

    The same checks the crawl runtime makes (``admit_crawl``), run before Scrapy
    starts so the operator gets a readable reason.
    """
    from datetime import UTC, datetime
    from pathlib import Path

    from crawler.extensions.audit import record_refusal
    from crawler.jobs import project_settings
    from crawler.runtime import REFUSALS, admit_crawl, new_run_id, policy_dir_from
    from crawler.sources import SourceConfigError

    # The same settings the crawl runs with (environment variables included).
    settings = project_settings(overrides)
    policy_dir = policy_dir_from(settings)
    now = datetime.now(UTC)
    try:
        admit_crawl(settings, source, now)
    except REFUSALS as exc:
        # Audited like a refusal at crawl start: no run goes unrecorded.
        record_refusal(
            settings, Path(source).stem, policy_dir, f"{type(exc).__name__}: {exc}", new_run_id(now)
        )
        if isinstance(exc, SourceConfigError):
            return f"source config problem: {exc}"
        return f"policy {policy_dir} does not allow this crawl:\n{exc}"
    return None


def execute(source: str, base_url: str | None, overrides: dict[str, Any]) -> tuple[int, Any]:
    from crawler.jobs import run_crawl
    from crawler.summary import render_summary

    refused = precheck(source, overrides)
    if refused:
        print(f"lcom: refusing to crawl: {refused}", file=sys.stderr)
        print("Run `lcom guardrails check` for every problem and how to fix it.", file=sys.stderr)
        return EXIT_REFUSED, None
    report = run_crawl(source, base_url, overrides)
    if report.error is not None:
        print(f"lcom: the crawl did not start: {report.error}", file=sys.stderr)
        return EXIT_REFUSED, report
    print(render_summary(report, source))
    from crawler.monitoring import monitor_report

    if monitor_report(source, report, overrides):
        return ExitCode.ALERTS, report
    return ExitCode.OK, report


def run(args: argparse.Namespace) -> int:
    code, _ = execute(args.source, args.base_url, overrides_from(args))
    return code
