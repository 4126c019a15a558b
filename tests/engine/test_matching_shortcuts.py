"""The shortcuts of matching decide exactly as the checks they spare.

* A group of plain words in a pattern's tail is a tree of their common beginnings
  (``_trie_regex``): it matches what the flat group matches, with what follows it.
* A key's tails that start with a gap are first tried as that gap and the plain words
  each continuation starts with (``_gap_precheck``): wherever a tail matches, so does
  the check.
* Negation reads a field's words once (``_Field``): a field with no negation word of any
  language, no quote, cross mark or other women named negates nothing; where a window
  cuts a word, the piece is still read ("no" of "nobody").

Each is compared with the plain form on strings built from the characters they read and
on every labelled ad text, with the shortcuts on and off.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from types import ModuleType

import pytest

from pipelines.engine import indicators
from pipelines.engine.indicators import IndicatorEngine
from pipelines.engine.lexicon import _gap_precheck, _literal_start, _trie_regex
from pipelines.engine.normalize import normalize

DATA = Path(__file__).parent / "data"
LETTERS = "aeinos "
GAP = r"[^\w.!?;:]+(?:\w+[^\w.!?;:]+){0,3}?"


def _random_words(rng: random.Random, count: int, longest: int) -> set[str]:
    return {
        "".join(rng.choice(LETTERS) for _ in range(rng.randint(0, longest))) for _ in range(count)
    }


@pytest.mark.parametrize("seed", range(40))
def test_a_tree_of_words_matches_as_the_flat_group(seed: int) -> None:
    rng = random.Random(seed)
    options = _random_words(rng, rng.randint(1, 12), 5)
    flat = "(?:" + "|".join(sorted((re.escape(o) for o in options), key=len, reverse=True)) + ")"
    for after in ("", r"\ s", r"(?![^\W_])", "o?e"):
        plain, tree = re.compile(flat + after), re.compile(_trie_regex(options) + after)
        for _ in range(200):
            text = "".join(rng.choice(LETTERS) for _ in range(rng.randint(0, 9)))
            for pos in range(len(text) + 1):
                found, fast = plain.match(text, pos), tree.match(text, pos)
                assert (found and found.span()) == (fast and fast.span()), (options, text)


@pytest.mark.parametrize(
    ("regex", "start"),
    [
        (r"portiernia[^\w.!?;:]+x", "portiernia"),
        (r"ejjel\-nappali\ recepcios", "ejjel-nappali recepcios"),
        (r"pocos?\ x", "poco"),
        (r"(?:a|b)c", ""),
        ("ab\x00c", "ab"),
        (r"abc\d", "abc"),
        (r"a{2}", ""),
    ],
)
def test_the_plain_start_of_a_tail(regex: str, start: str) -> None:
    assert _literal_start(regex) == start


@pytest.mark.parametrize("seed", range(30))
def test_a_gap_precheck_matches_wherever_a_tail_does(seed: int) -> None:
    rng = random.Random(seed)
    tails = [
        GAP + re.escape(w.strip() or "o") + rng.choice(["", GAP + "se", r"s?", "\x00"])
        for w in _random_words(rng, rng.randint(2, 6), 4)
    ]
    check = _gap_precheck(tails)
    assert check is not None
    compiled = [re.compile(t.replace("\x00", r"[^\W_]*")) for t in tails]
    for _ in range(300):
        text = "".join(rng.choice(LETTERS + ".,") for _ in range(rng.randint(0, 24)))
        for pos in range(len(text) + 1):
            if any(c.match(text, pos) for c in compiled):
                assert check.match(text, pos), (tails, text, pos)


def _labelled_texts() -> list[tuple[str, str]]:
    texts = []
    for path in sorted(DATA.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                ad = json.loads(line)
                texts += [(t, ad.get("lang") or "en") for t in (ad.get("title"), ad.get("text"))]
    return [(t, lang) for t, lang in texts if t]


def _filler(length: int) -> str:
    return ("lovely slim blonde " * 20)[: length - 1] + " "


# Windows that cut a word: the 120 characters before a match start inside "zznot" (the
# piece read is "not"), the 60 after it end inside "noteworthy" ("no"); a match glued to a
# negation word; an apostrophe.
CUT_WORDS = [
    ("en", "zznot " + _filler(116) + "agency, escort Leeds"),
    ("en", "Escort Leeds, agency " + _filler(57) + "noteworthy"),
    ("de", "Escort Köln, Agentur " + _filler(55) + "keinohrhasen"),
    ("en", "Escort Leeds, nobareback, agency's driver"),
    # A word of apostrophes is read as other words from inside it: "a'b'c'no" is "a'b"
    # and "c'no" in the field, "b'c" and "no" from its "b".
    ("en", "i work with an agency'x'y'no"),
    ("en", "a'b'c'no" + ("-~" * 60)[:112] + " agency"),
    ("en", "Escort Leeds. No agency, driver or 'manager' - " + _filler(70) + "notorious"),
]


def _decisions(engine: IndicatorEngine, texts: list[tuple[str, str]]) -> list[str]:
    out = []
    for text, lang in texts:
        norm = normalize(text)
        raw = engine._raw_matches(norm.text, lang)
        context = frozenset(m.category for m in raw if m.kind == "context")
        kept, cues, dropped = engine._sort(norm, raw, lang, context)
        out.append(
            repr(
                (
                    [(m.rule.id, m.start, m.end) for m in kept],
                    [(m.rule.id, m.start, m.end) for m in cues],
                    [(m.rule.id, m.start, reason, detail) for m, reason, detail in dropped],
                )
            )
        )
    return out


def test_reading_a_field_once_negates_as_reading_each_window(
    indicators_source: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The source module: the compiled one calls the shortcuts past any patch.
    engine = indicators_source.IndicatorEngine.from_dir()
    texts = _labelled_texts() + [(t, lang) for lang, t in CUT_WORDS]
    fast = _decisions(engine, texts)
    monkeypatch.setattr(indicators_source._Field, "quiet", lambda self, every: None)
    monkeypatch.setattr(indicators_source._Field, "free", lambda self, scope: (False, False))
    assert _decisions(engine, texts) == fast


@pytest.mark.parametrize(("lang", "text"), CUT_WORDS[:3])
def test_a_piece_of_a_cut_word_is_read_as_before(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    # The field has no negation word of its own, but a window cuts one out of a longer
    # word ("not" of "zznot", "no" of "nothing"): the field is read match by match.
    norm = normalize(text)
    raw = engine._raw_matches(norm.text, lang)
    field = indicators._Field(norm, raw)
    assert field.positives
    assert any(
        indicators._cuts_word(norm.text, at)
        for m in field.positives
        for at in (m.start - 120, m.end + 60)
    )
    assert field.free(engine._every_scope) == (True, True)
    assert field.quiet(engine._every_scope) is None


@pytest.mark.parametrize("text", ["agency'x'y'no", "i work with an agency'x'y'no"])
def test_a_negation_word_read_from_inside_a_word_of_apostrophes_still_negates(
    engine: IndicatorEngine, text: str
) -> None:
    assert engine.match(normalize(text), "en") == []
