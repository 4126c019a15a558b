"""The job folder's request queue is encrypted with a key derived from the pseudonym key."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy import Request

from crawler.squeues import EncryptedFifoDiskQueue
from tests.crawl.conftest import make_policy
from tests.crawl.test_runtime import prepared

URL = "http://127.0.0.1:1/ad/anna-0612345678?mail=anna@example.com"


@pytest.fixture
def key_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LCOM_PSEUDONYM_KEY", "ab" * 32)
    monkeypatch.delenv("LCOM_PSEUDONYM_KEY_FILE", raising=False)


@pytest.mark.usefixtures("key_env")
def test_queued_requests_are_stored_encrypted_and_come_back_whole(tmp_path: Path) -> None:
    crawler, _ = prepared(make_policy(tmp_path / "policy"))
    assert crawler.settings["SCHEDULER_DISK_QUEUE"] == "crawler.squeues.EncryptedFifoDiskQueue"
    path = tmp_path / "job" / "requests.queue" / "p0"
    queue = EncryptedFifoDiskQueue.from_crawler(crawler, str(path))
    queue.push(Request(URL, meta={"lcom_page": "ad"}))
    queue.close()
    stored = b"".join(p.read_bytes() for p in path.parent.rglob("*") if p.is_file())
    assert b"0612345678" not in stored and b"anna" not in stored and b"127.0.0.1" not in stored
    reopened = EncryptedFifoDiskQueue.from_crawler(crawler, str(path))
    request = reopened.pop()
    assert request is not None and request.url == URL and request.meta["lcom_page"] == "ad"
    reopened.close()


def test_a_queue_written_with_another_key_is_dropped_not_crashed_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("LCOM_PSEUDONYM_KEY_FILE", raising=False)
    monkeypatch.setenv("LCOM_PSEUDONYM_KEY", "ab" * 32)
    crawler, _ = prepared(make_policy(tmp_path / "policy"))
    path = tmp_path / "job" / "requests.queue" / "p0"
    queue = EncryptedFifoDiskQueue.from_crawler(crawler, str(path))
    queue.push(Request(URL))
    queue.push(Request(URL + "&x=2"))
    queue.close()
    monkeypatch.setenv("LCOM_PSEUDONYM_KEY", "cd" * 32)
    other = EncryptedFifoDiskQueue.from_crawler(crawler, str(path))
    assert other.pop() is None
    assert len(other) == 0
    assert "another pseudonymisation key" in caplog.text
    other.close()


@pytest.mark.usefixtures("key_env")
def test_request_fingerprints_are_keyed(tmp_path: Path) -> None:
    from scrapy.utils.request import RequestFingerprinter

    from crawler.fingerprint import KeyedRequestFingerprinter

    crawler, _ = prepared(make_policy(tmp_path / "policy"))
    assert crawler.settings["REQUEST_FINGERPRINTER_CLASS"] == (
        "crawler.fingerprint.KeyedRequestFingerprinter"
    )
    keyed = KeyedRequestFingerprinter.from_crawler(crawler)
    request = Request(URL)
    assert keyed.fingerprint(request) == keyed.fingerprint(Request(URL))
    assert keyed.fingerprint(request) != keyed.fingerprint(Request(URL + "&x=2"))
    assert keyed.fingerprint(request) != RequestFingerprinter().fingerprint(request)
    assert len(keyed.fingerprint(request)) == 20
