from __future__ import annotations

from pathlib import Path

import pytest

from crawler.sources import SourceConfigError, load_source


def test_bundled_demo_source_loads() -> None:
    config = load_source("demo")
    assert config.id == "demo"
    assert config.country == "NL"
    assert config.resolved_start_urls("http://127.0.0.1:9/") == ["http://127.0.0.1:9/"]


@pytest.mark.parametrize(
    ("path", "page_type"),
    [
        ("/ad/ad-00001", "ad"),
        ("/js/ad/ad-00002", "js_ad"),
        ("/js/", "js_listing"),
        ("/ads?page=2", "listing"),
        ("/bad/cp1250", "bad_ad"),
        ("/calendar?date=2026-11-01", "other"),
    ],
)
def test_page_types_are_matched_in_file_order(path: str, page_type: str) -> None:
    match = load_source("demo").page_type_for(path)
    assert match is not None
    assert match[0] == page_type


def test_unknown_source_names_the_available_ones(tmp_path: Path) -> None:
    (tmp_path / "one.yaml").write_text("id: one\n")
    with pytest.raises(SourceConfigError, match="available: one"):
        load_source("missing", tmp_path)


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("id: x\n  bad: [", "not valid YAML"),
        ("id: Bad Id\n", "id"),
        (
            "id: x\nname: x\ncountry: NL\nbase_url: http://x\nstart_urls: ['{base_url}/']\n"
            "pages: {a: {url_pattern: '('}}\nad: {id_from_url: '(?P<id>.+)', title: h1, text: p}\n",
            "pages.a.url_pattern",
        ),
        (
            "id: x\nname: x\ncountry: NL\nbase_url: http://x\nstart_urls: ['{base_url}/']\n"
            "pages: {a: {url_pattern: '.'}}\nad: {id_from_url: '/ad/(.+)', title: h1, text: p}\n",
            "named group",
        ),
        (
            "id: x\nname: x\ncountry: NL\nbase_url: http://x\nstart_urls: ['{base_url}/']\n"
            "pages: {a: {url_pattern: '.', login: true}}\n"
            "ad: {id_from_url: '(?P<id>.+)', title: h1, text: p}\n",
            "is not a known field",
        ),
    ],
)
def test_invalid_source_config_names_file_and_field(
    tmp_path: Path, yaml_text: str, message: str
) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(yaml_text)
    with pytest.raises(SourceConfigError) as excinfo:
        load_source(str(path))
    assert str(path) in str(excinfo.value)
    assert message in str(excinfo.value)


@pytest.mark.parametrize("content", [b"id: demo\ntitle: caf\xe9\n", b"\xff\xfe\x00i\x00d"])
def test_a_source_config_that_is_not_utf8_is_a_source_config_error(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(content)
    with pytest.raises(SourceConfigError, match="not UTF-8"):
        load_source(str(path))


def test_a_bad_source_config_is_an_audited_refusal(tmp_path: Path) -> None:
    import json

    from scrapy.crawler import Crawler

    from crawler.jobs import project_settings
    from crawler.runtime import prepare_runtime
    from crawler.spiders.ads import AdSpider

    path = tmp_path / "broken.yaml"
    path.write_bytes(b"id: demo\n\xff\n")
    audit = tmp_path / "audit.jsonl"
    crawler = Crawler(AdSpider, project_settings({"LCOM_AUDIT_LOG": str(audit)}))
    with pytest.raises(SourceConfigError):
        prepare_runtime(crawler, str(path), "http://127.0.0.1:1")
    (record,) = [json.loads(line) for line in audit.read_text().splitlines()]
    assert (record["finish_reason"], record["source"]) == ("lcom_refused", "broken")
    assert "SourceConfigError" in record["refusal"]
