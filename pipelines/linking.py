"""Item pipeline: link ads into cases on pseudonyms (stage 350, docs/linking.md).

A thin wrapper around :class:`pipelines.engine.linking.LinkEngine`, between the indicators
(300) and minimisation (400). For a hit it records the ad in the link store and sets
``links`` (``contact_cluster``, ``template_cluster``, ``cities``, ``n_cities``,
``window_days`` and the derived indicators with their facts); their weights are added to
``score``. An ad without a signal is looked at only when the data policy keeps non-hit
observations: then only its pseudonyms, city, date and ``doc_id`` are noted, and a derived
indicator can make it a hit. When an ad completes a link, the earlier hits of that key get
the same ``links`` fields as partial updates ``(doc_id, {"links": {...}})``, sent with the
Scrapy signal :data:`pipelines.elasticsearch.hit_updates`: the Elasticsearch pipeline
spools them after the hits they name and sends them as bulk updates.

Settings:

``LCOM_LINKS_ENABLED``
    ``False`` switches linking off (default on).
``LCOM_LINKS_DB``
    the SQLite link store (default ``<LCOM_VAR_DIR>/links.sqlite``).
``LCOM_LINK_NON_HITS``, ``LCOM_LINK_NON_HIT_DAYS``, ``LCOM_LINK_HIT_DAYS``
    set by the runtime from the data policy: keep non-hit observations, and how many days
    non-hit and hit observations are kept.
``LCOM_LEXICON_DIR``, ``LCOM_HIT_THRESHOLD``
    the lexicon config with the ``links:`` block, and the hit threshold.
``LCOM_STORED_FIELDS``
    set by the runtime from the data policy: without ``links`` in it, earlier hits get no
    updates and no ad becomes a hit through its links (it could not show them).

Stats: ``lcom/links/observed``, ``lcom/links/non_hit_observed``, ``lcom/links/promoted``,
``lcom/links/derived/<indicator>``, ``lcom/links/linked`` (hits with ``links``),
``lcom/links/updates`` (partial updates of earlier hits), ``lcom/links/purged/<hit|non_hit>``,
``lcom/links/unavailable`` (the link store in Elasticsearch could not be reached: the ad
goes on unlinked, the error is logged).
Logs name ads by ``doc_id`` only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, Self

from itemadapter import ItemAdapter
from scrapy.exceptions import NotConfigured

from pipelines.elasticsearch import hit_updates
from pipelines.engine.lexicon import LexiconError, load_lexicon
from pipelines.engine.linking import (
    AdFacts,
    LinkConfigError,
    Linked,
    LinkEngine,
    load_link_config,
    normalise_city,
    observed_day,
)
from pipelines.engine.minimize import DEFAULT_ALLOWED_FIELDS
from pipelines.es.links import LinkStoreUnavailable
from pipelines.home import settings_lexicon_cache_dir
from pipelines.links import open_store
from pipelines.links.model import LinkStore, LinkUpdate, parse_iso
from pipelines.offload import InlineWhileFast
from pipelines.pseudonymize import PSEUDONYMISED

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

UpdatesSink = Callable[[Sequence[LinkUpdate]], None]


def ad_facts(adapter: ItemAdapter) -> AdFacts | None:
    """What the linking engine reads of a flagged item (``None`` without ``doc_id`` or
    when the item was not pseudonymised)."""
    doc_id, source = adapter.get("doc_id"), adapter.get("source")
    if not isinstance(doc_id, str) or not isinstance(source, str):
        return None
    if adapter.get(PSEUDONYMISED) is not True:
        return None  # the link store only ever sees pseudonyms
    try:
        fetched = parse_iso(str(adapter.get("fetched_at") or ""))
    except ValueError:
        fetched = datetime.now(UTC)
    age = adapter.get("stated_age")
    context = adapter.get("context")
    score = adapter.get("score")
    return AdFacts(
        doc_id=doc_id,
        source=source,
        city=normalise_city(adapter.get("city")),
        seen=observed_day(adapter.get("posted"), fetched),
        contacts=tuple(str(p) for p in adapter.get("contact_pseudonyms") or ()),
        name_hashes=tuple(str(p) for p in adapter.get("name_pseudonyms") or ()),
        ages=(age,) if isinstance(age, int) and not isinstance(age, bool) else (),
        hit=bool(adapter.get("hit")),
        text=f"{adapter.get('title') or ''}\n{adapter.get('text') or ''}",
        service=bool(isinstance(context, dict) and context.get("service")),
        score=float(score) if isinstance(score, int | float) else 0.0,
    )


class LinkingPipeline:
    """Records ads in the link store and sets ``links`` on hits (module docstring)."""

    def __init__(
        self,
        engine: LinkEngine,
        *,
        stats: StatsCollector | None = None,
        updates_sink: UpdatesSink | None = None,
        non_hit_days: int = 14,
        hit_days: int | None = None,
    ) -> None:
        self.engine = engine
        self.stats = stats
        self.updates_sink = updates_sink
        self.non_hit_days = non_hit_days
        self.hit_days = hit_days
        # One ad at a time: an ad's links depend on every ad recorded before it. A local
        # store is called inline while it answers quickly, else in one thread of its own
        # (one database connection with its page cache, not one per thread of the pool).
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="lcom-links")
        self._link = InlineWhileFast(
            executor=self._executor, inline=getattr(engine.store, "local", False)
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not settings.getbool("LCOM_LINKS_ENABLED", True):
            raise NotConfigured("linking switched off (LCOM_LINKS_ENABLED is false)")
        lexicon_dir = settings.get("LCOM_LEXICON_DIR") or None
        try:
            config = load_link_config(lexicon_dir)
            threshold = settings.get("LCOM_HIT_THRESHOLD")
            hit_threshold = (
                float(threshold)
                if threshold not in (None, "")
                else load_lexicon(
                    lexicon_dir, cache_dir=settings_lexicon_cache_dir(settings)
                ).threshold
            )
        except (LinkConfigError, LexiconError) as exc:
            raise NotConfigured(f"linking cannot start: {exc}") from exc
        store: LinkStore = open_store(settings)
        keep_non_hits = settings.getbool("LCOM_LINK_NON_HITS", False)
        hit_days = settings.getint("LCOM_LINK_HIT_DAYS", 0) or None
        # The data policy may not store ``links``: then earlier hits get no update, and no
        # ad becomes a hit through links it could not show.
        stored = settings.getlist("LCOM_STORED_FIELDS") or sorted(DEFAULT_ALLOWED_FIELDS)
        store_links = "links" in stored

        def send_updates(updates: Sequence[LinkUpdate]) -> None:
            # The Elasticsearch pipeline spools them after the hits they name.
            crawler.signals.send_catch_log(signal=hit_updates, updates=list(updates))

        pipeline = cls(
            LinkEngine(
                store,
                config,
                keep_non_hits=keep_non_hits,
                threshold=hit_threshold,
                promote=store_links,
                quote_text={"title", "text"} <= set(stored),
            ),
            stats=crawler.stats,
            updates_sink=send_updates if store_links else None,
            non_hit_days=settings.getint("LCOM_LINK_NON_HIT_DAYS", 14),
            hit_days=hit_days,
        )
        logger.info(
            "linking: carousel >= %d cities in %d days, shared contact >= %d names or "
            "%d ages, template similarity %.2f; non-hit observations %s",
            config.carousel_min_cities,
            config.carousel_window_days,
            config.shared_min_names,
            config.shared_min_ages,
            config.template_similarity,
            f"kept {pipeline.non_hit_days} days" if keep_non_hits else "not kept",
        )
        return pipeline

    def open_spider(self, spider: Spider | None = None) -> None:
        self.purge(datetime.now(UTC))

    def close_spider(self, spider: Spider | None = None) -> None:
        try:
            self._executor.submit(self.engine.store.close).result()
        finally:
            self._executor.shutdown()
            self.engine.store.close()

    def purge(self, now: datetime) -> None:
        """Erase observations past their retention (non-hits: their own, shorter one)."""
        cutoffs = [(False, self.non_hit_days)]
        if self.hit_days:
            cutoffs.append((True, self.hit_days))
        for hit, days in cutoffs:
            try:
                gone = self.engine.store.purge_before(now - timedelta(days=days), hit=hit)
            except LinkStoreUnavailable as exc:
                self._inc("lcom/links/unavailable")
                logger.error("link store retention not applied this time: %s", exc)
                return
            if gone:
                self._inc(f"lcom/links/purged/{'hit' if hit else 'non_hit'}", gone)

    async def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        adapter = ItemAdapter(item)
        facts = ad_facts(adapter)
        if facts is None or not (facts.hit or self.engine.keep_non_hits):
            return item
        try:
            linked = await self._link.run(partial(self.engine.link, facts))
        except LinkStoreUnavailable as exc:
            # The hit goes on unlinked (and is spooled): never lose it over the link
            # store. Observed again once the cluster is back, it links as usual.
            self._inc("lcom/links/unavailable")
            logger.error("ad %s not linked: %s", facts.doc_id, exc)
            return item
        self._apply(adapter, facts, linked)
        return item

    def _apply(self, adapter: ItemAdapter, facts: AdFacts, linked: Linked) -> None:
        if linked.observed:
            self._inc("lcom/links/observed")
            if not facts.hit:
                self._inc("lcom/links/non_hit_observed")
        for derived in linked.derived:
            self._inc(f"lcom/links/derived/{derived['indicator']}")
        if linked.promoted:
            adapter["hit"] = True
            self._inc("lcom/links/promoted")
            logger.info("ad %s became a hit through its links", facts.doc_id)
        if not (facts.hit or linked.promoted):
            return
        if linked.derived:
            adapter["score"] = round(facts.score + linked.weight, 3)
        if linked.links:
            adapter["links"] = linked.links
            self._inc("lcom/links/linked")
        if linked.updates:
            self._inc("lcom/links/updates", len(linked.updates))
            logger.debug(
                "ad %s links %d earlier hits: %s",
                facts.doc_id,
                len(linked.updates),
                ", ".join(doc_id for doc_id, _ in linked.updates),
            )
            if self.updates_sink is not None:
                self.updates_sink(linked.updates)

    def _inc(self, key: str, count: int = 1) -> None:
        if self.stats is not None:
            self.stats.inc_value(key, count)
