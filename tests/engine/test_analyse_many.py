"""``IndicatorEngine.analyse_many``: the analyses of ``analyse`` one ad at a time, found
stage by stage over a batch."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pipelines.engine.evaluate import BUNDLED_DEV_SET, load_labelled
from pipelines.engine.indicators import AdText, Analysis, IndicatorEngine

#: What a crawl may bring beside the labelled ads.
HOSTILE = [
    "",
    "\x00\x01 no \x7f",
    bytes(range(256)).decode("latin-1") * 5,
    "💋" * 500,
    "Sexy Mia, incall. " + "No agency, no driver, 24/7 ✘ 💋. " * 50,
    "nie: " + "agencja, kierowca, " * 200,
]


def _ads() -> list[tuple[dict[str, Any], AdText]]:
    """Each ad as keyword arguments of ``analyse`` and as an ``AdText``: with and without
    a language, origin, a source (its running median of prices), an age or price field,
    a source kind and a confidence, and values that are no text."""
    found: list[tuple[dict[str, Any], AdText]] = []
    texts = [(ad.title, ad.text, ad.lang) for ad in load_labelled(BUNDLED_DEV_SET)]
    texts += [(text[:80], text, lang) for text in HOSTILE for lang in ("nl", "bg", None)]
    for i, (title, text, lang) in enumerate(texts):
        kwargs: dict[str, Any] = {
            "title": title if i % 17 else None,
            "text": text,
            "lang": lang if i % 4 else None,
            "derive_origin": i % 5 != 0,
            "source": f"source-{i % 3}" if i % 2 else None,
            "age_text": (str(17 + i % 9) if i % 2 else 19) if i % 7 == 0 else None,
            "price_text": f"{20 + i % 150} euro per hour" if i % 6 == 0 else None,
            "source_kind": ("escort", "classifieds", None, "massage")[i % 4],
            "lang_confidence": 0.5 if i % 9 == 0 else None,
        }
        found.append((kwargs, AdText(**kwargs)))
    # One source's prices across the batches: after enough of them (the lexicon's
    # ``min_samples``, 20), a price far below their median is a low_price indicator.
    priced = [
        {"title": "Sexy Anna, escort", "text": f"Incall, 24/7. {price} euro per uur",
         "lang": "nl", "source": "priced"}
        for price in [*range(150, 175), 30, 35]
    ]  # fmt: skip
    found[50:50] = [(kwargs, AdText(**kwargs)) for kwargs in priced]
    return found


def _fingerprint(analysis: Analysis) -> str:
    fields = analysis.to_item_fields()
    fields.update(explanation=analysis.explanation(), lang=analysis.lang)
    confidence = analysis.lang_confidence
    fields["confidence"] = None if confidence is None else round(confidence, 9)
    return json.dumps(fields, sort_keys=True, default=str)


@pytest.mark.parametrize("size", [1, 7, 64, 10_000])
def test_batches_give_the_analyses_of_one_ad_at_a_time(size: int) -> None:
    ads = _ads()
    one_by_one = IndicatorEngine.from_dir()  # each engine keeps its own price medians
    expected = [_fingerprint(one_by_one.analyse(**kwargs)) for kwargs, _ in ads]
    batched = IndicatorEngine.from_dir()
    found: list[str] = []
    for first in range(0, len(ads), size):
        part = [ad for _, ad in ads[first : first + size]]
        found += [_fingerprint(analysis) for analysis in batched.analyse_many(part)]
    assert found == expected
    assert any('"low_price"' in f for f in expected), "no ad tested the running median"


def test_an_empty_batch_and_any_iterable(engine: IndicatorEngine) -> None:
    assert engine.analyse_many([]) == []
    ads = (AdText("Just arrived", f"Sexy Anna {n}, 24/7", "en") for n in range(3))
    assert [a.hit for a in engine.analyse_many(ads)] == [True, True, True]
