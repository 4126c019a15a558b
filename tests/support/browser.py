"""What the browser tests share: the system Chromium and its arguments (the crawler's
own launch options), and a loopback-only route."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from crawler.settings import PLAYWRIGHT_LAUNCH_OPTIONS

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS: list[str] = list(PLAYWRIGHT_LAUNCH_OPTIONS["args"])  # type: ignore[call-overload]


def loopback_only(route: Any) -> None:
    """A Playwright route handler: requests outside the loopback interface are aborted."""
    if urlsplit(route.request.url).hostname in ("127.0.0.1", "localhost"):
        route.continue_()
    else:
        route.abort()


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """The system Chromium through Playwright (the test is skipped without it)."""
    if not shutil.which(CHROMIUM):
        pytest.skip("needs the system Chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
