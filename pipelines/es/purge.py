"""Retention enforcement (``lcom purge``): the per-document backstop to ILM.

ILM deletes whole rolled-over indices; this deletes each hit whose ``last_seen`` is
older than the retention of its ``review.state``, with ``delete_by_query``. A hit whose
state has no retention of its own (or no state) gets the shortest one, as
``legal_guardrails`` ``RetentionDays.for_state`` rules, and a warning says so. The
spool gets the same treatment (segments and rejected documents past retention).

Every run (unless ``dry_run``) writes one audit record, counts only, to the audit
index and to the local audit log, also when a step failed (the record lists the
errors): a ``delete_by_query`` that times out may still delete on the cluster, and an
erasure must never go unrecorded.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from elastic_transport import TransportError
from elasticsearch import ApiError, Elasticsearch

from pipelines.es.audit import (
    DEFAULT_AUDIT_LOG,
    append_audit_log,
    index_audit_record_sync,
)
from pipelines.es.spool import (
    REJECTED_FILE,
    SEGMENT_GLOB,
    Spool,
    ledger_entry_time,
    segment_newest_time,
)

logger = logging.getLogger(__name__)

HITS_ALIAS = "lcom-hits"
OTHER_STATES = "(other)"

#: Seconds one ``delete_by_query`` may take: deleting a large backlog takes a while, and
#: the client's usual timeout (30 s) would abandon the request while the cluster goes on.
PURGE_REQUEST_TIMEOUT = 3600.0


def _error_text(exc: Exception) -> str:
    message = getattr(exc, "message", None)
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def retention_queries(
    retention_days: Mapping[str, int], now: datetime
) -> dict[str, tuple[str, dict[str, Any]]]:
    """``{state: (cutoff, query)}``: the hits each state's retention has expired."""
    if not retention_days:
        raise ValueError("retention needs at least one review state")
    queries: dict[str, tuple[str, dict[str, Any]]] = {}
    for state, days in sorted(retention_days.items()):
        cutoff = _iso(now - timedelta(days=days))
        queries[state] = (
            cutoff,
            {
                "bool": {
                    "filter": [
                        {"term": {"review.state": state}},
                        {"range": {"last_seen": {"lt": cutoff}}},
                    ]
                }
            },
        )
    shortest = _iso(now - timedelta(days=min(retention_days.values())))
    queries[OTHER_STATES] = (
        shortest,
        {
            "bool": {
                "filter": [{"range": {"last_seen": {"lt": shortest}}}],
                "must_not": [{"terms": {"review.state": sorted(retention_days)}}],
            }
        },
    )
    return queries


@dataclass
class PurgeResult:
    dry_run: bool
    now: str
    retention_days: dict[str, int]
    cutoffs: dict[str, str] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)
    spool: dict[str, int] = field(default_factory=dict)
    #: Observations erased from the link store: ``hit`` and ``non_hit`` (own retention).
    link_observations: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def total_hits(self) -> int:
        return sum(self.hits.values())

    def audit_record(self) -> dict[str, Any]:
        """What was erased: counts per state and cut-off times, never content."""
        return {
            "kind": "erasure",
            "actor": "lcom purge",
            "now": self.now,
            "retention_days": self.retention_days,
            "cutoffs": self.cutoffs,
            "deleted": {
                "hits_by_state": self.hits,
                "spool": self.spool,
                "link_observations": self.link_observations,
            },
            "errors": self.errors,
        }

    def lines(self) -> list[str]:
        verb = "would delete" if self.dry_run else "deleted"
        out = [
            f"{state:<14} last_seen < {self.cutoffs[state]}: {verb} {self.hits.get(state, 0)}"
            for state in self.cutoffs
        ]
        if self.spool:
            out.append(
                f"spool: {verb} {self.spool.get('segments', 0)} segment(s) "
                f"({self.spool.get('records', 0)} hit(s)), "
                f"{self.spool.get('rejected', 0)} rejected document(s)"
            )
        if self.link_observations:
            out.append(
                f"link store: {verb} {self.link_observations.get('hit', 0)} hit and "
                f"{self.link_observations.get('non_hit', 0)} non-hit observation(s)"
            )
        out.extend(f"error: {e}" for e in self.errors)
        out.append(f"total: {verb} {self.total_hits} hit(s) in Elasticsearch")
        return out


def purge_hits(
    client: Elasticsearch,
    retention_days: Mapping[str, int],
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    alias: str = HITS_ALIAS,
    result: PurgeResult | None = None,
    request_timeout: float = PURGE_REQUEST_TIMEOUT,
) -> PurgeResult:
    """Delete (or, with ``dry_run``, count) hits past the retention of their review state.

    A state whose request fails (an API error, a timeout, a lost connection) is recorded
    in ``result.errors`` and the other states are still purged.
    """
    now = now or datetime.now(UTC)
    result = result or PurgeResult(dry_run, _iso(now), dict(retention_days))
    # Not retried on timeout: the first request may still be deleting on the cluster.
    slow_client = client.options(request_timeout=request_timeout, retry_on_timeout=False)
    for state, (cutoff, query) in retention_queries(retention_days, now).items():
        result.cutoffs[state] = cutoff
        try:
            if dry_run:
                count = client.count(index=alias, query=query)["count"]
            else:
                resp = slow_client.delete_by_query(
                    index=alias, query=query, conflicts="proceed", refresh=True
                )
                count = int(resp.get("deleted", 0))
                if resp.get("failures"):
                    result.errors.append(f"{state}: {len(resp['failures'])} failure(s)")
        except (ApiError, TransportError) as exc:
            text = _error_text(exc)
            logger.error("purge of state %s failed: %s", state, text)
            if isinstance(exc, TransportError) and not dry_run:
                text += " (the cluster may still be deleting; run lcom purge again)"
            result.errors.append(f"{state}: {text}")
            continue
        result.hits[state] = int(count)
        if state == OTHER_STATES and count:
            logger.warning(
                "%d hit(s) with a review state that has no retention of its own were "
                "deleted under the shortest retention",
                count,
            )
    return result


def purge_spool(
    spool: Spool, retention_days: Mapping[str, int], *, now: datetime | None = None
) -> dict[str, int]:
    """Spooled hits have not been reviewed: they get the retention of ``new``."""
    days = retention_days.get("new", max(retention_days.values()))
    return spool.purge_older_than(days, now=now)


def count_spool_older_than(spool_dir: Path, days: int, now: datetime) -> dict[str, int]:
    """What :func:`purge_spool` would delete (dry run), without locking or deleting."""
    cutoff = now - timedelta(days=days)
    counts = {"segments": 0, "records": 0, "rejected": 0}
    for path in sorted(spool_dir.glob(SEGMENT_GLOB)):
        if segment_newest_time(path) < cutoff:
            counts["segments"] += 1
            counts["records"] += sum(1 for line in path.read_bytes().split(b"\n") if line.strip())
    ledger = spool_dir / REJECTED_FILE
    if ledger.exists():
        for line in ledger.read_bytes().splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict) and ledger_entry_time(entry) < cutoff:
                counts["rejected"] += 1
    return counts


def run_purge(
    client: Elasticsearch | None,
    retention_days: Mapping[str, int],
    *,
    spool_dir: Path | None = None,
    audit_log: Path | str = DEFAULT_AUDIT_LOG,
    now: datetime | None = None,
    dry_run: bool = False,
    request_timeout: float = PURGE_REQUEST_TIMEOUT,
    purge_links: Callable[[datetime], dict[str, int]] | None = None,
) -> PurgeResult:
    """Purge Elasticsearch (when ``client``), the spool and (``purge_links(now)``, not in a
    dry run) the link store, then write the audit record.

    The audit record is written whatever happens in between (unless ``dry_run``).
    """
    now = now or datetime.now(UTC)
    result = PurgeResult(dry_run, _iso(now), dict(retention_days))
    try:
        if client is not None:
            purge_hits(
                client,
                retention_days,
                now=now,
                dry_run=dry_run,
                result=result,
                request_timeout=request_timeout,
            )
        if spool_dir is not None and spool_dir.exists():
            if dry_run:
                days = retention_days.get("new", max(retention_days.values()))
                result.spool = count_spool_older_than(spool_dir, days, now)
            else:
                with Spool(spool_dir) as spool:
                    result.spool = purge_spool(spool, retention_days, now=now)
        if purge_links is not None and not dry_run:
            result.link_observations = purge_links(now)
    except BaseException as exc:
        result.errors.append(f"purge stopped: {type(exc).__name__}")
        raise
    finally:
        if not dry_run:
            _write_audit(client, result, audit_log)
    return result


def _write_audit(client: Elasticsearch | None, result: PurgeResult, audit_log: Path | str) -> None:
    # One timestamp for both copies, so the local log and the index agree exactly.
    written_at = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    record = {"@timestamp": written_at, **result.audit_record()}
    append_audit_log(record, audit_log)
    if client is not None:
        try:
            index_audit_record_sync(client, record)
        except (ApiError, TransportError) as exc:
            text = _error_text(exc)
            logger.error("erasure audit record not indexed (%s); it is in %s", text, audit_log)
            result.errors.append(f"audit index: {text}")
