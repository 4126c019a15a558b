"""Send spooled hits to Elasticsearch with ``async_streaming_bulk`` and acknowledge them.

One observation of a hit becomes one bulk ``update`` action: ``_id`` = ``doc_id``,
``scripted_upsert`` with :data:`pipelines.es.script.HIT_UPSERT_SCRIPT`, written through
the ``lcom-hits`` alias with ``require_alias`` (a missing alias never auto-creates a
stray index). Results per record:

``created``  new document                         stat ``lcom/es/indexed``
``updated``  newer observation of a known hit     stat ``lcom/es/updated``
``noop``     observation already stored            stat ``lcom/es/noop``
``rejected`` refused for good (HTTP 400: mapping,  stat ``lcom/es/failed/<error type>``;
             script); moved to the rejected ledger  kept in ``rejected.jsonl``
``failed``   not stored now (cluster down, 429     stat ``lcom/es/failed/<reason>``;
             after ``max_retries``, 5xx)            stays pending in the spool

A partial-update record of the spool (:meth:`pipelines.es.spool.Spool.append_update`:
an earlier hit gets the ``links`` of a link a later ad completed) becomes a bulk
``update`` with ``doc`` addressed to the index generation that holds the hit. Updates
are sent after the hits of the same batch; an update whose hit is not in Elasticsearch
yet (its hit failed and stays pending) stays pending too, and is sent with it later.

``updated``  fields set                            stat ``lcom/es/updates/applied``
``noop``     already set, or the hit was stored     stat ``lcom/es/updates/noop``
             from a newer observation
``missing``  no such hit (erased, or refused)       stat ``lcom/es/updates/missing``
``rejected``/``failed`` as for hits

Index generations: after an ILM rollover, a hit already stored in an older index is
*moved* into the write index (the script receives the old copy as ``params.carry``,
then the old copy is deleted if it did not change meanwhile). So a hit exists once,
and every document of a rolled-over index was last seen before its rollover, which
keeps ILM's whole-index delete from removing a hit still within retention.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from elastic_transport import TransportError
from elasticsearch import ApiError, AsyncElasticsearch, NotFoundError
from elasticsearch.helpers import async_streaming_bulk

from pipelines.es.reviews import COPIES_PER_ID, MAX_RESULT_WINDOW, REVIEW_UPDATE_SCRIPT
from pipelines.es.script import HIT_UPSERT_SCRIPT, _instant, upsert_params
from pipelines.es.spool import HitUpdate, Spool, SpoolRecord

logger = logging.getLogger(__name__)

HITS_ALIAS = "lcom-hits"
#: Largest bulk body: aiohttp sends larger raw bodies in one blocking write (and warns).
MAX_BULK_BYTES = 1_000_000
#: Ids per lookup search, so that its ``size`` stays within :data:`MAX_RESULT_WINDOW`.
IDS_PER_LOOKUP = MAX_RESULT_WINDOW // COPIES_PER_ID
#: Attempts to delete an old copy that keeps changing (a review sync writing to it).
_DELETE_ATTEMPTS = 3

StatsFn = Callable[[str, int], None]

_STAT_BY_RESULT = {
    "created": "lcom/es/indexed",
    "updated": "lcom/es/updated",
    "noop": "lcom/es/noop",
}
_UPDATE_STAT_BY_RESULT = {
    "updated": "lcom/es/updates/applied",
    "noop": "lcom/es/updates/noop",
    "missing": "lcom/es/updates/missing",
}


@dataclass(frozen=True)
class IndexerConfig:
    """Bulk settings (``LCOM_ES_CHUNK_SIZE``, ``LCOM_ES_MAX_RETRIES``, ...)."""

    alias: str = HITS_ALIAS
    chunk_size: int = 500
    max_retries: int = 3
    initial_backoff: float = 2.0
    max_backoff: float = 60.0
    retry_on_conflict: int = 3
    refresh: str | None = None  # "wait_for" in tests that read right after writing

    def __post_init__(self) -> None:
        if self.chunk_size < 1 or self.max_retries < 0 or self.initial_backoff < 0:
            raise ValueError("chunk_size must be >= 1; max_retries, initial_backoff >= 0")


@dataclass(frozen=True)
class Outcome:
    """What happened to one record."""

    record: SpoolRecord
    result: str  # created | updated | noop | rejected | failed
    reason: str | None = None


@dataclass
class IndexReport:
    """Counts of :class:`Outcome` results (and failure reasons)."""

    counts: dict[str, int] = field(default_factory=dict)
    reasons: dict[str, int] = field(default_factory=dict)

    def add(self, outcomes: Sequence[Outcome]) -> None:
        """Count outcomes; those of partial updates as ``update:<result>`` (but
        ``failed`` and ``rejected`` alike for both)."""
        for o in outcomes:
            key = o.result
            if o.record.is_update and key not in ("failed", "rejected"):
                key = f"update:{key}"
            self.counts[key] = self.counts.get(key, 0) + 1
            if o.reason:
                self.reasons[o.reason] = self.reasons.get(o.reason, 0) + 1

    def get(self, result: str) -> int:
        return self.counts.get(result, 0)


@dataclass
class _Target:
    """Where the stored copies of one doc_id are, from the lookup before a round."""

    carry_from: tuple[str, int, int] | None = None  # (index, seq_no, primary_term)
    stale: list[tuple[str, int, int]] = field(default_factory=list)
    #: ``review`` of each old copy as read by the lookup (carried before the delete).
    reviews: list[dict[str, Any]] = field(default_factory=list)


class _Unavailable(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _transport_reason(exc: Exception) -> str:
    if isinstance(exc, NotFoundError):
        return "alias_missing"
    if isinstance(exc, ApiError):
        return f"http_{exc.status_code}"
    return "unavailable"


def validate_hit(doc: dict[str, Any]) -> str | None:
    """Why ``doc`` cannot be sent at all, or ``None``."""
    if not isinstance(doc.get("doc_id"), str) or not doc["doc_id"]:
        return "missing doc_id"
    last_seen = doc.get("last_seen")
    if not isinstance(last_seen, str):
        return "missing last_seen"
    try:
        _instant(last_seen)
    except ValueError:
        return "last_seen is not an ISO 8601 timestamp with a zone"
    return None


class HitIndexer:
    """Indexes spool records and records the outcome in the spool. Reusable across rounds."""

    def __init__(
        self,
        client: AsyncElasticsearch,
        spool: Spool,
        config: IndexerConfig | None = None,
        stats: StatsFn | None = None,
    ) -> None:
        self.client = client
        self.spool = spool
        self.config = config or IndexerConfig()
        self._stats = stats or (lambda _name, _n: None)
        #: doc_ids of hits this indexer could not store yet (still pending in the spool):
        #: their partial updates wait for them.
        self._unsent: set[str] = set()

    async def index(self, records: Sequence[SpoolRecord]) -> list[Outcome]:
        """Send ``records``; acknowledge or reject each in the spool; return outcomes.

        Hits first, then partial updates. Observations of the same ``doc_id`` go in
        successive rounds (oldest first), so each bulk response item maps to exactly one
        record.
        """
        hits = [r for r in records if not r.is_update]
        updates = [r for r in records if r.is_update]
        outcomes = await self._index_hits(hits)
        for o in outcomes:
            if o.result == "failed":
                self._unsent.add(o.record.doc_id)
            else:
                self._unsent.discard(o.record.doc_id)
        if updates:
            outcomes.extend(await self._index_updates(updates, outcomes))
        return outcomes

    async def _index_hits(self, records: Sequence[SpoolRecord]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        pending = sorted(records, key=lambda r: (r.doc.get("last_seen") or "", r.line))
        while pending:
            round_: dict[str, SpoolRecord] = {}
            deferred: list[SpoolRecord] = []
            for record in pending:
                invalid = validate_hit(record.doc)
                if invalid is not None:
                    outcomes.append(await self._reject(record, "invalid_document", None, invalid))
                elif record.doc_id in round_:
                    deferred.append(record)
                else:
                    round_[record.doc_id] = record
            if round_:
                outcomes.extend(await self._send_round(round_))
            pending = deferred
        return outcomes

    async def _send_round(self, records: dict[str, SpoolRecord]) -> list[Outcome]:
        try:
            write_index = await self._write_index()
            targets = await self._locate(list(records), write_index)
        except (ApiError, TransportError, _Unavailable) as exc:
            reason = exc.reason if isinstance(exc, _Unavailable) else _transport_reason(exc)
            self._log_unavailable(reason, exc)
            return await self._finish([Outcome(r, "failed", reason) for r in records.values()])

        outcomes: dict[str, Outcome] = {}
        actions: list[dict[str, Any]] = []
        carries: dict[str, dict[str, Any]] = {}
        movers = {i: t.carry_from for i, t in targets.items() if t.carry_from}
        if movers:
            try:
                carries = await self._fetch_sources(movers)
            except (ApiError, TransportError) as exc:
                reason = _transport_reason(exc)
                self._log_unavailable(reason, exc)
                return await self._finish([Outcome(r, "failed", reason) for r in records.values()])
        for doc_id, record in records.items():
            actions.append(self._action(record, carries.get(doc_id)))

        kwargs: dict[str, Any] = {"require_alias": True}
        if self.config.refresh:
            kwargs["refresh"] = self.config.refresh
        try:
            async for ok, info in self._bulk(actions, **kwargs):
                _op, item = next(iter(info.items()))
                doc_id = str(item.get("_id"))
                sent = records.get(doc_id)
                if sent is None or doc_id in outcomes:
                    logger.error("bulk response for an unknown or repeated _id %s", doc_id)
                    continue
                outcomes[doc_id] = self._item_outcome(sent, ok, item)
        except TransportError as exc:
            self._log_unavailable("unavailable", exc)
        except ApiError as exc:
            self._log_unavailable(_transport_reason(exc), exc)
        for doc_id, record in records.items():
            outcomes.setdefault(doc_id, Outcome(record, "failed", "unavailable"))

        moved = [
            (doc_id, targets[doc_id])
            for doc_id, o in outcomes.items()
            if o.result in ("created", "updated") and doc_id in targets
        ]
        for doc_id, o in list(outcomes.items()):
            if o.result == "created" and targets.get(doc_id) and targets[doc_id].carry_from:
                # The hit existed in an older index: for investigators this is an update.
                outcomes[doc_id] = Outcome(o.record, "updated")
        await self._delete_stale(write_index, await self._carry_reviews(write_index, moved))
        return await self._finish(list(outcomes.values()))

    def _action(self, record: SpoolRecord, carry: dict[str, Any] | None) -> dict[str, Any]:
        return {
            "_op_type": "update",
            "_index": self.config.alias,
            "_id": record.doc_id,
            "retry_on_conflict": self.config.retry_on_conflict,
            "scripted_upsert": True,
            "upsert": {},
            "script": {
                "lang": "painless",
                "source": HIT_UPSERT_SCRIPT,
                "params": upsert_params(record.doc, carry),
            },
        }

    def _item_outcome(self, record: SpoolRecord, ok: bool, item: dict[str, Any]) -> Outcome:
        if ok:
            result = item.get("result")
            if result not in _STAT_BY_RESULT:
                result = "created" if item.get("status") == 201 else "updated"
            return Outcome(record, str(result))
        status = item.get("status")
        error = item.get("error")
        if isinstance(error, dict):
            error_type = str(error.get("type") or "error")
            detail = str(error.get("reason") or "")
        elif isinstance(item.get("exception"), TransportError | ApiError):
            exc = item["exception"]
            error_type = _transport_reason(exc)
            detail = str(error or "")
        else:
            error_type = f"http_{status}" if isinstance(status, int) else "unavailable"
            detail = str(error or "")
        if status == 400:
            return Outcome(record, "rejected", error_type + "\x00" + detail)
        return Outcome(record, "failed", error_type)

    async def _index_updates(
        self, records: Sequence[SpoolRecord], hit_outcomes: Sequence[Outcome]
    ) -> list[Outcome]:
        """Send partial updates in spool order (one round per update of the same hit)."""
        newest_hit: dict[str, str] = {}
        for o in hit_outcomes:
            if o.result in _STAT_BY_RESULT and isinstance(
                seen := o.record.doc.get("last_seen"), str
            ):
                newest_hit[o.record.doc_id] = max(newest_hit.get(o.record.doc_id, ""), seen)
        outcomes: list[Outcome] = []
        pending = sorted(records, key=lambda r: (r.segment, r.line))
        while pending:
            round_: dict[str, tuple[SpoolRecord, HitUpdate]] = {}
            deferred: list[SpoolRecord] = []
            waiting: list[Outcome] = []
            for record in pending:
                update = record.update
                if update is None:
                    outcomes.append(
                        await self._reject(
                            record, "invalid_update", None, "update without doc_id or doc"
                        )
                    )
                elif update.doc_id in self._unsent:
                    waiting.append(Outcome(record, "failed", "hit_pending"))
                elif _superseded(update, newest_hit.get(update.doc_id)):
                    # The hit was just stored from an observation made after this update:
                    # its own links are newer.
                    waiting.append(Outcome(record, "noop"))
                elif update.doc_id in round_:
                    deferred.append(record)
                else:
                    round_[update.doc_id] = (record, update)
            outcomes.extend(await self._finish(waiting, _UPDATE_STAT_BY_RESULT))
            if round_:
                outcomes.extend(await self._send_updates(round_))
            pending = deferred
        return outcomes

    async def _send_updates(
        self, updates: dict[str, tuple[SpoolRecord, HitUpdate]]
    ) -> list[Outcome]:
        try:
            holders = await self._holders(list(updates))
        except (ApiError, TransportError) as exc:
            reason = _transport_reason(exc)
            self._log_unavailable(reason, exc)
            failed = [Outcome(r, "failed", reason) for r, _ in updates.values()]
            return await self._finish(failed, _UPDATE_STAT_BY_RESULT)
        outcomes: dict[str, Outcome] = {}
        actions: list[dict[str, Any]] = []
        for doc_id, (record, update) in updates.items():
            index = holders.get(doc_id)
            if index is None:
                outcomes[doc_id] = Outcome(record, "missing")
                continue
            actions.append(
                {
                    "_op_type": "update",
                    "_index": index,
                    "_id": doc_id,
                    "retry_on_conflict": self.config.retry_on_conflict,
                    "doc": update.doc,
                }
            )
        kwargs: dict[str, Any] = {}
        if self.config.refresh:
            kwargs["refresh"] = self.config.refresh
        try:
            async for ok, info in self._bulk(actions, **kwargs):
                item = next(iter(info.values()))
                doc_id = str(item.get("_id"))
                if doc_id not in updates or doc_id in outcomes:
                    logger.error("bulk response for an unknown or repeated _id %s", doc_id)
                    continue
                record = updates[doc_id][0]
                if not ok and item.get("status") == 404:
                    outcomes[doc_id] = Outcome(record, "missing")  # erased meanwhile
                else:
                    outcomes[doc_id] = self._item_outcome(record, ok, item)
        except TransportError as exc:
            self._log_unavailable("unavailable", exc)
        except ApiError as exc:
            self._log_unavailable(_transport_reason(exc), exc)
        for doc_id, (record, _) in updates.items():
            outcomes.setdefault(doc_id, Outcome(record, "failed", "unavailable"))
        for o in outcomes.values():
            if o.result == "missing":
                logger.warning(
                    "hit %s is not in Elasticsearch (erased or refused): its partial update "
                    "is dropped",
                    o.record.doc_id,
                )
        return await self._finish(list(outcomes.values()), _UPDATE_STAT_BY_RESULT)

    async def _holders(self, ids: list[str]) -> dict[str, str]:
        """The index generation that holds each of ``ids`` (the newest, if several)."""
        found: dict[str, str] = {}
        for first in range(0, len(ids), IDS_PER_LOOKUP):
            chunk = ids[first : first + IDS_PER_LOOKUP]
            resp = await self.client.search(
                index=self.config.alias,
                query={"ids": {"values": chunk}},
                source=False,
                size=len(chunk) * COPIES_PER_ID,
                track_total_hits=False,
            )
            for hit in resp.body.get("hits", {}).get("hits", []):
                doc_id, index = str(hit["_id"]), str(hit["_index"])
                found[doc_id] = max(found.get(doc_id, index), index)
        return found

    async def _write_index(self) -> str:
        try:
            resp = await self.client.indices.get_alias(name=self.config.alias)
        except NotFoundError:
            raise _Unavailable("alias_missing") from None
        indices = resp.body
        writers = [
            name
            for name, body in indices.items()
            if (body.get("aliases", {}).get(self.config.alias) or {}).get("is_write_index")
        ]
        if len(writers) == 1:
            return str(writers[0])
        if len(indices) == 1:
            return str(next(iter(indices)))
        raise _Unavailable("no_write_index")

    async def _locate(self, ids: list[str], write_index: str) -> dict[str, _Target]:
        copies: dict[str, list[dict[str, Any]]] = {}
        # A search may return at most MAX_RESULT_WINDOW hits: look ids up in slices.
        for first in range(0, len(ids), IDS_PER_LOOKUP):
            chunk = ids[first : first + IDS_PER_LOOKUP]
            resp = await self.client.search(
                index=self.config.alias,
                query={"ids": {"values": chunk}},
                source_includes=["review"],
                seq_no_primary_term=True,
                size=len(chunk) * COPIES_PER_ID,
                track_total_hits=False,
            )
            for hit in resp.body.get("hits", {}).get("hits", []):
                copies.setdefault(hit["_id"], []).append(hit)
        targets: dict[str, _Target] = {}
        for doc_id, found in copies.items():
            in_write = [h for h in found if h["_index"] == write_index]
            old = sorted(
                (h for h in found if h["_index"] != write_index),
                key=lambda h: h["_index"],
                reverse=True,
            )
            if not old:
                continue
            target = _Target(
                stale=[(h["_index"], h["_seq_no"], h["_primary_term"]) for h in old],
                reviews=[r for h in old if isinstance(r := _review_of(h), dict)],
            )
            if not in_write:
                newest = old[0]
                target.carry_from = (newest["_index"], newest["_seq_no"], newest["_primary_term"])
            targets[doc_id] = target
        return targets

    async def _fetch_sources(
        self, movers: Mapping[str, tuple[str, int, int] | None]
    ) -> dict[str, dict[str, Any]]:
        docs = [{"_index": loc[0], "_id": doc_id} for doc_id, loc in movers.items() if loc]
        resp = await self.client.mget(docs=docs)
        return {d["_id"]: d["_source"] for d in resp.body.get("docs", []) if d.get("found")}

    async def _carry_reviews(
        self, write_index: str, moved: list[tuple[str, _Target]]
    ) -> list[tuple[str, _Target]]:
        """Carry the newest review of old copies into the write copy; return what may go.

        ``lcom review sync`` may have written a decision to an old copy after it was
        carried (or while copies existed in two generations): the review script keeps
        whichever decision is newer, so sending the old copy's review is always safe.
        An old copy whose review could not be carried is not deleted.
        """
        actions = [
            self._review_action(write_index, doc_id, review)
            for doc_id, target in moved
            if (review := _newest_review(target.reviews)) is not None
        ]
        failed = await self._send_reviews(actions)
        return [(doc_id, target) for doc_id, target in moved if doc_id not in failed]

    def _review_action(self, index: str, doc_id: str, review: dict[str, Any]) -> dict[str, Any]:
        return {
            "_op_type": "update",
            "_index": index,
            "_id": doc_id,
            "retry_on_conflict": self.config.retry_on_conflict,
            "script": {
                "lang": "painless",
                "source": REVIEW_UPDATE_SCRIPT,
                "params": {"review": review},
            },
        }

    def _bulk(
        self, actions: list[dict[str, Any]], **kwargs: Any
    ) -> AsyncIterable[tuple[bool, dict[str, Any]]]:
        """``async_streaming_bulk`` with lcom's one error policy: bounded chunks, retries
        on 429 with backoff, and every item's outcome reported instead of raised."""
        return async_streaming_bulk(
            self.client,
            actions,
            chunk_size=self.config.chunk_size,
            max_chunk_bytes=MAX_BULK_BYTES,
            max_retries=self.config.max_retries,
            initial_backoff=self.config.initial_backoff,
            max_backoff=self.config.max_backoff,
            retry_on_status=(429,),
            raise_on_error=False,
            raise_on_exception=False,
            **kwargs,
        )

    async def _send_reviews(self, actions: list[dict[str, Any]]) -> set[str]:
        """Send review updates; the ids whose update failed."""
        failed = {str(a["_id"]) for a in actions}
        if not actions:
            return failed
        try:
            async for ok, info in self._bulk(actions):
                item = next(iter(info.values()))
                if ok:
                    failed.discard(str(item.get("_id")))
                else:
                    logger.warning(
                        "review of %s not carried into the write index (status %s); "
                        "its old copy is kept",
                        item.get("_id"),
                        item.get("status"),
                    )
        except (ApiError, TransportError) as exc:
            logger.warning("carrying reviews failed: %s", type(exc).__name__)
        return failed

    async def _delete_stale(self, write_index: str, moved: list[tuple[str, _Target]]) -> None:
        deletes = [
            (doc_id, index, seq_no, primary_term)
            for doc_id, target in moved
            for index, seq_no, primary_term in target.stale
        ]
        for attempt in range(_DELETE_ATTEMPTS):
            if not deletes:
                return
            changed = await self._send_deletes(deletes)
            if not changed or attempt + 1 == _DELETE_ATTEMPTS:
                for doc_id, index, _, _ in changed:
                    # Left for the next observation, which carries its review first.
                    logger.warning(
                        "old copy of %s in %s keeps changing; not deleted", doc_id, index
                    )
                return
            # Changed since it was read (409): most likely a review sync wrote to it.
            # Read it again, carry its review, then delete the copy just read.
            deletes = await self._reread_and_carry(write_index, changed)

    async def _send_deletes(
        self, deletes: list[tuple[str, str, int, int]]
    ) -> list[tuple[str, str, int, int]]:
        """Delete old copies if unchanged; return those that changed meanwhile (409)."""
        actions = [
            {
                "_op_type": "delete",
                "_index": index,
                "_id": doc_id,
                "if_seq_no": seq_no,
                "if_primary_term": primary_term,
            }
            for doc_id, index, seq_no, primary_term in deletes
        ]
        by_key = {(d[0], d[1]): d for d in deletes}
        changed: list[tuple[str, str, int, int]] = []
        try:
            async for ok, info in self._bulk(actions):
                item = next(iter(info.values()))
                if ok or item.get("status") == 404:
                    self._stats("lcom/es/moved", 1)
                elif item.get("status") == 409:
                    key = (str(item.get("_id")), str(item.get("_index")))
                    if key in by_key:
                        changed.append(by_key[key])
                else:
                    logger.warning(
                        "old copy of %s in %s not deleted (status %s)",
                        item.get("_id"),
                        item.get("_index"),
                        item.get("status"),
                    )
        except (ApiError, TransportError) as exc:
            logger.warning("deleting moved copies failed: %s", type(exc).__name__)
        return changed

    async def _reread_and_carry(
        self, write_index: str, changed: list[tuple[str, str, int, int]]
    ) -> list[tuple[str, str, int, int]]:
        by_index: dict[str, list[str]] = {}
        for doc_id, index, _, _ in changed:
            by_index.setdefault(index, []).append(doc_id)
        fresh: dict[str, list[tuple[str, str, int, int]]] = {}
        reviews: dict[str, list[dict[str, Any]]] = {}
        try:
            for index, ids in by_index.items():
                for first in range(0, len(ids), MAX_RESULT_WINDOW):
                    chunk = ids[first : first + MAX_RESULT_WINDOW]
                    resp = await self.client.search(
                        index=index,
                        query={"ids": {"values": chunk}},
                        source_includes=["review"],
                        seq_no_primary_term=True,
                        size=len(chunk),
                        track_total_hits=False,
                    )
                    for hit in resp.body.get("hits", {}).get("hits", []):
                        doc_id = str(hit["_id"])
                        fresh.setdefault(doc_id, []).append(
                            (doc_id, str(hit["_index"]), hit["_seq_no"], hit["_primary_term"])
                        )
                        if isinstance(review := _review_of(hit), dict):
                            reviews.setdefault(doc_id, []).append(review)
        except (ApiError, TransportError) as exc:
            logger.warning("re-reading changed old copies failed: %s", type(exc).__name__)
            return []
        actions = [
            self._review_action(write_index, doc_id, review)
            for doc_id, found in reviews.items()
            if (review := _newest_review(found)) is not None
        ]
        failed = await self._send_reviews(actions)
        return [d for doc_id, found in fresh.items() if doc_id not in failed for d in found]

    async def _reject(
        self, record: SpoolRecord, error_type: str, status: int | None, detail: str
    ) -> Outcome:
        await asyncio.to_thread(
            self.spool.reject, record, error_type=error_type, status=status, reason=detail
        )
        self._stats(f"lcom/es/failed/{error_type}", 1)
        self._stats("lcom/es/rejected", 1)
        # Log ids and the error type only: the reason may quote the document's text.
        logger.error(
            "hit %s rejected by Elasticsearch (%s); kept in the spool's rejected ledger",
            record.doc_id,
            error_type,
        )
        return Outcome(record, "rejected", error_type)

    async def _finish(
        self, outcomes: list[Outcome], stat_by_result: Mapping[str, str] = _STAT_BY_RESULT
    ) -> list[Outcome]:
        final: list[Outcome] = []
        acks: list[tuple[SpoolRecord, str]] = []
        for o in outcomes:
            if o.result == "rejected":
                error_type, _, detail = (o.reason or "error").partition("\x00")
                final.append(await self._reject(o.record, error_type, 400, detail))
                continue
            if o.result in stat_by_result:
                acks.append((o.record, o.result))
                self._stats(stat_by_result[o.result], 1)
            else:
                self._stats(f"lcom/es/failed/{o.reason or 'unknown'}", 1)
            final.append(o)
        if acks:
            await asyncio.to_thread(self.spool.ack, acks)
        return final

    def _log_unavailable(self, reason: str, exc: BaseException) -> None:
        if reason == "alias_missing":
            logger.error(
                "the %s alias does not exist: run `lcom es setup`; hits stay in the spool",
                self.config.alias,
            )
        else:
            logger.warning(
                "Elasticsearch unavailable (%s: %s); hits stay in the spool",
                reason,
                type(exc).__name__,
            )


def _superseded(update: HitUpdate, newest_hit: str | None) -> bool:
    """Whether the hit was stored from an observation made after ``update``."""
    if not newest_hit or not update.at:
        return False
    try:
        return _instant(newest_hit) > _instant(update.at)
    except ValueError:
        return False


def _review_of(hit: Mapping[str, Any]) -> Any:
    return (hit.get("_source") or {}).get("review")


def _newest_review(reviews: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """The review with the latest ``reviewed_at`` (reviews without one are never carried:
    only ``lcom review sync`` sets them, with a time)."""
    newest: tuple[Any, dict[str, Any]] | None = None
    for review in reviews:
        when = review.get("reviewed_at")
        if not isinstance(when, str):
            continue
        try:
            instant = _instant(when)
        except ValueError:
            continue
        if newest is None or instant > newest[0]:
            newest = (instant, review)
    return newest[1] if newest else None


async def replay_spool(
    spool: Spool,
    client: AsyncElasticsearch,
    config: IndexerConfig | None = None,
    *,
    stats: StatsFn | None = None,
    batch_size: int | None = None,
    include_own: bool = True,
) -> IndexReport:
    """Send every unacknowledged record in the spool (``lcom spool replay``, crawl start).

    ``include_own=False`` skips segments this spool is writing (a crawl resending what
    an earlier run left, while its own new hits go through the queue).
    """
    indexer = HitIndexer(client, spool, config, stats)
    records = await asyncio.to_thread(spool.claim_pending, include_own=include_own)
    report = IndexReport()
    step = batch_size or indexer.config.chunk_size * 4
    for start in range(0, len(records), step):
        report.add(await indexer.index(records[start : start + step]))
    return report
