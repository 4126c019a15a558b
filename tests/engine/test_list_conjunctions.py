"""The conjunctions that join the items of a list: the Romanian "ori" ("or") as "sau".

A negation before the first item of a list refuses the items joined to it ("Fără
agenție, ori șofer": without an agency, or a driver), and a refusal after the list
refuses every item. Ads whose items are not refused still flag.
"""

from __future__ import annotations

import pytest

from pipelines.engine.indicators import IndicatorEngine
from tests.support.engine import categories

REFUSED = [
    ("Fără agenție, ori șofer. Escortă în Cluj, 300 lei ora, la mine.", "third_party"),
    ("Nu am agenție, ori șofer, ori manager. Escortă în Cluj, 300 lei ora.", "third_party"),
    (
        "Ana, 24, Cluj. Anal ori fără prezervativ, ori fără protecție: niciodată. 300 lei ora.",
        "unsafe_services",
    ),
]
STILL_FLAGGED = [
    ("Șoferul meu ori managerul meu îți răspunde la telefon. Escortă în Cluj, 300 lei ora.",
     "third_party"),
    ("Vin la tine cu șoferul meu, ori te aștept la mine. Escortă în Cluj, 300 lei ora.",
     "third_party"),
    ("Ana, 24, Cluj. Sex oral fără prezervativ ori anal, cum vrei tu. 300 lei ora.",
     "unsafe_services"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "category"), REFUSED)
def test_the_items_joined_by_ori_are_refused(engine: IndicatorEngine, text: str, category: str):
    assert category not in categories(engine, text, "ro")


@pytest.mark.parametrize(("text", "category"), STILL_FLAGGED)
def test_an_ad_with_ori_still_flags(engine: IndicatorEngine, text: str, category: str):
    assert category in categories(engine, text, "ro")
