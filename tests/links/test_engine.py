"""The linking engine: carousels, shared contacts, template clusters, each with its facts."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from pipelines.engine.linking import (
    MAX_CONTACTS_PER_AD,
    MAX_WINDOW_CITIES,
    AdFacts,
    LinkConfig,
    LinkConfigError,
    LinkEngine,
    carousel_window,
    load_link_config,
    normalise_city,
    observed_day,
)
from pipelines.links.model import CitySpan
from pipelines.links.sqlite import SqliteLinkStore
from tests.links.conftest import day

TEXT = (
    "Nieuw in de stad! Lieve meid, discreet en privé ontvangst in een schoon appartement. "
    "Bel [phone:1a2b3c4d] voor een afspraak, ook 's nachts en in het weekend. Alleen heren."
)


def ad(doc_id: str, city: str, n: int, *contacts: str, **kwargs: object) -> AdFacts:
    fields: dict[str, object] = {
        "source": doc_id.split(":")[0],
        "hit": True,
        "service": True,
        "score": 1.0,
        "text": f"{doc_id} {city}",  # unrelated texts unless a test gives one
    } | kwargs
    return AdFacts(doc_id=doc_id, city=city, seen=day(n), contacts=contacts, **fields)  # type: ignore[arg-type]


@pytest.fixture
def engine(store: SqliteLinkStore) -> LinkEngine:
    return LinkEngine(store, LinkConfig(), threshold=0.5)


def names(result: object) -> list[str]:
    return [d["indicator"] for d in result.derived]  # type: ignore[attr-defined]


def test_a_pseudonym_in_three_cities_within_the_window_is_a_carousel_with_its_cities(
    engine: LinkEngine,
) -> None:
    engine.link(ad("demo:1", "Den Haag", 0, "p1"))
    engine.link(ad("demo:2", "Nijmegen", 4, "p1"))
    result = engine.link(ad("demo:3", "Venlo", 9, "p1"))
    (carousel,) = [d for d in result.derived if d["indicator"] == "carousel"]
    assert carousel["rule"] == "links.carousel"
    facts = carousel["facts"]
    assert facts["pseudonym"] == "p1"
    assert [c["city"] for c in facts["cities"]] == ["Den Haag", "Nijmegen", "Venlo"]
    assert facts["cities"][1] == {
        "city": "Nijmegen",
        "first": "2026-11-05T00:00:00Z",
        "last": "2026-11-05T00:00:00Z",
    }
    assert (facts["n_cities"], facts["window_days"]) == (3, 9)
    assert result.links is not None
    assert result.links["contact_cluster"] == "p1"
    assert result.links["n_cities"] == 3


def test_a_single_city_contact_is_never_a_carousel(engine: LinkEngine) -> None:
    for n in range(5):
        result = engine.link(ad(f"demo:{n}", "Utrecht", n, "p1"))
    assert "carousel" not in names(result)
    assert result.links is not None and result.links["n_cities"] == 1


def test_cities_spread_over_more_days_than_the_window_make_no_carousel(
    engine: LinkEngine,
) -> None:
    engine.link(ad("demo:1", "Breda", 0, "p1"))
    engine.link(ad("demo:2", "Ede", 40, "p1"))
    result = engine.link(ad("demo:3", "Venlo", 80, "p1"))
    assert "carousel" not in names(result)


def test_the_carousel_window_counts_cities_active_at_once() -> None:
    spans = [
        CitySpan("Breda", day(0), day(0)),
        CitySpan("Ede", day(20), day(20)),
        CitySpan("Venlo", day(25), day(26)),
        CitySpan("Zwolle", day(31), day(31)),
    ]
    cities, days = carousel_window(spans, 11)
    assert [c.city for c in cities] == ["Ede", "Venlo", "Zwolle"]
    assert days == 11


def test_a_pseudonym_with_three_ages_is_a_shared_contact(engine: LinkEngine) -> None:
    for n, age in enumerate((19, 24, 31)):
        result = engine.link(ad(f"demo:{n}", "Utrecht", n, "p1", ages=(age,)))
    (shared,) = [d for d in result.derived if d["indicator"] == "shared_contact"]
    assert shared["facts"]["ages"] == [19, 24, 31]
    assert shared["facts"]["reason"] == "names_or_ages"


def test_a_pseudonym_with_three_names_is_a_shared_contact_counted_not_named(
    engine: LinkEngine,
) -> None:
    for n, name in enumerate(("n-anna", "n-bea", "n-cleo")):
        result = engine.link(ad(f"demo:{n}", "Utrecht", n, "p1", name_hashes=(name,)))
    (shared,) = [d for d in result.derived if d["indicator"] == "shared_contact"]
    assert shared["facts"]["n_names"] == 3
    assert "n-anna" not in str(shared)


def test_one_ad_listing_the_contacts_of_two_advertisers_is_a_shared_contact(
    engine: LinkEngine,
) -> None:
    engine.link(ad("demo:1", "Breda", 0, "p1"))
    engine.link(ad("demo:2", "Ede", 1, "p2"))
    result = engine.link(ad("demo:3", "Breda", 2, "p1", "p2"))
    (shared,) = [d for d in result.derived if d["indicator"] == "shared_contact"]
    assert shared["facts"]["reason"] == "several_advertisers"
    assert shared["facts"]["pseudonyms"] == ["p1", "p2"]


def test_an_ad_with_its_own_two_contacts_is_no_shared_contact(engine: LinkEngine) -> None:
    engine.link(ad("demo:1", "Breda", 0, "p1", "p2"))
    result = engine.link(ad("demo:2", "Breda", 1, "p1", "p2"))
    assert "shared_contact" not in names(result)


def test_a_text_reposted_under_a_new_number_joins_a_template_cluster_with_phrases_and_slots(
    engine: LinkEngine,
) -> None:
    engine.link(ad("demo:1", "Breda", 0, "p1", text=TEXT))
    other = TEXT.replace("[phone:1a2b3c4d]", "[phone:99999999]").replace("Alleen", "Geen")
    result = engine.link(ad("other:5", "Ede", 3, "p2", text=other))
    (template,) = [d for d in result.derived if d["indicator"] == "template_cluster"]
    facts = template["facts"]
    assert facts["matched_doc_id"] == "demo:1"
    assert facts["similarity"] >= 0.7
    assert facts["sources"] == ["demo", "other"]
    assert any("privé ontvangst" in phrase for phrase in facts["shared_phrases"])
    assert any("Geen" in slot for slot in facts["slots"])
    assert result.links is not None
    assert result.links["template_cluster"] == facts["cluster"]
    # The earlier ad joins the cluster and gets the link as a partial update.
    assert result.updates == [("demo:1", {"links": {"template_cluster": facts["cluster"]}})]
    third = engine.link(ad("third:1", "Zwolle", 4, "p3", text=TEXT))
    assert third.links is not None and third.links["template_cluster"] == facts["cluster"]


@pytest.mark.parametrize("order", [("demo:1", "other:5"), ("other:5", "demo:1")])
def test_a_template_cluster_is_named_alike_whichever_of_its_ads_comes_first(
    tmp_path: Path, order: tuple[str, str]
) -> None:
    """Crawls fetch ads in no fixed order (a resumed one in another): the cluster of two
    ads is named after the pair, not after whichever was stored first."""
    texts = {"demo:1": TEXT, "other:5": TEXT.replace("[phone:1a2b3c4d]", "[phone:99999999]")}
    store = SqliteLinkStore(tmp_path / "links.sqlite")
    try:
        engine = LinkEngine(store, LinkConfig(), threshold=0.5)
        for n, doc_id in enumerate(order):
            result = engine.link(ad(doc_id, "Breda", n, f"p{n}", text=texts[doc_id]))
        assert result.links is not None
        assert (
            result.links["template_cluster"]
            == "tpl-" + hashlib.blake2b(b"demo:1", digest_size=8).hexdigest()
        )
    finally:
        store.close()


def test_unrelated_texts_make_no_template_cluster(engine: LinkEngine) -> None:
    engine.link(ad("demo:1", "Breda", 0, "p1", text=TEXT))
    result = engine.link(
        ad("demo:2", "Ede", 1, "p2", text="Massage en ontspanning in Ede, ma-vr, bel voor info.")
    )
    assert "template_cluster" not in names(result)


def test_a_new_city_sends_the_link_to_the_earlier_hits_once(engine: LinkEngine) -> None:
    engine.link(ad("demo:1", "Breda", 0, "p1"))
    second = engine.link(ad("demo:2", "Ede", 1, "p1"))
    assert [doc for doc, _ in second.updates] == ["demo:1"]
    third = engine.link(ad("demo:3", "Venlo", 2, "p1"))
    assert sorted(doc for doc, _ in third.updates) == ["demo:1", "demo:2"]
    fields = dict(third.updates)["demo:1"]["links"]
    assert fields["cities"] == ["Breda", "Ede", "Venlo"]
    assert fields["n_cities"] == 3
    # Replaying the same ads sends nothing again and counts nothing twice.
    for doc, city, n in (("demo:1", "Breda", 0), ("demo:2", "Ede", 1), ("demo:3", "Venlo", 2)):
        again = engine.link(ad(doc, city, n, "p1"))
        assert again.updates == []
    summary = engine.store.get("p1")
    assert summary is not None and len(summary.doc_ids) == 3


def test_without_the_data_policy_a_non_hit_is_neither_read_nor_noted(
    engine: LinkEngine, store: SqliteLinkStore
) -> None:
    engine.link(ad("demo:1", "Breda", 0, "p1"))
    result = engine.link(ad("demo:2", "Ede", 1, "p1", hit=False, score=0.0))
    assert not result.observed and not result.promoted
    summary = store.get("p1")
    assert summary is not None and summary.doc_ids == ("demo:1",)


def test_with_the_data_policy_a_non_hit_completing_a_carousel_becomes_a_hit(
    store: SqliteLinkStore,
) -> None:
    engine = LinkEngine(store, LinkConfig(), keep_non_hits=True, threshold=0.5)
    first = engine.link(ad("demo:1", "Breda", 0, "p1", hit=False, score=0.0))
    assert first.observed and not first.promoted and first.links is None
    engine.link(ad("demo:2", "Ede", 2, "p1", hit=False, score=0.0))
    third = engine.link(ad("demo:3", "Venlo", 4, "p1", hit=False, score=0.0))
    assert third.promoted
    assert "carousel" in names(third)
    summary = store.get("p1")
    assert summary is not None and summary.hit_doc_ids == ("demo:3",)


def test_a_derived_indicator_makes_no_hit_outside_the_ad_context(store: SqliteLinkStore) -> None:
    engine = LinkEngine(store, LinkConfig(), keep_non_hits=True, threshold=0.5)
    for n, city in enumerate(("Breda", "Ede", "Venlo")):
        result = engine.link(ad(f"demo:{n}", city, n, "p1", hit=False, score=0.0, service=False))
    assert "carousel" in names(result)
    assert not result.promoted


def test_posted_dates_place_an_ad_in_time_unless_they_are_after_the_fetch() -> None:
    fetched = day(10)
    assert observed_day("2026-11-03", fetched) == day(2)
    assert observed_day("2026-12-30", fetched) == fetched
    assert observed_day("yesterday", fetched) == fetched
    assert observed_day(None, fetched) == fetched


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("den haag", "Den Haag"),
        ("  DEN-HAAG ", "Den Haag"),
        ("[phone:1a2b3c4d]", None),
        ("", None),
        # Invisible and control characters neither split a city nor reach a hit or a terminal.
        ("Den\u200b Haag\u202e", "Den Haag"),
        ("Ven\u00adlo\x07", "Venlo"),
        ("\uff35\uff54\uff52\uff45\uff43\uff48\uff54", "Utrecht"),  # fullwidth
    ],
)
def test_cities_compare_in_one_spelling(written: str, normalised: str | None) -> None:
    assert normalise_city(written) == normalised


def test_the_bundled_lexicon_config_sets_the_linking_thresholds() -> None:
    config = load_link_config()
    assert config.carousel_min_cities >= 2
    assert 0 < config.template_similarity <= 1
    assert set(config.weights) == {"carousel", "shared_contact", "template_cluster"}


@pytest.mark.parametrize(
    ("block", "field", "fix"),
    [
        ("carousel: {min_cities: 1}", "links.carousel.min_cities", "from 2 to 100"),
        ("carousel: {window_days: 7.5}", "links.carousel.window_days", "whole number"),
        ("template_cluster: {similarity: high}", "links.template_cluster.similarity", "number"),
        ("shared_contact: {min_names: true}", "links.shared_contact.min_names", "whole number"),
        ("carousel: {weight: -1}", "links.carousel.weight", "from 0 to 10"),
        ("carousel: {min_city: 3}", "links.carousel.min_city", "min_cities"),
        ("carousels: {}", "links.carousels", "use one of carousel"),
    ],
)
def test_a_wrong_linking_threshold_names_the_file_the_field_and_the_fix(
    tmp_path: Path, block: str, field: str, fix: str
) -> None:
    (tmp_path / "config.yaml").write_text(f"version: x\nlinks:\n  {block}\n", encoding="utf-8")
    with pytest.raises(LinkConfigError) as caught:
        load_link_config(tmp_path)
    message = str(caught.value)
    assert str(tmp_path / "config.yaml") in message
    assert field in message
    assert fix in message


def test_an_ad_seen_again_keeps_its_first_template_cluster(engine: LinkEngine) -> None:
    engine.link(ad("demo:1", "Breda", 0, "p1", text=TEXT))
    first = engine.link(ad("demo:2", "Ede", 1, "p2", text=TEXT))
    assert first.links is not None
    cluster = first.links["template_cluster"]
    engine.link(ad("demo:3", "Venlo", 2, "p3", text=TEXT))
    again = engine.link(ad("demo:2", "Ede", 1, "p2", text=TEXT))
    assert again.links is not None and again.links["template_cluster"] == cluster
    assert again.updates == []


def test_without_stored_ad_text_a_template_link_counts_its_phrases_and_quotes_none(
    store: SqliteLinkStore,
) -> None:
    engine = LinkEngine(store, LinkConfig(), threshold=0.5, quote_text=False)
    engine.link(ad("demo:1", "Breda", 0, "p1", text=TEXT))
    other = TEXT.replace("[phone:1a2b3c4d]", "[phone:99999999]").replace("Alleen", "Geen")
    result = engine.link(ad("other:5", "Ede", 3, "p2", text=other))
    (template,) = [d for d in result.derived if d["indicator"] == "template_cluster"]
    facts = template["facts"]
    assert "shared_phrases" not in facts and "slots" not in facts
    assert facts["shared_phrase_count"] >= 1 and facts["slot_count"] >= 1
    assert "ontvangst" not in repr(result.derived)


def test_one_ad_listing_many_contacts_links_a_bounded_number_of_them(engine: LinkEngine) -> None:
    contacts = [f"p{i:03d}" for i in range(200)]
    result = engine.link(ad("demo:1", "Breda", 0, *contacts))
    assert result is not None
    linked = [key for key in contacts if engine.store.get(key) is not None]
    assert 0 < len(linked) <= MAX_CONTACTS_PER_AD


def test_a_carousel_window_over_thousands_of_cities_looks_at_the_most_recent_ones() -> None:
    spans = [CitySpan(f"City {i}", day(i % 30), day(i % 30)) for i in range(5000)]
    cities, days = carousel_window(spans, window_days=7)
    assert 0 < len(cities) <= MAX_WINDOW_CITIES and days <= 7
