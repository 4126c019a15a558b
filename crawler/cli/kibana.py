"""``lcom kibana``: install lcom's data views, searches and dashboards in Kibana.

``lcom kibana import [--space S] [--overwrite]`` sends every saved object of
``dashboards/kibana/`` (rendered with the data policy's retention, like ``lcom es setup``)
to Kibana's saved-objects ``_import`` API and prints one line per object, including each
object Kibana refused and why. ``lcom kibana export [--normalise]`` fetches lcom's objects
back (``_export``); ``--normalise`` gives a stable, diff-friendly form for maintainers.

Connection: ``KIBANA_URL`` and ``KIBANA_API_KEY`` or ``KIBANA_USERNAME``/``KIBANA_PASSWORD``
(falling back to the ``ELASTICSEARCH_*`` credentials); see docs/elasticsearch.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from crawler.cli.es import add_retention_options
from crawler.exitcodes import ExitCode


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "kibana", help="Kibana: import lcom's data views, saved searches and dashboards"
    )
    sub = parser.add_subparsers(dest="kibana_command", metavar="KIBANA_COMMAND", required=True)
    imp = sub.add_parser(
        "import",
        help="import the saved objects of dashboards/kibana/ into Kibana",
        description=(
            "Connects with KIBANA_URL and KIBANA_API_KEY (or KIBANA_USERNAME/KIBANA_PASSWORD, "
            "else the ELASTICSEARCH_* credentials). Needs Kibana 8.14 or later, or 9.x."
        ),
    )
    imp.add_argument("--space", default="default", help="Kibana space id (default: default)")
    imp.add_argument(
        "--overwrite", action="store_true", help="replace objects that exist already (upgrade)"
    )
    add_retention_options(imp, "policy bundle whose data policy sets the retention shown")
    imp.set_defaults(func=run_import)
    exp = sub.add_parser(
        "export",
        help="export lcom's saved objects from Kibana (NDJSON on standard output)",
    )
    exp.add_argument("--space", default="default", help="Kibana space id (default: default)")
    exp.add_argument(
        "--normalise",
        "--normalize",
        action="store_true",
        help="stable, diff-friendly output: volatile fields dropped, keys sorted, lcom's order",
    )
    exp.add_argument("--out", type=Path, help="write to this file instead of standard output")
    exp.set_defaults(func=run_export)


def _objects(args: argparse.Namespace) -> list[dict[str, Any]]:
    from dashboards.build import render
    from dashboards.kibana import render as render_kibana
    from dashboards.kibana.objects import all_objects
    from pipelines.es.cli_support import resolve_retention

    retention, _origin = resolve_retention(
        getattr(args, "policy_dir", None), getattr(args, "retention", None)
    )
    return all_objects(render_kibana(render(retention), retention))


def _fail(exc: Exception) -> int:
    from pipelines.kibana.client import KibanaConfigError, KibanaSpaceError

    print(f"error: {exc}", file=sys.stderr)
    if isinstance(exc, KibanaConfigError | KibanaSpaceError):
        return ExitCode.USAGE
    return ExitCode.FAILED


def run_import(args: argparse.Namespace) -> int:
    from dashboards.kibana import ndjson
    from pipelines.kibana.client import KibanaClient, KibanaConfig, KibanaError
    from pipelines.kibana.saved_objects import import_objects

    try:
        payload = ndjson(_objects(args)).encode("utf-8")
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    try:
        with KibanaClient(KibanaConfig.from_env()) as client:
            result = import_objects(client, payload, space=args.space, overwrite=args.overwrite)
    except KibanaError as exc:
        return _fail(exc)
    for line in result.lines():
        print(line)
    if not result.ok:
        if any(e.error == "conflict" for e in result.errors) and not args.overwrite:
            print("objects exist already: run `lcom kibana import --overwrite` to update them")
        return ExitCode.FAILED
    print("open Kibana > Dashboards and search for 'lcom'")
    return ExitCode.OK


def run_export(args: argparse.Namespace) -> int:
    from pipelines.kibana.client import KibanaClient, KibanaConfig, KibanaError
    from pipelines.kibana.saved_objects import export_objects, normalise

    order = [(o["type"], o["id"]) for o in _objects(args)]
    try:
        with KibanaClient(KibanaConfig.from_env()) as client:
            body = export_objects(client, order, space=args.space)
        text = normalise(body, order) if args.normalise else body.decode("utf-8", "replace")
    except KibanaError as exc:
        return _fail(exc)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return ExitCode.OK
