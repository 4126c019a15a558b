"""Ad context (pl): condoms in any case ("gumki", "gumkę", "gumek") are a sexual-service
word, as "gumka" is.

Invented ads only (no contact details but invented ones)."""

from __future__ import annotations

import pytest

from pipelines.engine.indicators import IndicatorEngine
from tests.support.engine import categories


@pytest.mark.parametrize(
    "text",
    [
        "Gumkę możesz zostawić w domu 😉 Toruń, Bielany. 512 000 333",
        "Bez gumek, dopłata do ustalenia. Toruń, Bielany. 512 000 333",
    ],
)
def test_condoms_in_any_case_are_a_sexual_service_word(engine: IndicatorEngine, text: str) -> None:
    assert "unsafe_services" in categories(engine, text, "pl")
