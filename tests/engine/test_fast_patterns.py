"""The patterns written for speed find exactly what their plain forms find.

Some regular expressions start with a character and look back from it instead of
starting with the look-behind (the engine then skips to that character at C speed), and
some are searched only where a cheaper gate finds what they need. Each is compared here
with its plain form, or its gate with it, on every labelled ad text and on strings built
from the characters these patterns read; so are body measurements as a whole and the
skeleton's first stage, which visits only the characters it changes.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from pipelines.engine import contacts, context, extract, normalize, skeleton

DATA = Path(__file__).parent / "data"

# The plain forms: the look-behind first, as one would write them.
PLAIN = {
    "vitals": (
        context._VITALS,
        r"(?<![\d-])(?:[7-9]\d|1[0-2]\d)[-/](?:[4-7]\d)[-/](?:[7-9]\d|1[0-2]\d)(?![\d-])",
    ),
    "height": (context._HEIGHT, r"(?<![\d.,])(?:1[.,][4-9]\d ?m|1[4-9]\d ?(?:cm|см))(?![^\W_])"),
    "weight": (context._WEIGHT, r"(?<![\d.,])(?:[4-9]\d ?(?:kg|кг))(?![^\W_])"),
    "bang": (normalize._BANG_I, r"(?<![^\W\d_]{3})(?<=[^\W\d_])!(?=[^\W\d_])"),
    "age_with_unit": (
        extract._AGE_PATTERNS[0],
        rf"(?<![\w.,/+]){extract._AGE_NUMBER}(?: ?- ?| ?)(?P<unit>{extract._AGE_UNIT})(?![\w/])",
    ),
    "name_comma_age": (
        extract._AGE_PATTERNS[2],
        rf"(?<=[^\W\d_]{{2}}), {extract._AGE_NUMBER}"
        r"(?=,|\.(?!\d)| ?-(?![^\W_])| ?\)| ?$| (?:and|en|und|si|es|i|y|и|&) )",
    ),
}

# What these patterns read: digits, letters (Latin and Cyrillic), units and separators.
PIECES = [
    *"0123456789", *"0123456789", "1", "9", "a", "b", "e", "x", "я", "ab", "anna", " ", " ",
    "-", "/", ",", ".", "!", ")", "(", ":", "cm", "см", "m", "kg", "кг", "jaar", "ani",
    "years", "de ", "en ", "и ", "am ", "на ", "geworden", "vagyok", "съм", "cup", "bh",
    "90-60-90", "85/60/", "120-", "-90", "60-", "1-", "1.6", "19", "175", "1,7", "65",
    "bh c", "copa d", "korbchen b", "чашка", "sutien ", "+", "_", "€", "eur", "zl",
]  # fmt: skip


def labelled_texts() -> list[str]:
    texts = []
    for path in sorted(DATA.glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                ad = json.loads(line)
                texts += [ad.get("title") or "", ad.get("text") or ""]
    return [normalize.normalize(text).text for text in texts]


def built_strings(count: int = 20_000, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choices(PIECES, k=rng.randint(1, 24))) for _ in range(count)]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return labelled_texts() + built_strings()


def spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [match.span() for match in pattern.finditer(text)]


@pytest.mark.parametrize("name", sorted(PLAIN))
def test_fast_pattern_matches_as_its_plain_form(name: str, texts: list[str]) -> None:
    fast, plain = PLAIN[name]
    plain_pattern = re.compile(plain)
    found = 0
    for text in texts:
        assert spans(fast, text) == spans(plain_pattern, text), text
        found += bool(plain_pattern.search(text))
    assert found > 20, "the corpus hardly exercises the pattern"


@pytest.mark.parametrize("index", sorted(extract._AGE_PATTERN_GATES))
def test_every_age_pattern_match_passes_its_gate(index: int, texts: list[str]) -> None:
    pattern, gate = extract._AGE_PATTERNS[index], extract._AGE_PATTERN_GATES[index]
    for text in texts:
        if pattern.search(text) is not None:
            assert extract._TWO_DIGITS.search(text) is not None, text
            assert gate.search(text) is not None, text


def test_an_ungated_age_pattern_needs_two_digits(texts: list[str]) -> None:
    for index, pattern in enumerate(extract._AGE_PATTERNS):
        for text in texts:
            if pattern.search(text) is not None:
                assert extract._TWO_DIGITS.search(text) is not None, (index, text)


def test_a_price_needs_a_digit(texts: list[str]) -> None:
    for text in texts:
        for pattern, _, _ in extract._PRICE_PATTERNS:
            if pattern.search(text) is not None:
                assert extract._DIGIT.search(text) is not None, text


def test_the_tens_are_found_in_one_pass_as_word_by_word() -> None:
    rng = random.Random(7)
    stems = list(contacts._TENS_STEMS)
    pieces = [*stems, "a", "b", "x", "é", "ß", "ǅ", "1", "٣", "_", "-", " ", "\n", "often"]
    texts = [
        *labelled_texts(),
        *("".join(rng.choices(pieces, k=rng.randint(0, 10))) for _ in range(50_000)),
    ]
    found = 0
    for text in texts:
        words = contacts._LETTERS.findall(text)
        plain = any(
            w.startswith(contacts._TENS_STEMS) or w.endswith(contacts._TENS_STEMS) for w in words
        )
        assert contacts._holds_tens(text) is plain, text
        found += plain
    assert 1_000 < found < len(texts) - 1_000


def test_cup_sizes_are_searched_where_their_words_are(texts: list[str]) -> None:
    for text in texts:
        if context._CUP.search(text) is not None:
            assert any(word in text for word in context._CUP_WORDS), text


def plain_find_measurements(norm: normalize.Normalized) -> tuple[int, int] | None:
    """``find_measurements`` with the plain patterns and no gate but its own."""
    text = norm.text
    if re.search(r"\d", text) is None and "cup" not in text:
        return None
    match = re.search(PLAIN["vitals"][1], text)
    if match is not None:
        return norm.span(*match.span())
    match = context._CUP.search(text)
    if match is not None:
        return norm.span(*match.span())
    height = re.search(PLAIN["height"][1], text)
    if height is not None and re.search(PLAIN["weight"][1], text) is not None:
        return norm.span(*height.span())
    return None


def test_measurements_are_found_as_with_the_plain_patterns() -> None:
    built = [normalize.normalize(text) for text in built_strings(seed=12)]
    found = 0
    for norm in [normalize.normalize(text) for text in labelled_texts()] + built:
        assert context.find_measurements(norm) == plain_find_measurements(norm), norm.text
        found += context.find_measurements(norm) is not None
    assert found > 100


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("bh c", False),  # no digit, no "cup": no body measurements
        ("copa d a solas", False),
        ("cup d", True),
        ("bh c, 25 jaar", True),
    ],
)
def test_a_cup_word_counts_with_a_digit_or_the_word_cup(text: str, found: bool) -> None:
    assert (context.find_measurements(normalize.normalize(text)) is not None) is found


# Characters the skeleton changes or keeps: accents, Cyrillic, mathematical and
# full-width letters and digits, circled digits, zero-width and format characters,
# percent-escapes.
SKELETON_PIECES = [
    *"abc0123 .-%", "é", "ë", "ă", "ș", "й", "ё", "я", "ж", "𝐧", "𝐞", "𝟎", "𝟔", "０", "６", "①",
    "❶", "🔟", "\u200b", "\u00ad", "\u2060", "\ufe0f", "\u20e3", "\u00a0", "%41", "%40",
    "%0a", "%e9", "ﬁ", "²", "😘",
]  # fmt: skip


def plain_characters(text: str) -> tuple[str, skeleton._Map] | None:
    """``skeleton._characters`` visiting every character that is not ASCII."""
    if text.isascii() and "%" not in text:
        return None
    builder = skeleton._Builder(text)
    changed = False
    for match in skeleton._NON_ASCII_OR_ESCAPE.finditer(text):
        raw = match.group()
        if raw[0] == "%":
            new = chr(int(raw[1:], 16))
            if not (new.isprintable() and new.isascii()):
                continue
        else:
            new = skeleton._char(raw)
        if new != raw:
            builder.replace(match.start(), match.end(), new)
            changed = True
    return builder.result() if changed else None


def test_the_skeleton_changes_the_characters_the_plain_scan_changes() -> None:
    rng = random.Random(13)
    texts = ["".join(rng.choices(SKELETON_PIECES, k=rng.randint(1, 30))) for _ in range(20_000)]
    texts.append("".join(chr(0x1D400 + i) for i in range(80)) + " 06 12")  # beyond the BMP
    accented = "".join(chr(c) for c in range(0x00C0, 0x0250))  # more than a class holds
    assert sum(skeleton._char(ch) != ch for ch in accented) > skeleton._MAX_CLASS
    texts.append(accented + " 06 12")
    changed = same_places = 0
    for text in texts:
        fast, plain = skeleton._characters(text), plain_characters(text)
        assert (fast is None) == (plain is None), text
        if fast is not None and plain is not None:
            assert fast[0] == plain[0], text
            if fast[1] is None:
                # One character for another: every position maps onto itself.
                positions = range(len(text) + 1)
                assert len(fast[0]) == len(text), text
                assert [(plain[1].start(i), plain[1].end(i)) for i in positions] == [
                    (i, i) for i in positions
                ], text
                same_places += 1
            else:
                assert fast[1] == plain[1], text
            changed += 1
    assert changed > 10_000
    assert 1_000 < same_places < changed
