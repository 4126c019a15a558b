"""Generated contact forms crawled end to end: none survives anywhere lcom writes.

A loopback site serves one ad per language and kind of contact (every generated form of
``tests/support/contact_forms.py`` in the ad's text, title, city, date, price and age
fields and, for phones and e-mails, in the ad id and URL), built like the demo site so
the demo source config reads it. A real ``lcom crawl`` at DEBUG log level with a job
folder; then the spool, the audit log, the log output, the stats and the job folder are
searched for every form's secrets. A second crawl is interrupted with SIGINT (Ctrl-C)
while requests are queued, and its job folder is searched too.
"""

from __future__ import annotations

import html
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote

import pytest

from tests.crawl.test_demo_e2e import ROOT, base_env, lcom, spooled_hits
from tests.support.contact_forms import (
    LANGUAGES,
    ContactForm,
    contact_forms,
    leaks,
    reading,
)

FORMS = contact_forms()


def _id_slug(form: ContactForm) -> str:
    # Phones and e-mails in the ad id (and so in the URL) the way sites put them there.
    if form.kind == "phone" and form.form in ("no_trunk", "no_country_code", "spaces"):
        return "-" + form.written.replace(" ", "-")
    if form.kind == "email" and form.form == "plain":
        return "-" + form.written
    return ""


class ContactSite:
    """Ads built from the generated forms, served on 127.0.0.1 like the demo site."""

    def __init__(self, ads_per_group: int = 1) -> None:
        self.ads: dict[str, tuple[str, list[ContactForm]]] = {}
        for lang in LANGUAGES:
            for kind in ("phone", "email", "handle"):
                group = [f for f in FORMS if f.lang == lang.code and f.kind == kind]
                slug = next((_id_slug(f) for f in group if _id_slug(f)), "")
                ad_id = f"{lang.code}-{kind}{slug}"
                self.ads[ad_id] = (lang.code, group)
        self._server: ThreadingHTTPServer | None = None
        self.requested: list[str] = []

    def page(self, path: str) -> tuple[int, str]:
        if path == "/robots.txt":
            return 200, "User-agent: *\nAllow: /\n"
        if path == "/":
            links = "".join(
                f'<li><a href="/ad/{quote(ad_id, safe="@-")}">ad</a></li>' for ad_id in self.ads
            )
            return 200, f"<html><body><ul>{links}</ul></body></html>"
        if path.startswith("/ad/"):
            ad_id = unquote(path[4:])
            if ad_id in self.ads:
                return 200, self.ad_page(ad_id)
        return 404, "<html><body>not found</body></html>"

    def ad_page(self, ad_id: str) -> str:
        _, group = self.ads[ad_id]
        first = group[0]
        lines = "<br>".join(html.escape(form.sentence()) for form in group)
        esc = html.escape
        return f"""<html><body><main data-ad-id="{esc(ad_id)}">
<h1 class="ad-title">{esc(first.sentence())}</h1>
<span class="ad-city">{esc(group[1].written)}</span>
<time class="ad-date" datetime="{esc(group[2].written)}">{esc(group[2].written)}</time>
<span class="ad-price">150 EUR {esc(group[3].written)}</span>
<span class="ad-age">{esc(group[4].written)}</span>
<div class="ad-text">{lines}</div>
</main></body></html>"""

    def __enter__(self) -> ContactSite:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.requested.append(self.path)
                status, body = site.page(self.path.split("?", 1)[0])
                data = body.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"


def written_files(*folders: Path) -> Iterator[tuple[str, str]]:
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                yield str(path), path.read_bytes().decode("utf-8", errors="replace")


def crawl_env(tmp_path: Path) -> dict[str, str]:
    """A demo crawl's environment whose compiled lexicons are kept outside its var folder
    (the suite's, else one of the test's): every file under the var folder is searched.
    That the compiled lexicons hold no crawl data is proven by the privacy check
    (tests/crawl/test_privacy_e2e.py); their megabytes would make this search slow."""
    env = base_env(tmp_path) | {"LCOM_DEMO": "1"}
    env.setdefault("LCOM_LEXICON_CACHE", str(tmp_path / "lexicon-cache"))
    return env


def find_leaks(haystacks: dict[str, str]) -> list[tuple[str, str]]:
    readings = {where: reading(text) for where, text in haystacks.items()}
    return [
        (form.id, where) for form in FORMS for where, read in readings.items() if leaks(form, read)
    ]


@pytest.fixture(scope="module")
def site() -> Iterator[ContactSite]:
    with ContactSite() as served:
        yield served


@pytest.mark.slow
def test_no_generated_contact_form_survives_anywhere_a_crawl_writes(
    site: ContactSite, tmp_path: Path
) -> None:
    env = crawl_env(tmp_path)
    jobdir = tmp_path / "job"
    result = lcom(
        "--log-level", "DEBUG", "crawl", "demo", "--base-url", site.base_url,
        "--jobdir", str(jobdir), "-s", "LOG_LEVEL=DEBUG", "-s", "DOWNLOAD_DELAY=0",
        "-s", f"LCOM_STATS_DUMP={tmp_path / 'stats.json'}",
        env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    hits = spooled_hits(tmp_path / "var")
    assert len(hits) >= len(site.ads) // 2, "most ads are hits and their text is stored"
    haystacks = {"stdout": result.stdout, "log": result.stderr}
    haystacks.update(written_files(tmp_path / "var", jobdir))
    haystacks["stats"] = (tmp_path / "stats.json").read_text()
    assert not find_leaks(haystacks)[:20]


@pytest.mark.slow
def test_the_job_folder_of_a_crawl_stopped_with_ctrl_c_holds_no_contact(
    site: ContactSite, tmp_path: Path
) -> None:
    env = crawl_env(tmp_path)
    jobdir = tmp_path / "job"
    process = subprocess.Popen(
        [sys.executable, "-m", "crawler", "crawl", "demo", "--base-url", site.base_url,
         "--jobdir", str(jobdir), "-s", "DOWNLOAD_DELAY=2", "-s", "CONCURRENT_REQUESTS=1"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    site.requested.clear()
    deadline = time.monotonic() + 90
    # Once the first ad is fetched, the other ads' requests wait in the queue.
    while not any(p.startswith("/ad/") for p in site.requested) and time.monotonic() < deadline:
        time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    queue = jobdir / "requests.queue"
    assert queue.exists() and any(p.stat().st_size for p in queue.rglob("*") if p.is_file()), (
        "requests were queued when the crawl stopped"
    )
    # The queue is ciphertext: random bytes would look like digits to the leak search, so
    # it is searched for the plain strings themselves.
    for path in queue.rglob("*"):
        if path.is_file():
            raw = path.read_bytes()
            assert b"/ad/" not in raw, path
            for form in FORMS:
                assert not any(secret.encode() in raw for secret in form.secrets), form.id
    haystacks = {
        where: text
        for where, text in written_files(tmp_path / "var", jobdir)
        if "requests.queue" not in where
    }
    haystacks["log"] = stderr
    assert not find_leaks(haystacks)[:20]
    ad_ids = [ad_id for ad_id in site.ads if "@" in ad_id or ad_id.count("-") > 1]
    assert ad_ids
    for where, text in haystacks.items():
        for ad_id in ad_ids:
            assert ad_id.split("-", 2)[-1] not in text, (ad_id, where)
