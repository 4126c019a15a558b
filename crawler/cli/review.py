"""``lcom review``: the review workspace (``serve``, ``queue``) and ``sync``, which applies
investigators' decisions from ``lcom-reviews`` to the hits."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.cli.options import add_format

if TYPE_CHECKING:
    from crawler.review.local_store import LocalReviewStore


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "review", help="review hits in a web page; copy decisions from lcom-reviews into hits"
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
    add_format(sync, "the counts")
    sync.set_defaults(func=run_sync)

    serve = review_sub.add_parser(
        "serve",
        help="the review workspace: a web page to triage hits and record decisions",
        description=(
            "Without ELASTICSEARCH_URL: shows the hits of the local spool, keeps decisions "
            "in <LCOM_VAR_DIR>/review.sqlite, and prints a sign-in token; it listens on "
            "loopback only. With ELASTICSEARCH_URL: each investigator signs in with their "
            "own Elasticsearch account or API key and the app acts as them. Escalation "
            "units: LCOM_REVIEW_UNITS (comma-separated)."
        ),
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=int, default=8700, help="port (8700; 0: a free one)")
    serve.add_argument("--spool-dir", type=Path, help="default: LCOM_SPOOL_DIR or var/spool")
    serve.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="a host name users reach the app by (repeatable); others are refused",
    )
    serve.add_argument(
        "--behind-proxy",
        action="store_true",
        help="a TLS-terminating proxy on this machine forwards to it: trust its "
        "X-Forwarded-Proto/-For (Secure cookies, real client addresses)",
    )
    serve.add_argument(
        "--sync",
        action="store_true",
        help="with Elasticsearch: run `lcom review sync` after each decision, with the "
        "credentials in ELASTICSEARCH_API_KEY or _USERNAME/_PASSWORD (role lcom_review_sync)",
    )
    serve.set_defaults(func=run_serve)

    queue = review_sub.add_parser(
        "queue", help="list the local review queue (the hits the web page shows)"
    )
    queue.add_argument("--state", default="new", help="new, relevant, escalated, not_relevant")
    queue.add_argument("--sort", default="newest", help="newest or score")
    queue.add_argument("--spool-dir", type=Path, help="default: LCOM_SPOOL_DIR or var/spool")
    add_format(queue, "the queue")
    queue.set_defaults(func=run_queue)


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
    if args.format == "json":
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


def _local_store(args: argparse.Namespace) -> LocalReviewStore:
    from crawler.review.local_store import LocalReviewStore
    from pipelines.es.cli_support import default_review_db, default_spool_dir

    return LocalReviewStore(args.spool_dir or default_spool_dir(), default_review_db())


def _units() -> tuple[str, ...]:
    from crawler.review.app import DEFAULT_UNITS

    configured = os.environ.get("LCOM_REVIEW_UNITS", "")
    units = tuple(u.strip() for u in configured.split(",") if u.strip())
    return units or DEFAULT_UNITS


def run_serve(args: argparse.Namespace) -> int:
    from crawler.exitcodes import ExitCode
    from crawler.review.app import AppConfig, create_app
    from crawler.review.auth import new_token
    from crawler.review.es_store import EsBackend
    from crawler.review.local_store import LocalBackend
    from crawler.review.server import bind, is_loopback, serve_forever
    from crawler.review.store import ReviewBackend
    from pipelines.es.cli_support import default_audit_log
    from pipelines.es.client import EsConnectionConfig
    from pipelines.es.errors import EsIntegrationError

    try:
        es_config = EsConnectionConfig.from_env()
    except EsIntegrationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    token: str | None = None
    backend: ReviewBackend
    if es_config is None:
        if not is_loopback(args.host):
            print(
                f"refused: without ELASTICSEARCH_URL the review workspace signs in with a "
                f"single token and listens on loopback only, not on {args.host}. Use "
                "--host 127.0.0.1 (reach it from elsewhere through an SSH tunnel), or set "
                "ELASTICSEARCH_URL so that everybody signs in with their own account.",
                file=sys.stderr,
            )
            return ExitCode.REFUSED
        store = _local_store(args)
        count = store.refresh(force=True)
        token = new_token()
        backend = LocalBackend(store, token)
        source = f"local spool {store.spool_dir} ({count} hit observations read)"
    else:
        if getattr(args, "sync", False) and not (es_config.api_key or es_config.password):
            print(
                "error: --sync needs the credentials of the lcom_review_sync role in "
                "ELASTICSEARCH_API_KEY or ELASTICSEARCH_USERNAME/ELASTICSEARCH_PASSWORD",
                file=sys.stderr,
            )
            return ExitCode.USAGE
        backend = EsBackend(es_config, sync_after_decision=getattr(args, "sync", False))
        source = f"Elasticsearch {es_config.url} (sign in with your own account)"
        if not is_loopback(args.host):
            print(
                "warning: serve it behind a TLS-terminating proxy: passwords and API keys "
                "must not cross the network in plain http",
                file=sys.stderr,
            )
    hosts = ("127.0.0.1", "localhost", "[::1]", args.host, *args.allow_host)
    config = AppConfig(units=_units(), audit_log=default_audit_log(), allowed_hosts=hosts)
    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return ExitCode.USAGE
    port = sock.getsockname()[1]
    shown = f"[{args.host}]" if ":" in args.host else args.host
    print(f"lcom review workspace on {source}")
    if token is not None:
        print(f"  open  http://{shown}:{port}/login?token={token}")
        print(f"  token {token}")
    else:
        print(f"  open  http://{shown}:{port}/")
    print("  stop with Ctrl-C", flush=True)
    try:
        serve_forever(create_app(backend, config), sock, behind_proxy=args.behind_proxy)
    finally:
        backend.close()
    return ExitCode.OK


def run_queue(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from crawler.exitcodes import ExitCode
    from crawler.review.model import QueueQuery

    query = QueueQuery.from_params({"state": args.state, "sort": args.sort})
    store = _local_store(args)
    try:
        page = store.queue(query)
    finally:
        store.close()
    if args.format == "json":
        payload = {"counts": page.counts, "items": [asdict(i) for i in page.items]}
        print(json.dumps(payload, indent=2, ensure_ascii=False))
        return ExitCode.OK
    counts = ", ".join(f"{k} {v}" for k, v in page.counts.items())
    print(f"{query.state}: {page.total} hit(s)  ({counts})")
    for item in page.items:
        print(f"  {item.score:4.1f}  {item.doc_id}  {item.city[:20]:<20}  {item.last_seen}")
    return ExitCode.OK
