"""PseudonymizePipeline built from a crawler: refuses to start without a key."""

from __future__ import annotations

import pytest
from scrapy.utils.test import get_crawler

from pipelines.engine.pseudonyms import PseudonymKeyError
from pipelines.pseudonymize import PseudonymizePipeline

KEY_HEX = "11" * 32


@pytest.fixture(autouse=True)
def no_key_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LCOM_PSEUDONYM_KEY", "LCOM_PSEUDONYM_KEY_FILE", "LCOM_PSEUDONYM_KEY_ID"):
        monkeypatch.delenv(name, raising=False)


def test_missing_key_outside_demo_mode_refuses_to_build_the_pipeline() -> None:
    crawler = get_crawler(settings_dict={"LCOM_DEMO": False})
    with pytest.raises(PseudonymKeyError, match="LCOM_PSEUDONYM_KEY"):
        PseudonymizePipeline.from_crawler(crawler)


def test_demo_mode_builds_the_pipeline_with_the_demo_key() -> None:
    crawler = get_crawler(settings_dict={"LCOM_DEMO": True})
    pipeline = PseudonymizePipeline.from_crawler(crawler)
    assert pipeline.pseudonymizer.key_id == "demo-insecure"


def test_pipeline_pseudonymises_the_item_and_counts_contacts_by_kind(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LCOM_PSEUDONYM_KEY", KEY_HEX)
    monkeypatch.setenv("LCOM_PSEUDONYM_KEY_ID", "k-test")
    crawler = get_crawler()
    crawler.stats.open_spider()
    pipeline = PseudonymizePipeline.from_crawler(crawler)
    item = {
        "title": "Bel 06-12345678",
        "text": "of mail lisa@example.com",
        "contacts_raw": ["+31612345678", "https://t.me/lisa"],
        "source_country": "NL",
    }
    assert pipeline.process_item(item) is item
    assert "contacts_raw" not in item
    assert [c["kind"] for c in item["contacts"]] == ["phone", "email", "handle"]
    assert {c["key_id"] for c in item["contacts"]} == {"k-test"}
    assert crawler.stats.get_value("lcom/contacts/phone") == 1
    assert crawler.stats.get_value("lcom/contacts/email") == 1
    assert crawler.stats.get_value("lcom/contacts/handle") == 1
