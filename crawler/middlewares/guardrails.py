"""Guardrail enforcement: every request the crawler makes is checked against the permit.

The legal limits come from the policy (``legal_guardrails``, no Scrapy) as a
``SourcePermit``; this module enforces them inside Scrapy:

``Guardrails``
    The shared enforcement state of one crawl (one per crawler, see
    :func:`guardrails_for`): the permit, an injectable clock, the page counter,
    per-host delays and the stop state. Once a source is stopped (kill switch,
    stop status, login wall, page cap, expired authorisation, crawl hours over)
    every further request is blocked and the spider is closed with an
    ``lcom_*`` reason.
``GuardrailsMiddleware`` (downloader middleware, priority 50)
    Checks every request before robots.txt (100) and before it is queued for
    download, including redirect targets (they re-enter the downloader
    middlewares) and robots.txt fetches. Sees the final response of every
    request (after redirects) for login walls. A robots.txt answered with a
    5xx or 429 is read as "disallow everything"; one that cannot be fetched at
    all blocks its host for the rest of the run (``robots_unreachable``).
``GuardrailsGate`` (downloader middleware, priority 800)
    The last check before a request is queued for download, after robots.txt:
    counts the page cap over requests really let through, blocks requests of a
    source stopped while they waited in the chain (for robots.txt, say), and
    sets the permit's User-Agent. Sees every response first, before retry and
    redirect, so a stop status code stops the source before any retry.
``DepthGuardMiddleware`` (spider middleware, priority 950)
    Drops links beyond the permit's depth before Scrapy's own ``DEPTH_LIMIT``
    does, so the block is counted (and ``max_depth: 0`` means zero).
``BrowserRequestGuard``
    The ``PLAYWRIGHT_ABORT_REQUEST`` callable: aborts every browser
    sub-request the permit refuses, and images, media and fonts unless the
    media policy needs them. :func:`abort_everything` is the fail-closed
    default until the runtime installs the guard.

Every block raises ``IgnoreRequest`` (or aborts the browser request),
increments ``lcom/guardrails/blocked/<rule>`` and logs the rule and the URL
(:func:`loggable_url`: off-host URLs only as scheme, host and a hash), never
page content. Rules: see :data:`RULES`.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Request, Response
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware
from scrapy.utils.defer import deferred_from_coro

from crawler import jobstate
from crawler.runtime import get_runtime
from legal_guardrails.permit import normalise_url

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.robotstxt import RobotParser
    from scrapy.statscollectors import StatsCollector

    from legal_guardrails.policy import SourcePermit

logger = logging.getLogger(__name__)

STAT_PREFIX = "lcom/guardrails/blocked/"

#: Every rule a request can be blocked by; browser sub-requests use ``browser_<rule>``.
RULES: tuple[str, ...] = (
    "scheme",
    "host",
    "deny_pattern",
    "allow_pattern",
    "robots",
    "robots_unreachable",
    "depth",
    "page_cap",
    "hours",
    "authorisation_expired",
    "authorisation_withdrawn",
    "javascript",
    "kill_switch",
    "stop_status",
    "login_wall",
)
#: Rules that stop the whole source, with the reason the spider is closed with.
STOP_REASONS: dict[str, str] = {
    "page_cap": "lcom_page_cap",
    "hours": "lcom_outside_hours",
    "authorisation_expired": "lcom_authorisation_expired",
    "authorisation_withdrawn": "lcom_authorisation_withdrawn",
    "kill_switch": "lcom_kill_switch",
    "login_wall": "lcom_login_wall",
    "rate_unverifiable": "lcom_rate_unverifiable",
    # stop_status: "lcom_stop_status_<code>"
}
#: Browser resource types that are only loaded when the media policy needs them.
MEDIA_RESOURCE_TYPES = frozenset({"image", "media", "font"})

_PASSWORD_INPUT = re.compile(rb"<input\b[^>]*\btype\s*=\s*[\"']?password\b", re.IGNORECASE)
_CAPTCHA_MARKERS = re.compile(rb"g-recaptcha|h-captcha|cf-turnstile", re.IGNORECASE)


#: What a robots.txt that could not be read (5xx, 429) is replaced with (RFC 9309 2.3.1.4).
DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"


def loggable_url(url: str, permit: SourcePermit) -> str:
    """``url`` as it may appear in a log line.

    URLs on the permit's own hosts are logged in full; any other URL (a
    ``https://wa.me/<number>`` link, say) can carry contact details, so only its
    scheme, host and a short SHA-256 of the rest are logged.
    """
    if permit.host_allowed(url):
        return url
    try:
        parts = urlsplit(url)
        scheme, host = parts.scheme, parts.hostname or ""
    except ValueError:
        scheme, host = "", ""
    digest = hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"{scheme or '?'}://{host or '?'}/…#sha256:{digest}"


_URL_START = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
#: Scrapy loggers that print request URLs, redirect targets included (at DEBUG).
URL_LOGGERS = ("scrapy.downloadermiddlewares.redirect", "scrapy.downloadermiddlewares.retry")


class OffHostUrlFilter(logging.Filter):
    """Rewrites requests and URLs in Scrapy's log records with :func:`loggable_url`.

    Scrapy's redirect middleware logs "Redirecting (302) to <GET url>" before
    lcom checks the target, which may be a contact link on another host.
    """

    def __init__(self, permit: SourcePermit) -> None:
        super().__init__()
        self.permit = permit

    def _safe(self, value: Any) -> Any:
        if isinstance(value, Request):
            return f"<{value.method} {loggable_url(value.url, self.permit)}>"
        if isinstance(value, Response):
            return f"<{value.status} {loggable_url(value.url, self.permit)}>"
        if isinstance(value, str) and _URL_START.match(value):
            return loggable_url(value, self.permit)
        return value

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, dict):
            record.args = {key: self._safe(value) for key, value in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(self._safe(value) for value in record.args)
        return True


def utc_now() -> datetime:
    return datetime.now(UTC)


def looks_like_login_wall(body: bytes) -> bool:
    """A page that asks for a password or a captcha: public access ends here."""
    return bool(_PASSWORD_INPUT.search(body) or _CAPTCHA_MARKERS.search(body))


def is_robots_txt(request: Request) -> bool:
    """The robots.txt fetch Scrapy's RobotsTxtMiddleware makes (exempt from patterns and cap)."""
    parts = urlsplit(request.url)
    return parts.path == "/robots.txt" and not parts.query


@dataclass(frozen=True)
class Stop:
    rule: str
    reason: str


class Guardrails:
    """The enforcement state of one crawl; Scrapy-free apart from the callbacks it is given.

    ``now`` returns an aware datetime (tests move time with it); ``on_block``
    and ``on_stop`` are wired to the stats and the engine by :func:`guardrails_for`.
    """

    def __init__(
        self,
        permit: SourcePermit,
        *,
        now: Callable[[], datetime] = utc_now,
        browser_media: bool = False,
        on_block: Callable[[str], None] | None = None,
        on_stop: Callable[[Stop], None] | None = None,
        on_admit: Callable[[int], None] | None = None,
        pages_already: int = 0,
    ) -> None:
        self.permit = permit
        self.on_admit = on_admit
        self.now = now
        self.browser_media = browser_media
        self.on_block = on_block
        self.on_stop = on_stop
        self.stopped: Stop | None = None
        #: Pages counted against ``pages_per_run``; a resumed job starts where it was.
        self.pages_let_through = pages_already
        self.base_delay = 1.0 / permit.requests_per_second
        #: Per-host delay (seconds) once the host's robots.txt has been read.
        self.host_delays: dict[str, float] = {}
        #: Hosts (``netloc``) whose robots.txt could not be fetched: nothing more is fetched.
        self.robots_unreachable: set[str] = set()
        #: Parsed robots.txt per ``netloc``, for the second robots.txt check at the gate.
        self.robots_parsers: dict[str, RobotParser] = {}

    # -- outcomes --------------------------------------------------------------
    def block(self, rule: str, url: str) -> str:
        """Record one blocked request; returns ``rule``."""
        if self.on_block is not None:
            self.on_block(rule)
        logger.info("guardrail %s blocked %s", rule, loggable_url(url, self.permit))
        return rule

    def mark_robots_unreachable(self, url: str) -> None:
        """The robots.txt at ``url`` could not be fetched: treat its host as disallowed."""
        netloc = urlsplit(url).netloc.lower()
        if netloc not in self.robots_unreachable:
            self.robots_unreachable.add(netloc)
            logger.warning(
                "robots.txt of %s could not be fetched: nothing more is fetched from it", netloc
            )

    def _robots_rule(self, url: str, robots: bool) -> str | None:
        if robots or not self.permit.obey_robots_txt:
            return None
        if urlsplit(url).netloc.lower() in self.robots_unreachable:
            return "robots_unreachable"
        return None

    def _robots_gate(self, url: str, robots: bool) -> str | None:
        """``robots`` when the host's parsed robots.txt disallows ``url``.

        The second check, at the gate: Scrapy's RobotsTxtMiddleware hands the
        parsed robots.txt to the first request that waited for it and ``None``
        ("allow") to every other request that waited at the same time, so
        requests taken together before robots.txt was read (a worker joining a
        run, several start URLs) would pass unchecked.
        """
        if robots or not self.permit.obey_robots_txt:
            return None
        parser = self.robots_parsers.get(urlsplit(url).netloc.lower())
        if parser is None or parser.allowed(url, self.permit.user_agent):
            return None
        return "robots"

    def stop(self, rule: str, reason: str | None = None) -> bool:
        """Stop the source for good; True the first time."""
        if self.stopped is not None:
            return False
        self.stopped = Stop(rule, reason or STOP_REASONS[rule])
        logger.warning("guardrail %s stops the source: closing (%s)", rule, self.stopped.reason)
        if self.on_stop is not None:
            self.on_stop(self.stopped)
        return True

    # -- checks ----------------------------------------------------------------
    def check_time(self) -> str | None:
        """The rule that forbids crawling at this moment, stopping the source; or None."""
        if self.stopped is not None:
            return self.stopped.rule
        now = self.now()
        if not self.permit.is_valid_at(now):
            self.stop("authorisation_expired")
            return "authorisation_expired"
        if not self.permit.within_hours(now):
            self.stop("hours")
            return "hours"
        return None

    def check_request(
        self, url: str, *, depth: int = 0, javascript: bool = False, robots: bool = False
    ) -> str | None:
        """The rule that blocks this request (already counted), or None when it may go on.

        ``robots`` marks Scrapy's robots.txt fetch: the URL patterns do not apply
        to it (reading the site's rules is not reading its pages), the host does.
        """
        rule = self.check_time()
        if rule is None:
            decision = self.permit.check_url(url)
            if not decision.allowed and not (robots and decision.rule.endswith("_pattern")):
                rule = decision.rule
            elif javascript and not self.permit.javascript_rendering:
                rule = "javascript"
            elif depth > self.permit.max_depth:
                rule = "depth"
            else:
                rule = self._robots_rule(url, robots)
        return None if rule is None else self.block(rule, url)

    def admit(self, url: str, *, robots: bool = False) -> str | None:
        """The last check before a request is queued for download: stop state and page cap.

        Every request admitted here counts towards ``pages_per_run``, except
        robots.txt fetches; the first one over the cap is blocked and stops the source.
        """
        rule = self.check_time() or self._robots_rule(url, robots) or self._robots_gate(url, robots)
        if rule is None and not robots:
            if self.pages_let_through >= self.permit.pages_per_run:
                self.stop("page_cap")
                rule = "page_cap"
            else:
                self.pages_let_through += 1
                if self.on_admit is not None:
                    self.on_admit(self.pages_let_through)
        return None if rule is None else self.block(rule, url)

    def check_response(self, url: str, status: int, body: bytes | None) -> str | None:
        """Stop the source on a stop status or a login wall; the rule (counted) or None.

        ``body`` is given for HTML responses only.
        """
        rule = self.check_status(url, status)
        if rule is not None:
            return rule
        if body is not None and looks_like_login_wall(body):
            self.stop("login_wall")
            return self.block("login_wall", url)
        return None

    def check_status(self, url: str, status: int) -> str | None:
        """Stop the source on a stop status code; ``stop_status`` (counted) or None."""
        if status in self.permit.stop_status_codes:
            if self.stopped is None:
                self.stop("stop_status", f"lcom_stop_status_{status}")
            return self.block("stop_status", url)
        return None

    def check_browser_request(self, url: str, resource_type: str) -> str | None:
        """The rule (``browser_<rule>``, counted) that aborts a browser sub-request, or None."""
        rule = self.check_time()
        if rule is None:
            decision = self.permit.check_url(url)
            if not decision.allowed:
                rule = decision.rule
            elif resource_type in MEDIA_RESOURCE_TYPES and not self.browser_media:
                rule = "media"
        return None if rule is None else self.block(f"browser_{rule}", url)

    def crawl_delay_for(self, host: str, robots_delay: float | None) -> float:
        """Record and return the per-host delay: the permit's rate, or a longer Crawl-delay."""
        delay = self.base_delay
        if robots_delay and self.permit.honour_crawl_delay:
            delay = max(delay, float(robots_delay))
        self.host_delays[host] = delay
        return delay


def guardrails_for(crawler: Crawler) -> Guardrails:
    """The crawl's :class:`Guardrails`, created on first use from the crawl runtime.

    Fails (never switches off) when the crawl has no lcom runtime.
    """
    existing: Guardrails | None = getattr(crawler, "lcom_guardrails", None)
    if existing is not None:
        return existing
    runtime = get_runtime(crawler)

    def count(rule: str) -> None:
        try:
            stats = crawler.stats
        except RuntimeError:  # before the crawl started; the block is still logged
            return
        if stats is not None:
            stats.inc_value(STAT_PREFIX + rule)

    frontier = getattr(crawler, "lcom_frontier", None)

    def close(stop: Stop) -> None:
        if frontier is not None:  # several workers: every one of them stops
            publish_stop(frontier, stop)
        engine = _engine(crawler)
        if engine is None:  # not crawling yet: the next request is blocked anyway
            return
        drain_download_queues(crawler, stop.rule)
        deferred = deferred_from_coro(engine.close_spider_async(reason=stop.reason))
        deferred.addErrback(
            lambda failure: logger.error(
                "could not close the spider (%s)",
                stop.reason,
                exc_info=(failure.type, failure.value, failure.getTracebackObject()),
            )
        )

    on_admit = None
    if runtime.jobdir is not None:
        jobdir = runtime.jobdir

        def on_admit(pages: int) -> None:
            jobstate.record_pages(jobdir, runtime.run_id, runtime.source.id, pages)

    guardrails = Guardrails(
        runtime.permit,
        browser_media=runtime.permit.media != "none",
        on_block=count,
        on_stop=close,
        on_admit=on_admit,
        pages_already=runtime.pages_already,
    )
    crawler.lcom_guardrails = guardrails  # type: ignore[attr-defined]
    url_filter = OffHostUrlFilter(runtime.permit)
    for name in URL_LOGGERS:
        logging.getLogger(name).addFilter(url_filter)
    return guardrails


def publish_stop(frontier: Any, stop: Stop) -> None:
    """Tell every worker of the run that the source stopped (the shared stop key)."""
    from crawler.frontier import REDIS_DOWN

    try:
        frontier.publish_stop(stop.rule, stop.reason)
    except REDIS_DOWN:
        # The other workers stop through their own checks; the requests of this
        # one are blocked from now on anyway.
        logger.error("Redis unreachable: could not tell the other workers to stop (%s)", stop.rule)


def _engine(crawler: Crawler) -> Any:
    """The crawler's engine, or None before Scrapy created it."""
    try:
        return crawler.engine
    except (AttributeError, RuntimeError):
        return None


def drain_download_queues(crawler: Crawler, rule: str) -> None:
    """Fail every request still waiting in a download slot (they are not on the wire yet).

    Requests wait there for the per-host delay after all middlewares ran; a
    stop must reach them too. Transfers already in progress cannot be recalled.
    """
    downloader = getattr(_engine(crawler), "downloader", None)
    for slot in list(getattr(downloader, "slots", {}).values()):
        while slot.queue:
            request, deferred = slot.queue.popleft()
            if crawler.stats is not None:
                crawler.stats.inc_value(STAT_PREFIX + rule)
            logger.info(
                "guardrail %s blocked %s", rule, loggable_url(request.url, crawler_permit(crawler))
            )
            deferred.errback(IgnoreRequest(f"blocked by guardrail {rule}"))


def crawler_permit(crawler: Crawler) -> SourcePermit:
    return guardrails_for(crawler).permit


def abort_everything(request: Any) -> bool:
    """Fail-closed ``PLAYWRIGHT_ABORT_REQUEST`` until the runtime binds the permit."""
    return True


#: Browser context options for every rendered page: service workers fetch
#: outside the page's request routing, so they are never registered.
BROWSER_CONTEXT_KWARGS: dict[str, Any] = {"service_workers": "block"}
#: ``playwright_page_init_callback`` of every rendered page (a path: meta stays picklable).
BROWSER_PAGE_INIT = "crawler.middlewares.guardrails.guard_browser_page"
#: The guard of the crawl running in this process (one crawl per process: Twisted).
_active_browser_guard: BrowserRequestGuard | None = None


def host_resolver_rules(hosts: frozenset[str] | set[str]) -> str:
    """Chromium's switch that resolves no host name but the permit's (the last fence)."""
    excluded = "".join(f" , EXCLUDE {host}" for host in sorted(hosts))
    return f"--host-resolver-rules=MAP * ~NOTFOUND{excluded}"


async def guard_browser_page(page: Any, request: Any) -> None:
    """Page init callback: WebSockets reach the permit's hosts only, never others.

    Playwright's request routing (``PLAYWRIGHT_ABORT_REQUEST``) does not see
    WebSockets; a WebSocket route that is not connected to the server never
    opens a connection. Without a crawl's guard every WebSocket stays closed.
    """
    guard = _active_browser_guard

    async def route(websocket: Any) -> None:
        if guard is not None and guard.allows_websocket(str(websocket.url)):
            websocket.connect_to_server()
        else:
            await websocket.close()

    await page.route_web_socket("**", route)


class BrowserRequestGuard:
    """``PLAYWRIGHT_ABORT_REQUEST``: True aborts a request the browser is about to make."""

    def __init__(self, guardrails: Guardrails) -> None:
        self.guardrails = guardrails

    def install(self) -> BrowserRequestGuard:
        """Make this the guard of the WebSockets of rendered pages in this process."""
        global _active_browser_guard
        _active_browser_guard = self
        return self

    def allows_websocket(self, url: str) -> bool:
        """A ``ws``/``wss`` URL is checked as the ``http``/``https`` URL of the same place."""
        scheme, sep, rest = url.partition("://")
        web = {"ws": "http", "wss": "https"}.get(scheme.lower())
        if not sep or web is None:
            self.guardrails.block("browser_scheme", url)
            return False
        return self.guardrails.check_browser_request(f"{web}://{rest}", "websocket") is None

    def __call__(self, request: Any) -> bool:
        return (
            self.guardrails.check_browser_request(str(request.url), str(request.resource_type))
            is not None
        )


class GuardrailsMiddleware:
    """Downloader middleware (priority 50): checks every request and every final response."""

    def __init__(self, guardrails: Guardrails, stats: StatsCollector, crawler: Crawler) -> None:
        self.guardrails = guardrails
        self.stats = stats
        self.crawler = crawler
        self._robots_forbidden_seen = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> GuardrailsMiddleware:
        assert crawler.stats is not None
        middleware = cls(guardrails_for(crawler), crawler.stats, crawler)
        crawler.signals.connect(middleware.robots_parsed, signal=signals.robots_parsed)
        return middleware

    def process_request(self, request: Request) -> Request | None:
        robots = is_robots_txt(request)
        if not robots:
            normalised = normalise_url(request.url)
            if normalised != request.url:
                # Fetch the path the server resolves ('//private/', '/./private/',
                # '/x/../private/', '/%2e/private/' are '/private/'), so robots.txt and
                # the deny patterns judge what is really fetched.
                return request.replace(url=normalised)
        if not robots and self.guardrails.permit.obey_robots_txt:
            # Only Scrapy's own robots.txt fetch may skip the robots.txt check.
            request.meta.pop("dont_obey_robotstxt", None)
        rule = self.guardrails.check_request(
            request.url,
            depth=int(request.meta.get("depth", 0)),
            javascript=bool(request.meta.get("playwright")),
            robots=robots,
        )
        if rule is not None:
            raise IgnoreRequest(f"blocked by guardrail {rule}")
        self._apply_host_delay(request)
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        if response.url != request.url:
            # A browser follows redirects itself; check where it ended up.
            decision = self.guardrails.permit.check_url(response.url)
            if not decision.allowed:
                self.guardrails.block(decision.rule, response.url)
                raise IgnoreRequest(f"blocked by guardrail {decision.rule}")
        body = response.body if isinstance(response, HtmlResponse) else None
        rule = self.guardrails.check_response(response.url, response.status, body)
        if rule is not None:
            raise IgnoreRequest(f"blocked by guardrail {rule}")
        if (
            is_robots_txt(request)
            and self.guardrails.permit.obey_robots_txt
            and (response.status >= 500 or response.status == 429)
        ):
            # RFC 9309: an unreachable robots.txt disallows everything (Scrapy would
            # parse the error page and allow everything).
            logger.warning(
                "robots.txt of %s answered %s: treating the site as disallowed",
                urlsplit(request.url).netloc,
                response.status,
            )
            return response.replace(body=DISALLOW_ALL)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        if isinstance(exception, IgnoreRequest):
            self._count_robots_blocks(request)
        elif is_robots_txt(request) and self.guardrails.permit.obey_robots_txt:
            # Scrapy allows everything when robots.txt cannot be fetched: lcom does not.
            self.guardrails.mark_robots_unreachable(request.url)

    # -- robots.txt ------------------------------------------------------------
    def _count_robots_blocks(self, request: Request) -> None:
        """Mirror RobotsTxtMiddleware's refusals as ``lcom/guardrails/blocked/robots``."""
        forbidden = int(self.stats.get_value("robotstxt/forbidden", 0))
        new = forbidden - self._robots_forbidden_seen
        self._robots_forbidden_seen = forbidden
        for _ in range(new):
            self.guardrails.block("robots", request.url)

    def robots_parsed(self, robotparser: RobotParser, request: Request) -> None:
        """Raise the host's download delay to its robots.txt Crawl-delay when it is longer."""
        self.guardrails.robots_parsers[urlsplit(request.url).netloc.lower()] = robotparser
        crawl_delay = robotparser.crawl_delay(self.guardrails.permit.user_agent)
        host = self._slot_key(request)
        delay = self.guardrails.crawl_delay_for(host, crawl_delay)
        logger.info(
            "robots.txt of %s read: Crawl-delay %s, delay between requests %.2f s",
            host,
            crawl_delay,
            delay,
        )
        self._apply_host_delay(request)

    def _slot_key(self, request: Request) -> str:
        downloader = getattr(_engine(self.crawler), "downloader", None)
        if downloader is not None:
            return str(downloader.get_slot_key(request))
        return urlsplit(request.url).hostname or ""

    def _apply_host_delay(self, request: Request) -> None:
        key = self._slot_key(request)
        delay = self.guardrails.host_delays.get(key)
        if delay is None:
            return
        downloader = getattr(_engine(self.crawler), "downloader", None)
        slot = getattr(downloader, "slots", {}).get(key)
        if slot is not None and slot.delay < delay:
            slot.delay = delay


class GuardrailsGate:
    """Downloader middleware (priority 800): stop state and page cap, just before queueing."""

    def __init__(self, guardrails: Guardrails) -> None:
        self.guardrails = guardrails

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> GuardrailsGate:
        return cls(guardrails_for(crawler))

    def process_request(self, request: Request) -> None:
        rule = self.guardrails.admit(request.url, robots=is_robots_txt(request))
        if rule is not None:
            raise IgnoreRequest(f"blocked by guardrail {rule}")
        # The permit's User-Agent, whatever a header setting or middleware put there.
        request.headers[b"User-Agent"] = self.guardrails.permit.user_agent

    def process_response(self, request: Request, response: Response) -> Response:
        """Stop codes are seen here, before Scrapy's retry (550) and redirect (600)."""
        rule = self.guardrails.check_status(response.url, response.status)
        if rule is not None:
            raise IgnoreRequest(f"blocked by guardrail {rule}")
        return response


class DepthGuardMiddleware(BaseSpiderMiddleware):
    """Spider middleware (priority 950, before Scrapy's DepthMiddleware at 900).

    Drops links deeper than the permit's ``max_depth`` and counts them.
    """

    def __init__(self, crawler: Crawler, guardrails: Guardrails | None = None) -> None:
        super().__init__(crawler)
        self.guardrails = guardrails or guardrails_for(crawler)

    def get_processed_request(self, request: Request, response: Response | None) -> Request | None:
        if response is None:
            return request  # start requests have depth 0
        depth = int(response.meta.get("depth", 0)) + 1
        if depth > self.guardrails.permit.max_depth:
            self.guardrails.block("depth", request.url)
            return None
        return request


def blocked_counts(stats: dict[str, Any]) -> dict[str, int]:
    """``{rule: count}`` from a stats dict."""
    return {
        key[len(STAT_PREFIX) :]: int(value)
        for key, value in sorted(stats.items())
        if key.startswith(STAT_PREFIX) and isinstance(value, int)
    }
