"""Advertised names are replaced by [name] in stored text; only keyed pseudonyms remain."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from typing import Any

import pytest
from scrapy.utils.test import get_crawler

from pipelines.engine.names import NAME_TOKEN, introduced_names, redact_item_names, redact_names
from pipelines.engine.pseudonyms import Pseudonymizer
from pipelines.indicators import IndicatorPipeline
from pipelines.pseudonymize import PseudonymizePipeline

KEY = b"\x11" * 32


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hoi! Ik ben Lotte, 23 jaar.", "Hoi! Ik ben [name], 23 jaar."),
        ("Hallo heren, mijn naam is Sanne (23).", "Hallo heren, mijn naam is [name] (23)."),
        ("Hi gents, I'm Amy, 22.", "Hi gents, I'm [name], 22."),
        ("Hello, my name is Chloe and I am 23", "Hello, my name is [name] and I am 23"),
        ("Call me Jess", "Call me [name]"),
        ("Hallo, ich bin Lena, 25 Jahre.", "Hallo, ich bin [name], 25 Jahre."),
        ("Ich heiße Mia", "Ich heiße [name]"),
        ("Mă numesc Ioana, vârsta: 22.", "Mă numesc [name], vârsta: 22."),
        ("Bună, sunt Bianca (21).", "Bună, sunt [name] (21)."),
        ("Казвам се Мария, на 22 съм.", "Казвам се [name], на 22 съм."),
        ("Здравей, аз съм Петя", "Здравей, аз съм [name]"),
        ("Szia, a nevem Réka", "Szia, a nevem [name]"),
        ("Szia, Eszter vagyok, 24", "Szia, [name] vagyok, 24"),
        ("Cześć, jestem Ola", "Cześć, jestem [name]"),
        ("Mam na imię Kasia", "Mam na imię [name]"),
        ("Hola, soy Carmen", "Hola, soy [name]"),
        ("Me llamo Lucía y tengo 22", "Me llamo [name] y tengo 22"),
        ("Hey there, Amy here (22)", "Hey there, [name] here (22)"),
    ],
)
def test_self_introductions_in_the_eight_languages_are_replaced(text: str, expected: str) -> None:
    assert redact_names({"text": text}).fields["text"] == expected


def test_every_occurrence_of_an_introduced_name_is_replaced_also_in_the_title() -> None:
    result = redact_names(
        {"title": "Carmen 💕 Madrid", "text": "Hola, soy Carmen. CARMEN te espera"}
    )
    assert result.fields == {
        "title": "[name] 💕 Madrid",
        "text": "Hola, soy [name]. [name] te espera",
    }
    assert result.names == ["Carmen"]


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("Lotte 💕 Rotterdam", "Lieve lotte wacht op je. Bel Lotte's nummer"),
        ("Zsófi – Budapest", "Zsofi vár rád, hívd Zsófit"),
    ],
)
def test_the_name_field_is_replaced_wherever_it_occurs(title: str, text: str) -> None:
    name = title.split()[0]
    result = redact_names({"title": title, "text": text}, name)
    assert name not in result.fields["title"] + result.fields["text"]
    assert result.fields["title"].startswith(NAME_TOKEN)
    assert result.replaced == 3


@pytest.mark.parametrize(
    "text",
    [
        "I'm NEW in town, 24/7",
        "Soy Colombiana, nueva en Madrid",
        "ik ben nieuw hier",
        "I am 22 years old",
        "Sunt nouă în oraș",
    ],
)
def test_words_after_an_introduction_that_are_not_names_are_kept(text: str) -> None:
    assert redact_names({"text": text}).fields["text"] == text


def test_a_capitalised_unknown_word_after_an_introduction_is_taken_for_a_name() -> None:
    # Fail closed: when unsure whether it is a name, it is redacted.
    assert introduced_names("ik ben Zwanet") == ["Zwanet"]


def test_contact_tokens_are_left_alone() -> None:
    text = "Ik ben Anna, mail [email:0a1b2c3d] of bel [phone:deadbeef]"
    assert redact_names({"text": text}, "Anna").fields["text"] == (
        "Ik ben [name], mail [email:0a1b2c3d] of bel [phone:deadbeef]"
    )


def test_item_keeps_keyed_name_pseudonyms_of_kind_name() -> None:
    item: dict[str, Any] = {"title": "Sweet Amy in Leeds", "text": "I'm Amy", "name": "Amy"}
    assert redact_item_names(item, Pseudonymizer(KEY, "k1")) == 2
    expected = hmac.new(KEY, b"name:amy", hashlib.sha256).hexdigest()
    assert item["name_pseudonyms"] == [expected]
    assert "Amy" not in item["title"] + item["text"]


def test_the_same_name_with_other_case_or_accents_gives_the_same_pseudonym() -> None:
    pseudonymizer = Pseudonymizer(KEY, "k1")
    first: dict[str, Any] = {"text": "x", "name": "Zsófi"}
    second: dict[str, Any] = {"text": "x", "name": "ZSOFI"}
    redact_item_names(first, pseudonymizer)
    redact_item_names(second, pseudonymizer)
    assert first["name_pseudonyms"] == second["name_pseudonyms"]


def test_pipelines_store_no_name_and_evidence_offsets_point_into_the_stored_text() -> None:
    crawler = get_crawler(settings_dict={"LCOM_DERIVE_ORIGIN": True})
    crawler.stats.open_spider()
    pseudonymize = PseudonymizePipeline(Pseudonymizer(KEY, "k1"), crawler.stats)
    indicators = IndicatorPipeline.from_crawler(crawler)
    item: dict[str, Any] = {
        "source": "demo",
        "source_ad_id": "1",
        "title": "Bianca 💕 NIEUW in Utrecht",
        "text": "Hoi, ik ben Bianca. Net aangekomen, Roemeense, 24/7 bereikbaar.",
        "name": "Bianca",
        "lang": "nl",
    }
    item = asyncio.run(pseudonymize.process_item(item))
    item = asyncio.run(indicators.process_item(item))
    assert "Bianca" not in item["title"] + item["text"]
    assert item["hit"]
    for indicator in item["indicators"]:
        evidence = indicator["evidence"]
        stored = item[evidence["field"]]
        assert evidence["snippet"] in stored
        assert stored[evidence["start"] : evidence["end"]].strip()
    assert crawler.stats.get_value("lcom/names/replaced") == 2
