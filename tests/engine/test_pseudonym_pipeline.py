"""PseudonymizePipeline built from a crawler: refuses to start without a key, uses the
demo key only under the bundled demo policy, redacts URLs and ad ids, drops oversized
ads and works off the event loop."""

from __future__ import annotations

import asyncio
import logging
import shutil
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawler.runtime import DEMO_POLICY_DIR
from pipelines.engine.pseudonyms import Pseudonymizer, PseudonymKeyError
from pipelines.offload import INLINE_TEXT_CHARS
from pipelines.pseudonymize import PSEUDONYMISED, PseudonymizePipeline
from tests.support.threads import record_threads

KEY_HEX = "11" * 32
PHONE_IN_ID = "anna-0612345678"


@pytest.fixture(autouse=True)
def no_key_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LCOM_PSEUDONYM_KEY", "LCOM_PSEUDONYM_KEY_FILE", "LCOM_PSEUDONYM_KEY_ID"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def with_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LCOM_PSEUDONYM_KEY", KEY_HEX)
    monkeypatch.setenv("LCOM_PSEUDONYM_KEY_ID", "k-test")


def crawler_under(policy_dir: Path | None, **settings: Any) -> Crawler:
    """A crawler whose runtime loaded ``policy_dir`` (None: no runtime at all)."""
    crawler = get_crawler(settings_dict=settings)
    if policy_dir is not None:
        crawler.lcom_runtime = SimpleNamespace(policy_dir=policy_dir)  # type: ignore[attr-defined]
    crawler.stats.open_spider()
    return crawler


def process(pipeline: PseudonymizePipeline, item: dict[str, Any]) -> Any:
    return asyncio.run(pipeline.process_item(item))


def test_missing_key_outside_demo_mode_refuses_to_build_the_pipeline() -> None:
    crawler = crawler_under(DEMO_POLICY_DIR, LCOM_DEMO=False)
    with pytest.raises(PseudonymKeyError, match="LCOM_PSEUDONYM_KEY"):
        PseudonymizePipeline.from_crawler(crawler)


def test_demo_mode_under_the_bundled_demo_policy_uses_the_demo_key() -> None:
    crawler = crawler_under(DEMO_POLICY_DIR, LCOM_DEMO=True)
    pipeline = PseudonymizePipeline.from_crawler(crawler)
    assert pipeline.pseudonymizer.key_id == "demo-insecure"


def test_demo_policy_reached_through_another_spelling_of_its_path_counts(
    tmp_path: Path,
) -> None:
    link = tmp_path / "policies"
    link.symlink_to(DEMO_POLICY_DIR.parent, target_is_directory=True)
    crawler = crawler_under(link / ".." / "policies" / DEMO_POLICY_DIR.name, LCOM_DEMO=True)
    assert PseudonymizePipeline.from_crawler(crawler).pseudonymizer.key_id == "demo-insecure"


def test_demo_mode_under_another_policy_refuses_the_demo_key(tmp_path: Path) -> None:
    # A copy of the demo policy, edited for a real site, is not the demo policy.
    copy = tmp_path / "policy"
    shutil.copytree(DEMO_POLICY_DIR, copy)
    crawler = crawler_under(copy, LCOM_DEMO=True)
    with pytest.raises(PseudonymKeyError) as raised:
        PseudonymizePipeline.from_crawler(crawler)
    message = str(raised.value)
    assert "LCOM_DEMO" in message
    assert "LCOM_PSEUDONYM_KEY" in message
    assert "LCOM_PSEUDONYM_KEY_FILE" in message


def test_demo_mode_without_a_crawl_runtime_refuses_the_demo_key() -> None:
    with pytest.raises(PseudonymKeyError, match="demo policy"):
        PseudonymizePipeline.from_crawler(crawler_under(None, LCOM_DEMO=True))


def test_demo_mode_under_another_policy_uses_a_configured_key(
    tmp_path: Path, with_key: None
) -> None:
    crawler = crawler_under(tmp_path, LCOM_DEMO=True)
    assert PseudonymizePipeline.from_crawler(crawler).pseudonymizer.key_id == "k-test"


def test_pipeline_pseudonymises_the_item_and_counts_contacts_by_kind(with_key: None) -> None:
    crawler = crawler_under(None)
    pipeline = PseudonymizePipeline.from_crawler(crawler)
    item = {
        "title": "Bel 06-12345678",
        "text": "of mail lisa@example.com",
        "contacts_raw": ["+31612345678", "https://t.me/lisa"],
        "source_country": "NL",
    }
    assert process(pipeline, item) is item
    assert "contacts_raw" not in item
    assert item[PSEUDONYMISED] is True
    assert [c["kind"] for c in item["contacts"]] == ["phone", "email", "handle"]
    assert {c["key_id"] for c in item["contacts"]} == {"k-test"}
    assert crawler.stats.get_value("lcom/contacts/phone") == 1
    assert crawler.stats.get_value("lcom/contacts/email") == 1
    assert crawler.stats.get_value("lcom/contacts/handle") == 1


@pytest.mark.parametrize(
    ("url", "redacted"),
    [
        ("https://ads.example/escort/anna-0612345678", "https://ads.example/escort/anna-{t}"),
        ("https://ads.example/ad?id=7&tel=%2B31612345678", "https://ads.example/ad?id=7&tel={t}"),
        ("https://ads.example/ad/7?phone=0612345678#top", "https://ads.example/ad/7?phone={t}#top"),
    ],
)
def test_phone_in_the_url_is_replaced_by_its_token_and_counted(
    with_key: None, url: str, redacted: str
) -> None:
    crawler = crawler_under(None)
    pipeline = PseudonymizePipeline.from_crawler(crawler)
    item = {"source": "demo", "source_ad_id": "7", "url": url, "text": "hoi"}
    process(pipeline, item)
    token = pipeline.pseudonymizer.token("phone", "+31612345678")
    assert item["url"] == redacted.format(t=token)
    assert item["contact_pseudonyms"] == [pipeline.pseudonymizer.pseudonym("phone", "+31612345678")]
    assert crawler.stats.get_value("lcom/contacts/in_url") == 1


@pytest.mark.parametrize(
    "url",
    [
        "https://ads.example/ads/48213377.html",  # a long numeric ad id is no phone number
        "https://ads.example/ads/ad-00042.html?page=2",
        "http://127.0.0.1:8123/ads/ad-00042.html",
    ],
)
def test_url_without_contacts_is_kept_as_it_is(with_key: None, url: str) -> None:
    crawler = crawler_under(None)
    pipeline = PseudonymizePipeline.from_crawler(crawler)
    item = {"source": "demo", "source_ad_id": "48213377", "url": url, "text": "hoi"}
    process(pipeline, item)
    assert item["url"] == url
    assert item["source_ad_id"] == "48213377"
    assert crawler.stats.get_value("lcom/contacts/in_url") is None
    assert crawler.stats.get_value("lcom/contacts/in_ad_id") is None


def test_contact_in_the_ad_id_is_redacted_but_the_doc_id_stays_that_of_the_original(
    with_key: None,
) -> None:
    crawler = crawler_under(None)
    pipeline = PseudonymizePipeline.from_crawler(crawler)
    item = {"source": "demo", "source_ad_id": PHONE_IN_ID, "text": "hoi"}
    process(pipeline, item)
    token = pipeline.pseudonymizer.token("phone", "+31612345678")
    assert item["source_ad_id"] == f"anna-{token}"
    assert item["doc_id"] == pipeline.pseudonymizer.doc_id("demo", PHONE_IN_ID)
    assert crawler.stats.get_value("lcom/contacts/in_ad_id") == 1


def test_oversized_ad_is_dropped_and_logged_by_document_id_only(
    with_key: None, caplog: pytest.LogCaptureFixture
) -> None:
    crawler = crawler_under(None, LCOM_MAX_TEXT_CHARS=1000)
    pipeline = PseudonymizePipeline.from_crawler(crawler)
    item = {
        "source": "demo",
        "source_ad_id": PHONE_IN_ID,
        "title": "Nieuw",
        "text": "net aangekomen " * 100 + "bel 0612345678",
    }
    with caplog.at_level(logging.DEBUG), pytest.raises(DropItem):
        process(pipeline, item)
    assert item == {"source": "demo", "doc_id": pipeline.pseudonymizer.doc_id("demo", PHONE_IN_ID)}
    assert crawler.stats.get_value("lcom/pipeline/dropped/oversized") == 1
    assert pipeline.pseudonymizer.doc_id("demo", PHONE_IN_ID) in caplog.text
    assert "0612345678" not in caplog.text
    assert "aangekomen" not in caplog.text


def test_default_cap_is_one_hundred_thousand_characters(with_key: None) -> None:
    assert PseudonymizePipeline.from_crawler(crawler_under(None)).max_text_chars == 100_000


def test_a_long_ad_is_pseudonymised_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    pipeline = PseudonymizePipeline(Pseudonymizer(bytes(32), "k"))
    loop_ran = threading.Event()
    redact = pipeline.pseudonymizer.redact

    def slow_redact(*args: Any, **kwargs: Any) -> Any:
        # Inline on the event loop this wait could only time out.
        assert loop_ran.wait(10)
        return redact(*args, **kwargs)

    monkeypatch.setattr(pipeline.pseudonymizer, "redact", slow_redact)

    async def main() -> Any:
        async def other_work() -> None:
            loop_ran.set()

        other = asyncio.create_task(other_work())
        text = "bel 0612345678 " + "x" * INLINE_TEXT_CHARS
        item = await pipeline.process_item({"text": text})
        await other
        return item

    assert asyncio.run(main())["contact_pseudonyms"]


def test_an_ordinary_ad_is_pseudonymised_inline(monkeypatch: pytest.MonkeyPatch) -> None:
    pipeline = PseudonymizePipeline(Pseudonymizer(bytes(32), "k"))
    threads = record_threads(monkeypatch, pipeline.pseudonymizer, "redact")
    item = asyncio.run(pipeline.process_item({"text": "bel 0612345678"}))
    assert item["contact_pseudonyms"]
    assert set(threads) == {threading.main_thread()}
