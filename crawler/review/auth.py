"""Sessions, the signed session cookie and CSRF tokens of the review workspace.

Sessions live in server memory only: the cookie carries a random session id signed
with a per-process key (itsdangerous), never who the user is nor their credentials.
A restart signs everybody out. Every visitor gets a session (an anonymous one on the
login page, so the login form has a CSRF token too); signing in replaces it with a new
id (no session fixation). Sessions expire after ``idle`` seconds without a request and
``absolute`` seconds after sign-in, whichever comes first.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from itsdangerous import BadSignature, Signer

from crawler.review.store import Principal

COOKIE_NAME = "lcom_review_session"
DEFAULT_IDLE_SECONDS = 30 * 60
DEFAULT_ABSOLUTE_SECONDS = 8 * 3600
#: Anonymous sessions (login page visits) kept at most; the oldest go first.
MAX_ANONYMOUS = 1000


def new_token() -> str:
    """A login token for the embedded default (printed at start, as Jupyter does)."""
    return secrets.token_urlsafe(32)


@dataclass
class Session:
    id: str
    csrf: str
    created: float
    last_seen: float
    principal: Principal | None = None
    flash: list[str] = field(default_factory=list)

    @property
    def signed_in(self) -> bool:
        return self.principal is not None


class SessionManager:
    def __init__(
        self,
        *,
        idle: float = DEFAULT_IDLE_SECONDS,
        absolute: float = DEFAULT_ABSOLUTE_SECONDS,
        secret: bytes | None = None,
    ) -> None:
        self.idle = idle
        self.absolute = absolute
        self._signer = Signer(secret or secrets.token_bytes(32), salt="lcom-review-session")
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()

    def create(self, principal: Principal | None = None) -> Session:
        now = time.monotonic()
        session = Session(secrets.token_urlsafe(32), secrets.token_urlsafe(32), now, now, principal)
        with self._lock:
            self._sessions[session.id] = session
            anonymous = [s.id for s in self._sessions.values() if s.principal is None]
            for sid in anonymous[: max(0, len(anonymous) - MAX_ANONYMOUS)]:
                self._sessions.pop(sid, None)
        return session

    def cookie_value(self, session: Session) -> str:
        return self._signer.sign(session.id).decode("ascii")

    def load(self, cookie: str | None) -> Session | None:
        """The live session a cookie names, or ``None`` (unsigned, unknown or expired)."""
        if not cookie:
            return None
        try:
            sid = self._signer.unsign(cookie.encode("ascii")).decode("ascii")
        except (BadSignature, UnicodeError):
            return None
        now = time.monotonic()
        with self._lock:
            session = self._sessions.get(sid)
            if session is None:
                return None
            if now - session.last_seen > self.idle or now - session.created > self.absolute:
                del self._sessions[sid]
                return None
            session.last_seen = now
            return session

    def drop(self, session: Session) -> None:
        with self._lock:
            self._sessions.pop(session.id, None)

    def sign_in(self, old: Session | None, principal: Principal) -> Session:
        """A new session for ``principal``; the anonymous one is dropped."""
        if old is not None:
            self.drop(old)
        return self.create(principal)

    @staticmethod
    def csrf_ok(session: Session | None, token: str | None) -> bool:
        if session is None or not token:
            return False
        return hmac.compare_digest(session.csrf.encode(), token.encode())
