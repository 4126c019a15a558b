"""Item pipeline: replace contact details by keyed pseudonyms (stage 200).

Refuses to start without a pseudonymisation key: it raises
:class:`~pipelines.engine.pseudonyms.PseudonymKeyError` from ``from_crawler`` instead of
``NotConfigured``, because a silently disabled pseudonymiser would store plaintext
contacts. The public demo key is used only when ``LCOM_DEMO`` is set *and* the crawl
runs under the bundled demo policy (``crawler.runtime.DEMO_POLICY_DIR``): setting
``LCOM_DEMO`` for a crawl under any other policy does not make it use the demo key.

Settings:

``LCOM_DEMO``
    demo mode (see above).
``LCOM_MAX_TEXT_CHARS``
    the longest ad (characters of title, text and the other free-text and contact
    fields together) the pipelines accept, default 100,000; longer ads are dropped
    (stat ``lcom/pipeline/dropped/oversized``) and logged by document id only.

The advertised name (the ``name`` field, and names people introduce themselves with)
is replaced by ``[name]`` in the text fields, and its keyed pseudonym kept in
``name_pseudonyms`` (:mod:`pipelines.engine.names`).

Stats: ``lcom/names/replaced`` (name occurrences replaced), ``lcom/contacts/<kind>`` per
contact, ``lcom/contacts/in_url`` and ``lcom/contacts/in_ad_id`` when the URL or the ad
id held a contact (replaced by a token).

Every item that passes is marked with :data:`PSEUDONYMISED` (``True``); the indicator
and minimisation pipelines drop items without the mark, so evidence snippets and stored
text never come from text that was not redacted.
"""

from __future__ import annotations

import logging
import os
import threading
from functools import partial
from typing import TYPE_CHECKING, Any, Self

from itemadapter import ItemAdapter

from pipelines.dropping import drop_item, item_ref
from pipelines.engine.names import redact_item_names
from pipelines.engine.pseudonyms import (
    KEY_ENV,
    KEY_FILE_ENV,
    TEXT_FIELDS,
    Pseudonymizer,
    PseudonymKeyError,
    load_key,
    pseudonymize_item,
)
from pipelines.offload import run_sized

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

__all__ = [
    "DEFAULT_MAX_TEXT_CHARS",
    "PSEUDONYMISED",
    "PseudonymKeyError",
    "PseudonymizePipeline",
    "pseudonymize_item",
]

logger = logging.getLogger(__name__)

#: Item field set by this pipeline; never stored (the hit document does not list it).
PSEUDONYMISED = "_lcom_pseudonymised"

DEFAULT_MAX_TEXT_CHARS = 100_000

# Every field whose length counts against LCOM_MAX_TEXT_CHARS.
_SIZED_FIELDS = (*TEXT_FIELDS, "url", "source_ad_id")


class PseudonymizePipeline:
    """Tokenises contacts in the text fields, the URL and the ad id, sets ``contacts``
    and ``contact_pseudonyms``, removes ``contacts_raw``; counts ``lcom/contacts/<kind>``.

    An ordinary ad is worked through inline; a long one (more than
    ``pipelines.offload.INLINE_TEXT_CHARS`` characters) in a worker thread, so that it
    does not block the reactor.
    """

    def __init__(
        self,
        pseudonymizer: Pseudonymizer,
        stats: StatsCollector | None = None,
        *,
        max_text_chars: int = DEFAULT_MAX_TEXT_CHARS,
    ) -> None:
        if max_text_chars <= 0:
            raise ValueError(f"LCOM_MAX_TEXT_CHARS must be positive, not {max_text_chars}")
        self.pseudonymizer = pseudonymizer
        self.stats = stats
        self.max_text_chars = max_text_chars
        # One item at a time: the work holds the GIL anyway, and phonenumbers' lazily
        # loaded metadata is not guarded against concurrent first use.
        self._lock = threading.Lock()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        requested = crawler.settings.getbool("LCOM_DEMO", False)
        demo = requested and runs_under_demo_policy(crawler)
        try:
            # A missing key raises here, which stops the crawl from starting.
            key, key_id = load_key(os.environ, demo=demo)
        except PseudonymKeyError as exc:
            if requested and not demo:
                raise PseudonymKeyError(
                    "LCOM_DEMO is set, but this crawl does not run under the bundled demo "
                    "policy: the public demo key is allowed only there. Set "
                    f"{KEY_ENV} or {KEY_FILE_ENV}. ({exc})"
                ) from None
            raise
        max_chars = crawler.settings.getint("LCOM_MAX_TEXT_CHARS", DEFAULT_MAX_TEXT_CHARS)
        return cls(Pseudonymizer(key, key_id), crawler.stats, max_text_chars=max_chars)

    async def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        adapter = ItemAdapter(item)
        source, ad_id = adapter.get("source"), adapter.get("source_ad_id")
        if source and ad_id and not adapter.get("doc_id"):
            # First, so that even a dropped ad is logged by its keyed id only.
            adapter["doc_id"] = self.pseudonymizer.doc_id(str(source), str(ad_id))
        size = text_size(adapter)
        if size > self.max_text_chars:
            logger.warning(
                "ad %s dropped: %d characters of text, more than LCOM_MAX_TEXT_CHARS (%d)",
                item_ref(adapter),
                size,
                self.max_text_chars,
            )
            drop_item(adapter, self.stats, "oversized", "oversized")
        before = (adapter.get("url"), adapter.get("source_ad_id"))
        contacts, names = await run_sized(size, partial(self._pseudonymize, adapter))
        adapter[PSEUDONYMISED] = True
        if self.stats is not None:
            if names:
                self.stats.inc_value("lcom/names/replaced", names)
            for contact in contacts:
                self.stats.inc_value(f"lcom/contacts/{contact['kind']}")
            if adapter.get("url") != before[0]:
                self.stats.inc_value("lcom/contacts/in_url")
            if adapter.get("source_ad_id") != before[1]:
                self.stats.inc_value("lcom/contacts/in_ad_id")
        return item

    def _pseudonymize(self, adapter: ItemAdapter) -> tuple[list[dict[str, str]], int]:
        with self._lock:
            contacts = pseudonymize_item(adapter, self.pseudonymizer)
            # After the contacts: an e-mail address or handle holding the name is
            # replaced whole by its contact token first.
            return contacts, redact_item_names(adapter, self.pseudonymizer)


def text_size(adapter: ItemAdapter) -> int:
    """Characters of text the pipelines would work through for this item."""
    size = sum(len(value) for f in _SIZED_FIELDS if isinstance(value := adapter.get(f), str))
    for raw in adapter.get("contacts_raw") or ():
        if isinstance(raw, str):
            size += len(raw)
    return size


def runs_under_demo_policy(crawler: Crawler) -> bool:
    """Whether the crawl's runtime loaded the bundled demo policy.

    A crawler without a runtime (a component built outside the ads spider) does not.
    """
    from crawler.runtime import MissingRuntimeError, get_runtime, is_demo_policy

    try:
        runtime = get_runtime(crawler)
    except MissingRuntimeError:
        return False
    return is_demo_policy(runtime.policy_dir)
