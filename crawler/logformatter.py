"""Log lines about items without their content.

Scrapy's default formatter prints the whole item when it is scraped or dropped.
Our items are ads about people who are often victims: logs carry only the
source, the document id (never the ad id) and the reason.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.logformatter import LogFormatter, LogFormatterResult

from pipelines.engine.minimize import log_ref


def item_ref(item: Any) -> str:
    """The item's document id (a keyed hash of its ad id, which may itself hold a contact),
    or a keyed log reference when it has none yet."""
    try:
        given = item.get("doc_id")
        if given:
            return str(given)
        source, ad_id = item.get("source"), item.get("source_ad_id")
    except AttributeError:
        return type(item).__name__
    return log_ref(source, ad_id)


class PrivacyLogFormatter(LogFormatter):
    def scraped(self, item: Any, response: Any, spider: Any) -> LogFormatterResult:
        return {
            "level": logging.DEBUG,
            "msg": "stored hit %(ref)s",
            "args": {"ref": item_ref(item)},
        }

    def dropped(
        self, item: Any, exception: BaseException, response: Any, spider: Any
    ) -> LogFormatterResult:
        return {
            "level": logging.DEBUG,
            "msg": "dropped %(ref)s: %(reason)s",
            "args": {"ref": item_ref(item), "reason": str(exception)},
        }

    def item_error(
        self, item: Any, exception: BaseException, response: Any, spider: Any
    ) -> LogFormatterResult:
        return {
            "level": logging.ERROR,
            "msg": "error processing %(ref)s",
            "args": {"ref": item_ref(item)},
        }
