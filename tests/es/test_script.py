"""Reference semantics of the hit upsert script (what the Painless source must do)."""

from __future__ import annotations

from typing import Any

import pytest

from pipelines.es.script import emulate_hit_upsert, upsert_params

T1, T2, T3 = "2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z", "2026-11-03T00:00:00+00:00"


def obs(seen: str, **extra: Any) -> dict[str, Any]:
    return {
        "doc_id": "d:1",
        "title": f"seen {seen}",
        "last_seen": seen,
        "first_seen": seen,
        "seen_count": 1,
        "review": {"state": "new"},
        **extra,
    }


def test_a_new_hit_starts_with_seen_count_one_and_review_new() -> None:
    source, result = emulate_hit_upsert(None, upsert_params(obs(T1)))
    assert result == "created"
    assert source is not None
    assert (source["first_seen"], source["last_seen"], source["seen_count"]) == (T1, T1, 1)
    assert source["review"] == {"state": "new"}


@pytest.mark.parametrize("seen", [T1, "2026-11-01T01:00:00+01:00", "2026-10-01T00:00:00Z"])
def test_an_observation_not_newer_than_the_stored_one_is_a_noop(seen: str) -> None:
    stored, _ = emulate_hit_upsert(None, upsert_params(obs(T1)))
    again, result = emulate_hit_upsert(stored, upsert_params(obs(seen)))
    assert result == "noop"
    assert again == stored


def test_a_newer_observation_replaces_content_and_keeps_first_seen_and_review() -> None:
    stored, _ = emulate_hit_upsert(None, upsert_params(obs(T1, city="Utrecht")))
    assert stored is not None
    stored["review"] = {"state": "relevant", "notes": "call back"}
    updated, result = emulate_hit_upsert(stored, upsert_params(obs(T2, review={"state": "new"})))
    assert result == "updated"
    assert updated is not None
    assert updated["first_seen"] == T1 and updated["last_seen"] == T2
    assert updated["seen_count"] == 2
    assert updated["title"] == f"seen {T2}"
    assert "city" not in updated  # a field the new observation lacks is gone
    assert updated["review"] == {"state": "relevant", "notes": "call back"}


def test_timestamps_compare_as_instants_not_strings() -> None:
    stored, _ = emulate_hit_upsert(None, upsert_params(obs(T2)))
    updated, result = emulate_hit_upsert(stored, upsert_params(obs(T3)))
    assert result == "updated" and updated is not None and updated["seen_count"] == 2


def test_a_carried_copy_seeds_a_document_moved_from_an_older_index() -> None:
    old, _ = emulate_hit_upsert(None, upsert_params(obs(T1)))
    assert old is not None
    old["review"] = {"state": "not_relevant"}
    moved, result = emulate_hit_upsert(None, upsert_params(obs(T2), carry=old))
    assert result == "created" and moved is not None
    assert (moved["first_seen"], moved["seen_count"], moved["review"]) == (
        T1,
        2,
        {"state": "not_relevant"},
    )
    not_newer, result = emulate_hit_upsert(None, upsert_params(obs(T1), carry=old))
    assert (not_newer, result) == (None, "noop")
