"""``lcom purge``: delete hits, spooled data and link-store observations past retention,
and audit the erasure."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from crawler.cli.options import add_format


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "purge",
        help="delete hits past retention (by last_seen and review.state) and old spool files",
        description=(
            "Backstop to ILM: deletes each hit whose last_seen is older than the retention "
            "of its review.state, purges the spool and the link store (notes of ads without "
            "a signal after the data policy's non_hit_observation_days), and writes an audit "
            "record (counts only)."
        ),
    )
    parser.add_argument("--policy-dir", type=Path, help="policy bundle with the data policy")
    parser.add_argument(
        "--retention",
        action="append",
        metavar="STATE=DAYS",
        help="retention per review state instead of the data policy (repeatable)",
    )
    parser.add_argument("--dry-run", action="store_true", help="count, delete nothing")
    parser.add_argument("--spool-dir", type=Path, help="default: LCOM_SPOOL_DIR or var/spool")
    parser.add_argument("--audit-log", type=Path, help="default: LCOM_AUDIT_LOG or var/audit.jsonl")
    add_format(parser, "the audit record")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pipelines.es.cli_support import default_audit_log, default_spool_dir, resolve_retention
    from pipelines.es.client import EsConnectionConfig, make_client
    from pipelines.es.errors import EsIntegrationError
    from pipelines.es.purge import run_purge

    try:
        retention, origin = resolve_retention(args.policy_dir, args.retention)
        config = EsConnectionConfig.from_env()
    except EsIntegrationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"retention from {origin}: {dict(retention.hits_by_state)}")
    if config is None:
        print("ELASTICSEARCH_URL is not set: purging the spool only")
    client = make_client(config) if config else None
    try:
        result = run_purge(
            client,
            retention.hits_by_state,
            spool_dir=args.spool_dir or default_spool_dir(),
            audit_log=args.audit_log or default_audit_log(),
            dry_run=args.dry_run,
            purge_links=_link_purger(args.policy_dir, max(retention.hits_by_state.values())),
        )
    finally:
        if client is not None:
            client.close()
    if args.format == "json":
        print(json.dumps(result.audit_record(), indent=2))
    else:
        for line in result.lines():
            print(line)
    return 1 if result.errors else 0


def _link_purger(
    policy_dir: Path | None, hit_days: int
) -> Callable[[datetime], dict[str, int]] | None:
    """Erases link-store observations past retention: hits after the longest hit retention,
    non-hit notes after the data policy's ``linking.non_hit_observation_days``."""
    import os

    from legal_guardrails import load_policy
    from legal_guardrails.model import Linking
    from pipelines.links import open_store, sqlite_path

    if not os.environ.get("ELASTICSEARCH_URL") and not sqlite_path(os.environ).exists():
        return None  # no link store yet: nothing to erase, and none is created
    configured = policy_dir or (
        Path(os.environ["LCOM_POLICY_DIR"]) if os.environ.get("LCOM_POLICY_DIR") else None
    )
    linking = load_policy(configured).data_policy.linking if configured else Linking()

    def purge(now: datetime) -> dict[str, int]:
        store = open_store(os.environ)
        try:
            return {
                "hit": store.purge_before(now - timedelta(days=hit_days), hit=True),
                "non_hit": store.purge_before(
                    now - timedelta(days=linking.non_hit_observation_days), hit=False
                ),
            }
        finally:
            store.close()

    return purge
