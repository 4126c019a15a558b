"""The one interface both review back-ends implement (local spool + SQLite, Elasticsearch).

A *backend* signs people in and hands out a *store* that acts as that person: the
local backend checks the start-up token; the Elasticsearch backend asks the cluster
(``_security/_authenticate``) and every call of the store it returns carries the
user's own credentials, so Elasticsearch roles decide what they see and may do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from crawler.review.model import (
    DecisionRecord,
    Facets,
    HitDetail,
    QueuePage,
    QueueQuery,
)


class ReviewError(Exception):
    """Root of the review workspace's errors; ``str()`` is shown to the user."""


class LoginFailed(ReviewError):
    """Wrong token, credentials or API key (or the cluster refused them)."""


class DecisionRefused(ReviewError):
    """The decision was not recorded (a role that may only read, an unknown hit)."""


class StoreUnavailable(ReviewError):
    """The store cannot answer now (cluster down, unreadable spool)."""


@dataclass(frozen=True)
class Principal:
    """Who is signed in. ``credentials`` stay in server memory, never in a cookie or log."""

    username: str
    credentials: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    roles: tuple[str, ...] = ()


class ReviewStore(Protocol):
    """What the web app (and ``lcom review queue``) reads and writes."""

    def queue(self, query: QueueQuery) -> QueuePage: ...

    def facets(self) -> Facets: ...

    def hit(self, doc_id: str) -> HitDetail | None: ...

    def neighbours(self, query: QueueQuery, doc_id: str) -> tuple[str | None, str | None]:
        """Previous and next hit of ``doc_id`` in the queue ``query`` shows."""
        ...

    def decide(self, doc_id: str, decision: str, unit: str, note: str) -> DecisionRecord: ...


class ReviewBackend(Protocol):
    kind: str  # "local" | "elasticsearch"

    def authenticate(self, form: Mapping[str, str]) -> Principal: ...

    def store(self, principal: Principal) -> ReviewStore: ...

    def close(self) -> None: ...
