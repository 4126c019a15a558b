"""The generic ad spider, driven by a source config (``crawler/sources/<id>.yaml``).

Usage::

    scrapy crawl ads -a source=demo -a base_url=http://127.0.0.1:8000
    lcom crawl demo --base-url http://127.0.0.1:8000

It only knows how to read pages. Whether a request may be made at all is
decided by the guardrails (``crawler/middlewares/guardrails.py``), which see
every request this spider yields, every redirect and every browser sub-request.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import scrapy
from parsel import Selector, SelectorList
from scrapy.http import Request, Response, TextResponse

from crawler.incremental import SeenStore, signature, store_path
from crawler.runtime import CrawlRuntime, prepare_runtime
from crawler.sources import PageType, SourceConfig

logger = logging.getLogger(__name__)

_WS = re.compile(r"\s+")


def select(selector: Selector | Response, query: str) -> SelectorList[Selector]:
    """CSS by default; XPath when the query starts like one."""
    if query.startswith(("/", "(", "./")):
        return selector.xpath(query)
    return selector.css(query)


def clean_text(parts: list[str]) -> str:
    return _WS.sub(" ", " ".join(part.strip() for part in parts if part and part.strip())).strip()


def path_and_query(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def open_seen_store(settings: Any, source: SourceConfig) -> SeenStore | None:
    """The seen-ads store of an incremental source, or None (a full crawl)."""
    if source.incremental is None or not settings.getbool("LCOM_INCREMENTAL", True):
        return None
    path = store_path(settings.get("LCOM_SEEN_DB"), settings.get("LCOM_VAR_DIR"))
    return SeenStore(path, source.id)


class AdSpider(scrapy.Spider):
    name = "ads"

    def __init__(
        self, *args: Any, source: str | None = None, base_url: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.source_id = source
        self.base_url = base_url
        #: The seen ads of an incremental source (``crawler/incremental.py``), else None.
        self.seen: SeenStore | None = None
        #: Ad URLs the listing pages already decided on (requested, or skipped as unchanged).
        self.listed: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> AdSpider:
        spider: AdSpider = super().from_crawler(crawler, *args, **kwargs)
        spider.runtime = prepare_runtime(crawler, spider.source_id, spider.base_url)
        spider.source = spider.runtime.source
        spider.seen = open_seen_store(crawler.settings, spider.source)
        if spider.seen is not None:
            from scrapy import signals

            crawler.signals.connect(spider.item_scraped, signal=signals.item_scraped)
            crawler.signals.connect(spider.closed_incremental, signal=signals.spider_closed)
        return spider

    runtime: CrawlRuntime
    source: SourceConfig

    async def start(self) -> AsyncIterator[Any]:
        for url in self.source.resolved_start_urls(self.runtime.base_url):
            request = self.request_for(url)
            if request is not None:
                yield request

    # -- requests --------------------------------------------------------------
    def request_for(self, url: str, **kwargs: Any) -> Request | None:
        if urlsplit(url).scheme not in ("http", "https"):
            return None
        match = self.source.page_type_for(path_and_query(url))
        if match is None:
            return None
        page_name, page = match
        meta: dict[str, Any] = {"lcom_page_type": page_name}
        if page.javascript:
            meta.update(self.playwright_meta(page))
        return Request(url, callback=self.parse_page, errback=self.on_error, meta=meta, **kwargs)

    def on_error(self, failure: Any) -> None:
        """Count failed pages by reason; log the URL (off-host ones hashed), never content."""
        from scrapy.exceptions import IgnoreRequest
        from scrapy.spidermiddlewares.httperror import HttpError

        exc = failure.value
        if isinstance(exc, HttpError):
            reason = f"http_{exc.response.status}"
        elif isinstance(exc, IgnoreRequest):
            return  # already counted by the component that ignored it
        elif "max size" in str(exc).lower() or "maxsize" in str(exc).lower():
            reason = "too_large"
        else:
            reason = type(exc).__name__
        self.crawler.stats.inc_value(f"lcom/pages/failed/{reason}")
        from crawler.middlewares.guardrails import loggable_url

        url = loggable_url(failure.request.url, self.runtime.permit)
        logger.warning("page failed (%s): %s", reason, url)

    @staticmethod
    def playwright_meta(page: PageType) -> dict[str, Any]:
        from crawler.middlewares.guardrails import BROWSER_CONTEXT_KWARGS, BROWSER_PAGE_INIT

        meta: dict[str, Any] = {
            "playwright": True,
            # Service workers and WebSockets bypass the per-request browser guard.
            "playwright_context_kwargs": dict(BROWSER_CONTEXT_KWARGS),
            "playwright_page_init_callback": BROWSER_PAGE_INIT,
        }
        if page.wait_for:
            from scrapy_playwright.page import PageMethod

            meta["playwright_page_methods"] = [
                PageMethod("wait_for_selector", page.wait_for, timeout=10_000)
            ]
        return meta

    # -- parsing ---------------------------------------------------------------
    def parse_page(self, response: Response) -> Iterator[Any]:
        if response.status == 304:  # a conditional request: the ad has not changed
            ad_id = response.meta.get("lcom_ad_id")
            if self.seen is not None and ad_id:
                self.seen.unchanged(ad_id, response.meta.get("lcom_listing_sig"))
            self.crawler.stats.inc_value("lcom/incremental/not_modified")
            self.crawler.stats.inc_value("lcom/incremental/unchanged")
            return
        if not isinstance(response, TextResponse):
            self.crawler.stats.inc_value("lcom/pages/skipped/not_text")
            return
        # After a redirect the final URL decides; else the type the request was made for.
        match = self.source.page_type_for(path_and_query(response.url))
        if match is None:
            requested = response.meta.get("lcom_page_type")
            if requested not in self.source.pages:
                self.crawler.stats.inc_value("lcom/pages/skipped/unknown_page_type")
                return
            match = requested, self.source.pages[requested]
        page_name, page = match
        self.crawler.stats.inc_value(f"lcom/pages/{page_name}")
        if page.ad:
            item = self.extract_ad(response)
            if item is not None:
                yield item
        if self.seen is not None and page.follow:
            yield from self.listed_ads(response)
        for query in page.follow:
            for href in select(response, query).getall():
                href = href.strip()
                if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
                    continue
                if response.urljoin(href) in self.listed:
                    continue
                request = self.request_for(response.urljoin(href))
                if request is not None:
                    yield request

    def listed_ads(self, response: TextResponse) -> Iterator[Request]:
        """Ads on a listing page: request new or changed ones, skip unchanged ones."""
        assert self.seen is not None and self.source.incremental is not None
        cards = self.source.incremental
        for card in select(response, cards.card):
            href = (select(card, cards.link).get() or "").strip()
            if not href:
                continue
            url = response.urljoin(href)
            found = re.search(self.source.ad.id_from_url, urlsplit(url).path)
            if found is None or url in self.listed:
                continue
            ad_id = found.group("id")
            listing_sig = signature(clean_text(card.css("::text").getall()))
            known = self.seen.get(ad_id)
            self.listed.add(url)
            if known is not None and known.listing_sig == listing_sig:
                self.seen.unchanged(ad_id)
                self.crawler.stats.inc_value("lcom/incremental/unchanged")
                continue
            headers = known.conditional_headers() if known is not None else {}
            request = self.request_for(url, headers=headers)
            if request is None:
                continue
            request.meta["lcom_ad_id"] = ad_id
            request.meta["lcom_listing_sig"] = listing_sig
            if headers:
                request.meta["handle_httpstatus_list"] = [304]
                self.crawler.stats.inc_value("lcom/incremental/conditional")
            self.crawler.stats.inc_value(
                "lcom/incremental/changed" if known is not None else "lcom/incremental/new"
            )
            yield request

    def item_scraped(self, item: Any, **kwargs: Any) -> None:
        """An item that passed every pipeline is a stored hit: remember its doc_id."""
        if self.seen is None:
            return
        ad_id, doc_id = item.get("source_ad_id"), item.get("doc_id")
        if isinstance(ad_id, str) and isinstance(doc_id, str):
            self.seen.hit(ad_id, doc_id)

    async def closed_incremental(self, reason: str, **kwargs: Any) -> None:
        if self.seen is None:
            return
        hits = self.seen.unchanged_hits()
        self.seen.close()
        if not hits:
            return
        from pipelines.es.touch import touch_from_env

        touched = await touch_from_env(hits, self.runtime.started_at)
        for result, count in touched.items():
            self.crawler.stats.set_value(f"lcom/incremental/last_seen/{result}", count)

    def extract_ad(self, response: TextResponse) -> dict[str, Any] | None:
        fields = self.source.ad
        ad_id = None
        if fields.id_selector:
            ad_id = (select(response, fields.id_selector).get() or "").strip() or None
        if ad_id is None:
            found = re.search(fields.id_from_url, urlsplit(response.url).path)
            ad_id = found.group("id") if found else None
        title = clean_text(select(response, fields.title).getall())
        text = clean_text(select(response, fields.text).getall())
        if not ad_id or not (title or text):
            self.crawler.stats.inc_value("lcom/pages/skipped/no_ad_found")
            logger.info("no ad found on page type ad: %s", response.url)
            return None
        if not (title and text):
            self.crawler.stats.inc_value("lcom/ads/incomplete")  # run monitoring reads it

        def optional(query: str | None) -> str | None:
            if not query:
                return None
            return clean_text(select(response, query).getall()) or None

        contacts: list[str] = []
        for query in fields.contacts:
            for value in select(response, query).getall():
                value = value.strip()
                if value and value not in contacts:
                    contacts.append(value)
        images = [
            response.urljoin(src.strip())
            for query in fields.images
            for src in select(response, query).getall()
            if src.strip()
        ]
        item: dict[str, Any] = {
            "source": self.source.id,
            "source_ad_id": ad_id,
            "url": response.url,
            "title": title,
            "text": text,
            "city": optional(fields.city),
            "posted": optional(fields.posted),
            "price_text": optional(fields.price_text),
            "age_text": optional(fields.age_text),
            "name": optional(fields.name),
            "contacts_raw": contacts,
            "image_urls": images,
            "source_country": self.source.country,
            # A prior of the indicators' ad-context stage (escort site, classifieds ...).
            "source_kind": self.source.kind,
            "fetched_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "body_sha256": hashlib.sha256(response.body).hexdigest(),
            "http_status": response.status,
            "rendered_js": bool(response.meta.get("playwright")),
        }
        item.update(self.runtime.provenance)
        if self.seen is not None:
            self.seen.fetched(
                ad_id,
                listing_sig=response.meta.get("lcom_listing_sig"),
                content_hash=item["body_sha256"],
                posted=item["posted"],
                etag=(response.headers.get("ETag") or b"").decode("latin-1"),
                last_modified=(response.headers.get("Last-Modified") or b"").decode("latin-1"),
            )
        self.crawler.stats.inc_value("lcom/ads/extracted")
        return item
