"""The indicator category ids, used everywhere (lexicons, stats, summaries, ground truth)."""

from __future__ import annotations

#: The lexicon categories, in reporting order.
CATEGORIES: tuple[str, ...] = (
    "movement",
    "youth",
    "availability_24_7",
    "unsafe_services",
    "third_party",
    "language_barrier",
    "origin",
)
#: Categories derived from other signals than words (``low_price``: the price tracker).
DERIVED_CATEGORIES: tuple[str, ...] = ("low_price",)
