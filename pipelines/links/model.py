"""The link store's vocabulary: what an ad contributes, what a link key knows, the store API.

Linking works on pseudonyms only. An :class:`Observation` is what one ad contributes: its
``doc_id``, source, normalised city, when it was seen, its contact and name pseudonyms,
stated ages and the band keys of its text's MinHash (no words). A *key* is a contact
pseudonym (``kind="contact"``) or a template cluster (``kind="template"``); a
:class:`KeySummary` is what the store knows about one key. Every back-end (SQLite under
``LCOM_VAR_DIR``, the ``lcom-links`` index in Elasticsearch) implements :class:`LinkStore`.

Idempotence is by ``doc_id``: observing the same ad again (a re-crawl, a resumed job, a
spool replay) changes no count; it may only turn a non-hit observation into a hit, widen
the ad's last-seen date or fill in a template cluster the ad did not have yet.

No Scrapy and no Elasticsearch import here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol, TypeAlias

KeyKind: TypeAlias = Literal["contact", "template"]
KINDS: tuple[KeyKind, ...] = ("contact", "template")

#: Most template candidates a store returns for one signature (those sharing the most
#: bands first): a text posted a thousand times costs no more to match than one posted ten.
MAX_TEMPLATE_CANDIDATES = 64

#: A partial update of an earlier hit: ``(doc_id, {"links": {...}})``.
LinkUpdate: TypeAlias = tuple[str, dict[str, Any]]


def utc(when: datetime) -> datetime:
    """``when`` as an aware UTC datetime (naive values are taken as UTC)."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def iso(when: datetime) -> str:
    """``2026-11-29T05:40:00Z``: the format of every date in link summaries."""
    return utc(when).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    """The inverse of :func:`iso` (any ISO 8601 form ``datetime`` reads)."""
    return utc(datetime.fromisoformat(text.replace("Z", "+00:00")))


@dataclass(frozen=True, slots=True)
class Observation:
    """What one ad contributes to the link store (nothing else of it is kept).

    ``contacts`` and ``name_hashes`` are keyed pseudonyms (never values); ``signature`` holds
    the template band keys of the MinHash of the minimised text and ``shingles`` the
    32-bit hashes of its word shingles (kept for hits only, to verify and explain a
    template match); ``template`` is the template cluster the linking engine put the ad in.
    A non-hit observation (kept only when the data policy allows it) is cut down to
    ``doc_id``, ``source``, ``city``, ``seen`` and ``contacts`` by :meth:`kept`.
    """

    doc_id: str
    source: str
    city: str | None
    seen: datetime
    contacts: tuple[str, ...] = ()
    name_hashes: tuple[str, ...] = ()
    ages: tuple[int, ...] = ()
    hit: bool = False
    signature: tuple[str, ...] = ()
    shingles: tuple[int, ...] = ()
    template: str | None = None

    def kept(self) -> Observation:
        """What a store may keep of this observation: non-hits lose everything but the
        pseudonyms, city, date and ``doc_id``."""
        if self.hit:
            return self
        return Observation(self.doc_id, self.source, self.city, self.seen, self.contacts)


@dataclass(frozen=True, slots=True)
class CitySpan:
    """One city a key was advertised in, with the first and last date it was seen there."""

    city: str
    first: datetime
    last: datetime

    def to_dict(self) -> dict[str, str]:
        return {"city": self.city, "first": iso(self.first), "last": iso(self.last)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CitySpan:
        return cls(str(data["city"]), parse_iso(data["first"]), parse_iso(data["last"]))


@dataclass(frozen=True, slots=True)
class KeySummary:
    """What the store knows about one link key (a contact pseudonym or a template cluster).

    ``ages`` are the distinct stated ages (values); names are only counted
    (``n_names``: distinct name pseudonyms). ``cities`` is sorted by first date.
    """

    key: str
    kind: KeyKind
    sources: tuple[str, ...]
    cities: tuple[CitySpan, ...]
    doc_ids: tuple[str, ...]
    hit_doc_ids: tuple[str, ...]
    ages: tuple[int, ...]
    n_names: int
    first_seen: datetime
    last_seen: datetime
    #: Contact pseudonyms of the ads of a template cluster (empty for contact keys).
    contacts: tuple[str, ...] = field(default=())

    @property
    def n_cities(self) -> int:
        return len(self.cities)

    @property
    def n_ages(self) -> int:
        return len(self.ages)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``lcom links --format json`` and the ``lcom-links`` document)."""
        return {
            "key": self.key,
            "kind": self.kind,
            "sources": list(self.sources),
            "cities": [span.to_dict() for span in self.cities],
            "n_cities": self.n_cities,
            "doc_ids": list(self.doc_ids),
            "hit_doc_ids": list(self.hit_doc_ids),
            "n_ads": len(self.doc_ids),
            "ages": list(self.ages),
            "n_ages": self.n_ages,
            "n_names": self.n_names,
            "contacts": list(self.contacts),
            "first_seen": iso(self.first_seen),
            "last_seen": iso(self.last_seen),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> KeySummary:
        kind = data["kind"]
        if kind not in KINDS:
            raise ValueError(f"unknown link key kind {kind!r}")
        return cls(
            key=str(data["key"]),
            kind=kind,
            sources=tuple(data.get("sources") or ()),
            cities=tuple(CitySpan.from_dict(span) for span in data.get("cities") or ()),
            doc_ids=tuple(data.get("doc_ids") or ()),
            hit_doc_ids=tuple(data.get("hit_doc_ids") or ()),
            ages=tuple(int(age) for age in data.get("ages") or ()),
            n_names=int(data.get("n_names") or 0),
            first_seen=parse_iso(data["first_seen"]),
            last_seen=parse_iso(data["last_seen"]),
            contacts=tuple(data.get("contacts") or ()),
        )


@dataclass(frozen=True, slots=True)
class TextPrint:
    """What the store keeps of a hit's text for template matching: hashes, no words."""

    doc_id: str
    source: str
    contacts: tuple[str, ...]
    shingles: tuple[int, ...]
    template: str | None


class LinkStore(Protocol):
    """The link store interface every back-end implements (SQLite, Elasticsearch)."""

    #: Whether a call is a local transaction that is normally quick (the linking pipeline
    #: then runs it inline while it stays quick), not a request across the network.
    local: bool

    def add(self, obs: Observation) -> list[KeySummary]:
        """Record ``obs`` and return the summaries of the keys it touches (after the
        update). Idempotent: an ad already recorded under its ``doc_id`` changes no count."""
        ...

    def get(self, key: str) -> KeySummary | None:
        """The summary of one key, or ``None`` when the store does not know it."""
        ...

    def iter_keys(
        self, kind: KeyKind | None = None, min_cities: int | None = None
    ) -> Iterator[KeySummary]:
        """Every key (of ``kind``, seen in at least ``min_cities`` cities)."""
        ...

    def template_candidates(self, signature: Iterable[str]) -> set[str]:
        """``doc_id``s of stored hits that share at least one band key with ``signature``:
        at most :data:`MAX_TEMPLATE_CANDIDATES`, those sharing the most bands."""
        ...

    def text_prints(self, doc_ids: Iterable[str]) -> dict[str, TextPrint]:
        """The stored :class:`TextPrint` of each of ``doc_ids`` that has one (hits only)."""
        ...

    def join_template(self, key: str, doc_ids: Iterable[str]) -> KeySummary | None:
        """Put the stored ads ``doc_ids`` that are in no template cluster yet into ``key``;
        the cluster's summary afterwards (``None`` when none of them is stored)."""
        ...

    def purge_before(self, when: datetime, *, hit: bool) -> int:
        """Forget observations of hits (``hit=True``) or of non-hits last seen before
        ``when`` (each has its own retention); the number forgotten."""
        ...

    def close(self) -> None: ...


#: The ``links`` object of a hit document (docs/data-model.md), field by field:
#: ``contact_cluster`` (str: the contact pseudonym that links the ad to others, the one seen
#: in most cities), ``template_cluster`` (str: the template cluster key), ``cities`` (list
#: of str: the cities of ``contact_cluster``), ``n_cities`` (int), ``window_days`` (int:
#: days between the first and last sighting in those cities), ``indicators`` (list of
#: ``{"indicator", "rule", "weight", "facts"}``: the derived indicators with their facts;
#: ``facts`` is an object whose shape depends on the indicator, stored but not indexed).
LINK_FIELDS: tuple[str, ...] = (
    "contact_cluster",
    "template_cluster",
    "cities",
    "n_cities",
    "window_days",
    "indicators",
)
