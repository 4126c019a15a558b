"""Fixtures for the Elasticsearch integration tests.

``es_server`` is the ES wire-protocol test server (fault injection). ``es_cluster`` is
parametrised: the test server always, and a real cluster when ``ELASTICSEARCH_URL``
is set (otherwise that variant is skipped). Point ``ELASTICSEARCH_URL`` only at a
throw-away cluster: the tests run ``lcom es setup`` there and write test hits
(unique ``doc_id`` prefixes, deleted afterwards).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from elasticsearch import Elasticsearch

from pipelines.es.client import EsConnectionConfig, make_client
from tests.support.es_test_server import EsTestServer
from tests.support.network import allow_host_of

REAL_SKIP_REASON = "ELASTICSEARCH_URL not set: real-cluster tests skipped"


@pytest.fixture(autouse=True)
def loopback_only(
    loopback_only: None, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The suite's loopback guard, plus the real cluster's host for ``es_real`` tests."""
    url = os.environ.get("ELASTICSEARCH_URL")
    if request.node.get_closest_marker("es_real") is not None and url:
        allow_host_of(url, monkeypatch)


@pytest.fixture
def es_server() -> Iterator[EsTestServer]:
    """A fresh ES wire-protocol test server (8.x) on 127.0.0.1."""
    server = EsTestServer().start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Cluster:
    """What a test needs from either kind of cluster."""

    kind: str
    config: EsConnectionConfig
    server: EsTestServer | None
    prefix: str  # doc_id prefix unique to this test

    def client(self) -> Elasticsearch:
        return make_client(self.config)

    def documents(self) -> dict[str, dict[str, Any]]:
        """This test's hits, ``{doc_id: source}``."""
        with self.client() as client:
            client.indices.refresh(index="lcom-hits")
            resp = client.search(
                index="lcom-hits",
                query={"prefix": {"doc_id": self.prefix}},
                size=1000,
            )
        return {
            h["_id"]: h["_source"] for h in resp["hits"]["hits"] if h["_id"].startswith(self.prefix)
        }

    def copies(self, doc_id: str) -> int:
        with self.client() as client:
            client.indices.refresh(index="lcom-hits")
            return int(
                client.count(index="lcom-hits", query={"ids": {"values": [doc_id]}})["count"]
            )


@pytest.fixture(
    params=[
        "test-server",
        pytest.param(
            "real",
            marks=[
                pytest.mark.es_real,
                pytest.mark.skipif(
                    not os.environ.get("ELASTICSEARCH_URL"), reason=REAL_SKIP_REASON
                ),
            ],
        ),
    ]
)
def es_cluster(request: pytest.FixtureRequest) -> Iterator[Cluster]:
    """Test server always; the real cluster from ``ELASTICSEARCH_URL`` when set.

    ``lcom es setup`` has run on it.
    """
    from pipelines.es.setup import setup_cluster

    prefix = f"test{uuid.uuid4().hex[:8]}:"
    if request.param == "test-server":
        server = EsTestServer().start()
        config = EsConnectionConfig(url=server.url, max_retries=1)
        cluster = Cluster("test-server", config, server, prefix)
    else:
        config = EsConnectionConfig.from_env()
        assert config is not None
        cluster = Cluster("real", config, None, prefix)
    try:
        with cluster.client() as client:
            assert setup_cluster(client).ok
        yield cluster
    finally:
        if cluster.server is not None:
            cluster.server.stop()
        else:
            with cluster.client() as client:
                client.delete_by_query(
                    index="lcom-hits",
                    query={"prefix": {"doc_id": prefix}},
                    refresh=True,
                    conflicts="proceed",
                )
