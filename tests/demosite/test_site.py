"""The demo site over HTTP on 127.0.0.1: every path behaves as documented."""

from __future__ import annotations

import http.client
import json
import re
import threading
import time
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import parsel
import pytest

from crawler.demosite import DemoSite, DemoSiteError, GroundTruth, TruthAd

Fetch = Callable[..., Any]


def squash(parts: list[str]) -> str:
    return re.sub(r"\s+", " ", " ".join(p.strip() for p in parts if p.strip())).strip()


def ad_fields(html: str) -> dict[str, object]:
    """The fields as the generic spider's selectors read them."""
    sel = parsel.Selector(text=html)
    return {
        "ad_id": sel.css("[data-ad-id]::attr(data-ad-id)").get(),
        "title": squash(sel.css("h1.ad-title ::text").getall()),
        "text": squash(sel.css("div.ad-text ::text").getall()),
        "city": squash(sel.css("span.ad-city ::text").getall()),
        "posted": sel.css("time.ad-date::attr(datetime)").get(),
        "price_text": squash(sel.css("span.ad-price ::text").getall()),
        "age": squash(sel.css("span.ad-age ::text").getall()),
        "name": squash(sel.css("span.ad-name ::text").getall()),
        "hrefs": sel.css("div.ad-contact a::attr(href)").getall(),
        "photo": sel.css("img.ad-photo::attr(src)").getall(),
    }


def expected_fields(ad: TruthAd) -> dict[str, object]:
    return {
        "ad_id": ad.ad_id,
        "title": ad.title,
        "text": ad.text,
        "city": ad.city,
        "posted": ad.posted,
        "price_text": ad.price_text,
        "age": str(ad.age),
        "name": ad.name,
    }


def links(html: str, css: str = "a::attr(href)") -> list[str]:
    return parsel.Selector(text=html).css(css).getall()


def bad_ad(truth: GroundTruth, url: str) -> TruthAd:
    return next(ad for ad in truth.in_section("bad") if ad.url == url)


# -- addresses and hosts --------------------------------------------------------------


def test_site_binds_loopback_and_names_two_hosts_on_one_port(site: DemoSite) -> None:
    assert site.base_url == f"http://127.0.0.1:{site.port}"
    assert site.second_host_url == f"http://localhost:{site.port}"
    assert site.port > 0


def test_addresses_are_refused_before_start() -> None:
    idle = DemoSite(ads=10)
    with pytest.raises(DemoSiteError):
        _ = idle.base_url
    assert len(idle.ground_truth.ads) == 10


def test_second_host_is_reachable_by_its_name(site: DemoSite) -> None:
    with urllib.request.urlopen(site.second_host_url + "/partner/", timeout=10) as response:
        assert response.status == 200
        assert "Partner site" in response.read().decode()


@pytest.mark.parametrize(
    ("path", "primary", "second"),
    [
        ("/ads?page=1", 200, 404),
        ("/partner/", 404, 200),
        ("/img/ad-00001.png", 404, 200),
        ("/static/tracker.js", 404, 200),
        ("/robots.txt", 200, 200),
    ],
)
def test_hosts_are_told_apart_by_the_host_header(
    fetch: Fetch, path: str, primary: int, second: int
) -> None:
    assert fetch(path).status == primary
    assert fetch(path, host="127.0.0.1").status == primary
    assert fetch(path, host="localhost").status == second


@pytest.mark.parametrize(
    ("path", "host", "content_type"),
    [
        ("/", None, "text/html; charset=utf-8"),
        ("/robots.txt", None, "text/plain; charset=utf-8"),
        ("/_truth.json", None, "application/json"),
        ("/ads?page=1", None, "text/html; charset=utf-8"),
        ("/js/", None, "text/html; charset=utf-8"),
        ("/login", None, "text/html; charset=utf-8"),
        ("/nowhere", None, "text/html; charset=utf-8"),
        ("/img/ad-00001.png", "localhost", "image/png"),
        ("/static/tracker.js", "localhost", "text/javascript; charset=utf-8"),
    ],
)
def test_every_response_has_a_sensible_content_type(
    fetch: Fetch, path: str, host: str | None, content_type: str
) -> None:
    assert fetch(path, host=host).headers["Content-Type"] == content_type


@pytest.mark.parametrize("path", ["/nowhere", "/ad/ad-99999", "/ads?page=0", "/ads?page=x"])
def test_unknown_paths_are_404(fetch: Fetch, path: str) -> None:
    assert fetch(path).status == 404


def test_only_get_and_head_are_served(fetch: Fetch) -> None:
    posted = fetch("/login", method="POST")
    assert posted.status == 405
    assert posted.headers["Allow"] == "GET, HEAD"
    head = fetch("/ads?page=1", method="HEAD")
    assert head.status == 200
    assert head.body == b""
    assert int(head.headers["Content-Length"]) > 0


# -- home, robots.txt, ground truth -----------------------------------------------------


def test_home_links_every_section_and_the_other_host(site: DemoSite, fetch: Fetch) -> None:
    hrefs = set(links(fetch("/").text))
    assert {
        "/ads?page=1",
        "/js/",
        "/members/",
        "/calendar?date=2026-11-01",
        "/go/partner",
        "/bad/",
        site.second_host_url + "/partner/",
    } <= hrefs


def test_robots_txt_disallows_private_search_and_truth_with_crawl_delay(fetch: Fetch) -> None:
    assert fetch("/robots.txt").text == (
        "User-agent: *\n"
        "Disallow: /private/\n"
        "Disallow: /search\n"
        "Disallow: /_truth.json\n"
        "Crawl-delay: 0.25\n"
    )


def test_ground_truth_is_served_as_json(site: DemoSite, fetch: Fetch) -> None:
    served = json.loads(fetch("/_truth.json").body)
    assert served == json.loads(json.dumps(site.ground_truth.to_dict()))
    assert GroundTruth.from_dict(served) == site.ground_truth


@pytest.mark.parametrize("path", ["/private/", "/private/gallery", "/search?q=x"])
def test_robots_disallowed_pages_serve_ad_like_pages_outside_the_ground_truth(
    site: DemoSite, fetch: Fetch, path: str
) -> None:
    page = fetch(path)
    assert page.status == 200
    fields = ad_fields(page.text)
    assert fields["title"] and fields["text"]
    assert fields["ad_id"] not in site.ground_truth.ads


# -- listings and details ---------------------------------------------------------------


def test_listing_pages_chain_by_next_links_and_list_every_static_ad_once(
    site: DemoSite, fetch: Fetch
) -> None:
    truth = site.ground_truth
    seen: list[str] = []
    path: str | None = "/ads?page=1"
    visited = []
    while path:
        visited.append(path)
        html = fetch(path).text
        ad_links = links(html, "a.ad-link::attr(href)")
        assert len(ad_links) <= 10
        seen += ad_links
        hrefs = links(html)
        assert {"/members/inbox", "/private/", "/search?q=x"} <= set(hrefs)
        nxt = links(html, 'a[rel="next"].next::attr(href)')
        path = nxt[0] if nxt else None
    assert visited == truth.listing_pages
    assert sorted(seen) == sorted(ad.url for ad in truth.in_section("static"))
    assert "/bad/" in links(fetch(truth.listing_pages[-1]).text)
    assert "/bad/" not in links(fetch(truth.listing_pages[0]).text)


def test_listing_beyond_the_last_page_is_404(site: DemoSite, fetch: Fetch) -> None:
    assert fetch(f"/ads?page={len(site.ground_truth.listing_pages) + 1}").status == 404


def test_static_detail_pages_carry_the_ground_truth_in_stable_markup(
    site: DemoSite, fetch: Fetch
) -> None:
    for ad in site.ground_truth.in_section("static"):
        page = fetch(ad.url)
        assert page.status == 200
        fields = ad_fields(page.text)
        assert {k: fields[k] for k in expected_fields(ad)} == expected_fields(ad)
        assert f"tel:{ad.phone_e164}" in fields["hrefs"]
        if ad.email:
            assert f"mailto:{ad.email}" in fields["hrefs"]
        if ad.handle_url:
            assert ad.handle_url in fields["hrefs"]
        assert fields["photo"] == [site.second_host_url + ad.image_path]
        for contact in ad.contact_strings:
            assert contact in page.text, (ad.ad_id, contact)


def test_ad_photos_are_tiny_valid_pngs_on_the_second_host(site: DemoSite, fetch: Fetch) -> None:
    ad = site.ground_truth.in_section("static")[0]
    photo = fetch(ad.image_path, host="localhost")
    assert photo.body.startswith(b"\x89PNG\r\n\x1a\n")
    assert photo.body[12:16] == b"IHDR"
    assert photo.body.endswith(b"IEND\xaeB`\x82")
    assert len(photo.body) < 1000


def test_static_ad_ids_are_not_served_as_javascript_pages_and_vice_versa(
    site: DemoSite, fetch: Fetch
) -> None:
    static = site.ground_truth.in_section("static")[0]
    js = site.ground_truth.in_section("js")[0]
    assert fetch(f"/js/ad/{static.ad_id}").status == 404
    assert fetch(f"/ad/{js.ad_id}").status == 404


# -- the JavaScript section ---------------------------------------------------------------


def test_javascript_listing_has_no_ad_links_in_its_static_html(
    site: DemoSite, fetch: Fetch
) -> None:
    html = fetch("/js/").text
    assert links(html, "a.ad-link") == []
    assert not any(href.startswith("/js/ad/") for href in links(html))
    ids = json.loads(parsel.Selector(text=html).css("script#ad-index::text").get() or "[]")
    assert ids == [ad.ad_id for ad in site.ground_truth.in_section("js")]


@pytest.mark.parametrize("path", ["/js/", "/js/ad/{id}"])
def test_javascript_pages_load_a_script_and_an_image_from_the_second_host(
    site: DemoSite, fetch: Fetch, path: str
) -> None:
    html = fetch(path.format(id=site.ground_truth.in_section("js")[0].ad_id)).text
    sel = parsel.Selector(text=html)
    assert sel.css("script::attr(src)").getall() == [site.second_host_url + "/static/tracker.js"]
    assert site.second_host_url + "/img/logo.png" in sel.css("img::attr(src)").getall()


def test_javascript_detail_pages_hide_the_ad_from_the_static_html(
    site: DemoSite, fetch: Fetch
) -> None:
    for ad in site.ground_truth.in_section("js"):
        html = fetch(ad.url).text
        fields = ad_fields(html)
        assert not fields["title"] and not fields["text"]
        for hidden in (ad.title, ad.text, ad.city, ad.name, *ad.contact_strings):
            assert hidden not in html, (ad.ad_id, hidden)
        data = json.loads(parsel.Selector(text=html).css("script#ad-data::text").get() or "{}")
        assert (data["id"], data["title"], data["text"], data["phone"]) == (
            ad.ad_id,
            ad.title,
            ad.text,
            ad.phone,
        )


# -- traps, walls and redirects -------------------------------------------------------------


@pytest.mark.parametrize("path", ["/members/", "/members/inbox", "/members/message?ad=ad-00001"])
def test_members_area_redirects_to_the_login_wall(site: DemoSite, fetch: Fetch, path: str) -> None:
    response = fetch(path)
    assert response.status == 302
    location = response.headers["Location"]
    assert location.startswith(site.base_url + "/login?next=/members")
    login = fetch(urlsplit(location).path + "?" + urlsplit(location).query)
    assert login.status == 200
    sel = parsel.Selector(text=login.text)
    assert sel.css("form input[type=password]")
    assert not sel.css("h1.ad-title, div.ad-text")


def test_calendar_links_to_the_next_and_previous_day_forever(fetch: Fetch) -> None:
    first = fetch("/calendar?date=2026-12-30").text
    assert links(first, 'a[rel="prev"]::attr(href)') == ["/calendar?date=2026-12-29"]
    path = "/calendar?date=2026-12-30"
    for expected in ("2026-12-31", "2027-01-01", "2027-01-02"):
        (path,) = links(fetch(path).text, 'a[rel="next"]::attr(href)')
        assert path == f"/calendar?date={expected}"
    assert links(fetch(path).text, 'a[rel="prev"]::attr(href)') == ["/calendar?date=2027-01-01"]


@pytest.mark.parametrize("path", ["/calendar", "/calendar?date=2026-13-01", "/calendar?date=x"])
def test_calendar_without_a_valid_date_is_404(fetch: Fetch, path: str) -> None:
    assert fetch(path).status == 404


def test_partner_link_redirects_off_site_to_the_second_host(site: DemoSite, fetch: Fetch) -> None:
    response = fetch("/go/partner")
    assert response.status == 302
    assert response.headers["Location"] == site.second_host_url + "/partner/"


# -- bad pages -----------------------------------------------------------------------------


def test_bad_index_lists_every_broken_page(site: DemoSite, fetch: Fetch) -> None:
    truth = site.ground_truth
    assert set(links(fetch("/bad/").text, "main a::attr(href)")) == {
        truth.malformed_path,
        truth.huge_path,
        truth.binary_path,
        truth.cp1250_path,
        truth.error_path,
        truth.slow_path,
    }


def test_malformed_page_is_broken_html_that_still_yields_its_ad(
    site: DemoSite, fetch: Fetch
) -> None:
    ad = bad_ad(site.ground_truth, "/bad/malformed")
    html = fetch(ad.url).text
    assert html.count("</div>") > html.count("<div")
    assert "</body>" not in html
    fields = ad_fields(html)
    assert {k: fields[k] for k in expected_fields(ad)} == expected_fields(ad)


def test_cp1250_page_declares_its_charset_only_in_a_meta_tag(site: DemoSite, fetch: Fetch) -> None:
    ad = bad_ad(site.ground_truth, "/bad/cp1250")
    page = fetch(ad.url)
    assert page.status == 200
    assert page.headers["Content-Type"] == "text/html"
    assert (
        b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1250">' in page.body
    )
    with pytest.raises(UnicodeDecodeError):
        page.body.decode("utf-8")
    fields = ad_fields(page.body.decode("cp1250"))
    assert {k: fields[k] for k in expected_fields(ad)} == expected_fields(ad)


def test_cp1250_page_decodes_through_the_meta_charset_as_a_crawler_would(
    site: DemoSite, fetch: Fetch
) -> None:
    from scrapy.http import HtmlResponse

    ad = bad_ad(site.ground_truth, "/bad/cp1250")
    page = fetch(ad.url)
    response = HtmlResponse(
        site.base_url + ad.url,
        body=page.body,
        headers={"Content-Type": page.headers["Content-Type"]},
    )
    assert response.encoding == "cp1250"
    assert squash(response.css("div.ad-text ::text").getall()) == ad.text


def test_huge_page_is_about_six_megabytes_of_html(fetch: Fetch) -> None:
    page = fetch("/bad/huge")
    assert page.status == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert 6_000_000 <= len(page.body) <= 6_500_000
    assert int(page.headers["Content-Length"]) == len(page.body)
    assert page.body.startswith(b"<!DOCTYPE html>")


def test_binary_page_is_random_bytes_served_as_html(fetch: Fetch) -> None:
    page = fetch("/bad/binary")
    assert page.status == 200
    assert page.headers["Content-Type"] == "text/html"
    assert len(page.body) == 64 * 1024
    assert b"\x00" in page.body
    with pytest.raises(UnicodeDecodeError):
        page.body.decode("utf-8")
    assert fetch("/bad/binary").body == page.body


def test_error_page_is_http_500(fetch: Fetch) -> None:
    assert fetch("/bad/error").status == 500


def test_slow_page_answers_only_after_its_delay(site: DemoSite, fetch: Fetch) -> None:
    started = time.monotonic()
    page = fetch("/bad/slow")
    assert page.status == 200
    assert time.monotonic() - started >= site.slow_seconds


def test_slow_page_does_not_stall_other_requests(fetch_site: Fetch) -> None:
    with DemoSite(ads=10, slow_seconds=60) as slow_site:
        conn = http.client.HTTPConnection("127.0.0.1", slow_site.port, timeout=30)
        conn.request("GET", "/bad/slow")
        answered = fetch_site(slow_site, "/robots.txt")
        assert answered.status == 200
        assert [r.path for r in slow_site.request_log] == ["/robots.txt"]
        # Stopping the site wakes the slow request early.
        done = threading.Thread(target=slow_site.stop)
        done.start()
        assert conn.getresponse().status == 200
        conn.close()
        done.join()


@pytest.mark.parametrize("code", [200, 204, 403, 404, 429, 500, 503])
def test_status_path_serves_that_status(fetch: Fetch, code: int) -> None:
    assert fetch(f"/status/{code}").status == code


def test_status_path_outside_http_statuses_is_404(fetch: Fetch) -> None:
    assert fetch("/status/999").status == 404


# -- request log ---------------------------------------------------------------------------


def test_request_log_records_host_path_method_agent_and_status(site: DemoSite) -> None:
    site.clear_request_log()
    conn = http.client.HTTPConnection("127.0.0.1", site.port, timeout=10)
    conn.request("GET", "/ads?page=1", headers={"User-Agent": "lcom-test/1"})
    conn.getresponse().read()
    conn.close()
    conn = http.client.HTTPConnection("127.0.0.1", site.port, timeout=10)
    conn.request("HEAD", "/img/x.png", headers={"Host": f"localhost:{site.port}"})
    conn.getresponse().read()
    conn.close()
    first, second = site.request_log
    assert (first.host, first.path, first.method, first.user_agent, first.status) == (
        "127.0.0.1",
        "/ads?page=1",
        "GET",
        "lcom-test/1",
        200,
    )
    assert (second.host, second.path, second.method, second.status) == (
        "localhost",
        "/img/x.png",
        "HEAD",
        200,
    )
    assert first.time <= second.time


def test_request_log_is_a_snapshot_and_can_be_cleared(site: DemoSite, fetch: Fetch) -> None:
    fetch("/")
    snapshot = site.request_log
    assert snapshot
    site.clear_request_log()
    assert site.request_log == []
    assert snapshot


def test_request_log_counts_redirects_and_errors(site: DemoSite, fetch: Fetch) -> None:
    site.clear_request_log()
    fetch("/go/partner")
    fetch("/nowhere")
    assert [(r.path, r.status) for r in site.request_log] == [
        ("/go/partner", 302),
        ("/nowhere", 404),
    ]


def test_the_busiest_window_is_the_first_that_holds_the_most_moments() -> None:
    from crawler.demosite.server import busiest_window, max_in_window

    moments = [0.0, 0.5, 0.9, 1.2, 1.3, 1.4, 3.0]
    # [0.5, 1.5) holds five; [t, t + 1) is open at its end: 1.0 is not in [0.0, 1.0).
    assert busiest_window(moments) == (1, 6)
    assert max_in_window(reversed(moments)) == 5
    assert max_in_window([0.0, 1.0]) == 1
    assert busiest_window([]) == (0, 0) and max_in_window([]) == 0
