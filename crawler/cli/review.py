"""``lcom review sync``: apply investigators' decisions from ``lcom-reviews`` to the hits."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "review", help="review decisions: copy them from lcom-reviews into the hits"
    )
    review_sub = parser.add_subparsers(
        dest="review_command", metavar="REVIEW_COMMAND", required=True
    )
    sync = review_sub.add_parser(
        "sync",
        help="apply the latest decision per hit to its review.* fields (idempotent)",
        description=(
            "Reads decisions appended to lcom-reviews since the last run's checkpoint "
            "(kept in lcom-audit) and updates only review.* of each hit. Needs a user "
            "or API key with the lcom_review_sync role. Exit 1 when an update failed."
        ),
    )
    sync.add_argument("--dry-run", action="store_true", help="count, change nothing")
    sync.add_argument(
        "--since",
        metavar="TIME",
        help="re-read decisions from this ISO 8601 time (with zone) instead of the checkpoint",
    )
    sync.add_argument(
        "--policy-dir", type=Path, help="policy bundle whose data policy lists the review states"
    )
    sync.add_argument("--json", action="store_true", help="print the counts as JSON")
    sync.set_defaults(func=run_sync)


def run_sync(args: argparse.Namespace) -> int:
    from elastic_transport import TransportError
    from elasticsearch import ApiError

    from pipelines.es.cli_support import resolve_retention
    from pipelines.es.client import EsConnectionConfig, make_client
    from pipelines.es.errors import EsIntegrationError
    from pipelines.es.reviews import sync_reviews

    since = _parse_since(args.since) if args.since else None
    if args.since and since is None:
        print(f"error: --since is not an ISO 8601 time with a zone: {args.since}", file=sys.stderr)
        return 2
    try:
        retention, origin = resolve_retention(args.policy_dir, None)
        config = EsConnectionConfig.from_env()
    except (EsIntegrationError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if config is None:
        print("ELASTICSEARCH_URL is not set: nothing to sync", file=sys.stderr)
        return 2
    states = sorted(retention.hits_by_state)
    client = make_client(config)
    try:
        report = sync_reviews(client, since=since, dry_run=args.dry_run, states=states)
    except ApiError as exc:
        print(f"error: Elasticsearch refused the request: {exc.message}", file=sys.stderr)
        return 2
    except TransportError as exc:
        print(f"error: cannot reach Elasticsearch: {type(exc).__name__}", file=sys.stderr)
        return 2
    finally:
        client.close()
    if args.json:
        print(json.dumps({"dry_run": report.dry_run, **report.audit_record()}, indent=2))
    else:
        print(f"review states from {origin}: {', '.join(states)}")
        for line in report.lines():
            print(line)
    return 0 if report.ok else 1


def _parse_since(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None
