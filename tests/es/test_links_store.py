"""The link store in Elasticsearch (``lcom-links``): same answers as the local store,
read-modify-write with optimistic concurrency, idempotent, clear errors on outage."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch

from pipelines.es.links import EsLinkStore, LinkStoreUnavailable
from pipelines.es.setup import setup_cluster
from pipelines.links import open_store
from pipelines.links.model import Observation
from pipelines.links.sqlite import SqliteLinkStore
from tests.es.conftest import Cluster
from tests.support.es_test_server import EsTestServer

DAY = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
#: Every id, key and band key starts with this: on a real cluster the tests delete only
#: what they wrote.
MARK = "lcom-test-links-"
PHONE = MARK + "aa" * 32
OTHER = MARK + "bb" * 32


def obs(n: int, city: str | None, day: int, **fields: Any) -> Observation:
    values: dict[str, Any] = {
        "doc_id": f"{MARK}{n:04d}",
        "source": "demo",
        "city": city,
        "seen": DAY + timedelta(days=day),
        "contacts": (PHONE,),
        "hit": True,
        **fields,
    }
    return Observation(**values)


B1, B2, B9, T1, T2 = (MARK + name for name in ("b1", "b2", "b9", "t1", "t2"))

#: A carousel over four cities, a second source, a re-crawl, a template cluster and a
#: non-hit observation.
STORY: tuple[Observation, ...] = (
    obs(1, "Den Haag", 0, name_hashes=("n1",), ages=(19,), signature=(B1, B2), template=T1),
    obs(2, "Nijmegen", 3, name_hashes=("n2",), ages=(21,), signature=(B1,), shingles=(7, 9)),
    obs(3, "Venlo", 6, source="other", contacts=(PHONE, OTHER), signature=(MARK + "b3",)),
    obs(4, "Tilburg", 9, hit=False, name_hashes=("n3",), ages=(30,), signature=(B9,)),
    obs(1, "Den Haag", 12),  # a re-crawl of the first ad widens its dates only
    obs(5, "Breda", 4, contacts=(OTHER,), template=T1, shingles=(1, 2, 3)),
)


@pytest.fixture
def store(es_cluster: Cluster) -> Iterator[EsLinkStore]:
    def clean() -> None:
        with es_cluster.client() as client:
            client.delete_by_query(
                index="lcom-links",
                query={
                    "bool": {
                        "should": [
                            {"prefix": {"doc_id": MARK}},
                            {"prefix": {"key": MARK}},
                        ]
                    }
                },
                refresh=True,
                conflicts="proceed",
            )

    clean()
    links = EsLinkStore(es_cluster.client())
    yield links
    links.close()
    clean()


@pytest.fixture
def ready_server(es_server: EsTestServer) -> EsTestServer:
    with Elasticsearch(es_server.url) as client:
        setup_cluster(client)
    return es_server


def dicts(summaries: Any) -> list[dict[str, Any]]:
    return sorted((s.to_dict() for s in summaries), key=lambda d: d["key"])


def test_the_link_store_in_elasticsearch_answers_like_the_local_one(
    store: EsLinkStore, tmp_path: Path
) -> None:
    local = SqliteLinkStore(tmp_path / "links.sqlite")
    for observation in STORY:
        assert dicts(store.add(observation)) == dicts(local.add(observation))
    assert dicts(store.iter_keys()) == dicts(local.iter_keys())
    assert dicts(store.iter_keys("contact", min_cities=4)) == dicts(
        local.iter_keys("contact", min_cities=4)
    )
    assert store.template_candidates([B1, B9, "zz"]) == local.template_candidates([B1, B9, "zz"])
    assert store.text_prints([MARK + "0002", MARK + "0004", MARK + "0005"]) == local.text_prints(
        [MARK + "0002", MARK + "0004", MARK + "0005"]
    )
    joined = store.join_template(T2, [MARK + "0002", MARK + "0003", MARK + "0001", MARK + "9999"])
    expected = local.join_template(T2, [MARK + "0002", MARK + "0003", MARK + "0001", MARK + "9999"])
    assert joined is not None and expected is not None
    assert joined.to_dict() == expected.to_dict()
    assert (
        store.get(MARK + "t9") is None and store.join_template(MARK + "t9", [MARK + "9999"]) is None
    )
    local.close()


def test_a_carousel_key_lists_its_cities_with_dates(store: EsLinkStore) -> None:
    for observation in STORY:
        store.add(observation)
    carousel = store.get(PHONE)
    assert carousel is not None
    assert [(c.city, c.first.day, c.last.day) for c in carousel.cities] == [
        ("Den Haag", 20, 2),
        ("Nijmegen", 23, 23),
        ("Venlo", 26, 26),
        ("Tilburg", 29, 29),
    ]
    assert carousel.sources == ("demo", "other")
    assert carousel.hit_doc_ids == (MARK + "0001", MARK + "0002", MARK + "0003")
    assert carousel.ages == (19, 21) and carousel.n_names == 2


def test_observing_the_same_ads_again_changes_no_count_and_writes_nothing(
    ready_server: EsTestServer,
) -> None:
    store = EsLinkStore(Elasticsearch(ready_server.url))
    for observation in STORY:
        store.add(observation)
    before = {k: v["_source"] for k, v in ready_server.indices["lcom-links-000001"].docs.items()}
    bulks = ready_server.bulk_requests
    for observation in STORY:  # a crawl re-run, a resumed job, a spool replay
        store.add(observation)
    after = {k: v["_source"] for k, v in ready_server.indices["lcom-links-000001"].docs.items()}
    assert after == before
    assert ready_server.bulk_requests == bulks, "nothing changed, so nothing was written"
    store.close()


def test_writes_are_one_bulk_request_with_sequence_numbers(ready_server: EsTestServer) -> None:
    store = EsLinkStore(Elasticsearch(ready_server.url))
    store.add(STORY[0])
    seen: list[bytes] = []
    original = ready_server.handle

    def spy(method: str, path: str, query: str, body: bytes, authorization: str | None = None):  # type: ignore[no-untyped-def]
        if path.endswith("/_bulk"):
            seen.append(body)
        return original(method, path, query, body, authorization)

    ready_server.handle = spy  # type: ignore[method-assign]
    store.add(STORY[1])
    (body,) = seen
    lines = [json.loads(line) for line in body.splitlines() if line.strip()]
    actions = [line for line in lines if set(line) & {"index", "create", "update", "delete"}]
    by_id = {next(iter(a.values()))["_id"]: a for a in actions}
    assert set(by_id) == {"ad:" + MARK + "0002", f"key:{PHONE}"}
    assert "create" in by_id["ad:" + MARK + "0002"]  # a new ad
    meta = by_id[f"key:{PHONE}"]["index"]  # a known key: only if unchanged since read
    assert isinstance(meta["if_seq_no"], int) and meta["if_primary_term"] == 1
    assert not any("script" in line for line in lines)
    store.close()


def test_a_concurrent_writer_is_detected_and_both_observations_are_kept(
    ready_server: EsTestServer,
) -> None:
    first = EsLinkStore(Elasticsearch(ready_server.url))
    second = EsLinkStore(Elasticsearch(ready_server.url))
    first.add(STORY[0])
    write = first._write
    raced: list[bool] = []

    def racing_write(writes: Any, **kwargs: Any) -> None:
        if not raced:  # another crawler adds an ad of the same contact in between
            raced.append(True)
            second.add(STORY[1])
        write(writes, **kwargs)

    first._write = racing_write  # type: ignore[method-assign]
    (summary,) = first.add(STORY[2])[:1]
    assert raced
    assert summary.doc_ids == (MARK + "0001", MARK + "0002", MARK + "0003")
    stored = first.get(PHONE)
    assert stored is not None and stored.n_cities == 3
    first.close()
    second.close()


def test_conflicts_answered_by_the_server_are_retried(ready_server: EsTestServer) -> None:
    store = EsLinkStore(Elasticsearch(ready_server.url))
    ready_server.fail_next_bulk_items(2, status=409)
    store.add(STORY[0])
    assert store.get(PHONE) is not None
    store.close()


def test_an_outage_is_a_clear_error(ready_server: EsTestServer) -> None:
    ready_server.down_for(None)
    store = EsLinkStore(Elasticsearch(ready_server.url, max_retries=0, request_timeout=2))
    with pytest.raises(LinkStoreUnavailable, match="cannot read: cluster unreachable"):
        store.add(STORY[0])
    ready_server.up()
    store.add(STORY[0])
    assert store.get(PHONE) is not None
    store.close()


def test_an_ad_written_without_its_keys_is_repaired_when_observed_again(
    ready_server: EsTestServer,
) -> None:
    store = EsLinkStore(Elasticsearch(ready_server.url))
    store.add(STORY[0])
    ready_server.reject_documents(lambda doc: doc.get("kind") == "contact")
    with pytest.raises(LinkStoreUnavailable, match=f"refused key:{PHONE}"):
        store.add(STORY[1])  # the ad is written, its key refused
    assert "ad:" + MARK + "0002" in ready_server.indices["lcom-links-000001"].docs
    ready_server.reject_documents(None)
    store.add(STORY[1])
    summary = store.get(PHONE)
    assert summary is not None and summary.doc_ids == (MARK + "0001", MARK + "0002")
    store.close()


def test_a_refused_document_is_a_clear_error(ready_server: EsTestServer) -> None:
    store = EsLinkStore(Elasticsearch(ready_server.url))
    ready_server.reject_documents(lambda doc: doc.get("kind") == "contact")
    with pytest.raises(LinkStoreUnavailable, match="refused key:"):
        store.add(STORY[0])
    store.close()


def test_without_the_index_the_error_says_to_run_setup(es_server: EsTestServer) -> None:
    store = EsLinkStore(Elasticsearch(es_server.url))
    with pytest.raises(LinkStoreUnavailable, match="lcom es setup"):
        store.add(STORY[0])
    store.close()


def test_purge_forgets_old_ads_of_each_kind_and_deletes_empty_keys(store: EsLinkStore) -> None:
    for observation in STORY:
        store.add(observation)
    assert store.purge_before(DAY + timedelta(days=5), hit=False) == 0
    assert store.purge_before(DAY + timedelta(days=10), hit=False) == 1  # Tilburg, a non-hit
    carousel = store.get(PHONE)
    assert carousel is not None and [c.city for c in carousel.cities] == [
        "Den Haag",
        "Nijmegen",
        "Venlo",
    ]
    assert store.purge_before(DAY + timedelta(days=7), hit=True) == 3  # ads 2, 3 and 5
    carousel = store.get(PHONE)
    assert carousel is not None and carousel.doc_ids == (MARK + "0001",)
    assert store.get(OTHER) is None, "a key without ads is deleted"
    assert store.stats() == {"hits": 1, "non_hits": 0, "contact_keys": 1, "template_keys": 1}


def test_no_plaintext_name_or_text_is_stored(ready_server: EsTestServer) -> None:
    store = EsLinkStore(Elasticsearch(ready_server.url))
    for observation in STORY:
        store.add(observation)
    stored = json.dumps(
        [v["_source"] for v in ready_server.indices["lcom-links-000001"].docs.values()]
    )
    non_hit = next(
        v["_source"]
        for k, v in ready_server.indices["lcom-links-000001"].docs.items()
        if k == "ad:" + MARK + "0004"
    )
    assert set(non_hit) == {
        "kind",
        "doc_id",
        "source",
        "city",
        "first_seen",
        "last_seen",
        "hit",
        "contacts",
    }
    assert not any(name in stored for name in ("n1", "n2", "n3"))
    assert "30" not in json.dumps(non_hit)
    store.close()


def test_the_factory_picks_elasticsearch_when_a_url_is_set(
    ready_server: EsTestServer, tmp_path: Path
) -> None:
    es = open_store({"ELASTICSEARCH_URL": ready_server.url, "LCOM_VAR_DIR": str(tmp_path)})
    local = open_store({"LCOM_VAR_DIR": str(tmp_path)})
    assert isinstance(es, EsLinkStore) and isinstance(local, SqliteLinkStore)
    es.close()
    local.close()


def linking_pipeline(tmp_path: Path) -> tuple[Any, Any]:
    from scrapy.utils.test import get_crawler

    from pipelines.linking import LinkingPipeline

    crawler = get_crawler(settings_dict={"LCOM_VAR_DIR": str(tmp_path / "var")})
    crawler.stats.open_spider()
    pipeline = LinkingPipeline.from_crawler(crawler)
    pipeline.updates_sink = None
    pipeline.open_spider()
    return pipeline, crawler.stats


def test_the_linking_pipeline_records_ads_in_elasticsearch_when_a_url_is_set(
    ready_server: EsTestServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.links.test_pipeline import make_item, process

    monkeypatch.setenv("ELASTICSEARCH_URL", ready_server.url)
    pipeline, stats = linking_pipeline(tmp_path)
    assert isinstance(pipeline.engine.store, EsLinkStore)
    for n, city in enumerate(["Den Haag", "Nijmegen", "Venlo"]):
        item = process(pipeline, make_item(n, city))
    assert item["links"]["n_cities"] == 3
    assert stats.get_value("lcom/links/observed") == 3
    stored = ready_server.indices["lcom-links-000001"].docs
    assert stored["key:" + "p" * 64]["_source"]["n_cities"] == 3
    assert not (tmp_path / "var" / "links.sqlite").exists()
    pipeline.close_spider()


def test_with_the_cluster_down_hits_go_on_unlinked_and_the_error_is_logged(
    ready_server: EsTestServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from tests.links.test_pipeline import make_item, process

    monkeypatch.setenv("ELASTICSEARCH_URL", ready_server.url)
    ready_server.down_for(None)
    pipeline, stats = linking_pipeline(tmp_path)  # the retention purge fails: logged
    item = make_item(1, "Venlo")
    assert process(pipeline, dict(item)) == item, "passed on unchanged, to be spooled"
    assert stats.get_value("lcom/links/unavailable") == 2
    assert "not linked" in caplog.text and "cluster unreachable" in caplog.text
    assert "Text of ad" not in caplog.text
    pipeline.close_spider()


def test_lcom_links_reads_the_index_when_a_url_is_set(
    ready_server: EsTestServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from crawler.cli import main

    store = EsLinkStore(Elasticsearch(ready_server.url))
    for observation in STORY:
        store.add(observation)
    store.close()
    monkeypatch.setenv("ELASTICSEARCH_URL", ready_server.url)
    monkeypatch.setenv("LCOM_VAR_DIR", str(tmp_path))
    assert main(["links", "--carousels", "--format", "json"]) == 0
    (carousel,) = json.loads(capsys.readouterr().out)
    assert carousel["key"] == PHONE and carousel["n_cities"] == 4
    assert main(["links", "--pseudonym", PHONE]) == 0
    assert "Tilburg" in capsys.readouterr().out
    ready_server.down_for(None)
    assert main(["links"]) == 1
    assert "cluster unreachable" in capsys.readouterr().err
