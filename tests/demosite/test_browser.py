"""The JavaScript section rendered by a real Chromium matches the ground truth."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from crawler.demosite import DemoSite
from tests.support.browser import chromium, loopback_only

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser_page() -> Iterator[Any]:
    with chromium() as browser:
        page = browser.new_page()
        page.route("**/*", loopback_only)
        yield page


def test_javascript_listing_renders_links_to_every_javascript_ad(browser_page: Any) -> None:
    with DemoSite(ads=40, seed=5) as site:
        browser_page.goto(site.base_url + "/js/")
        browser_page.wait_for_selector("a.ad-link")
        hrefs = browser_page.eval_on_selector_all(
            "a.ad-link", "links => links.map(a => a.getAttribute('href'))"
        )
        assert hrefs == [ad.url for ad in site.ground_truth.in_section("js")]
        requested = {(r.host, r.path) for r in site.request_log}
        assert ("localhost", "/static/tracker.js") in requested
        assert ("localhost", "/img/logo.png") in requested


def test_javascript_detail_renders_the_same_markup_as_static_pages(browser_page: Any) -> None:
    with DemoSite(ads=40, seed=5) as site:
        for ad in site.ground_truth.in_section("js"):
            browser_page.goto(site.base_url + ad.url)
            browser_page.wait_for_selector("h1.ad-title")
            text = browser_page.inner_text
            attr = browser_page.get_attribute
            assert attr("[data-ad-id]", "data-ad-id") == ad.ad_id
            assert text("h1.ad-title") == ad.title
            assert text("div.ad-text") == ad.text
            assert text("span.ad-city") == ad.city
            assert attr("time.ad-date", "datetime") == ad.posted
            assert text("span.ad-price") == ad.price_text
            assert text("span.ad-age") == str(ad.age)
            assert text("span.ad-name") == ad.name
            assert attr("div.ad-contact a[href^='tel:']", "href") == f"tel:{ad.phone_e164}"
            assert text("div.ad-contact a[href^='tel:']") == ad.phone
            if ad.email:
                assert attr("div.ad-contact a[href^='mailto:']", "href") == f"mailto:{ad.email}"
            if ad.handle_url:
                assert attr("div.ad-contact a.ad-handle", "href") == ad.handle_url
            assert attr("img.ad-photo", "src") == site.second_host_url + ad.image_path
