"""Normalisation: evasions fold to plain text, offsets point into the original."""

from __future__ import annotations

import random
import re

import pytest

from pipelines.engine import normalize as module
from pipelines.engine.normalize import fold_char, normalize


def _original_of(original: str, normalized_word: str) -> str:
    norm = normalize(original)
    start = norm.text.index(normalized_word)
    begin, end = norm.span(start, start + len(normalized_word))
    return original[begin:end]


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        ("n e w  i n  t o w n", "new in town"),
        ("N.E.W i.n t.o.w.n", "new in town"),
        ("n.e.w", "new"),
        ("z0nder c0nd00m", "zonder condoom"),
        ("n3w in t0wn", "new in town"),
        ("neeeeew in town", "new in town"),
        ("24/7!!!", "24/7!"),
        ("𝐧𝐞𝐰 𝐢𝐧 𝐭𝐨𝐰𝐧", "new in town"),
        ("Ⓝⓔⓦ ＮＥＷ", "new new"),
        ("new 🔥🔥 in ✈️ town", "new in town"),
        ("dag &amp; nacht", "dag & nacht"),
        ("NIEUW   in\tUtrecht\n", "nieuw in utrecht "),
        ("Româncă nouă în oraș", "romanca noua in oras"),
        ("Łódź, Straße", "lodz, strasse"),
        ("cafe\u0301", "cafe"),
        ("don’t – “quoted”", 'don\'t - "quoted"'),
        ("НОВА в Хага", "нова в хага"),
    ],
)
def test_evasions_fold_to_plain_text(original: str, expected: str) -> None:
    assert normalize(original).text == expected


@pytest.mark.parametrize(
    ("original", "word", "expected_original"),
    [
        ("Hi! n e w  i n  t o w n today", "town", "t o w n"),
        ("Hi! n e w  i n  t o w n today", "new in town", "n e w  i n  t o w n"),
        ("so neeeeew here", "new", "neeeeew"),
        ("💋💋 z0nder c0nd00m", "zonder condoom", "z0nder c0nd00m"),
        ("𝐧𝐞𝐰 girl", "girl", "girl"),
        ("𝐧𝐞𝐰 girl", "new", "𝐧𝐞𝐰"),
        ("dag &amp; nacht open", "nacht", "nacht"),
        ("dag &amp; nacht open", "&", "&amp;"),
        ("Roemeense 😘 dame", "dame", "dame"),
        ("Straße 5", "strasse", "Straße"),
    ],
)
def test_spans_map_back_to_the_original_text(
    original: str, word: str, expected_original: str
) -> None:
    assert _original_of(original, word) == expected_original


def test_offsets_have_one_entry_per_character_plus_the_end() -> None:
    norm = normalize("Ik ben 𝐍𝐈𝐄𝐔𝐖 😘 in A'dam &amp; z0 n e w")
    assert len(norm.offsets) == len(norm.text) + 1
    assert norm.offsets[-1] == len(norm.original)
    assert list(norm.offsets) == sorted(norm.offsets)


@pytest.mark.parametrize(
    "text",
    ["Mo-Fr 10-18 Uhr", "06-1234 5678", "R'dam-Zuid", "150€/u", "t/m za 20/4"],
)
def test_ordinary_text_is_only_case_folded(text: str) -> None:
    assert normalize(text).text == text.casefold()


def test_single_letter_words_are_not_joined_unless_three_in_a_row() -> None:
    assert normalize("w dzień i w nocy").text == "w dzien i w nocy"


@pytest.mark.parametrize(("char", "folded"), [("🇷", " "), ("\ufe0f", " "), ("É", "e"), ("ß", "ss")])
def test_single_characters_fold(char: str, folded: str) -> None:
    assert fold_char(char) == folded


def test_no_character_folds_to_whitespace_other_than_a_space() -> None:
    # normalize() collapses space runs assuming " " is the only whitespace left.
    others = [
        hex(code)
        for code in range(0x110000)
        if any(c != " " and c.isspace() for c in fold_char(chr(code)))
    ]
    assert others == []


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        ("a\t\u00a0\u2003b", "a b"),
        ("wow!!! ok??  yes", "wow! ok? yes"),
        ("€€  50 ))", "€ 50 )"),
        ("call me n o w!!", "call me now!"),
        ("a b cd", "a b cd"),
    ],
)
def test_space_and_punctuation_runs_fold_to_one(original: str, expected: str) -> None:
    norm = normalize(original)
    assert norm.text == expected
    assert len(norm.offsets) == len(norm.text) + 1


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        ("with0ut c0nd0m", "without condom"),
        ("0nly this week", "only this week"),
        ("n0 limits", "no limits"),
        ("$ex and b@reback", "sex and bareback"),
        ("w1th0ut l1m1ts", "without limits"),
        ("nеw in town", "new in town"),  # a Cyrillic е in a Latin word
        ("Новa в града", "нова в града"),  # a Latin a in a Cyrillic word
        ("презерват1в", "презерватив"),
    ],
)
def test_look_alikes_and_homoglyphs_become_letters(original: str, expected: str) -> None:
    assert normalize(original).text == expected


@pytest.mark.parametrize(
    "original",
    [
        "24h 5min 5th 19yo 1h 1hora 3dias 100eur 2nd 24/7 b2b 0-24",
        "06-1234 5678 +31 6 1234 5678 150€/h 30min",
        "[phone:5e1ac0ff]",
    ],
)
def test_numbers_units_prices_and_phone_numbers_are_left_alone(original: str) -> None:
    assert normalize(original).text == original.lower()


def test_look_alikes_keep_the_offsets_into_the_original() -> None:
    assert _original_of("call me, n0 l1m1ts!", "no limits") == "n0 l1m1ts"
    assert _original_of("a nеw face", "new") == "nеw"


def test_the_cheap_pre_checks_fire_exactly_when_a_look_alike_or_mixed_script_touches_a_letter() -> (
    None
):
    plain_leet = re.compile(r"[013457@$][^\W\d_]|[^\W\d_][013457@$]")
    plain_mixed = re.compile(r"[a-z][\u0370-\u04ff]|[\u0370-\u04ff][a-z]")
    rng = random.Random(5)
    alphabet = "ab01345@$7 zя.xΩ-дé_9"
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))
        assert bool(module._LEET_HINT.search(text)) == bool(plain_leet.search(text)), text
        assert bool(module._MIXED_HINT.search(text)) == bool(plain_mixed.search(text)), text


def _ascii_texts() -> list[str]:
    rng = random.Random(11)
    alphabet = "aAbn eoi0134@$!.,-_*`^~  \n\t\x00\x7f'\"24/7hx"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(3000)]
    return [
        *texts,
        "N E W  in town!!! 2 4 / 7, z0nder c.o.n.d.o.o.m, neeeew",
        "`quoted` ^_^ \x01control\x1f",
        "Escort Leeds. No agency, driver or 'manager' -- 100% real",
    ]


def test_an_ascii_text_normalises_as_through_the_unicode_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    texts = _ascii_texts()
    fast = [normalize(t) for t in texts]
    monkeypatch.setattr(module, "ASCII_SHORTCUTS", False)
    slow = [normalize(t) for t in texts]
    for text, a, b in zip(texts, fast, slow, strict=True):
        assert (a.text, list(a.offsets)) == (b.text, list(b.offsets)), text


def test_the_class_of_one_to_one_characters_finds_exactly_the_others() -> None:
    # Checked character by character over the folded ranges and beyond: a text the class
    # finds nothing in folds one character to one, as the set says.
    static = frozenset(module._ONE_TO_ONE)
    for code in [*range(0x3000), *range(0xFB00, 0x10000), *range(0x1D400, 0x1D800)]:
        char = chr(code)
        assert (module._NOT_ONE_TO_ONE.search(char) is None) == (char in static), hex(code)
    assert module._NOT_ONE_TO_ONE.search("naïve ❤ Straße ﬁ") is not None  # "ß", "ﬁ": two


def test_a_rewrite_writes_at_once_the_text_its_offsets_follow() -> None:
    # A rewrite that changes the length writes its text by ``pattern.sub`` and leaves its
    # offsets to the first read, which applies ``_rewrite`` to each text in turn: each
    # text written is the one ``_rewrite`` writes, so the offsets are those of before.
    rng = random.Random(3)
    alphabet = "aab  n.e-w!!!,,2 4/7hooo OÖé  \u2013&amp;ся"
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(3000)]
    for text in [*texts, *_ascii_texts()]:
        norm = normalize(text)
        rewrites = list(norm._state[1])
        for step, (before, pattern, replace) in enumerate(rewrites):
            written, _ = module._rewrite(before, range(len(before) + 1), pattern, replace)
            after = rewrites[step + 1][0] if step + 1 < len(rewrites) else norm.text
            assert written == after, text
        offsets = list(norm.offsets)
        assert len(offsets) == len(norm.text) + 1 and offsets[-1] == len(text), text
        assert offsets == sorted(offsets), text


def test_offsets_read_lazily_stay_the_same() -> None:
    norm = normalize("N E W  in town!!! 2 4 / 7, neeeew")
    assert norm._state[1]  # the rewrites that change the length wait for the first read
    assert norm.span(0, 3) == (0, 5)
    first = list(norm.offsets)
    assert not norm._state[1]
    assert list(norm.offsets) == first
    assert norm == normalize("N E W  in town!!! 2 4 / 7, neeeew")
