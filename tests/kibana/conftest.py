"""Fixtures for the Kibana tests.

``kibana`` is parametrised: the Kibana saved-objects API contract test server
(``tests/support/kibana_test_server.py``) always, and a real Kibana when ``KIBANA_URL``
is set (otherwise that variant is skipped, saying why). Point ``KIBANA_URL`` only at a
throw-away Kibana: the tests import lcom's saved objects there (with overwrite).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.support.kibana_test_server import KibanaTestServer
from tests.support.network import allow_host_of

REAL_SKIP_REASON = "KIBANA_URL not set: real-Kibana tests skipped"
TEST_API_KEY = "dGVzdDprZXk="


@pytest.fixture(autouse=True)
def loopback_only(
    loopback_only: None, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The suite's loopback guard, plus the real Kibana's host for ``kibana_real`` tests."""
    url = os.environ.get("KIBANA_URL")
    if request.node.get_closest_marker("kibana_real") is not None and url:
        allow_host_of(url, monkeypatch)


@pytest.fixture
def kibana_server() -> Iterator[KibanaTestServer]:
    """A fresh contract test server that wants the API key :data:`TEST_API_KEY`."""
    server = KibanaTestServer(api_key=TEST_API_KEY, spaces=("default", "investigations"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Kibana:
    kind: str
    env: dict[str, str]
    server: KibanaTestServer | None


@pytest.fixture(
    params=[
        "contract-server",
        pytest.param(
            "real",
            marks=[
                pytest.mark.kibana_real,
                pytest.mark.skipif(not os.environ.get("KIBANA_URL"), reason=REAL_SKIP_REASON),
            ],
        ),
    ]
)
def kibana(request: pytest.FixtureRequest) -> Iterator[Kibana]:
    """Environment variables that reach the contract server, or the real Kibana."""
    if request.param == "real":
        keys = [k for k in os.environ if k.startswith(("KIBANA_", "ELASTICSEARCH_"))]
        yield Kibana("real", {k: os.environ[k] for k in keys}, None)
        return
    server = KibanaTestServer(api_key=TEST_API_KEY, spaces=("default", "investigations"))
    server.start()
    try:
        yield Kibana(
            "contract-server", {"KIBANA_URL": server.url, "KIBANA_API_KEY": TEST_API_KEY}, server
        )
    finally:
        server.stop()
