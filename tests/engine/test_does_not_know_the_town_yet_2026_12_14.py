"""movement: she does not know the town yet (bg, hu, pl, es).

Invented ads only (no contact details but invented ones)."""

from __future__ import annotations

import pytest

from pipelines.engine.indicators import IndicatorEngine
from tests.support.engine import categories


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("bg", "Още не познавам града, покажи ми го 😘 Ескорт, Габрово, 120 лв на час."),
        ("bg", "Все още не познавам района, ела при мен 😘 Секс, Кюстендил, 100 лв."),
        ("hu", "Még nem ismerem a várost, mutasd meg 😘 Szex, Zalaegerszeg, 25e/óra."),
        ("hu", "A várost sem ismerem még 😘 Erotikus masszázs, Szombathely, 20e/óra."),
        ("pl", "Jeszcze nie znam miasta, oprowadzisz mnie? 😘 Seks, Legnica, 300 zł."),
        ("pl", "Wciąż nie znam okolicy 😘 Roksa, seks w hotelu, Gniezno, 300 zł/h."),
        ("es", "Todavía no conozco la ciudad, enséñamela 😘 Escort en Lorca, 100 €/h."),
        ("es", "No conozco aún la zona 😘 Sexo en hotel, Ponferrada, 100 € la hora."),
    ],
)
def test_not_knowing_the_town_yet_is_movement(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "movement" in categories(engine, text, lang)
