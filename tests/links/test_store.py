"""The local link store: idempotent per ad, across runs and sources, pseudonyms only."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

from pipelines.links import open_store, sqlite_path
from pipelines.links.model import MAX_TEMPLATE_CANDIDATES, KeySummary, Observation
from pipelines.links.sqlite import MAX_KEY_ADS, SqliteLinkStore
from tests.links.conftest import day, obs


def counts(summary: KeySummary | None) -> tuple[int, int, int, int, int]:
    assert summary is not None
    return (
        len(summary.doc_ids),
        len(summary.hit_doc_ids),
        summary.n_cities,
        summary.n_ages,
        summary.n_names,
    )


def test_the_same_ad_observed_again_changes_no_count(store: SqliteLinkStore) -> None:
    first = obs("demo:1", "Utrecht", 0, "p1", ages=(19,), name_hashes=("n1",))
    store.add(first)
    before = counts(store.get("p1"))
    for _ in range(3):  # a re-run, a resumed job, a replay
        store.add(first)
    assert counts(store.get("p1")) == before == (1, 1, 1, 1, 1)


def test_a_resumed_run_replaying_part_of_its_ads_ends_like_one_uninterrupted_run(
    tmp_path: Path,
) -> None:
    ads = [obs(f"demo:{i}", city, i, "p1") for i, city in enumerate(["Breda", "Venlo", "Ede"])]
    whole = SqliteLinkStore(tmp_path / "whole.sqlite")
    resumed = SqliteLinkStore(tmp_path / "resumed.sqlite")
    for ad in ads:
        whole.add(ad)
    for ad in [*ads[:2], *ads[1:]]:  # killed after the second ad; the second is seen again
        resumed.add(ad)
    assert whole.get("p1") == resumed.get("p1")


def test_ads_of_two_runs_and_two_sources_link_through_one_pseudonym(
    store: SqliteLinkStore,
) -> None:
    store.add(obs("siteA:1", "Den Haag", 0, "p1"))
    store.close()  # the next run opens the store again
    reopened = SqliteLinkStore(store.path)
    (summary,) = reopened.add(obs("siteB:7", "Tilburg", 5, "p1"))
    assert summary.sources == ("siteA", "siteB")
    assert [span.city for span in summary.cities] == ["Den Haag", "Tilburg"]
    assert summary.doc_ids == ("siteA:1", "siteB:7")
    reopened.close()


def test_cities_keep_their_first_and_last_dates(store: SqliteLinkStore) -> None:
    store.add(obs("demo:1", "Venlo", 3, "p1"))
    store.add(obs("demo:2", "Venlo", 9, "p1"))
    store.add(obs("demo:3", "Ede", 5, "p1"))
    summary = store.get("p1")
    assert summary is not None
    spans = {span.city: (span.first, span.last) for span in summary.cities}
    assert spans == {"Venlo": (day(3), day(9)), "Ede": (day(5), day(5))}
    assert (summary.first_seen, summary.last_seen) == (day(3), day(9))


def test_a_non_hit_observation_keeps_only_pseudonym_city_date_and_doc_id(
    store: SqliteLinkStore,
) -> None:
    store.add(
        Observation(
            "demo:9", "demo", "Breda", day(1), ("p1",), ("n1",), (19,), False, ("b0-aa",), (1, 2)
        )
    )
    summary = store.get("p1")
    assert counts(summary) == (1, 0, 1, 0, 0)
    assert store.template_candidates(["b0-aa"]) == set()
    assert store.text_prints(["demo:9"]) == {}


def test_a_non_hit_that_becomes_a_hit_gains_its_names_ages_and_text_print(
    store: SqliteLinkStore,
) -> None:
    weak = Observation("demo:9", "demo", "Breda", day(1), ("p1",), ("n1",), (19,), False)
    store.add(weak)
    store.add(
        Observation(
            "demo:9", "demo", "Breda", day(1), ("p1",), ("n1",), (19,), True, ("b0-aa",), (5,)
        )
    )
    assert counts(store.get("p1")) == (1, 1, 1, 1, 1)
    assert store.template_candidates(["b0-aa"]) == {"demo:9"}
    assert store.text_prints(["demo:9"])["demo:9"].shingles == (5,)


def test_non_hit_observations_have_their_own_retention(store: SqliteLinkStore) -> None:
    store.add(obs("demo:1", "Breda", 0, "p1"))
    store.add(Observation("demo:2", "demo", "Ede", day(1), ("p1",)))
    store.add(Observation("demo:3", "demo", "Ede", day(20), ("p2",)))
    assert store.purge_before(day(10), hit=False) == 1
    assert counts(store.get("p1")) == (1, 1, 1, 0, 0)
    assert store.get("p2") is not None
    assert store.purge_before(day(10), hit=True) == 1
    assert store.get("p1") is None  # a key without ads is forgotten


def test_template_clusters_gather_their_ads_and_contacts(store: SqliteLinkStore) -> None:
    store.add(obs("demo:1", "Breda", 0, "p1", signature=("b0-aa", "b1-bb"), shingles=(1, 2)))
    store.add(obs("demo:2", "Ede", 2, "p2", signature=("b0-aa",), template="tpl-1"))
    assert store.template_candidates(["b0-aa", "b9-zz"]) == {"demo:1", "demo:2"}
    summary = store.join_template("tpl-1", ["demo:1", "demo:404"])
    assert summary is not None
    assert summary.kind == "template"
    assert summary.doc_ids == ("demo:1", "demo:2")
    assert summary.contacts == ("p1", "p2")
    assert store.text_prints(["demo:1"])["demo:1"].template == "tpl-1"
    # An ad already in a cluster stays there.
    store.join_template("tpl-2", ["demo:1"])
    assert store.text_prints(["demo:1"])["demo:1"].template == "tpl-1"


def test_keys_are_listed_by_kind_and_number_of_cities(store: SqliteLinkStore) -> None:
    for i, city in enumerate(["Breda", "Ede", "Venlo"]):
        store.add(obs(f"demo:{i}", city, i, "p1"))
    store.add(obs("demo:9", "Breda", 0, "p2", template="tpl-1"))
    assert [s.key for s in store.iter_keys(min_cities=3)] == ["p1"]
    assert [s.key for s in store.iter_keys("template")] == ["tpl-1"]
    assert {s.key for s in store.iter_keys()} == {"p1", "p2", "tpl-1"}


def test_summaries_survive_a_round_trip_through_json(store: SqliteLinkStore) -> None:
    (summary,) = store.add(obs("demo:1", "Breda", 0, "p1", ages=(22,)))
    assert KeySummary.from_dict(summary.to_dict()) == summary


def test_the_store_file_and_its_folder_are_owner_only(tmp_path: Path) -> None:
    store = open_store({"LCOM_VAR_DIR": str(tmp_path / "var")})
    store.add(obs("demo:1", "Breda", 0, "p1"))
    store.close()
    path = sqlite_path({"LCOM_VAR_DIR": str(tmp_path / "var")})
    assert path == tmp_path / "var" / "links.sqlite"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700


def test_every_lookup_of_an_add_is_an_index_search(store: SqliteLinkStore) -> None:
    # A flat cost per ad at 100,000 ads: no statement an add or a summary runs scans a table.
    store.add(obs("demo:1", "Breda", 0, "p1", signature=("b0-aa",), template="tpl-1"))
    db = sqlite3.connect(store.path)
    traced: list[str] = []
    inner = store._db()
    inner.set_trace_callback(traced.append)
    store.add(obs("demo:2", "Ede", 1, "p1", signature=("b0-aa",), template="tpl-1"))
    store.template_candidates(["b0-aa"])
    store.text_prints(["demo:1"])
    inner.set_trace_callback(None)
    statements = {s for s in traced if s.lstrip().upper().startswith("SELECT")}
    assert len(statements) > 5
    for statement in statements:
        plan = " ".join(
            str(row[-1]) for row in db.execute("EXPLAIN QUERY PLAN " + statement).fetchall()
        )
        # A materialised subquery is bounded by its LIMIT (MAX_KEY_ADS): scanning it is allowed.
        bounded = {word.split()[0] for word in plan.split("MATERIALIZE ")[1:]}
        for name in bounded:
            assert "LIMIT" in statement, (statement, plan)
            plan = plan.replace(f"SCAN {name} ", "")
        assert "SCAN" not in plan.replace("SCAN CONSTANT ROW", ""), (statement, plan)
    db.close()


def test_template_candidates_are_capped_to_those_sharing_most_bands(
    store: SqliteLinkStore,
) -> None:
    for n in range(MAX_TEMPLATE_CANDIDATES + 10):
        store.add(obs(f"demo:{n}", "Breda", 0, f"p{n}", signature=("b0-common",)))
    store.add(obs("demo:close", "Ede", 0, "px", signature=("b0-common", "b1-x", "b2-y")))
    found = store.template_candidates(["b0-common", "b1-x", "b2-y"])
    assert len(found) == MAX_TEMPLATE_CANDIDATES
    assert "demo:close" in found


def test_a_contact_on_more_ads_than_the_bound_is_summarised_over_its_most_recent_ads(
    store: SqliteLinkStore,
) -> None:
    # A contact on every ad of a site must not make each new ad cost more than the last.
    for i in range(MAX_KEY_ADS + 50):
        store.add(obs(f"demo:{i:05d}", f"City {i % 40}", i % 20, "p1", ages=(18 + i % 30,)))
    summary = store.get("p1")
    assert summary is not None
    assert len(summary.doc_ids) == MAX_KEY_ADS
    assert "demo:00000" not in summary.doc_ids and f"demo:{MAX_KEY_ADS + 49:05d}" in summary.doc_ids


def _add_in_child(store: SqliteLinkStore) -> None:
    store.add(obs("demo:2", "Utrecht", 2, "p1"))
    store.close()


def test_a_forked_process_opens_its_own_connection_and_the_parent_sees_its_writes(
    tmp_path: Path,
) -> None:
    import multiprocessing

    store = SqliteLinkStore(tmp_path / "links.sqlite")  # connected here, before the fork
    store.add(obs("demo:1", "Amsterdam", 1, "p1"))
    child = multiprocessing.get_context("fork").Process(target=_add_in_child, args=(store,))
    child.start()
    child.join(30)
    assert child.exitcode == 0
    assert counts(store.get("p1"))[:3] == (2, 2, 2)  # two ads, two hits, two cities
    store.close()
    assert not (tmp_path / "links.sqlite-wal").exists()
    assert not (tmp_path / "links.sqlite-shm").exists()
