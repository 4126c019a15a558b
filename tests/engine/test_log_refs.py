"""Log lines name items by document id, never by an ad id that may hold a contact."""

from __future__ import annotations

from typing import Any

import pytest

from crawler.logformatter import item_ref
from pipelines.engine.minimize import log_ref


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ({"source": "demo", "source_ad_id": "anna-0612345678"}, log_ref("demo", "anna-0612345678")),
        ({"source": "demo", "source_ad_id": "x", "doc_id": "demo:abc"}, "demo:abc"),
        ({"source": "demo"}, "demo:?"),
        (object(), "object"),
    ],
    ids=["raw-id", "doc-id", "no-id", "no-item"],  # the same in every test process
)
def test_item_is_named_by_its_document_id(item: Any, expected: str) -> None:
    assert item_ref(item) == expected
    assert "0612345678" not in item_ref(item)


def test_an_item_without_a_doc_id_is_logged_by_a_keyed_reference_not_a_plain_hash() -> None:
    import hashlib

    ref = item_ref({"source": "demo", "source_ad_id": "anna-0612345678"})
    assert ref.startswith("demo:~")
    assert hashlib.sha256(b"demo\nanna-0612345678").hexdigest()[:16] not in ref
