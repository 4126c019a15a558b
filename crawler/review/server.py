"""Run the review app with uvicorn: in the foreground (the CLI) or in a thread (tests,
``make screenshots``, ``bench/review.py``), on a socket bound before start so port 0
works and the printed address is the real one."""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from types import TracebackType

import uvicorn
from starlette.applications import Starlette


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host.strip("[]"), port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _config(app: Starlette, *, behind_proxy: bool = False) -> uvicorn.Config:
    # No access log: the sign-in link carries the token in its query string.
    # Behind a TLS-terminating proxy on this machine, its X-Forwarded-Proto/-For are
    # trusted (from 127.0.0.1 only), so cookies are marked Secure and the audit log
    # shows the real client address.
    return uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="off",
        server_header=False,
        proxy_headers=behind_proxy,
        forwarded_allow_ips="127.0.0.1",
    )


def serve_forever(app: Starlette, sock: socket.socket, *, behind_proxy: bool = False) -> None:
    uvicorn.Server(_config(app, behind_proxy=behind_proxy)).run(sockets=[sock])


class ReviewServer:
    """The app on ``127.0.0.1:<free port>`` in a background thread."""

    def __init__(
        self, app: Starlette, host: str = "127.0.0.1", port: int = 0, *, behind_proxy: bool = False
    ) -> None:
        self.app = app
        self._sock = bind(host, port)
        self.port: int = self._sock.getsockname()[1]
        self.base_url = f"http://{host}:{self.port}"
        self._server = uvicorn.Server(_config(app, behind_proxy=behind_proxy))
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True
        )

    def start(self) -> ReviewServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the review app did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()

    def __enter__(self) -> ReviewServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
