"""The run audit: one JSON record per crawl run, counts only, never content.

Every run appends one line to the local JSON Lines audit log (``LCOM_AUDIT_LOG``,
default ``<LCOM_VAR_DIR>/audit.jsonl``), flushed and fsynced: finished,
stopped by a guardrail, killed by a signal, and refused at start (the runtime
calls :func:`record_refusal`). When ``ELASTICSEARCH_URL`` is set the record is
also indexed to the audit index (``pipelines.es.audit.index_audit_record``);
the local line is written first and is the record of truth.

A record holds: run id, start and end (UTC), finish reason, source, policy
version, content hash and folder, authorisation and legal basis ids, the
permit's limits, requests made, responses received, blocks by rule, items
extracted, hits stored and items dropped by reason.

``LCOM_STATS_DUMP`` (optional, a file path): also write the run's final stats
as one JSON object there (used by the crawl tests and for debugging).
"""

from __future__ import annotations

import asyncio
import fcntl
import inspect
import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals

from crawler.runtime import get_runtime

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from scrapy.statscollectors import StatsCollector

    from crawler.runtime import CrawlRuntime

logger = logging.getLogger(__name__)

RECORD_KIND = "crawl_run"
REFUSED = "lcom_refused"


def audit_log_path(settings: BaseSettings | dict[str, Any]) -> Path:
    configured = settings.get("LCOM_AUDIT_LOG")
    if configured:
        return Path(configured)
    from pipelines.home import var_dir

    return Path(settings.get("LCOM_VAR_DIR") or var_dir()).resolve() / "audit.jsonl"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _prefixed(stats: dict[str, Any], prefix: str) -> dict[str, int]:
    return {
        key[len(prefix) :]: int(value)
        for key, value in sorted(stats.items())
        if key.startswith(prefix) and isinstance(value, int)
    }


def append_record(path: Path, record: dict[str, Any]) -> None:
    """Append one JSON line durably (flush + fsync), safe against concurrent runs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"
    with path.open("a", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run_record(
    runtime: CrawlRuntime,
    stats: dict[str, Any],
    reason: str,
    finished_at: datetime,
) -> dict[str, Any]:
    """The audit record of one run from its runtime and final stats (counts only)."""
    permit = runtime.permit
    blocked = _prefixed(stats, "lcom/guardrails/blocked/")
    hits = stats.get("lcom/pipeline/hits")
    if hits is None:
        hits = stats.get("item_scraped_count", 0)  # only hits pass every pipeline
    return {
        "kind": RECORD_KIND,
        "run_id": runtime.run_id,
        "started_at": _iso(runtime.started_at),
        "finished_at": _iso(finished_at),
        "finish_reason": reason,
        "source": runtime.source.id,
        "base_url": runtime.base_url,
        "policy_version": runtime.policy.version,
        "policy_hash": runtime.policy.content_hash,
        "policy_dir": str(Path(runtime.policy_dir).resolve()),
        "authorisation_ids": list(permit.authorisation_ids),
        "legal_basis_ids": list(permit.legal_basis_ids),
        "permit": {
            "valid_until": _iso(permit.valid_until),
            "max_depth": permit.max_depth,
            "pages_per_run": permit.pages_per_run,
            "requests_per_second": permit.requests_per_second,
            "concurrency": permit.concurrency,
            "obey_robots_txt": permit.obey_robots_txt,
            "honour_crawl_delay": permit.honour_crawl_delay,
            "javascript_rendering": permit.javascript_rendering,
            "media": permit.media,
        },
        "demo": runtime.demo,
        "requests": int(stats.get("downloader/request_count", 0)),
        "responses": int(stats.get("downloader/response_count", 0)),
        "blocked": blocked,
        "blocked_total": sum(blocked.values()),
        "items_extracted": int(stats.get("lcom/ads/extracted", 0)),
        "hits_stored": int(hits),
        "dropped": _prefixed(stats, "lcom/pipeline/dropped/"),
        "refusal": None,
    }


def refusal_record(
    source: str, policy_dir: Path, reason: str, run_id: str, at: datetime
) -> dict[str, Any]:
    """The audit record of a run that was refused before any request."""
    return {
        "kind": RECORD_KIND,
        "run_id": run_id,
        "started_at": _iso(at),
        "finished_at": _iso(at),
        "finish_reason": REFUSED,
        "source": source,
        "policy_dir": str(Path(policy_dir).resolve()),
        "policy_version": None,
        "policy_hash": None,
        "authorisation_ids": [],
        "legal_basis_ids": [],
        "requests": 0,
        "responses": 0,
        "blocked": {},
        "blocked_total": 0,
        "items_extracted": 0,
        "hits_stored": 0,
        "dropped": {},
        "refusal": reason,
    }


def record_refusal(
    settings: BaseSettings, source: str, policy_dir: Path, reason: str, run_id: str
) -> Path | None:
    """Write the refusal of a run to the local audit log (and the audit index when set)."""
    path = audit_log_path(settings)
    record = refusal_record(source, policy_dir, reason, run_id, datetime.now(UTC))
    try:
        append_record(path, record)
    except OSError:
        logger.error("could not write the audit record to %s", path, exc_info=True)
        return None
    index_best_effort(record)
    return path


def index_best_effort(record: dict[str, Any]) -> None:
    """Index a record with a blocking client (a refusal before any crawl, a CLI command's
    record) when ``ELASTICSEARCH_URL`` is set: best effort, the local log is the record."""
    indexer = _audit_indexer(blocking=True)
    if indexer is None:
        return
    try:
        if inspect.iscoroutinefunction(indexer):
            asyncio.run(_index_async(indexer, record))
        else:
            _index_blocking(indexer, record)
    except Exception:
        logger.warning(
            "could not index audit record %s",
            record.get("run_id") or record.get("kind"),
            exc_info=True,
        )


def _audit_indexer(*, blocking: bool = False) -> Any:
    """``pipelines.es.audit``'s indexing function when ``ELASTICSEARCH_URL`` is set."""
    if not os.environ.get("ELASTICSEARCH_URL"):
        return None
    try:
        from pipelines.es import audit
    except ImportError:
        logger.warning(
            "ELASTICSEARCH_URL is set but pipelines.es.audit is not available: "
            "the audit record is only in the local audit log"
        )
        return None
    if blocking and hasattr(audit, "index_audit_record_sync"):
        return audit.index_audit_record_sync
    return audit.index_audit_record


def _index_blocking(indexer: Any, record: dict[str, Any]) -> None:
    from pipelines.es.client import EsConnectionConfig, make_client

    config = EsConnectionConfig.from_env()
    if config is None:
        return
    client = make_client(config)
    try:
        indexer(client, record)
    finally:
        client.close()


async def _index_async(indexer: Any, record: dict[str, Any]) -> None:
    from pipelines.es.client import EsConnectionConfig, make_async_client

    config = EsConnectionConfig.from_env()
    if config is None:
        return
    client = make_async_client(config)
    try:
        await indexer(client, record)
    finally:
        await client.close()


class AuditLog:
    """Extension: writes the run's audit record when the spider closes."""

    def __init__(
        self,
        runtime: CrawlRuntime,
        stats: StatsCollector,
        path: Path,
        stats_dump: Path | None = None,
    ) -> None:
        self.runtime = runtime
        self.stats = stats
        self.path = path
        self.stats_dump = stats_dump
        self.record: dict[str, Any] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AuditLog:
        assert crawler.stats is not None
        dump = crawler.settings.get("LCOM_STATS_DUMP")
        ext = cls(
            get_runtime(crawler),
            crawler.stats,
            audit_log_path(crawler.settings),
            Path(dump) if dump else None,
        )
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    async def spider_closed(self, reason: str, **kwargs: Any) -> None:
        stats = dict(self.stats.get_stats())
        self.record = run_record(self.runtime, stats, reason, datetime.now(UTC))
        try:
            append_record(self.path, self.record)
        except OSError:
            logger.error("could not write the audit record to %s", self.path, exc_info=True)
        else:
            logger.info("audit record of run %s written to %s", self.runtime.run_id, self.path)
        if self.stats_dump is not None:
            self.write_stats_dump(stats, reason)
        indexer = _audit_indexer()
        if indexer is not None:
            try:
                if inspect.iscoroutinefunction(indexer):
                    await _index_async(indexer, self.record)
                else:
                    await asyncio.to_thread(_index_blocking, indexer, self.record)
            except Exception:
                logger.warning(
                    "could not index audit record %s", self.runtime.run_id, exc_info=True
                )

    def write_stats_dump(self, stats: dict[str, Any], reason: str) -> None:
        dumped = {**stats, "finish_reason": reason}
        self.stats_dump.parent.mkdir(parents=True, exist_ok=True)  # type: ignore[union-attr]
        self.stats_dump.write_text(  # type: ignore[union-attr]
            json.dumps(dumped, default=str, sort_keys=True), encoding="utf-8"
        )
