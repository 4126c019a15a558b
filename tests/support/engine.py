"""Helpers for tests of the indicator engine."""

from __future__ import annotations

from pipelines.engine.indicators import IndicatorEngine


def categories(engine: IndicatorEngine, text: str, lang: str) -> list[str]:
    """The categories ``engine`` flags in an ad of ``lang`` with this text and no title
    (no source kind: the ad-context stage decides from the text alone)."""
    return engine.analyse("", text, lang=lang).categories
