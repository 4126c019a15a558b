"""``lcom demo``: the main job on its embedded default.

Starts the bundled demo ad site on a free loopback port, crawls it under the
demo policy with every pipeline, writes hits to Elasticsearch when
``ELASTICSEARCH_URL`` is set (else to the local spool), and prints a summary.
"""

from __future__ import annotations

import argparse
from typing import Any

from crawler.cli.crawl import add_crawl_options, execute, overrides_from
from crawler.cli.options import add_demo_site_options
from crawler.exitcodes import ExitCode


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo", help="crawl the bundled demo ad site end to end and print a summary"
    )
    add_demo_site_options(parser, port=0)
    add_crawl_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from crawler.demosite import DemoSite

    overrides = overrides_from(args)
    overrides.setdefault("LCOM_DEMO", True)
    overrides.setdefault("DOWNLOAD_DELAY", 0)
    with DemoSite(port=args.port, ads=args.ads, seed=args.seed, crawl_delay=0.02) as site:
        print(f"demo ad site: {site.base_url} ({args.ads} synthetic ads, seed {args.seed})")
        code, report = execute("demo", site.base_url, overrides)
    if report is not None and code == 0 and not report.stats.get("lcom/pipeline/hits"):
        print("lcom: the demo crawl stored no hits; run it again with -v for the crawl log")
        return int(ExitCode.FAILED)
    return code
