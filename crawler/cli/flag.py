"""``lcom flag [FILE]``: run the indicator engine on ads in JSON Lines.

This is the contract for reprocessing and evaluation.

Input: JSON Lines from FILE, or standard input when FILE is omitted or ``-``. Each line
is one object with the fields ``id``, ``title`` and ``text`` (strings; a missing title
or text counts as empty); any other field is ignored. Blank lines are skipped.

Output: exactly one JSON line on standard output per input line, IN INPUT ORDER::

    {"id": "nl-001", "lang": "nl",
     "indicators": [{"category": "movement", "rule": "movement.nl.net_aangekomen",
                     "evidence": {"field": "text", "snippet": "...", "start": 41, "end": 55},
                     "weight": 1.0}],
     "score": 1.5, "hit": true}

``lang`` is the detected language (``"unknown"`` when it cannot be told). Evidence
offsets are character offsets into the field as given. A line that cannot be processed
(not JSON, not an object, a non-text ``title``/``text``) gives an error message on
standard error naming its line number, and the output line ``{"id": ..., "error":
"..."}`` (``id`` is ``null`` when it is unknown); processing continues with the next
line.

Contacts (phone numbers, e-mail addresses, messenger handles) never appear in the output:
in evidence snippets and ids they are replaced by ``[phone]``, ``[email]`` or ``[handle]``,
or by keyed pseudonym tokens (``[phone:1a2b3c4d]``) when a pseudonymisation key is set
(``LCOM_PSEUDONYM_KEY`` or ``LCOM_PSEUDONYM_KEY_FILE``), so output piped into a file stores
none. ``--show-contacts`` leaves them in, for local debugging only, and says so on
standard error.

Options: ``--lexicons DIR`` (lexicon folder; default: the bundled one),
``--threshold F`` (hit threshold; default: from the lexicon config), ``--no-origin``
(never derive the ``origin`` category, as the data policy may require),
``--show-contacts`` (see above).

Exit code: 0 when every line was processed, 1 when at least one line had an error,
2 when the input file or the lexicons cannot be read.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from pipelines.engine.pseudonyms import ContactRedactor

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
        "--show-contacts",
        action="store_true",
        help="leave contacts in the evidence snippets (local debugging only; never store it)",
    )
    parser.set_defaults(func=run)


SHOW_CONTACTS_WARNING = (
    "lcom flag: --show-contacts: the output holds phone numbers, e-mail addresses and "
    "handles in plain text; do not store or share it"
)


def run(args: argparse.Namespace) -> int:
    from pipelines.engine.indicators import IndicatorEngine
    from pipelines.engine.lexicon import LexiconError
    from pipelines.engine.pseudonyms import PseudonymKeyError

    try:
        engine = IndicatorEngine.from_dir(args.lexicons, threshold=args.threshold)
    except LexiconError as exc:
        print(f"lcom flag: {exc}", file=sys.stderr)
        return 2
    redactor = None
    if args.show_contacts:
        print(SHOW_CONTACTS_WARNING, file=sys.stderr)
    else:
        try:
            redactor = contact_redactor()
        except PseudonymKeyError as exc:
            print(f"lcom flag: {exc}", file=sys.stderr)
            return 2
    try:
        with _open(args.file) as lines:
            errors = flag_lines(
                engine, lines, sys.stdout, derive_origin=not args.no_origin, redactor=redactor
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
    redactor: ContactRedactor | None = None,
) -> int:
    """Flag every line of ``lines`` and write the results to ``out``; returns the number
    of lines that had an error."""
    err = err if err is not None else sys.stderr
    errors = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            result = flag_record(engine, line, derive_origin=derive_origin, redactor=redactor)
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


def contact_redactor(environ: Mapping[str, str] | None = None) -> ContactRedactor:
    """Keyed tokens when a pseudonymisation key is configured, plain ``[kind]`` otherwise."""
    import os

    from pipelines.engine.pseudonyms import (
        KEY_ENV,
        KEY_FILE_ENV,
        ContactRedactor,
        Pseudonymizer,
        load_key,
    )

    env = os.environ if environ is None else environ
    if env.get(KEY_ENV, "").strip() or env.get(KEY_FILE_ENV, "").strip():
        return ContactRedactor(Pseudonymizer(*load_key(env)))
    return ContactRedactor()


def flag_record(
    engine: Any,
    line: str,
    *,
    derive_origin: bool = True,
    redactor: ContactRedactor | None = None,
) -> dict[str, Any]:
    """The output object for one input line (raises ``_BadLine``); contacts in snippets
    and the id are replaced by ``redactor``'s tokens unless it is None."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise _BadLine(f"not valid JSON: {exc.msg} (column {exc.colno})") from exc
    if not isinstance(record, dict):
        raise _BadLine("not a JSON object")
    record_id = record.get("id")
    title = record.get("title")
    text = record.get("text")
    for name, value in (("title", title), ("text", text)):
        if value is not None and not isinstance(value, str):
            raise _BadLine(f"field {name!r} is not a string", record_id)
    analysis = engine.analyse(title or "", text or "", derive_origin=derive_origin)
    evidence = [i.evidence.to_dict() for i in analysis.indicators]
    if redactor is not None:
        from pipelines.engine.indicators import _snippet as snippet

        fields = {"title": title or "", "text": text or ""}
        redacted = {name: redactor.redact(value) for name, value in fields.items() if value}
        for item in evidence:
            if item["field"] in redacted:
                value, offsets = redacted[item["field"]]
                item["snippet"] = snippet(value, offsets[item["start"]], offsets[item["end"]])
            else:
                item["snippet"] = redactor.redact(item["snippet"])[0]
        if isinstance(record_id, str):
            record_id = redactor.redact(record_id, identifier=True)[0]
    return {
        "id": record_id,
        "lang": analysis.lang,
        "indicators": [
            {"category": i.category, "rule": i.rule, "evidence": found, "weight": i.weight}
            for i, found in zip(analysis.indicators, evidence, strict=True)
        ],
        "score": analysis.score,
        "hit": analysis.hit,
    }


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
