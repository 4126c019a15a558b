"""``lcom links``: what the link store knows: ads linked by a contact pseudonym or a template.

Reads the same store the crawler writes (the SQLite file under LCOM_VAR_DIR, or the
lcom-links index when ELASTICSEARCH_URL is set). Without options it lists every key that
links two ads or more; --carousels only contacts seen in enough cities within the window
of the lexicon config; --pseudonym one key with its cities, dates and ads.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from crawler.cli.options import add_format, plain

if TYPE_CHECKING:
    from pipelines.links.model import KeySummary


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "links",
        help="show ads linked into cases (carousels, shared contacts, template clusters)",
        description=plain(__doc__),
    )
    parser.add_argument(
        "--carousels",
        action="store_true",
        help="only contact pseudonyms seen in enough cities within the window (a carousel)",
    )
    parser.add_argument(
        "--pseudonym",
        metavar="P",
        help="one contact pseudonym or template cluster key (or its first 8+ characters), "
        "with its cities, dates and ads",
    )
    parser.add_argument(
        "--lexicon-dir",
        help="lexicon folder whose config sets the carousel thresholds (default: bundled)",
    )
    add_format(parser, "the links")
    parser.set_defaults(func=run)


def _clean(text: str, width: int | None = None) -> str:
    """Text from the crawl (a city) as one harmless line: no control characters."""
    cleaned = "".join(
        " " if unicodedata.category(ch).startswith(("C", "Z")) else ch for ch in text
    ).strip()
    if width is not None and len(cleaned) > width:
        cleaned = cleaned[: width - 1] + "…"
    return cleaned


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    body = [list(headers), *([_clean(str(cell)) for cell in row] for row in rows)]
    widths = [max(len(row[i]) for row in body) for i in range(len(headers))]
    lines = [
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in body
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _day(summary_date: object) -> str:
    return str(summary_date)[:10]


def _overview(summaries: Sequence[KeySummary]) -> str:
    rows = [
        (
            s.kind,
            s.key[:16],
            str(len(s.doc_ids)),
            str(len(s.hit_doc_ids)),
            str(s.n_cities),
            _clean(", ".join(span.city for span in s.cities), 48),
            f"{_day(s.first_seen)} .. {_day(s.last_seen)}",
            ", ".join(s.sources),
            str(s.n_ages),
            str(s.n_names),
        )
        for s in summaries
    ]
    headers = ("kind", "key", "ads", "hits", "cities", "where", "seen", "sources", "ages", "names")
    return _table(headers, rows)


def _detail(summary: KeySummary) -> str:
    lines = [
        f"{summary.kind} {summary.key}",
        f"  ads {len(summary.doc_ids)} (hits {len(summary.hit_doc_ids)}), "
        f"sources {', '.join(summary.sources)}",
        f"  seen {_day(summary.first_seen)} .. {_day(summary.last_seen)}",
        f"  stated ages {', '.join(map(str, summary.ages)) or '-'}; "
        f"different names {summary.n_names}",
        "",
        _table(
            ("city", "first", "last"),
            ((span.city, _day(span.first), _day(span.last)) for span in summary.cities),
        ),
        "",
        "ads: " + ", ".join(summary.doc_ids),
    ]
    if summary.contacts:
        lines.append("contact pseudonyms: " + ", ".join(summary.contacts))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    import os

    from pipelines.engine.linking import LinkConfigError, carousel_window, load_link_config
    from pipelines.es.links import LinkStoreUnavailable
    from pipelines.links import open_store

    try:
        config = load_link_config(args.lexicon_dir)
    except LinkConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        store = open_store(os.environ)
    except (OSError, RuntimeError, ValueError) as exc:
        print(f"error: cannot open the link store: {exc}", file=sys.stderr)
        return 1
    try:
        if args.pseudonym:
            wanted = args.pseudonym.strip()
            found = store.get(wanted)
            if found is None and len(wanted) >= 8:  # the tables show the first 16 characters
                found = next((s for s in store.iter_keys() if s.key.startswith(wanted)), None)
            if found is None:
                print(f"the link store does not know {_clean(args.pseudonym, 80)}", file=sys.stderr)
                return 1
            print(
                json.dumps(found.to_dict(), indent=2) if args.format == "json" else _detail(found)
            )
            return 0
        if args.carousels:
            summaries = [
                s
                for s in store.iter_keys("contact", min_cities=config.carousel_min_cities)
                if len(carousel_window(s.cities, config.carousel_window_days)[0])
                >= config.carousel_min_cities
            ]
        else:
            summaries = [s for s in store.iter_keys() if len(s.doc_ids) > 1]
    except LinkStoreUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        store.close()
    summaries.sort(key=lambda s: (-s.n_cities, -len(s.doc_ids), s.key))
    if args.format == "json":
        print(json.dumps([s.to_dict() for s in summaries], indent=2))
        return 0
    if not summaries:
        what = "carousels" if args.carousels else "links between ads"
        print(f"no {what} in the link store")
        return 0
    print(_overview(summaries))
    if args.carousels:
        print(
            f"\ncarousel: one contact in at least {config.carousel_min_cities} cities within "
            f"{config.carousel_window_days} days; `lcom links --pseudonym KEY` shows one"
        )
    return 0
