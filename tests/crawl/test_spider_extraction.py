"""The spider's extraction, called directly on HTML responses (no crawl)."""

from __future__ import annotations

from types import SimpleNamespace

from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from crawler.middlewares.badpages import looks_binary
from crawler.sources import load_source
from crawler.spiders.ads import AdSpider

DETAIL = """<html><head><meta charset="utf-8"><title>x</title></head><body>
<article data-ad-id="ad-00042">
<h1 class="ad-title">Nieuw in  Utrecht</h1>
<div class="ad-text"><p>Hoi, ik ben <b>Anna</b>.</p><p>Bel 06-1234 5678</p></div>
<span class="ad-city">Utrecht</span><time class="ad-date" datetime="2026-11-20">20 nov</time>
<span class="ad-price">150€/u</span><span class="ad-age">24</span><span class="ad-name">Anna</span>
<div class="ad-contact"><a href="tel:+31612345678">06-1234 5678</a>
<a href="https://wa.me/31612345678">WhatsApp</a></div>
<img class="ad-photo" src="http://localhost:1/img/ad-00042.png">
</article></body></html>"""


def make_spider() -> AdSpider:
    spider = AdSpider(source="demo")
    spider.crawler = get_crawler(AdSpider)
    spider.crawler.stats.open_spider()
    spider.source = load_source("demo")
    spider.runtime = SimpleNamespace(  # type: ignore[assignment]
        provenance={"policy_version": "v1", "authorisation_id": "A-1", "run_id": "r1"}
    )
    return spider


def response(url: str, body: str) -> HtmlResponse:
    return HtmlResponse(url, body=body.encode(), encoding="utf-8", request=Request(url))


def test_detail_page_fields_are_extracted_with_provenance() -> None:
    spider = make_spider()
    item = spider.extract_ad(response("http://127.0.0.1:1/ad/ad-00042", DETAIL))
    assert item is not None
    assert item["source_ad_id"] == "ad-00042"
    assert item["title"] == "Nieuw in Utrecht"
    assert item["text"] == "Hoi, ik ben Anna . Bel 06-1234 5678"
    assert (item["city"], item["posted"], item["price_text"], item["age_text"]) == (
        "Utrecht",
        "2026-11-20",
        "150€/u",
        "24",
    )
    assert "tel:+31612345678" in item["contacts_raw"]
    assert item["image_urls"] == ["http://localhost:1/img/ad-00042.png"]
    assert item["source_country"] == "NL"
    assert len(item["body_sha256"]) == 64
    assert item["policy_version"] == "v1"
    assert item["authorisation_id"] == "A-1"


def test_page_without_ad_fields_yields_no_item_and_counts_it() -> None:
    spider = make_spider()
    assert (
        spider.extract_ad(response("http://127.0.0.1:1/ad/x", "<html><p>gone</p></html>")) is None
    )
    assert spider.crawler.stats.get_value("lcom/pages/skipped/no_ad_found") == 1


def test_listing_links_become_requests_only_for_known_page_types() -> None:
    spider = make_spider()
    body = (
        '<a class="ad-link" href="/ad/ad-1">1</a><a rel="next" href="/ads?page=2">next</a>'
        '<a href="mailto:x@example.org">m</a><a href="javascript:void(0)">j</a>'
        '<a href="ftp://127.0.0.1/x">f</a>'
    )
    out = list(spider.parse_page(response("http://127.0.0.1:1/ads?page=1", body)))
    assert [r.url for r in out] == [
        "http://127.0.0.1:1/ad/ad-1",
        "http://127.0.0.1:1/ads?page=2",
    ]


def test_javascript_pages_are_requested_through_the_browser() -> None:
    spider = make_spider()
    request = spider.request_for("http://127.0.0.1:1/js/")
    assert request is not None
    assert request.meta["playwright"] is True
    plain = spider.request_for("http://127.0.0.1:1/ad/ad-1")
    assert plain is not None
    assert "playwright" not in plain.meta


def test_binary_bodies_are_recognised() -> None:
    assert looks_binary(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    assert looks_binary(bytes(range(1, 32)) * 10)
    assert not looks_binary("<html>Zażółć gęślą jaźń</html>".encode())
    assert not looks_binary(b"")
