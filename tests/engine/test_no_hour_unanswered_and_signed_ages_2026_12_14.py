"""availability_24_7 said obliquely: no hour at which she does not answer or is closed,
whatever the hour, the phone never off, after midnight or at dawn too (bg, hu, pl, es);
a short ad signed with a name and an age is a personal ad.

Invented ads only (no contact details but invented ones)."""

from __future__ import annotations

import pytest

from pipelines.engine.indicators import IndicatorEngine
from tests.support.engine import categories

ROUND_THE_CLOCK = [
    ("bg", "Няма момент, в който да не отговоря на съобщение. Ескорт, Пловдив, 120 лв на час."),
    ("bg", "Телефонът ми никога не е изключен 📱 Секс и масаж, Варна, 100 лв на час."),
    ("bg", "Звънни без значение по кое време. Интимна среща у мен, Стара Загора."),
    ("hu", "Nincs olyan időpont, amikor ne vennék fel. Szex, Győr, 25000 Ft/óra."),
    ("hu", "Mindegy, hány órakor hívsz, jöhetsz. Erotikus masszázs, Debrecen, 20000 Ft/óra."),
    ("hu", "A telefonom sosem van kikapcsolva 😘 Privát lakás, Szeged, 25e/óra."),
    ("pl", "Nie ma takiej pory, o której nie przyjmę. Roksa Gdynia, 300 zł za godzinę."),
    ("pl", "Nieważne o której, dzwoń śmiało 😘 Seks bez pośpiechu, Lublin, 250 zł/h."),
    ("pl", "Nigdy nie wyłączam telefonu. Masaż erotyczny, Katowice, 200 zł za godzinę."),
    ("es", "No hay momento del día en que no conteste 😘 Escort en Málaga, 100 € la hora."),
    ("es", "Ven a la hora que quieras, incluso de madrugada. Sexo y masaje, Vigo, 80 €/h."),
    ("es", "Nunca apago el móvil 😘 Recibo en mi piso, Granada, 90 € la hora."),
]


@pytest.mark.parametrize(("lang", "text"), ROUND_THE_CLOCK)
def test_no_hour_unanswered_is_round_the_clock(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "availability_24_7" in categories(engine, text, lang)


SET_ASIDE = [
    # "Without looking at the clock" is no hurry, not a time of day.
    (
        "es",
        "Charlamos un rato antes, sin mirar el reloj. Escort en Murcia, de 12 a 21, 120 €/h.",
    ),
    # Refused dawn hours.
    (
        "es",
        "Masaje erótico con final feliz, de 11 a 21 h: no abrimos 24 horas ni de madrugada.",
    ),
]


@pytest.mark.parametrize(("lang", "text"), SET_ASIDE)
def test_no_hurry_and_refused_dawn_hours_are_no_round_the_clock(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "availability_24_7" not in categories(engine, text, lang)


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("pl", "Nie ma godziny, o której bym nie odpisała. Ola, 26. 512 000 111"),
        ("es", "No hay hora en la que no conteste. Carla, 31. 600 000 111"),
        ("bg", "Няма час, в който да не вдигна. Кети, 29. 0888 000 111"),
    ],
)
def test_a_short_ad_signed_with_a_name_and_an_age_is_in_context(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "availability_24_7" in categories(engine, text, lang)


def test_a_name_and_an_age_alone_make_no_hit(engine: IndicatorEngine) -> None:
    assert categories(engine, "Szukam pokoju w centrum od zaraz. Ola, 26. 512 000 111", "pl") == []


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("bg", "Звънни, когато имаш нужда от мен 😘 Ескорт, Видин, 120 лв на час."),
        ("hu", "Akár hajnali háromkor is jöhetsz 😘 Szex, Baja, 25e/óra."),
        ("hu", "Hívj, amikor csak szükséged van rám 😘 Szex, Baja, 25e/óra."),
        ("pl", "Dzwoń nawet o trzeciej w nocy 😘 Seks, Tarnów, 300 zł za godzinę."),
        ("pl", "Pisz, kiedy tylko mnie potrzebujesz 😘 Seks, Tarnów, 300 zł."),
        ("es", "Llámame cuando me necesites 😘 Escort en Toledo, 100 € la hora."),
    ],
)
def test_any_hour_in_words_or_whenever_needed_is_round_the_clock(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "availability_24_7" in categories(engine, text, lang)
