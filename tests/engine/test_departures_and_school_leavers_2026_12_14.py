"""Movement said as a departure (the train, bus or plane on a named day, a suitcase never
unpacked, the last weekend in a town) and youth said without an age (not yet 21, barely
19, just out of secondary school, a birth year of an 18-20-year-old).

Phrasings of these tests were written for them, not taken from an evaluation set.
Invented ads only (no contact details but invented ones)."""

from __future__ import annotations

import datetime

import pytest

from pipelines.engine.indicators import IndicatorEngine
from pipelines.engine.lexicon import BIRTH_YEARS_SET, _built_in_sets
from tests.support.engine import categories

DEPARTURES = [
    ("en", "My flight home leaves on Monday, so see me while you can. Escort Leeds, £150/hr."),
    ("en", "Living out of my suitcase this month. Incall Bristol, £140/hr, GFE."),
    ("nl", "Vrijdag vertrekt mijn trein alweer, dus app snel. Escort Zwolle, 150 per uur."),
    ("nl", "Mijn koffer heb ik nog niet uitgepakt. Escort Utrecht, 160 per uur, ontvangst."),
    ("de", "Am Montag fährt mein Bus schon weiter. Escort Bremen, 150 €/Std., Hotelbesuche."),
    ("de", "Meinen Koffer habe ich noch gar nicht ausgepackt. Escort Kiel, 140 €/Std."),
    ("ro", "Sâmbătă iau autobuzul spre Cluj, deci grăbește-te. Escortă Sibiu, 400 lei ora."),
    ("ro", "Ultima săptămână în Brașov pentru mine. Escortă, 400 lei ora, hotel."),
]


@pytest.mark.parametrize(("lang", "text"), DEPARTURES)
def test_a_departure_is_movement(engine: IndicatorEngine, lang: str, text: str) -> None:
    assert "movement" in categories(engine, text, lang)


def test_a_train_timetable_is_no_departure(engine: IndicatorEngine) -> None:
    text = "Bike for sale, 120 euro. Close to the station, my train leaves at 8 so call before."
    assert categories(engine, text, "en") == []


YOUNG = [
    ("en", "Not even 21 yet and new to this. Escort Reading, incall, £150/hr."),
    ("en", "Just left sixth form, sweet and slim. Escort Derby, incall, £130/hr."),
    ("nl", "Nog lang geen 21, klein en slank. Escort Leiden, 150 per uur, ontvangst."),
    ("nl", "Net mijn diploma op zak, lief en slank. Escort Delft, 150 per uur."),
    ("de", "Frisch nach dem Abitur, schlank und süß. Escort Jena, 150 €/Std., Hotelbesuche."),
    ("de", "Kaum 19 und neugierig. Escort Trier, 140 €/Std., privat."),
    ("ro", "Proaspăt absolventă de liceu, dulce și slabă. Escortă Iași, 400 lei ora."),
    ("ro", "Încă nu am împlinit 21, vino să mă cunoști. Escortă Arad, 400 lei ora."),
    ("de", "Noch nicht einmal 21 und neugierig. Escort Ulm, 150 €/Std., Hausbesuche."),
]


@pytest.mark.parametrize(("lang", "text"), YOUNG)
def test_young_without_an_age(engine: IndicatorEngine, lang: str, text: str) -> None:
    assert "youth" in categories(engine, text, lang)


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "Born in the spring of 2007, slim and shy. Incall Leicester, £140/hr."),
        ("de", "Jahrgang 2008, schlank. Escort Mainz, 150 €/Std., Hotelbesuche."),
        ("ro", "Născută în 2007, blondă. Escortă Oradea, 400 lei ora, hotel."),
    ],
)
def test_a_birth_year_of_an_18_to_20_year_old(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "youth" in categories(engine, text, lang)


def test_a_denied_age_of_21_is_not_the_stated_age(engine: IndicatorEngine) -> None:
    analysis = engine.analyse("", "Not even 21 yet, slim. Escort Reading, £150/hr.", lang="en")
    assert analysis.stated_age is None
    assert "youth" in analysis.categories


def test_a_stated_age_of_21_still_sets_young_words_aside(engine: IndicatorEngine) -> None:
    text = "Young and sweet Mia, 21 years, escort in Reading, £150/hr."
    assert "youth" not in categories(engine, text, "en")


def test_an_older_birth_year_is_no_youth(engine: IndicatorEngine) -> None:
    text = "Born in 1990, curvy and warm. Incall Leicester, £140/hr."
    assert "youth" not in categories(engine, text, "en")


def test_the_birth_years_are_those_of_18_to_20_year_olds_this_year(
    engine: IndicatorEngine,
) -> None:
    """``{young_birth_years}`` is worked out from the date: the rule never needs moving
    on in January (it named fixed years until 2026.12.16)."""
    year = datetime.date.today().year
    for age in (18, 19, 20):
        text = f"Born in {year - age}, slim. Incall Leicester, £140/hr."
        assert "youth" in categories(engine, text, "en"), age
    for age in (17, 21, 30):
        text = f"Born in {year - age}, slim. Incall Leicester, £140/hr."
        assert "youth" not in categories(engine, text, "en"), age


def test_the_built_in_birth_years_follow_the_year() -> None:
    assert _built_in_sets(datetime.date(2027, 1, 1)) == {BIRTH_YEARS_SET: "(2007|2008|2009)"}
    assert _built_in_sets(datetime.date(2026, 12, 31)) == {BIRTH_YEARS_SET: "(2006|2007|2008)"}
