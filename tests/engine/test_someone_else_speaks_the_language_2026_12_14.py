"""language_barrier said obliquely: someone else speaks the language and she does not,
the language is weak with her, she knows only these few words of it, she does not
understand it spoken (bg, hu, pl, es).

Invented ads only (no contact details but invented ones)."""

from __future__ import annotations

import pytest

from pipelines.engine.indicators import IndicatorEngine
from tests.support.engine import categories

BARRIER = [
    ("bg", "Сестра ми урежда срещите: тя говори български, аз не. Ескорт, Русе, 150 лв."),
    ("bg", "Английски разбирам много трудно, пиши кратко. Секс у мен, Плевен, 100 лв на час."),
    ("bg", "С българския ми е трудно, по-добре пиши. Интимен масаж, Бургас, 80 лв."),
    ("hu", "Az unokatestvérem beszél magyarul, én nem. Szex, Miskolc, 20000 Ft/óra."),
    ("hu", "Angolul csak ezt a pár szót tudom: hello, kiss 😘 Privát lakás, Pécs, 25e/óra."),
    ("hu", "A magyar szöveget alig értem, írj röviden. Erotikus masszázs, Eger, 18000 Ft/óra."),
    ("pl", "Koleżanka zna polski, ja nie, więc pisz do niej. Roksa Łódź, 250 zł za godzinę."),
    ("pl", "Z angielskim u mnie słabo, z polskim jeszcze gorzej. Seks, Opole, 300 zł/h."),
    ("pl", "Po polsku umiem tylko kilka słów 😘 Masaż erotyczny, Gdańsk, 200 zł."),
    ("es", "Mi amiga habla español, yo no, así que escríbele a ella. Escort en Cádiz, 100 €/h."),
    ("es", "Mi español es muy básico, escríbeme despacio 😘 Sexo y masaje, Lugo, 70 € la hora."),
    ("es", "De español solo sé decir hola y gracias. Recibo en mi piso, Oviedo, 90 €/h."),
]


@pytest.mark.parametrize(("lang", "text"), BARRIER)
def test_someone_else_speaks_the_language_or_hers_is_weak(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "language_barrier" in categories(engine, text, lang)


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("pl", "Mówię po polsku i po angielsku, on nie. Roksa Łódź, 250 zł za godzinę."),
        ("es", "Hablo español perfectamente 😘 Escort en Cádiz, 100 €/h."),
    ],
)
def test_her_own_good_language_is_no_barrier(engine: IndicatorEngine, lang: str, text: str) -> None:
    assert "language_barrier" not in categories(engine, text, lang)
