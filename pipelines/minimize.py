"""Item pipeline: drop non-hits and keep only what the data policy allows (stage 400).

Settings:

- ``LCOM_STORED_FIELDS``: the hit-document fields the data policy allows (list; default
  :data:`~pipelines.engine.minimize.DEFAULT_ALLOWED_FIELDS`). Identity and
  accountability fields are always kept; ``name``, raw HTML, ``contacts_raw`` and
  ``image_urls`` never are.
- ``LCOM_MEDIA``: ``"none"`` (default) or ``"hash"`` (keep ``image_phash``).

Items the pseudonymisation pipeline did not mark are dropped
(``lcom/pipeline/dropped/not_pseudonymised``). A dropped item is cut down to its source
and document id before Scrapy sees the drop (:mod:`pipelines.dropping`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, NoReturn, Self

from itemadapter import ItemAdapter

from pipelines.dropping import drop_item, item_ref
from pipelines.engine.minimize import (
    DEFAULT_ALLOWED_FIELDS,
    MEDIA_MODES,
    MEDIA_NONE,
    NEVER_STORED,
    HitDocumentError,
    build_hit_document,
)
from pipelines.pseudonymize import PSEUDONYMISED

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)


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
        if adapter.get(PSEUDONYMISED) is not True or "contact_pseudonyms" not in adapter:
            logger.error(
                "ad %s reached minimisation without pseudonymisation; dropped",
                item_ref(adapter),
            )
            self._drop(adapter, "not_pseudonymised", "not pseudonymised")
        try:
            document = build_hit_document(adapter, self.allowed_fields, self.media)
        except HitDocumentError as exc:
            self._drop(adapter, "incomplete", str(exc))
        self._inc("lcom/pipeline/hits")
        return document

    def _drop(self, adapter: ItemAdapter, reason: str, message: str) -> NoReturn:
        # Scrapy logs dropped items: nothing about a non-hit may be written anywhere.
        drop_item(adapter, self.stats, reason, message)

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)
