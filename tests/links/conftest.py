"""Fixtures of the link store and linking engine tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pipelines.links.model import Observation
from pipelines.links.sqlite import SqliteLinkStore

DAY0 = datetime(2026, 11, 1, tzinfo=UTC)


def day(n: int) -> datetime:
    return DAY0 + timedelta(days=n)


def obs(doc_id: str, city: str | None, n: int, *contacts: str, **kwargs: object) -> Observation:
    """A hit observed in ``city`` on day ``n`` with ``contacts`` (pseudonyms)."""
    fields: dict[str, object] = {"hit": True, "source": doc_id.split(":")[0]} | kwargs
    return Observation(doc_id=doc_id, city=city, seen=day(n), contacts=contacts, **fields)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteLinkStore]:
    links = SqliteLinkStore(tmp_path / "var" / "links.sqlite")
    yield links
    links.close()
