"""``lcom crawl SOURCE``: one crawl job on one source, under the guardrail policy.

Every reason a crawl may not start is decided before Scrapy starts (``admit_crawl``):
each is printed with the command that shows it, audited, and the command exits
``ExitCode.REFUSED`` (3), or ``ExitCode.USAGE`` (2) for a source or settings typo; the
job folder is left as it was. The spider's runtime checks again (fail closed).
``--jobdir`` makes the crawl resumable: run the same command again after an interruption.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from crawler.cli.options import deprecated_alias
from crawler.exitcodes import ExitCode

if TYPE_CHECKING:
    from crawler.runtime import Admission


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("crawl", help="crawl one source under the guardrail policy")
    parser.add_argument("source", help="source id (crawler/sources/<id>.yaml) or a YAML path")
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        metavar="N",
        help="run N worker processes on this machine sharing the Redis frontier "
        "(needs LCOM_REDIS_URL; see docs/scale-out.md)",
    )
    add_crawl_options(parser)
    parser.set_defaults(func=run)


def add_crawl_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base-url", help="override the source's base URL")
    parser.add_argument(
        "--policy-dir",
        dest="policy",
        metavar="DIR",
        help="guardrail policy folder (default: LCOM_POLICY_DIR, else the demo policy)",
    )
    parser.add_argument("--jobdir", metavar="DIR", help="persist crawl state here (resumable)")
    parser.add_argument(
        "--spool-dir",
        dest="spool",
        metavar="DIR",
        help="spool folder for hits (default: LCOM_SPOOL_DIR, else var/spool)",
    )
    deprecated_alias(parser, "--policy", "--policy-dir", "policy", metavar="DIR")
    deprecated_alias(parser, "--spool", "--spool-dir", "spool", metavar="DIR")
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="also print Scrapy's log: settings, every warning and the final stats",
    )
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
    # Quiet by default: Scrapy's settings dump, stats and INFO lines only with -v.
    verbose = bool(getattr(args, "verbose", False))
    overrides.setdefault("LOG_LEVEL", "INFO" if verbose else "WARNING")
    overrides.setdefault("LCOM_VERBOSE", verbose)
    return overrides


def precheck(source: str, overrides: dict[str, Any]) -> Admission:
    """Every reason no crawl may start (``admit_crawl``), decided before Scrapy starts.

    A refusal is written to the audit log here; the job folder is not touched, so a
    resumable job stays resumable once the problem is fixed.
    """
    from crawler.extensions.audit import record_refusal
    from crawler.jobs import project_settings
    from crawler.runtime import admit_crawl, new_run_id

    # The same settings the crawl runs with (environment variables included).
    settings = project_settings(overrides)
    now = datetime.now(UTC)
    admission = admit_crawl(settings, source, now)
    if not admission.ok:
        # Audited like a refusal at crawl start: no run goes unrecorded.
        record_refusal(
            settings,
            admission.source_id,
            admission.policy_dir,
            admission.audit_reason(),
            new_run_id(now),
        )
    return admission


def render_refusal(admission: Admission) -> str:
    """Every reason, each with the command or change that shows or fixes it."""
    lines = [f"lcom: refusing to crawl source {admission.source_id}; nothing was fetched:"]
    for refusal in admission.refusals:
        lines.append(f"  - {refusal.reason}")
        lines.append(f"    next: {refusal.hint}")
    return "\n".join(lines)


def execute(
    source: str, base_url: str | None, overrides: dict[str, Any], *, whole_run: bool = True
) -> tuple[int, Any]:
    from crawler.jobs import run_crawl
    from crawler.runtime import START_REFUSALS
    from crawler.summary import render_summary

    admission = precheck(source, overrides)
    if not admission.ok:
        print(render_refusal(admission), file=sys.stderr)
        return int(admission.exit_code), None
    report = run_crawl(source, base_url, overrides)
    report.extras["warnings"] = list(admission.warnings)
    if report.error is not None:
        print(f"lcom: the crawl did not start: {report.error}", file=sys.stderr)
        refused = isinstance(report.error, START_REFUSALS)
        return int(ExitCode.REFUSED if refused else ExitCode.FAILED), report
    print(render_summary(report, source))
    if report.finish_reason == "shutdown":
        jobdir = overrides.get("JOBDIR")
        if jobdir:
            print(
                f"lcom: interrupted; run the same command again (with --jobdir {jobdir}) "
                "to resume where it stopped",
                file=sys.stderr,
            )
        else:
            print(
                "lcom: interrupted; this run kept no state: add --jobdir DIR to make a "
                "crawl resumable",
                file=sys.stderr,
            )
        return int(ExitCode.INTERRUPTED), report
    from crawler.monitoring import monitor_report

    if monitor_report(source, report, overrides, whole_run=whole_run):
        return int(ExitCode.ALERTS), report
    return int(ExitCode.OK), report


def run(args: argparse.Namespace) -> int:
    overrides = overrides_from(args)
    if args.workers < 0:
        print("lcom: --workers must be at least 1", file=sys.stderr)
        return int(ExitCode.USAGE)
    if args.workers:
        from crawler.cli.worker import run_workers

        return run_workers(args, overrides)
    code, _ = execute(args.source, args.base_url, overrides)
    return code
