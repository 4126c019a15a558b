"""``lcom es``: Elasticsearch administration (``lcom es setup``)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

logger = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "es", help="Elasticsearch: install templates, ILM policies and roles"
    )
    es_sub = parser.add_subparsers(dest="es_command", metavar="ES_COMMAND", required=True)
    setup = es_sub.add_parser(
        "setup",
        help="install or update lcom's templates, ILM policies, indices and roles (idempotent)",
        description=(
            "Connects with ELASTICSEARCH_URL and ELASTICSEARCH_API_KEY (or USERNAME/PASSWORD); "
            "needs a user allowed to manage templates, ILM, indices and roles."
        ),
    )
    add_retention_options(setup, "policy bundle whose data policy sets retention (ILM)")
    setup.add_argument("--audit-days", type=int, help="retention of audit records in days")
    setup.add_argument("--dry-run", action="store_true", help="report what would change")
    setup.set_defaults(func=run_setup)
    parser.set_defaults(func=run_setup)


def add_retention_options(parser: argparse.ArgumentParser, policy_help: str) -> None:
    """``--policy-dir`` and ``--retention STATE=DAYS`` (see ``resolve_retention``)."""
    parser.add_argument("--policy-dir", type=Path, help=policy_help)
    parser.add_argument(
        "--retention",
        action="append",
        metavar="STATE=DAYS",
        help="retention per review state instead of the data policy (repeatable)",
    )


def run_setup(args: argparse.Namespace) -> int:
    from pipelines.es.cli_support import resolve_retention
    from pipelines.es.client import EsConnectionConfig, make_client
    from pipelines.es.errors import EsIntegrationError
    from pipelines.es.setup import setup_cluster

    try:
        config = EsConnectionConfig.from_env()
        if config is None:
            print("ELASTICSEARCH_URL is not set: nothing to set up", file=sys.stderr)
            return 2
        retention, origin = resolve_retention(
            getattr(args, "policy_dir", None),
            getattr(args, "retention", None),
            audit_days=getattr(args, "audit_days", None),
        )
        print(f"retention from {origin}: {dict(retention.hits_by_state)}")
        client = make_client(config)
        try:
            report = setup_cluster(client, retention, dry_run=getattr(args, "dry_run", False))
        finally:
            client.close()
    except EsIntegrationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # connection refused, TLS failure: say so, no traceback
        from elastic_transport import TransportError

        if not isinstance(exc, TransportError):
            raise
        print(f"error: cannot reach Elasticsearch: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    for line in report.lines():
        print(line)
    if report.ok and not report.dry_run:
        print(
            "next: install the Kibana data views and dashboards with `lcom kibana import` "
            "(KIBANA_URL and KIBANA_API_KEY or KIBANA_USERNAME/KIBANA_PASSWORD)",
            file=sys.stderr,
        )
    return 0 if report.ok else 1
