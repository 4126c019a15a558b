"""The lexicon format: pattern syntax, sets, negation, loading errors."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from pipelines.engine.indicators import IndicatorEngine
from pipelines.engine.lexicon import (
    CATEGORIES,
    DEFAULT_LEXICON_DIR,
    LexiconError,
    load_lexicon,
)
from pipelines.engine.normalize import normalize

CONFIG = """\
version: "test-1"
threshold: 1.0
categories: {movement: 1.0, youth: 1.0, availability_24_7: 0.5, unsafe_services: 1.0,
             third_party: 1.0, language_barrier: 1.0, origin: 0.5, low_price: 0.5}
"""


def make_lexicon(tmp_path: Path, body: str, config: str = CONFIG) -> Path:
    (tmp_path / "config.yaml").write_text(config, encoding="utf-8")
    (tmp_path / "xx.yaml").write_text(textwrap.dedent(body), encoding="utf-8")
    return tmp_path


def rules_found(directory: Path, text: str) -> list[str]:
    engine = IndicatorEngine.from_dir(directory)
    return [i.rule for i in engine.analyse("", text, lang="xx").indicators]


@pytest.fixture
def syntax_lexicon(tmp_path: Path) -> Path:
    return make_lexicon(
        tmp_path,
        """\
        language: xx
        negation_cues: ["not", "niet"]
        post_negation_cues: ["no"]
        sets:
          city: [utrecht, "den haag"]
        categories:
          movement:
            rules:
              - id: alt
                patterns: ["(just|newly) (arrived|landed)", "(very |)new here"]
              - id: wild
                patterns: ["przyjecha* do", "*stadt"]
              - id: gap
                patterns: ["only ~2 week"]
              - id: set
                patterns: ["tour {city}"]
              - id: tour
                patterns: ["тур"]
          youth:
            rules:
              - id: young
                patterns: ["young"]
            benign: ["young ~3 team"]
          availability_24_7:
            rules:
              - id: always
                patterns: ["always open"]
            context: ["locksmith"]
        """,
    )


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("I just landed", "movement.xx.alt"),
        ("newly arrived!", "movement.xx.alt"),
        ("very new here", "movement.xx.alt"),
        ("new here", "movement.xx.alt"),
        ("Dopiero przyjechałam do Krakowa", "movement.xx.wild"),
        ("przyjechalysmy do", "movement.xx.wild"),
        ("Innenstadt", "movement.xx.wild"),
        ("only this week", "movement.xx.gap"),
        ("only for one week", "movement.xx.gap"),
        ("Tour Den Haag", "movement.xx.set"),
        ("ТУР в София", "movement.xx.tour"),
    ],
)
def test_pattern_syntax_matches(syntax_lexicon: Path, text: str, rule: str) -> None:
    assert rule in rules_found(syntax_lexicon, text)


@pytest.mark.parametrize(
    "text",
    [
        "just arrivedx",
        "przyjechał z Krakowa",
        "only for one more long week",
        "only. week",
        "Tour Amsterdam",
        "туристи",
        "not just arrived",
        "young and enthusiastic team",
        "Locksmith: always open",
    ],
)
def test_pattern_syntax_rejects(syntax_lexicon: Path, text: str) -> None:
    assert rules_found(syntax_lexicon, text) == []


def test_negation_stops_at_the_end_of_a_clause(syntax_lexicon: Path) -> None:
    assert rules_found(syntax_lexicon, "not here, just arrived") == ["movement.xx.alt"]
    assert rules_found(syntax_lexicon, "niet young") == []
    assert rules_found(syntax_lexicon, "young: no.") == []


def test_bundled_lexicon_covers_every_category_in_every_language() -> None:
    lexicon = load_lexicon(DEFAULT_LEXICON_DIR)
    found = {(r.category, r.lang) for r in lexicon.rules if r.kind == "rule"}
    for lang in ("nl", "en", "de", "ro", "bg", "hu", "pl", "es"):
        for category in CATEGORIES:
            assert (category, lang) in found, (category, lang)
    assert lexicon.version


def test_lexicon_is_compiled_once_per_folder() -> None:
    assert load_lexicon() is load_lexicon(DEFAULT_LEXICON_DIR)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("categories: {travel: {rules: []}}", "unknown category"),
        ("negation_cues: [no]", "put it in quotes"),
        ("categories: {movement: {rules: [{id: a}]}}", "needs 'id' and 'patterns'"),
        ("categories: {movement: {rules: [{id: a, patterns: ['(a|b']}]}}", "bad pattern"),
        ("categories: {movement: {rules: [{id: a, patterns: ['a)']}]}}", "bad pattern"),
        ("categories: {movement: {rules: [{id: a, patterns: ['{nope} x']}]}}", "unknown set"),
        ("categories: {movement: {rules: [{id: a, patterns: ['~ x']}]}}", "must start with text"),
        (
            "categories: {movement: {rules: [{id: a, patterns: [x]}, {id: a, patterns: [y]}]}}",
            "duplicate rule id",
        ),
        ("- just a list", "top level must be a mapping"),
        ("key: [unclosed", "not valid YAML"),
    ],
)
def test_broken_lexicon_files_are_reported(tmp_path: Path, body: str, message: str) -> None:
    make_lexicon(tmp_path, body)
    with pytest.raises(LexiconError, match=message):
        load_lexicon(tmp_path)


def test_config_without_version_is_reported(tmp_path: Path) -> None:
    make_lexicon(tmp_path, "language: xx", config=CONFIG.replace('version: "test-1"', ""))
    with pytest.raises(LexiconError, match="version"):
        load_lexicon(tmp_path)


def test_missing_folder_is_reported(tmp_path: Path) -> None:
    with pytest.raises(LexiconError, match=r"config\.yaml"):
        load_lexicon(tmp_path / "nowhere")


@pytest.fixture
def shared_key_lexicon(tmp_path: Path) -> Path:
    # Several rules share the key "3", each followed by a gap: one check rules out the
    # key before any rule's own tail is tried.
    return make_lexicon(
        tmp_path,
        """\
        language: xx
        categories:
          third_party:
            rules:
              - id: girls
                patterns: ["(3|4) ~ girl*"]
              - id: ladies
                patterns: ["3 ~1 (ladies|dames) here"]
          movement:
            rules:
              - id: tour
                patterns: ["3 ~2 cit* tour"]
        """,
    )


@pytest.mark.parametrize(
    ("text", "rules"),
    [
        ("3 new girls", ["third_party.xx.girls"]),
        ("we are 3 sweet girlfriends", ["third_party.xx.girls"]),
        ("3 ladies here", ["third_party.xx.ladies"]),
        ("3 young dames here", ["third_party.xx.ladies"]),
        ("3 big cities tour", ["movement.xx.tour"]),
        ("3 girls, 3 ladies here", ["third_party.xx.girls", "third_party.xx.ladies"]),
        ("3 young sweet ladies here", []),
        ("3. girls", []),
        ("from 13 girls", []),
        ("call 3 or 4", []),
    ],
)
def test_rules_sharing_a_key_before_a_gap_match_each_on_its_own(
    shared_key_lexicon: Path, text: str, rules: list[str]
) -> None:
    assert rules_found(shared_key_lexicon, text) == rules


# -- long patterns: a head of keys, the rest checked by a regex ---------------------------
def rule_lexicon(tmp_path: Path, category: str, rule: str, *patterns: str) -> Path:
    """A lexicon of one rule with ``patterns``."""
    lines = "".join(f"          - {json.dumps(p)}\n" for p in patterns)
    body = f"language: xx\ncategories:\n  {category}:\n    rules:\n      - id: {rule}\n"
    return make_lexicon(tmp_path, body + "        patterns:\n" + lines)


LONG_PRODUCT = (
    "(van |)(two|three|four|five|six|seven|eight|nine|ten|many) "
    "(girls|ladies|women|babes|models|friends) (work|are|wait) (here|with us|for you)",
    "((one|two) (new|fresh) (girls|ladies) (today|tonight|this week)"
    "|(many|several) (girls|ladies) (here|waiting))",
)


def test_a_long_pattern_is_a_few_keys_and_matches_exactly_its_expansions(tmp_path: Path) -> None:
    directory = rule_lexicon(tmp_path, "third_party", "several", *LONG_PRODUCT)
    lexicon = load_lexicon(directory)
    # 2 x 10 x 6 x 3 x 3 = 1,080 and 16 + 4 expansions; the keys stop at 32 per head.
    assert len(lexicon.automaton) < 150
    for text in (
        "three ladies are with us",
        "van ten models wait for you",
        "many friends work here",
        "two fresh ladies tonight",
        "several girls waiting",
    ):
        assert rules_found(directory, f"Hello, {text}.") == ["third_party.xx.several"], text
    for text in (
        "three ladies are with",  # the end missing
        "three ladiesare with us",  # words run together
        "three ladies are with usual",  # a longer word
        "two fresh ladies",
        "van",
    ):
        assert rules_found(directory, f"Hello, {text}.") == [], text


def test_a_head_is_never_cut_to_an_optional_word_or_a_digit(tmp_path: Path) -> None:
    directory = rule_lexicon(
        tmp_path,
        "movement",
        "days",
        "(van |)(2|3|4|5|6|7|8|9) (days|nights|weeks|dagen|nachten|weken) (in|op|at) "
        "(town|stad|city|utrecht|amsterdam|breda|tilburg|eindhoven)",
    )
    lexicon = load_lexicon(directory)
    keys = list(lexicon.automaton.automaton.keys())
    assert keys and all(sum(c.isalnum() for c in key) >= 3 for key in keys)
    assert rules_found(directory, "only 3 nights in breda") == ["movement.xx.days"]
    assert rules_found(directory, "3 nights in bredaxx") == []


WORDS_33 = "(" + "|".join(f"w{n:02d}x" for n in range(33)) + ")"  # more keys than a head takes


@pytest.mark.parametrize(
    ("pattern", "matching", "not_matching"),
    [
        # An optional group at the end: its bare form matches (keys are stripped there).
        (WORDS_33 + " (new|)", ["w05x", "w05x.", "say w05x, ok", "w05x new"], ["w05xnew"]),
        (WORDS_33 + " (new |)", ["w05x", "w05x new"], []),
        # An optional word between spaces: one space where it is left out.
        (WORDS_33 + " (new |) here", ["w05x here", "w05x new here"], ["w05x newhere"]),
        (WORDS_33 + " (new |)~2 here", ["w05x here", "w05x new x here"], []),
        # Rests that start alike: each one is a match of its own.
        (WORDS_33 + " (new|old)( in town|)", ["w05x new", "w05x old in town"], []),
    ],
)
def test_a_cut_pattern_matches_exactly_what_its_whole_expansions_match(
    tmp_path: Path, pattern: str, matching: list[str], not_matching: list[str]
) -> None:
    directory = rule_lexicon(tmp_path, "movement", "cut", pattern)
    for text in matching:
        assert rules_found(directory, text) == ["movement.xx.cut"], text
    for text in not_matching:
        assert rules_found(directory, text) == [], text


def test_a_shorter_rest_still_counts_when_the_longer_one_is_set_aside(tmp_path: Path) -> None:
    directory = make_lexicon(
        tmp_path,
        f"""\
        language: xx
        categories:
          movement:
            rules:
              - id: cut
                patterns: ["{WORDS_33} (new|old)( in town|)"]
            benign: ["town hall"]
        """,
    )
    assert rules_found(directory, "w05x new in town hall") == ["movement.xx.cut"]


def test_the_bundled_lexicon_still_finds_a_bare_form_after_a_long_head() -> None:
    engine = IndicatorEngine.from_dir()
    text = "Вече навърших. Ескорт, секс услуги, 100 лв на час."
    assert "youth" in engine.analyse("", text, lang="bg").categories


def test_a_set_may_not_take_the_built_in_name(tmp_path: Path) -> None:
    directory = rule_lexicon(tmp_path, "youth", "born", "born {young_birth_years}")
    with (directory / "xx.yaml").open("a", encoding="utf-8") as out:
        out.write('sets:\n  young_birth_years: ["1999"]\n')
    with pytest.raises(LexiconError, match=r"young_birth_years.*built in.*another name"):
        load_lexicon(directory)


def test_a_gap_shared_by_several_endings_stops_at_the_nearest_of_them(tmp_path: Path) -> None:
    """Patterns of one rule that go on after the same key and gap are tried together at
    each word of the gap: the match ends at the nearest ending, not at a farther one that
    is longer or comes first (the order of two of one length is arbitrary)."""
    patterns = ("hotel* ~8 reception desk", "hotel* ~8 porter")
    directory = rule_lexicon(tmp_path, "availability_24_7", "hotel_desk", *patterns)
    engine = IndicatorEngine.from_dir(directory)
    text = "Hotels, a porter, we work late, a reception desk too"
    (match,) = [m for m in engine.match(normalize(text), "xx") if m.rule.id.endswith("_desk")]
    assert text[match.start : match.end] == "Hotels, a porter"
