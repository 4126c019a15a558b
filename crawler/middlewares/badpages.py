"""Skip pages that cannot be ads: binary bodies served as HTML, undecodable text.

Each skip increments ``lcom/pages/skipped/<reason>`` and logs the URL only.
Oversized pages never get here: ``DOWNLOAD_MAXSIZE`` cancels them while
downloading, and the spider's errback counts them.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response, TextResponse

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

#: How much of the body is inspected to decide it is binary.
SNIFF_BYTES = 8192
#: Share of control bytes (other than tab, CR, LF, FF) above which a body is binary.
MAX_CONTROL_RATIO = 0.05


def looks_binary(body: bytes) -> bool:
    head = body[:SNIFF_BYTES]
    if not head:
        return False
    if b"\x00" in head:
        return True
    controls = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 12, 13))
    return controls / len(head) > MAX_CONTROL_RATIO


class BadPagesMiddleware:
    def __init__(self, stats: StatsCollector) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BadPagesMiddleware:
        assert crawler.stats is not None
        return cls(crawler.stats)

    def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Response:
        if not isinstance(response, TextResponse) or response.status != 200:
            return response
        reason = None
        if looks_binary(response.body):
            reason = "binary"
        else:
            try:
                response.text  # noqa: B018 - decoding is the check
            except (UnicodeDecodeError, LookupError):
                reason = "undecodable"
        if reason is None:
            return response
        self.stats.inc_value(f"lcom/pages/skipped/{reason}")
        logger.warning("skipped %s page: %s", reason, request.url)
        raise IgnoreRequest(f"{reason} page")
