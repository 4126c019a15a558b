"""The shortcuts of matching decide exactly as the checks they spare.

* A group of plain words in a pattern's tail is a tree of their common beginnings
  (``_trie_regex``): it matches what the flat group matches, with what follows it.
* A key's tails that start with a gap are first tried as that gap and the plain words
  each continuation starts with (``_gap_precheck``): wherever a tail matches, so does
  the check.
* A tail is tried only where the rest of the field holds one of the texts every match of
  it holds (``_required``, ``Expansion.needs``); a key with more such texts than are
  worth searching needs one of fewer words of them (``_cover``).
* Negation reads a field's words once (``_Field``): a field with no negation word of any
  language, no quote, cross mark or other women named negates nothing; where a window
  cuts a word, the piece is still read ("no" of "nobody"). A match with no negation
  word of its scope before it in its window, or none that could refuse it after it, is
  not read for one (``_Field.pre_between``, ``_Field.refusal_from``).
* A negation window's clause starts after the last scope terminator before the match,
  found among the field's terminators, found once (``_Field.clause_start``), not by a
  greedy regex per window. An ASCII field's words are its runs of letters and digits
  (``_Field.words``, by ``str.translate`` and ``split``).
* Matches are sorted by one number per match, ties by rule (``_sort_spans``).
* The words of a window are read by the byte methods in an ASCII piece (``_words_in``),
  a list's answer mark by ``str.find`` (``_answer_mark_in``); a scope's checks read the
  field's negation words only (``_Field.triggers``), and a field without a noun of other
  women among its words names none (``_Field.others``).

Each is compared with the plain form on strings built from the characters they read and
on every labelled ad text, with the shortcuts on and off.
"""

from __future__ import annotations

import dataclasses
import json
import random
import re
from pathlib import Path
from types import ModuleType

import pytest

from pipelines.engine import indicators
from pipelines.engine.indicators import IndicatorEngine
from pipelines.engine.lexicon import (
    _GAP_REGEX,
    _WILD_MARK,
    _WILD_REGEX,
    _cover,
    _gap_precheck,
    _literal_start,
    _required,
    _tails_need,
    _trie_regex,
)
from pipelines.engine.normalize import Normalized, normalize

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


@pytest.mark.parametrize(
    ("regex", "needs"),
    [
        (r"\ van\ (?:(?:1(?:8|9)|20))", {" van "}),
        (_GAP_REGEX.format(n=2) + r"(?:(?:till?|until))\ (?:mon|fri)", {"til", "until"}),
        (r"(?:ab|cd)?xy", {"xy"}),
        (r"abc?d", {"ab"}),
        ("ab" + _WILD_MARK + "cde", {"cde"}),
        (r"(?!no)\ agency", {" agency"}),
        (r"[a-z]+\d", None),
        (r"(?:a|bc)", None),  # "a" is too short to look for
        (r"x|yz", None),  # an alternation at the top: not a tail
        (r"(?:a(?:bc|de)|xy)z", {"bc", "de", "xy"}),
    ],
)
def test_the_texts_a_tail_needs(regex: str, needs: set[str] | None) -> None:
    assert _required(regex) == (None if needs is None else frozenset(needs))


def _random_tail(rng: random.Random, depth: int = 0) -> tuple[str, list[str]]:
    """A tail regex written as :func:`lexicon._regex` writes them, and strings it matches."""
    regex, strings = "", [""]
    for _ in range(rng.randint(1, 4)):
        kind = rng.choice(["text", "text", "group", "optional", "gap", "wild", "class"])
        if kind == "group" and depth < 2:
            options = [_random_tail(rng, depth + 1) for _ in range(rng.randint(1, 3))]
            part = "(?:" + "|".join(r for r, _ in options) + ")"
            made = [s for _, found in options for s in found]
        elif kind == "optional":
            word = "".join(rng.choice("aeinos") for _ in range(rng.randint(1, 3)))
            part, made = f"(?:{re.escape(word)})?", ["", word]
        elif kind == "gap":
            part, made = _GAP_REGEX.format(n=2), [" ", " x ", ", "]
        elif kind == "wild":
            part, made = _WILD_MARK, ["", "zz"]
        elif kind == "class":
            part, made = "[a-z]+", ["q", "qq"]
        else:
            word = "".join(rng.choice("aeinos ") for _ in range(rng.randint(1, 5)))
            part, made = re.escape(word), [word]
            if rng.random() < 0.3:
                part, made = part + "?", [word, word[:-1]]
        regex += part
        strings = [s + rng.choice(made) for s in strings for _ in range(2)][:8]
    return regex, strings


@pytest.mark.parametrize("seed", range(300))
def test_every_match_of_a_tail_holds_one_of_its_needs(seed: int) -> None:
    rng = random.Random(seed)
    regex, strings = _random_tail(rng)
    needs = _required(regex)
    compiled = re.compile(regex.replace(_WILD_MARK, _WILD_REGEX))
    for string in strings:
        assert compiled.fullmatch(string), (regex, string)
        assert needs is None or any(n in string for n in needs), (regex, needs, string)


RECEPTION = [
    _GAP_REGEX.format(n=8) + re.escape(phrase)
    for phrase in (
        "ejjel-nappali recepcios",
        "ejjel-nappal recepcio",
        "ejjelnappali recepcios",
        "0-24 oras recepcios",
        "0-24 oras recepcio",
        "ejjel nappal recepcio",
        "ejjel-nappali porta",
        "nonstop porta",
        "0-24 porta",
        "ejjel nappal porta",
    )
]


def test_the_many_tails_of_a_key_need_one_of_few_words() -> None:
    # Ten tails, ten texts: more than a precheck should search for, but each holds
    # "recepcio" or "porta".
    assert _tails_need(RECEPTION) == ("porta", "recepcio")
    assert _tails_need([*RECEPTION, r"\ x"]) == ()  # " x" holds no word of four letters


@pytest.mark.parametrize("seed", range(100))
def test_the_words_a_cover_takes_are_needed(seed: int) -> None:
    rng = random.Random(seed)
    words = ["".join(rng.choice("aeinos") for _ in range(rng.randint(2, 7))) for _ in range(6)]
    needs = frozenset(
        " ".join(rng.choice(words) for _ in range(rng.randint(1, 3)))
        for _ in range(rng.randint(9, 30))
    )
    cover = _cover(needs)
    assert len(cover) <= 8
    for need in needs if cover else ():
        assert any(piece in need for piece in cover), (need, cover)
    assert all(len(piece) >= 4 and any(piece in need for need in needs) for piece in cover)


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
    monkeypatch.setattr(indicators_source._Field, "pre_between", lambda self, *_: True)
    monkeypatch.setattr(indicators_source._Field, "refusal_from", lambda self, *_: True)
    monkeypatch.setattr(indicators_source, "_holds_any", lambda *_: True)
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


REFUSED_AFTER = [
    ("en", "Agency? No. Bareback: never."),
    ("en", "Agencies, managers, drivers: none of that."),
    ("es", "Sin protección, nada de nada."),
    ("en", "'Manager', 'agency'? No, thanks."),
]


def test_without_the_short_refusal_words_every_refusal_is_read(
    indicators_source: ModuleType,
) -> None:
    # A lexicon with a refusal word longer than the answer to a question reads of its
    # first word turns the shortcut off: then every refusal is read, as before it.
    engine = indicators_source.IndicatorEngine.from_dir()
    texts = [(t, lang) for lang, t in REFUSED_AFTER] + [(t, lang) for lang, t in CUT_WORDS]
    with_shortcut = _decisions(engine, texts)
    assert all("negated" in found for found in with_shortcut[: len(REFUSED_AFTER)])
    engine._short_refusals = False
    assert _decisions(engine, texts) == with_shortcut


def _field(text: str) -> indicators._Field:
    return indicators._Field(Normalized(text, text, range(len(text) + 1)), [])


@pytest.mark.parametrize(
    "marks",
    [
        (".", "!", "?", ";", ":", ",", "(", ")", "[", "]", "|", " - "),
        (" - ", "-", "ab", "b", "a b"),  # overlapping, several starting at one place
        ("aa", "a"),
        ("", "."),  # an empty mark ends the window itself
        (".", ""),
        (),
    ],
)
def test_a_clause_starts_where_the_greedy_regex_ends(marks: tuple[str, ...]) -> None:
    rng = random.Random(7)
    for _ in range(3000):
        text = "".join(rng.choice("ab -.,x!") for _ in range(rng.randint(0, 30)))
        field = _field(text)
        for _ in range(5):
            lo = rng.randint(0, len(text))
            hi = rng.randint(lo, len(text))
            expected = _greedy_clause_start(text, marks, lo, hi)
            assert field.clause_start(marks, lo, hi) == expected, (text, lo, hi)
            assert indicators._clause_start(text, marks, lo, hi) == expected, (text, lo, hi)


def _greedy_clause_start(text: str, marks: tuple[str, ...], lo: int, hi: int) -> int:
    """The end of the greedy ``.*(?:marks)`` read from ``lo`` to ``hi``, else ``lo``."""
    if not marks:
        return lo
    found = re.compile(".*(?:{})".format("|".join(map(re.escape, marks))), re.DOTALL).match(
        text, lo, hi
    )
    return found.end() if found else lo


def test_the_clause_start_negates_as_the_greedy_regex(
    indicators_source: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = indicators_source.IndicatorEngine.from_dir()
    texts = _labelled_texts() + [(t, lang) for lang, t in CUT_WORDS + REFUSED_AFTER]
    fast = _decisions(engine, texts)
    # The regex, window by window.
    monkeypatch.setattr(indicators_source, "_clause_start", _greedy_clause_start)
    assert _decisions(engine, texts) == fast


#: Letters, digits, apostrophes, signs, controls and a letter outside ASCII.
WORD_CHARS = "aZ09 ''.,-_!\t\x00\x7f~é"


def test_an_empty_terminator_is_read_as_the_greedy_regex_reads_it(
    indicators_source: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A mark "" ends every window where it stands (str.rfind finds it at the window's
    # end, the regex matches it there): negation then reads no word before a match.
    lexicon = indicators_source.IndicatorEngine.from_dir().lexicon
    negation = dataclasses.replace(lexicon.negation, terminator_marks=("", "."))
    odd = indicators_source.IndicatorEngine(dataclasses.replace(lexicon, negation=negation))
    texts = [(t, lang) for lang, t in CUT_WORDS + REFUSED_AFTER]
    fast = _decisions(odd, texts)
    monkeypatch.setattr(indicators_source, "_clause_start", _greedy_clause_start)
    assert _decisions(odd, texts) == fast


@pytest.mark.parametrize("seed", range(5))
def test_the_words_of_a_field_are_the_regexs(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(2000):
        text = "".join(rng.choice(WORD_CHARS) for _ in range(rng.randint(0, 25)))
        assert _field(text).words == frozenset(indicators._CUE_WORD.findall(text)), text


@pytest.mark.parametrize("seed", range(20))
def test_matches_sort_by_start_the_longest_first_then_by_rule(
    engine: IndicatorEngine, seed: int
) -> None:
    rng = random.Random(seed)
    rules = rng.sample(engine.lexicon.rules, 4)
    found = []
    for _ in range(rng.randint(0, 30)):
        start = rng.randint(0, 8)
        found.append(indicators._Match(rng.choice(rules), start, start + rng.randint(0, 3)))
    expected = sorted(found, key=lambda m: (m.start, -m.end, m.rule.id))
    indicators._sort_spans(found, 11)
    assert found == expected


@pytest.mark.parametrize("seed", range(5))
def test_the_words_of_a_window_are_the_regexs(seed: int) -> None:
    # ``_words_in`` reads an ASCII piece without an apostrophe by the byte methods; a
    # window may start before the text or end past it, as ``findall`` allows.
    rng = random.Random(seed)
    for _ in range(3000):
        text = "".join(rng.choice(WORD_CHARS) for _ in range(rng.randint(0, 25)))
        lo, hi = rng.randint(-5, len(text) + 5), rng.randint(-5, len(text) + 5)
        expected = indicators._CUE_WORD.findall(text, lo, hi)
        assert indicators._words_in(text, lo, hi) == expected, (text, lo, hi)
        found = [w.group() for w in indicators._word_pattern(text).finditer(text, lo, hi)]
        assert found == expected, (text, lo, hi)


@pytest.mark.parametrize("seed", range(3))
def test_a_mark_that_may_answer_a_list_is_found_as_the_regex_finds_it(seed: int) -> None:
    plain = re.compile(r"[:?\u2013]| - ")
    rng = random.Random(seed)
    for _ in range(5000):
        text = "".join(rng.choice(" -:?\u2013a,") for _ in range(rng.randint(0, 12)))
        lo, hi = rng.randint(-3, len(text) + 2), rng.randint(-3, len(text) + 2)
        found = plain.search(text, lo, hi) is not None
        assert indicators._answer_mark_in(text, lo, hi) == found, (text, lo, hi)


OTHERS = [
    "Other girls have a driver, not me.",
    "Some ladies on here have bookers",
    "ads of other escorts are fake",
    "andere meiden hebben een chauffeur",
    "other girls'x have a driver",  # an apostrophe joins "girls'x": read by the regex
    "the other girls and me",
    "no other women, girls or ladies here",
    "Escort Leeds, agency's driver",
]


def test_a_field_without_the_women_of_other_ads_names_none(
    engine: IndicatorEngine,
) -> None:
    # ``_Field.others`` is empty without one of ``_WOMEN_WORDS`` among the field's words
    # (and no apostrophe): every subject ``_OTHERS_SAY`` finds holds one as a whole word.
    texts = [normalize(t).text for t, _ in _labelled_texts()]
    texts += [normalize(t).text for t in OTHERS]
    assert any(indicators._others_said(text) for text in texts)
    for text in texts:
        assert _field(text).others == indicators._others_said(text), text
    for words in indicators._WOMEN.strip("(?:)").split("|"):
        assert words in indicators._WOMEN_WORDS


def test_the_negation_words_of_a_field_decide_as_all_its_words(
    indicators_source: ModuleType,
) -> None:
    # The checks of a scope read the field's words that are a negation word of some
    # language (``_Field.triggers``): the same decisions as reading all of its words.
    engine = indicators_source.IndicatorEngine.from_dir()
    texts = _labelled_texts() + [(t, lang) for lang, t in CUT_WORDS + REFUSED_AFTER]
    fast = _decisions(engine, texts)
    engine._every_word = None
    assert _decisions(engine, texts) == fast
