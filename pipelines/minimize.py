"""Item pipeline: drop non-hits and keep only what the data policy allows (stage 400).

Settings:

- ``LCOM_STORED_FIELDS``: the hit-document fields the data policy allows (list; default
  :data:`~pipelines.engine.minimize.DEFAULT_ALLOWED_FIELDS`). Identity and
  accountability fields are always kept; ``name``, raw HTML, ``contacts_raw`` and
  ``image_urls`` never are.
- ``LCOM_MEDIA``: ``"none"`` (default) or ``"hash"`` (keep ``image_phash``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, NoReturn, Self

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from pipelines.engine.minimize import (
    DEFAULT_ALLOWED_FIELDS,
    MEDIA_MODES,
    MEDIA_NONE,
    NEVER_STORED,
    HitDocumentError,
    build_hit_document,
)

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

# What a dropped item is reduced to before Scrapy logs it ("Dropped: ... <item>").
_LOGGABLE_FIELDS = ("source", "source_ad_id")


class MinimizePipeline:
    """Non-hits raise ``DropItem``; hits become the hit document (a new ``dict``)."""

    def __init__(
        self,
        allowed_fields: frozenset[str] = DEFAULT_ALLOWED_FIELDS,
        media: str = MEDIA_NONE,
        stats: StatsCollector | None = None,
    ) -> None:
        if media not in MEDIA_MODES:
            raise ValueError(f"LCOM_MEDIA must be one of {', '.join(MEDIA_MODES)}, not {media!r}")
        self.allowed_fields = frozenset(allowed_fields) - NEVER_STORED
        self.media = media
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        fields = settings.getlist("LCOM_STORED_FIELDS") or sorted(DEFAULT_ALLOWED_FIELDS)
        ignored = sorted((set(fields) & NEVER_STORED) | (set(fields) - DEFAULT_ALLOWED_FIELDS))
        if ignored:
            logger.warning("LCOM_STORED_FIELDS: never stored or unknown, ignored: %s", ignored)
        media = str(settings.get("LCOM_MEDIA") or MEDIA_NONE).strip().lower()
        return cls(frozenset(fields), media, crawler.stats)

    def process_item(self, item: Any, spider: Spider | None = None) -> dict[str, Any]:
        adapter = ItemAdapter(item)
        if not adapter.get("hit"):
            self._drop(adapter, "non_hit", "not a hit")
        if "contact_pseudonyms" not in adapter:
            logger.error(
                "ad %s:%s reached minimisation without pseudonymisation; dropped",
                adapter.get("source"),
                adapter.get("source_ad_id"),
            )
            self._drop(adapter, "not_pseudonymised", "not pseudonymised")
        try:
            document = build_hit_document(adapter, self.allowed_fields, self.media)
        except HitDocumentError as exc:
            self._drop(adapter, "incomplete", str(exc))
        self._inc("lcom/pipeline/hits")
        return document

    def _drop(self, adapter: ItemAdapter, reason: str, message: str) -> NoReturn:
        # Scrapy logs dropped items in full: reduce it to its ids first, so nothing
        # about a non-hit is written anywhere.
        for field in [f for f in adapter if f not in _LOGGABLE_FIELDS]:
            del adapter[field]
        self._inc(f"lcom/pipeline/dropped/{reason}")
        raise DropItem(message, log_level="DEBUG")

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)
