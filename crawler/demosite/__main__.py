"""``python -m crawler.demosite``: serve the demo ad site until Ctrl-C."""

from __future__ import annotations

import argparse
import logging
import sys

from crawler.demosite.server import add_arguments, run_foreground


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m crawler.demosite", description="Serve the bundled demo ad site."
    )
    add_arguments(parser)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s [%(name)s] %(levelname)s: %(message)s"
    )
    return run_foreground(args)


if __name__ == "__main__":
    sys.exit(main())
