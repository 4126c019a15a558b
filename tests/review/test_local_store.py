"""The embedded store: the spool indexed incrementally into SQLite, decisions kept."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crawler.review.local_store import LocalReviewStore
from crawler.review.model import QueueQuery
from crawler.review.store import DecisionRefused
from tests.es.hits import make_hit
from tests.review.conftest import write_spool


def store_on(var: Path) -> LocalReviewStore:
    return LocalReviewStore(var / "spool", var / "review.sqlite")


def ids(store: LocalReviewStore, **params: str) -> list[str]:
    return [i.doc_id for i in store.queue(QueueQuery.from_params(params)).items]


def hit(n: int, **overrides: object) -> dict:
    return make_hit("demo:", n, **overrides)


def test_the_index_follows_new_segments_and_newer_observations(tmp_path: Path) -> None:
    write_spool(tmp_path / "spool", [hit(1), hit(2)])
    store = store_on(tmp_path)
    assert store.refresh(force=True) == 2
    assert store.refresh(force=True) == 0  # nothing changed: nothing read
    newer = hit(1, seen="2026-12-01T00:00:00Z", title="updated")
    older = hit(2, seen="2026-01-01T00:00:00Z", title="stale")
    write_spool(tmp_path / "spool", [newer, older, hit(3)])
    assert store.refresh(force=True) == 3
    assert ids(store) == [hit(1)["doc_id"], hit(3)["doc_id"], hit(2)["doc_id"]]
    detail = store.hit(hit(1)["doc_id"])
    assert detail is not None and detail.doc["title"] == "updated"
    assert store.hit(hit(2)["doc_id"]).doc["title"] != "stale"  # type: ignore[union-attr]


def test_a_removed_segment_takes_its_hits_out_but_decisions_stay(tmp_path: Path) -> None:
    write_spool(tmp_path / "spool", [hit(1)])
    write_spool(tmp_path / "spool", [hit(2)])
    store = store_on(tmp_path)
    store.refresh(force=True)
    store.record_decision(hit(2)["doc_id"], "relevant", "", "", username="anna")
    first = sorted((tmp_path / "spool").glob("hits-*.jsonl"))[0]
    os.unlink(first)
    store.refresh(force=True)
    assert store.hit(hit(1)["doc_id"]) is None
    page = store.queue(QueueQuery(state="relevant"))
    assert [i.doc_id for i in page.items] == [hit(2)["doc_id"]]
    assert page.counts == {"new": 0, "relevant": 1, "escalated": 0, "not_relevant": 0}


def test_decisions_move_hits_between_tabs_and_keep_who_and_when(tmp_path: Path) -> None:
    write_spool(tmp_path / "spool", [hit(n) for n in range(4)])
    store = store_on(tmp_path)
    for n, decision in ((0, "relevant"), (1, "not_relevant"), (2, "escalated")):
        store.record_decision(
            hit(n)["doc_id"], decision, "Unit A" if n == 2 else "", "", username="anna"
        )
    counts = store.queue(QueueQuery()).counts
    assert counts == {"new": 1, "relevant": 1, "escalated": 1, "not_relevant": 1}
    store.record_decision(hit(2)["doc_id"], "not_relevant", "", "second look", username="ben")
    detail = store.hit(hit(2)["doc_id"])
    assert detail is not None and detail.state == "not_relevant"
    assert [(d.decision, d.reviewed_by) for d in detail.decisions] == [
        ("not_relevant", "ben"),
        ("escalated", "anna"),
    ]
    assert detail.decisions[1].unit == "Unit A" and detail.decisions[0].reviewed_at.endswith("Z")
    with pytest.raises(DecisionRefused):
        store.record_decision("demo:unknown", "relevant", "", "", username="anna")
    with pytest.raises(DecisionRefused):
        store.record_decision(hit(3)["doc_id"], "delete", "", "", username="anna")


def test_filters_order_and_links(tmp_path: Path) -> None:
    shared = ["11" * 32]
    docs = [
        hit(
            1,
            city="Venlo",
            lang="de",
            score=1.0,
            categories=["movement"],
            contact_pseudonyms=shared,
        ),
        hit(
            2,
            city="Breda",
            lang="nl",
            score=3.0,
            categories=["youth"],
            contact_pseudonyms=shared,
            seen="2026-11-30T00:00:00Z",
        ),
        hit(
            3,
            city="Breda",
            lang="nl",
            score=2.0,
            categories=["youth"],
            contact_pseudonyms=["22" * 32],
            seen="2026-11-01T00:00:00Z",
        ),
        hit(
            4,
            city="Breda",
            lang="nl",
            score=2.0,
            categories=["origin"],
            contact_pseudonyms=["22" * 32],
            seen="2026-10-01T00:00:00Z",
        ),
    ]
    write_spool(tmp_path / "spool", docs)
    store = store_on(tmp_path)
    d = [doc["doc_id"] for doc in docs]
    assert ids(store, sort="score") == [d[1], d[2], d[3], d[0]]
    assert ids(store, category="youth") == [d[1], d[2]]
    assert ids(store, city="breda", lang="nl") == [d[1], d[2], d[3]]
    assert ids(store, date_from="2026-11-01", date_to="2026-11-01") == [d[2]]
    assert sorted(ids(store, link="shared")) == sorted(d)
    assert sorted(ids(store, link="carousel")) == sorted([d[0], d[1]])
    links = {i.doc_id: i.link for i in store.queue(QueueQuery()).items}
    assert links == {d[0]: "carousel", d[1]: "carousel", d[2]: "shared", d[3]: "shared"}
    detail = store.hit(d[0])
    assert detail is not None and [a.doc_id for a in detail.linked] == [d[1]]
    assert store.neighbours(QueueQuery(sort="score"), d[2]) == (d[1], d[3])
    facets = store.facets()
    assert facets.cities == ("Breda", "Venlo") and facets.languages == ("de", "nl")


def test_unreadable_spool_lines_and_documents_without_ids_are_skipped(tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    write_spool(spool, [hit(1), {"doc_id": "", "last_seen": "x"}, {"no": "id"}])
    segment = next(spool.glob("hits-*.jsonl"))
    with segment.open("ab") as fh:
        fh.write(b'{not json\n\xff\xfe\n{"doc_id": "demo:torn"')
    store = store_on(tmp_path)
    assert ids(store) == [hit(1)["doc_id"]]


def test_the_review_database_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    store_on(tmp_path)
    assert (tmp_path / "review.sqlite").stat().st_mode & 0o077 == 0


def test_a_missing_spool_is_an_empty_queue(tmp_path: Path) -> None:
    assert store_on(tmp_path).queue(QueueQuery()).total == 0


def test_links_set_by_the_linking_step_add_template_and_carousel_links(tmp_path: Path) -> None:
    docs = [
        hit(1, contact_pseudonyms=["31" * 32], links={"template_cluster": "t-1", "n_cities": 1}),
        hit(2, contact_pseudonyms=["32" * 32], links={"template_cluster": "t-1"}),
        hit(3, contact_pseudonyms=["33" * 32], links={"contact_cluster": "c-9", "n_cities": 3}),
        hit(4, contact_pseudonyms=["34" * 32]),
    ]
    write_spool(tmp_path / "spool", docs)
    store = store_on(tmp_path)
    d = [doc["doc_id"] for doc in docs]
    assert sorted(ids(store, link="template")) == sorted([d[0], d[1]])
    assert ids(store, link="carousel") == [d[2]]
    detail = store.hit(d[0])
    assert detail is not None
    assert [(a.doc_id, a.via) for a in detail.linked] == [(d[1], "same template")]


def test_a_partial_update_in_the_spool_gives_an_earlier_hit_its_links(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from pipelines.es.spool import Spool

    first, second = hit(1, contact_pseudonyms=["35" * 32]), hit(2)
    write_spool(tmp_path / "spool", [first, second])
    store = store_on(tmp_path)
    assert ids(store, link="carousel") == []
    links = {"contact_cluster": "35" * 32, "cities": ["Venlo", "Tilburg"], "n_cities": 2}
    with Spool(tmp_path / "spool", fsync=False) as spool:
        spool.append_update(first["doc_id"], {"links": links}, at=datetime(2026, 12, 1, tzinfo=UTC))
        # Made before the hit's newest observation: that observation's links win.
        spool.append_update(
            second["doc_id"], {"links": links}, at=datetime(2026, 11, 1, tzinfo=UTC)
        )
        spool.append_update("demo:not-indexed", {"links": links})
    store.refresh(force=True)
    assert ids(store, link="carousel") == [first["doc_id"]]
    detail = store.hit(first["doc_id"])
    assert detail is not None and detail.doc["links"] == links
    assert detail.doc["title"] == first["title"]
    assert "links" not in store.hit(second["doc_id"]).doc  # type: ignore[union-attr]
    assert store.hit("demo:not-indexed") is None


def test_an_index_of_an_older_version_is_rebuilt_and_decisions_kept(tmp_path: Path) -> None:
    import sqlite3

    write_spool(tmp_path / "spool", [hit(1)])
    store = store_on(tmp_path)
    store.record_decision(hit(1)["doc_id"], "relevant", "", "", username="anna")
    store.close()
    with sqlite3.connect(tmp_path / "review.sqlite") as db:
        db.execute("PRAGMA user_version = 1")
    again = store_on(tmp_path)
    assert ids(again, state="relevant") == [hit(1)["doc_id"]]
