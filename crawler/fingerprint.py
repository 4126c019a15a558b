"""Request fingerprints keyed with the pseudonymisation key.

Scrapy remembers the requests it has made by a SHA-1 fingerprint of the URL, and keeps
them in the job folder (``requests.seen``). An ad URL that holds a phone number could be
recovered from an unkeyed fingerprint by trying every number of the site's URL scheme.
This fingerprinter (``REQUEST_FINGERPRINTER_CLASS``, set by the crawl runtime) is an
HMAC of Scrapy's own fingerprint, with a key derived from the pseudonymisation key
(label ``lcom request fingerprint v1``): the same requests are told apart as before, and
without the key nothing can be tested against the stored fingerprints.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING, Self

from scrapy.utils.request import RequestFingerprinter

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

FINGERPRINT_KEY_CONTEXT = b"lcom request fingerprint v1"


class KeyedRequestFingerprinter:
    """Scrapy's fingerprint of a request, keyed (20 bytes, like Scrapy's)."""

    def __init__(self, key: bytes, crawler: Crawler | None = None) -> None:
        self._key = hmac.new(key, FINGERPRINT_KEY_CONTEXT, hashlib.sha256).digest()
        self._scrapy = RequestFingerprinter(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        from crawler.squeues import crawl_pseudonym_key

        return cls(crawl_pseudonym_key(crawler), crawler)

    def fingerprint(self, request: Request) -> bytes:
        plain = self._scrapy.fingerprint(request)
        return hmac.new(self._key, plain, hashlib.sha256).digest()[:20]
