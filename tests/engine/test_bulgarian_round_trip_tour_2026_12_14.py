"""movement (bg): a round trip ("обиколка") of towns counts as a tour, with the same sense
rule as "турне": only with a place, a schedule or a person nearby.

Invented ads only (no contact details but invented ones)."""

from __future__ import annotations

import pytest

from pipelines.engine.indicators import IndicatorEngine
from tests.support.engine import categories


@pytest.mark.parametrize(
    "text",
    [
        "Две момичета на обиколка из Добруджа: Добрич, Балчик, Каварна. Ескорт, 150 лв.",
        "В петък свършва обиколката ми по морето 😘 Секс в хотела ти, 120 лв на час.",
    ],
)
def test_a_round_trip_of_towns_is_a_tour(engine: IndicatorEngine, text: str) -> None:
    assert "movement" in categories(engine, text, "bg")


def test_a_guided_city_tour_is_no_hit(engine: IndicatorEngine) -> None:
    text = "Пешеходна обиколка на стария град с екскурзовод, всяка събота от 10 ч."
    assert categories(engine, text, "bg") == []
