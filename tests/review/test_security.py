"""Nobody in who does not belong: sessions, CSRF, cookie flags, headers, audit."""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import time
from pathlib import Path

import httpx
import pytest

from crawler.cli import review as review_cli
from crawler.exitcodes import ExitCode
from crawler.review import app as app_module
from crawler.review.auth import COOKIE_NAME, SessionManager
from crawler.review.server import ReviewServer
from crawler.review.store import Principal
from tests.es.hits import make_hit
from tests.review.conftest import TOKEN, RunningApp, csrf_of, hostile_hit

DOC_ID = make_hit("demo:", 0)["doc_id"]
TEMPLATES = Path(app_module.__file__).parent / "templates"


def audit_records(app: RunningApp) -> list[dict]:
    lines = app.audit_log.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/"),
        ("GET", "/?state=relevant"),
        ("GET", f"/hit/{DOC_ID}"),
        ("POST", f"/hit/{DOC_ID}/decision"),
    ],
)
def test_no_page_without_a_session(local_app: RunningApp, method: str, path: str) -> None:
    with local_app.client() as client:
        resp = client.request(method, path, data={"decision": "relevant"})
    assert resp.status_code == 303 and resp.headers["location"] == "/login"
    assert "Utrecht" not in resp.text


def test_no_api_answer_without_a_session(local_app: RunningApp) -> None:
    with local_app.client() as client:
        resp = client.get("/api/queue")
        forged = client.get("/api/queue", headers={"Cookie": f"{COOKIE_NAME}=forged.sig"})
    assert resp.status_code == 401 and forged.status_code == 401
    assert "items" not in resp.text


def test_a_wrong_token_does_not_sign_in_and_is_audited(local_app: RunningApp) -> None:
    with local_app.client() as client:
        assert client.get("/login", params={"token": "wrong"}).status_code == 401
        page = client.get("/login")
        resp = client.post("/login", data={"csrf": csrf_of(page.text), "token": "wrong"})
        assert resp.status_code == 401 and "not the one" in resp.text
        assert client.get("/").status_code == 303
    failed = [r for r in audit_records(local_app) if r["kind"] == "review_login"]
    assert [r["outcome"] for r in failed] == ["failed", "failed"]


def test_the_login_form_needs_its_csrf_token(local_app: RunningApp) -> None:
    with local_app.client() as client:
        client.get("/login")
        missing = client.post("/login", data={"token": TOKEN})
        forged = client.post("/login", data={"token": TOKEN, "csrf": "forged"})
        assert missing.status_code == 403 and forged.status_code == 403
        assert client.get("/").status_code == 303


def test_signing_in_with_the_form_replaces_the_session(local_app: RunningApp) -> None:
    with local_app.client() as client:
        page = client.get("/login")
        anonymous = client.cookies[COOKIE_NAME]
        resp = client.post("/login", data={"csrf": csrf_of(page.text), "token": TOKEN})
        assert resp.status_code == 303 and resp.headers["location"] == "/"
        assert client.cookies[COOKIE_NAME] != anonymous
        assert client.get("/").status_code == 200


@pytest.mark.parametrize("csrf", [None, "", "forged-token"])
def test_a_decision_without_the_right_csrf_token_is_refused(
    local_app: RunningApp, csrf: str | None
) -> None:
    with local_app.signed_in() as client:
        data = {"decision": "relevant", **({"csrf": csrf} if csrf is not None else {})}
        resp = client.post(f"/hit/{DOC_ID}/decision", data=data)
        assert resp.status_code == 403
        page = client.get(f"/hit/{DOC_ID}")
    assert 'id="history"' not in page.text  # nothing was recorded
    assert not [r for r in audit_records(local_app) if r["kind"] == "review_decision"]


def test_a_csrf_token_of_another_session_is_refused(local_app: RunningApp) -> None:
    with local_app.signed_in() as mine, local_app.signed_in() as theirs:
        their_token = csrf_of(theirs.get(f"/hit/{DOC_ID}").text)
        resp = mine.post(
            f"/hit/{DOC_ID}/decision", data={"csrf": their_token, "decision": "relevant"}
        )
    assert resp.status_code == 403


def test_the_session_cookie_is_httponly_strict_and_not_secure_over_http(
    local_app: RunningApp,
) -> None:
    with local_app.client() as client:
        resp = client.get("/login", params={"token": TOKEN})
    cookie = resp.headers["set-cookie"]
    attributes = {a.strip().lower() for a in cookie.split(";")[1:]}
    assert {"httponly", "samesite=strict", "path=/"} <= attributes
    assert "secure" not in attributes
    assert "max-age" not in cookie.lower()  # a browser session cookie; the server expires it


def test_the_session_cookie_is_secure_when_served_over_https(local_app: RunningApp) -> None:
    app = local_app.server.app

    async def fetch() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://127.0.0.1") as c:
            return await c.get("/login", params={"token": TOKEN})

    resp = asyncio.run(fetch())
    attributes = {a.strip().lower() for a in resp.headers["set-cookie"].split(";")[1:]}
    assert {"secure", "httponly", "samesite=strict"} <= attributes


def test_every_page_sends_a_strict_content_security_policy(local_app: RunningApp) -> None:
    with local_app.signed_in() as client:
        for path in ("/", f"/hit/{DOC_ID}", "/api/queue"):
            headers = client.get(path).headers
            csp = headers["content-security-policy"]
            assert "script-src 'self'" in csp and "style-src 'self'" in csp
            assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
            assert headers["x-content-type-options"] == "nosniff"
            assert headers["x-frame-options"] == "DENY"
            assert headers["cache-control"] == "no-store"


def test_a_foreign_host_name_is_refused(local_app: RunningApp) -> None:
    """A DNS-rebinding page reaches the loopback port under its own name: refused."""
    with local_app.client() as client:
        resp = client.get("/login", headers={"Host": "attacker.example"})
    assert resp.status_code == 400


def test_signing_out_ends_the_session(local_app: RunningApp) -> None:
    with local_app.signed_in() as client:
        cookie = client.cookies[COOKIE_NAME]
        csrf = csrf_of(client.get("/").text)
        resp = client.post("/logout", data={"csrf": csrf})
        assert resp.status_code == 303 and resp.headers["location"] == "/login"
    with local_app.client() as client:
        assert client.get("/", headers={"Cookie": f"{COOKIE_NAME}={cookie}"}).status_code == 303
    kinds = [r["kind"] for r in audit_records(local_app)]
    assert kinds == ["review_login", "review_logout"]


def test_sessions_expire_when_idle_and_after_their_lifetime() -> None:
    idle = SessionManager(idle=0.05, absolute=60)
    session = idle.create(Principal("anna"))
    cookie = idle.cookie_value(session)
    assert idle.load(cookie) is session
    time.sleep(0.1)
    assert idle.load(cookie) is None
    lifetime = SessionManager(idle=60, absolute=0.05)
    cookie = lifetime.cookie_value(lifetime.create(Principal("anna")))
    time.sleep(0.1)
    assert lifetime.load(cookie) is None


def test_a_session_id_without_its_signature_is_refused() -> None:
    manager = SessionManager()
    session = manager.create(Principal("anna"))
    assert manager.load(session.id) is None
    assert manager.load(manager.cookie_value(session) + "x") is None
    assert SessionManager().load(manager.cookie_value(session)) is None  # another key


def test_decisions_and_logins_are_audited_without_ad_text_or_notes(local_app: RunningApp) -> None:
    with local_app.signed_in() as client:
        csrf = csrf_of(client.get(f"/hit/{DOC_ID}").text)
        resp = client.post(
            f"/hit/{DOC_ID}/decision",
            data={
                "csrf": csrf,
                "decision": "escalated",
                "unit": "Labour inspectorate",
                "note": "secret note about Utrecht",
            },
        )
        assert resp.status_code == 303
    records = audit_records(local_app)
    assert [r["kind"] for r in records] == ["review_login", "review_decision"]
    decision = records[1]
    assert decision["actor"] == "investigator" and decision["doc_id"] == DOC_ID
    assert decision["decision"] == "escalated" and decision["outcome"] == "recorded"
    assert decision["unit"] == "Labour inspectorate" and "@timestamp" in decision
    assert "secret" not in local_app.audit_log.read_text(encoding="utf-8")


def test_an_escalation_needs_a_unit_from_the_list(local_app: RunningApp) -> None:
    with local_app.signed_in() as client:
        csrf = csrf_of(client.get(f"/hit/{DOC_ID}").text)
        for unit in ("", "<b>Made-up unit</b>"):
            resp = client.post(
                f"/hit/{DOC_ID}/decision",
                data={"csrf": csrf, "decision": "escalated", "unit": unit},
            )
            assert resp.status_code == 403 and "Choose the unit" in resp.text
            assert "<b>Made-up" not in resp.text


def test_hostile_ad_text_is_escaped_in_the_html(local_app: RunningApp) -> None:
    doc_id = hostile_hit()["doc_id"]
    with local_app.signed_in() as client:
        pages = [client.get("/").text, client.get(f"/hit/{doc_id}").text]
    for html in pages:
        assert "<script>window" not in html and "<img src=x" not in html
        assert "<svg" not in html and 'href="javascript:' not in html
        assert "&lt;script&gt;" in html
    assert '<script src="/static/review.js" defer></script>' in pages[1]


def test_templates_never_mark_data_safe_nor_inline_script_or_style() -> None:
    for path in TEMPLATES.glob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "|safe" not in text.replace(" ", ""), path.name
        assert "autoescape false" not in text, path.name
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), path.name
        assert " style=" not in text and "<style" not in text, path.name
        assert not re.search(r"\son[a-z]+=", text), path.name


def test_serve_refuses_a_non_loopback_host_without_elasticsearch(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.delenv("ELASTICSEARCH_URL", raising=False)
    monkeypatch.setenv("LCOM_VAR_DIR", str(tmp_path))
    args = argparse.Namespace(
        host="0.0.0.0", port=0, spool_dir=tmp_path / "spool", allow_host=[], behind_proxy=False
    )
    assert review_cli.run_serve(args) == ExitCode.REFUSED
    assert "loopback only" in capsys.readouterr().err


def test_repeated_failed_sign_ins_are_throttled(local_app: RunningApp) -> None:
    with local_app.client() as client:
        for _ in range(5):
            assert client.get("/login", params={"token": "guess"}).status_code == 401
        assert client.get("/login", params={"token": TOKEN}).status_code == 429
    outcomes = [r["outcome"] for r in audit_records(local_app)]
    assert outcomes == ["failed"] * 5 + ["throttled"]


def test_a_huge_request_body_is_refused_before_it_is_read(local_app: RunningApp) -> None:
    with local_app.signed_in() as client:
        csrf = csrf_of(client.get(f"/hit/{DOC_ID}").text)
        resp = client.post(
            f"/hit/{DOC_ID}/decision",
            data={"csrf": csrf, "decision": "relevant", "note": "x" * 200_000},
        )
    assert resp.status_code == 413
    assert not [r for r in audit_records(local_app) if r["kind"] == "review_decision"]


def test_behind_a_tls_proxy_the_cookie_is_secure(local_app: RunningApp) -> None:
    proxied = ReviewServer(local_app.server.app, behind_proxy=True)
    with proxied, httpx.Client(base_url=proxied.base_url) as client:
        resp = client.get("/login", params={"token": TOKEN}, headers={"X-Forwarded-Proto": "https"})
    assert "secure" in {a.strip().lower() for a in resp.headers["set-cookie"].split(";")}
