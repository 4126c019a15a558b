"""movement said obliquely: tomorrow in another town, the last evening here, here since
this week, here for an event, leaving for home on a given day, gone afterwards; women on
stints of weeks replaced by the next (pl). youth: a first-year student, school finished
only this or last year. Set aside: people asking whether she is only here briefly, an age
limit said as "over" (a job's requirement), (bg, hu, pl, es).

Invented ads only (no contact details but invented ones)."""

from __future__ import annotations

import pytest

from pipelines.engine.indicators import IndicatorEngine
from tests.support.engine import categories

MOVEMENT = [
    ("bg", "Вдругиден ще бъда вече в друг град 😘 Ескорт, Шумен, 120 лв на час."),
    ("bg", "Последната ми нощ тук, после ме няма. Секс у мен, Сливен, 100 лв."),
    ("hu", "Holnaptól már másik városban leszek 😘 Szex, Sopron, 25000 Ft/óra."),
    ("hu", "Vasárnap este már indulok haza. Erotikus masszázs, Kecskemét, 20e/óra."),
    ("pl", "Od tego tygodnia jestem w Rzeszowie 😘 Roksa, seks, 300 zł za godzinę."),
    ("pl", "Ostatni wieczór w Olsztynie, jutro będę już w innym mieście. Seks, 300 zł/h."),
    ("es", "Mi última noche en Cáceres 😘 Mañana estaré en otra ciudad. Escort, 100 €/h."),
    ("es", "Vengo solo para la feria, el domingo me vuelvo a casa. Sexo en hotel, 120 €/h."),
]


@pytest.mark.parametrize(("lang", "text"), MOVEMENT)
def test_another_town_tomorrow_or_only_for_an_event_is_movement(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "movement" in categories(engine, text, lang)


YOUTH = [
    ("bg", "Първокурсничка съм, търся щедър господин 😘 Секс у мен, Велико Търново."),
    ("hu", "Elsőéves egyetemista vagyok, diszkrét találkák 😘 Szex, Debrecen, 25e/óra."),
    ("pl", "Studentka pierwszego roku, dyskretne spotkania 😘 Seks, Kraków, 300 zł."),
    ("pl", "Świeżo po maturze, szukam sponsora 😘 Seks w hotelu, Toruń, 400 zł."),
    ("es", "Universitaria de primer año, discreta 😘 Sexo en hotel, Salamanca, 100 €/h."),
    ("es", "Recién salida del instituto, con muchas ganas 😘 Escort, Jaén, 100 €/h."),
]


@pytest.mark.parametrize(("lang", "text"), YOUTH)
def test_a_first_year_student_or_school_just_finished_is_youth(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "youth" in categories(engine, text, lang)


def test_people_asking_whether_she_is_only_here_briefly_is_no_stay(
    engine: IndicatorEngine,
) -> None:
    text = (
        "Me preguntan si 'solo estoy esta semana' o si me voy a otra plaza. No: vivo en "
        "Cádiz desde hace años. Escort, 100 €/h."
    )
    assert "movement" not in categories(engine, text, "es")


def test_the_positive_ad_still_flags(engine: IndicatorEngine) -> None:
    text = "Solo estoy esta semana en Cádiz, luego me voy a otra plaza. Escort, 100 €/h."
    assert "movement" in categories(engine, text, "es")


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("es", "Se busca camarera para bar de copas. Requisitos: mayor de 25 años."),
        ("pl", "Zatrudnię kelnerkę, praca wieczorami, powyżej 25 lat."),
        ("bg", "Търсим сервитьорка за нощен бар, над 25 години."),
    ],
)
def test_an_age_limit_said_as_over_is_no_stated_age(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert engine.analyse("", text, lang=lang).stated_age is None


@pytest.mark.parametrize(
    ("lang", "text", "age"),
    [
        ("es", "Soy Lola, tengo 25 años. Escort en Cádiz.", 25),
        ("pl", "Ola, 25 lat, seks w Toruniu.", 25),
    ],
)
def test_a_person_s_age_is_still_stated(
    engine: IndicatorEngine, lang: str, text: str, age: int
) -> None:
    assert engine.analyse("", text, lang=lang).stated_age == age
