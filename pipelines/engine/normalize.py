"""Text normalisation for indicator matching, with a map back to the original text.

Ads are written to slip past keyword filters: ``n e w  i n  t o w n``, ``n.e.w``,
``z0nder``, ``neeeew``, ``𝐧𝐞𝐰``, emoji between words, HTML entities. :func:`normalize`
folds all of these into one plain form that the lexicons are written against:

1. HTML entities are decoded (``&amp;`` -> ``&``).
2. Each character is folded: compatibility forms that are only *styling* (mathematical
   bold/italic letters, full-width, circled and squared letters, ligatures) become plain
   letters (NFKC applied per character, only for those decomposition types), then case
   folding, then diacritics are removed (``Roemeenië`` -> ``roemenie``, ``Łódź`` ->
   ``lodz``), typographic quotes and dashes become ASCII, and emoji, pictographs, flags,
   variation selectors and other decorative symbols become spaces.
3. Look-alikes inside words become letters: digits and symbols between letters
   (``z0nder`` -> ``zonder``, ``b@reback``), and one at the start or end of a word of
   letters (``0nly``, ``$ex``, ``n0``) unless the word is a number with a unit or an
   ordinal (``1h``, ``5min``, ``5th``, ``19yo``); numbers, prices and phone numbers stay
   as they are. A word that mixes Latin and Cyrillic (or Greek) letters is written in
   the script of most of its letters (``nеw`` with a Cyrillic ``е``, ``сеks``).
4. Letters written one by one (``n e w  i n  t o w n``, ``n.e.w``) are joined; a wider
   gap (or any gap when the letters are separated by dots/dashes) separates words.
5. Runs of three or more identical letters collapse to one (``neeeew`` -> ``new``);
   repeated punctuation collapses to one (``24/7!!!`` -> ``24/7!``); the digits of
   "24" written apart before "/7" or an hour word are joined (``2 4 / 7`` -> ``24/7``).
6. Whitespace runs fold to a single space.

Diacritics are removed rather than only composed (NFC) because real ads drop them as
often as they use them (``romanca`` / ``româncă``); lexicon patterns are normalised with
the same function, so both sides meet in the same form.

Every character of the result knows the offset in the ORIGINAL string it came from, so
evidence offsets always point into the text as published (:meth:`Normalized.span`).
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Sequence

__all__ = ["WORD", "WORD_ASCII", "Normalized", "fold_char", "normalize"]

#: A word of normalised text: letters and digits, with an inner apostrophe ("don't").
#: The negation scope and the learned backstop read the same words.
WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
#: :data:`WORD` for a text of ASCII characters only (``str.isascii``): the same words,
#: read without looking each character up in the Unicode tables.
WORD_ASCII = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z0-9]+)?")

#: Decomposition types whose NFKC form is the same letter without styling.
_SAFE_COMPAT = ("<font>", "<wide>", "<narrow>", "<circle>", "<square>", "<compat>")

#: Folds applied after case folding and diacritic removal.
_SPECIAL = {
    "ł": "l",
    "ø": "o",
    "đ": "d",
    "ħ": "h",
    "ı": "i",
    "œ": "oe",
    "æ": "ae",
    "þ": "th",
    "×": "x",
    "’": "'",
    "‘": "'",
    "‛": "'",
    "´": "'",
    "`": "'",
    "′": "'",
    "“": '"',
    "”": '"',
    "„": '"',
    "‟": '"',
    "«": '"',
    "»": '"',
    "‐": "-",
    "‑": "-",
    "‒": "-",
    "–": "-",
    "—": "-",
    "―": "-",
    "−": "-",
}

_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_LEET_MAP = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
_LEET_CYRILLIC = {"0": "о", "3": "е", "@": "а", "$": "с"}
# An exclamation mark for an "i" after one or two letters ("N!e", "g!rl", not "New!hot").
_BANG_I = re.compile(r"!(?<=[^\W\d_]!)(?<![^\W\d_]{3}!)(?=[^\W\d_])")
# A word made of letters and look-alikes (at least one of each).
_LEET_WORD = re.compile(r"(?<![\w@$])[\w@$]*(?:[^\W\d_][013457@$]|[013457@$][^\W\d_])[\w@$]*")
# The same test, cheaper: a look-alike next to a letter. Every branch starts with the
# look-alike, so the search skips ahead to one (a branch starting with a letter would
# be tried at nearly every position).
_LEET_HINT = re.compile(r"[013457@$](?:(?=[^\W\d_])|(?<=[^\W\d_][013457@$]))")
_LEADING = frozenset("0@$")
# Letters after a number that make it a quantity, a time, an age or an ordinal.
_UNITS = frozenset(
    {
        "h", "hr", "hrs", "min", "mins", "m", "km", "cm", "mm", "kg", "g", "gb", "mb", "kb",
        "tb", "x", "yo", "y", "j", "jr", "jaar", "ani", "an", "lat", "let", "ev", "eves",
        "st", "nd", "rd", "th", "e", "eur", "euro", "euros", "ron", "lei", "lv", "leva",
        "zl", "pln", "ft", "huf", "p", "pm", "am", "std", "uur", "ora", "ore", "k", "s",
        "d", "w", "v", "mp", "mpx", "l", "ml",
    }
)  # fmt: skip
_LATIN_TO_CYRILLIC = dict(zip("aeopcyxkmthbi", "аеорсухкмтнви", strict=True))
_CYRILLIC_TO_LATIN = {v: k for k, v in _LATIN_TO_CYRILLIC.items()} | {"і": "i", "ј": "j"}
_GREEK_TO_LATIN = dict(zip("αεοικντρχυ", "aeoikvtpxu", strict=True))
_LATIN = re.compile(r"[a-z]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
# A Greek or Cyrillic letter next to a Latin one (starting with the rarer script, as above).
_MIXED_HINT = re.compile(r"[\u0370-\u04ff](?:(?=[a-z])|(?<=[a-z][\u0370-\u04ff]))")
_MIXED_WORD = re.compile(r"[^\W\d_]*(?:[a-z][\u0370-\u04ff]|[\u0370-\u04ff][a-z])[^\W\d_]*")
_SPACED = re.compile(r"(?<!\w)[^\W\d_](?:(?: {1,3}|[.\-_*·•] ?)[^\W\d_]){2,}(?!\w)")
# The last two letters of a spaced run: a separator, a letter, a separator and a final
# letter that ends the word. Single letters between spaces ("a", "i", "w") are common,
# two in a row that end a word are not; _SPACED itself is slow to fail on every text.
_SPACED_HINT = re.compile(r"[ .\-*·•_][^\W\d_](?: {1,3}|[.\-_*·•] ?)[^\W\d_](?!\w)")
_SPACED_SEP = re.compile(r" +|[.\-_*·•] ?")
_REPEAT_LETTER = re.compile(r"([^\W\d_])\1{2,}")
# The digits of "24" written apart before "/7", "x7" or an hour word ("2 4 / 7",
# "2 4 h", "las 2 4 horas"); other spaced digits are phone numbers and prices.
_SPLIT_24 = re.compile(
    r"(?<![\w/])(?<!\d )2 4(?: ?([/x]) ?7(?![\w/])|(?= ?(?:h|hs|hrs|hours|horas|uur|u|std|stunden"
    r"|ore|ora|orak|godz|godzin|godziny|часа|ч)(?![^\W\d_])))"
)
# Letters after folding are nearly all ASCII or Cyrillic: a cheap test before the
# Unicode-wide one.
_REPEAT_HINT = re.compile(r"([a-z\u00df-\u024f\u0370-\u04ff])\1\1")
# Repeated punctuation ("!!"): with a double space, the cheap test for the rewrite below.
_PUNCT_HINT = re.compile(r"([!?.,;:*~#+=_/\\-])\1")
# A run of one repeated punctuation character ("!!!") or of spaces, kept as one. After
# folding, " " is the only whitespace left, so this is ``([^\w\s])\1+|\s{2,}`` with a
# single character class first (the regex engine scans for it quickly).
_PUNCT_AND_SPACES = re.compile(r"(\W)\1+")


#: In a text of ASCII characters only (``str.isascii``), these regular expressions read
#: ``\w``, ``\W`` and ``\d`` as ASCII classes: the same matches there, without looking
#: each character up in the Unicode tables. ``False`` reads every text as Unicode (the
#: tests compare the two).
ASCII_SHORTCUTS = True
_LEET_HINT_ASCII = re.compile(_LEET_HINT.pattern, re.ASCII)
_SPACED_HINT_ASCII = re.compile(_SPACED_HINT.pattern, re.ASCII)
_PUNCT_AND_SPACES_ASCII = re.compile(_PUNCT_AND_SPACES.pattern, re.ASCII)
#: ASCII characters that do not fold to themselves in lower case (controls and "^" are
#: spaces, "`" an apostrophe): a printable ASCII text without these folds by ``lower``.
_ASCII_NOT_LOWER = ("^", "`")


def fold_char(ch: str) -> str:
    """Fold one character (step 2 of the module docstring); may return 0-3 characters."""
    code = ord(ch)
    if 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF:
        return " "  # variation selectors: part of an emoji
    if 0x1F170 <= code <= 0x1F189:
        return chr(ord("a") + code - 0x1F170)  # negative squared letters (no decomposition)
    if ch in _SPECIAL:
        return _SPECIAL[ch]
    if unicodedata.decomposition(ch).startswith(_SAFE_COMPAT):
        plain = unicodedata.normalize("NFKC", ch)
        if plain != ch:
            return "".join(fold_char(c) for c in plain)
    category = unicodedata.category(ch)
    if category[0] == "M":
        return ""  # a combining mark: a diacritic we drop
    if category in ("So", "Sk", "Cf", "Co", "Cs", "Cn", "Cc", "Zs", "Zl", "Zp"):
        return " "  # decorative symbols, emoji parts, controls, and every kind of space
    out = []
    for c in unicodedata.normalize("NFD", ch.casefold()):
        if unicodedata.category(c)[0] == "M":
            continue
        out.append(_SPECIAL.get(c, c))
    return "".join(out)


# Code point -> folded string for the scripts and symbols ads use (translate() needs
# the keys up front); anything else is folded lazily.
_PRECOMPUTED = (
    (0x0000, 0x3000),  # Latin, Greek, Cyrillic, punctuation, arrows, dingbats ...
    (0xFB00, 0x10000),  # ligatures, variation selectors, full-width forms
    (0x1D400, 0x1D800),  # mathematical alphanumerics ("𝐧𝐞𝐰")
    (0x1F000, 0x1FB00),  # enclosed letters, emoji, flags
)
_FOLD: dict[int, str] = {
    code: fold_char(chr(code)) for low, high in _PRECOMPUTED for code in range(low, high)
}
# Characters known to fold to exactly one character: a text made of these only takes
# the fast path (one translate(), offsets unchanged).
_ONE_TO_ONE: set[str] = {chr(code) for code, folded in _FOLD.items() if len(folded) == 1}


def _not_among(chars: set[str]) -> re.Pattern[str]:
    """A regex that finds a character not in ``chars``: one class of their ranges, read
    faster than a set looks each character of a text up."""
    ranges: list[list[int]] = []
    for code in sorted(map(ord, chars)):
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    spans = (
        re.escape(chr(low)) + ("" if low == high else "-" + re.escape(chr(high)))
        for low, high in ranges
    )
    return re.compile("[^" + "".join(spans) + "]")


#: Finds a character not known at import to fold to one character (then ``_ONE_TO_ONE``,
#: which grows, decides).
_NOT_ONE_TO_ONE = _not_among(_ONE_TO_ONE)


class Normalized:
    """A normalised text and the original offset of each of its characters.

    ``offsets`` has ``len(text) + 1`` entries; the last is ``len(original)``. The
    rewrites that change the length (spaced letters, repeats, runs of punctuation) write
    the text at once and their offsets on the first read of ``offsets``: matching reads
    only the text, and most fields never become evidence.
    """

    __slots__ = ("_state", "original", "text")

    def __init__(
        self,
        original: str,
        text: str,
        offsets: Sequence[int],
        rewrites: Sequence[_Rewrite] = (),
    ) -> None:
        self.original = original
        self.text = text
        #: The offsets so far and the rewrites still to apply to them (the text each was
        #: applied to, its pattern and its replacement): one attribute, read and written
        #: at once, so that two threads reading ``offsets`` never mix two states.
        self._state: tuple[Sequence[int], Sequence[_Rewrite]] = (offsets, rewrites)

    @property
    def offsets(self) -> Sequence[int]:
        offsets, rewrites = self._state
        if rewrites:
            for before, pattern, replace in rewrites:
                offsets = _rewrite(before, offsets, pattern, replace)[1]
            self._state = (offsets, ())
        return offsets

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original ``(start, end)`` of the normalised slice ``text[start:end]``."""
        offsets = self.offsets
        if end <= start:
            pos = offsets[start]
            return pos, pos
        return offsets[start], offsets[end]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Normalized):
            return NotImplemented
        return (self.original, self.text, list(self.offsets)) == (
            other.original,
            other.text,
            list(other.offsets),
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Normalized(original={self.original!r}, text={self.text!r})"


def normalize(text: str) -> Normalized:
    """Normalise ``text`` for matching (see the module docstring)."""
    original = text
    # A range until a step changes the length: most ads need no offset list at all.
    offsets: Sequence[int] = range(len(text) + 1)
    if "&" in text:
        text, offsets = _rewrite(text, offsets, _ENTITY, _decode_entity)
    text, offsets = _fold(text, offsets)
    # The rewrites below that change the length: their offsets follow on the first need.
    later: list[_Rewrite] = []
    # Folding keeps an ASCII text ASCII, and so do the steps below in one.
    ascii = ASCII_SHORTCUTS and text.isascii()
    # Each step first runs a cheap test that rules out most texts: this runs per ad.
    if (_LEET_HINT_ASCII if ascii else _LEET_HINT).search(text):
        text = _unleet(text)
    if "!" in text:
        # Same length in, same length out.
        text = _BANG_I.sub("i", text)
    if not ascii and _MIXED_HINT.search(text):  # Greek or Cyrillic letters only
        text = _unmix(text)
    if (_SPACED_HINT_ASCII if ascii else _SPACED_HINT).search(text):
        text = _rewrite_later(text, later, _SPACED, _join_spaced)
    if _REPEAT_HINT.search(text):
        text = _rewrite_later(text, later, _REPEAT_LETTER, _first_only)
    if "2 4" in text:
        text = _rewrite_later(text, later, _SPLIT_24, _join_24)
    # After folding, the only whitespace left is " ".
    if "  " in text or _PUNCT_HINT.search(text):
        runs = _PUNCT_AND_SPACES_ASCII if ascii and text.isascii() else _PUNCT_AND_SPACES
        text = _rewrite_later(text, later, runs, _punct_or_space)
    return Normalized(original, text, offsets, later)


def _rewrite_later(
    text: str,
    later: list[_Rewrite],
    pattern: re.Pattern[str],
    replace: Callable[[re.Match[str]], _Replacement],
) -> str:
    """The text of :func:`_rewrite` at once (``pattern.sub``); its offsets are left to
    :attr:`Normalized.offsets`."""
    later.append((text, pattern, replace))
    return pattern.sub(lambda match: replace(match)[0], text)


def _unleet(text: str) -> str:
    # Same length in, same length out: the offsets do not move.
    chars = None
    for match in _LEET_WORD.finditer(text):
        word = match.group()
        if word.isdigit():
            continue
        mapped = _unleet_word(word)
        if mapped is not None:
            if chars is None:
                chars = list(text)
            chars[match.start() : match.end()] = mapped
    return text if chars is None else "".join(chars)


def _unleet_word(word: str) -> str | None:
    """``word`` with its look-alikes as letters, or ``None`` when it is no evasion."""
    letters = [c for c in word if c.isalpha()]
    if not letters:
        return None
    # A number with a unit or an ordinal ("24h", "5min", "5th", "19yo", "100eur").
    lead = len(word) - len(word.lstrip("0123456789"))
    if lead and word[lead:].isalpha() and (lead > 1 or word[lead:] in _UNITS):
        return None
    if any(c.isdigit() and c not in _LEET_MAP for c in word):
        return None  # "2nd", "24/7", "b2b": real digits
    out = []
    last = len(word) - 1
    # In a word of Cyrillic letters the look-alikes are Cyrillic ("н3 с@м н0ва").
    table = (
        _LEET_CYRILLIC
        if _CYRILLIC.search(word) is not None and _LATIN.search(word) is None
        else _LEET_MAP
    )
    for i, char in enumerate(word):
        # Inside a word, or ending it ("n0"); starting one only when no number starts
        # that way ("0nly", "$ex", not "1hora", "3dias").
        if char in _LEET_MAP and (i > 0 or char in _LEADING) and (i > 0 or i < last):
            out.append(table.get(char, _LEET_MAP[char]))
        else:
            out.append(char)
    mapped = "".join(out)
    return mapped if mapped.isalpha() else None


def _unmix(text: str) -> str:
    """Words mixing Latin and Cyrillic/Greek letters, in the script of most letters."""
    chars = None
    for match in _MIXED_WORD.finditer(text):
        word = match.group()
        latin = len(_LATIN.findall(word))
        cyrillic = len(_CYRILLIC.findall(word))
        to_latin = _CYRILLIC_TO_LATIN | _GREEK_TO_LATIN
        table = to_latin if latin >= cyrillic else _LATIN_TO_CYRILLIC
        mapped = "".join(table.get(c, c) for c in word)
        if table is _LATIN_TO_CYRILLIC and _LATIN.search(mapped) is not None:
            # Latin letters with no Cyrillic look-alike ("Rоеmееnsе": r, n, s): the word
            # is Latin, whatever most of its letters are.
            latin_word = "".join(to_latin.get(c, c) for c in word)
            if _CYRILLIC.search(latin_word) is None:
                mapped = latin_word
        if mapped != word:
            if chars is None:
                chars = list(text)
            chars[match.start() : match.end()] = mapped
    return text if chars is None else "".join(chars)


def _fold(text: str, offsets: Sequence[int]) -> tuple[str, Sequence[int]]:
    if ASCII_SHORTCUTS and text.isascii():
        # Every ASCII character folds to one character.
        if text.isprintable() and not any(c in text for c in _ASCII_NOT_LOWER):
            return text.lower(), offsets
        return text.translate(_FOLD), offsets
    if _NOT_ONE_TO_ONE.search(text) is None or _ONE_TO_ONE.issuperset(text):
        return text.translate(_FOLD), offsets
    for ch in set(text).difference(_ONE_TO_ONE):
        folded = _FOLD.get(ord(ch))
        if folded is None:
            folded = _FOLD[ord(ch)] = fold_char(ch)
        if len(folded) == 1:
            _ONE_TO_ONE.add(ch)
    if _ONE_TO_ONE.issuperset(text):
        return text.translate(_FOLD), offsets
    pieces: list[str] = []
    new_offsets: list[int] = []
    for i, ch in enumerate(text):
        folded = _FOLD[ord(ch)]
        pieces.append(folded)
        new_offsets.extend([offsets[i]] * len(folded))
    new_offsets.append(offsets[-1])
    return "".join(pieces), new_offsets


_Replacement = tuple[str, list[int]]
#: A rewrite whose offsets are still to follow: the text, the pattern, the replacement.
_Rewrite = tuple[str, "re.Pattern[str]", Callable[[re.Match[str]], _Replacement]]


def _rewrite(
    text: str,
    offsets: Sequence[int],
    pattern: re.Pattern[str],
    replace: Callable[[re.Match[str]], _Replacement],
) -> tuple[str, Sequence[int]]:
    """Replace every match; ``replace`` gives the new string and, per new character,
    the index in ``text`` whose original offset it inherits."""
    pieces: list[str] = []
    new_offsets: list[int] = []
    last = 0
    for match in pattern.finditer(text):
        start, end = match.span()
        pieces.append(text[last:start])
        new_offsets.extend(offsets[last:start])
        new, sources = replace(match)
        pieces.append(new)
        if len(sources) == 1:
            new_offsets.append(offsets[sources[0]])
        else:
            new_offsets.extend([offsets[i] for i in sources])
        last = end
    if not pieces:
        return text, offsets
    pieces.append(text[last:])
    new_offsets.extend(offsets[last:])
    return "".join(pieces), new_offsets


def _decode_entity(match: re.Match[str]) -> _Replacement:
    decoded = html.unescape(match.group())
    return decoded, [match.start()] * len(decoded)


def _join_spaced(match: re.Match[str]) -> _Replacement:
    run = match.group()
    base = match.start()
    out: list[str] = []
    sources: list[int] = []
    # A wider gap always separates words; each part between such gaps is read on its
    # own ("Z o n d e r  c.o.n.d.o.o.m": spaced letters, then dotted ones).
    start = 0
    for wide in [*_WIDE_GAP.finditer(run), None]:
        end = wide.start() if wide is not None else len(run)
        _join_part(run, base, start, end, out, sources)
        if wide is not None:
            out.append(" ")
            sources.append(base + wide.start())
            start = wide.end()
    return "".join(out), sources


_WIDE_GAP = re.compile(r" {2,}")


def _join_part(
    run: str, base: int, start: int, end: int, out: list[str], sources: list[int]
) -> None:
    """Join the letters of ``run[start:end]`` (no wide gap in it) into ``out``."""
    part = run[start:end]
    # With dots or dashes between the letters, any space is a word gap; with single
    # spaces alone, none is.
    dotted = any(c not in " " for c in part if not c.isalpha())
    pos = 0
    for sep in _SPACED_SEP.finditer(part) if dotted else re.finditer(r" +", part):
        out.append(part[pos : sep.start()])
        sources.extend(range(base + start + pos, base + start + sep.start()))
        if dotted and not sep.group().strip():
            out.append(" ")
            sources.append(base + start + sep.start())
        pos = sep.end()
    out.append(part[pos:])
    sources.extend(range(base + start + pos, base + end))


def _join_24(match: re.Match[str]) -> _Replacement:
    start = match.start()
    if match.group(1) is None:
        return "24", [start, start + 2]
    return f"24{match.group(1)}7", [start, start + 2, match.start(1), match.end() - 1]


def _first_only(match: re.Match[str]) -> _Replacement:
    return match.group(1), [match.start()]


def _punct_or_space(match: re.Match[str]) -> _Replacement:
    return match.group(1), [match.start()]
