"""The learned backstop (pipelines/engine/learned.py): what it adds, what it refuses, its
model file, its configuration and ``lcom learn``.

The ads here are invented for these tests; none is in a labelled set.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest

from crawler.cli import main
from pipelines.engine.evaluate import load_labelled
from pipelines.engine.indicators import IndicatorEngine
from pipelines.engine.learned import TARGETS, LearnedModel, train
from pipelines.engine.lexicon import DEFAULT_LEXICON_DIR, LexiconError, load_lexicon, set_words

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[2]
#: Sets never read, scored only for their aggregates: no model may learn from them.
HONEST = {f"blind_2026_12{x}.jsonl" for x in "cefhjlps"}
TARGET_LIST = json.dumps(list(TARGETS))


def learned_rules(engine: IndicatorEngine, text: str, lang: str = "en") -> list[str]:
    return [i.rule for i in engine.analyse("", text, lang=lang).indicators if "learned" in i.rule]


def lexicon_with(tmp_path: Path, learned: str) -> Path:
    folder = tmp_path / "lexicons"
    shutil.copytree(DEFAULT_LEXICON_DIR, folder)
    config = folder / "config.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(re.sub(r"\nlearned:\n(?:  .*\n)+", f"\n{learned}", text), encoding="utf-8")
    return folder


# ------------------------------------------------------------ what it adds and refuses

ADDED = [
    # Bookings at a reception desk, said without any of the rules' words.
    (
        "Sexy Mia, incall. Reception takes your call and tells you which of the ladies is free.",
        "learned:third_party",
    ),
    # A stay that moves on every week.
    (
        "Sexy Mia, incall. I travel a lot, this week I am here, next week somewhere else.",
        "learned:movement",
    ),
]


@pytest.mark.parametrize(("text", "rule"), ADDED)
def test_a_category_said_in_words_no_rule_names_counts(
    engine: IndicatorEngine, rules_only: IndicatorEngine, text: str, rule: str
) -> None:
    assert rules_only.analyse("", text, lang="en").categories == []
    analysis = engine.analyse("", text, lang="en")
    (indicator,) = [i for i in analysis.indicators if i.rule == rule]
    assert analysis.hit and indicator.category == rule.split(":")[1]
    # The evidence is the word that weighs most, in the text as published.
    e = indicator.evidence
    assert e.field == "text" and text[e.start : e.end].lower() in {"reception", "week"}
    assert {"category": indicator.category, "rule": rule, "evidence": e.to_dict()} in (
        analysis.explanation()["matched"]
    )


def test_its_negated_evidence_is_set_aside(engine: IndicatorEngine) -> None:
    text = "Sexy Mia, incall. There is no reception here, you call me directly."
    analysis = engine.analyse("", text, lang="en")
    assert analysis.categories == []
    (suppressed,) = [s for s in analysis.suppressed if s.rule == "learned:third_party"]
    assert (suppressed.reason, suppressed.detail) == ("negated", "no")
    # The positive ad of the same words still flags (ADDED above).
    assert learned_rules(engine, ADDED[0][0]) == ["learned:third_party"]


def test_a_category_the_rules_set_aside_is_not_added_back(engine: IndicatorEngine) -> None:
    # The rules negate the friend who books; the words still weigh for third_party.
    text = "Ik spreek Nederlands en Engels. Afspraken via mij, niet via haar vriendin."
    analysis = engine.analyse("", text, lang="nl", source_kind="escort")
    assert [s.reason for s in analysis.suppressed if s.category == "third_party"] == ["negated"]
    assert analysis.categories == []
    # The friend who books, not denied, still flags.
    text = "Spreekt alleen Roemeens. Afspraken via haar vriendin."
    assert "third_party" in engine.analyse("", text, lang="nl").categories


def test_languages_ages_hours_and_nationalities_are_left_to_the_rules(
    engine: IndicatorEngine,
) -> None:
    # Words a language barrier and its absence share ("I speak English", "no English").
    analysis = engine.analyse("", "I speak Dutch, English and German", source_kind="escort")
    assert analysis.categories == []
    assert engine.lexicon.learned is not None
    assert set(engine.lexicon.learned.categories) == {"movement", "third_party"}
    # A language name weighs nothing for a language barrier.
    model = engine.lexicon.learned.model
    names = {f"w:{name}" for name in set_words("lang")}
    assert all(model.weight(f, "language_barrier") == 0 for f in names & set(model.index))


def test_outside_the_service_context_nothing_is_added(engine: IndicatorEngine) -> None:
    text = "Our front desk answers your call and tells you which room is free. Hotel Ibis."
    analysis = engine.analyse("", text, lang="en")
    assert analysis.context.service is False and analysis.categories == []


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
    assert cue.rule == "learned:hit" and cue.weight == 0.5 and cue.snippet


def test_ordinary_classifieds_are_not_lifted(engine: IndicatorEngine) -> None:
    for lang, text in [
        ("hu", "Kiadó privát szoba a belvárosban, rezsi 20 ezer. Együtt vagy külön is bérelhető."),
        ("en", "Band on tour: Leeds on Friday, York on Saturday, then Hull. Tickets at the door."),
        ("en", "Room to let for a quiet student, we are 3 housemates, bills included."),
    ]:
        analysis = engine.analyse("", text, lang=lang)
        assert analysis.context.service is False and analysis.hit is False, text


# --------------------------------------------------------------------- the model file


def test_the_bundled_model_learned_only_from_sets_whose_errors_were_read() -> None:
    model = LearnedModel.load(DEFAULT_LEXICON_DIR / "learned.json")
    assert model.sets, "the model lists the sets it was trained on"
    for trained in model.sets:
        assert trained.file not in HONEST
        path = DATA / trained.file
        assert hashlib.sha256(path.read_bytes()).hexdigest() == trained.sha256, trained.file
        assert len(load_labelled(path)) == trained.ads
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    listed = makefile.split("LEARN_SETS = ", 1)[1].split("\nlearn:", 1)[0]
    assert sorted(re.findall(r"[\w.]+\.jsonl", listed)) == sorted(s.file for s in model.sets)


def test_the_bundled_model_is_what_lcom_learn_writes(tmp_path: Path) -> None:
    bundled = LearnedModel.load(DEFAULT_LEXICON_DIR / "learned.json")
    out = tmp_path / "learned.json"
    assert main(["learn", *(str(DATA / s.file) for s in bundled.sets), "--out", str(out)]) == 0
    assert out.read_bytes() == (DEFAULT_LEXICON_DIR / "learned.json").read_bytes()


def test_training_is_deterministic_and_drops_digits_and_one_off_words() -> None:
    ads = [(ad.title, ad.text, ad.labels) for ad in load_labelled(DATA / "holdout_ha.jsonl")]
    first, second = train(ads), train(ads)
    assert first.to_dict() == second.to_dict()
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
    ],
)
def test_a_broken_model_file_names_itself_and_the_fix(
    tmp_path: Path, content: str, message: str
) -> None:
    folder = lexicon_with(
        tmp_path,
        "learned:\n  model: learned.json\n  categories: [movement]\n  category: 0.7\n"
        "  evidence_weight: 0.8\n  context: 0.7\n  context_margin: 0.5\n",
    )
    (folder / "learned.json").write_text(content, encoding="utf-8")
    with pytest.raises(LexiconError, match=re.escape(message)) as raised:
        load_lexicon(folder)
    assert str(folder / "learned.json") in str(raised.value) and "lcom learn" in str(raised.value)


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("learned:\n  model: ../learned.json\n", "learned: model must be the name of a file"),
        (
            "learned:\n  model: learned.json\n  category: 0.7\n",
            "learned: evidence_weight must be a number, not None",
        ),
        (
            "learned:\n  model: learned.json\n  category: 0.3\n  evidence_weight: 1\n"
            "  context: 0.7\n  context_margin: 0.5\n",
            "learned: category is a probability from 0.5 to 1",
        ),
        (
            "learned:\n  model: learned.json\n  categories: [movment]\n  category: 0.7\n"
            "  evidence_weight: 1\n  context: 0.7\n  context_margin: 0.5\n",
            "learned: categories must be a list of categories",
        ),
        (
            "learned:\n  model: learned.json\n  categories: []\n  category: 0.7\n"
            "  evidence_weight: -1\n  context: 0.7\n  context_margin: 0.5\n",
            "learned: evidence_weight must be 0 or more",
        ),
    ],
)
def test_a_bad_learned_section_names_the_config_and_the_field(
    tmp_path: Path, section: str, message: str
) -> None:
    folder = lexicon_with(tmp_path, section)
    with pytest.raises(LexiconError, match=re.escape(message)) as raised:
        load_lexicon(folder)
    assert str(folder / "config.yaml") in str(raised.value)


# ------------------------------------------------------------------------ lcom learn


def test_lcom_learn_refuses_unknown_labels_and_missing_sets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.jsonl"
    ad = {"id": "x-1", "lang": "en", "title": "", "text": "Hi", "labels": ["third-party"]}
    bad.write_text(json.dumps(ad) + "\n", encoding="utf-8")
    out = tmp_path / "learned.json"
    assert main(["learn", str(bad), "--out", str(out)]) == 2
    assert "bad.jsonl: ad x-1: unknown label(s) third-party" in capsys.readouterr().err
    assert main(["learn", str(tmp_path / "missing.jsonl"), "--out", str(out)]) == 2
    assert "missing.jsonl: cannot read labelled ads" in capsys.readouterr().err
    assert not out.exists()
