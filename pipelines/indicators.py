"""Item pipeline: trafficking indicators (stage 300 of docs/data-model.md).

A thin wrapper around :class:`pipelines.engine.indicators.IndicatorEngine`. It adds
``indicators`` (list of dicts), ``categories``, ``score``, ``hit``,
``lexicon_version``, ``stated_age``, ``price`` and ``context`` (the ad-context decision
and its evidence) to every item and never drops one (minimisation, stage 400, drops the
non-hits). The item's ``source_kind`` (the ``kind`` of the source config) is the prior
of the ad-context stage.

Settings:

``LCOM_LEXICON_DIR``
    lexicon folder (default: the bundled ``pipelines/lexicons``).
``LCOM_HIT_THRESHOLD``
    overrides the hit threshold of the lexicon config.
``LCOM_DERIVE_ORIGIN``
    derive the ``origin`` category (default ``False``; the crawler runtime sets it from
    the legal data policy).

Stats: ``lcom/indicators/category/<id>`` per category found in an item,
``lcom/indicators/hits`` per hit.

An item the pseudonymisation pipeline did not mark (``_lcom_pseudonymised``) is dropped
(stat ``lcom/pipeline/dropped/not_pseudonymised``): evidence snippets are cut from the
text, which must not hold a contact. An ordinary ad is analysed inline; one with more
than ``pipelines.offload.INLINE_TEXT_CHARS`` characters of text in a worker thread, so a
long ad does not block the reactor.
"""

from __future__ import annotations

import logging
import threading
from functools import partial
from typing import TYPE_CHECKING, Any, Self

from itemadapter import ItemAdapter

from pipelines.dropping import drop_item, item_ref
from pipelines.engine.indicators import Analysis, IndicatorEngine
from pipelines.home import settings_lexicon_cache_dir
from pipelines.offload import run_sized
from pipelines.pseudonymize import PSEUDONYMISED, text_size

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)


class IndicatorPipeline:
    """Runs the indicator engine on ``title``/``text`` (and ``age_text``/``price_text``)."""

    def __init__(
        self,
        engine: IndicatorEngine,
        *,
        derive_origin: bool = False,
        stats: StatsCollector | None = None,
    ) -> None:
        self.engine = engine
        self.derive_origin = derive_origin
        self.stats = stats
        # One ad at a time: the engine's price tracker and caches are shared state.
        self._lock = threading.Lock()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        threshold = settings.get("LCOM_HIT_THRESHOLD")
        engine = IndicatorEngine.from_dir(
            settings.get("LCOM_LEXICON_DIR") or None,
            threshold=float(threshold) if threshold not in (None, "") else None,
            cache_dir=settings_lexicon_cache_dir(settings),
        )
        derive_origin = settings.getbool("LCOM_DERIVE_ORIGIN", False)
        logger.info(
            "indicator lexicon %s, hit threshold %s, origin %s",
            engine.version,
            engine.threshold,
            "derived" if derive_origin else "not derived",
        )
        return cls(engine, derive_origin=derive_origin, stats=crawler.stats)

    async def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        adapter = ItemAdapter(item)
        if adapter.get(PSEUDONYMISED) is not True:
            logger.error("ad %s reached the indicators without pseudonymisation", item_ref(adapter))
            drop_item(adapter, self.stats, "not_pseudonymised", "not pseudonymised")
        analysis = await run_sized(text_size(adapter), partial(self._analyse, adapter))
        for name, value in analysis.to_item_fields().items():
            adapter[name] = value
        if self.stats is not None:
            for category in analysis.categories:
                self.stats.inc_value(f"lcom/indicators/category/{category}")
            if analysis.hit:
                self.stats.inc_value("lcom/indicators/hits")
        return item

    def _analyse(self, adapter: ItemAdapter) -> Analysis:
        with self._lock:
            return self.engine.analyse(
                adapter.get("title") or "",
                adapter.get("text") or "",
                lang=adapter.get("lang") or "unknown",
                derive_origin=self.derive_origin,
                source=adapter.get("source"),
                age_text=adapter.get("age_text"),
                price_text=adapter.get("price_text"),
                source_kind=adapter.get("source_kind"),
            )
