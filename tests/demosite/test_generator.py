"""The synthetic ads: deterministic, realistic in shape, and labelled consistently."""

from __future__ import annotations

import difflib
import functools
import json
import re
import string
from collections import Counter
from datetime import date, timedelta

import phonenumbers
import pytest

from crawler.demosite import CATEGORIES, GroundTruth, TruthAd, generate_ground_truth
from crawler.demosite.generator import (
    LANGUAGES,
    PHONE_FORMATS,
    POSTED_WINDOW_DAYS,
    REFERENCE_DATE,
    load_phrases,
)

ADS = 120


@pytest.fixture(scope="module")
def truth() -> GroundTruth:
    return generate_ground_truth(ADS, 7)


def _alternatives(values: list[str]) -> str:
    return "(?:" + "|".join(re.escape(v) for v in sorted(values, key=len, reverse=True)) + ")"


@functools.cache
def _placeholder_patterns() -> dict[str, str]:
    pools = load_phrases()
    names, cities = [], list(pools["nl_cities"])
    for lang in pools["languages"].values():
        names += [n[0] if isinstance(n, list) else n for n in lang["names"]]
        cities += lang["cities"]
    city = _alternatives(cities)
    return {
        "name": _alternatives(names),
        "age": "[0-9]{2}",
        "city": city,
        "city2": city,
        "city3": city,
        "emoji": _alternatives(pools["emoji"]) + "?",
        "price": ".+?",
        "phone_text": ".+?",
        "email": "\\S+",
    }


@functools.cache
def template_regex(template: str) -> re.Pattern[str]:
    """A phrase template as a regex matching its filled-in forms."""
    placeholders = _placeholder_patterns()
    parts = re.split(r"\{(\w+)\}", template)
    pattern = "".join(
        placeholders[part] if i % 2 else re.escape(part).replace("\\ ", "\\s*")
        for i, part in enumerate(parts)
    )
    return re.compile(pattern)


def positive_templates(lang: str, category: str) -> list[str]:
    pools = load_phrases()["languages"][lang]
    return [
        *pools["categories"][category]["positive"],
        *pools["titles"].get(category, []),
    ]


def test_same_seed_gives_identical_ground_truth() -> None:
    assert generate_ground_truth(80, 5).to_dict() == generate_ground_truth(80, 5).to_dict()


@pytest.mark.parametrize(("first", "second"), [((80, 5), (80, 6)), ((80, 5), (81, 5))])
def test_different_seed_or_size_gives_different_ads(
    first: tuple[int, int], second: tuple[int, int]
) -> None:
    a, b = generate_ground_truth(*first), generate_ground_truth(*second)
    assert [ad.text for ad in a.ads.values()] != [ad.text for ad in b.ads.values()]


def test_ground_truth_survives_a_json_round_trip(truth: GroundTruth) -> None:
    data = json.loads(json.dumps(truth.to_dict(), ensure_ascii=False))
    assert GroundTruth.from_dict(data) == truth


def test_too_few_ads_are_refused() -> None:
    with pytest.raises(ValueError, match="at least"):
        generate_ground_truth(3, 7)


@pytest.mark.parametrize("ads", [4, 9, 40])
def test_small_sites_still_have_every_section(ads: int) -> None:
    truth = generate_ground_truth(ads, 1)
    assert len(truth.ads) == ads
    assert {ad.section for ad in truth.ads.values()} == {"static", "js", "bad"}


def test_ads_are_numbered_and_split_into_sections(truth: GroundTruth) -> None:
    assert list(truth.ads) == [f"ad-{n:05d}" for n in range(1, ADS + 1)]
    sections = Counter(ad.section for ad in truth.ads.values())
    assert sections["bad"] == 2
    assert 0.12 * ADS <= sections["js"] <= 0.18 * ADS
    for ad in truth.ads.values():
        expected_url = {"static": f"/ad/{ad.ad_id}", "js": f"/js/ad/{ad.ad_id}"}.get(ad.section)
        if expected_url:
            assert ad.url == expected_url
        assert ad.image_path == f"/img/{ad.ad_id}.png"
    assert sorted(ad.url for ad in truth.in_section("bad")) == ["/bad/cp1250", "/bad/malformed"]


def test_listing_pages_cover_the_static_ads_ten_per_page(truth: GroundTruth) -> None:
    static = len(truth.in_section("static"))
    assert truth.listing_pages == [f"/ads?page={n}" for n in range(1, -(-static // 10) + 1)]


def test_languages_are_spread_evenly(truth: GroundTruth) -> None:
    counts = Counter(ad.lang for ad in truth.ads.values())
    assert set(counts) == set(LANGUAGES)
    assert max(counts.values()) - min(counts.values()) <= 2


def test_the_windows_1250_ad_is_polish_or_hungarian_with_diacritics(truth: GroundTruth) -> None:
    ad = next(ad for ad in truth.in_section("bad") if ad.url == "/bad/cp1250")
    assert ad.lang in ("pl", "hu")
    assert not ad.text.isascii()
    ad.text.encode("cp1250")
    ad.title.encode("cp1250")


def test_every_category_occurs(truth: GroundTruth) -> None:
    counts = Counter(label for ad in truth.ads.values() for label in ad.labels)
    assert set(counts) == set(CATEGORIES)
    assert min(counts.values()) >= 5


def test_about_35_percent_of_ads_have_no_label(truth: GroundTruth) -> None:
    unlabelled = sum(not ad.labels for ad in truth.ads.values())
    assert 0.30 * ADS <= unlabelled <= 0.40 * ADS


def test_labels_are_sorted_known_category_ids(truth: GroundTruth) -> None:
    for ad in truth.ads.values():
        assert ad.labels == sorted(set(ad.labels))
        assert set(ad.labels) <= set(CATEGORIES)


def test_every_label_is_expressed_by_a_positive_phrase(truth: GroundTruth) -> None:
    for ad in truth.ads.values():
        content = f"{ad.title}\n{ad.text}"
        for label in ad.labels:
            patterns = [template_regex(t) for t in positive_templates(ad.lang, label)]
            assert any(p.search(content) for p in patterns), (ad.ad_id, label)


def test_unlabelled_ads_contain_no_positive_phrase(truth: GroundTruth) -> None:
    for ad in truth.ads.values():
        if ad.labels:
            continue
        content = f"{ad.title}\n{ad.text}"
        for category in CATEGORIES:
            for template in positive_templates(ad.lang, category):
                assert not template_regex(template).search(content), (ad.ad_id, template)


def test_unlabelled_ads_include_hard_negatives_and_unrelated_classifieds(
    truth: GroundTruth,
) -> None:
    pools = load_phrases()["languages"]
    negatives = classifieds = 0
    for ad in truth.ads.values():
        if ad.labels:
            continue
        lang = pools[ad.lang]
        if any(
            template_regex(t).search(ad.text)
            for category in CATEGORIES
            for t in lang["categories"][category]["negative"]
        ):
            negatives += 1
        if any(template_regex(c["text"]).search(ad.text) for c in lang["classifieds"]):
            classifieds += 1
    assert negatives >= 10
    assert classifieds >= 10


def test_ages_are_adult_and_18_to_20_only_with_the_youth_label(truth: GroundTruth) -> None:
    for ad in truth.ads.values():
        assert 18 <= ad.age <= 45
        assert (ad.age <= 20) == ("youth" in ad.labels), ad.ad_id


def test_posted_dates_lie_in_the_30_days_before_the_reference_date(truth: GroundTruth) -> None:
    earliest = REFERENCE_DATE - timedelta(days=POSTED_WINDOW_DAYS)
    for ad in truth.ads.values():
        assert earliest <= date.fromisoformat(ad.posted) < REFERENCE_DATE


def test_texts_have_classified_ad_length(truth: GroundTruth) -> None:
    for ad in truth.ads.values():
        assert 60 <= len(ad.text) <= 500, ad.ad_id
        assert ad.title and ad.title == " ".join(ad.title.split())


def test_phones_are_valid_numbers_in_the_languages_local_format(truth: GroundTruth) -> None:
    regions = {lang: load_phrases()["languages"][lang]["country"] for lang in LANGUAGES}
    for ad in truth.ads.values():
        region = regions[ad.lang]
        number = phonenumbers.parse(ad.phone, region)
        assert phonenumbers.is_valid_number(number), ad.phone
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        assert e164 == ad.phone_e164
        assert phonenumbers.region_code_for_number(number) == region


@pytest.mark.parametrize("region", sorted(PHONE_FORMATS))
def test_every_printed_phone_pattern_fits_its_number_length(region: str) -> None:
    fmt = PHONE_FORMATS[region]
    assert {pattern.count("#") for pattern in fmt.patterns} == {fmt.length}


def test_some_ads_repeat_their_phone_in_the_text(truth: GroundTruth) -> None:
    repeated = 0
    for ad in truth.ads.values():
        if any(
            phonenumbers.PhoneNumberMatcher(
                ad.text, load_phrases()["languages"][ad.lang]["country"]
            )
        ):
            repeated += 1
    assert repeated >= 5


def test_contact_strings_list_every_contact_of_the_ad(truth: GroundTruth) -> None:
    emails = handles = 0
    for ad in truth.ads.values():
        expected = {ad.phone, ad.phone_e164} | {v for v in (ad.email, ad.handle_url) if v}
        assert expected <= set(ad.contact_strings)
        emails += ad.email is not None
        handles += ad.handle_url is not None
        if ad.email:
            assert ad.email.rsplit("@", 1)[1] in ("example.com", "example.net", "example.org")
        if ad.handle_url:
            assert re.fullmatch(r"https://(wa\.me/[0-9]+|t\.me/[a-z0-9_]+)", ad.handle_url)
    assert emails >= 10
    assert handles >= 10
    assert truth.all_contact_strings() >= {ad.phone for ad in truth.ads.values()}


def test_at_least_three_carousel_phones_recur_across_cities_and_days(truth: GroundTruth) -> None:
    assert len(truth.carousels) >= 3
    for phone, cities in truth.carousels.items():
        ads = [ad for ad in truth.ads.values() if ad.phone_e164 == phone]
        assert len(ads) >= 3
        assert len({ad.city for ad in ads}) == len(ads)
        assert len({ad.posted for ad in ads}) == len(ads)
        assert sorted({ad.city for ad in ads}) == cities


def test_contacts_map_every_phone_to_its_cities(truth: GroundTruth) -> None:
    expected: dict[str, set[str]] = {}
    for ad in truth.ads.values():
        expected.setdefault(ad.phone_e164, set()).add(ad.city)
    assert truth.contacts == {phone: sorted(cities) for phone, cities in expected.items()}


def test_some_foreign_ads_posted_in_the_netherlands_mix_in_dutch(truth: GroundTruth) -> None:
    snippets = load_phrases()["dutch_mix"]
    mixed = [
        ad for ad in truth.ads.values() if ad.lang != "nl" and any(s in ad.text for s in snippets)
    ]
    assert mixed


def test_phrase_pools_have_paraphrases_for_every_language_and_category() -> None:
    pools = load_phrases()
    assert set(pools["languages"]) == set(LANGUAGES)
    for lang, data in pools["languages"].items():
        for category in CATEGORIES:
            phrases = data["categories"][category]
            assert len(phrases["positive"]) >= 3, (lang, category)
            assert len(phrases["negative"]) >= 2, (lang, category)
        assert len(data["classifieds"]) >= 5, lang
        assert len(data["massage"]["texts"]) >= 2, lang


def test_phrase_templates_use_only_known_placeholders() -> None:
    known = {"name", "age", "city", "city2", "city3", "emoji", "price", "phone_text", "email"}
    known_price = {"amount"}

    def walk(value: object, path: str) -> None:
        if isinstance(value, str):
            fields = {f for _, f, _, _ in string.Formatter().parse(value) if f}
            allowed = known_price if "prices" in path or path.endswith("price") else known
            assert fields <= allowed, (path, value)
        elif isinstance(value, list):
            for item in value:
                walk(item, path)
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{path}.{key}")

    walk(load_phrases()["languages"], "languages")


def test_every_carousel_lists_its_cities_with_their_dates(truth: GroundTruth) -> None:
    assert {tour.phone_e164: tour.cities for tour in truth.tours} == truth.carousels
    for tour in truth.tours:
        ads = {ad.ad_id: ad for ad in truth.ads.values() if ad.phone_e164 == tour.phone_e164}
        assert tour.ad_ids == sorted(ads)
        for stop in tour.stops:
            assert (stop.city, stop.posted) == (ads[stop.ad_id].city, ads[stop.ad_id].posted)
        assert [stop.posted for stop in tour.stops] == sorted(stop.posted for stop in tour.stops)
        assert 0 < tour.window_days <= POSTED_WINDOW_DAYS


def test_single_city_contacts_include_advertisers_re_posting_in_their_own_city(
    truth: GroundTruth,
) -> None:
    assert len(truth.single_city_contacts) > len(truth.carousels)
    assert not set(truth.single_city_contacts) & set(truth.carousels)
    assert len(truth.repeat_contacts) >= 2
    for phone in truth.repeat_contacts:
        ads = [ad for ad in truth.ads.values() if ad.phone_e164 == phone]
        assert len({ad.name for ad in ads}) == 1
        assert len({ad.posted for ad in ads}) == len(ads)
        assert len({ad.text for ad in ads}) == len(ads)


def _words_without_slots(ad: TruthAd) -> list[str]:
    slots = [ad.price_text, ad.name, ad.city, str(ad.age), *ad.contact_strings]
    text = f"{ad.title} {ad.text}"
    for value in sorted(slots, key=len, reverse=True):
        text = text.replace(value, " ")
    return text.split()


def test_re_posted_texts_share_their_wording_under_other_numbers_and_slots(
    truth: GroundTruth,
) -> None:
    assert len(truth.templates) >= 3
    seen: set[str] = set()
    for template in truth.templates:
        ads = [truth.ads[ad_id] for ad_id in template.ad_ids]
        assert len(ads) >= 2
        assert not seen & set(template.ad_ids)
        seen |= set(template.ad_ids)
        assert len({ad.phone_e164 for ad in ads}) == len(ads)
        assert len({ad.lang for ad in ads}) == 1
        assert len({tuple(ad.labels) for ad in ads}) == 1
        assert {"city", "name"} <= set(template.differing_slots)
        original = _words_without_slots(ads[0])
        for ad in ads[1:]:
            similarity = difflib.SequenceMatcher(None, original, _words_without_slots(ad)).ratio()
            assert similarity >= 0.85, (template.template_id, ad.ad_id, similarity)
    carousel_ads = {ad_id for tour in truth.tours for ad_id in tour.ad_ids}
    assert not seen & carousel_ads


def test_unrelated_ads_do_not_share_a_template_wording(truth: GroundTruth) -> None:
    clustered = {ad_id for template in truth.templates for ad_id in template.ad_ids}
    others = [ad for ad in truth.ads.values() if ad.ad_id not in clustered and ad.labels]
    words = {ad.ad_id: _words_without_slots(ad) for ad in others}
    for i, first in enumerate(others):
        for second in others[i + 1 :]:
            if first.lang == second.lang and first.phone_e164 != second.phone_e164:
                matcher = difflib.SequenceMatcher(None, words[first.ad_id], words[second.ad_id])
                assert matcher.ratio() < 0.85, (first.ad_id, second.ad_id)
