"""third_party said obliquely: the money goes to him and not to the girl, another takes
the fee or sends the photos of the women free today, the women's numbers are not given
out, the manager books (bg); the women's carer books or picks the lady (pl). Set aside:
her own boss and a hotel's reception she walks past (hu).

Invented ads only (no contact details but invented ones)."""

from __future__ import annotations

import pytest

from pipelines.engine.indicators import IndicatorEngine
from tests.support.engine import categories

THIRD_PARTY = [
    ("bg", "Плащането е при шофьора, не при момичето. Ескорт в хотела ти, София, 200 лв."),
    ("bg", "Телефоните на момичетата не се дават, пиши тук. Секс и масаж, Варна, 120 лв/час."),
    ("bg", "Жана ще ти изпрати снимки на свободните тази вечер. Ескорт, Пловдив, 150 лв."),
    ("bg", "На рецепцията седи Мира, тя прибира парите. Интимен масаж, Бургас, 80 лв."),
    ("pl", "Spotkania ustala moja opiekunka, dzwoń do niej. Roksa Kielce, 300 zł za godzinę."),
    ("pl", "Jestem ich opiekunem, odbieram telefon. Trzy panie, masaż erotyczny, Radom."),
    ("pl", "Pani Ewa dobiera dziewczynę do Twoich życzeń. Seks, hotel, Szczecin, 400 zł."),
]


@pytest.mark.parametrize(("lang", "text"), THIRD_PARTY)
def test_payment_to_him_or_a_carer_who_books_is_a_third_party(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "third_party" in categories(engine, text, lang)


SUPPRESSED = [
    # Her own boss.
    ("hu", "A saját főnököm vagyok, senki sincs mögöttem. Szex, Szeged, 25000 Ft/óra."),
    # A hotel's reception she walks past to the room.
    ("hu", "Szálloda a Duna-parton, a recepciótól egyenesen fel a szobába. Szex, 30e/óra."),
]


@pytest.mark.parametrize(("lang", "text"), SUPPRESSED)
def test_her_own_boss_and_a_hotel_reception_are_no_third_party(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "third_party" not in categories(engine, text, lang)


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("hu", "A főnököm intézi az időpontot, neki fizetsz. Szex, Szeged, 25000 Ft/óra."),
        ("hu", "Fizetés a recepción, a lányok nem kérnek pénzt. Szex, 30e/óra."),
    ],
)
def test_the_positive_ad_still_flags(engine: IndicatorEngine, lang: str, text: str) -> None:
    assert "third_party" in categories(engine, text, lang)


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("hu", "A díjat a sofőrnek adod, nem a lánynak fizetsz. Szex, Vác, 25e/óra."),
        ("hu", "Fizetés előre, nem a hölgynek. Erotikus masszázs, Vác, 20e/óra."),
        ("pl", "Płacisz przy wejściu, nie dziewczynie. Roksa, seks, Sopot, 300 zł."),
        ("pl", "Dziewczyny nie biorą pieniędzy, wszystko przy recepcji. Seks, Sopot."),
        ("es", "El pago se hace en la puerta, no a la chica. Escort en Elche, 100 €/h."),
        ("es", "Las chicas no tocan el dinero. Sexo en piso discreto, Elche, 90 €/h."),
    ],
)
def test_money_not_to_the_girl_is_a_third_party(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "third_party" in categories(engine, text, lang)
