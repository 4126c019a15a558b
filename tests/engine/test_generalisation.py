"""Generalisation: the engine on labelled ads written independently of the dev set.

Two sources, each held to the acceptance bars (micro-F1 >= 0.90 overall, >= 0.80 in
every language; tables printed with ``pytest -s`` and in the terminal summary):

* ``tests/engine/data/holdout_ha.jsonl``: slangy ads written independently (its misses
  were studied when the lexicon was extended, so it is now a regression set);
* ``tests/engine/data/holdout_hb.jsonl``: a broad mix with many hard negatives, written
  independently; two of its missed ads were read when the ad-context stage was tuned,
  so it is a regression set too;
* ``tests/engine/data/regression_2026_12.jsonl``: ordinary classifieds that share words
  with escort ads (a band on tour, a job ad with a "young team" and "24/7 on-call", a
  phone plan "without limits", "we are 3 housemates", a language course), negation
  forms ("nothing new in town", "no agency or 'manager'", post-negation) and evasions,
  in every language: written to develop the ad-context stage, so a regression set;
* the demo site generator's ground truth (seed 7, 400 ads).

On each source, at most 10% of the ads without any indicator may become hits.
The honest estimate of generalisation is the blind set (``blind_2026_12.jsonl``,
``tests/engine/test_blind.py``), scored twice only.

Then one focused test per family of false positives those sources revealed: stems of
one language running into words of another, working hours per week, "new" girls that
are several persons rather than new arrivals, nationality adjectives of food, "young at
heart", "always up for a chat", third-person "write to her", post-negated agencies.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pipelines.engine.evaluate import EvalReport, LabelledAd, evaluate, format_report, load_labelled
from pipelines.engine.indicators import IndicatorEngine

OVERALL_F1 = 0.90
PER_LANGUAGE_F1 = 0.80
DATA = Path(__file__).with_name("data")
DEMO_SEED = 7
DEMO_ADS = 400


def _demo_ads() -> list[LabelledAd]:
    generator = pytest.importorskip("crawler.demosite.generator")
    truth = generator.generate_ground_truth(ads=DEMO_ADS, seed=DEMO_SEED)
    return [
        LabelledAd(ad.ad_id, ad.lang, ad.title, ad.text, frozenset(ad.labels))
        for ad in truth.ads.values()
    ]


def _holdout(name: str) -> Callable[[], list[LabelledAd]]:
    def load() -> list[LabelledAd]:
        path = DATA / f"{name}.jsonl"
        if not path.is_file():
            pytest.skip(f"holdout set not found at {path}")
        return load_labelled(path)

    return load


SOURCES = {
    "holdout_ha": _holdout("holdout_ha"),
    "holdout_hb": _holdout("holdout_hb"),
    "regression_2026_12": _holdout("regression_2026_12"),
    "demo_generator": _demo_ads,
}


@pytest.fixture(scope="module", params=sorted(SOURCES))
def report(
    request: pytest.FixtureRequest, terminal_summary: Callable[[str, str], None]
) -> tuple[str, EvalReport]:
    name = request.param
    result = evaluate(IndicatorEngine.from_dir(), SOURCES[name]())
    text = f"[{name}] " + format_report(result)
    print("\n" + text)
    terminal_summary(f"generalisation: {name}", text)
    return name, result


def test_micro_f1_on_independent_ads_reaches_the_bar(report: tuple[str, EvalReport]) -> None:
    name, result = report
    assert result.overall.f1 >= OVERALL_F1, f"{name}\n{format_report(result)}"


def test_micro_f1_on_independent_ads_reaches_the_bar_in_every_language(
    report: tuple[str, EvalReport],
) -> None:
    name, result = report
    low = {lang: c.f1 for lang, c in result.by_language.items() if c.f1 < PER_LANGUAGE_F1}
    assert not low, f"{name}: {low}\n{format_report(result)}"


MAX_NEGATIVE_HITS = 0.10


def test_few_ads_without_any_indicator_become_hits(report: tuple[str, EvalReport]) -> None:
    name, result = report
    assert result.negatives, name
    assert result.negative_hits / result.negatives <= MAX_NEGATIVE_HITS, name


def _categories(engine: IndicatorEngine, text: str, lang: str) -> list[str]:
    # Fragments of ads, read as if posted on an escort site (the ad-context stage lets
    # every indicator through; it has its own tests in test_context.py).
    analysis = engine.analyse("", text, lang=lang, source_kind="escort")
    return [c for c in analysis.categories if c != "low_price"]


# -------------------------------------------------- stems do not cross languages


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Just turned 20, young and playful.", "en"),  # hu turné* vs "turned"
        ("Möbliertes Zimmer, ab sofort frei. Keine Haustiere.", "de"),  # hu sofőr* vs "sofort"
        ("Ich arbeite als Klubmitglied im Tennisverein.", "de"),  # hu klub* vs "klubmitglied"
    ],
)
def test_a_stem_of_one_language_does_not_prefix_match_a_word_of_another(
    engine: IndicatorEngine, text: str, lang: str
) -> None:
    found = engine.analyse("", text, lang=lang)
    assert not [i.rule for i in found.indicators if ".hu." in i.rule]


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("A sofőrnek kell fizetni.", "third_party"),
        ("Turnén vagyok, jövő héten Szegeden.", "movement"),
    ],
)
def test_a_stem_still_matches_its_endings_in_its_own_language(
    engine: IndicatorEngine, text: str, category: str
) -> None:
    assert category in _categories(engine, text, "hu")


def test_a_stem_matches_every_ending_when_the_language_is_unknown(
    engine: IndicatorEngine,
) -> None:
    assert "third_party" in _categories(engine, "A sofőrnek kell fizetni.", "unknown")


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Nu vorbește română, scrie-i doar SMS (sau în rusă).", "ro"),  # es "rusa"
        ("Iubesc mâncarea italiană și vinul bun.", "ro"),  # es "italiana"
    ],
)
def test_a_local_rule_does_not_fire_in_another_language(
    engine: IndicatorEngine, text: str, lang: str
) -> None:
    assert "origin" not in _categories(engine, text, lang)


def test_a_local_rule_fires_in_its_own_language(engine: IndicatorEngine) -> None:
    assert "origin" in _categories(engine, "Rumana, 23 años, muy cariñosa.", "es")


def test_an_accentless_hungarian_word_does_not_match_english(engine: IndicatorEngine) -> None:
    text = "Young girl of 20. No English, only a little Spanish. I work alone."
    assert "third_party" not in _categories(engine, text, "en")


# ------------------------------------------------- working hours are not 24/7


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Junges Unternehmen sucht Verstärkung für 24 Stunden pro Woche.", "de"),
        ("Empresa joven busca personal para 24 horas semanales.", "es"),
        ("Młoda firma szuka pracownika na 24 godziny tygodniowo.", "pl"),
        ("Fiatal cég heti 24 órás munkára keres munkatársat.", "hu"),
        ("Firmă tânără angajează pentru 24 de ore pe săptămână.", "ro"),
        ("Warehouse job, 24 hours a week, start Monday.", "en"),
        ("Bijbaan in de winkel, 24 uur per week.", "nl"),
        ("Търсим служител за 24 часа седмично.", "bg"),
    ],
)
def test_hours_per_week_in_a_job_ad_are_not_round_the_clock(
    engine: IndicatorEngine, text: str, lang: str
) -> None:
    assert "availability_24_7" not in _categories(engine, text, lang)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Available 24 hours a day, 7 days a week.", "en"),
        ("24 Stunden erreichbar, auch am Wochenende.", "de"),
        ("Disponible 24 horas, todos los días.", "es"),
    ],
)
def test_twenty_four_hours_a_day_is_still_round_the_clock(
    engine: IndicatorEngine, text: str, lang: str
) -> None:
    assert "availability_24_7" in _categories(engine, text, lang)


# ------------------------------------ "5 new girls" is several persons, not movement


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("We have 5 new girls, take your pick.", "en"),
        ("Wir haben 5 neue Mädchen, du hast die Wahl.", "de"),
        ("Wij hebben 5 nieuwe meiden, kies maar uit.", "nl"),
        ("Avem 5 fete noi, alege-o pe care o vrei.", "ro"),
        ("Имаме 5 нови момичета, избери си.", "bg"),
        ("5 új lányunk van, válassz.", "hu"),
        ("Mamy 5 nowych dziewczyn, wybierz.", "pl"),
        ("Tenemos 5 chicas nuevas, elige.", "es"),
    ],
)
def test_a_number_of_new_girls_is_third_party_not_movement(
    engine: IndicatorEngine, text: str, lang: str
) -> None:
    found = _categories(engine, text, lang)
    assert "movement" not in found
    assert "third_party" in found


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("New in town! Anna, just arrived.", "en"),
        ("Nieuw in Utrecht, net aangekomen.", "nl"),
        ("Gerade in Frankfurt am Main angekommen!", "de"),
    ],
)
def test_newly_arrived_is_still_movement(engine: IndicatorEngine, text: str, lang: str) -> None:
    assert "movement" in _categories(engine, text, lang)


# ------------------------------- nationality of food, lessons, products: not origin


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Iubesc mâncarea italiană și vinul bun.", "ro"),
        ("Me encanta la comida italiana y el buen vino.", "es"),
        ("I love Italian food and a good glass of wine.", "en"),
        ("Ich liebe italienisches Essen und guten Wein.", "de"),
        ("Ik hou van Italiaanse keuken en goede wijn.", "nl"),
        ("Kocham włoską kuchnię i dobre wino.", "pl"),
        ("Imádom az olasz konyhát és a jó bort.", "hu"),
        ("Обичам италианската кухня и хубавото вино.", "bg"),
        ("Leer Roemeens! Docente is moedertaalspreker uit Iași.", "nl"),
    ],
)
def test_a_nationality_of_food_or_lessons_is_not_origin(
    engine: IndicatorEngine, text: str, lang: str
) -> None:
    assert "origin" not in _categories(engine, text, lang)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Ungarischer Charme, exotischer Look.", "de"),
        ("Унгарски чар, екзотичен вид.", "bg"),
        ("Prawdziwa polska dziewczyna w Berlinie.", "pl"),
        ("Alina, 19, uit Kiev.", "nl"),
    ],
)
def test_a_foregrounded_nationality_of_the_person_is_origin(
    engine: IndicatorEngine, text: str, lang: str
) -> None:
    assert "origin" in _categories(engine, text, lang)


# -------------------------------------------------- young at heart is not youth


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Szívben fiatal, fejben érett.", "hu"),
        ("Young at heart, mature in mind.", "en"),
        ("Jong van hart, volwassen van geest.", "nl"),
        ("Im Herzen jung geblieben.", "de"),
        ("Tânără la suflet, matură la minte.", "ro"),
        ("Млада по душа, зряла по ум.", "bg"),
        ("Młoda duchem, dojrzała umysłem.", "pl"),
        ("Joven de corazón, madura de mente.", "es"),
    ],
)
def test_young_at_heart_is_not_youth(engine: IndicatorEngine, text: str, lang: str) -> None:
    assert "youth" not in _categories(engine, text, lang)


# ------------------------------------------ always up for a chat is not 24/7


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Приятелски настроена, спокойна и винаги готова за разговор.", "bg"),
        ("Friendly, relaxed and always ready for a chat.", "en"),
        ("Altijd in voor een praatje.", "nl"),
        ("Immer bereit für ein Gespräch.", "de"),
        ("Mereu gata de vorbă.", "ro"),
        ("Zawsze chętna do rozmowy.", "pl"),
        ("Siempre dispuesta a charlar.", "es"),
    ],
)
def test_always_up_for_a_chat_is_not_round_the_clock(
    engine: IndicatorEngine, text: str, lang: str
) -> None:
    assert "availability_24_7" not in _categories(engine, text, lang)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Always available, call me anytime.", "en"),
        ("Винаги на разположение, нон-стоп.", "bg"),
        ("Our ladies are ready for outcalls any hour, we never close.", "en"),
    ],
)
def test_constant_availability_is_still_round_the_clock(
    engine: IndicatorEngine, text: str, lang: str
) -> None:
    assert "availability_24_7" in _categories(engine, text, lang)


# ----------------------------------------------------- third party, both ways


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Katia, 24 ani, nu vorbește română, scrie-i doar SMS.", "ro"),
        ("Kiadó albérlet, közvetlenül a tulajdonostól, ügynökség kizárva.", "hu"),
    ],
)
def test_writing_to_her_or_an_excluded_agency_is_not_third_party(
    engine: IndicatorEngine, text: str, lang: str
) -> None:
    assert "third_party" not in _categories(engine, text, lang)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Anna spreekt geen Nederlands, een vriend regelt de afspraken voor haar.", "nl"),
        ("Mira csak oroszul beszél, a barátja intézi a foglalást.", "hu"),
        ("Не знае немски – приятелката ѝ урежда срещите.", "bg"),
        ("Rezerwacje i płatności wyłącznie przez właściciela.", "pl"),
        ("We have 4 Romanian & Bulgarian ladies. Management answers.", "en"),
    ],
)
def test_someone_else_arranging_is_third_party(
    engine: IndicatorEngine, text: str, lang: str
) -> None:
    assert "third_party" in _categories(engine, text, lang)
