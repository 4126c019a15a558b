"""The ``lcom`` command line.

Each sub-command lives in its own module in this package and exposes
``register(subparsers)``, which adds its parser and sets ``func`` to a callable
``func(args) -> int`` (the exit code).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

#: Sub-command modules, in the order ``lcom --help`` lists them.
COMMAND_MODULES = (
    "demo",
    "demosite",
    "crawl",
    "schedule",
    "worker",
    "guardrails",
    "flag",
    "learn",
    "es",
    "kibana",
    "pseudonym",
    "spool",
    "links",
    "purge",
    "review",
)


#: Commands whose log is shown only with -v/--verbose (or --log-level).
QUIET_COMMANDS = frozenset({"crawl", "demo", "worker"})


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lcom",
        description="Privacy-by-design crawler for human-trafficking signals in public online ads.",
    )
    parser.add_argument(
        "--log-level",
        default=None,
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
        help="log level (default: INFO; WARNING for crawl and demo unless -v is given)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from crawler import logredact

    logredact.install()  # no log line of any lcom command holds a contact
    parser = build_parser()
    args = parser.parse_args(argv)
    # A crawl is quiet by default (a progress line and its summary); -v shows its log.
    quiet = args.command in QUIET_COMMANDS and not getattr(args, "verbose", False)
    logging.basicConfig(
        level=getattr(logging, args.log_level or ("WARNING" if quiet else "INFO")),
        format="%(asctime)s [%(name)s] %(levelname)s: %(message)s",
    )
    try:
        # An environment setting the crawl would only read mid-run is checked up front.
        from pipelines.engine.language import high_accuracy_from_env

        high_accuracy_from_env()
    except ValueError as exc:
        from crawler.exitcodes import ExitCode

        print(f"lcom: {exc}", file=sys.stderr)
        return int(ExitCode.USAGE)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
