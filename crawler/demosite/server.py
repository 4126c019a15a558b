"""The demo ad site's HTTP server: stdlib, loopback only, in a background thread.

One ``ThreadingHTTPServer`` bound to 127.0.0.1 answers for two host names: the
primary host ``127.0.0.1`` and the "other host" ``localhost``, told apart by the
``Host`` header. Each request is recorded (host, path, user agent, status) for
tests to inspect; nothing of the ads' content is logged.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, TextIO

from crawler.demosite.generator import generate_ground_truth
from crawler.demosite.pages import DemoPages, Response
from crawler.demosite.truth import GroundTruth

logger = logging.getLogger(__name__)

BIND_ADDRESS = "127.0.0.1"
PRIMARY_HOST = "127.0.0.1"
SECOND_HOST = "localhost"
ALLOWED_METHODS = "GET, HEAD"


class DemoSiteError(RuntimeError):
    """The demo site was used in the wrong state (e.g. its URL before start())."""


@dataclass(frozen=True)
class RequestRecord:
    """One request the site answered."""

    #: ``time.monotonic()`` when the request arrived.
    time: float
    #: Host name from the ``Host`` header, lower-case, without the port.
    host: str
    #: Request target as sent: path plus query string (``/ads?page=2``).
    path: str
    method: str
    user_agent: str
    status: int


def busiest_window(ordered: Sequence[float], seconds: float = 1.0) -> tuple[int, int]:
    """Where in ``ordered`` (moments in time order) the window ``[t, t + seconds)`` that
    holds the most of them starts and ends (``ordered[start:end]``; the first such one)."""
    first, last, start = 0, 0, 0
    for end, moment in enumerate(ordered):
        while moment - ordered[start] >= seconds:
            start += 1
        if end + 1 - start > last - first:
            first, last = start, end + 1
    return first, last


def max_in_window(times: Iterable[float], seconds: float = 1.0) -> int:
    """The most moments (request arrivals) in any window ``[t, t + seconds)``."""
    start, end = busiest_window(sorted(times), seconds)
    return end - start


def host_name(header: str | None) -> str:
    """``"LocalHost:8123"`` -> ``"localhost"``; ``"[::1]:80"`` -> ``"::1"``."""
    value = (header or "").strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value[1:]
    return value.rsplit(":", 1)[0] if ":" in value else value


def not_modified(response: Response, headers: Any) -> bool:
    """A conditional GET whose validator still matches (RFC 9110: If-None-Match wins)."""
    sent = dict(response.headers)
    if headers.get("If-None-Match") is not None:
        tags = [tag.strip() for tag in headers.get("If-None-Match", "").split(",")]
        return sent.get("ETag") in tags or "*" in tags
    since = headers.get("If-Modified-Since")
    return since is not None and sent.get("Last-Modified") == since


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Crawls open many connections at once; the default backlog of 5 drops some.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], site: DemoSite) -> None:
        self.site = site
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            # Clients abort on purpose (size limits, slow page timeouts): not an error here.
            logger.debug("demo site: connection from %s ended early", client_address)
        else:
            logger.error("demo site: request from %s failed", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "DemoAds/1.0"
    sys_version = ""
    _arrival: float | None = None

    def parse_request(self) -> bool:
        self._arrival = time.monotonic()
        return super().parse_request()

    def do_GET(self) -> None:
        self.serve(send_body=True)

    def do_HEAD(self) -> None:
        self.serve(send_body=False)

    def not_allowed(self) -> None:
        self.write(
            Response(
                405,
                b"method not allowed\n",
                "text/plain; charset=utf-8",
                headers=(("Allow", ALLOWED_METHODS),),
            ),
            send_body=True,
        )

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = not_allowed

    def serve(self, *, send_body: bool) -> None:
        site = self.server.site
        second = host_name(self.headers.get("Host")) == SECOND_HOST
        try:
            response = site.pages.respond(self.path, second_host=second)
        except Exception:
            logger.exception("demo site: page failed: %s", self.path)
            response = Response(500, b"internal error\n", "text/plain; charset=utf-8")
        if response.status == 200 and not_modified(response, self.headers):
            response = Response(304, b"", None, headers=response.headers)
        if response.delay:
            # Wakes early when the site stops, so stop() never waits for it.
            site.stopping.wait(response.delay)
        self.write(response, send_body=send_body)

    def write(self, response: Response, *, send_body: bool) -> None:
        self.send_response(response.status)
        if response.content_type:
            self.send_header("Content-Type", response.content_type)
        for name, value in response.headers:
            self.send_header(name, value)
        if response.status not in (204, 304):
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if send_body and response.body:
            self.wfile.write(response.body)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # Called by send_response(), before the body is sent: a client that has
        # read the whole response always finds its request in the log.
        headers = getattr(self, "headers", None)
        record = RequestRecord(
            time=self._arrival if self._arrival is not None else time.monotonic(),
            host=host_name(headers.get("Host") if headers else None),
            path=getattr(self, "path", ""),
            method=getattr(self, "command", None) or "",
            user_agent=(headers.get("User-Agent", "") if headers else "") or "",
            status=int(code) if str(code).isdigit() else 0,
        )
        self.server.site.record(record)
        logger.debug(
            "demo site: %s %s%s %s", record.method, record.host, record.path, record.status
        )

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("demo site: " + format, *args)


class DemoSite:
    """The bundled demo ad site, served on loopback in a background thread.

    >>> with DemoSite(port=0, ads=40, seed=7) as site:  # doctest: +SKIP
    ...     urllib.request.urlopen(site.base_url + "/ads?page=1")
    """

    def __init__(
        self,
        port: int = 0,
        ads: int = 120,
        seed: int = 7,
        crawl_delay: float = 0.05,
        slow_seconds: float = 3.0,
    ) -> None:
        self.requested_port = port
        self.ads = ads
        self.seed = seed
        self.crawl_delay = crawl_delay
        self.slow_seconds = slow_seconds
        self.ground_truth: GroundTruth = generate_ground_truth(ads, seed)
        self.stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._pages: DemoPages | None = None
        self._port: int | None = None
        self._log: list[RequestRecord] = []
        self._log_lock = threading.Lock()

    # -- lifecycle --------------------------------------------------------------

    def start(self) -> DemoSite:
        if self._server is not None:
            raise DemoSiteError("the demo site is already running")
        self.stopping.clear()
        server = _Server((BIND_ADDRESS, self.requested_port), self)
        port = self._port = int(server.server_address[1])
        self._pages = DemoPages(
            self.ground_truth,
            base_url=f"http://{PRIMARY_HOST}:{port}",
            second_host_url=f"http://{SECOND_HOST}:{port}",
            crawl_delay=self.crawl_delay,
            slow_seconds=self.slow_seconds,
        )
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"demosite-{port}",
            daemon=True,
        )
        self._thread.start()
        logger.info("demo site serving %s (%d ads, seed %d)", self.base_url, self.ads, self.seed)
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        self.stopping.set()
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = self._thread = None
        logger.info("demo site stopped")

    def __enter__(self) -> DemoSite:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- switches (for recrawl and monitoring tests) ---------------------------------

    def change_layout(self, changed: bool = True) -> None:
        """Serve ad pages in a new markup the bundled source config cannot read."""
        self.pages.layout = "changed" if changed else "standard"

    def change_ads(self, ad_ids: list[str] | tuple[str, ...]) -> None:
        """These ads get a new title, text and date (on their pages and in the listing)."""
        self.pages.changed = frozenset(ad_ids)

    def reset_switches(self) -> None:
        self.change_layout(False)
        self.change_ads(())

    # -- addresses --------------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound port (still known after stop())."""
        if self._port is None:
            raise DemoSiteError("the demo site has not been started: call start() first")
        return self._port

    @property
    def base_url(self) -> str:
        """The primary host, ``http://127.0.0.1:<port>``."""
        return f"http://{PRIMARY_HOST}:{self.port}"

    @property
    def second_host_url(self) -> str:
        """The "other host", ``http://localhost:<port>``: same server, other host name."""
        return f"http://{SECOND_HOST}:{self.port}"

    def url(self, path: str, *, second_host: bool = False) -> str:
        return (self.second_host_url if second_host else self.base_url) + path

    @property
    def pages(self) -> DemoPages:
        if self._pages is None:
            raise DemoSiteError("the demo site has not been started: call start() first")
        return self._pages

    # -- request log --------------------------------------------------------------

    def record(self, record: RequestRecord) -> None:
        with self._log_lock:
            self._log.append(record)

    @property
    def request_log(self) -> list[RequestRecord]:
        """A snapshot (a new list) of every request answered so far, in answer order."""
        with self._log_lock:
            return list(self._log)

    def clear_request_log(self) -> None:
        with self._log_lock:
            self._log.clear()


# -- foreground use (python -m crawler.demosite, lcom demo-site) ---------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from crawler.cli.options import add_demo_site_options

    add_demo_site_options(parser, port=8000, serve=True)
    parser.add_argument(
        "--changed-layout",
        action="store_true",
        help="serve ad pages in a markup the bundled source config cannot read",
    )
    parser.add_argument(
        "--change-ads",
        type=int,
        default=0,
        metavar="N",
        help="give the N newest listed ads a new title, text and date (default 0)",
    )


def run_foreground(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    """Serve until Ctrl-C; returns the exit code."""
    site = DemoSite(
        port=args.port,
        ads=args.ads,
        seed=args.seed,
        crawl_delay=args.crawl_delay,
        slow_seconds=args.slow_seconds,
    )
    try:
        site.start()
    except OSError as exc:
        print(
            f"demo site: cannot listen on {BIND_ADDRESS}:{args.port}: {exc.strerror}",
            file=sys.stderr,
        )
        return 2
    site.change_layout(getattr(args, "changed_layout", False))
    newest = [ad.ad_id for ad in site.pages.listing[: max(getattr(args, "change_ads", 0), 0)]]
    site.change_ads(newest)
    try:
        print(f"demo ad site: {site.base_url}/", file=out)
        print(f"  other host: {site.second_host_url}/", file=out)
        print(f"  {args.ads} ads, seed {args.seed}; Ctrl-C stops", file=out, flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        site.stop()
    return 0
