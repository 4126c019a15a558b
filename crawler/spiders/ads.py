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


class AdSpider(scrapy.Spider):
    name = "ads"

    def __init__(
        self, *args: Any, source: str | None = None, base_url: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.source_id = source
        self.base_url = base_url

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> AdSpider:
        spider: AdSpider = super().from_crawler(crawler, *args, **kwargs)
        spider.runtime = prepare_runtime(crawler, spider.source_id, spider.base_url)
        spider.source = spider.runtime.source
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
        for query in page.follow:
            for href in select(response, query).getall():
                href = href.strip()
                if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
                    continue
                request = self.request_for(response.urljoin(href))
                if request is not None:
                    yield request

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
        self.crawler.stats.inc_value("lcom/ads/extracted")
        return item
