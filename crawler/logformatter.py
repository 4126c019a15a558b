"""Log lines about items without their content.

Scrapy's default formatter prints the whole item when it is scraped or dropped.
Our items are ads about people who are often victims: logs carry only the
source, the ad id or document id, and the reason.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.logformatter import LogFormatter, LogFormatterResult


def item_ref(item: Any) -> str:
    try:
        return str(item.get("doc_id") or f"{item.get('source')}:{item.get('source_ad_id')}")
    except AttributeError:
        return type(item).__name__


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
