"""Dropping an item without leaving any of its content behind.

Scrapy logs a dropped item (through ``LOG_FORMATTER``) and hands it to ``item_dropped``
handlers. Before the drop the item is cut down to ``source`` and ``doc_id`` (a keyed hash
of the ad id): the ad id itself may contain a contact, the rest is ad text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

from scrapy.exceptions import DropItem

from pipelines.engine.minimize import log_ref

if TYPE_CHECKING:
    from itemadapter import ItemAdapter
    from scrapy.statscollectors import StatsCollector


def item_ref(adapter: ItemAdapter) -> str:
    """``doc_id`` of an item, or a keyed log reference if it has none yet."""
    given = adapter.get("doc_id")
    if isinstance(given, str) and given:
        return given
    return log_ref(adapter.get("source"), adapter.get("source_ad_id"))


def drop_item(
    adapter: ItemAdapter, stats: StatsCollector | None, reason: str, message: str
) -> NoReturn:
    """Reduce the item to its ids, count ``lcom/pipeline/dropped/<reason>``, raise DropItem."""
    ref = item_ref(adapter)
    source = adapter.get("source")
    for field in list(adapter):
        del adapter[field]
    adapter["source"] = source
    adapter["doc_id"] = ref
    if stats is not None:
        stats.inc_value(f"lcom/pipeline/dropped/{reason}")
    raise DropItem(message, log_level="DEBUG")
