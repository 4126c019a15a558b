"""Suite-wide fixtures.

The autouse ``loopback_only`` guard makes every test fail that opens a socket to
anything but the loopback interface: the suite never reaches the internet.
The suite's working files (audit records of refused runs, the compiled-lexicon cache)
go to a temporary ``LCOM_HOME``, never to the checkout's ``var/``; its compiled lexicons
(``LCOM_LEXICON_CACHE``) are shared by every test and every crawl a test starts.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import tempfile

import pytest

# At import, before the other conftests import crawler.settings (which reads it once):
# subprocesses inherit it; tests that need their own folders set them. A folder the
# caller chose is kept.
_TEST_HOME: str | None = None
LEXICON_CACHE_ENV = "LCOM_LEXICON_CACHE"
if not any(os.environ.get(name) for name in ("LCOM_HOME", "LCOM_VAR_DIR")):
    _TEST_HOME = os.environ["LCOM_HOME"] = tempfile.mkdtemp(prefix="lcom-test-home-")
# One compiled-lexicon cache for the whole suite, as one var folder gives a machine's
# crawls: tests and the crawls they start each have a var folder of their own, where
# every one would compile the lexicons again (seconds each). Tests of the cache itself,
# and of where a crawl keeps it, name their own folder or unset this.
if _TEST_HOME and not os.environ.get(LEXICON_CACHE_ENV):
    os.environ[LEXICON_CACHE_ENV] = os.path.join(_TEST_HOME, "lexicon-cache")


def pytest_unconfigure(config: pytest.Config) -> None:
    if _TEST_HOME:
        shutil.rmtree(_TEST_HOME, ignore_errors=True)


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo
_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


class NetworkAccessError(AssertionError):
    """A test tried to reach a host outside the loopback interface."""


def _is_loopback(host: object) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode()
    host = str(host)
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _check_address(address: object) -> None:
    if isinstance(address, tuple) and address and not _is_loopback(address[0]):
        raise NetworkAccessError(f"test tried to connect to {address[0]!r}")
    # AF_UNIX paths and the like are local by definition.


def _guarded_connect(self: socket.socket, address: object) -> None:
    _check_address(address)
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    _check_address(address)
    return _real_connect_ex(self, address)


def _guarded_getaddrinfo(host, *args, **kwargs):  # type: ignore[no-untyped-def]
    if not _is_loopback(host):
        raise NetworkAccessError(f"test tried to resolve {host!r}")
    return _real_getaddrinfo(host, *args, **kwargs)


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any connection (or name lookup) outside the loopback interface."""
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", _guarded_getaddrinfo)


_SUMMARY = pytest.StashKey[list[tuple[str, str]]]()


@pytest.fixture(scope="session")
def terminal_summary(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """``add(title, text)``: show a block (evaluation tables) in the run's final summary."""
    blocks = request.config.stash.setdefault(_SUMMARY, [])

    def add(title: str, text: str) -> None:
        blocks.append((title, text))

    return add


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    for title, text in config.stash.get(_SUMMARY, []):
        terminalreporter.write_sep("-", title)
        terminalreporter.write_line(text)
