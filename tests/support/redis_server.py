"""A real ``redis-server`` on a free loopback port with a temporary folder (tests only).

Started with a random password (``requirepass``), so every test also runs the
authenticated connection workers use in production. ``stop()`` and ``start()``
again keep the port and the data (``SHUTDOWN SAVE`` then the same folder), to
test workers while Redis is down.
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

import redis


def redis_server_binary() -> str | None:
    return shutil.which("redis-server")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    def __init__(self, directory: Path | None = None) -> None:
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if directory is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="lcom-redis-")
            directory = Path(self._tmp.name)
        self.directory = directory
        self.password = secrets.token_hex(16)
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://:{self.password}@127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, password=self.password)

    def start(self) -> RedisServer:
        binary = redis_server_binary()
        if binary is None:
            raise RuntimeError("redis-server is not installed")
        for _attempt in range(5):
            port = self.port or free_port()
            args = ["--port", str(port), "--bind", "127.0.0.1", "--dir", str(self.directory)]
            args += ["--dbfilename", "dump.rdb", "--save", "", "--appendonly", "no"]
            args += ["--requirepass", self.password, "--protected-mode", "yes"]
            args += ["--logfile", str(self.directory / "redis.log")]
            self.process = subprocess.Popen(
                [binary, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            self.port = port
            if self._wait_ready():
                return self
            self.process.kill()
            self.process.wait()
        raise RuntimeError(f"redis-server did not start (see {self.directory / 'redis.log'})")

    def _wait_ready(self, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                return False
            try:
                if self.client().ping():
                    return True
            except redis.exceptions.RedisError:
                time.sleep(0.05)
        return False

    def stop(self, *, save: bool = False) -> None:
        """Stop the server; ``save`` keeps its data for the next ``start()``."""
        if self.process is None:
            return
        # The server closes the connection as it exits.
        with contextlib.suppress(redis.exceptions.ConnectionError):
            self.client().shutdown(save=save, nosave=not save)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def close(self) -> None:
        self.stop()
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
