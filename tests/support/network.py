"""Let one test reach a real service's host past the suite's loopback guard."""

from __future__ import annotations

import socket
from typing import Any
from urllib.parse import urlsplit

import pytest

_real_connect = socket.socket.connect
_real_getaddrinfo = socket.getaddrinfo


def allow_host_of(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Connections to the host of ``url`` (a real cluster or Kibana the user named) pass;
    everything else still goes through the loopback guard."""
    host = urlsplit(url).hostname
    allowed = {info[4][0] for info in _real_getaddrinfo(host, None)}
    guarded_connect = socket.socket.connect
    guarded_getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> None:
        if isinstance(address, tuple) and address and address[0] in allowed:
            return _real_connect(self, address)
        return guarded_connect(self, address)

    def getaddrinfo(name: Any, *args: Any, **kwargs: Any) -> Any:
        if name == host:
            return _real_getaddrinfo(name, *args, **kwargs)
        return guarded_getaddrinfo(name, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
