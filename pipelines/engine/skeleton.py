"""The contact skeleton of a text: the same text as contact detection wants to read it.

Ads write phone numbers, addresses and handles so that filters miss them. The skeleton
undoes the usual tricks, and keeps for every position the span of the ORIGINAL text it
came from, so a contact found in the skeleton is redacted in the original:

- Unicode NFKC per character (fullwidth digits and ``＠``, superscript, circled and
  mathematical digits, ligatures), plus the digits NFKC leaves alone (dingbat circled
  digits ``❶ ➀ ➊``, keycap ten ``🔟``); accents are dropped (``două`` -> ``doua``);
- format characters (zero-width space, ZWNJ, ZWJ, word joiner, soft hyphen, BOM,
  direction marks), variation selectors and the keycap mark are removed, so
  ``1️⃣`` is ``1``; every kind of space (no-break, narrow, ideographic ...) is a space;
- percent-escapes are decoded (``anna%40example.com``);
- inside a group of digits, ``o``/``O`` reads as 0 and ``l``/``I`` as 1 (``O6I2...``);
- number words of the eight languages (nl, en, de, ro, bg, hu, pl, es) read as digits
  when they stand next to other digits or number words (``zero six one two ...``);
- between two groups of digits, separators such as ``, : ; | * x × • ~`` or an emoji, a
  run of blanks or a line break, and a joining word (``and``, ``en``, ``und``, ``și``,
  ``и``, ``és``, ``i``, ``y``) read as one space (``0652 and 850519``);
- single characters spaced out (``a n n a @ g m a i l . c o m``) are joined.

Times of day (``10:00``) keep their colon, so opening hours never read as a phone number.
Everything is linear in the length of the text. Nothing here logs.
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from dataclasses import dataclass, field

__all__ = ["Skeleton", "skeleton"]

#: Number words 0-9 of the eight languages, without accents (the skeleton drops them).
NUMBER_WORDS: dict[str, tuple[str, ...]] = {
    "0": ("zero", "nul", "null", "nulla", "cero", "нула", "nulla"),
    "1": ("one", "een", "eins", "ein", "eine", "unu", "una", "uno", "un", "едно", "един",
          "една", "egy", "jeden", "jedna", "jedno"),
    "2": ("two", "twee", "zwei", "zwo", "doi", "doua", "dos", "две", "два", "ketto", "ket",
          "dwa", "dwie"),
    "3": ("three", "drie", "drei", "trei", "tres", "три", "harom", "trzy"),
    "4": ("four", "vier", "patru", "cuatro", "четири", "negy", "cztery"),
    "5": ("five", "vijf", "funf", "fuenf", "cinci", "cinco", "пет", "ot", "piec"),
    "6": ("six", "zes", "sechs", "sase", "seis", "шест", "hat", "szesc"),
    "7": ("seven", "zeven", "sieben", "sapte", "siete", "седем", "het", "siedem"),
    "8": ("eight", "acht", "opt", "ocho", "осем", "nyolc", "osiem"),
    "9": ("nine", "negen", "neun", "noua", "nueve", "девет", "kilenc", "dziewiec"),
}  # fmt: skip
_WORD_DIGIT = {word: digit for digit, words in NUMBER_WORDS.items() for word in words}

#: Words that join two groups of one number ("0652 and 850519").
JOINING_WORDS = (
    "and", "then", "en", "dan", "und", "dann", "si", "apoi", "и", "es", "i", "y",
    "plus", "potem", "luego", "&", "+",
)  # fmt: skip

# Characters NFKC leaves alone that are digits all the same.
_EXTRA_DIGITS = {"\U0001f51f": "10"}
# Removed: zero-width and format characters, variation selectors, the keycap mark.
_REMOVED_CATEGORIES = frozenset({"Cf", "Me"})
_REMOVED = frozenset({"\u20e3", *(chr(c) for c in range(0xFE00, 0xFE10))})


@functools.lru_cache(maxsize=4096)
def _char(ch: str) -> str:
    """The skeleton of one non-ASCII character."""
    if ch in _EXTRA_DIGITS:
        return _EXTRA_DIGITS[ch]
    if ch in _REMOVED:
        return ""
    category = unicodedata.category(ch)
    if category in _REMOVED_CATEGORIES:
        return ""
    if category in ("Zs", "Zl", "Zp") or ch in "\u0085":
        return " "
    folded = unicodedata.normalize("NFKC", ch)
    if folded == ch and category == "No":
        value = unicodedata.numeric(ch, -1.0)
        if value >= 0 and value == int(value):
            return str(int(value))
    # Accents off (NFKD, then drop combining marks); a base that is not ASCII stays.
    decomposed = unicodedata.normalize("NFKD", folded)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    if not stripped:
        return folded
    return unicodedata.normalize("NFC", stripped)


@dataclass
class _Map:
    """Piecewise map from a derived text back onto the text it was derived from.

    Segment ``i`` covers derived ``[d[i], d[i+1])`` and source ``[s[i], s_end[i])``;
    ``same[i]`` says it is a verbatim copy (position by position), otherwise the whole
    derived segment stands for the whole source segment.
    """

    d: list[int] = field(default_factory=list)
    s: list[int] = field(default_factory=list)
    s_end: list[int] = field(default_factory=list)
    same: list[bool] = field(default_factory=list)

    def add(self, derived_at: int, source: int, source_end: int, same: bool) -> None:
        self.d.append(derived_at)
        self.s.append(source)
        self.s_end.append(source_end)
        self.same.append(same)

    def start(self, pos: int) -> int:
        i = bisect.bisect_right(self.d, pos) - 1
        if i < 0:
            return 0
        if self.same[i]:
            return self.s[i] + (pos - self.d[i])
        return self.s[i] if pos == self.d[i] else self.s_end[i]

    def end(self, pos: int) -> int:
        if pos <= 0:
            return 0
        i = bisect.bisect_right(self.d, pos - 1) - 1
        if i < 0:
            return 0
        if self.same[i]:
            return self.s[i] + (pos - self.d[i])
        return self.s_end[i]


class _Builder:
    """Builds a derived text from replacements of source spans, with its :class:`_Map`."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.parts: list[str] = []
        self.map = _Map()
        self.length = 0
        self.position = 0

    def replace(self, start: int, end: int, text: str) -> None:
        if start > self.position:
            self._emit(self.position, start, self.source[self.position : start], same=True)
        self._emit(start, end, text, same=text == self.source[start:end])
        self.position = end

    def _emit(self, start: int, end: int, text: str, *, same: bool) -> None:
        self.map.add(self.length, start, end, same)
        self.parts.append(text)
        self.length += len(text)

    def result(self) -> tuple[str, _Map]:
        if self.position < len(self.source):
            self._emit(self.position, len(self.source), self.source[self.position :], same=True)
        self.map.add(self.length, len(self.source), len(self.source), True)
        return "".join(self.parts), self.map


@dataclass
class Skeleton:
    """A normalised text and the way back to the original."""

    original: str
    text: str
    _maps: tuple[_Map, ...] = ()

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that skeleton ``[start, end)`` came from."""
        for mapping in reversed(self._maps):
            start, end = mapping.start(start), mapping.end(end)
        return start, max(start, end)


# -- stage 1: characters ------------------------------------------------------------
_ESCAPE = r"%[0-9A-Fa-f]{2}"
_NON_ASCII_OR_ESCAPE = re.compile(rf"[^\x00-\x7f]|{_ESCAPE}")
#: Most characters a class of the characters to change holds. A class of characters of
#: the Basic Multilingual Plane is a table (one look-up per position of the text); one
#: beyond it (mathematical letters) is a list read at every position, and a long class
#: costs its compilation and its memory: those texts are read character by character.
_MAX_CLASS = 64
_ASCII = frozenset(map(chr, range(128)))


@functools.lru_cache(maxsize=256)
def _changing(chars: frozenset[str], escapes: bool) -> re.Pattern[str]:
    """The characters of a text that the skeleton changes (and percent-escapes): a text
    in Cyrillic or with accents has many characters that are not ASCII, few that change."""
    alternatives = [f"[{''.join(map(re.escape, sorted(chars)))}]"] if chars else []
    return re.compile("|".join(alternatives + ([_ESCAPE] if escapes else [])))


def _characters(text: str) -> tuple[str, _Map | None] | None:
    escapes = "%" in text
    if text.isascii() and not escapes:
        return None
    chars = frozenset(ch for ch in set(text).difference(_ASCII) if _char(ch) != ch)
    if not chars and not escapes:
        return None
    if not escapes and all(len(_char(ch)) == 1 for ch in chars):
        # The common case (accents off, a fullwidth digit): one character for another,
        # each where it was, so no map is needed, nor a pattern (each text of a crawl has
        # its own set of such characters: a pattern of them, compiled, is seldom reused).
        return text.translate({ord(ch): _char(ch) for ch in chars}), None
    if len(chars) > _MAX_CLASS or any(ord(ch) > 0xFFFF for ch in chars):
        pattern = _NON_ASCII_OR_ESCAPE
    else:
        pattern = _changing(chars, escapes)
    builder = _Builder(text)
    changed = False
    for match in pattern.finditer(text):
        raw = match.group()
        if raw[0] == "%":
            decoded = chr(int(raw[1:], 16))
            if not (decoded.isprintable() and decoded.isascii()):
                continue
            new = decoded
        else:
            new = _char(raw)
        if new != raw:
            builder.replace(match.start(), match.end(), new)
            changed = True
    return builder.result() if changed else None


# -- stage 2: tokens ----------------------------------------------------------------
# A group of digits with letters standing in for some of them.
_LOOKALIKE_GROUP = re.compile(r"(?<![\w])[0-9oOlI]*\d[0-9oOlI]*(?![\w])")
_LOOKALIKES = str.maketrans("oOlI", "0011")
_JOINING = "|".join(map(re.escape, JOINING_WORDS))
_TIME = re.compile(r"(?<![\d:])(?:[01]?\d|2[0-4]):[0-5]\d(?![\d:])")
# Between two digits: separators, symbols, an emoji, blanks or a joining word.
_BETWEEN_DIGITS = re.compile(
    r"(?<=\d)(?:"
    rf"\s+(?:{_JOINING})\s+"
    r"|\s*[,:;|*x×X•·~_=#>\\\u2022\u00b7\U0001f300-\U0001faff\u2600-\u27bf]+\s*"
    r"|\s{2,}"
    r")(?=\d)",
    re.IGNORECASE,
)
_SPACED_CHARS = re.compile(r"(?<!\S)(?:[\w@.+\-]\s){3,}[\w@.+\-](?!\S)")


def _digits(text: str) -> tuple[str, _Map] | None:
    """Number words and look-alike letters read as digits."""
    replacements: list[tuple[int, int, str]] = []
    has_digit = _DIGIT.search(text) is not None
    present = _WORD_SET.intersection(_LETTERS.findall(text.lower()))
    if present and (has_digit or len(present) > 1):
        run_pattern, word_pattern = _number_patterns(frozenset(present))
        for run in run_pattern.finditer(text):
            if _DIGIT.search(run.group()) is None and run.group().count(" ") < 2:
                continue  # "een twee" alone: two words, not a number
            for word in word_pattern.finditer(text, run.start(), run.end()):
                replacements.append((word.start(), word.end(), _WORD_DIGIT[word.group().lower()]))
    if has_digit:
        for group in _LOOKALIKE_GROUP.finditer(text):
            raw = group.group()
            if len(raw) >= 2 and not raw.isdigit():
                replacements.append((group.start(), group.end(), raw.translate(_LOOKALIKES)))
    return _apply(text, replacements)


_DIGIT = re.compile(r"\d")
_LETTERS = re.compile(r"[^\W\d_]+")
_WORD_SET = frozenset(_WORD_DIGIT)


@functools.lru_cache(maxsize=512)
def _number_patterns(words: frozenset[str]) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The run and word patterns for the number words a text holds (a short alternation
    is much faster than one of every word of eight languages)."""
    alternation = "|".join(sorted(map(re.escape, words), key=len, reverse=True))
    token = rf"(?:\d+|(?<!\w)(?:{alternation})(?!\w))"
    run = re.compile(rf"{token}(?:[\s,.\-/:;|*]{{1,4}}{token})+", re.IGNORECASE)
    word = re.compile(rf"(?<!\w)(?:{alternation})(?!\w)", re.IGNORECASE)
    return run, word


def _gaps(text: str) -> tuple[str, _Map] | None:
    """Separators between digit groups become a space; spaced-out characters join."""
    replacements: list[tuple[int, int, str]] = []
    if _DIGIT.search(text) is not None:
        times = [(m.start(), m.end()) for m in _TIME.finditer(text)] if ":" in text else []
        for gap in _BETWEEN_DIGITS.finditer(text):
            if ":" in gap.group() and any(s < gap.start() < e for s, e in times):
                continue
            replacements.append((gap.start(), gap.end(), " "))
    if " " in text:
        for spaced in _SPACED_CHARS.finditer(text):
            raw = spaced.group()
            replacements.append((spaced.start(), spaced.end(), raw.replace(" ", "")))
    return _apply(text, replacements)


def _apply(text: str, replacements: list[tuple[int, int, str]]) -> tuple[str, _Map] | None:
    if not replacements:
        return None
    builder = _Builder(text)
    for start, end, new in _non_overlapping(replacements):
        builder.replace(start, end, new)
    return builder.result()


def _non_overlapping(replacements: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    # Earliest first, the longest at a position; later overlapping ones are dropped.
    chosen: list[tuple[int, int, str]] = []
    reach = 0
    for start, end, new in sorted(replacements, key=lambda r: (r[0], -(r[1] - r[0]))):
        if start >= reach:
            chosen.append((start, end, new))
            reach = end
    return chosen


def skeleton(text: str) -> Skeleton:
    """The contact skeleton of ``text`` (see the module docstring)."""
    maps: list[_Map] = []
    current = text
    for stage in (_characters, _digits, _gaps):
        result = stage(current)
        if result is not None:
            current, mapping = result
            if mapping is not None:  # None: the same positions
                maps.append(mapping)
    return Skeleton(text, current, tuple(maps))
