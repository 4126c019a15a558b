"""The pages of the demo ad site and the routing between them.

:class:`DemoPages` maps a request (host kind, path, query) to a :class:`Response`
and knows nothing about sockets, so every page can be checked without a server.
The site map is documented in :mod:`crawler.demosite`.
"""

from __future__ import annotations

import hashlib
import html
import json
import random
import re
import struct
import threading
import zlib
from dataclasses import dataclass, replace
from datetime import date, timedelta
from urllib.parse import parse_qs, quote, urlsplit

from crawler.demosite.generator import PAGE_SIZE, generate_decoy
from crawler.demosite.truth import GroundTruth, TruthAd

HTML = "text/html; charset=utf-8"
#: The size of ``/bad/huge`` (text/html).
HUGE_BYTES = 6 * 1024 * 1024
#: The size of ``/bad/binary`` (random bytes served as text/html).
BINARY_BYTES = 64 * 1024
SITE_NAME = "Demo Ads"

_AD_PATH = re.compile(r"^/ad/(?P<id>[A-Za-z0-9-]+)$")
_JS_AD_PATH = re.compile(r"^/js/ad/(?P<id>[A-Za-z0-9-]+)$")
_STATUS_PATH = re.compile(r"^/status/(?P<code>[0-9]{3})$")
_IMG_PATH = re.compile(r"^/img/(?P<name>[A-Za-z0-9_-]+)\.png$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_NO_BODY_STATUSES = frozenset({204, 304})
#: The "changed layout" switch renames what the bundled source config reads.
_LAYOUT_V2 = (
    ('class="ad-title"', 'class="headline"'),
    ('class="ad-text"', 'class="copy"'),
    ("data-ad-id=", "data-listing="),
    ('class="ad-card"', 'class="item"'),
    ('class="ad-link"', 'class="item-link"'),
)
LAYOUTS = ("standard", "changed")


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes = b""
    #: ``None`` sends no Content-Type header at all.
    content_type: str | None = HTML
    headers: tuple[tuple[str, str], ...] = ()
    #: Seconds the server waits before answering (the slow page).
    delay: float = 0.0


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def opaque_json(value: object) -> str:
    """JSON in which every string character is a ``\\uXXXX`` escape.

    The JavaScript pages carry their ad in inline JSON; escaping every character
    keeps the ad's words out of the static HTML, so only a crawler that runs the
    page (or decodes the JSON) sees them.
    """
    if isinstance(value, str):
        units = value.encode("utf-16-be")
        codes = struct.unpack(f">{len(units) // 2}H", units)
        return '"' + "".join(f"\\u{code:04x}" for code in codes) + '"'
    if isinstance(value, dict):
        items = (f"{json.dumps(str(k))}:{opaque_json(v)}" for k, v in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(opaque_json(v) for v in value) + "]"
    return json.dumps(value)


def tiny_png(key: str, size: int = 8) -> bytes:
    """A valid ``size`` x ``size`` RGB PNG whose colours derive from ``key``."""
    digest = hashlib.sha256(key.encode()).digest()
    rows = b"".join(
        b"\x00"
        + bytes(digest[(x * 3 + y * 5 + c) % len(digest)] for x in range(size) for c in range(3))
        for y in range(size)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


TRACKER_JS = b"""/* Demo Ads page-view counter: a sub-resource on another host. */
window.demoTracker = (window.demoTracker || 0) + 1;
"""

# Builds the ad detail markup from the inline JSON: the same elements and
# classes as the static detail pages.
_DETAIL_SCRIPT = """
(function () {
  "use strict";
  var ad = JSON.parse(document.getElementById("ad-data").textContent);
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  var article = el("article", "ad");
  article.setAttribute("data-ad-id", ad.id);
  article.appendChild(el("h1", "ad-title", ad.title));
  var meta = el("div", "ad-meta");
  meta.appendChild(el("span", "ad-id", ad.id));
  meta.appendChild(el("span", "ad-city", ad.city));
  var posted = el("time", "ad-date", ad.posted);
  posted.setAttribute("datetime", ad.posted);
  meta.appendChild(posted);
  meta.appendChild(el("span", "ad-price", ad.price));
  meta.appendChild(el("span", "ad-age", ad.age));
  meta.appendChild(el("span", "ad-name", ad.name));
  article.appendChild(meta);
  var photo = el("img", "ad-photo");
  photo.alt = "";
  photo.src = ad.photo;
  article.appendChild(photo);
  article.appendChild(el("div", "ad-text", ad.text));
  var contact = el("div", "ad-contact");
  var tel = el("a", "ad-phone", ad.phone);
  tel.href = "tel:" + ad.phone_e164;
  contact.appendChild(tel);
  if (ad.email) {
    var mail = el("a", "ad-email", ad.email);
    mail.href = "mailto:" + ad.email;
    contact.appendChild(mail);
  }
  if (ad.handle) {
    var handle = el("a", "ad-handle", ad.handle_label);
    handle.href = ad.handle;
    contact.appendChild(handle);
  }
  article.appendChild(contact);
  document.getElementById("app").replaceChildren(article);
})();
"""

_LISTING_SCRIPT = """
(function () {
  "use strict";
  var ids = JSON.parse(document.getElementById("ad-index").textContent);
  var list = document.getElementById("ad-list");
  ids.forEach(function (id, i) {
    var item = document.createElement("li");
    item.className = "ad-card";
    var link = document.createElement("a");
    link.className = "ad-link";
    link.href = "/js/ad/" + id;
    link.textContent = "Premium ad " + (i + 1);
    item.appendChild(link);
    list.appendChild(item);
  });
})();
"""


def handle_label(url: str | None) -> str:
    if not url:
        return ""
    return "WhatsApp" if "wa.me/" in url else "Telegram"


def page(title: str, body: str, *, lang: str = "en", head: str = "") -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="{esc(lang)}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{esc(title)}</title>\n{head}</head>\n<body>\n"
        f'<header><a href="/">{SITE_NAME}</a></header>\n{body}\n</body>\n</html>\n'
    )


def detail_markup(ad: TruthAd, second_host_url: str) -> str:
    """The ad's ``<article>``: the stable markup spiders read."""
    contact = [f'<a class="ad-phone" href="tel:{esc(ad.phone_e164)}">{esc(ad.phone)}</a>']
    if ad.email:
        contact.append(f'<a class="ad-email" href="mailto:{esc(ad.email)}">{esc(ad.email)}</a>')
    if ad.handle_url:
        contact.append(
            f'<a class="ad-handle" href="{esc(ad.handle_url)}">{handle_label(ad.handle_url)}</a>'
        )
    contacts = "\n".join(contact)
    return f"""<article class="ad" data-ad-id="{esc(ad.ad_id)}">
<h1 class="ad-title">{esc(ad.title)}</h1>
<div class="ad-meta">
<span class="ad-id">{esc(ad.ad_id)}</span> |
<span class="ad-city">{esc(ad.city)}</span> |
<time class="ad-date" datetime="{esc(ad.posted)}">{esc(ad.posted)}</time> |
<span class="ad-price">{esc(ad.price_text)}</span> |
<span class="ad-age">{ad.age}</span> |
<span class="ad-name">{esc(ad.name)}</span>
</div>
<img class="ad-photo" src="{esc(second_host_url + ad.image_path)}" alt="">
<div class="ad-text">{esc(ad.text)}</div>
<div class="ad-contact">
{contacts}
</div>
<p class="ad-actions"><a href="/members/message?ad={esc(ad.ad_id)}">Send a message</a></p>
</article>"""


def detail_page(ad: TruthAd, second_host_url: str, *, head: str = "") -> str:
    body = (
        f"<main>\n{detail_markup(ad, second_host_url)}\n</main>\n"
        '<p><a href="/ads?page=1">All ads</a></p>'
    )
    return page(f"{ad.title} - {SITE_NAME}", body, lang=ad.lang, head=head)


def cp1250_page(ad: TruthAd, second_host_url: str) -> bytes:
    """The ad encoded windows-1250, declared only in a ``http-equiv`` meta tag."""
    text = detail_page(ad, second_host_url).replace(
        '<meta charset="utf-8">',
        '<meta http-equiv="Content-Type" content="text/html; charset=windows-1250">',
    )
    return text.encode("cp1250")


def malformed_page(ad: TruthAd, second_host_url: str) -> str:
    """The ad in badly broken HTML that parsers still recover its fields from.

    Unquoted attributes, unclosed ``<p>``/``<td>``/``<li>``, stray closing tags
    and no ``</body></html>``; the field elements themselves stay intact.
    """
    contact = [f"<a href=tel:{esc(ad.phone_e164)}>{esc(ad.phone)}</a>"]
    if ad.email:
        contact.append(f'<br><a href="mailto:{esc(ad.email)}">{esc(ad.email)}</a>')
    if ad.handle_url:
        contact.append(f'<br><a href="{esc(ad.handle_url)}">{handle_label(ad.handle_url)}</a>')
    return f"""<!DOCTYPE html>
<html lang={esc(ad.lang)}>
<head><meta charset=utf-8><title>Ad - {SITE_NAME}</title>
<body>
<div class=page><div class="wrap">
<nav><a href="/">{SITE_NAME}</a> <b><a href="/ads?page=1">All ads</b></a></nav>
</div></div></div></div>
<ul class=crumbs><li><a href="/bad/">Archive</a><li>Ad</ul>
<article class=ad data-ad-id={esc(ad.ad_id)}>
<table class=meta><tr><td><h1 class="ad-title">{esc(ad.title)}</h1>
<td><span class=ad-id>{esc(ad.ad_id)}</span><td><span class="ad-city">{esc(ad.city)}</span>
<tr><td><time class=ad-date datetime={esc(ad.posted)}>{esc(ad.posted)}</time>
<td><span class="ad-price">{esc(ad.price_text)}</span></b></i>
<td><span class=ad-age>{ad.age}</span> <span class=ad-name>{esc(ad.name)}</span>
</table></div></div>
<p><img class=ad-photo src="{esc(second_host_url + ad.image_path)}" alt="">
<p><div class="ad-text">{esc(ad.text)}</div></div></span></p></p>
<div class=ad-contact>{"".join(contact)}</div></div>
<p class=foot>&copy 2026 {SITE_NAME}
"""


def js_detail_page(ad: TruthAd, second_host_url: str) -> str:
    data = {
        "id": ad.ad_id,
        "title": ad.title,
        "text": ad.text,
        "city": ad.city,
        "posted": ad.posted,
        "price": ad.price_text,
        "age": str(ad.age),
        "name": ad.name,
        "phone": ad.phone,
        "phone_e164": ad.phone_e164,
        "email": ad.email or "",
        "handle": ad.handle_url or "",
        "handle_label": handle_label(ad.handle_url),
        "photo": second_host_url + ad.image_path,
    }
    head = f'<script src="{esc(second_host_url)}/static/tracker.js" async></script>\n'
    body = f"""<main id="app"><p class="loading">Loading...</p></main>
<img class="site-logo" src="{esc(second_host_url)}/img/logo.png" alt="">
<p><a href="/js/">More premium ads</a></p>
<script type="application/json" id="ad-data">{opaque_json(data)}</script>
<script>{_DETAIL_SCRIPT}</script>"""
    return page(f"Premium ad - {SITE_NAME}", body, head=head)


def js_listing_page(ad_ids: list[str], second_host_url: str) -> str:
    head = f'<script src="{esc(second_host_url)}/static/tracker.js" async></script>\n'
    body = f"""<main><h1>Premium ads</h1>
<ul id="ad-list"></ul></main>
<img class="site-logo" src="{esc(second_host_url)}/img/logo.png" alt="">
<script type="application/json" id="ad-index">{json.dumps(ad_ids)}</script>
<script>{_LISTING_SCRIPT}</script>"""
    return page(f"Premium ads - {SITE_NAME}", body, head=head)


def listing_order(truth: GroundTruth) -> list[TruthAd]:
    """Static ads as the listing shows them: newest first, then by id."""
    ads = truth.in_section("static")
    ads.sort(key=lambda ad: ad.ad_id)
    ads.sort(key=lambda ad: ad.posted, reverse=True)
    return ads


class DemoPages:
    """Every page of the demo site, rendered from its ground truth."""

    def __init__(
        self,
        truth: GroundTruth,
        *,
        base_url: str,
        second_host_url: str,
        crawl_delay: float,
        slow_seconds: float,
    ) -> None:
        self.truth = truth
        self.base_url = base_url
        self.second_host_url = second_host_url
        self.crawl_delay = crawl_delay
        self.slow_seconds = slow_seconds
        self.listing = listing_order(truth)
        self.js_ids = [ad.ad_id for ad in truth.in_section("js")]
        self.decoy = generate_decoy(truth.seed)
        self._lock = threading.Lock()
        #: Switches (``DemoSite.change_layout``, ``DemoSite.change_ads``).
        self.layout = "standard"
        self.changed: frozenset[str] = frozenset()
        self._huge: bytes | None = None
        self._binary: bytes | None = None

    # -- entry point ----------------------------------------------------------

    def respond(self, target: str, *, second_host: bool = False) -> Response:
        """The response to a GET of ``target`` (path and query) on one of the hosts."""
        parts = urlsplit(target)
        path = parts.path or "/"
        query = parse_qs(parts.query)
        if second_host:
            return self.second_host(path)
        return self.primary_host(path, query, target)

    # -- the hosts ------------------------------------------------------------

    def primary_host(self, path: str, query: dict[str, list[str]], target: str) -> Response:
        truth = self.truth
        if path == "/":
            return self.html(self.home())
        if path == "/robots.txt":
            return self.text(self.robots())
        if path == truth.truth_path:
            body = json.dumps(truth.to_dict(), ensure_ascii=False, indent=1).encode()
            return Response(200, body, "application/json")
        if path == "/ads":
            return self.listing_page(query.get("page", ["1"])[0])
        if match := _AD_PATH.match(path):
            return self.ad_page(match["id"], "static")
        if path in ("/js", "/js/"):
            return self.html(js_listing_page(self.js_ids, self.second_host_url))
        if match := _JS_AD_PATH.match(path):
            return self.ad_page(match["id"], "js")
        if path == "/members" or path.startswith("/members/"):
            location = f"{self.base_url}{truth.login_path}?next={quote(target, safe='/')}"
            return self.redirect(location)
        if path == truth.login_path:
            return self.html(self.login())
        if path == "/calendar":
            return self.calendar(query.get("date", [""])[0])
        if path == truth.offsite_redirect_path:
            return self.redirect(self.second_host_url + truth.partner_path)
        if path == "/private" or path.startswith("/private/") or path == "/search":
            return self.html(detail_page(self.decoy, self.second_host_url))
        if path.startswith("/bad"):
            return self.bad(path)
        if match := _STATUS_PATH.match(path):
            return self.status(int(match["code"]))
        return self.not_found()

    def second_host(self, path: str) -> Response:
        if path == "/robots.txt":
            return self.text("User-agent: *\nDisallow:\n")
        if path == self.truth.partner_path:
            body = (
                "<main><h1>Partner site</h1><p>Another site on another host.</p>"
                f'<p><a href="{esc(self.base_url)}/">Back to {SITE_NAME}</a></p></main>'
            )
            return self.html(page(f"Partner - {SITE_NAME}", body))
        if path == self.truth.tracker_path:
            return Response(200, TRACKER_JS, "text/javascript; charset=utf-8")
        if match := _IMG_PATH.match(path):
            return Response(200, tiny_png(match["name"]), "image/png")
        return self.not_found()

    # -- pages ----------------------------------------------------------------

    def home(self) -> str:
        links = [
            ("/ads?page=1", "All ads"),
            (self.truth.js_listing_path, "Premium ads"),
            (self.truth.members_path, "Members"),
            (self.truth.calendar_path, "Events calendar"),
            (self.truth.offsite_redirect_path, "Our partner"),
            (self.truth.bad_index_path, "Archive"),
            (self.second_host_url + self.truth.partner_path, "Partner site"),
        ]
        items = "\n".join(
            f'<li><a href="{esc(href)}">{esc(label)}</a></li>' for href, label in links
        )
        body = f"<main><h1>{SITE_NAME}</h1>\n<p>Classified ads.</p>\n<ul>\n{items}\n</ul></main>"
        return page(SITE_NAME, body)

    def robots(self) -> str:
        return (
            "User-agent: *\n"
            "Disallow: /private/\n"
            "Disallow: /search\n"
            f"Disallow: {self.truth.truth_path}\n"
            f"Crawl-delay: {self.crawl_delay:g}\n"
        )

    def current(self, ad: TruthAd) -> TruthAd:
        """The ad as the site shows it now: a changed ad has a new title, text and date."""
        if ad.ad_id not in self.changed:
            return ad
        posted = (date.fromisoformat(ad.posted) + timedelta(days=1)).isoformat()
        return replace(ad, title=f"{ad.title} (updated)", text=f"{ad.text} Updated.", posted=posted)

    def with_layout(self, markup: str) -> str:
        if self.layout == "changed":
            for old, new in _LAYOUT_V2:
                markup = markup.replace(old, new)
        return markup

    def listing_page(self, raw_page: str) -> Response:
        pages = len(self.truth.listing_pages)
        if not raw_page.isdigit() or not 1 <= int(raw_page) <= pages:
            return self.not_found()
        number = int(raw_page)
        ads = [
            self.current(ad) for ad in self.listing[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
        ]
        cards = "\n".join(
            f'<li class="ad-card"><a class="ad-link" href="{esc(ad.url)}">{esc(ad.title)}</a> '
            f'<span class="card-city">{esc(ad.city)}</span> '
            f'<span class="card-date">{esc(ad.posted)}</span></li>'
            for ad in ads
        )
        pager = []
        if number > 1:
            pager.append(f'<a rel="prev" class="prev" href="/ads?page={number - 1}">previous</a>')
        if number < pages:
            pager.append(f'<a rel="next" class="next" href="/ads?page={number + 1}">next</a>')
        extra = [
            '<a href="/members/inbox">Inbox</a>',
            '<a href="/private/">Private gallery</a>',
            '<a href="/search?q=x">Search</a>',
        ]
        if number == pages:
            extra.append(f'<a href="{self.truth.bad_index_path}">Archive</a>')
        body = (
            f'<main><h1>Ads - page {number} of {pages}</h1>\n<ul class="ads">\n{cards}\n</ul>\n'
            f'<nav class="pager">{" ".join(pager)}</nav>\n'
            f'<p class="more">{" | ".join(extra)}</p></main>'
        )
        return self.html(self.with_layout(page(f"Ads - page {number} - {SITE_NAME}", body)))

    def ad_page(self, ad_id: str, section: str) -> Response:
        ad = self.truth.ads.get(ad_id)
        if ad is None or ad.section != section:
            return self.not_found()
        ad = self.current(ad)
        if section == "js":
            return self.html(js_detail_page(ad, self.second_host_url))
        body = self.with_layout(detail_page(ad, self.second_host_url)).encode("utf-8")
        # Validators, so a recrawl can ask "changed since?" (answered 304 by the server).
        validators = (
            ("ETag", '"' + hashlib.sha256(body).hexdigest()[:20] + '"'),
            ("Last-Modified", f"{date.fromisoformat(ad.posted):%a, %d %b %Y} 00:00:00 GMT"),
        )
        return Response(200, body, HTML, headers=validators)

    def login(self) -> str:
        body = """<main><h1>Members login</h1>
<form class="login" method="post" action="/login">
<label>E-mail <input type="email" name="email"></label>
<label>Password <input type="password" name="password"></label>
<button type="submit">Log in</button>
</form></main>"""
        return page(f"Login - {SITE_NAME}", body)

    def calendar(self, raw_date: str) -> Response:
        if not _DATE.match(raw_date):
            return self.not_found()
        try:
            day = date.fromisoformat(raw_date)
        except ValueError:
            return self.not_found()
        prev_day, next_day = day - timedelta(days=1), day + timedelta(days=1)
        body = (
            f"<main><h1>Events on {day.isoformat()}</h1><p>No events on this day.</p>\n"
            f'<nav><a rel="prev" href="/calendar?date={prev_day.isoformat()}">previous day</a> '
            f'<a rel="next" href="/calendar?date={next_day.isoformat()}">next day</a></nav></main>'
        )
        return self.html(page(f"Calendar {day.isoformat()} - {SITE_NAME}", body))

    def bad(self, path: str) -> Response:
        truth = self.truth
        if path in ("/bad", truth.bad_index_path):
            links = [
                truth.malformed_path,
                truth.huge_path,
                truth.binary_path,
                truth.cp1250_path,
                truth.error_path,
                truth.slow_path,
            ]
            items = "\n".join(f'<li><a href="{href}">{href}</a></li>' for href in links)
            return self.html(
                page(
                    f"Archive - {SITE_NAME}", f"<main><h1>Archive</h1>\n<ul>\n{items}\n</ul></main>"
                )
            )
        if path == truth.malformed_path:
            ad = self.bad_ad(truth.malformed_path)
            return self.html(malformed_page(ad, self.second_host_url))
        if path == truth.cp1250_path:
            ad = self.bad_ad(truth.cp1250_path)
            return Response(200, cp1250_page(ad, self.second_host_url), "text/html")
        if path == truth.huge_path:
            return Response(200, self.huge(), HTML)
        if path == truth.binary_path:
            return Response(200, self.binary(), "text/html")
        if path == truth.error_path:
            return self.status(500)
        if path == truth.slow_path:
            body = page(f"Slow page - {SITE_NAME}", "<main><p>Sorry for the wait.</p></main>")
            return Response(200, body.encode(), HTML, delay=self.slow_seconds)
        return self.not_found()

    def bad_ad(self, url: str) -> TruthAd:
        return next(ad for ad in self.truth.in_section("bad") if ad.url == url)

    def huge(self) -> bytes:
        with self._lock:
            if self._huge is None:
                self._huge = build_huge_page(self.truth.seed)
            return self._huge

    def binary(self) -> bytes:
        with self._lock:
            if self._binary is None:
                self._binary = random.Random(f"binary:{self.truth.seed}").randbytes(BINARY_BYTES)
            return self._binary

    # -- responses ------------------------------------------------------------

    @staticmethod
    def html(text: str, status: int = 200) -> Response:
        return Response(status, text.encode("utf-8"), HTML)

    @staticmethod
    def text(text: str) -> Response:
        return Response(200, text.encode("utf-8"), "text/plain; charset=utf-8")

    @staticmethod
    def redirect(location: str) -> Response:
        body = page("Moved", f'<p>Moved to <a href="{esc(location)}">{esc(location)}</a>.</p>')
        return Response(302, body.encode(), HTML, headers=(("Location", location),))

    @staticmethod
    def status(code: int) -> Response:
        if not 200 <= code <= 599:
            return DemoPages.not_found()
        if code in _NO_BODY_STATUSES:
            return Response(code, b"", None)
        return DemoPages.html(page(f"HTTP {code}", f"<main><h1>HTTP {code}</h1></main>"), code)

    @staticmethod
    def not_found() -> Response:
        return DemoPages.html(page("Not found", "<main><h1>Not found</h1></main>"), 404)


_FILLER_WORDS = (
    "archive", "notice", "listing", "expired", "moved", "category", "season", "offer",
    "update", "market", "city", "street", "garden", "bicycle", "furniture", "kitchen",
    "lamp", "table", "chair", "window", "door", "service", "weekly", "monthly",
    "contact", "details", "removed", "page", "section", "index", "overview", "summary",
)  # fmt: skip


def build_huge_page(seed: int, size: int = HUGE_BYTES) -> bytes:
    """A text/html page of at least ``size`` bytes (a few KB more) of harmless filler."""
    rng = random.Random(f"huge:{seed}")
    block = "\n".join(
        "<p>" + " ".join(rng.choice(_FILLER_WORDS) for _ in range(60)) + ".</p>" for _ in range(10)
    )
    head = page(f"Archive - {SITE_NAME}", "").split("</body>")[0]
    tail = "</body>\n</html>\n"
    parts = [head]
    length = len(head) + len(tail)
    number = 0
    while length < size:
        number += 1
        chunk = f'<section id="s{number}">\n{block}\n</section>\n'
        parts.append(chunk)
        length += len(chunk)
    return ("".join(parts) + tail).encode("ascii")
