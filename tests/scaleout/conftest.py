"""A real Redis on loopback for the scale-out tests (never a mock).

One ``redis-server`` per test session, on a free port with a temporary folder and
a password; each test starts from an empty database. Skipped, saying why, only
when ``redis-server`` is not installed (CI installs it: ``.ci/run``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.redis_server import RedisServer, redis_server_binary


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    if redis_server_binary() is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    with RedisServer() as server:
        yield server


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    redis_server.client().flushdb()
    return redis_server.url
