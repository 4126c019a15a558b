"""The link store in Elasticsearch: the ``lcom-links`` index (``ELASTICSEARCH_URL`` set).

:class:`EsLinkStore` implements :class:`pipelines.links.model.LinkStore` with two kinds of
documents in one index (mapping: :func:`dashboards.build.link_mappings`):

``ad:<doc_id>``   one observed ad: source, city, first/last seen, hit, contact pseudonyms,
                  template cluster; for hits also stated ages, name pseudonyms (as
                  64-bit prefixes of their SHA-256, only ever counted), MinHash band
                  keys (``bands``: template candidates are a ``terms`` query on them)
                  and shingle hashes (not indexed). Non-hits keep only doc_id, source,
                  city, dates and contact pseudonyms.
``key:<key>``     one link key (``kind`` ``contact`` or ``template``): its summary
                  (:meth:`KeySummary.to_dict`, searchable and aggregatable in Kibana) and,
                  unindexed, one entry per ad (``ads``) that the summary is computed from.

Every write is a read-modify-write with optimistic concurrency: the documents an
observation touches are read (``mget``, with ``_seq_no``/``_primary_term``), merged in
Python, and written in one ``_bulk`` request with ``if_seq_no``/``if_primary_term`` (a
new document with ``create``). A 409 means another writer got there first: everything is
read again and merged again (bounded attempts). No scripts. Idempotent by ``doc_id``: an
ad's entry in a key is replaced, never added twice, and a document whose merged state
equals the stored one is not written at all, so a re-crawl or a replay changes no count.
A crash between the ad and its keys is repaired by the next observation of the ad, which
rewrites every entry from the merged ad.

An outage raises :class:`LinkStoreUnavailable` (the hit itself stays in the spool).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from elastic_transport import TransportError
from elasticsearch import ApiError, Elasticsearch, NotFoundError
from elasticsearch.helpers import scan

from pipelines.es.client import EsConnectionConfig, make_client
from pipelines.es.errors import EsConfigError, EsIntegrationError
from pipelines.links.model import (
    CitySpan,
    KeyKind,
    KeySummary,
    Observation,
    TextPrint,
    iso,
    parse_iso,
)

logger = logging.getLogger(__name__)

LINKS_ALIAS = "lcom-links"
#: Read-modify-write attempts before a key that keeps changing is given up.
MAX_ATTEMPTS = 10
#: Documents per ``mget``/``_bulk`` in a purge.
PURGE_CHUNK = 500


class LinkStoreUnavailable(EsIntegrationError, RuntimeError):
    """The ``lcom-links`` index cannot be read or written (cluster down, alias missing,
    a document that keeps changing). Nothing was lost: the ad can be observed again."""


def ad_id(doc_id: str) -> str:
    return f"ad:{doc_id}"


def key_id(key: str) -> str:
    return f"key:{key}"


class _Conflict(Exception):
    """A write found the document changed since it was read (HTTP 409)."""


class EsLinkStore:
    """:class:`~pipelines.links.model.LinkStore` on the ``lcom-links`` index."""

    local = False

    def __init__(
        self,
        client: Elasticsearch,
        *,
        alias: str = LINKS_ALIAS,
        refresh: bool = True,
        owns_client: bool = True,
    ) -> None:
        """``refresh``: make an ad's band keys searchable at once (``refresh=true`` on
        the bulk that writes a hit with band keys), so the next ad finds it as a
        template candidate."""
        self.client = client
        self.alias = alias
        self.refresh = refresh
        self._owns_client = owns_client

    # ------------------------------------------------------------------ writing

    def add(self, obs: Observation) -> list[KeySummary]:
        obs = obs.kept()
        for _attempt in range(MAX_ATTEMPTS):
            try:
                return self._add_once(obs)
            except _Conflict:
                continue
        raise LinkStoreUnavailable(
            f"link store: ad {obs.doc_id} or one of its keys kept changing "
            f"({MAX_ATTEMPTS} attempts); observe it again"
        )

    def _add_once(self, obs: Observation) -> list[KeySummary]:
        wanted = [ad_id(obs.doc_id), *(key_id(c) for c in obs.contacts)]
        if obs.template:
            wanted.append(key_id(obs.template))
        found = self._mget(wanted)
        stored_ad = found.get(ad_id(obs.doc_id))
        ad = _merge_ad(stored_ad[0] if stored_ad else None, obs)
        keys = _ad_keys(ad)
        missing = [key_id(k) for k, _ in keys if key_id(k) not in found]
        if missing:
            found.update(self._mget(missing))
        writes: list[tuple[str, dict[str, Any], tuple[int, int] | None]] = []
        if stored_ad is None or stored_ad[0] != ad:
            writes.append((ad_id(obs.doc_id), ad, stored_ad[1] if stored_ad else None))
        summaries: dict[str, KeySummary] = {}
        for key, kind in keys:
            stored = found.get(key_id(key))
            entries = dict(_entries(stored[0] if stored else None))
            entries[obs.doc_id] = _entry(ad, kind)
            doc = _key_doc(key, kind, entries)
            if stored is None or stored[0] != doc:
                writes.append((key_id(key), doc, stored[1] if stored else None))
            summaries[key] = summary_from_doc(doc)
        self._write(writes, refresh=bool(self.refresh and ad.get("bands") and writes))
        touched = list(dict.fromkeys(obs.contacts))
        if ad.get("template"):
            touched.append(str(ad["template"]))
        return [summaries[key] for key in touched if key in summaries]

    def join_template(self, key: str, doc_ids: Iterable[str]) -> KeySummary | None:
        ids = list(dict.fromkeys(doc_ids))
        for _attempt in range(MAX_ATTEMPTS):
            try:
                return self._join_once(key, ids)
            except _Conflict:
                continue
        raise LinkStoreUnavailable(
            f"link store: template cluster {key} kept changing ({MAX_ATTEMPTS} attempts)"
        )

    def _join_once(self, key: str, doc_ids: Sequence[str]) -> KeySummary | None:
        found = self._mget([key_id(key), *(ad_id(d) for d in doc_ids)])
        stored_key = found.get(key_id(key))
        entries = dict(_entries(stored_key[0] if stored_key else None))
        writes: list[tuple[str, dict[str, Any], tuple[int, int] | None]] = []
        for doc_id in doc_ids:
            stored = found.get(ad_id(doc_id))
            if stored is None or stored[0].get("template"):
                continue
            ad = {**stored[0], "template": key}
            writes.append((ad_id(doc_id), ad, stored[1]))
            entries[doc_id] = _entry(ad, "template")
        if not writes:
            return summary_from_doc(stored_key[0]) if stored_key else None
        doc = _key_doc(key, "template", entries)
        writes.append((key_id(key), doc, stored_key[1] if stored_key else None))
        self._write(writes)
        return summary_from_doc(doc)

    def purge_before(self, when: datetime, *, hit: bool) -> int:
        """Forget ads (hits or non-hits) last seen before ``when``; a key whose last ad
        goes is deleted, the others are summarised again."""
        self._refresh()
        query = {
            "bool": {
                "filter": [
                    {"term": {"kind": "ad"}},
                    {"term": {"hit": hit}},
                    {"range": {"last_seen": {"lt": iso(when)}}},
                ]
            }
        }
        gone: list[tuple[str, dict[str, Any]]] = []
        try:
            for found in scan(
                self.client,
                index=self.alias,
                query={"query": query},
                _source=["doc_id", "contacts", "template"],
                size=PURGE_CHUNK,
            ):
                gone.append((str(found["_id"]), found.get("_source") or {}))
        except (ApiError, TransportError) as exc:
            raise _unavailable("purge", exc) from exc
        keys: dict[str, set[str]] = {}
        for _id, source in gone:
            for key, _kind in _ad_keys(source):
                keys.setdefault(key, set()).add(str(source.get("doc_id")))
        for key, doc_ids in keys.items():
            self._forget(key, doc_ids)
        for first in range(0, len(gone), PURGE_CHUNK):
            chunk = gone[first : first + PURGE_CHUNK]
            self._bulk([{"delete": {"_index": self.alias, "_id": _id}} for _id, _ in chunk])
        return len(gone)

    def _forget(self, key: str, doc_ids: set[str]) -> None:
        for _attempt in range(MAX_ATTEMPTS):
            stored = self._mget([key_id(key)]).get(key_id(key))
            if stored is None:
                return
            entries = {d: e for d, e in _entries(stored[0]) if d not in doc_ids}
            kind = stored[0].get("kind")
            try:
                if not entries:
                    self._write([(key_id(key), None, stored[1])])
                elif kind in ("contact", "template"):
                    self._write([(key_id(key), _key_doc(key, kind, entries), stored[1])])
                return
            except _Conflict:
                continue
        raise LinkStoreUnavailable(f"link store: key {key} kept changing during the purge")

    # ------------------------------------------------------------------ reading

    def get(self, key: str) -> KeySummary | None:
        stored = self._mget([key_id(key)]).get(key_id(key))
        return summary_from_doc(stored[0]) if stored else None

    def iter_keys(
        self, kind: KeyKind | None = None, min_cities: int | None = None
    ) -> Iterator[KeySummary]:
        self._refresh()
        filters: list[dict[str, Any]] = [
            {"terms": {"kind": [kind] if kind is not None else ["contact", "template"]}}
        ]
        if min_cities is not None:
            filters.append({"range": {"n_cities": {"gte": int(min_cities)}}})
        try:
            for found in scan(
                self.client,
                index=self.alias,
                query={"query": {"bool": {"filter": filters}}},
                size=PURGE_CHUNK,
            ):
                yield summary_from_doc(found["_source"])
        except (ApiError, TransportError) as exc:
            raise _unavailable("read keys", exc) from exc

    def template_candidates(self, signature: Iterable[str]) -> set[str]:
        bands = list(dict.fromkeys(signature))
        if not bands:
            return set()
        query = {
            "bool": {
                "filter": [
                    {"term": {"kind": "ad"}},
                    {"term": {"hit": True}},
                    {"terms": {"bands": bands}},
                ]
            }
        }
        try:
            return {
                str(found["_source"]["doc_id"])
                for found in scan(
                    self.client,
                    index=self.alias,
                    query={"query": query},
                    _source=["doc_id"],
                    size=PURGE_CHUNK,
                )
            }
        except (ApiError, TransportError) as exc:
            raise _unavailable("template candidates", exc) from exc

    def text_prints(self, doc_ids: Iterable[str]) -> dict[str, TextPrint]:
        ids = list(dict.fromkeys(doc_ids))
        found = self._mget([ad_id(d) for d in ids])
        prints: dict[str, TextPrint] = {}
        for doc_id in ids:
            stored = found.get(ad_id(doc_id))
            if stored is None or not stored[0].get("hit"):
                continue
            ad = stored[0]
            prints[doc_id] = TextPrint(
                doc_id=doc_id,
                source=str(ad.get("source")),
                contacts=tuple(sorted(ad.get("contacts") or ())),
                shingles=tuple(int(s) for s in ad.get("shingles") or ()),
                template=ad.get("template") or None,
            )
        return prints

    def stats(self) -> dict[str, int]:
        """Numbers of ads (hits, non-hits) and keys (per kind) in the store."""
        self._refresh()

        def count(query: dict[str, Any]) -> int:
            return int(self.client.count(index=self.alias, query=query)["count"])

        try:
            return {
                "hits": count(
                    {"bool": {"filter": [{"term": {"kind": "ad"}}, {"term": {"hit": True}}]}}
                ),
                "non_hits": count(
                    {"bool": {"filter": [{"term": {"kind": "ad"}}, {"term": {"hit": False}}]}}
                ),
                "contact_keys": count({"term": {"kind": "contact"}}),
                "template_keys": count({"term": {"kind": "template"}}),
            }
        except (ApiError, TransportError) as exc:
            raise _unavailable("count", exc) from exc

    def close(self) -> None:
        if self._owns_client:
            self.client.close()

    # ------------------------------------------------------------------ plumbing

    def _mget(self, ids: Sequence[str]) -> dict[str, tuple[dict[str, Any], tuple[int, int]]]:
        """``{_id: (source, (seq_no, primary_term))}`` of the documents that exist."""
        if not ids:
            return {}
        try:
            resp = self.client.mget(index=self.alias, ids=list(dict.fromkeys(ids)))
        except (ApiError, TransportError) as exc:
            raise _unavailable("read", exc) from exc
        found: dict[str, tuple[dict[str, Any], tuple[int, int]]] = {}
        for doc in resp.body.get("docs", []):
            if doc.get("found"):
                found[str(doc["_id"])] = (
                    doc["_source"],
                    (int(doc["_seq_no"]), int(doc["_primary_term"])),
                )
            elif "error" in doc:
                raise LinkStoreUnavailable(
                    f"link store: cannot read {doc.get('_id')} from {self.alias}: "
                    f"{(doc['error'] or {}).get('type', 'error')}"
                )
        return found

    def _write(
        self,
        writes: Sequence[tuple[str, dict[str, Any] | None, tuple[int, int] | None]],
        *,
        refresh: bool = False,
    ) -> None:
        """Index (``None``: delete) each document if it is still the version read;
        raise :class:`_Conflict` when one changed meanwhile (the rest may be written:
        the caller reads and merges everything again, which is idempotent)."""
        if not writes:
            return
        operations: list[dict[str, Any]] = []
        for _id, doc, version in writes:
            meta: dict[str, Any] = {"_index": self.alias, "_id": _id}
            if version is not None:
                meta["if_seq_no"], meta["if_primary_term"] = version
            if doc is None:
                operations.append({"delete": meta})
            else:
                operations.append({"index" if version is not None else "create": meta})
                operations.append(doc)
        self._bulk(operations, refresh=refresh)

    def _bulk(self, operations: list[dict[str, Any]], *, refresh: bool = False) -> None:
        if not operations:
            return
        kwargs: dict[str, Any] = {"require_alias": True}
        if refresh:
            kwargs["refresh"] = "true"
        try:
            resp = self.client.bulk(operations=operations, **kwargs)
        except (ApiError, TransportError) as exc:
            raise _unavailable("write", exc) from exc
        if not resp.body.get("errors"):
            return
        conflict = False
        for item in resp.body.get("items", []):
            result = next(iter(item.values()))
            status = result.get("status")
            if "error" not in result or (status == 404 and "delete" in item):
                continue
            if status == 409:
                conflict = True
                continue
            error = result.get("error") or {}
            if error.get("type") == "index_not_found_exception":
                raise LinkStoreUnavailable(
                    f"link store in Elasticsearch: cannot write: the {self.alias} index "
                    "does not exist: run `lcom es setup`"
                )
            raise LinkStoreUnavailable(
                f"link store: {self.alias} refused {result.get('_id')} "
                f"(status {status}, {error.get('type', 'error')})"
            )
        if conflict:
            raise _Conflict()

    def _refresh(self) -> None:
        """Make recent writes searchable before a search (the crawler role may lack the
        privilege: then searches see writes within the index's refresh interval)."""
        try:
            self.client.indices.refresh(index=self.alias)
        except ApiError as exc:
            if exc.status_code not in (401, 403):
                raise _unavailable("refresh", exc) from exc
        except TransportError as exc:
            raise _unavailable("refresh", exc) from exc


def open_es_store(environ: Mapping[str, str]) -> EsLinkStore:
    """The link store on the cluster the ``ELASTICSEARCH_*`` variables in ``environ`` name."""
    config = EsConnectionConfig.from_env(environ)
    if config is None:
        raise EsConfigError("ELASTICSEARCH_URL is not set: no cluster for the link store")
    return EsLinkStore(make_client(config))


def _unavailable(what: str, exc: Exception) -> LinkStoreUnavailable:
    if isinstance(exc, NotFoundError):
        detail = f"the {LINKS_ALIAS} index does not exist: run `lcom es setup`"
    elif isinstance(exc, ApiError):
        detail = f"HTTP {exc.status_code} ({exc.error})"
    else:
        detail = f"cluster unreachable ({type(exc).__name__})"
    return LinkStoreUnavailable(f"link store in Elasticsearch: cannot {what}: {detail}")


# ---------------------------------------------------------------------- documents


def _union(*values: Iterable[Any]) -> list[Any]:
    return sorted({v for value in values for v in value})


def _merge_ad(stored: Mapping[str, Any] | None, obs: Observation) -> dict[str, Any]:
    """The ad document after ``obs`` (as the SQLite store merges an observation)."""
    seen = iso(obs.seen)
    if stored is None:
        ad: dict[str, Any] = {
            "kind": "ad",
            "doc_id": obs.doc_id,
            "source": obs.source,
            "city": obs.city,
            "first_seen": seen,
            "last_seen": seen,
            "hit": obs.hit,
            "contacts": _union(obs.contacts),
            "template": obs.template,
        }
        new_hit = obs.hit
    else:
        ad = dict(stored)
        new_hit = obs.hit and not ad.get("hit")
        ad["first_seen"] = min(ad["first_seen"], seen, key=parse_iso)
        ad["last_seen"] = max(ad["last_seen"], seen, key=parse_iso)
        ad["city"] = ad.get("city") or obs.city
        ad["hit"] = bool(ad.get("hit")) or obs.hit
        ad["contacts"] = _union(ad.get("contacts") or (), obs.contacts)
        ad["template"] = ad.get("template") or obs.template
    if new_hit:
        ad["name_hashes"] = _union(_name_digest(name) for name in obs.name_hashes)
        ad["ages"] = _union(int(a) for a in obs.ages)
        ad["bands"] = _union(obs.signature)
        ad["shingles"] = [int(s) & 0xFFFFFFFF for s in obs.shingles]
    return {k: v for k, v in ad.items() if v is not None and v != []}


def _name_digest(name: str) -> str:
    """What is kept of a name pseudonym: enough to count distinct ones (16 hex digits
    of its SHA-256), as in the local store."""
    return hashlib.sha256(name.encode()).hexdigest()[:16]


def _ad_keys(ad: Mapping[str, Any]) -> list[tuple[str, KeyKind]]:
    keys: list[tuple[str, KeyKind]] = [(str(c), "contact") for c in ad.get("contacts") or ()]
    if ad.get("template"):
        keys.append((str(ad["template"]), "template"))
    return keys


def _entry(ad: Mapping[str, Any], kind: KeyKind) -> dict[str, Any]:
    """What a key keeps of one of its ads (the summary is computed from these)."""
    entry: dict[str, Any] = {
        "source": ad["source"],
        "first": ad["first_seen"],
        "last": ad["last_seen"],
        "hit": bool(ad.get("hit")),
    }
    for field in ("city", "ages", "name_hashes"):
        if ad.get(field):
            entry[field] = ad[field]
    if kind == "template" and ad.get("contacts"):
        entry["contacts"] = list(ad["contacts"])
    return entry


def _entries(doc: Mapping[str, Any] | None) -> list[tuple[str, dict[str, Any]]]:
    ads = (doc or {}).get("ads")
    if not isinstance(ads, dict):
        return []
    return [(str(k), v) for k, v in ads.items() if isinstance(v, dict)]


def _key_doc(key: str, kind: KeyKind, entries: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The ``key:<key>`` document: the summary of ``entries`` plus the entries."""
    ordered = sorted(entries.items(), key=lambda item: (parse_iso(item[1]["first"]), item[0]))
    spans: dict[str, tuple[datetime, datetime]] = {}
    for _doc_id, entry in ordered:
        city = entry.get("city")
        if not city:
            continue
        first, last = parse_iso(entry["first"]), parse_iso(entry["last"])
        old = spans.get(city, (first, last))
        spans[city] = (min(old[0], first), max(old[1], last))
    cities = [
        CitySpan(city, first, last)
        for city, (first, last) in sorted(spans.items(), key=lambda kv: (kv[1][0], kv[0]))
    ]
    summary = KeySummary(
        key=key,
        kind=kind,
        sources=tuple(sorted({str(e["source"]) for _, e in ordered})),
        cities=tuple(cities),
        doc_ids=tuple(d for d, _ in ordered),
        hit_doc_ids=tuple(d for d, e in ordered if e.get("hit")),
        ages=tuple(_union(*(e.get("ages") or () for _, e in ordered))),
        n_names=len(_union(*(e.get("name_hashes") or () for _, e in ordered))),
        first_seen=min(parse_iso(e["first"]) for _, e in ordered),
        last_seen=max(parse_iso(e["last"]) for _, e in ordered),
        contacts=tuple(_union(*(e.get("contacts") or () for _, e in ordered)))
        if kind == "template"
        else (),
    )
    doc = summary.to_dict()
    doc["city_names"] = [span.city for span in cities]
    doc["window_days"] = (
        (max(s.last for s in cities) - min(s.first for s in cities)).days if cities else 0
    )
    doc["ads"] = {doc_id: dict(entry) for doc_id, entry in ordered}
    return doc


def summary_from_doc(doc: Mapping[str, Any]) -> KeySummary:
    """The :class:`KeySummary` of a ``key:<key>`` document."""
    return KeySummary.from_dict(doc)
