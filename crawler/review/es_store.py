"""Elasticsearch review store: every call made as the signed-in user.

Signing in calls ``_security/_authenticate`` with the credentials the user typed (user
name and password, or an API key); the app keeps them in server memory for the
session and sends them with every request, so the cluster's roles decide what the
user sees (``lcom-hits``) and whether they may record a decision (``create_doc`` on
``lcom-reviews``, role ``lcom_investigator``). There is no user database of our own.

A decision is appended to ``lcom-reviews``; the ingest pipeline there records who and
when. The hit's ``review.*`` follows when ``lcom review sync`` runs; until then the
hit page lists the decision as pending and the queue shows the hit in its new tab
through the ledger (``review.state`` on the hit is what the tabs count).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from typing import Any

from elastic_transport import TransportError
from elasticsearch import ApiError, AuthenticationException, AuthorizationException, Elasticsearch

from crawler.review.model import (
    DECISIONS,
    ESCALATED_LABEL,
    LANGUAGES,
    PER_PAGE,
    QUEUE_STATES,
    STATE_OF_DECISION,
    DecisionRecord,
    Facets,
    HitDetail,
    LinkedAd,
    QueuePage,
    QueueQuery,
    as_text,
    decision_of,
    summary_of,
)
from crawler.review.store import DecisionRefused, LoginFailed, Principal, StoreUnavailable
from pipelines.es.client import EsConnectionConfig

logger = logging.getLogger(__name__)

HITS_ALIAS = "lcom-hits"
REVIEWS_ALIAS = "lcom-reviews"
_SUMMARY_FIELDS = ["doc_id", "title", "city", "source", "lang", "score", "categories", "last_seen"]
#: Hits the previous/next links look through.
NEIGHBOUR_WINDOW = 1000


def _state_query(state: str) -> dict[str, Any]:
    if state == "new":
        return {
            "bool": {
                "should": [
                    {"term": {"review.state": "new"}},
                    {"bool": {"must_not": [{"exists": {"field": "review.state"}}]}},
                ],
                "minimum_should_match": 1,
            }
        }
    escalated = {"term": {"review.labels": ESCALATED_LABEL}}
    if state == "escalated":
        return {"bool": {"filter": [{"term": {"review.state": "relevant"}}, escalated]}}
    if state == "relevant":
        return {
            "bool": {"filter": [{"term": {"review.state": "relevant"}}], "must_not": [escalated]}
        }
    return {"term": {"review.state": state}}


def _filters(query: QueueQuery) -> list[dict[str, Any]]:
    filters: list[dict[str, Any]] = []
    if query.category:
        filters.append({"term": {"categories": query.category}})
    for name in ("lang", "source", "city"):
        value = getattr(query, name)
        if value:
            filters.append({"term": {name: value}})
    bounds: dict[str, str] = {}
    if query.date_from:
        bounds["gte"] = query.date_from
    if query.date_to:
        bounds["lt"] = (date.fromisoformat(query.date_to) + timedelta(days=1)).isoformat()
    if bounds:
        filters.append({"range": {"last_seen": bounds}})
    # Links come from the hit's links.* fields (set by the linking step): on a cluster
    # whose hits have none, these filters find nothing.
    if query.link == "carousel":
        filters.append({"range": {"links.n_cities": {"gte": 2}}})
    elif query.link == "template":
        filters.append({"exists": {"field": "links.template_cluster"}})
    elif query.link == "shared":
        filters.append({"exists": {"field": "links.contact_cluster"}})
    return filters


_SORT = {
    "newest": [{"last_seen": {"order": "desc"}}, {"doc_id": {"order": "asc"}}],
    "score": [
        {"score": {"order": "desc"}},
        {"last_seen": {"order": "desc"}},
        {"doc_id": {"order": "asc"}},
    ],
}


def _unavailable(exc: Exception) -> StoreUnavailable:
    logger.warning("Elasticsearch request failed: %s", type(exc).__name__)
    if isinstance(exc, AuthorizationException):
        return StoreUnavailable("Your Elasticsearch role may not read the hits (lcom-hits).")
    if isinstance(exc, AuthenticationException):
        return StoreUnavailable("Elasticsearch no longer accepts your credentials: sign in again.")
    return StoreUnavailable(f"Elasticsearch did not answer ({type(exc).__name__}).")


def _matches_link(query: Mapping[str, Any], source: Mapping[str, Any]) -> bool:
    """Which of the link queries a linked hit's source satisfies (for its label)."""
    if "terms" in query:
        wanted = set(query["terms"]["contact_pseudonyms"])
        return bool(wanted & set(source.get("contact_pseudonyms") or []))
    ((field, value),) = query["term"].items()
    links = source.get("links") if isinstance(source.get("links"), Mapping) else {}
    assert isinstance(links, Mapping)
    return bool(links.get(field.split(".", 1)[1]) == value)


class EsReviewStore:
    """A store bound to one user's client (``Elasticsearch.options`` with their credentials)."""

    def __init__(
        self,
        client: Elasticsearch,
        username: str,
        after_decision: Callable[[], None] | None = None,
    ) -> None:
        self.client = client
        self.username = username
        self._after_decision = after_decision

    def _search(self, index: str, **kwargs: Any) -> dict[str, Any]:
        try:
            return dict(self.client.search(index=index, **kwargs).body)
        except (ApiError, TransportError) as exc:
            raise _unavailable(exc) from exc

    def _query(self, query: QueueQuery, *, with_state: bool = True) -> dict[str, Any]:
        filters = _filters(query)
        if with_state:
            filters.append(_state_query(query.state))
        return {"bool": {"filter": filters}}

    def queue(self, query: QueueQuery) -> QueuePage:
        body = self._search(
            HITS_ALIAS,
            query=self._query(query),
            sort=_SORT[query.sort],
            size=PER_PAGE,
            from_=min(query.offset, 10_000 - PER_PAGE),
            source_includes=[*_SUMMARY_FIELDS, "review"],
            track_total_hits=True,
        )
        hits = body.get("hits", {}).get("hits", [])
        items = [
            summary_of(h.get("_source") or {}, decision_of((h.get("_source") or {}).get("review")))
            for h in hits
        ]
        counts: dict[str, int] = {}
        for state in QUEUE_STATES:
            q = {"bool": {"filter": [*_filters(query), _state_query(state)]}}
            try:
                counts[state] = int(self.client.count(index=HITS_ALIAS, query=q)["count"])
            except (ApiError, TransportError) as exc:
                raise _unavailable(exc) from exc
        return QueuePage(query, items, counts.get(query.state, 0), counts)

    def facets(self) -> Facets:
        return Facets(languages=LANGUAGES)

    def neighbours(self, query: QueueQuery, doc_id: str) -> tuple[str | None, str | None]:
        body = self._search(
            HITS_ALIAS,
            query=self._query(query),
            sort=_SORT[query.sort],
            size=NEIGHBOUR_WINDOW,
            source_includes=["doc_id"],
            track_total_hits=False,
        )
        ids = [str(h["_id"]) for h in body.get("hits", {}).get("hits", [])]
        if doc_id not in ids:
            return None, ids[0] if ids else None
        at = ids.index(doc_id)
        return (ids[at - 1] if at > 0 else None), (ids[at + 1] if at + 1 < len(ids) else None)

    def hit(self, doc_id: str) -> HitDetail | None:
        body = self._search(
            HITS_ALIAS, query={"ids": {"values": [doc_id]}}, size=4, track_total_hits=False
        )
        copies = [h.get("_source") or {} for h in body.get("hits", {}).get("hits", [])]
        if not copies:
            return None
        doc = max(copies, key=lambda d: as_text(d.get("last_seen")))
        review = doc.get("review") if isinstance(doc.get("review"), Mapping) else None
        applied_at = as_text(review.get("reviewed_at")) if review else ""
        decisions = self._decisions(doc_id, applied_at)
        return HitDetail(doc, decision_of(review), decisions, self._linked(doc))

    def _decisions(self, doc_id: str, applied_at: str) -> list[DecisionRecord]:
        try:
            body = self._search(
                REVIEWS_ALIAS,
                query={"bool": {"filter": [{"term": {"doc_id": doc_id}}]}},
                sort=[{"reviewed_at": {"order": "desc"}}],
                size=50,
                track_total_hits=False,
            )
        except StoreUnavailable:
            return []  # a role that may read hits but not the ledger still sees the hit
        out = []
        for h in body.get("hits", {}).get("hits", []):
            src = h.get("_source") or {}
            labels = src.get("labels") or []
            decision = (
                "escalated"
                if src.get("state") == "relevant" and ESCALATED_LABEL in labels
                else as_text(src.get("state"))
            )
            reviewed_at = as_text(src.get("reviewed_at"))
            out.append(
                DecisionRecord(
                    doc_id=doc_id,
                    decision=decision,
                    unit=as_text(src.get("assignee")) if decision == "escalated" else "",
                    note=as_text(src.get("notes")),
                    reviewed_by=as_text((src.get("user") or {}).get("username")),
                    reviewed_at=reviewed_at,
                    pending_sync=reviewed_at > applied_at,
                )
            )
        return out

    def _linked(self, doc: Mapping[str, Any]) -> list[LinkedAd]:
        pseudonyms = [p for p in doc.get("contact_pseudonyms") or [] if isinstance(p, str)]
        links = doc.get("links") if isinstance(doc.get("links"), Mapping) else {}
        assert isinstance(links, Mapping)
        ways: list[tuple[str, dict[str, Any]]] = []
        if pseudonyms:
            ways.append(("same contact", {"terms": {"contact_pseudonyms": pseudonyms[:100]}}))
        for field, via in (
            ("contact_cluster", "same contact cluster"),
            ("template_cluster", "same template"),
        ):
            if isinstance(links.get(field), str) and links[field]:
                ways.append((via, {"term": {f"links.{field}": links[field]}}))
        if not ways:
            return []
        body = self._search(
            HITS_ALIAS,
            query={
                "bool": {
                    "should": [q for _, q in ways],
                    "minimum_should_match": 1,
                    "must_not": [{"ids": {"values": [as_text(doc.get("doc_id"))]}}],
                }
            },
            sort=[{"first_seen": {"order": "asc"}}],
            size=100,
            source_includes=[
                "doc_id",
                "title",
                "city",
                "source",
                "first_seen",
                "last_seen",
                "posted",
            ],
            track_total_hits=False,
        )
        linked: dict[str, LinkedAd] = {}
        for h in body.get("hits", {}).get("hits", []):
            s = h.get("_source") or {}
            linked[str(h["_id"])] = LinkedAd(
                doc_id=str(h["_id"]),
                title=as_text(s.get("title"))[:300],
                city=as_text(s.get("city")),
                source=as_text(s.get("source")),
                first_seen=as_text(s.get("first_seen")),
                last_seen=as_text(s.get("last_seen")),
                posted=as_text(s.get("posted")),
                via=", ".join(via for via, q in ways if _matches_link(q, s)) or "linked",
            )
        return list(linked.values())

    def decide(self, doc_id: str, decision: str, unit: str, note: str) -> DecisionRecord:
        if decision not in DECISIONS:
            raise DecisionRefused(f"unknown decision {decision!r}")
        document: dict[str, Any] = {"doc_id": doc_id, "state": STATE_OF_DECISION[decision]}
        if decision == "escalated":
            document["labels"] = [ESCALATED_LABEL]
            document["assignee"] = unit
        if note:
            document["notes"] = note
        try:
            resp = self.client.index(
                index=REVIEWS_ALIAS, document=document, require_alias=True, refresh="wait_for"
            )
            stored = self.client.get(index=resp["_index"], id=resp["_id"])["_source"]
        except AuthorizationException as exc:
            raise DecisionRefused(
                f"Elasticsearch refused to record the decision: {self.username} may only read. "
                "Recording decisions needs the lcom_investigator role (create_doc on "
                "lcom-reviews); ask your administrator."
            ) from exc
        except (ApiError, TransportError) as exc:
            raise _unavailable(exc) from exc
        if self._after_decision is not None:
            self._after_decision()
        return DecisionRecord(
            doc_id,
            decision,
            unit,
            note,
            as_text((stored.get("user") or {}).get("username")) or self.username,
            as_text(stored.get("reviewed_at")),
            pending_sync=True,
        )


class EsBackend:
    """Signs users in against the cluster; no credentials of our own are used for them."""

    kind = "elasticsearch"

    def __init__(self, config: EsConnectionConfig, *, sync_after_decision: bool = False) -> None:
        kwargs = config.client_kwargs()
        # The app's own credentials (if any are set) are never used for a user's calls:
        # only, when asked, to run `lcom review sync` (role lcom_review_sync).
        self._sync_client = Elasticsearch(**kwargs) if sync_after_decision else None
        kwargs.pop("api_key", None)
        kwargs.pop("basic_auth", None)
        self._client = Elasticsearch(**kwargs)
        self._sync_lock = threading.Lock()
        self._sync_again = False
        self._sync_thread: threading.Thread | None = None

    def request_sync(self) -> None:
        """Run ``lcom review sync`` in the background now (again after a run in progress)."""
        with self._sync_lock:
            if self._sync_thread is not None and self._sync_thread.is_alive():
                self._sync_again = True
                return
            self._sync_thread = threading.Thread(target=self._sync, daemon=True)
            self._sync_thread.start()

    def _sync(self) -> None:
        from pipelines.es.reviews import sync_reviews

        assert self._sync_client is not None
        while True:
            try:
                report = sync_reviews(self._sync_client)
                logger.info("review sync after a decision: %s", report.counts())
            except (ApiError, TransportError) as exc:
                logger.warning("review sync after a decision failed: %s", type(exc).__name__)
            with self._sync_lock:
                if not self._sync_again:
                    return
                self._sync_again = False

    def wait_for_sync(self, timeout: float = 10.0) -> None:
        thread = self._sync_thread
        if thread is not None:
            thread.join(timeout)

    def _as(self, credentials: Mapping[str, Any]) -> Elasticsearch:
        if "api_key" in credentials:
            return self._client.options(api_key=credentials["api_key"])
        return self._client.options(basic_auth=(credentials["username"], credentials["password"]))

    def authenticate(self, form: Mapping[str, str]) -> Principal:
        api_key = (form.get("api_key") or "").strip()
        username = (form.get("username") or "").strip()
        password = form.get("password") or ""
        if api_key:
            credentials: dict[str, Any] = {"api_key": api_key}
        elif username and password:
            credentials = {"username": username, "password": password}
        else:
            raise LoginFailed("Enter your user name and password, or an API key.")
        try:
            me = self._as(credentials).security.authenticate()
        except AuthenticationException as exc:
            raise LoginFailed("Elasticsearch did not accept these credentials.") from exc
        except (ApiError, TransportError) as exc:
            raise StoreUnavailable(
                f"Elasticsearch did not answer the sign-in ({type(exc).__name__})."
            ) from exc
        name = as_text(me.get("username")) or "unknown"
        roles = tuple(as_text(r) for r in me.get("roles") or [])
        return Principal(name, credentials, roles)

    def store(self, principal: Principal) -> EsReviewStore:
        after = self.request_sync if self._sync_client is not None else None
        return EsReviewStore(self._as(principal.credentials), principal.username, after)

    def close(self) -> None:
        self.wait_for_sync()
        self._client.close()
        if self._sync_client is not None:
            self._sync_client.close()
