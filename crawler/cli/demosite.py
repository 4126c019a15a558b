"""``lcom demo-site``: serve the bundled demo ad site in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
from typing import Any

from crawler.cli.options import add_demo_site_options


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo-site",
        help="serve the bundled demo ad site (synthetic ads) on 127.0.0.1",
        description="Serve the bundled demo ad site on 127.0.0.1 until Ctrl-C and print its URL.",
    )
    add_demo_site_options(parser, port=8000, serve=True)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from crawler.demosite.server import run_foreground

    return run_foreground(args)
