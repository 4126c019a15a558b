"""language_barrier: understood with gestures, still learning the language; movement:
living out of a suitcase (bg, hu, pl, es).

Invented ads only (no contact details but invented ones)."""

from __future__ import annotations

import pytest

from pipelines.engine.indicators import IndicatorEngine
from tests.support.engine import categories

BARRIER = [
    ("bg", "Ще се разберем с жестове 😘 Секс у мен, Добрич, 100 лв на час."),
    ("bg", "Още уча български, пиши бавно 😘 Ескорт, Хасково, 120 лв."),
    ("hu", "Kézzel-lábbal is megértjük egymást 😘 Szex, Tatabánya, 25e/óra."),
    ("hu", "Még tanulok magyarul, írj lassan 😘 Erotikus masszázs, Eger, 20e/óra."),
    ("pl", "Dogadamy się na migi 😘 Roksa, seks, Białystok, 300 zł za godzinę."),
    ("pl", "Dopiero uczę się polskiego, pisz prosto 😘 Seks, Kielce, 300 zł."),
    ("es", "Nos entendemos por señas 😘 Escort en Almería, 100 € la hora."),
    ("es", "Todavía estoy aprendiendo español, escríbeme fácil 😘 Sexo, Huelva, 90 €/h."),
]


@pytest.mark.parametrize(("lang", "text"), BARRIER)
def test_gestures_or_a_language_still_learnt_are_a_barrier(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "language_barrier" in categories(engine, text, lang)


SUITCASE = [
    ("bg", "Живея на куфар, днес тук, утре там 😘 Ескорт, Перник, 120 лв."),
    ("hu", "Bőröndből élek, ki sem pakoltam 😘 Szex, Sopron, 25e/óra."),
    ("pl", "Żyję na walizkach 😘 Roksa, seks w hotelu, Zamość, 300 zł."),
    ("es", "Vivo con la maleta a cuestas 😘 Escort en Palencia, 100 € la hora."),
    ("es", "Mi maleta sigue sin deshacer 😘 Sexo en hotel, Zamora, 100 €/h."),
]


@pytest.mark.parametrize(("lang", "text"), SUITCASE)
def test_living_out_of_a_suitcase_is_movement(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "movement" in categories(engine, text, lang)
