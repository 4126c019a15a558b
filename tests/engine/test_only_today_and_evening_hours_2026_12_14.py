"""movement: only today in a town, leaving tomorrow (bg, hu, pl, es). Set aside: a refusal
"that's not for me" after the cue (pl); evening hours up to midnight are no age ("tylko
wieczorami, 18-24") and no round-the-clock service ("de 18 a 24 h"). language_barrier:
third-person plural verbs (hu).

Invented ads only (no contact details but invented ones)."""

from __future__ import annotations

import pytest

from pipelines.engine.indicators import IndicatorEngine
from tests.support.engine import categories

ONLY_TODAY = [
    ("bg", "Само тази вечер във Видин 😘 Ескорт, 150 лв на час."),
    ("bg", "Утре заминавам, побързай 😘 Секс у мен, Ямбол, 100 лв."),
    ("hu", "Csak ma este vagyok itt 😘 Szex, Nyíregyháza, 25e/óra."),
    ("hu", "Holnap továbbutazom, ma még hívhatsz 😘 Szex, Szolnok, 25e/óra."),
    ("pl", "Tylko dziś wieczorem w Elblągu 😘 Seks, 300 zł za godzinę."),
    ("pl", "Jutro wyjeżdżam, dzwoń dziś 😘 Roksa, seks, Płock, 300 zł."),
    ("es", "Solo esta noche en Huesca 😘 Escort, 120 € la hora."),
    ("es", "Mañana me marcho, aprovecha hoy 😘 Sexo en hotel, Soria, 100 €/h."),
]


@pytest.mark.parametrize(("lang", "text"), ONLY_TODAY)
def test_only_today_or_leaving_tomorrow_is_movement(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "movement" in categories(engine, text, lang)


def test_that_s_not_for_me_refuses_the_cue(engine: IndicatorEngine) -> None:
    text = "Szukasz „seksu bez gumki” – to nie do mnie. Roksa Opole, 300 zł za godzinę."
    assert "unsafe_services" not in categories(engine, text, "pl")


def test_the_positive_ad_still_flags(engine: IndicatorEngine) -> None:
    text = "Seks bez gumki, dopłata do uzgodnienia. Roksa Opole, 300 zł za godzinę."
    assert "unsafe_services" in categories(engine, text, "pl")


def test_evening_hours_after_a_comma_are_no_age(engine: IndicatorEngine) -> None:
    text = "Przyjmuję tylko wieczorami, 18-24. Seks, Kalisz, 300 zł za godzinę."
    assert engine.analyse("", text, lang="pl").stated_age is None


def test_an_age_after_a_comma_still_counts(engine: IndicatorEngine) -> None:
    text = "Przyjmuję tylko wieczorami. Kasia, 19. Seks, Kalisz, 300 zł za godzinę."
    assert engine.analyse("", text, lang="pl").stated_age == 19


def test_hours_up_to_midnight_are_no_round_the_clock(engine: IndicatorEngine) -> None:
    text = "Recibo en mi piso de 18 a 24 h. Escort en Teruel, 100 € la hora."
    assert "availability_24_7" not in categories(engine, text, "es")


def test_twenty_four_hours_still_flags(engine: IndicatorEngine) -> None:
    text = "Recibo en mi piso las 24 horas. Escort en Teruel, 100 € la hora."
    assert "availability_24_7" in categories(engine, text, "es")


def test_masseuses_who_speak_no_hungarian_are_a_barrier(engine: IndicatorEngine) -> None:
    text = "A lányok nem beszélnek magyarul, csak angolul. Erotikus masszázs, Győr, 20e/óra."
    assert "language_barrier" in categories(engine, text, "hu")
