"""Rendered pages cannot reach other hosts by WebSocket or service worker (real Chromium)."""

from __future__ import annotations

import asyncio
import http.server
import socket
import threading
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from crawler.middlewares.guardrails import (
    BROWSER_CONTEXT_KWARGS,
    BrowserRequestGuard,
    Guardrails,
    guard_browser_page,
    host_resolver_rules,
)
from legal_guardrails import DEMO_POLICY_DIR, load_policy

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
CHROMIUM = "/usr/bin/chromium"


class Listener:
    """A bare TCP listener on loopback that notes the first line of every connection."""

    def __init__(self) -> None:
        self.lines: list[bytes] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                self.lines.append(conn.recv(2048).split(b"\r\n")[0])


def page_server(other_port: int) -> http.server.ThreadingHTTPServer:
    page = f"""<html><body><script>
    try {{ new WebSocket('ws://localhost:{other_port}/ws-escape'); }} catch (e) {{}}
    navigator.serviceWorker && navigator.serviceWorker.register('/sw.js').catch(() => 0);
    </script></body></html>""".encode()
    worker = (
        "self.addEventListener('install', e => e.waitUntil(fetch("
        f"'http://localhost:{other_port}/sw-escape', {{mode: 'no-cors'}}).catch(() => 0)));"
    ).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body, kind = (
                (worker, "application/javascript")
                if self.path == "/sw.js"
                else (
                    page,
                    "text/html",
                )
            )
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def listener() -> Iterator[Listener]:
    listener = Listener()
    yield listener
    listener.sock.close()


async def render(url: str, guard: BrowserRequestGuard) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        # Both names resolve here: the WebSocket guard is under test, not the resolver.
        rules = host_resolver_rules({"127.0.0.1", "localhost"})
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", rules]
        )
        try:
            context = await browser.new_context(**BROWSER_CONTEXT_KWARGS)
            page = await context.new_page()

            async def route(route: object, request: object) -> None:
                if guard(request):
                    await route.abort()  # type: ignore[attr-defined]
                else:
                    await route.continue_()  # type: ignore[attr-defined]

            await page.route("**", route)
            await guard_browser_page(page, None)
            await page.goto(url)
            await asyncio.sleep(1.5)
        finally:
            await browser.close()


@pytest.mark.browser
def test_websockets_and_service_workers_never_reach_a_host_the_permit_refuses(
    listener: Listener,
) -> None:
    permit = load_policy(DEMO_POLICY_DIR, now=NOW).permit_for("demo", now=NOW)
    assert "localhost" not in permit.allowed_hosts
    guardrails = Guardrails(permit, now=lambda: NOW)
    guard = BrowserRequestGuard(guardrails).install()
    server = page_server(listener.port)
    try:
        asyncio.run(render(f"http://127.0.0.1:{server.server_address[1]}/", guard))
    finally:
        server.shutdown()
        server.server_close()
    assert listener.lines == []


def test_chromium_resolves_only_the_permits_hosts() -> None:
    assert host_resolver_rules(frozenset({"b.example", "a.example"})) == (
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE a.example , EXCLUDE b.example"
    )


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("ws://127.0.0.1:8123/live", True),
        ("ws://localhost:8123/live", False),
        ("wss://wa.me/31612345678", False),
        ("ftp://127.0.0.1/", False),
    ],
)
def test_a_websocket_is_checked_like_the_web_address_of_the_same_place(
    url: str, allowed: bool
) -> None:
    permit = load_policy(DEMO_POLICY_DIR, now=NOW).permit_for("demo", now=NOW)
    blocks: list[str] = []
    guard = BrowserRequestGuard(Guardrails(permit, now=lambda: NOW, on_block=blocks.append))
    assert guard.allows_websocket(url) is allowed
    assert bool(blocks) is not allowed
