"""The Elasticsearch back-end acts as the signed-in user (ES wire-protocol test server)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from elasticsearch import Elasticsearch

from crawler.review.es_store import EsBackend
from crawler.review.model import QueueQuery
from crawler.review.store import DecisionRefused, LoginFailed, StoreUnavailable
from pipelines.es.client import EsConnectionConfig
from pipelines.es.reviews import sync_reviews
from pipelines.es.setup import setup_cluster
from tests.es.hits import make_hit
from tests.support.es_test_server import EsTestServer

HITS = [
    make_hit("demo:", 1, city="Venlo", categories=["movement"], contact_pseudonyms=["aa" * 32]),
    make_hit(
        "demo:",
        2,
        city="Breda",
        categories=["youth"],
        contact_pseudonyms=["aa" * 32],
        seen="2026-11-30T00:00:00Z",
    ),
    make_hit("demo:", 3, city="Breda", categories=["youth"], contact_pseudonyms=["bb" * 32]),
]


@dataclass
class Cluster:
    server: EsTestServer
    backend: EsBackend

    def admin(self) -> Elasticsearch:
        return Elasticsearch(self.server.url, basic_auth=("admin", "admin-pass"))


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    server = EsTestServer().start()
    try:
        with Elasticsearch(server.url) as client:
            assert setup_cluster(client).ok
            client.security.put_role(
                name="hits_reader",
                indices=[{"names": ["lcom-hits*", "lcom-reviews*"], "privileges": ["read"]}],
            )
            for hit in HITS:
                client.index(index="lcom-hits", id=hit["doc_id"], document=hit)
        server.add_user("admin", "admin-pass", ["superuser"])
        server.add_user("anna", "anna-pass", ["lcom_investigator"])
        server.add_user("rita", "rita-pass", ["hits_reader"])
        server.add_user("sync", "sync-pass", ["lcom_review_sync"])
        # The app's own credentials, if set, are never used for a user's calls.
        config = EsConnectionConfig(url=server.url, username="admin", password="admin-pass")
        backend = EsBackend(config)
        yield Cluster(server, backend)
        backend.close()
    finally:
        server.stop()


def test_sign_in_asks_the_cluster_who_the_user_is(cluster: Cluster) -> None:
    anna = cluster.backend.authenticate({"username": "anna", "password": "anna-pass"})
    assert anna.username == "anna" and anna.roles == ("lcom_investigator",)
    assert "anna-pass" not in repr(anna)
    key = cluster.server.add_api_key("anna", ["lcom_investigator"])
    assert cluster.backend.authenticate({"api_key": key}).username == "anna"
    for form in (
        {"username": "anna", "password": "wrong"},
        {"username": "nobody", "password": "x"},
        {"api_key": "bm90OmEta2V5"},
        {},
    ):
        with pytest.raises(LoginFailed):
            cluster.backend.authenticate(form)


def test_a_decision_is_appended_as_the_user_and_reaches_the_hit_through_sync(
    cluster: Cluster,
) -> None:
    anna = cluster.backend.store(
        cluster.backend.authenticate({"username": "anna", "password": "anna-pass"})
    )
    doc_id = HITS[0]["doc_id"]
    record = anna.decide(doc_id, "escalated", "Labour inspectorate", "check the phone")
    assert record.reviewed_by == "anna" and record.pending_sync
    (stored,) = cluster.server.documents("lcom-reviews").values()
    assert stored["doc_id"] == doc_id and stored["state"] == "relevant"
    assert stored["labels"] == ["escalated"] and stored["assignee"] == "Labour inspectorate"
    assert stored["notes"] == "check the phone" and stored["user"]["username"] == "anna"
    detail = anna.hit(doc_id)
    assert detail is not None and detail.state == "new"
    assert detail.decisions[0].decision == "escalated" and detail.decisions[0].pending_sync

    with Elasticsearch(cluster.server.url, basic_auth=("sync", "sync-pass")) as sync:
        assert sync_reviews(sync).applied == 1
    detail = anna.hit(doc_id)
    assert detail is not None and detail.state == "escalated"
    assert not detail.decisions[0].pending_sync
    page = anna.queue(QueueQuery(state="escalated"))
    assert [i.doc_id for i in page.items] == [doc_id]
    assert page.counts == {"new": 2, "relevant": 0, "escalated": 1, "not_relevant": 0}


def test_with_sync_after_decision_the_hit_follows_at_once(cluster: Cluster) -> None:
    config = EsConnectionConfig(url=cluster.server.url, username="sync", password="sync-pass")
    backend = EsBackend(config, sync_after_decision=True)
    try:
        anna = backend.store(backend.authenticate({"username": "anna", "password": "anna-pass"}))
        anna.decide(HITS[2]["doc_id"], "not_relevant", "", "")
        backend.wait_for_sync()
        detail = anna.hit(HITS[2]["doc_id"])
        assert detail is not None and detail.state == "not_relevant"
        assert detail.doc["review"]["reviewed_by"] == "anna"
    finally:
        backend.close()


def test_a_user_who_may_only_read_sees_hits_but_cannot_decide(cluster: Cluster) -> None:
    rita = cluster.backend.store(
        cluster.backend.authenticate({"username": "rita", "password": "rita-pass"})
    )
    assert rita.queue(QueueQuery()).total == 3
    with pytest.raises(DecisionRefused, match=r"rita may only read.*lcom_investigator"):
        rita.decide(HITS[0]["doc_id"], "relevant", "", "")
    assert cluster.server.documents("lcom-reviews") == {}


def test_queue_filters_order_and_linked_ads(cluster: Cluster) -> None:
    anna = cluster.backend.store(
        cluster.backend.authenticate({"username": "anna", "password": "anna-pass"})
    )
    d = [h["doc_id"] for h in HITS]
    assert anna.queue(QueueQuery()).items[0].doc_id == d[1]
    assert {i.doc_id for i in anna.queue(QueueQuery(category="youth")).items} == {d[1], d[2]}
    assert [i.doc_id for i in anna.queue(QueueQuery(city="Venlo")).items] == [d[0]]
    assert [i.doc_id for i in anna.queue(QueueQuery(date_from="2026-11-30")).items] == [d[1]]
    detail = anna.hit(d[0])
    assert detail is not None and [a.doc_id for a in detail.linked] == [d[1]]
    assert anna.hit("demo:missing") is None
    # Link filters read the hits' links.* fields; these hits have none.
    assert anna.queue(QueueQuery(link="carousel")).total == 0


def test_a_cluster_that_is_down_is_a_clear_error(cluster: Cluster) -> None:
    anna = cluster.backend.authenticate({"username": "anna", "password": "anna-pass"})
    cluster.server.down_for()
    backend = EsBackend(EsConnectionConfig(url=cluster.server.url, max_retries=0))
    try:
        with pytest.raises(StoreUnavailable, match="did not answer"):
            backend.store(anna).queue(QueueQuery())
        with pytest.raises(StoreUnavailable):
            backend.authenticate({"username": "anna", "password": "anna-pass"})
    finally:
        cluster.server.up()
        backend.close()
