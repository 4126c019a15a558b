"""Evidence spans at their offsets: a field's text cut into plain and marked segments.

Offsets are Python string indices (code points) into the stored field, as the
indicator engine writes them. The segments are plain strings: the template escapes
each one, so ad text never becomes markup, whatever it holds. A span whose offsets do
not fit the stored text (a hostile or stale document) is listed with its snippet but
marks nothing.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from crawler.review.model import CATEGORY_MEANINGS, as_text

#: Fields whose evidence can be shown in place (the others are not stored as text).
HIGHLIGHTED_FIELDS: tuple[str, ...] = ("title", "text")


@dataclass(frozen=True)
class EvidenceItem:
    number: int  # 1-based, as labelled on the page
    category: str
    rule: str
    meaning: str
    weight: float
    field: str
    snippet: str
    start: int | None
    end: int | None
    located: bool  # highlighted in the shown text
    words: str = ""  # the highlighted characters, when located


@dataclass(frozen=True)
class Segment:
    text: str
    marks: tuple[int, ...] = ()  # numbers of the evidence items covering it

    @property
    def marks_attr(self) -> str:
        return " ".join(str(n) for n in self.marks)


def segments(text: str, spans: list[tuple[int, int, int]]) -> list[Segment]:
    """Cut ``text`` at every span boundary; ``spans`` are ``(number, start, end)``.

    Overlapping spans are allowed: a piece covered by two carries both numbers.
    O((n + k) log k) for k spans.
    """
    events: dict[int, list[tuple[int, int]]] = {}
    for number, start, end in spans:
        events.setdefault(start, []).append((1, number))
        events.setdefault(end, []).append((-1, number))
    cuts = sorted({0, len(text), *events})
    active: set[int] = set()
    out: list[Segment] = []
    for left, right in itertools.pairwise(cuts):
        for delta, number in events.get(left, []):
            if delta > 0:
                active.add(number)
            else:
                active.discard(number)
        if right > left:
            out.append(Segment(text[left:right], tuple(sorted(active))))
    return out or [Segment(text)]


def _offset(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def evidence_view(doc: Mapping[str, Any]) -> tuple[list[EvidenceItem], dict[str, list[Segment]]]:
    """The hit's evidence items, and ``title``/``text`` as segments with marks."""
    texts = {name: as_text(doc.get(name)) for name in HIGHLIGHTED_FIELDS}
    spans: dict[str, list[tuple[int, int, int]]] = {name: [] for name in HIGHLIGHTED_FIELDS}
    items: list[EvidenceItem] = []
    indicators = doc.get("indicators")
    for number, ind in enumerate(indicators if isinstance(indicators, list) else [], start=1):
        if not isinstance(ind, Mapping):
            continue
        ev = ind.get("evidence")
        ev = ev if isinstance(ev, Mapping) else {}
        field = as_text(ev.get("field"))
        start, end = _offset(ev.get("start")), _offset(ev.get("end"))
        text = texts.get(field)
        located = (
            text is not None
            and start is not None
            and end is not None
            and 0 <= start < end <= len(text)
        )
        if located:
            assert start is not None and end is not None
            spans[field].append((number, start, end))
        category = as_text(ind.get("category"))
        weight = ind.get("weight")
        items.append(
            EvidenceItem(
                number=number,
                category=category,
                rule=as_text(ind.get("rule")),
                meaning=CATEGORY_MEANINGS.get(category, "An indicator of the lexicon."),
                weight=float(weight) if isinstance(weight, int | float) else 0.0,
                field=field,
                snippet=as_text(ev.get("snippet"))[:500],
                start=start,
                end=end,
                located=located,
                words=text[start:end] if located and text is not None else "",
            )
        )
    return items, {name: segments(texts[name], spans[name]) for name in HIGHLIGHTED_FIELDS}
