"""Ad context: a person who introduces herself by name ("Моника съм", "Kata vagyok",
"jestem Ania", "soy Lucía") is a personal ad, as a name that opens the text is; with one
indicator a short ad reaches the context. An ordinary classified signed the same way does
not.

Invented ads only (no contact details but invented ones)."""

from __future__ import annotations

import pytest

from pipelines.engine.indicators import IndicatorEngine
from tests.support.engine import categories


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("bg", "Здрасти, Ралица съм. Тук съм само тази вечер във Враца. 0888 000 222"),
        ("hu", "Szia, Zsófi vagyok. Csak ma este vagyok itt, Baján. 06 30 000 2222"),
        ("pl", "Hej, jestem Ilona. Tylko dziś wieczorem w Siedlcach. 512 000 222"),
        ("es", "Hola, soy Maite. Solo esta noche en Ávila, mañana me marcho. 600 000 222"),
    ],
)
def test_a_self_introduction_with_one_indicator_is_in_context(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "movement" in categories(engine, text, lang)


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("pl", "Jestem Marek, sprzedam rower górski, od tego tygodnia jestem w Rzeszowie."),
        ("es", "Hola, soy Pablo. Vendo mi coche, solo esta noche en Ávila. 600 000 222"),
    ],
)
def test_an_ordinary_classified_signed_the_same_way_is_no_hit(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert categories(engine, text, lang) == []
