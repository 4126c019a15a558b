"""The bundled demo ad site: synthetic classified ads served on loopback.

Every test, benchmark and ``lcom demo`` crawls this site instead of the
internet. The ads are generated deterministically from a seed
(:func:`generate_ground_truth`); the server (:class:`DemoSite`) renders them and
records every request it answers.

Usage::

    from crawler.demosite import DemoSite

    with DemoSite(port=0, ads=120, seed=7, crawl_delay=0.05, slow_seconds=3.0) as site:
        site.base_url          # "http://127.0.0.1:<port>"  (primary host)
        site.second_host_url   # "http://localhost:<port>"  (same server, other host name)
        site.ground_truth      # GroundTruth, also served at /_truth.json
        site.request_log       # snapshot list of RequestRecord
        site.clear_request_log()

From a shell: ``python -m crawler.demosite --port 8000 --ads 120 --seed 7`` or
``lcom demo-site --port 8000 --ads 120 --seed 7 [--crawl-delay 0.05]``.

Site map (paths are part of the API)
------------------------------------
Primary host (``base_url``):

``/``
    Home: links to ``/ads?page=1``, ``/js/``, ``/members/``,
    ``/calendar?date=2026-11-01``, ``/go/partner``, ``/bad/`` and the second
    host's ``/partner/``.
``/robots.txt``
    ``User-agent: *``, ``Disallow: /private/``, ``Disallow: /search``,
    ``Disallow: /_truth.json``, ``Crawl-delay: <crawl_delay>``.
``/_truth.json``
    The ground truth as JSON (``GroundTruth.to_dict()``); disallowed in robots.txt.
``/ads?page=N``
    Listing of the static ads, 10 per page, newest first:
    ``<a class="ad-link" href="/ad/<id>">``, ``<a rel="next" class="next"
    href="/ads?page=N+1">`` (absent on the last page), links to
    ``/members/inbox``, ``/private/`` and ``/search?q=x``; the last page also
    links to ``/bad/``. Pages beyond the last answer 404.
``/ad/<id>``
    Static detail page: ``article[data-ad-id]``, ``h1.ad-title``,
    ``div.ad-text``, ``span.ad-city``, ``time.ad-date[datetime]``,
    ``span.ad-price``, ``span.ad-age``, ``span.ad-name``, ``div.ad-contact``
    with ``a[href^="tel:"]`` (href holds E.164, text the printed phone),
    ``a[href^="mailto:"]`` and a ``https://wa.me/...`` or ``https://t.me/...``
    link when the ad has them, and ``img.ad-photo`` whose src is on the
    second host (``http://localhost:<port>/img/<id>.png``).
``/js/``
    JavaScript listing: the static HTML has no ad links; an inline script
    renders ``<a class="ad-link" href="/js/ad/<id>">`` into ``ul#ad-list``.
``/js/ad/<id>``
    JavaScript detail page: the ad is in inline JSON whose strings are fully
    ``\\uXXXX``-escaped (the static HTML contains none of the ad's words) and a
    script renders the same markup as ``/ad/<id>`` into ``main#app``. Both
    JavaScript pages load ``http://localhost:<port>/static/tracker.js`` and
    ``http://localhost:<port>/img/logo.png`` (sub-requests to another host).
``/members/...``
    302 to ``/login?next=<path>``.
``/login``
    A login wall: a ``<form>`` with a password input. Never serves ads.
``/calendar?date=YYYY-MM-DD``
    Crawler trap: links to the previous and next day, forever.
``/go/partner``
    302 to ``http://localhost:<port>/partner/`` (off-site redirect).
``/private/...``, ``/search?q=...``
    Ad-like pages (a decoy ad, not in the ground truth) that only a crawler
    ignoring robots.txt fetches.
``/bad/``
    Index of the broken pages below.
``/bad/malformed``
    An ad (ground truth section ``"bad"``) in badly broken HTML.
``/bad/huge``
    About 6 MB of text/html.
``/bad/binary``
    64 KB of random bytes served as text/html.
``/bad/cp1250``
    An ad (section ``"bad"``) in Polish or Hungarian encoded windows-1250; the
    charset is only in ``<meta http-equiv="Content-Type">``, not in the HTTP header.
``/bad/error``
    HTTP 500.
``/bad/slow``
    Answers after ``slow_seconds``.
``/status/<code>``
    Answers with that status (200-599; not linked).

Second host (``second_host_url``): ``/robots.txt`` (allows everything),
``/partner/``, ``/img/<name>.png`` (a tiny valid PNG) and
``/static/tracker.js``.

Anything else is 404. Only GET and HEAD are served (others: 405).
"""

from crawler.demosite.generator import generate_ground_truth
from crawler.demosite.server import DemoSite, DemoSiteError, RequestRecord
from crawler.demosite.truth import GroundTruth, TruthAd
from pipelines.engine.categories import CATEGORIES

__all__ = [
    "CATEGORIES",
    "DemoSite",
    "DemoSiteError",
    "GroundTruth",
    "RequestRecord",
    "TruthAd",
    "generate_ground_truth",
]
