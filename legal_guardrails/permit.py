"""The permit a policy grants for one source: which URLs, which hours, which limits."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import unquote, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from legal_guardrails.model import WEEKDAYS, CrawlWindow
from legal_guardrails.timeutil import require_aware

_SCHEMES = ("http", "https")


@dataclass(frozen=True, slots=True)
class Decision:
    """Whether one URL may be fetched; ``rule`` names the check that decided.

    Blocking rules: ``scheme``, ``host``, ``deny_pattern``, ``allow_pattern``;
    an allowed URL has rule ``allowed``.
    """

    allowed: bool
    rule: str
    reason: str


@dataclass(frozen=True, slots=True)
class Window:
    """A crawl window in minutes since local midnight; ``end <= start`` runs past midnight."""

    days: frozenset[int]
    start: int
    end: int

    @classmethod
    def from_model(cls, window: CrawlWindow) -> Window:
        return cls(
            days=frozenset(WEEKDAYS.index(day) for day in window.days),
            start=_minutes(window.start),
            end=_minutes(window.end),
        )

    def contains(self, weekday: int, minute: int) -> bool:
        if self.start < self.end:
            return weekday in self.days and self.start <= minute < self.end
        started_today = weekday in self.days and minute >= self.start
        started_yesterday = (weekday - 1) % 7 in self.days and minute < self.end
        return started_today or started_yesterday


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 dot-segment removal, so '/a/../members/' is matched as '/members/', and
    empty segments collapsed ('//members/' is '/members/')."""
    if "." not in path and "//" not in path:
        return path
    normalised = posixpath.normpath(path)
    if path.endswith("/") and not normalised.endswith("/"):
        normalised += "/"
    # normpath keeps a leading '//' (POSIX); a URL path does not need it.
    return "/" + normalised.lstrip("/")


_UNRESERVED_ESCAPE = re.compile(r"%(2[dDeE]|3[0-9]|[46][1-9a-fA-F]|[57][0-9aA]|5[fF]|7[eE])")


def normalise_url(url: str) -> str:
    """The URL a server resolves, as robots.txt and deny patterns must see it.

    Escapes of unreserved characters (letters, digits, ``-._~``) are decoded
    (``/%2e/`` is ``/./``, ``/%70rivate`` is ``/private``), dot segments are removed and
    empty segments collapsed (``//private/``, ``/./private/``, ``/x/../private/`` are all
    ``/private/``). Scheme, host, query and fragment are kept. Idempotent.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    path = parts.path
    if "%" in path:
        path = _UNRESERVED_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), path)
    path = _remove_dot_segments(path) if path else path
    if path == parts.path:
        return url
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, parts.fragment))


def _fully_unquote(text: str, rounds: int = 4) -> str:
    """Percent-decode until nothing changes (``%252e`` is ``%2e`` is ``.``)."""
    for _ in range(rounds):
        decoded = unquote(text)
        if decoded == text:
            break
        text = decoded
    return text


def _host_key(host: str) -> str | None:
    host = host.rstrip(".").lower()
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return None


@dataclass(frozen=True, slots=True)
class SourcePermit:
    """What the crawler may do on one source, valid from ``valid_from`` to ``valid_until``.

    Every number is the lower of the source's own limit and the global ceiling.
    """

    source_id: str
    policy_version: str
    policy_hash: str
    authorisation_ids: tuple[str, ...]
    legal_basis_ids: tuple[str, ...]
    valid_from: datetime
    valid_until: datetime
    allowed_hosts: frozenset[str]
    allow_url_patterns: tuple[re.Pattern[str], ...]
    deny_url_patterns: tuple[re.Pattern[str], ...]
    max_depth: int
    pages_per_run: int
    requests_per_second: float
    concurrency: int
    obey_robots_txt: bool
    honour_crawl_delay: bool
    javascript_rendering: bool
    media: str
    stop_status_codes: frozenset[int]
    user_agent: str
    contact_url: str
    timezone: str
    windows: tuple[Window, ...] = field(default=())

    @property
    def authorisation_id(self) -> str:
        """The first authorisation, for records that hold a single id."""
        return self.authorisation_ids[0]

    @property
    def legal_basis_id(self) -> str:
        return self.legal_basis_ids[0]

    def check_url(self, url: str) -> Decision:
        """May ``url`` be fetched? Host first, then deny patterns, then allow patterns."""
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 - raises ValueError for a malformed port
        except ValueError:
            return Decision(False, "host", "the address cannot be read")
        scheme = parts.scheme.lower()
        if scheme not in _SCHEMES:
            return Decision(False, "scheme", f"only http and https are allowed, not {scheme!r}")
        if "\\" in parts.netloc or "@" in parts.netloc or any(ch.isspace() for ch in parts.netloc):
            return Decision(False, "host", "the address has a user name or unusual characters")
        host = _host_key(parts.hostname or "")
        if not host or host not in self.allowed_hosts:
            return Decision(False, "host", f"host {parts.hostname!r} is not allowed")
        # The path as written and the path the server resolves: percent-decoded
        # first, then dot segments removed ('/x/%2e%2e/members/' is '/members/').
        target = _remove_dot_segments(parts.path or "/")
        decoded = _remove_dot_segments(_fully_unquote(parts.path or "/"))
        if parts.query:
            target += "?" + parts.query
            decoded += "?" + _fully_unquote(parts.query)
        for pattern in self.deny_url_patterns:
            if pattern.search(target) or pattern.search(decoded):
                return Decision(False, "deny_pattern", f"matches deny pattern {pattern.pattern!r}")
        # Both forms must be allowed, so an encoded '..' cannot leave an allowed path.
        if self.allow_url_patterns and not (
            any(p.search(target) for p in self.allow_url_patterns)
            and any(p.search(decoded) for p in self.allow_url_patterns)
        ):
            return Decision(False, "allow_pattern", "matches none of the allow patterns")
        return Decision(True, "allowed", "allowed host and path")

    def host_allowed(self, url: str) -> bool:
        """Is ``url`` on one of the permit's hosts (any path)? False when unreadable."""
        try:
            parts = urlsplit(url)
        except ValueError:
            return False
        if parts.scheme.lower() not in _SCHEMES or "@" in parts.netloc:
            return False
        host = _host_key(parts.hostname or "")
        return bool(host) and host in self.allowed_hosts

    def within_hours(self, when: datetime) -> bool:
        """Is ``when`` (timezone-aware) inside one of the source's crawl windows?"""
        require_aware(when)
        local = when.astimezone(ZoneInfo(self.timezone))
        minute = local.hour * 60 + local.minute
        return any(w.contains(local.weekday(), minute) for w in self.windows)

    def is_valid_at(self, when: datetime) -> bool:
        """Does the permit cover ``when`` (timezone-aware)?"""
        require_aware(when)
        return self.valid_from <= when < self.valid_until
