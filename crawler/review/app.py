"""The review workspace web app (Starlette, Jinja2 templates, one small script).

Pages are rendered on the server; ``static/review.js`` adds keyboard use (j/k to move,
r/n/e to decide) and nothing the pages need to work. Ad text is hostile input: the
templates autoescape everything (no ``|safe``), the Content-Security-Policy allows
scripts and styles from this app's own files only, and framing is refused.

Every page and API answer needs a signed-in session; every form carries the session's
CSRF token; every sign-in (also a failed one), sign-out and decision is appended to the
local audit log (``LCOM_AUDIT_LOG``), with ids only, never ad text or notes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crawler.review.auth import COOKIE_NAME, Session, SessionManager
from crawler.review.evidence import evidence_view
from crawler.review.model import (
    DECISIONS,
    MAX_NOTE_CHARS,
    QUEUE_STATES,
    HitDetail,
    QueueQuery,
    as_text,
    label,
)
from crawler.review.store import (
    DecisionRefused,
    LoginFailed,
    ReviewBackend,
    ReviewError,
    ReviewStore,
    StoreUnavailable,
)
from pipelines.es.audit import append_audit_log

logger = logging.getLogger(__name__)

HERE = Path(__file__).parent
#: Units an escalation may go to, unless the deployment lists its own.
DEFAULT_UNITS: tuple[str, ...] = (
    "Human trafficking unit (AVIM)",
    "Labour inspectorate",
    "Regional vice unit",
)

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


@dataclass(frozen=True)
class AppConfig:
    units: tuple[str, ...] = DEFAULT_UNITS
    audit_log: Path = Path("var/audit.jsonl")
    #: Host names the app answers to (loopback names, plus the host it is served on).
    allowed_hosts: tuple[str, ...] = ("127.0.0.1", "localhost", "[::1]")
    idle_seconds: float = 30 * 60


#: Largest request body accepted (a decision note is at most a few kilobytes).
MAX_BODY_BYTES = 64 * 1024
#: Failed sign-ins from one client address before it must wait.
MAX_FAILED_LOGINS = 5
LOGIN_WINDOW_SECONDS = 300.0


class BodyLimit:
    """Refuses request bodies over :data:`MAX_BODY_BYTES` (413), declared or streamed."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length" and (not value.isdigit() or int(value) > self.limit):
                await Response("Request too large.", status_code=413)(scope, receive, send)
                return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise _TooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await Response("Request too large.", status_code=413)(scope, receive, send)


class _TooLarge(Exception):
    pass


class LoginThrottle:
    """At most :data:`MAX_FAILED_LOGINS` failed sign-ins per client address per window."""

    def __init__(self) -> None:
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> list[float]:
        recent = [t for t in self._failures.get(client, []) if now - t < LOGIN_WINDOW_SECONDS]
        if recent:
            self._failures[client] = recent
        else:
            self._failures.pop(client, None)
        return recent

    def blocked(self, client: str) -> bool:
        with self._lock:
            return len(self._recent(client, time.monotonic())) >= MAX_FAILED_LOGINS

    def failed(self, client: str) -> None:
        with self._lock:
            now = time.monotonic()
            self._failures[client] = [*self._recent(client, now), now]


class SecurityHeaders:
    """Adds :data:`SECURITY_HEADERS` to every answer; pages are never cached."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_static = str(scope.get("path", "")).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.decode("latin-1").lower() != "cache-control"
                ]
                for name, value in SECURITY_HEADERS.items():
                    headers.append((name.lower().encode(), value.encode()))
                cache = "no-cache" if is_static else "no-store"
                headers.append((b"cache-control", cache.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,  # every variable, in every template
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["short_time"] = _short_time
    env.filters["label"] = label
    return Jinja2Templates(env=env)


def _short_time(value: object) -> str:
    text = as_text(value)
    return text[:16].replace("T", " ") if len(text) >= 16 else text


Handler = Callable[[Request], Awaitable[Response]]


def create_app(backend: ReviewBackend, config: AppConfig | None = None) -> Starlette:
    """The ASGI app over ``backend`` (``LocalBackend`` or ``EsBackend``)."""
    config = config or AppConfig()
    sessions = SessionManager(idle=config.idle_seconds)
    templates = _templates()
    throttle = LoginThrottle()

    def audit(request: Request, kind: str, actor: str | None, **fields: Any) -> None:
        record = {
            "kind": kind,
            "actor": actor,
            "backend": backend.kind,
            "client": request.client.host if request.client else None,
            **fields,
        }
        try:
            append_audit_log(record, config.audit_log)
        except OSError:
            logger.error("could not write the audit record to %s", config.audit_log, exc_info=True)

    def session_of(request: Request) -> Session | None:
        return sessions.load(request.cookies.get(COOKIE_NAME))

    def with_cookie(response: Response, request: Request, session: Session) -> Response:
        response.set_cookie(
            COOKIE_NAME,
            sessions.cookie_value(session),
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )
        return response

    def render(
        request: Request,
        name: str,
        session: Session,
        context: Mapping[str, Any],
        status_code: int = 200,
    ) -> Response:
        response = templates.TemplateResponse(
            request,
            name,
            {
                "session": session,
                "user": session.principal.username if session.principal else None,
                "backend": backend.kind,
                "csrf": session.csrf,
                **context,
            },
            status_code=status_code,
        )
        return with_cookie(response, request, session)

    def signed_in(handler: Handler) -> Handler:
        async def wrapper(request: Request) -> Response:
            session = session_of(request)
            if session is None or session.principal is None:
                if request.url.path.startswith("/api/"):
                    return JSONResponse({"error": "sign in first"}, status_code=401)
                return RedirectResponse("/login", status_code=303)
            request.state.session = session
            request.state.store = backend.store(session.principal)
            return await handler(request)

        return wrapper

    async def form_with_csrf(request: Request, session: Session | None) -> dict[str, str] | None:
        form = await request.form(max_files=0, max_fields=20, max_part_size=64 * 1024)
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        if not sessions.csrf_ok(session, values.get("csrf")):
            return None
        return values

    def csrf_refused(request: Request) -> Response:
        audit(request, "review_csrf_refused", None, path=request.url.path)
        return Response(
            "The form has expired or did not come from this page. Go back, reload and retry.",
            status_code=403,
            media_type="text/plain",
        )

    # ------------------------------------------------------------------ sign in / out

    async def login_page(request: Request) -> Response:
        session = session_of(request)
        if session is not None and session.signed_in:
            return RedirectResponse("/", status_code=303)
        session = session or sessions.create()
        token = request.query_params.get("token")
        if token and backend.kind == "local":
            # The link printed at start (as Jupyter does): sign in, then drop the token
            # from the address bar by redirecting.
            return await _sign_in(request, session, {"token": token})
        return render(request, "login.html", session, {"error": None})

    async def login_submit(request: Request) -> Response:
        session = session_of(request)
        values = await form_with_csrf(request, session)
        if values is None or session is None:
            return csrf_refused(request)
        return await _sign_in(request, session, values)

    async def _sign_in(request: Request, session: Session, values: Mapping[str, str]) -> Response:
        client = request.client.host if request.client else "?"
        if throttle.blocked(client):
            audit(request, "review_login", None, outcome="throttled")
            message = "Too many failed sign-ins from this address: wait five minutes."
            return render(request, "login.html", session, {"error": message}, 429)
        try:
            principal = await run_in_threadpool(backend.authenticate, values)
        except (LoginFailed, StoreUnavailable) as exc:
            if isinstance(exc, LoginFailed):
                throttle.failed(client)
            attempted = (values.get("username") or "").strip()[:100] or None
            audit(
                request,
                "review_login",
                None,
                outcome="failed",
                reason=type(exc).__name__,
                attempted_user=attempted,
            )
            status = 401 if isinstance(exc, LoginFailed) else 503
            return render(request, "login.html", session, {"error": str(exc)}, status)
        new = sessions.sign_in(session, principal)
        audit(request, "review_login", principal.username, outcome="ok")
        return with_cookie(RedirectResponse("/", status_code=303), request, new)

    async def logout(request: Request) -> Response:
        session = session_of(request)
        values = await form_with_csrf(request, session)
        if values is None or session is None:
            return csrf_refused(request)
        sessions.drop(session)
        actor = session.principal.username if session.principal else None
        audit(request, "review_logout", actor)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="strict")
        return response

    # ------------------------------------------------------------------ pages

    async def queue_page(request: Request) -> Response:
        session: Session = request.state.session
        store: ReviewStore = request.state.store
        query = QueueQuery.from_params(request.query_params)
        try:
            page = await run_in_threadpool(store.queue, query)
            facets = await run_in_threadpool(store.facets)
        except StoreUnavailable as exc:
            return render(request, "error.html", session, {"message": str(exc)}, 503)
        return render(
            request,
            "queue.html",
            session,
            {
                "page": page,
                "query": query,
                "facets": facets,
                "states": QUEUE_STATES,
                "qs": lambda **changes: urlencode(query.params(**changes)),
                "hit_qs": urlencode(query.params(page=1)),
            },
        )

    async def hit_page(request: Request) -> Response:
        return await _hit_response(request, error=None, status_code=200)

    async def _hit_response(request: Request, *, error: str | None, status_code: int) -> Response:
        session: Session = request.state.session
        store: ReviewStore = request.state.store
        doc_id = request.path_params["doc_id"]
        query = QueueQuery.from_params(request.query_params)
        try:
            detail = await run_in_threadpool(store.hit, doc_id)
            prev_id, next_id = await run_in_threadpool(store.neighbours, query, doc_id)
        except StoreUnavailable as exc:
            return render(request, "error.html", session, {"message": str(exc)}, 503)
        if detail is None:
            return render(
                request, "error.html", session, {"message": "No such hit (purged?)."}, 404
            )
        items, fields = evidence_view(detail.doc)
        recorded = request.query_params.get("recorded")
        context_qs = urlencode(query.params(page=1))
        return render(
            request,
            "hit.html",
            session,
            {
                "hit": detail,
                "doc": detail.doc,
                "doc_id": doc_id,
                "items": items,
                "fields": fields,
                "query": query,
                "qs": context_qs,
                "prev_id": prev_id,
                "next_id": next_id,
                "units": config.units,
                "decisions": DECISIONS,
                "recorded": recorded if recorded in DECISIONS else None,
                "error": error,
                "provenance": _provenance(detail.doc),
                "context": _context_rows(detail.doc.get("context")),
                "timeline": _timeline(doc_id, detail),
                "price": _price(detail.doc.get("price")),
                "max_note": MAX_NOTE_CHARS,
            },
            status_code=status_code,
        )

    async def decide(request: Request) -> Response:
        session: Session = request.state.session
        store: ReviewStore = request.state.store
        doc_id = request.path_params["doc_id"]
        values = await form_with_csrf(request, session)
        if values is None:
            return csrf_refused(request)
        decision = values.get("decision", "")
        unit = values.get("unit", "").strip()
        note = values.get("note", "").strip()
        error = None
        if decision not in DECISIONS:
            error = "Choose relevant, not relevant or escalate."
        elif decision == "escalated" and unit not in config.units:
            error = "Choose the unit to escalate to."
        elif len(note) > MAX_NOTE_CHARS:
            error = f"The note is longer than {MAX_NOTE_CHARS} characters."
        if decision != "escalated":
            unit = ""
        actor = session.principal.username if session.principal else None
        if error is None:
            try:
                await run_in_threadpool(store.decide, doc_id, decision, unit, note)
            except (DecisionRefused, StoreUnavailable) as exc:
                error = str(exc)
        audit(
            request,
            "review_decision",
            actor,
            doc_id=doc_id,
            decision=decision if decision in DECISIONS else None,
            unit=unit or None,
            outcome="refused" if error else "recorded",
        )
        if error is not None:
            return await _hit_response(request, error=error, status_code=403)
        query = QueueQuery.from_params(request.query_params)
        target = f"/hit/{_quote(doc_id)}?" + urlencode({**query.params(), "recorded": decision})
        return RedirectResponse(target, status_code=303)

    async def api_queue(request: Request) -> Response:
        store: ReviewStore = request.state.store
        page = await run_in_threadpool(store.queue, QueueQuery.from_params(request.query_params))
        return JSONResponse(
            {
                "total": page.total,
                "counts": page.counts,
                "items": [asdict(item) for item in page.items],
            }
        )

    async def errors(request: Request, exc: Exception) -> Response:
        logger.error("review request failed: %s", type(exc).__name__, exc_info=exc)
        message = str(exc) if isinstance(exc, ReviewError) else "Something went wrong."
        return Response(message, status_code=500, media_type="text/plain")

    routes = [
        Route("/", signed_in(queue_page)),
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login_submit, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/hit/{doc_id:str}", signed_in(hit_page), methods=["GET"]),
        Route("/hit/{doc_id:str}/decision", signed_in(decide), methods=["POST"]),
        Route("/api/queue", signed_in(api_queue)),
        Route("/favicon.ico", lambda request: Response(status_code=204)),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(BodyLimit),
            Middleware(TrustedHostMiddleware, allowed_hosts=list(config.allowed_hosts)),
        ],
        exception_handlers={Exception: errors},
    )
    app.state.sessions = sessions
    return app


def _quote(doc_id: str) -> str:
    from urllib.parse import quote

    return quote(doc_id, safe=":")


def _provenance(doc: Mapping[str, Any]) -> list[tuple[str, str]]:
    evidence = doc.get("evidence") if isinstance(doc.get("evidence"), Mapping) else {}
    policy = doc.get("policy") if isinstance(doc.get("policy"), Mapping) else {}
    assert isinstance(evidence, Mapping) and isinstance(policy, Mapping)
    rows = [
        ("URL", doc.get("url")),
        ("Source", doc.get("source")),
        ("Ad id", doc.get("source_ad_id")),
        ("Fetched at", evidence.get("fetched_at")),
        ("HTTP status", evidence.get("http_status")),
        ("Rendered by browser", evidence.get("rendered_js")),
        ("Body SHA-256", evidence.get("body_sha256")),
        ("Policy version", policy.get("version")),
        ("Authorisation", policy.get("authorisation_id")),
        ("Legal basis", policy.get("legal_basis_id")),
        ("Lexicon", doc.get("lexicon_version")),
        ("First seen", doc.get("first_seen")),
        ("Last seen", doc.get("last_seen")),
        ("Seen in runs", doc.get("seen_count")),
        ("Run", doc.get("run_id")),
    ]
    return [
        (name, ("yes" if value else "no") if isinstance(value, bool) else as_text(value))
        for name, value in rows
        if value not in (None, "")
    ]


def _price(price: Any) -> str:
    if not isinstance(price, Mapping) or not isinstance(price.get("amount"), int | float):
        return ""
    amount = f"{price['amount']:g} {as_text(price.get('currency'))}".strip()
    hours = price.get("per_hours")
    if isinstance(hours, int | float) and hours:
        return f"{amount} per hour" if hours == 1 else f"{amount} per {hours:g} hours"
    return amount


@dataclass(frozen=True)
class _TimelineEntry:
    doc_id: str
    when: str
    city: str
    title: str
    via: str


def _timeline(doc_id: str, detail: HitDetail) -> list[_TimelineEntry]:
    """The linked ads and this one, by date posted (else first seen)."""
    doc = detail.doc
    entries = [
        _TimelineEntry(ad.doc_id, ad.posted or ad.first_seen, ad.city, ad.title, ad.via)
        for ad in detail.linked
    ]
    this_when = as_text(doc.get("posted")) or as_text(doc.get("first_seen"))
    entries.append(_TimelineEntry(doc_id, this_when, as_text(doc.get("city")), "", ""))
    return sorted(entries, key=lambda e: (e.when, e.doc_id))


def _context_rows(context: Any) -> list[tuple[str, str]]:
    """The ad-context stage's decision, when the hit has one, as label/value rows.

    The stage's shape (``service``, ``score``, ``threshold``, ``cues``) gets a verdict
    and one row per cue; anything else is shown key by key, as text.
    """
    if isinstance(context, Mapping) and isinstance(context.get("service"), bool):
        verdict = "offers sexual, escort or erotic-massage services"
        rows = [
            (
                "verdict",
                verdict if context["service"] else f"does not look like it {verdict}",
            )
        ]
        score, threshold = context.get("score"), context.get("threshold")
        if isinstance(score, int | float) and isinstance(threshold, int | float):
            rows.append(("score", f"{score:g} (in context from {threshold:g})"))
        cues = context.get("cues")
        for cue in cues[:20] if isinstance(cues, list) else []:
            if not isinstance(cue, Mapping):
                continue
            evidence = cue.get("evidence") if isinstance(cue.get("evidence"), Mapping) else {}
            assert isinstance(evidence, Mapping)
            words = as_text(evidence.get("snippet"))[:200]
            detail = " · ".join(p for p in (as_text(cue.get("rule")), words) if p)
            rows.append((f"cue {as_text(cue.get('cue'))}", detail or as_text(cue.get("weight"))))
        return rows
    if isinstance(context, Mapping):
        return [(as_text(k), as_text(v)) for k, v in list(context.items())[:20]]
    if context not in (None, ""):
        return [("decision", as_text(context))]
    return []
