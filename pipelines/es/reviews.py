"""Copy investigators' review decisions from ``lcom-reviews`` into the hits (``lcom review sync``).

Investigators never write to ``lcom-hits``: they append decisions to the ``lcom-reviews``
ledger, whose final ingest pipeline records who (``user``) and when (``reviewed_at``).
This job, run with the ``lcom_review_sync`` role, applies the latest valid decision per
``doc_id`` to that hit's ``review`` object and touches nothing else.

Per decision and per hit:

``invalid``    the decision has no ``doc_id``, a ``state`` the data policy does not
               know, no ``reviewed_at``, or badly typed labels/notes: skipped (the
               latest *valid* decision of that hit applies)
``orphaned``   no hit with that ``doc_id`` exists (purged, or never indexed): skipped
``applied``    the hit's ``review`` was replaced by the decision
``unchanged``  the hit already had exactly that review, or a newer one
``failed``     the update was not stored (cluster unavailable, conflict): retried next run

The hit's new ``review`` is the decision's ``state``, ``labels``, ``notes`` and
``assignee``, plus ``reviewed_by`` (the ``user.username`` the ingest pipeline set,
never the decision's own ``reviewed_by``, which an investigator could type) and
``reviewed_at``. The update is a script (:data:`REVIEW_UPDATE_SCRIPT`) that only
assigns ``ctx._source.review`` and refuses to replace a review with an older one, so a
second run, or two runs at once, change nothing.

Checkpoint. Each run that changes something appends an audit record (``kind:
review_sync``, counts only) to ``lcom-audit`` with ``checkpoint``: the newest
``reviewed_at`` read. The next run reads decisions from ``checkpoint - overlap``
(default five minutes: a decision becomes searchable up to a refresh interval after
its ``reviewed_at``, and ingest nodes' clocks differ slightly); re-reading is harmless
because applying is idempotent. A run with failures keeps the previous checkpoint, so
nothing is skipped. The audit index is append-only and investigators cannot write to
it, so they cannot move the checkpoint; if the record is ever lost (audit retention),
the next run simply re-reads every decision.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from elastic_transport import TransportError
from elasticsearch import ApiError, Elasticsearch
from elasticsearch.helpers import scan, streaming_bulk

from dashboards.build import DEFAULT_RETENTION
from pipelines.es.audit import AUDIT_ALIAS, index_audit_record_sync
from pipelines.es.script import _instant

logger = logging.getLogger(__name__)

HITS_ALIAS = "lcom-hits"
REVIEWS_ALIAS = "lcom-reviews"
AUDIT_KIND = "review_sync"

#: Review states of the packaged data policy; ``lcom review sync --policy-dir`` uses
#: the deployment's.
REVIEW_STATES: tuple[str, ...] = tuple(DEFAULT_RETENTION.hits_by_state)

#: How far before the checkpoint a run starts reading (refresh delay, clock skew).
DEFAULT_OVERLAP = timedelta(minutes=5)

#: Fields of a decision copied into the hit's ``review`` (besides who and when).
_COPIED = ("state", "labels", "notes", "assignee")

#: Painless source of the review update. Only ``ctx._source.review`` is assigned; an
#: equal review or a stored review decided later than this one is left alone (noop).
#: ``index.max_result_window`` of a cluster with default settings: ``from + size`` of a
#: search (and the page size of a scroll) may not exceed it.
MAX_RESULT_WINDOW = 10_000
#: Copies of one hit a lookup makes room for (index generations during a move).
COPIES_PER_ID = 4

REVIEW_UPDATE_SCRIPT = """\
def wanted = params.review;
def current = ctx._source.review;
if (current != null && current == wanted) {
  ctx.op = 'noop';
} else if (current != null && current.reviewed_at != null
    && ZonedDateTime.parse(current.reviewed_at).toInstant()
         .isAfter(ZonedDateTime.parse(wanted.reviewed_at).toInstant())) {
  ctx.op = 'noop';
} else {
  ctx._source.review = wanted;
}
"""


def emulate_review_update(
    stored: dict[str, Any] | None, params: dict[str, Any]
) -> tuple[dict[str, Any] | None, str]:
    """Apply :data:`REVIEW_UPDATE_SCRIPT` to ``stored``: ``(new_source, "updated" | "noop")``.

    The reference the ES wire-protocol test server runs for that script, and what a
    dry run uses to predict the outcome. Change both together.
    """
    if stored is None:
        return None, "noop"
    wanted = params["review"]
    current = stored.get("review")
    if current is not None and current == wanted:
        return stored, "noop"
    if (
        isinstance(current, dict)
        and current.get("reviewed_at") is not None
        and _instant(current["reviewed_at"]) > _instant(wanted["reviewed_at"])
    ):
        return stored, "noop"
    source = copy.deepcopy(stored)
    source["review"] = copy.deepcopy(wanted)
    return source, "updated"


@dataclass(frozen=True)
class Decision:
    """One valid decision, as the ``review`` object it puts on the hit."""

    doc_id: str
    review: dict[str, Any]
    #: Order among decisions of one hit: when, then write order in the ledger.
    order: tuple[datetime, str, int]


def parse_decision(hit: dict[str, Any], states: Collection[str]) -> Decision | str:
    """A :class:`Decision` from a ``lcom-reviews`` search hit, or why it is invalid."""
    src = hit.get("_source") or {}
    doc_id = src.get("doc_id")
    if not isinstance(doc_id, str) or not doc_id:
        return "missing doc_id"
    if src.get("state") not in states:
        return "unknown state"
    reviewed_at = src.get("reviewed_at")
    try:
        when = _instant(reviewed_at) if isinstance(reviewed_at, str) else None
    except ValueError:
        when = None
    if when is None:
        return "missing reviewed_at"
    labels = src.get("labels")
    if isinstance(labels, str):
        labels = [labels]
    if labels is not None and not (
        isinstance(labels, list) and all(isinstance(v, str) for v in labels)
    ):
        return "labels are not strings"
    for name in ("notes", "assignee"):
        if src.get(name) is not None and not isinstance(src[name], str):
            return f"{name} is not a string"
    review: dict[str, Any] = {k: src[k] for k in _COPIED if src.get(k) is not None}
    if labels is not None:
        review["labels"] = labels
    username = (src.get("user") or {}).get("username")
    if isinstance(username, str) and username:
        review["reviewed_by"] = username
    review["reviewed_at"] = reviewed_at
    order = (when, str(hit.get("_index", "")), int(hit.get("_seq_no", -1)))
    return Decision(doc_id, review, order)


@dataclass
class SyncReport:
    """What one run read and did; :meth:`lines` renders it for the CLI."""

    dry_run: bool = False
    since: str | None = None
    previous_checkpoint: str | None = None
    checkpoint: str | None = None
    decisions: int = 0
    applied: int = 0
    unchanged: int = 0
    orphaned: int = 0
    invalid: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.errors

    def counts(self) -> dict[str, int]:
        return {
            "decisions": self.decisions,
            "applied": self.applied,
            "unchanged": self.unchanged,
            "orphaned": self.orphaned,
            "invalid": self.invalid,
            "failed": self.failed,
        }

    def audit_record(self) -> dict[str, Any]:
        """Counts and times only: no doc ids, labels or notes."""
        return {
            "kind": AUDIT_KIND,
            "actor": "lcom review sync",
            "since": self.since,
            "checkpoint": self.checkpoint,
            "counts": self.counts(),
            "errors": self.errors,
        }

    def lines(self) -> list[str]:
        prefix = "dry run: " if self.dry_run else ""
        verb = "would apply" if self.dry_run else "applied"
        out = [
            f"read decisions since {self.since or 'the beginning'}: {self.decisions}",
            f"{prefix}{verb} {self.applied}, unchanged {self.unchanged}, "
            f"orphaned {self.orphaned}, invalid {self.invalid}, failed {self.failed}",
        ]
        out.extend(f"error: {e}" for e in self.errors)
        if not self.dry_run:
            out.append(f"checkpoint: {self.checkpoint or '(none)'}")
        return out


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def read_checkpoint(client: Elasticsearch, *, audit_alias: str = AUDIT_ALIAS) -> str | None:
    """The checkpoint of the latest ``review_sync`` audit record, or ``None``."""
    resp = client.search(
        index=audit_alias,
        query={"bool": {"filter": [{"term": {"kind": AUDIT_KIND}}]}},
        sort=[{"@timestamp": {"order": "desc"}}],
        size=1,
        source_includes=["checkpoint"],
        track_total_hits=False,
    )
    for hit in resp.body.get("hits", {}).get("hits", []):
        value = (hit.get("_source") or {}).get("checkpoint")
        if isinstance(value, str) and value:
            return value
    return None


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# When several copies of one hit exist (briefly, while the indexer moves it into the
# write index), the hit's outcome is the most significant one of its copies.
_RANK = {"orphaned": 0, "unchanged": 1, "applied": 2, "failed": 3}


def _merge(outcomes: dict[str, str], doc_id: str, outcome: str) -> None:
    if _RANK[outcome] >= _RANK.get(outcomes.get(doc_id, "orphaned"), 0):
        outcomes[doc_id] = outcome


def sync_reviews(
    client: Elasticsearch,
    *,
    since: datetime | str | None = None,
    batch_size: int = 500,
    dry_run: bool = False,
    states: Collection[str] = REVIEW_STATES,
    overlap: timedelta = DEFAULT_OVERLAP,
    hits_alias: str = HITS_ALIAS,
    reviews_alias: str = REVIEWS_ALIAS,
    audit_alias: str = AUDIT_ALIAS,
) -> SyncReport:
    """Apply the latest valid decision per hit read since ``since`` (default: the checkpoint).

    ``since`` re-reads from an earlier time (``datetime`` or ISO 8601 with zone); it
    never moves the checkpoint backwards. ``dry_run`` reads and predicts, writes nothing.
    Read errors raise ``elasticsearch.ApiError``/``TransportError``; update errors are
    counted as ``failed``.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be >= 1")
    report = SyncReport(dry_run=dry_run)
    previous = read_checkpoint(client, audit_alias=audit_alias)
    report.previous_checkpoint = previous
    if since is not None:
        start: datetime | None = since if isinstance(since, datetime) else _instant(since)
    elif previous is not None:
        start = _instant(previous) - overlap
    else:
        start = None
    report.since = _iso(start) if start is not None else None

    page = min(batch_size, MAX_RESULT_WINDOW)
    latest, newest_read = _read_decisions(client, reviews_alias, report, states, page)
    outcomes: dict[str, str] = {}
    # Each lookup searches with size = ids * COPIES_PER_ID, within MAX_RESULT_WINDOW.
    for ids in _chunks(sorted(latest), min(batch_size, MAX_RESULT_WINDOW // COPIES_PER_ID)):
        _apply_batch(client, hits_alias, [latest[i] for i in ids], outcomes, report, dry_run)
    for outcome in outcomes.values():
        setattr(report, outcome, getattr(report, outcome) + 1)

    candidates = [c for c in (previous, newest_read) if c is not None]
    if report.ok and candidates:
        report.checkpoint = max(candidates, key=_instant)
    else:
        report.checkpoint = previous
    if dry_run or (report.checkpoint == previous and not report.applied and report.ok):
        # Nothing new: the previous record still holds the checkpoint; no audit noise.
        return report
    try:
        index_audit_record_sync(client, report.audit_record(), alias=audit_alias)
    except (ApiError, TransportError) as exc:
        logger.error("review sync audit record not indexed: %s", type(exc).__name__)
        report.errors.append(f"audit record not indexed ({type(exc).__name__})")
    return report


def _read_decisions(
    client: Elasticsearch,
    alias: str,
    report: SyncReport,
    states: Collection[str],
    batch_size: int,
) -> tuple[dict[str, Decision], str | None]:
    """The latest valid decision per doc_id, and the newest ``reviewed_at`` read."""
    query: dict[str, Any] = (
        {"range": {"reviewed_at": {"gte": report.since}}} if report.since else {"match_all": {}}
    )
    latest: dict[str, Decision] = {}
    newest: tuple[datetime, str] | None = None
    hits: Iterable[dict[str, Any]] = scan(
        client,
        index=alias,
        query={"query": query},
        size=batch_size,
        scroll="5m",
        seq_no_primary_term=True,
    )
    for hit in hits:
        report.decisions += 1
        reviewed_at = (hit.get("_source") or {}).get("reviewed_at")
        try:
            when = _instant(reviewed_at) if isinstance(reviewed_at, str) else None
        except ValueError:
            when = None
        if when is not None and (newest is None or when > newest[0]):
            newest = (when, str(reviewed_at))
        decision = parse_decision(hit, states)
        if isinstance(decision, str):
            report.invalid += 1
            # Ids only: the decision's notes may quote the ad.
            logger.warning("review decision %s skipped: %s", hit.get("_id"), decision)
            continue
        known = latest.get(decision.doc_id)
        if known is None or decision.order > known.order:
            latest[decision.doc_id] = decision
    return latest, newest[1] if newest else None


def _apply_batch(
    client: Elasticsearch,
    alias: str,
    decisions: list[Decision],
    outcomes: dict[str, str],
    report: SyncReport,
    dry_run: bool,
) -> None:
    by_id = {d.doc_id: d for d in decisions}
    # Search, not a GET through the alias: after a rollover a hit may live in an
    # older index generation, which a write through the alias would not reach.
    resp = client.search(
        index=alias,
        query={"ids": {"values": list(by_id)}},
        source_includes=["review"],
        size=len(by_id) * COPIES_PER_ID,
        track_total_hits=False,
    )
    actions: list[dict[str, Any]] = []
    for doc_id in by_id:
        outcomes[doc_id] = "orphaned"
    for hit in resp.body.get("hits", {}).get("hits", []):
        decision = by_id.get(hit["_id"])
        if decision is None:
            continue
        params = {"review": decision.review}
        _, predicted = emulate_review_update(hit.get("_source") or {}, params)
        if predicted == "noop":
            _merge(outcomes, decision.doc_id, "unchanged")
        elif dry_run:
            _merge(outcomes, decision.doc_id, "applied")
        else:
            actions.append(
                {
                    "_op_type": "update",
                    "_index": hit["_index"],
                    "_id": decision.doc_id,
                    "retry_on_conflict": 3,
                    "script": {
                        "lang": "painless",
                        "source": REVIEW_UPDATE_SCRIPT,
                        "params": params,
                    },
                }
            )
    if not actions:
        return
    try:
        for ok, info in streaming_bulk(
            client,
            actions,
            chunk_size=len(actions),
            max_retries=3,
            initial_backoff=1,
            retry_on_status=(429,),
            raise_on_error=False,
            raise_on_exception=False,
        ):
            item = next(iter(info.values()))
            doc_id = str(item.get("_id"))
            if ok:
                outcome = "unchanged" if item.get("result") == "noop" else "applied"
            elif item.get("status") == 404:
                outcome = "orphaned"  # deleted between the lookup and the update
            else:
                outcome = "failed"
                error = item.get("error")
                kind = error.get("type") if isinstance(error, dict) else item.get("status")
                logger.warning("review of %s not applied (%s)", doc_id, kind)
            _merge(outcomes, doc_id, outcome)
    except (ApiError, TransportError) as exc:
        logger.warning("review updates failed: %s", type(exc).__name__)
        report.errors.append(f"bulk update failed ({type(exc).__name__})")
        for action in actions:
            _merge(outcomes, action["_id"], "failed")
