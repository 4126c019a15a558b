"""``lcom flag [FILE]``: run the indicator engine on ads in JSON Lines.

This is the contract for reprocessing and evaluation.

Input: JSON Lines from FILE, or standard input when FILE is omitted or ``-``. Each line
is one object with the fields ``id``, ``title`` and ``text`` (strings; a missing title
or text counts as empty) and, optionally, ``source_kind`` (the kind of site the ad
comes from: escort, massage, dating, classifieds, other; a prior of the
ad-context stage); any other field is ignored. Blank lines are skipped.

Output: exactly one JSON line on standard output per input line, IN INPUT ORDER::

    {"id": "nl-001", "lang": "nl",
     "context": {"service": true, "score": 2.0, "threshold": 1.0,
                 "cues": [{"cue": "visits", "weight": 1.0, "rule": "ad_context.nl.visits",
                           "evidence": {"field": "text", "snippet": "...", ...}}, ...]},
     "indicators": [{"category": "movement", "rule": "movement.nl.net_aangekomen",
                     "evidence": {"field": "text", "snippet": "...", "start": 41, "end": 55},
                     "weight": 1.0}],
     "categories": ["movement"], "score": 1.0, "hit": true}

``lang`` is the detected language (``"unknown"`` when it cannot be told). ``context``
says whether the ad offers sexual, escort or erotic-massage services and why; outside
that context ``indicators`` and ``categories`` are empty and ``hit`` is false.
``categories`` are the categories that count. Evidence offsets are character offsets
into the field as given. With ``--explain`` each line also has ``explanation``: the
context decision, every cue that counted (``matched``) and every cue that was set aside
(``suppressed``, with ``reason``: negated, benign, category_context, sense or
out_of_context, and ``detail``: the negation word, the missing co-occurrence ...).

A line that cannot be processed (not JSON, not an object, a non-text ``title``,
``text`` or ``source_kind``) gives an error message on standard error naming its line
number, and the output line ``{"id": ..., "error": "..."}`` (``id`` is ``null`` when it
is unknown); processing continues with the next line.

Options: ``--lexicons DIR`` (lexicon folder; default: the bundled one),
``--threshold F`` (hit threshold; default: from the lexicon config), ``--no-origin``
(never derive the ``origin`` category, as the data policy may require), ``--explain``
(add the ``explanation`` field).

Exit code: 0 when every line was processed, 1 when at least one line had an error,
2 when the input file or the lexicons cannot be read.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

logger = logging.getLogger(__name__)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "flag",
        help="flag trafficking indicators in ads given as JSON Lines",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    parser.add_argument(
        "file",
        nargs="?",
        default="-",
        metavar="FILE",
        help="JSON Lines with id, title, text (default: standard input)",
    )
    parser.add_argument("--lexicons", metavar="DIR", help="lexicon folder (default: bundled)")
    parser.add_argument(
        "--threshold", type=float, metavar="F", help="hit threshold (default: lexicon config)"
    )
    parser.add_argument(
        "--no-origin",
        action="store_true",
        help="never derive the origin category (data policy)",
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="add an explanation: context decision, matched and set-aside cues with why",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pipelines.engine.indicators import IndicatorEngine
    from pipelines.engine.lexicon import LexiconError

    try:
        engine = IndicatorEngine.from_dir(args.lexicons, threshold=args.threshold)
    except LexiconError as exc:
        print(f"lcom flag: {exc}", file=sys.stderr)
        return 2
    try:
        with _open(args.file) as lines:
            errors = flag_lines(
                engine,
                lines,
                sys.stdout,
                derive_origin=not args.no_origin,
                explain=args.explain,
            )
    except OSError as exc:
        print(f"lcom flag: cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    return 1 if errors else 0


def flag_lines(
    engine: Any,
    lines: Iterable[str],
    out: TextIO,
    *,
    derive_origin: bool = True,
    err: TextIO | None = None,
    explain: bool = False,
) -> int:
    """Flag every line of ``lines`` and write the results to ``out``; returns the number
    of lines that had an error."""
    err = err if err is not None else sys.stderr
    errors = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            result = flag_record(engine, line, derive_origin=derive_origin, explain=explain)
        except _BadLine as exc:
            errors += 1
            print(f"lcom flag: line {number}: {exc.message}", file=err)
            result = {"id": exc.record_id, "error": exc.message}
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
    out.flush()
    return errors


class _BadLine(ValueError):
    def __init__(self, message: str, record_id: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.record_id = record_id


def flag_record(
    engine: Any, line: str, *, derive_origin: bool = True, explain: bool = False
) -> dict[str, Any]:
    """The output object for one input line (raises ``_BadLine``)."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise _BadLine(f"not valid JSON: {exc.msg} (column {exc.colno})") from exc
    if not isinstance(record, dict):
        raise _BadLine("not a JSON object")
    record_id = record.get("id")
    title = record.get("title")
    text = record.get("text")
    source_kind = record.get("source_kind")
    for name, value in (("title", title), ("text", text), ("source_kind", source_kind)):
        if value is not None and not isinstance(value, str):
            raise _BadLine(f"field {name!r} is not a string", record_id)
    analysis = engine.analyse(
        title or "", text or "", derive_origin=derive_origin, source_kind=source_kind
    )
    result = {
        "id": record_id,
        "lang": analysis.lang,
        "context": analysis.context.to_dict(),
        "indicators": [
            {
                "category": i.category,
                "rule": i.rule,
                "evidence": i.evidence.to_dict(),
                "weight": i.weight,
            }
            for i in analysis.indicators
        ],
        "categories": list(analysis.categories),
        "score": analysis.score,
        "hit": analysis.hit,
    }
    if explain:
        result["explanation"] = analysis.explanation()
    return result


@contextmanager
def _open(path: str) -> Iterator[TextIO]:
    if path == "-":
        if hasattr(sys.stdin, "reconfigure"):
            sys.stdin.reconfigure(errors="replace")
        yield sys.stdin
        return
    # Undecodable bytes become U+FFFD: that line is still flagged (or reported) on its own.
    with open(path, encoding="utf-8", errors="replace") as fh:
        yield fh
