"""Fixtures for the demo site tests: one running site per module, a raw HTTP fetcher."""

from __future__ import annotations

import http.client
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from crawler.demosite import DemoSite


@dataclass
class Fetched:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


Fetch = Callable[..., Fetched]


def fetch_from(
    site: DemoSite, path: str, *, host: str | None = None, method: str = "GET"
) -> Fetched:
    """One request to the site on 127.0.0.1; ``host`` sets the Host header's name."""
    conn = http.client.HTTPConnection("127.0.0.1", site.port, timeout=30)
    try:
        headers = {"Host": f"{host}:{site.port}"} if host else {}
        conn.request(method, path, headers=headers)
        response = conn.getresponse()
        return Fetched(response.status, response.headers, response.read())
    finally:
        conn.close()


@pytest.fixture(scope="module")
def site() -> Iterator[DemoSite]:
    with DemoSite(port=0, ads=60, seed=7, crawl_delay=0.25, slow_seconds=0.3) as running:
        yield running


@pytest.fixture
def fetch_site() -> Callable[..., Fetched]:
    """``fetch_site(site, path, host=None, method="GET")`` for a site of the test's own."""
    return fetch_from


@pytest.fixture
def fetch(site: DemoSite) -> Fetch:
    def _fetch(path: str, *, host: str | None = None, method: str = "GET") -> Fetched:
        return fetch_from(site, path, host=host, method=method)

    return _fetch
