"""Item pipeline: replace contact details by keyed pseudonyms (stage 200).

Refuses to start without a pseudonymisation key (outside demo mode): it raises
:class:`~pipelines.engine.pseudonyms.PseudonymKeyError` from ``from_crawler`` instead of
``NotConfigured``, because a silently disabled pseudonymiser would store plaintext
contacts.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Self

from itemadapter import ItemAdapter

from pipelines.engine.pseudonyms import (
    Pseudonymizer,
    PseudonymKeyError,
    load_key,
    pseudonymize_item,
)

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

__all__ = ["PseudonymKeyError", "PseudonymizePipeline", "pseudonymize_item"]


class PseudonymizePipeline:
    """Tokenises contacts in ``title``/``text``, sets ``contacts`` and
    ``contact_pseudonyms``, removes ``contacts_raw``; counts ``lcom/contacts/<kind>``."""

    def __init__(self, pseudonymizer: Pseudonymizer, stats: StatsCollector | None = None) -> None:
        self.pseudonymizer = pseudonymizer
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        demo = crawler.settings.getbool("LCOM_DEMO", False)
        # A missing key raises here, which stops the crawl from starting.
        key, key_id = load_key(os.environ, demo=demo)
        return cls(Pseudonymizer(key, key_id), crawler.stats)

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        contacts = pseudonymize_item(ItemAdapter(item), self.pseudonymizer)
        if self.stats is not None:
            for contact in contacts:
                self.stats.inc_value(f"lcom/contacts/{contact['kind']}")
        return item
