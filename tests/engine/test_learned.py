"""The learned backstop (pipelines/engine/learned.py): what it adds, what it refuses, its
model file, its configuration and ``lcom learn``.

The ads here are invented for these tests; none is in a labelled set.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from crawler.cli import main
from pipelines.engine import learned
from pipelines.engine.evaluate import load_labelled
from pipelines.engine.indicators import IndicatorEngine
from pipelines.engine.learned import TARGETS, LearnedModel, train
from pipelines.engine.lexicon import DEFAULT_LEXICON_DIR, LexiconError, load_lexicon, set_words
from pipelines.engine.normalize import normalize
from tests.support.engine import lexicons_with_learned

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[2]
TARGET_LIST = json.dumps(list(TARGETS))
SECTION = (
    "learned:\n  model: learned.json\n  categories: [movement, third_party]\n  category: 0.7\n"
    "  evidence_weight: 0.8\n  context: 0.7\n  context_margin: 0.5\n"
    "  context_evidence_weight: 0.5\n"
)


def honest_sets() -> set[str]:
    """The sets held as honest estimates: their held-level test is not ``READABLE``."""
    honest = set()
    for module in Path(__file__).parent.glob("test_*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and any(
                getattr(base, "id", "") == "HeldLevel" for base in node.bases
            ):
                values = {
                    target.id: statement.value
                    for statement in node.body
                    if isinstance(statement, ast.Assign)
                    for target in statement.targets
                    if isinstance(target, ast.Name)
                }
                readable = values.get("READABLE")
                if not (isinstance(readable, ast.Constant) and readable.value is True):
                    honest.add(ast.literal_eval(values["SET"]))
    return honest


def lexicon_with(tmp_path: Path, section: str) -> Path:
    """The bundled lexicons with another ``learned:`` section."""
    return lexicons_with_learned(tmp_path / "lexicons", section)


def learned_rules(engine: IndicatorEngine, text: str, lang: str = "en") -> list[str]:
    return [i.rule for i in engine.analyse("", text, lang=lang).indicators if "learned" in i.rule]


# ------------------------------------------------------------ what it adds and refuses

RECEPTION = "Sexy Mia, incall. Reception takes your call and tells you which of the ladies is free."
ADDED = [
    # Bookings at a reception desk, said without any of the rules' words.
    (RECEPTION, "learned:third_party", "Reception"),
    # A stay that moves on every week.
    (
        "Sexy Mia, incall. I travel a lot, this week I am here, next week somewhere else.",
        "learned:movement",
        "week",
    ),
]


@pytest.mark.parametrize(("text", "rule", "word"), ADDED)
def test_a_category_said_in_words_no_rule_names_counts(
    engine: IndicatorEngine, rules_only: IndicatorEngine, text: str, rule: str, word: str
) -> None:
    assert rules_only.analyse("", text, lang="en").categories == []
    analysis = engine.analyse("", text, lang="en")
    (indicator,) = [i for i in analysis.indicators if i.rule == rule]
    assert analysis.hit and indicator.category == rule.split(":")[1]
    # The evidence is the word that weighs most, in the text as published.
    e = indicator.evidence
    assert (e.field, text[e.start : e.end]) == ("text", word)
    assert {"category": indicator.category, "rule": rule, "evidence": e.to_dict()} in (
        analysis.explanation()["matched"]
    )


def test_the_evidence_points_at_the_published_characters(engine: IndicatorEngine) -> None:
    title = "Nouvelle 💋 &amp; Mía"
    text = (
        "Sexy Mía 💋 incall &amp; more. Ｒｅｃｅｐｔｉｏｎ takes your call and tells you "
        "which of the ladies is free."
    )
    analysis = engine.analyse(title, text, lang="en")
    (indicator,) = [i for i in analysis.indicators if i.rule == "learned:third_party"]
    e = indicator.evidence
    assert (e.field, text[e.start : e.end]) == ("text", "Ｒｅｃｅｐｔｉｏｎ")


def test_its_negated_evidence_is_set_aside(engine: IndicatorEngine) -> None:
    text = "Sexy Mia, incall. There is no reception here, you call me directly."
    analysis = engine.analyse("", text, lang="en")
    assert analysis.categories == []
    (suppressed,) = [s for s in analysis.suppressed if s.rule == "learned:third_party"]
    assert (suppressed.reason, suppressed.detail) == ("negated", "no")
    # The positive ad of the same words still flags.
    assert learned_rules(engine, RECEPTION) == ["learned:third_party"]


def test_one_place_where_its_evidence_is_not_negated_counts(engine: IndicatorEngine) -> None:
    # As for a rule: the word negated once and said plainly once.
    text = (
        "Sexy Mia, incall. No reception in my flat? Wrong: "
        "Reception takes your call and tells you which of the ladies is free."
    )
    analysis = engine.analyse("", text, lang="en")
    (indicator,) = [i for i in analysis.indicators if i.rule == "learned:third_party"]
    assert text[indicator.evidence.start : indicator.evidence.end] == "Reception"
    assert text.index("Reception") == indicator.evidence.start


def test_a_category_the_rules_set_aside_is_not_added_back(engine: IndicatorEngine) -> None:
    # The rules negate the friend who books; the words still weigh for third_party.
    text = "Ik spreek Nederlands en Engels. Afspraken via mij, niet via haar vriendin."
    analysis = engine.analyse("", text, lang="nl", source_kind="escort")
    assert [s.reason for s in analysis.suppressed if s.category == "third_party"] == ["negated"]
    assert analysis.categories == []
    # The friend who books, not denied, still flags.
    text = "Spreekt alleen Roemeens. Afspraken via haar vriendin."
    assert "third_party" in engine.analyse("", text, lang="nl").categories


def test_ages_hours_nationalities_and_languages_may_not_be_added(tmp_path: Path) -> None:
    for category in ("youth", "availability_24_7", "language_barrier", "origin"):
        section = SECTION.replace("[movement, third_party]", f"[movement, {category}]")
        with pytest.raises(LexiconError, match="the rules read ages, hours"):
            load_lexicon(lexicon_with(tmp_path / category, section))


def test_i_speak_english_is_no_language_barrier(engine: IndicatorEngine) -> None:
    for text in ["I speak Dutch, English and German", "Hablo español, inglés y alemán."]:
        assert engine.analyse("", text, source_kind="escort").categories == [], text


def test_outside_the_service_context_nothing_is_added(engine: IndicatorEngine) -> None:
    text = "Hotel near the station: our reception takes your call and tells you which room is free."
    analysis = engine.analyse("", text, lang="en")
    # Worded for third_party, with a strong word, but no service ad and far from one.
    model = engine.lexicon.learned.model  # type: ignore[union-attr]
    rows = model.rows(learned.features(["", normalize(text).text]))
    assert model.probabilities(rows)["third_party"] >= 0.7
    assert model.strongest(rows, "third_party")[1] >= 0.8  # type: ignore[index]
    assert analysis.context.score + 0.5 < analysis.context.threshold
    assert analysis.context.service is False and analysis.categories == []


def test_the_rows_read_from_the_words_are_those_of_the_features(engine: IndicatorEngine) -> None:
    model = engine.lexicon.learned.model  # type: ignore[union-attr]
    files = sorted(DATA.glob("*.jsonl"))
    fields = [
        [normalize(ad.title).text, normalize(ad.text).text]
        for path in files
        for ad in load_labelled(path)
    ]
    fields += [["", ""], ["[phone:1a2b] [name] één twee", "x"], ["a b c d e f", "abcdefgh " * 50]]
    found = 0
    for texts in fields:
        rows = model.text_rows(texts)
        assert rows == model.rows(learned.features(texts)), texts
        found += bool(rows)
    assert found > 1_000
    # A model of every kind, an unknown one and odd features too.
    vocabulary = ["w:new", "p:ankom", "b:new in", "x:new", "w:", "b:in", "W:new", "w:w:new"]
    small = LearnedModel(vocabulary, np.ones((len(vocabulary), len(TARGETS))), [0.0] * len(TARGETS))
    for texts in [["new in town, angekommen", "w new in"], ["", ""], ["w:new b:in", "in"]]:
        assert small.text_rows(texts) == small.rows(learned.features(texts)), texts
    assert small.text_rows(["new in town, ankommen"]) == [0, 1, 2]


def test_the_same_ad_gets_the_same_decision_in_every_process() -> None:
    ads = [
        "Sexy Mia, incall, escort. Never him! umawia",
        RECEPTION,
        "Just arrived in Leeds, only three days. Text me for time and place.",
    ]
    script = (
        "import json, sys\n"
        "from pipelines.engine.indicators import IndicatorEngine\n"
        "e = IndicatorEngine.from_dir()\n"
        "ads = json.load(sys.stdin)\n"
        "print(json.dumps([e.analyse('', t, lang='en').explanation() for t in ads]))\n"
    )
    outputs = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", script],
            input=json.dumps(ads),
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            check=True,
        )
        outputs.add(done.stdout)
    assert len(outputs) == 1


# ------------------------------------------------------------------ the context lift

LIFTED = [
    ("en", "Just arrived in Leeds, only three days. Text me for time and place."),
    ("nl", "Net aangekomen in Zwolle, maar drie dagen. Stuur een sms voor tijd en plaats."),
    ("de", "Neu in Kassel, nur drei Tage. Schreib mir für Zeit und Ort."),
]


@pytest.mark.parametrize(("lang", "text"), LIFTED)
def test_an_ad_just_short_of_the_context_worded_like_a_hit_is_in_context(
    engine: IndicatorEngine, rules_only: IndicatorEngine, lang: str, text: str
) -> None:
    before = rules_only.analyse("", text, lang=lang)
    assert before.context.service is False and before.context.score == 0.5
    analysis = engine.analyse("", text, lang=lang)
    assert analysis.context.service and analysis.categories == ["movement"]
    (cue,) = [c for c in analysis.context.cues if c.cue == "learned"]
    assert cue.rule == "learned:hit" and cue.weight == 0.5
    assert cue.snippet and cue.start is not None and cue.end is not None
    assert text[cue.start : cue.end].strip()


def test_an_ordinary_classified_just_short_of_the_context_is_not_lifted(
    engine: IndicatorEngine,
) -> None:
    text = "Cleaning lady available 24/7, my agency sends you the invoice."
    analysis = engine.analyse("", text, lang="en")
    # Close enough to be considered, but not worded like the ads that carry indicators.
    assert analysis.context.score + 0.5 >= analysis.context.threshold
    assert analysis.context.service is False and analysis.hit is False


def test_the_context_lift_never_rests_on_a_nationality() -> None:
    model = LearnedModel.load(DEFAULT_LEXICON_DIR / "learned.json")
    nationalities = frozenset().union(
        *(set_words(s) for s in ("nat", "nat_noun", "nat_adj", "nat_base", "country"))
    )
    words = {f"w:{normalize(w).text}" for w in nationalities} & set(model.index)
    assert len(words) > 20 and all(model.weight(f, "hit") == 0 for f in words)


# --------------------------------------------------------------------- the model file


def test_the_bundled_model_learned_only_from_sets_whose_errors_were_read() -> None:
    model = LearnedModel.load(DEFAULT_LEXICON_DIR / "learned.json")
    honest = honest_sets()
    assert {"blind_2026_12p.jsonl", "blind_2026_12s.jsonl"} <= honest
    assert "blind_2026_12q.jsonl" not in honest
    assert model.sets, "the model lists the sets it was trained on"
    for trained in model.sets:
        assert trained.file not in honest
        path = DATA / trained.file
        assert learned.training_set(path, trained.ads) == trained, trained.file
        assert len(load_labelled(path)) == trained.ads
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    listed = makefile.split("LEARN_SETS = ", 1)[1].split("\nlearn:", 1)[0]
    assert sorted(re.findall(r"[\w.]+\.jsonl", listed)) == sorted(s.file for s in model.sets)


def test_the_bundled_model_is_what_lcom_learn_writes(tmp_path: Path) -> None:
    bundled = LearnedModel.load(DEFAULT_LEXICON_DIR / "learned.json")
    out = tmp_path / "learned.json"
    assert main(["learn", *(str(DATA / s.file) for s in bundled.sets), "--out", str(out)]) == 0
    rebuilt = LearnedModel.load(out)
    assert rebuilt.vocabulary == bundled.vocabulary
    assert rebuilt.lexicon_version == bundled.lexicon_version == engine_version()
    # Three decimals are kept; another numpy build may round one of them the other way.
    assert np.allclose(rebuilt.weights, bundled.weights, atol=0.0011)


def engine_version() -> str:
    return IndicatorEngine.from_dir().lexicon.version


def test_the_model_holds_no_contact_no_name_and_no_number() -> None:
    ads = [
        (
            "Roxana, new",
            "Hi, I am Roxana. Write to roxana.zelqa@example.com or @zelqa_vimo, "
            "call 0612345678. My driver brings me.",
            ["third_party"],
        )
    ] * 3
    others = [(ad.title, ad.text, ad.labels) for ad in load_labelled(DATA / "holdout_ha.jsonl")]
    model = train(ads + others)
    words = " ".join(model.vocabulary)
    for part in ("roxana", "zelqa", "vimo", "example", "0612"):
        assert part not in words, part
    assert "w:driver" in model.index


def test_training_is_deterministic_and_drops_rare_and_common_words() -> None:
    ads = [(ad.title, ad.text, ad.labels) for ad in load_labelled(DATA / "holdout_ha.jsonl")]
    first, second = train(ads), train(ads)
    assert first.to_dict() == second.to_dict()
    counts: dict[str, int] = {}
    for title, text, _ in ads:
        for feature in learned.ad_features(*learned.redacted(title, text)):
            counts[feature] = counts.get(feature, 0) + 1
    assert all(2 <= counts[f] <= 0.06 * len(ads) for f in first.index)
    assert not any(any(c.isdigit() for c in f) for f in first.index)
    assert len(first) > 100 and first.weights.shape == (len(first), len(TARGETS))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"format": 2}', "'format' must be 1"),
        ('{"format": 1, "targets": ["hit"]}', "'targets' must be"),
        (f'{{"format": 1, "targets": {TARGET_LIST}}}', "'features' or 'biases'"),
        (
            f'{{"format": 1, "targets": {TARGET_LIST}, "biases": [0], "features": {{"w:x": [1]}}}}',
            "malformed weights",
        ),
        (
            f'{{"format": 1, "targets": {TARGET_LIST}, "biases": [0, 0, 0, 0, 0, 0, 0, 0], '
            '"features": {"w:x": [NaN, 0, 0, 0, 0, 0, 0, 0]}}',
            "not a finite number",
        ),
    ],
)
def test_a_broken_model_file_names_itself_and_the_fix(
    tmp_path: Path, content: str, message: str
) -> None:
    folder = lexicon_with(tmp_path, SECTION)
    (folder / "learned.json").write_text(content, encoding="utf-8")
    with pytest.raises(LexiconError, match=re.escape(message)) as raised:
        load_lexicon(folder)
    assert str(folder / "learned.json") in str(raised.value) and "lcom learn" in str(raised.value)


def test_a_model_of_another_lexicon_version_is_refused(tmp_path: Path) -> None:
    folder = lexicon_with(tmp_path, SECTION)
    config = folder / "config.yaml"
    version = engine_version()
    config.write_text(
        config.read_text(encoding="utf-8").replace(f'"{version}"', '"2099.1.1"', 1),
        encoding="utf-8",
    )
    with pytest.raises(LexiconError, match="trained for lexicon version") as raised:
        load_lexicon(folder)
    assert "2099.1.1" in str(raised.value) and "make learn" in str(raised.value)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("  model: learned.json", "  model: ../learned.json"), "model must be the name of a file"),
        (("  category: 0.7", "  category: 0.3"), "category is a probability from 0.5 to 1"),
        (("  category: 0.7", "  category: .nan"), "category must be a number (e.g. category: 0.7)"),
        (("  category: 0.7\n", ""), "category is missing (e.g. category: 0.7)"),
        (("  category: 0.7", "  category: 0.7\n  categorys: []"), "unknown key(s) categorys"),
        (("[movement, third_party]", "[movment]"), "categories must list each at most once"),
        (("[movement, third_party]", "[[movement]]"), "categories must list each at most once"),
        (("[movement, third_party]", "[movement, movement]"), "categories must list each"),
        (("  evidence_weight: 0.8", "  evidence_weight: -1"), "evidence_weight must be 0 or more"),
        (("  context_margin: 0.5", "  context_margin: 5"), "context_margin must be from 0 to"),
    ],
)
def test_a_bad_learned_section_names_the_config_and_the_field(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    old, new = change
    assert old in SECTION
    folder = lexicon_with(tmp_path, SECTION.replace(old, new, 1))
    with pytest.raises(LexiconError, match=re.escape(f"learned: {message}")) as raised:
        load_lexicon(folder)
    assert str(folder / "config.yaml") in str(raised.value)


# ------------------------------------------------------------------------ lcom learn


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            {"id": "x-1", "lang": "en", "title": "", "text": "Hi", "labels": ["third-party"]},
            "line 1 (ad x-1): unknown label(s) third-party",
        ),
        (
            {"id": "x-1", "lang": "en", "title": "", "text": "Hi", "labels": "youth"},
            "line 1: labels must be a list of category ids",
        ),
        (
            {"id": "x", "lang": "en", "title": "", "text": "Hi", "labels": [], "url": "http://a"},
            "line 1: field(s) url: only labelled invented ads",
        ),
        (["not", "an", "object"], "line 1: not a JSON object"),
    ],
)
def test_lcom_learn_refuses_what_is_no_labelled_invented_ad(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], line: object, message: str
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(line) + "\n", encoding="utf-8")
    out = tmp_path / "learned.json"
    assert main(["learn", str(bad), "--out", str(out)]) == 2
    assert f"bad.jsonl: {message}" in capsys.readouterr().err
    assert not out.exists()


def test_lcom_learn_refuses_a_missing_set_and_an_unwritable_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["learn", str(tmp_path / "missing.jsonl"), "--out", str(tmp_path / "m")]) == 2
    assert "missing.jsonl: cannot read labelled ads" in capsys.readouterr().err
    out = tmp_path / "no-such-folder" / "learned.json"
    assert main(["learn", str(DATA / "regression_2026_12.jsonl"), "--out", str(out)]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_lcom_learn_does_not_replace_a_model_of_the_same_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "learned.json"
    shutil.copyfile(DEFAULT_LEXICON_DIR / "learned.json", out)
    before = out.read_bytes()
    # Another training set: other decisions under the same version.
    assert main(["learn", str(DATA / "regression_2026_12.jsonl"), "--out", str(out)]) == 2
    assert "change `version` in config.yaml first" in capsys.readouterr().err
    assert out.read_bytes() == before


def test_the_lift_reads_its_evidence_word_for_negation(
    engine: IndicatorEngine, rules_only: IndicatorEngine
) -> None:
    text = "No hotel visits. Discreet, message me for time and place."
    assert rules_only.analyse("", text, lang="en").context.score == 0.5
    analysis = engine.analyse("", text, lang="en")
    assert analysis.context.service is False
    assert not [c for c in analysis.context.cues if c.cue == "learned"]


def test_with_origin_off_no_ad_is_lifted(engine: IndicatorEngine) -> None:
    # The data policy may forbid nationality: the lift's words were learned beside them.
    lang, text = LIFTED[0]
    assert engine.analyse("", text, lang=lang).context.service
    analysis = engine.analyse("", text, lang=lang, derive_origin=False)
    assert analysis.context.service is False and analysis.hit is False


def test_a_hostile_ad_costs_a_bounded_number_of_negation_checks(
    indicators_source: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The source module: the compiled one calls its methods past any patch.
    source_engine = indicators_source.IndicatorEngine
    engine = source_engine.from_dir()
    calls = []
    negated = source_engine._negated

    def counted(self: IndicatorEngine, text: str, m: object, *args: object) -> str | None:
        if getattr(getattr(m, "rule", None), "id", "").startswith("learned:"):
            calls.append(1)
        return negated(self, text, m, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(source_engine, "_negated", counted)
    text = "Sexy Mia, incall. " + "No reception ✘ 💋. " * 2000
    analysis = engine.analyse("", text, lang="en")
    assert "third_party" not in analysis.categories
    assert 0 < len(calls) <= 20
