"""``lcom flag [FILE]``: run the indicator engine on ads in JSON Lines.

This is the contract for reprocessing and evaluation.

Input: JSON Lines from FILE, or standard input when FILE is omitted or ``-``. Each line
is one object with the fields ``id``, ``title`` and ``text`` (strings; a missing title
or text counts as empty; ``id`` a string, a number or null) and, optionally,
``source_kind`` (the kind of site the ad comes from: escort, massage, dating,
classifieds, other; a prior of the ad-context stage). Other fields are ignored,
with a warning on standard error for each unknown field name (``titel``, ``txt``: a
misspelt field would otherwise silently give a non-hit). Bytes that are not UTF-8 are
replaced by U+FFFD, with a warning naming the line.

Output: exactly one JSON line on standard output per input line, IN INPUT ORDER, in
strict JSON (no NaN or Infinity)::

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
``categories`` are the categories that count. With ``--explain`` each line also has
``explanation``: the context decision, every cue that counted (``matched``) and every
cue that was set aside (``suppressed``, with ``reason``: negated, benign,
category_context, sense or out_of_context, and ``detail``: the negation word, the
missing co-occurrence ...).

Evidence offsets are character offsets into the field as given. A line that cannot be processed
gives an error message on standard error naming its line number, and the output line
``{"id": ..., "error": "..."}`` (``id`` is ``null`` when it is unknown); processing
continues with the next line. Such lines: blank lines, lines that are not JSON or not
an object (including NaN or Infinity, integers of thousands of digits, nesting deeper
than 64 levels), a non-text ``title``/``text``/``source_kind``, lone surrogate escapes
(``\\ud800``), and ads whose title and text are together longer than
``LCOM_MAX_TEXT_CHARS`` (default 100,000 characters: the crawl drops those too).

Ads are flagged in batches of up to 64 lines (and 256,000 characters), each stage
(language, analysis, contact redaction, output) over the whole batch: about 15% less CPU
per ad than one ad at a time (docs/indicators.md, "Speed"). Read from a pipe or a
terminal, a batch ends where no whole line is waiting, and every line read is answered,
and the output flushed, before lcom flag waits for more: a program that writes one line
and waits for its answer gets it. The messages about a line (on standard error) are
written just before its output line.

Language models are loaded only when an ad needs them, and the compiled lexicons come
from ``<LCOM_VAR_DIR>/cache/lexicons`` (see ``pipelines/engine/lexicon_cache.py``), so a
call for one ad answers quickly. On many ads, the languages the fast detector cannot tell
are detected in a second thread while the ads after them are flagged (the first such ad
waits seconds for lingua's models); the output stays in input order.

Contacts (phone numbers, e-mail addresses, messenger handles) never appear in the output:
in evidence snippets (of indicators, context cues and the explanation) and ids they are
replaced by ``[phone]``, ``[email]`` or ``[handle]``,
or by keyed pseudonym tokens (``[phone:1a2b3c4d]``) when a pseudonymisation key is set
(``LCOM_PSEUDONYM_KEY`` or ``LCOM_PSEUDONYM_KEY_FILE``), so output piped into a file stores
none. ``--show-contacts`` leaves them in, for local debugging only, and says so on
standard error.

Options: ``--lexicons DIR`` (lexicon folder; default: the bundled one),
``--threshold F`` (hit threshold; default: from the lexicon config), ``--no-origin``
(never derive the ``origin`` category, as the data policy may require),
``--show-contacts`` (see above), ``--explain`` (add the ``explanation`` field).

Exit code: 0 when every line was processed, 1 when at least one line had an error,
2 when the input file or the lexicons cannot be read.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import select
import stat
import sys
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from pipelines.engine.pseudonyms import ContactRedactor

from crawler.cli.options import plain

logger = logging.getLogger(__name__)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "flag",
        help="flag trafficking indicators in ads given as JSON Lines",
        description=plain(__doc__),
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
    from pipelines.home import lexicon_cache_dir

    try:
        engine = IndicatorEngine.from_dir(
            args.lexicons, threshold=args.threshold, cache_dir=lexicon_cache_dir()
        )
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
    if hasattr(sys.stdout, "reconfigure"):  # JSON Lines are UTF-8, whatever the locale
        sys.stdout.reconfigure(encoding="utf-8")
    try:
        with _open(args.file) as lines, _collector_tuned():
            errors = flag_lines(
                engine,
                lines,
                sys.stdout,
                derive_origin=not args.no_origin,
                redactor=redactor,
                explain=args.explain,
            )
    except OSError as exc:
        print(f"lcom flag: cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    return 1 if errors else 0


#: Allocations of container objects between two collections of the young generation
#: while lines are flagged (Python's default: 700).
YOUNG_GENERATION = 10_000


@contextmanager
def _collector_tuned() -> Iterator[None]:
    """The garbage collector set for flagging many ads, and set back after.

    Every ad makes thousands of short-lived objects, which reference counting frees; at
    Python's default the collector ran about every 700 of them and, every hundredth
    time, read every object of the process again, the engine's tables included (5% of
    the CPU time of ``lcom flag``). The objects loaded so far (the engine) are frozen
    (``gc.freeze``: they live as long as the process) and the young generation is
    collected every :data:`YOUNG_GENERATION` allocations. Where a caller has frozen
    objects already (before forking, say), nothing more is frozen: unfreezing after
    would unfreeze the caller's too."""
    threshold = gc.get_threshold()
    freeze = gc.get_freeze_count() == 0
    if freeze:
        gc.freeze()
    gc.set_threshold(YOUNG_GENERATION, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        if freeze:
            gc.unfreeze()


#: The fields an input line is read for; other fields are ignored (no warning for these
#: common ones, found in labelled evaluation sets and in crawled items).
FIELDS = ("id", "title", "text", "source_kind")
IGNORED_QUIETLY = frozenset(
    {"lang", "labels", "url", "source", "source_ad_id", "city", "posted", "name", "category"}
)
#: Ads longer than this (title and text together) are refused, as the crawl drops them
#: (``LCOM_MAX_TEXT_CHARS``, default 100,000).
DEFAULT_MAX_TEXT_CHARS = 100_000
#: Deeper JSON is refused before it is parsed (it could exhaust the stack).
MAX_NESTING = 64


def max_text_chars() -> int:
    try:
        value = int(os.environ.get("LCOM_MAX_TEXT_CHARS", DEFAULT_MAX_TEXT_CHARS))
    except ValueError:
        return DEFAULT_MAX_TEXT_CHARS
    return value if value > 0 else DEFAULT_MAX_TEXT_CHARS


#: Lines read and analysed ahead of the output while the language of an earlier one is
#: still being detected: the first ad that needs lingua's models waits seconds for them.
MAX_AHEAD = 10_000
#: Ads flagged together, one stage after the other (language, analysis, redaction and
#: output): each stage then runs on warm processor caches, where one ad at a time has
#: every stage evict the tables of the others (docs/indicators.md, "Speed"). A batch
#: ends after ``BATCH_CHARS`` characters of input too (long ads make short batches: the
#: memory of a batch stays that of a few long ads), and, read from a pipe or a terminal,
#: where no whole line is waiting (:class:`_Input`).
BATCH_LINES = 64
BATCH_CHARS = 256_000
#: The output's encoder, made once: strict JSON (no NaN), UTF-8 as is. An output record
#: is a tree of new dicts and lists, never circular: no check for it.
_JSON = json.JSONEncoder(ensure_ascii=False, allow_nan=False, check_circular=False)


@dataclass
class _Ad:
    """An input line read and checked, ready for the engine."""

    record_id: Any
    title: str
    text: str
    source_kind: str | None

    @property
    def language_text(self) -> str:
        return f"{self.title}\n{self.text}".strip()  # what the engine detects on


@dataclass
class _Slot:
    """One output line in the making: an ad waiting for its language, or its result, and
    the messages about its input line (written just before it, as one line at a time
    wrote them)."""

    ad: _Ad | None = None
    language: Future[tuple[str, float | None]] | None = None
    result: dict[str, Any] | None = None
    messages: list[str] = field(default_factory=list)


def flag_lines(
    engine: Any,
    lines: Iterable[str | bytes],
    out: TextIO,
    *,
    derive_origin: bool = True,
    err: TextIO | None = None,
    redactor: ContactRedactor | None = None,
    explain: bool = False,
) -> int:
    """Flag every line of ``lines`` and write the results to ``out``; returns the number
    of lines that had an error.

    Exactly one output line per input line, in input order, whatever the line holds: a
    line that cannot be flagged gives an error record. ``lines`` may be bytes (decoded
    as UTF-8 here; invalid bytes are replaced, with a warning) or text.

    The lines are read in batches (:data:`BATCH_LINES`, :class:`_Input`), and the ads of
    a batch go through each stage together. Languages the fast stage cannot tell are
    detected in a second thread (lingua runs outside the GIL); meanwhile the lines after
    are analysed, up to ``MAX_AHEAD``. The first such ad of a process waits for lingua's
    models, seconds that the other ads no longer wait for. Read from a pipe or a
    terminal, every line read is answered (and the output flushed) before the process
    waits for more input. Analysis does not depend on the order of ads (no price
    history).
    """
    from pipelines.engine import indicators

    err = err if err is not None else sys.stderr
    errors = 0
    warned: set[str] = set()
    reported: set[str] = set()
    limit = max_text_chars()
    ahead: deque[_Slot] = deque()

    def finish(slot: _Slot) -> dict[str, Any]:
        if slot.result is None:
            assert slot.ad is not None and slot.language is not None
            analysis = _analyses(engine, [(slot.ad, slot.language.result())], derive_origin)
            slot.result = _output(slot.ad, analysis[0], redactor, explain)
        return slot.result

    def write(slot: _Slot) -> None:
        result = finish(slot)
        for message in slot.messages:
            print(message, file=err)
        out.write(_JSON.encode(result) + "\n")

    source = _Input(lines)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="lcom-flag-language") as pool:
        for batch in source.batches(BATCH_LINES, BATCH_CHARS):
            slots: list[_Slot] = []
            for number, raw in batch:
                line, warning = _decode(raw, number)
                try:
                    slot = _Slot(ad=_read_ad(line, max_chars=limit, unknown=warned))
                except _BadLine as exc:
                    errors += 1
                    slot = _Slot(result={"id": _json_safe_id(exc.record_id), "error": exc.message})
                    slot.messages.append(f"lcom flag: line {number}: {exc.message}")
                if warning is not None:
                    slot.messages.insert(0, warning)
                for key in sorted(warned - reported):
                    reported.add(key)
                    hint = _did_you_mean(key)
                    slot.messages.append(
                        f"lcom flag: line {number}: unknown field {key!r} ignored"
                        + (f" (did you mean {hint!r}?)" if hint else "")
                        + f"; the fields read are {', '.join(FIELDS)}"
                    )
                slots.append(slot)
            batch.clear()  # the raw lines: only their ads are needed now
            known: list[tuple[_Slot, _Ad, tuple[str, float | None]]] = []
            for slot in slots:
                ad = slot.ad
                if ad is None:
                    continue  # an error line
                language = indicators.quick_language_or_none(ad.language_text)
                if language is not None:
                    known.append((slot, ad, language))  # flagged below, with the batch
                else:
                    detect = indicators.detect_language_or_unknown
                    slot.language = pool.submit(detect, ad.language_text)
            analyses = _analyses(
                engine, [(ad, language) for _, ad, language in known], derive_origin
            )
            for (slot, ad, _), analysis in zip(known, analyses, strict=True):
                slot.result = _output(ad, analysis, redactor, explain)
            for slot in slots:
                ahead.append(slot)
                while ahead and (
                    ahead[0].language is None or ahead[0].language.done() or len(ahead) > MAX_AHEAD
                ):
                    write(ahead.popleft())
            if source.interactive and not source.waiting():
                # Nothing more to read yet: answer every line read before waiting for more.
                while ahead:
                    write(ahead.popleft())
                out.flush()
        while ahead:
            write(ahead.popleft())
    out.flush()
    return errors


class _Input:
    """The input's lines, numbered from 1, in batches (:meth:`batches`).

    A regular file or a list is read as it iterates. Other input (a pipe, a terminal, a
    socket) may come slowly: it is read here, from its file descriptor, so that a batch
    can end where no whole line is waiting (:meth:`waiting`), and nothing read is held
    back while the next line may take a while to come or to end."""

    #: Bytes asked of the file descriptor at once.
    CHUNK = 1 << 16

    def __init__(self, lines: Iterable[str | bytes]) -> None:
        self._lines = lines
        self._fd = -1
        try:
            fd = lines.fileno()  # type: ignore[attr-defined]
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                self._fd = fd
        except (AttributeError, OSError, ValueError):
            pass
        #: Whether the input may come slowly (read here, by :meth:`_read`).
        self.interactive = self._fd >= 0
        self._buffer = bytearray()
        self._scanned = 0  # the buffer holds no newline before this
        self._eof = False

    def batches(self, size: int, chars: int) -> Iterator[list[tuple[int, str | bytes]]]:
        """Lists of ``(number, line)``: at most ``size`` lines, and no line after the
        first once they hold ``chars`` characters; from slow input, no line after the
        first that is not waiting whole. Where reading fails, the lines read before are
        given first, then the error is raised."""
        lines = self._read() if self.interactive else iter(self._lines)
        number = 0
        while True:
            batch: list[tuple[int, str | bytes]] = []
            held = 0
            try:
                while not batch or (
                    len(batch) < size and held < chars and (not self.interactive or self.waiting())
                ):
                    line = next(lines, None)
                    if line is None:
                        break
                    number += 1
                    batch.append((number, line))
                    held += len(line)
            except BaseException:
                if batch:
                    yield batch
                raise
            if not batch:
                return
            yield batch

    def waiting(self) -> bool:
        """Whether a whole line (or the last one, at the end) can be read at once."""
        if self._line_end() >= 0 or (self._eof and self._buffer):
            return True
        if self._eof:
            return False
        try:
            ready = select.select([self._fd], [], [], 0)[0]
        except (OSError, ValueError):
            return False  # then batches of one line: never a line held back
        if ready and not self._fill():
            return bool(self._buffer)  # the end: the rest is the last line
        return self._line_end() >= 0

    def _read(self) -> Iterator[bytes]:
        """The lines of the file descriptor, each with its newline (the last one may
        have none), as iterating a file in binary mode gives them."""
        while True:
            end = self._line_end() + 1
            if end:
                line = bytes(self._buffer[:end])
                del self._buffer[:end]
                self._scanned = 0
                yield line
            elif self._eof or not self._fill():
                if self._buffer:
                    line = bytes(self._buffer)
                    self._buffer.clear()
                    yield line
                return

    def _line_end(self) -> int:
        """Where the buffer's first line ends (its newline), or -1 while it holds no
        whole line (each byte is searched once: the search goes on where it stopped)."""
        end = self._buffer.find(b"\n", self._scanned)
        self._scanned = len(self._buffer) if end < 0 else end
        return end

    def _fill(self) -> bool:
        """Read what the file descriptor has (waiting for it if nothing yet); ``False``
        at its end."""
        chunk = os.read(self._fd, self.CHUNK)
        if not chunk:
            self._eof = True
            return False
        self._buffer += chunk
        return True


def _decode(raw: str | bytes, number: int) -> tuple[str, str | None]:
    """The line as text, and the warning its invalid bytes give (``None`` for none)."""
    if isinstance(raw, str):
        return raw, None
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError:
        warning = f"lcom flag: line {number}: invalid UTF-8 bytes replaced by U+FFFD"
        return raw.decode("utf-8", errors="replace"), warning


def _did_you_mean(key: str) -> str | None:
    import difflib

    close = difflib.get_close_matches(key.lower(), FIELDS, n=1, cutoff=0.6)
    return close[0] if close else None


def _json_safe_id(value: Any) -> Any:
    """An id as it can be written back in strict JSON (else ``None``)."""
    if value is None or isinstance(value, bool | int | str):
        if isinstance(value, str) and _has_surrogate(value):
            return None
        return value
    if isinstance(value, float) and value == value and value not in (_INF, -_INF):
        return value
    return None


_INF = float("inf")


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class _BadLine(ValueError):
    def __init__(self, message: str, record_id: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.record_id = record_id


def _reject_constant(name: str) -> Any:
    raise _BadLine(f"not valid JSON: {name} is not a JSON number")


def _nesting(line: str) -> int:
    """Deepest bracket nesting outside strings (a cheap scan before parsing)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in line:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def contact_redactor(environ: Mapping[str, str] | None = None) -> ContactRedactor:
    """Keyed tokens when a pseudonymisation key is configured, plain ``[kind]`` otherwise."""
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


def _read_ad(line: str, *, max_chars: int, unknown: set[str] | None = None) -> _Ad:
    """The ad of one input line, checked (raises ``_BadLine``); the names of fields that
    are not read are added to ``unknown``."""
    if not line.strip():
        raise _BadLine("blank line (expected one JSON object)")
    brackets = line.count("[") + line.count("{")
    if brackets > MAX_NESTING and _nesting(line) > MAX_NESTING:
        raise _BadLine(f"not accepted: JSON nested deeper than {MAX_NESTING} levels")
    try:
        record = json.loads(line, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise _BadLine(f"not valid JSON: {exc.msg} (column {exc.colno})") from exc
    except (ValueError, RecursionError) as exc:  # e.g. an integer of thousands of digits
        raise _BadLine(f"not valid JSON: {exc}"[:200]) from exc
    if not isinstance(record, dict):
        raise _BadLine("not a JSON object")
    record_id = record.get("id")
    if unknown is not None:
        unknown.update(k for k in record if k not in FIELDS and k not in IGNORED_QUIETLY)
    title = record.get("title")
    text = record.get("text")
    source_kind = record.get("source_kind")
    for name, value in (("title", title), ("text", text), ("source_kind", source_kind)):
        if value is not None and not isinstance(value, str):
            raise _BadLine(f"field {name!r} is not a string", record_id)
        if isinstance(value, str) and _has_surrogate(value):
            raise _BadLine(f"field {name!r} holds a lone surrogate (\\ud800-\\udfff)", record_id)
    if isinstance(record_id, str) and _has_surrogate(record_id):
        raise _BadLine("field 'id' holds a lone surrogate (\\ud800-\\udfff)")
    if _json_safe_id(record_id) != record_id:
        raise _BadLine("field 'id' is not a string, a number or null")
    size = len(title or "") + len(text or "")
    if size > max_chars:
        raise _BadLine(
            f"ad of {size} characters, longer than {max_chars} (LCOM_MAX_TEXT_CHARS); "
            "the crawl drops such ads unread",
            record_id,
        )
    return _Ad(record_id, title or "", text or "", source_kind)


def _analyses(
    engine: Any, ads: list[tuple[_Ad, tuple[str, float | None]]], derive_origin: bool
) -> list[Any]:
    """The engine's analyses of checked ads whose language is known, stage by stage
    over all of them (:meth:`~pipelines.engine.indicators.IndicatorEngine.analyse_many`)."""
    from pipelines.engine.indicators import AdText

    analyses: list[Any] = engine.analyse_many(
        AdText(
            ad.title,
            ad.text,
            language[0],
            derive_origin,
            source_kind=ad.source_kind,
            lang_confidence=language[1],
        )
        for ad, language in ads
    )
    return analyses


def _output(
    ad: _Ad, analysis: Any, redactor: ContactRedactor | None, explain: bool
) -> dict[str, Any]:
    """The output object of an analysed ad, its contacts redacted."""
    record_id, title, text = ad.record_id, ad.title, ad.text
    evidence = [i.evidence.to_dict() for i in analysis.indicators]
    result: dict[str, Any] = {
        "id": record_id,
        "lang": analysis.lang,
        "context": analysis.context.to_dict(),
        "indicators": [
            {"category": i.category, "rule": i.rule, "evidence": found, "weight": i.weight}
            for i, found in zip(analysis.indicators, evidence, strict=True)
        ],
        "categories": list(analysis.categories),
        "score": analysis.score,
        "hit": analysis.hit,
    }
    if explain:
        result["explanation"] = analysis.explanation()
    if redactor is not None:
        from pipelines.engine.indicators import _snippet as snippet

        fields = {"title": title or "", "text": text or ""}
        # Each field is redacted once, and only when some evidence quotes it.
        redacted: dict[str, tuple[str, list[int]]] = {}
        for item in _evidence(result):
            name = item["field"]
            if fields.get(name):
                if name not in redacted:
                    redacted[name] = redactor.redact(fields[name])
                value, offsets = redacted[name]
                item["snippet"] = snippet(value, offsets[item["start"]], offsets[item["end"]])
            else:
                item["snippet"] = redactor.redact(item["snippet"])[0]
        if isinstance(record_id, str):
            result["id"] = redactor.redact(record_id, identifier=True)[0]
    return result


def _evidence(result: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every evidence object of an output record (indicators, context cues, explanation)."""
    contexts = [result["context"]]
    groups = [result["indicators"]]
    explanation = result.get("explanation")
    if explanation is not None:
        contexts.append(explanation["context"])
        groups += [explanation["matched"], explanation["suppressed"]]
    groups += [context["cues"] for context in contexts]
    for group in groups:
        for entry in group:
            found = entry.get("evidence")
            if found is not None and found.get("snippet") is not None:
                yield found


@contextmanager
def _open(path: str) -> Iterator[Iterable[str | bytes]]:
    """The input's lines as bytes (decoded line by line, so one bad byte spoils one line)."""
    if path == "-":
        yield getattr(sys.stdin, "buffer", sys.stdin)
        return
    with open(path, "rb") as fh:
        yield fh
