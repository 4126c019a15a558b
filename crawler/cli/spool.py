"""``lcom spool``: the local spool of hits (``status``, ``replay``)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from crawler.cli.options import add_format


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("spool", help="inspect or replay the local spool of hits")
    sub = parser.add_subparsers(dest="spool_command", metavar="SPOOL_COMMAND", required=True)

    status = sub.add_parser("status", help="count spooled, pending, acknowledged, rejected hits")
    status.add_argument("--spool-dir", type=Path, help="default: LCOM_SPOOL_DIR or var/spool")
    add_format(status, "the status")
    status.set_defaults(func=run_status)

    replay = sub.add_parser(
        "replay", help="send every unacknowledged hit to Elasticsearch (idempotent)"
    )
    replay.add_argument("--spool-dir", type=Path, help="default: LCOM_SPOOL_DIR or var/spool")
    replay.add_argument(
        "--retry-rejected",
        action="store_true",
        help="also resend documents Elasticsearch refused earlier (after fixing the cause)",
    )
    replay.add_argument("--chunk-size", type=int, default=500, help="documents per bulk request")
    replay.add_argument("--max-retries", type=int, default=3, help="retries of 429 answers")
    replay.set_defaults(func=run_replay)


def _spool_dir(args: argparse.Namespace) -> Path:
    from pipelines.es.cli_support import default_spool_dir

    return args.spool_dir or default_spool_dir()


def run_status(args: argparse.Namespace) -> int:
    from pipelines.es.errors import SpoolError
    from pipelines.es.spool import Spool

    directory = _spool_dir(args)
    if not directory.exists():
        print(f"no spool at {directory}")
        return 0
    try:
        with Spool(directory) as spool:
            status = spool.status()
    except SpoolError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.format == "json":
        print(json.dumps(status.as_dict(), indent=2))
        return 0
    print(f"spool {status.directory}")
    print(f"  segments        {status.segments} ({status.segments_in_use} in use by a crawl)")
    print(f"  hits            {status.records - status.updates}")
    if status.updates:
        print(f"  hit updates     {status.updates} (links of earlier hits)")
    print(f"  acknowledged    {status.acknowledged}")
    print(f"  pending         {status.pending}")
    print(f"  rejected        {status.rejected}")
    if status.unreadable_lines:
        print(f"  unreadable      {status.unreadable_lines} line(s)")
    return 0


def run_replay(args: argparse.Namespace) -> int:
    from elastic_transport import TransportError

    from pipelines.es.client import EsConnectionConfig, make_async_client
    from pipelines.es.errors import EsIntegrationError, SpoolError
    from pipelines.es.indexer import IndexerConfig, replay_spool
    from pipelines.es.spool import Spool

    directory = _spool_dir(args)
    try:
        config = EsConnectionConfig.from_env()
    except EsIntegrationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if config is None:
        print("ELASTICSEARCH_URL is not set: nothing to replay to", file=sys.stderr)
        return 2
    if not directory.exists():
        print(f"no spool at {directory}")
        return 0
    indexer_config = IndexerConfig(chunk_size=args.chunk_size, max_retries=args.max_retries)

    unmatched: list[str] = []

    async def replay() -> dict[str, int]:
        client = make_async_client(config)
        try:
            with Spool(directory) as spool:
                if args.retry_rejected:
                    print(f"requeued {spool.requeue_rejected()} rejected document(s)")
                report = await replay_spool(spool, client, indexer_config)
                unmatched.extend(spool.unmatched)
                return {**report.counts, **{f"reason:{k}": v for k, v in report.reasons.items()}}
        finally:
            await client.close()

    import asyncio  # (here: every lcom command imports this module)

    try:
        counts = asyncio.run(replay())
    except TransportError as exc:
        print(f"error: cannot reach Elasticsearch: {type(exc).__name__}", file=sys.stderr)
        return 2
    except SpoolError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for key in ("created", "updated", "noop", "rejected", "failed"):
        print(f"{key:<10} {counts.get(key, 0)}")
    updates = {k[7:]: v for k, v in sorted(counts.items()) if k.startswith("update:")}
    if updates:
        print("hit updates " + ", ".join(f"{k} {v}" for k, v in updates.items()))
    for key, value in sorted(counts.items()):
        if key.startswith("reason:"):
            print(f"  {key[7:]}: {value}")
    if unmatched:
        # Never success while a record may be unsent: these segments are kept.
        print(f"unmatched  {len(unmatched)}")
        for problem in unmatched:
            print(f"  {problem}", file=sys.stderr)
        return 1
    return 1 if counts.get("failed") else 0
