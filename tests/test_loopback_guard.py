"""The suite-wide guard refuses every connection outside the loopback interface."""

from __future__ import annotations

import socket

import pytest

from tests.conftest import NetworkAccessError


@pytest.mark.parametrize("address", ["192.0.2.10", "198.51.100.7", "2001:db8::1"])
def test_connection_to_a_non_loopback_address_is_refused_before_any_packet(address: str) -> None:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock, pytest.raises(NetworkAccessError):
        sock.connect((address, 80))


def test_name_lookup_of_a_public_host_is_refused() -> None:
    with pytest.raises(NetworkAccessError):
        socket.getaddrinfo("example.org", 443)


def test_loopback_connections_still_work() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=5):
            pass
