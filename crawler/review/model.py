"""Values the review stores return and the web app renders (no web framework here)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from dashboards.build import LANGUAGE_ANALYZERS
from pipelines.engine.categories import CATEGORIES, DERIVED_CATEGORIES

#: What an investigator may decide.
DECISIONS: tuple[str, ...] = ("relevant", "not_relevant", "escalated")
#: Queue tabs, in display order. ``escalated`` is a relevant hit handed to a unit.
QUEUE_STATES: tuple[str, ...] = ("new", "relevant", "escalated", "not_relevant")
#: ``review.state`` a decision puts on the hit. The data policy knows ``new``,
#: ``relevant`` and ``not_relevant`` (retention per state), so an escalation is stored
#: as ``relevant`` with the label ``escalated`` and the unit as assignee.
STATE_OF_DECISION: dict[str, str] = {
    "relevant": "relevant",
    "not_relevant": "not_relevant",
    "escalated": "relevant",
}
ESCALATED_LABEL = "escalated"
SORTS: tuple[str, ...] = ("newest", "score")
#: ``shared``: shares a contact pseudonym with another hit; ``carousel``: with a hit in
#: another city (the same person advertised in several cities); ``template``: in the
#: same template cluster as another hit (the same text re-posted), from the hit's
#: ``links.*`` fields when the linking step set them.
LINK_FILTERS: tuple[str, ...] = ("shared", "carousel", "template")
PER_PAGE = 50
#: Languages lcom detects (the language filter's choices on Elasticsearch).
LANGUAGES: tuple[str, ...] = tuple(sorted(LANGUAGE_ANALYZERS))
MAX_NOTE_CHARS = 2000

#: Plain-language meaning of each indicator category, shown next to its evidence.
CATEGORY_MEANINGS: dict[str, str] = {
    "movement": "The person is said to have just arrived or to move from city to city.",
    "youth": "The ad stresses a very young age or youthful looks.",
    "availability_24_7": "The person is offered as available day and night, every day.",
    "unsafe_services": "Services without protection or otherwise unsafe are offered.",
    "third_party": "Someone else arranges the appointments, the money or the contact.",
    "language_barrier": "The person speaks no local language; someone else communicates.",
    "origin": "The ad stresses a foreign origin, often of a source country of trafficking.",
    "low_price": "The price is far below what this source usually asks.",
}
assert set(CATEGORY_MEANINGS) == set(CATEGORIES) | set(DERIVED_CATEGORIES)

#: How a few ids read on the page (others: underscores become spaces).
LABELS: dict[str, str] = {"availability_24_7": "available 24/7", "not_relevant": "not relevant"}


def label(value: object) -> str:
    text = as_text(value)
    return LABELS.get(text, text.replace("_", " "))


_FILTER_TEXT = re.compile(r"^[^\x00-\x1f\x7f]{1,200}$")


def _text_filter(value: object) -> str:
    """A free-text filter value: at most 200 printable characters, else no filter."""
    text = str(value or "").strip()
    return text if _FILTER_TEXT.match(text) else ""


def _date_filter(value: object) -> str:
    try:
        return date.fromisoformat(str(value or "")).isoformat()
    except ValueError:
        return ""


@dataclass(frozen=True)
class QueueQuery:
    """One view of the queue: a review state, filters, an order and a page."""

    state: str = "new"
    sort: str = "newest"
    category: str = ""
    lang: str = ""
    source: str = ""
    city: str = ""
    date_from: str = ""  # last seen on or after (YYYY-MM-DD)
    date_to: str = ""  # last seen on or before (YYYY-MM-DD)
    link: str = ""
    page: int = 1

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> QueueQuery:
        """From a query string; unknown or malformed values mean "no filter"."""
        state = params.get("state", "new")
        sort = params.get("sort", "newest")
        category = params.get("category", "")
        link = params.get("link", "")
        try:
            page = max(1, min(10_000, int(params.get("page", "1"))))
        except ValueError:
            page = 1
        return cls(
            state=state if state in QUEUE_STATES else "new",
            sort=sort if sort in SORTS else "newest",
            category=category if category in CATEGORY_MEANINGS else "",
            lang=_text_filter(params.get("lang")),
            source=_text_filter(params.get("source")),
            city=_text_filter(params.get("city")),
            date_from=_date_filter(params.get("date_from")),
            date_to=_date_filter(params.get("date_to")),
            link=link if link in LINK_FILTERS else "",
            page=page,
        )

    def params(self, **changes: Any) -> dict[str, str]:
        """Query-string parameters of this view (defaults left out), with ``changes``."""
        query = replace(self, **changes) if changes else self
        defaults = QueueQuery()
        out: dict[str, str] = {}
        for name in self.__dataclass_fields__:
            value = getattr(query, name)
            if value != getattr(defaults, name):
                out[name] = str(value)
        return out

    @property
    def offset(self) -> int:
        return (self.page - 1) * PER_PAGE


@dataclass(frozen=True)
class HitSummary:
    """One row of the queue."""

    doc_id: str
    title: str
    city: str
    source: str
    lang: str
    score: float
    categories: tuple[str, ...]
    last_seen: str
    state: str
    link: str = ""  # "", "shared" or "carousel" (see LINK_FILTERS)


@dataclass(frozen=True)
class QueuePage:
    query: QueueQuery
    items: list[HitSummary]
    total: int
    counts: dict[str, int]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PER_PAGE))


@dataclass(frozen=True)
class Facets:
    """Choices for the queue filters; ``None``: a free-text field instead of a list."""

    categories: tuple[str, ...] = tuple(CATEGORY_MEANINGS)
    languages: tuple[str, ...] | None = None
    sources: tuple[str, ...] | None = None
    cities: tuple[str, ...] | None = None


@dataclass(frozen=True)
class DecisionRecord:
    """One decision as recorded (who and when are set by the store, never the form)."""

    doc_id: str
    decision: str
    unit: str
    note: str
    reviewed_by: str
    reviewed_at: str
    #: Elasticsearch: recorded in lcom-reviews, not yet on the hit (``lcom review sync``).
    pending_sync: bool = False


@dataclass(frozen=True)
class LinkedAd:
    """Another hit linked to the one shown, for the timeline."""

    doc_id: str
    title: str
    city: str
    source: str
    first_seen: str
    last_seen: str
    posted: str
    via: str  # "same contact", "same template"


@dataclass(frozen=True)
class HitDetail:
    doc: dict[str, Any]
    state: str
    decisions: list[DecisionRecord] = field(default_factory=list)
    linked: list[LinkedAd] = field(default_factory=list)


def decision_of(review: Mapping[str, Any] | None) -> str:
    """Queue state of a hit from its ``review`` object."""
    if not review:
        return "new"
    state = review.get("state")
    labels = review.get("labels") or []
    if state == "relevant" and ESCALATED_LABEL in labels:
        return "escalated"
    return state if state in QUEUE_STATES else "new"


def as_text(value: object) -> str:
    """A document value as display text (hostile input: only ever rendered escaped)."""
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def summary_of(doc: Mapping[str, Any], state: str) -> HitSummary:
    categories = doc.get("categories")
    score = doc.get("score")
    return HitSummary(
        doc_id=as_text(doc.get("doc_id")),
        title=as_text(doc.get("title"))[:300],
        city=as_text(doc.get("city"))[:200],
        source=as_text(doc.get("source"))[:200],
        lang=as_text(doc.get("lang"))[:20],
        score=float(score) if isinstance(score, int | float) else 0.0,
        categories=tuple(str(c) for c in categories) if isinstance(categories, list) else (),
        last_seen=as_text(doc.get("last_seen")),
        state=state,
    )
