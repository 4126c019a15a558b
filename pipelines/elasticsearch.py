"""Item pipeline (order 900): spool every hit, then index it in Elasticsearch.

Each hit document is appended to the spool and ``fsync``-ed before anything else (the
write-ahead log of :mod:`pipelines.es.spool`; one thread writes the hits that queue
meanwhile as one group with one ``fsync``, :class:`pipelines.offload.GroupCommit`), then
queued for a background task that sends batches with
:class:`pipelines.es.indexer.HitIndexer` and acknowledges them. At start, records a
previous run left unacknowledged are sent first. Without ``ELASTICSEARCH_URL`` the
pipeline only spools: the spool is then the crawl's output.

Settings:

``LCOM_SPOOL_DIR``            spool directory (default ``<LCOM_VAR_DIR>/spool``)
``LCOM_ES_CHUNK_SIZE``        documents per bulk request (default 500)
``LCOM_ES_MAX_RETRIES``       retries of items answered 429 (default 3)
``LCOM_ES_INITIAL_BACKOFF``   seconds before the first 429 retry, doubled each time (2.0)
``LCOM_ES_FLUSH_SECONDS``     longest wait before a partial batch is sent (1.0)
``LCOM_SPOOL_SEGMENT_BYTES``  rotate spool segments at this size (16 MiB)

Connection: the ``ELASTICSEARCH_*`` environment variables (:mod:`pipelines.es.client`).

Partial updates of earlier hits (the linking step gives them the ``links`` of a link a
later ad completed) reach the spool through :meth:`ElasticsearchPipeline.spool_updates`;
another component asks for it by sending the Scrapy signal :data:`hit_updates`
(``crawler.signals.send_catch_log(hit_updates, updates=[(doc_id, {"links": ...}), ...])``).
Each is appended after the hits it names (stat ``lcom/spool/updates_written``) and sent
like a hit (:mod:`pipelines.es.indexer`).

Only hit documents reach the spool: an item that is not a minimised hit (``hit`` not
``True``, no ``doc_id``, a field that is never stored or that the hit document does not
have) is dropped before anything is written (stat ``lcom/pipeline/dropped/not_minimised``),
whatever ``ITEM_PIPELINES`` says.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from itemadapter import ItemAdapter
from scrapy.exceptions import NotConfigured

from pipelines.dropping import drop_item, item_ref
from pipelines.engine.minimize import DEFAULT_ALLOWED_FIELDS, NEVER_STORED
from pipelines.es.client import EsConnectionConfig, make_async_client
from pipelines.es.errors import SpoolError
from pipelines.es.indexer import HitIndexer, IndexerConfig, replay_spool
from pipelines.es.spool import (
    DEFAULT_MAX_SEGMENT_BYTES,
    DEFAULT_SPOOL_DIR,
    Spool,
    SpoolRecord,
    encode_record,
    update_record,
)
from pipelines.offload import GroupCommit

if TYPE_CHECKING:
    from elasticsearch import AsyncElasticsearch
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

_STOP = object()

#: How long the first hit of a spool group waits for others (seconds): at hundreds of hits
#: a second, groups of several instead of one hand-over to the writer's thread per hit.
SPOOL_COMMIT_WINDOW = 0.02

#: A spool record and its line (or why it has none), encoded in the reactor's thread.
_Encoded = tuple[dict[str, Any], bytes | SpoolError]

#: Scrapy signal: partial updates of earlier hits to spool, keyword argument ``updates``,
#: an iterable of ``(doc_id, fields)`` (e.g. ``(doc_id, {"links": {...}})``).
hit_updates = object()


@dataclass(frozen=True)
class EsPipelineConfig:
    """Everything the pipeline reads from settings and the environment, parsed once."""

    spool_dir: Path = DEFAULT_SPOOL_DIR
    segment_bytes: int = DEFAULT_MAX_SEGMENT_BYTES
    flush_seconds: float = 1.0
    commit_window: float = SPOOL_COMMIT_WINDOW
    indexer: IndexerConfig = field(default_factory=IndexerConfig)
    connection: EsConnectionConfig | None = None

    @classmethod
    def from_settings(
        cls, settings: BaseSettings, environ: Mapping[str, str] | None = None
    ) -> EsPipelineConfig:
        try:
            indexer = IndexerConfig(
                chunk_size=settings.getint("LCOM_ES_CHUNK_SIZE", 500),
                max_retries=settings.getint("LCOM_ES_MAX_RETRIES", 3),
                initial_backoff=settings.getfloat("LCOM_ES_INITIAL_BACKOFF", 2.0),
            )
            return cls(
                spool_dir=_spool_dir(settings),
                segment_bytes=settings.getint(
                    "LCOM_SPOOL_SEGMENT_BYTES", DEFAULT_MAX_SEGMENT_BYTES
                ),
                flush_seconds=settings.getfloat("LCOM_ES_FLUSH_SECONDS", 1.0),
                commit_window=_commit_window(settings),
                indexer=indexer,
                connection=EsConnectionConfig.from_env(os.environ if environ is None else environ),
            )
        except ValueError as exc:
            raise NotConfigured(f"Elasticsearch pipeline: {exc}") from exc


def _commit_window(settings: BaseSettings) -> float:
    with contextlib.suppress(ValueError):
        window = settings.getfloat("LCOM_SPOOL_COMMIT_WINDOW", SPOOL_COMMIT_WINDOW)
        if 0 <= window <= 1:
            return window
    raise ValueError(
        "LCOM_SPOOL_COMMIT_WINDOW must be a number of seconds from 0 to 1, not "
        f"{settings.get('LCOM_SPOOL_COMMIT_WINDOW')!r}"
    )


def _spool_dir(settings: BaseSettings) -> Path:
    explicit = settings.get("LCOM_SPOOL_DIR")
    if explicit:
        return Path(explicit)
    var = settings.get("LCOM_VAR_DIR")
    return Path(var) / "spool" if var else DEFAULT_SPOOL_DIR


_SCALARS = frozenset({str, int, float, bool, type(None)})


def plain(value: Any) -> Any:
    """``value`` as ``ItemAdapter.asdict`` converts it (nested items to dicts, containers
    copied), without asking every string and number whether it is an item: that question
    was most of the time this pipeline took per hit."""
    if type(value) in _SCALARS:
        return value
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | set | tuple):
        return value.__class__(plain(item) for item in value)
    if ItemAdapter.is_item(value):
        return {key: plain(item) for key, item in ItemAdapter(value).items()}
    return value


class ElasticsearchPipeline:
    def __init__(self, config: EsPipelineConfig, stats: StatsCollector | None = None) -> None:
        self.config = config
        self.stats = stats
        self.spool: Spool | None = None
        self.client: AsyncElasticsearch | None = None
        self.indexer: HitIndexer | None = None
        self._queue: asyncio.Queue[Any] | None = None
        self._task: asyncio.Task[None] | None = None
        self._written = 0
        # A hit is durable on disk before it goes on: written in groups by one thread.
        self._writer: GroupCommit[_Encoded, SpoolRecord] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ElasticsearchPipeline:
        pipeline = cls(EsPipelineConfig.from_settings(crawler.settings), stats=crawler.stats)
        crawler.signals.connect(pipeline.spool_updates, signal=hit_updates)
        return pipeline

    def spool_updates(self, updates: Iterable[tuple[str, Mapping[str, Any]]]) -> int:
        """Append partial updates of earlier hits to the spool (durably, like hits) and
        queue them for Elasticsearch; returns how many were queued.

        A Scrapy signal handler, called while the item that completed the link is
        processed: the updates go into the spool's queue now, after the hits they name
        and before that item, so they are on disk before it is.
        """
        assert self._writer is not None, "open_spider() was not called"
        queued = 0
        for doc_id, fields in updates:
            record = update_record(doc_id, fields)
            # One that cannot be encoded fails in its group (on_error), like a failed write.
            self._writer.submit_nowait((record, encode_record(record)), then=self._update_written)
            queued += 1
        return queued

    def _update_written(self, record: SpoolRecord) -> None:
        self._inc("lcom/spool/updates_written")
        self._to_index(record)

    def _to_index(self, record: SpoolRecord) -> None:
        if self._queue is not None:
            self._queue.put_nowait(record)

    def _updates_failed(self, exc: BaseException, count: int) -> None:
        self._inc("lcom/spool/updates_failed", count)
        logger.error("%d partial update(s) of earlier hits not spooled: %s", count, exc)

    def _inc(self, name: str, count: int = 1) -> None:
        if self.stats is not None:
            self.stats.inc_value(name, count)

    async def open_spider(self, spider: object | None = None) -> None:
        self.spool = Spool(self.config.spool_dir, max_segment_bytes=self.config.segment_bytes)
        self._writer = GroupCommit(
            self.spool.append_encoded,
            self._updates_failed,
            window=self.config.commit_window,
            name="lcom-spool",
        )
        if self.config.connection is None:
            logger.info(
                "ELASTICSEARCH_URL is not set: hits are written to the spool %s "
                "(JSON Lines, one hit per line)",
                self.config.spool_dir.resolve(),
            )
            return
        self.client = make_async_client(self.config.connection)
        self.indexer = HitIndexer(self.client, self.spool, self.config.indexer, self._inc)
        self._queue = asyncio.Queue()
        self._task = asyncio.create_task(self._run())

    async def process_item(self, item: Any, spider: object | None = None) -> Any:
        assert self._writer is not None, "open_spider() was not called"
        adapter = ItemAdapter(item)
        problem = not_a_hit_document(adapter)
        if problem is not None:
            logger.error("ad %s not spooled: %s", item_ref(adapter), problem)
            drop_item(adapter, self.stats, "not_minimised", f"not a hit document: {problem}")
        doc = {key: plain(value) for key, value in adapter.items()}
        # Encoded here, so that the writer's thread only writes (and holds the GIL least);
        # a hit that cannot be encoded fails in its group like one that cannot be written.
        # Durable before anything else: a crash after this line loses nothing. Queued for
        # the index when written, in spool order (partial updates after their hits).
        try:
            await self._writer.submit((doc, encode_record(doc)), then=self._to_index)
        except SpoolError as exc:
            logger.error("ad %s not spooled: %s", item_ref(adapter), exc)
            raise
        self._written += 1
        self._inc("lcom/spool/written")
        return item

    async def close_spider(self, spider: object | None = None) -> None:
        try:
            if self._writer is not None:
                try:
                    await self._writer.drain()
                finally:
                    self._writer.close()
                    self._inc("lcom/spool/groups", self._writer.groups)
            if self._queue is not None and self._task is not None:
                self._queue.put_nowait(_STOP)
                await self._task
        finally:
            try:
                if self.client is not None:
                    await self.client.close()
            finally:
                if self.spool is not None:
                    self._close_spool()

    def _close_spool(self) -> None:
        assert self.spool is not None
        # The status reads every segment: only when there is a cluster to be behind.
        status = self.spool.status() if self.config.connection is not None else None
        self.spool.close()
        if status is None:
            logger.info(
                "%d hit(s) written to the spool %s", self._written, self.config.spool_dir.resolve()
            )
        elif status.pending:
            logger.warning(
                "%d hit(s) are not in Elasticsearch yet; they stay in the spool %s: "
                "run `lcom spool replay` when the cluster is reachable",
                status.pending,
                self.config.spool_dir.resolve(),
            )

    async def _run(self) -> None:
        assert self._queue is not None and self.indexer is not None and self.spool is not None
        assert self.client is not None
        try:
            report = await replay_spool(
                self.spool, self.client, self.config.indexer, stats=self._inc, include_own=False
            )
            if report.counts:
                logger.info("resent hits left by an earlier run: %s", report.counts)
        except Exception:
            logger.exception("resending hits left by an earlier run failed; they stay spooled")
        stop = False
        while not stop:
            batch: list[SpoolRecord] = []
            first = await self._queue.get()
            if first is _STOP:
                break
            batch.append(first)
            deadline = asyncio.get_running_loop().time() + self.config.flush_seconds
            while len(batch) < self.config.indexer.chunk_size:
                timeout = deadline - asyncio.get_running_loop().time()
                if timeout <= 0:
                    break
                try:
                    nxt = await asyncio.wait_for(self._queue.get(), timeout)
                except TimeoutError:
                    break
                if nxt is _STOP:
                    stop = True
                    break
                batch.append(nxt)
            try:
                await self.indexer.index(batch)
            except Exception:
                # Never lose the crawl over an indexing bug: the records stay spooled.
                logger.exception(
                    "indexing a batch of %d hit(s) failed; they stay spooled", len(batch)
                )


def not_a_hit_document(item: ItemAdapter) -> str | None:
    """Why ``item`` is not a minimised hit document, or None if it is one."""
    if item.get("hit") is not True:
        return "not a hit"
    given = item.get("doc_id")
    if not isinstance(given, str) or not given:
        return "no doc_id"
    fields = set(item.keys())
    if fields & NEVER_STORED:
        return "fields that are never stored: " + ", ".join(sorted(fields & NEVER_STORED))
    if fields - DEFAULT_ALLOWED_FIELDS:
        return "fields a hit document does not have: " + ", ".join(
            sorted(fields - DEFAULT_ALLOWED_FIELDS)
        )
    return None
