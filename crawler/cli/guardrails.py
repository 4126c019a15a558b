"""``lcom guardrails``: check, explain and compare policies; keep the schema current."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crawler.cli.options import add_format

if TYPE_CHECKING:
    from legal_guardrails import CheckResult
    from legal_guardrails.problems import Problem

# legal_guardrails (pydantic models, YAML) is imported where it is used: `lcom --help`
# and the other commands start without it.
POLICY_DIR_ENV = "LCOM_POLICY_DIR"
SCHEMA_FILE = "policy.schema.json"

EXIT_OK, EXIT_POLICY, EXIT_USAGE = 0, 1, 2


def _default_dir() -> Path:
    """``$LCOM_POLICY_DIR``, else the crawler setting of that name, else the demo policy."""
    from legal_guardrails import DEMO_POLICY_DIR

    configured = os.environ.get(POLICY_DIR_ENV, "").strip()
    if configured:
        return Path(configured)
    try:
        settings = importlib.import_module("crawler.settings")
    except ImportError:
        settings = None
    value = getattr(settings, POLICY_DIR_ENV, None)
    if value:
        return Path(value)
    from pipelines.home import home_policy_dir

    return home_policy_dir() or DEMO_POLICY_DIR


def _moment(text: str) -> datetime:
    """A date or a moment; without a zone it is read in the policy's time zone later."""
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date or a date and time such as 2027-07-01 or "
            "2026-11-29T12:00 (a time zone such as +01:00 may be added)"
        ) from None


def _policy_zone(folder: Path) -> ZoneInfo:
    """The time zone the policy reads its dates in (its default when it cannot be read)."""
    from legal_guardrails.model import Bundle
    from legal_guardrails.yamlfile import parse_yaml

    zone = Bundle.model_fields["timezone"].default
    try:
        data = parse_yaml((folder / "bundle.yaml").read_text(encoding="utf-8")).data
    except (OSError, UnicodeDecodeError):
        data = None
    if isinstance(data, dict) and isinstance(data.get("timezone"), str):
        zone = data["timezone"]
    try:
        return ZoneInfo(zone)
    except (ValueError, ZoneInfoNotFoundError):
        return ZoneInfo(Bundle.model_fields["timezone"].default)


def _at(args: argparse.Namespace, folder: Path) -> datetime | None:
    """``--at``, a moment without a zone read in the policy's time zone."""
    when: datetime | None = args.at
    if when is not None and when.tzinfo is None:
        when = when.replace(tzinfo=_policy_zone(folder))
    return when


def _add_policy_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--policy-dir",
        type=Path,
        metavar="DIR",
        help=f"policy folder (default: ${POLICY_DIR_ENV}, else the demo policy)",
    )
    # The folder as a positional argument: the earlier spelling, kept for one release.
    parser.add_argument("dir", nargs="?", type=Path, help=argparse.SUPPRESS)


AT_HELP = (
    "as of this date or moment (ISO 8601, e.g. 2027-07-01 or 2027-07-01T09:00; "
    "without a zone it is read in the policy's time zone)"
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "guardrails",
        help="check, explain and compare legal guardrail policies",
        description="Check, explain and compare the legal guardrail policy folder.",
    )
    commands = parser.add_subparsers(dest="guardrails_command", metavar="ACTION", required=True)

    check = commands.add_parser(
        "check",
        help="validate a policy folder and list every problem",
        description="Exit 0 when the policy can be used (warnings allowed), 1 when it cannot.",
    )
    _add_policy_dir(check)
    add_format(check, "the problems")
    check.add_argument("--at", type=_moment, help=AT_HELP)
    check.set_defaults(func=run_check)

    explain = commands.add_parser(
        "explain", help="say in plain language what the crawler may do on a source"
    )
    explain.add_argument("source", help="source id, e.g. demo")
    _add_policy_dir(explain)
    explain.add_argument("--at", type=_moment, help=AT_HELP)
    explain.set_defaults(func=run_explain)

    diff = commands.add_parser("diff", help="list what a new policy version widens or narrows")
    diff.add_argument("old", type=Path, help="folder of the current version")
    diff.add_argument("new", type=Path, help="folder of the proposed version")
    add_format(diff, "the changes")
    diff.set_defaults(func=run_diff)

    schema = commands.add_parser("schema", help=f"write {SCHEMA_FILE} from the policy model")
    schema.add_argument(
        "--check",
        action="store_true",
        help="only compare; exit 1 if the file on disk is out of date",
    )
    schema.set_defaults(func=run_schema)


def _folder(args: argparse.Namespace) -> Path | None:
    if args.dir is not None and args.policy_dir is None:
        print(
            "lcom: giving the policy folder without --policy-dir is deprecated; "
            f"use --policy-dir {args.dir}",
            file=sys.stderr,
        )
    folder: Path = args.policy_dir or args.dir or _default_dir()
    if not folder.is_dir():
        print(f"error: policy folder {folder} does not exist", file=sys.stderr)
        return None
    args.at = _at(args, folder)
    return folder


def render_text(result: CheckResult) -> str:
    lines = []
    for problem in result.problems:
        where = (
            str(result.path / problem.file) if problem.file not in ("", ".") else str(result.path)
        )
        if problem.line is not None:
            where += f":{problem.line}"
        if problem.column is not None:
            where += f":{problem.column}"
        field = f" {problem.field}:" if problem.field else ""
        lines.append(
            f"{problem.severity.upper()} {where} [{problem.rule}]{field} {problem.message}"
        )
        lines.append(f"    fix: {problem.fix}")
    verdict = "can be used" if result.ok else "CANNOT be used"
    version = f" version {result.version}" if result.version else ""
    fingerprint = f" (sha256 {result.content_hash[:12]})" if result.content_hash else ""
    lines.append(
        f"Policy {result.path}{version}{fingerprint} {verdict} as of "
        f"{result.checked_at.isoformat()}: {len(result.errors)} error(s), "
        f"{len(result.warnings)} warning(s)."
    )
    return "\n".join(lines)


def run_check(args: argparse.Namespace) -> int:
    from legal_guardrails import check_policy

    folder = _folder(args)
    if folder is None:
        return EXIT_USAGE
    result = check_policy(folder, now=args.at)
    if result.ok:
        result.problems.extend(schedule_warnings(folder, args.at))
    if args.format == "json":
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(render_text(result))
    return EXIT_OK if result.ok else EXIT_POLICY


def schedule_warnings(folder: Path, at: datetime | None) -> list[Problem]:
    """Source schedules (``crawler/sources/*.yaml``) that never fire inside this policy."""
    from datetime import UTC

    from crawler.scheduling import schedule_problems
    from crawler.sources import SourceConfigError, load_source, sources_dir
    from legal_guardrails import load_policy

    now = at or datetime.now(UTC)
    scheduled = []
    for path in sorted(sources_dir(os.environ.get("LCOM_SOURCES_DIR")).glob("*.yaml")):
        try:
            config = load_source(str(path))
        except SourceConfigError:
            continue  # reported by `lcom crawl` and `lcom schedule --list`
        if config.schedule is not None:
            scheduled.append((str(path), config.id, config.schedule.cron, config.schedule.timezone))
    if not scheduled:
        return []
    return schedule_problems(load_policy(folder, now=now), scheduled, now)


def run_explain(args: argparse.Namespace) -> int:
    from legal_guardrails import (
        CheckResult,
        PolicyValidationError,
        explain_source,
        load_policy,
        read_policy_unchecked,
    )

    folder = _folder(args)
    if folder is None:
        return EXIT_USAGE
    errors: list[str] = []
    try:
        policy = load_policy(folder, now=args.at)
    except PolicyValidationError as exc:
        errors = [
            f"the policy has an error [{p.rule}]: {p.render()} (fix: {p.fix.rstrip('.')})"
            for p in exc.problems
            if p.severity == "error"
        ]
        try:
            # Still explain the rest: every reason, not only the first one found.
            policy = read_policy_unchecked(folder, now=args.at)
        except PolicyValidationError:
            result = CheckResult(
                path=folder,
                checked_at=args.at or datetime.now().astimezone(),
                problems=list(exc.problems),
            )
            print(render_text(result))
            print(
                f"May the crawler crawl source '{args.source}' now? NO: the policy files "
                "above cannot be read, so nothing is crawled."
            )
            return EXIT_POLICY
    if args.source not in policy.sources:
        known = ", ".join(sorted(policy.sources)) or "none"
        print(f"error: no source {args.source!r} in {folder}; sources: {known}", file=sys.stderr)
        return EXIT_USAGE
    print(explain_source(policy, args.source, args.at, policy_errors=errors), end="")
    if errors or policy.refusal_reasons(args.source, args.at):
        return EXIT_POLICY
    return EXIT_OK


def run_diff(args: argparse.Namespace) -> int:
    from legal_guardrails import PolicyValidationError, diff_policies

    for folder in (args.old, args.new):
        if not folder.is_dir():
            print(f"error: policy folder {folder} does not exist", file=sys.stderr)
            return EXIT_USAGE
    try:
        changes = diff_policies(args.old, args.new)
    except PolicyValidationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_POLICY
    if args.format == "json":
        payload: list[dict[str, Any]] = [
            {"kind": c.kind, "field": c.field, "old": c.old, "new": c.new, "text": c.text}
            for c in changes
        ]
        print(json.dumps(payload, indent=2, ensure_ascii=False, default=str))
        return EXIT_OK
    if not changes:
        print("No differences.")
    for kind, title in (
        ("widens", "WIDENS (the crawler may do more)"),
        ("narrows", "NARROWS (the crawler may do less)"),
        ("neutral", "OTHER CHANGES"),
    ):
        selected = [c for c in changes if c.kind == kind]
        if selected:
            print(f"{title}:")
            for change in selected:
                print(f"  - {change.text}  [{change.field}]")
    return EXIT_OK


def schema_is_current() -> bool:
    from legal_guardrails.schema import schema_is_current as current

    return current()


def run_schema(args: argparse.Namespace) -> int:
    from legal_guardrails.schema import SCHEMA_PATH, write_schema

    if args.check:
        if schema_is_current():
            print(f"{SCHEMA_PATH} is up to date.")
            return EXIT_OK
        print(f"{SCHEMA_PATH} is out of date; run: lcom guardrails schema", file=sys.stderr)
        return EXIT_POLICY
    print(f"wrote {write_schema()}")
    return EXIT_OK
