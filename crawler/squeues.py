"""The job folder's request queue, encrypted at rest.

A resumable crawl (``--jobdir``) keeps the requests it has not made yet on disk, and ad
URLs can hold phone numbers, e-mail addresses and handles. Scrapy's own disk queue
pickles them in plain text; after Ctrl-C they would stay in the job folder. This queue
(``SCHEDULER_DISK_QUEUE``, set by the crawl runtime above the command line) stores each
request as ``nonce || AES-256-GCM(pickle(request))`` with a key derived from the
pseudonymisation key (HMAC-SHA256 with the label ``lcom job queue v1``): nothing in
``requests.queue`` can be read, or altered, without that key. A job folder resumed with
another key cannot be decrypted: the queue is then treated as empty (logged as an
error) and the crawl starts again from its start URLs.

Scrapy's other job files hold no plaintext URL: ``requests.seen`` holds request
fingerprints (hashes), ``active.json`` priorities, ``lcom-job.json`` counts.
Encryption is AES-GCM from the ``cryptography`` package.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import pickle
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from queuelib import queue
from scrapy.utils.request import request_from_dict

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

#: Separates the queue key from pseudonyms and document ids made with the same key.
QUEUE_KEY_CONTEXT = b"lcom job queue v1"
_NONCE_BYTES = 12
_ASSOCIATED_DATA = b"lcom-request"


def queue_key(pseudonym_key: bytes) -> bytes:
    """The 256-bit queue key derived from the pseudonymisation key."""
    return hmac.new(pseudonym_key, QUEUE_KEY_CONTEXT, hashlib.sha256).digest()


def crawl_pseudonym_key(crawler: Crawler) -> bytes:
    """The pseudonymisation key this crawl runs with (the demo key only in demo mode)."""
    from crawler.runtime import get_runtime
    from pipelines.engine.pseudonyms import load_key

    return load_key(os.environ, demo=get_runtime(crawler).demo)[0]


class EncryptedFifoDiskQueue(queue.FifoDiskQueue):
    """A FIFO disk queue of Scrapy requests, each one encrypted (see the module doc)."""

    def __init__(self, crawler: Crawler, key: str) -> None:
        self.spider = crawler.spider
        self._aead = AESGCM(queue_key(crawl_pseudonym_key(crawler)))
        self._undecryptable = False
        Path(key).parent.mkdir(parents=True, exist_ok=True)
        super().__init__(key)

    @classmethod
    def from_crawler(cls, crawler: Crawler, key: str, *args: Any, **kwargs: Any) -> Self:
        return cls(crawler, key)

    def push(self, request: Request) -> None:  # type: ignore[override]
        try:
            data = pickle.dumps(request.to_dict(spider=self.spider), protocol=4)
        except (pickle.PicklingError, AttributeError, TypeError) as exc:
            # Scrapy keeps a request it cannot serialise in memory instead.
            raise ValueError(str(exc)) from exc
        nonce = os.urandom(_NONCE_BYTES)
        super().push(nonce + self._aead.encrypt(nonce, data, _ASSOCIATED_DATA))

    def pop(self) -> Request | None:  # type: ignore[override]
        request = self._decode(super().pop())
        if self._undecryptable:
            while super().pop() is not None:  # empty it, or the scheduler would wait on it
                pass
        return request

    def peek(self) -> Request | None:  # type: ignore[override]
        return self._decode(super().peek())

    def _decode(self, sealed: bytes | None) -> Request | None:
        if not sealed or self._undecryptable:
            return None
        try:
            nonce, ciphertext = sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:]
            data = self._aead.decrypt(nonce, ciphertext, _ASSOCIATED_DATA)
        except InvalidTag:
            self._undecryptable = True
            logger.error(
                "the job folder's request queue was written with another pseudonymisation "
                "key (or damaged): its requests are dropped; the crawl goes on from what "
                "it finds again"
            )
            return None
        # Authenticated with our key: written by this crawler, safe to unpickle.
        return request_from_dict(pickle.loads(data), spider=self.spider)
