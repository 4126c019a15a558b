"""End to end in a real browser (Playwright, system Chromium): the review workspace on
the demo's spool, and on the ES wire-protocol test server as a user who may only read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from elasticsearch import Elasticsearch

from crawler.review.app import AppConfig, create_app
from crawler.review.es_store import EsBackend
from crawler.review.local_store import LocalBackend
from crawler.review.screenshots import crawl_demo
from crawler.review.server import ReviewServer
from pipelines.es.client import EsConnectionConfig
from pipelines.es.setup import setup_cluster
from pipelines.es.spool import Spool
from tests.es.hits import make_hit
from tests.review.conftest import TOKEN, hostile_hit, start_local_app
from tests.support.browser import chromium, loopback_only
from tests.support.es_test_server import EsTestServer

pytestmark = pytest.mark.browser

#: Collects the mark texts of evidence item n in its field, and the text before the first.
EVIDENCE_JS = """
() => Array.from(document.querySelectorAll('#evidence li[data-start]')).map(li => {
  const n = li.dataset.ev;
  const root = document.getElementById(li.dataset.field === 'title' ? 'ad-title' : 'ad-text');
  const marks = Array.from(root.querySelectorAll('mark'))
    .filter(m => m.dataset.ev.split(' ').includes(n));
  const range = document.createRange();
  range.setStart(root, 0);
  range.setEndBefore(marks[0]);
  return {n: Number(n), field: li.dataset.field, start: Number(li.dataset.start),
          end: Number(li.dataset.end), marked: marks.map(m => m.textContent).join(''),
          before: range.toString()};
})
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1366, "height": 800})
    page = context.new_page()
    page.route("**/*", loopback_only)
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    yield page
    context.close()


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, LocalBackend]]:
    """The app on the spool of a real demo crawl, plus one hostile ad."""
    var = tmp_path_factory.mktemp("review-demo")
    crawl_demo(var, ads=40, seed=7)
    with Spool(var / "spool", fsync=False) as spool:
        spool.append(hostile_hit())
    server, backend, _ = start_local_app(var)
    try:
        yield server.base_url, backend
    finally:
        server.stop()
        backend.close()


def sign_in(page: Any, url: str) -> None:
    page.goto(url + "/")
    assert urlsplit(page.url).path == "/login"
    page.fill("input[name=token]", TOKEN)
    page.click("button[type=submit]")
    page.wait_for_selector("body[data-keys=ready] #queue")


def check_evidence(page: Any, doc: dict[str, Any]) -> int:
    found = page.evaluate(EVIDENCE_JS)
    for item in found:
        text = doc[item["field"]]
        assert item["marked"] == text[item["start"] : item["end"]], item
        assert item["before"] == text[: item["start"]], item
    return len(found)


def decide_by_key(page: Any, key: str, expected: str) -> None:
    page.keyboard.press(key)
    page.wait_for_selector("body[data-keys=ready] #recorded")
    assert page.inner_text("#hit-state") == expected.replace("_", " ")


def test_walk_the_demo_queue_and_record_each_decision(
    page: Any, demo_app: tuple[str, LocalBackend]
) -> None:
    url, backend = demo_app
    sign_in(page, url)
    rows = page.locator("#queue tbody tr")
    assert rows.count() >= 10
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    page.keyboard.press("j")
    assert rows.nth(1).get_attribute("aria-selected") == "true"
    assert page.locator("#queue tr.selected").count() == 1
    wanted = rows.nth(1).get_attribute("data-doc-id")
    page.keyboard.press("Enter")
    page.wait_for_selector("body[data-keys=ready] #ad-text")
    assert urlsplit(page.url).path.endswith(wanted.split(":")[1])

    store = backend.store(backend.authenticate({"token": TOKEN}))
    detail = store.hit(wanted)
    assert detail is not None
    assert check_evidence(page, detail.doc) >= 1

    decided = {}
    decide_by_key(page, "r", "relevant")
    decided["relevant"] = wanted
    page.keyboard.press("j")  # next new hit
    page.wait_for_selector("body[data-keys=ready] #ad-text")
    decided["not_relevant"] = page.get_attribute("#decision-form", "action").split("/")[2]
    decide_by_key(page, "n", "not_relevant")
    page.keyboard.press("j")
    page.wait_for_selector("body[data-keys=ready] #ad-text")
    page.keyboard.press("e")  # no unit chosen yet: asks for one
    assert page.is_visible("#unit-hint")
    page.select_option("#unit", index=2)
    page.keyboard.press("Escape")
    page.fill("#note", "Seen <b>twice</b> this week")
    page.keyboard.press("Escape")
    decide_by_key(page, "e", "escalated")
    page.reload()
    history = page.locator("#history li").first
    assert history.get_attribute("data-decision") == "escalated"
    assert "Labour inspectorate" in history.inner_text() or "vice" in history.inner_text()
    assert "Seen <b>twice</b> this week" in history.inner_text()
    assert "by investigator" in history.inner_text()

    for decision, doc_id in decided.items():
        page.goto(f"{url}/hit/{doc_id}")
        assert page.inner_text("#hit-state") == decision.replace("_", " ")
        assert page.get_attribute("#history li", "data-decision") == decision
    page.goto(url + "/")
    counts = {
        tab.get_attribute("data-state"): int(tab.locator(".count").inner_text())
        for tab in page.locator(".states a").all()
    }
    assert counts["relevant"] == counts["not_relevant"] == counts["escalated"] == 1


def test_hostile_ad_is_shown_as_text_and_runs_no_script(
    page: Any, demo_app: tuple[str, LocalBackend]
) -> None:
    url, _ = demo_app
    hostile = hostile_hit()
    sign_in(page, url)
    page.goto(url + "/?sort=score")
    assert page.locator("#queue a", has_text="<script>").count() == 1
    page.goto(f"{url}/hit/{hostile['doc_id']}")
    page.wait_for_selector("body[data-keys=ready] #ad-text")
    assert page.inner_text("#ad-title") == hostile["title"]
    assert page.inner_text("#ad-text") == hostile["text"]
    assert hostile["url"] in page.inner_text("#provenance")
    assert check_evidence(page, hostile) == 1
    assert page.evaluate("window.__xss") is None
    assert page.locator("main img, main svg, main script, main a[href^='javascript:']").count() == 0
    assert page.dialogs == []


# ------------------------------------------------------------------ Elasticsearch


@pytest.fixture(scope="module")
def es_app() -> Iterator[tuple[str, EsTestServer]]:
    server = EsTestServer().start()
    try:
        with Elasticsearch(server.url) as admin:
            assert setup_cluster(admin).ok
            admin.security.put_role(
                name="hits_reader",
                indices=[{"names": ["lcom-hits*", "lcom-reviews*"], "privileges": ["read"]}],
            )
            for n in range(3):
                hit = make_hit("demo:", n, city=["Utrecht", "Venlo", "Breda"][n])
                admin.index(index="lcom-hits", id=hit["doc_id"], document=hit)
        server.add_user("admin", "admin-pass", ["superuser"])
        server.add_user("rita", "rita-pass", ["hits_reader"])
        backend = EsBackend(EsConnectionConfig(url=server.url, max_retries=0))
        app = create_app(backend, AppConfig(audit_log=Path("/dev/null")))
        with ReviewServer(app) as review:
            yield review.base_url, server
        backend.close()
    finally:
        server.stop()


def test_a_user_who_may_only_read_is_refused_a_decision_with_a_clear_message(
    page: Any, es_app: tuple[str, EsTestServer]
) -> None:
    url, server = es_app
    page.goto(url + "/login")
    page.fill("input[name=username]", "rita")
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit]")
    assert "did not accept" in page.inner_text(".error")
    page.fill("input[name=username]", "rita")
    page.fill("input[name=password]", "rita-pass")
    page.click("button[type=submit]")
    page.wait_for_selector("body[data-keys=ready] #queue")
    assert page.inner_text(".topbar .user") == "rita"
    assert page.locator("#queue tbody tr").count() == 3
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_selector("body[data-keys=ready] #ad-text")
    page.keyboard.press("r")
    page.wait_for_selector("body[data-keys=ready] #decision-error")
    message = page.inner_text("#decision-error")
    assert "rita may only read" in message and "lcom_investigator" in message
    assert page.inner_text("#hit-state") == "new"
    assert server.documents("lcom-reviews") == {}
