"""Generate (or check) the Elasticsearch definitions under ``dashboards/elasticsearch/``
and the Kibana saved objects under ``dashboards/kibana/``.

Usage::

    python -m dashboards.build           # write the JSON and NDJSON files
    python -m dashboards.build --check   # exit 1 when a file is missing, stale or extra,
                                         # or a Kibana object names a field the mappings lack

The Python functions below are the source of truth; ``lcom es setup`` calls
:func:`render` with the retention read from the data policy, so the ILM ``min_age``
values are always computed from retention days and never typed by hand. The packaged
JSON files are :func:`render` with :data:`DEFAULT_RETENTION` for review and diffing.

Every body carries ``_meta.lcom_sha256`` (roles: ``metadata.lcom_sha256``), a hash of
the definition without that field. ``lcom es setup`` compares hashes, not the bodies the
cluster returns (Elasticsearch adds defaults such as ``delete_searchable_snapshot``),
so a second run finds nothing to change.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dashboards import ELASTICSEARCH_DIR, ES_KINDS, GUARDRAIL_RULES, KIBANA_DIR
from dashboards.kibana import check_files, mappings_by_index
from dashboards.kibana import expected_files as kibana_expected

HITS_ALIAS = "lcom-hits"
AUDIT_ALIAS = "lcom-audit"
REVIEWS_ALIAS = "lcom-reviews"
LINKS_ALIAS = "lcom-links"
HITS_FIRST_INDEX = f"{HITS_ALIAS}-000001"
AUDIT_FIRST_INDEX = f"{AUDIT_ALIAS}-000001"
REVIEWS_FIRST_INDEX = f"{REVIEWS_ALIAS}-000001"
LINKS_FIRST_INDEX = f"{LINKS_ALIAS}-000001"
REVIEWS_PIPELINE = "lcom-reviews"
KIBANA_APPLICATION = "kibana-.kibana"
KIBANA_RESOURCES = ["space:default"]

#: Languages lcom detects, with the analyzer their ``title``/``text`` sub-field uses.
#: Polish has no built-in analyzer (stemming needs the analysis-stempel plugin), so it
#: gets ``lcom_polish``: lower-casing plus folding that keeps the original token.
LANGUAGE_ANALYZERS: dict[str, str] = {
    "nl": "dutch",
    "en": "english",
    "de": "german",
    "ro": "romanian",
    "bg": "bulgarian",
    "hu": "hungarian",
    "pl": "lcom_polish",
    "es": "spanish",
}

#: Definition hash key in ``_meta`` (templates, ILM, pipelines) or ``metadata`` (roles).
HASH_KEY = "lcom_sha256"


@dataclass(frozen=True)
class Retention:
    """Retention the data policy sets, in days.

    ``hits_by_state`` maps a ``review.state`` to the days a hit is kept after its
    ``last_seen`` (enforced per document by ``lcom purge``). ILM deletes a whole
    rolled-over index ``max(hits_by_state)`` days after its rollover: a backstop that
    never removes a hit earlier than ``lcom purge`` would.
    """

    hits_by_state: Mapping[str, int] = field(default_factory=dict)
    audit_days: int = 730
    rollover_days: int = 30

    def __post_init__(self) -> None:
        if not self.hits_by_state:
            raise ValueError("retention needs at least one review state")
        for state, days in self.hits_by_state.items():
            if not isinstance(days, int) or days < 1:
                raise ValueError(f"retention for {state!r} must be a positive number of days")
        if self.audit_days < 1 or self.rollover_days < 1:
            raise ValueError("audit and rollover days must be positive")

    @property
    def max_hit_days(self) -> int:
        return max(self.hits_by_state.values())


#: Used for the packaged JSON and when no data policy is given: the review states and
#: days of the demo data policy. A deployment's data policy overrides it
#: (``lcom es setup --policy-dir``).
DEFAULT_RETENTION = Retention(
    hits_by_state={"new": 60, "relevant": 365, "not_relevant": 14},
    audit_days=730,
    rollover_days=30,
)


# --------------------------------------------------------------------------- mappings


def _keyword(ignore_above: int = 1024) -> dict[str, Any]:
    return {"type": "keyword", "ignore_above": ignore_above}


def _multilingual_text() -> dict[str, Any]:
    fields = {lang: {"type": "text", "analyzer": a} for lang, a in LANGUAGE_ANALYZERS.items()}
    return {"type": "text", "analyzer": "standard", "fields": fields}


def _date() -> dict[str, Any]:
    return {"type": "date", "format": "strict_date_optional_time||epoch_millis"}


def hit_mappings() -> dict[str, Any]:
    """Mappings of the hit document (docs/data-model.md section 3).

    ``dynamic: strict``: a field the data model does not list is refused, so nothing
    the minimisation step did not allow can be stored by accident (the document goes
    to the spool's rejected ledger with the reason).
    """
    return {
        "dynamic": "strict",
        "properties": {
            "doc_id": _keyword(),
            "source": _keyword(),
            "source_ad_id": _keyword(),
            "url": _keyword(4096),
            "title": _multilingual_text(),
            "text": _multilingual_text(),
            "lang": _keyword(),
            "lang_confidence": {"type": "float"},
            "city": {**_keyword(256), "fields": {"text": {"type": "text"}}},
            # "posted" is the date as written; a value that is no date stays in _source.
            "posted": {**_date(), "ignore_malformed": True},
            "stated_age": {"type": "integer"},
            "price": {
                "properties": {
                    "amount": {"type": "float"},
                    "currency": _keyword(16),
                    "per_hours": {"type": "float"},
                }
            },
            "indicators": {
                "type": "nested",
                "properties": {
                    "category": _keyword(),
                    "rule": _keyword(),
                    "weight": {"type": "float"},
                    "evidence": {
                        "properties": {
                            "field": _keyword(),
                            "snippet": _multilingual_text(),
                            "start": {"type": "integer"},
                            "end": {"type": "integer"},
                        }
                    },
                },
            },
            "categories": _keyword(),
            # The ad-context decision (pipelines/engine/context.py) and its evidence.
            "context": {
                "properties": {
                    "service": {"type": "boolean"},
                    "score": {"type": "float"},
                    "threshold": {"type": "float"},
                    "cues": {
                        "properties": {
                            "cue": _keyword(),
                            "weight": {"type": "float"},
                            "rule": _keyword(),
                            "evidence": {
                                "properties": {
                                    "field": _keyword(),
                                    "snippet": _multilingual_text(),
                                    "start": {"type": "integer"},
                                    "end": {"type": "integer"},
                                }
                            },
                        }
                    },
                }
            },
            "score": {"type": "float"},
            "hit": {"type": "boolean"},
            "lexicon_version": _keyword(),
            "contacts": {
                "properties": {
                    "kind": _keyword(),
                    "pseudonym": _keyword(),
                    "key_id": _keyword(),
                }
            },
            "contact_pseudonyms": _keyword(),
            "name_pseudonyms": _keyword(),
            "image_phash": _keyword(),
            "evidence": {
                "properties": {
                    "body_sha256": _keyword(),
                    "fetched_at": _date(),
                    "http_status": {"type": "integer"},
                    "rendered_js": {"type": "boolean"},
                }
            },
            "policy": {
                "properties": {
                    "version": _keyword(),
                    "hash": _keyword(),
                    "authorisation_id": _keyword(),
                    "legal_basis_id": _keyword(),
                }
            },
            "run_id": _keyword(),
            "first_seen": _date(),
            "last_seen": _date(),
            "seen_count": {"type": "integer"},
            "review": review_properties(),
            "links": hit_links_properties(),
        },
    }


def hit_links_properties() -> dict[str, Any]:
    """``links.*`` of a hit: what the linking step found (docs/linking.md).

    Set when the ad is indexed and, when a later ad completes a link, by a partial
    update of the earlier hit. ``indicators.facts`` (cities with dates, shared phrases)
    is kept in ``_source`` for the explanation but not indexed: its shape depends on
    the indicator, and a strict mapping would refuse a new shape.
    """
    return {
        "properties": {
            "contact_cluster": _keyword(),
            "template_cluster": _keyword(),
            "cities": _keyword(256),
            "n_cities": {"type": "integer"},
            "window_days": {"type": "integer"},
            "indicators": {
                "properties": {
                    "indicator": _keyword(),
                    "rule": _keyword(),
                    "weight": {"type": "float"},
                    "facts": {"type": "object", "enabled": False},
                }
            },
        }
    }


def link_mappings() -> dict[str, Any]:
    """``lcom-links`` (pipelines/es/links.py): one document per link key (``kind``
    ``contact`` or ``template``, ``_id`` ``key:<key>``) and one per observed ad (``kind``
    ``ad``, ``_id`` ``ad:<doc_id>``) that the keys are built from.

    Pseudonyms and hashes only: ``key`` and ``contacts`` are contact pseudonyms or
    template cluster keys; names are only counted (``n_names``; an ad's name pseudonyms
    are kept unindexed, to count distinct ones); ``bands`` are MinHash band keys and
    ``shingles`` 32-bit hashes of word shingles, no words. ``ads`` (a key's entry per
    ad, which its summary is computed from) is kept in ``_source`` and not indexed.
    """
    unindexed_keyword = {"type": "keyword", "index": False, "doc_values": False}
    return {
        "dynamic": "strict",
        "properties": {
            "kind": _keyword(),
            # kind "contact" / "template": the key's summary (KeySummary.to_dict()).
            "key": _keyword(),
            "sources": _keyword(),
            "cities": {"properties": {"city": _keyword(256), "first": _date(), "last": _date()}},
            "city_names": _keyword(256),
            "n_cities": {"type": "integer"},
            "window_days": {"type": "integer"},
            "doc_ids": _keyword(),
            "hit_doc_ids": _keyword(),
            "n_ads": {"type": "integer"},
            "ages": {"type": "integer"},
            "n_ages": {"type": "integer"},
            "n_names": {"type": "integer"},
            "contacts": _keyword(),
            "first_seen": _date(),
            "last_seen": _date(),
            "ads": {"type": "object", "enabled": False},
            # kind "ad": one observed ad (non-hits: doc_id, source, city, dates, contacts).
            "doc_id": _keyword(),
            "source": _keyword(),
            "city": _keyword(256),
            "hit": {"type": "boolean"},
            "template": _keyword(),
            "name_hashes": unindexed_keyword,
            "bands": _keyword(),
            "shingles": {"type": "long", "index": False, "doc_values": False},
        },
    }


def review_properties() -> dict[str, Any]:
    """``review.*``: the only fields investigators change (through ``lcom-reviews``)."""
    return {
        "properties": {
            "state": _keyword(),
            "assignee": _keyword(),
            "reviewed_by": _keyword(),
            "reviewed_at": _date(),
            "labels": _keyword(),
            "notes": {"type": "text"},
        }
    }


def audit_mappings() -> dict[str, Any]:
    """Audit records: known fields typed, other strings stored as keywords (not analysed)."""
    return {
        "dynamic": True,
        "dynamic_templates": [
            {"strings_as_keyword": {"match_mapping_type": "string", "mapping": _keyword()}}
        ],
        "properties": {
            "@timestamp": _date(),
            "kind": _keyword(),
            "run_id": _keyword(),
            "actor": _keyword(),
            "policy": {"properties": {"version": _keyword(), "hash": _keyword()}},
            # crawl_run records (crawler/extensions/audit.py), read by the Crawl health
            # dashboard: typed here so the dashboards never depend on dynamic mapping.
            "source": _keyword(),
            "base_url": _keyword(4096),
            "started_at": _date(),
            "finished_at": _date(),
            "finish_reason": _keyword(),
            "policy_version": _keyword(),
            "requests": {"type": "long"},
            "responses": {"type": "long"},
            "items_extracted": {"type": "long"},
            "hits_stored": {"type": "long"},
            "blocked_total": {"type": "long"},
            "blocked": {
                "properties": {rule: {"type": "long"} for rule in GUARDRAIL_RULES},
            },
            # alert records (crawler/monitoring.py): which check, its value and threshold.
            "alert": _keyword(),
            "message": {"type": "text"},
            "value": {"type": "double"},
            "threshold": {"type": "double"},
            "at": _date(),
            # pseudonym_lookup records (lcom pseudonym): never the looked-up value.
            "pseudonym": _keyword(),
            "contact_kind": _keyword(),
            "key_id": _keyword(),
            "reason": {"type": "text"},
        },
    }


def review_record_mappings() -> dict[str, Any]:
    """One investigator decision in ``lcom-reviews`` (append-only ledger)."""
    review = review_properties()["properties"]
    return {
        "dynamic": "strict",
        "properties": {
            "doc_id": _keyword(),
            **review,
            # Set by the ingest pipeline from the authenticated user; cannot be forged.
            "user": {
                "properties": {
                    "username": _keyword(),
                    "realm": {"properties": {"name": _keyword(), "type": _keyword()}},
                    "api_key": {
                        "properties": {
                            "id": _keyword(),
                            "name": _keyword(),
                            # Whatever metadata the key was created with: kept as given,
                            # never mapped (a strict mapping would refuse the decision).
                            "metadata": {"type": "object", "enabled": False},
                        }
                    },
                    "authentication_type": _keyword(),
                }
            },
        },
    }


def _settings(alias: str, policy: str, *, pipeline: str | None = None) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "index": {
            "number_of_shards": 1,
            "auto_expand_replicas": "0-1",
            "lifecycle": {"name": policy, "rollover_alias": alias},
        }
    }
    if pipeline:
        settings["index"]["final_pipeline"] = pipeline
    return settings


def link_settings() -> dict[str, Any]:
    """One index, never rolled over: a key's document is updated in place (read-modify-
    write), so it must stay in one index; retention removes observations per document."""
    return {
        "index": {
            "number_of_shards": 1,
            "auto_expand_replicas": "0-1",
            "lifecycle": {"name": LINKS_ALIAS},
        }
    }


def hit_settings() -> dict[str, Any]:
    settings = _settings(HITS_ALIAS, HITS_ALIAS)
    settings["analysis"] = {
        "analyzer": {
            "lcom_polish": {
                "type": "custom",
                "tokenizer": "standard",
                "filter": ["lowercase", "lcom_folding"],
            }
        },
        "filter": {"lcom_folding": {"type": "asciifolding", "preserve_original": True}},
    }
    return settings


# ----------------------------------------------------------------------- definitions


def _with_hash(body: dict[str, Any], *, meta_key: str = "_meta") -> dict[str, Any]:
    body = copy.deepcopy(body)
    meta = body.setdefault(meta_key, {})
    meta.pop(HASH_KEY, None)
    meta["managed_by"] = "lcom"
    meta[HASH_KEY] = definition_hash(body, meta_key=meta_key)
    return body


def definition_hash(body: Mapping[str, Any], *, meta_key: str = "_meta") -> str:
    """SHA-256 of the canonical JSON of ``body`` without its own hash field."""
    stripped = copy.deepcopy(dict(body))
    meta = stripped.get(meta_key)
    if isinstance(meta, dict):
        meta.pop(HASH_KEY, None)
    canonical = json.dumps(stripped, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def ilm_policies(retention: Retention) -> dict[str, dict[str, Any]]:
    rollover = {"max_age": f"{retention.rollover_days}d", "max_primary_shard_size": "50gb"}

    def policy(delete_days: int, description: str) -> dict[str, Any]:
        inner = {
            "_meta": {"description": description},
            "phases": {
                "hot": {"min_age": "0ms", "actions": {"rollover": dict(rollover)}},
                "delete": {"min_age": f"{delete_days}d", "actions": {"delete": {}}},
            },
        }
        return {"policy": _with_hash(inner)}

    return {
        HITS_ALIAS: policy(
            retention.max_hit_days,
            f"hits: rollover every {retention.rollover_days}d; delete an index "
            f"{retention.max_hit_days}d (longest review-state retention) after rollover",
        ),
        AUDIT_ALIAS: policy(
            retention.audit_days,
            f"audit: delete an index {retention.audit_days}d after rollover",
        ),
        REVIEWS_ALIAS: policy(
            retention.max_hit_days,
            f"review decisions: kept as long as the longest hit retention "
            f"({retention.max_hit_days}d after rollover)",
        ),
        LINKS_ALIAS: {
            "policy": _with_hash(
                {
                    "_meta": {
                        "description": (
                            "link store: one index, no rollover and no whole-index delete "
                            "(key documents are updated in place); observations of hits are "
                            f"forgotten {retention.max_hit_days}d after they were last seen "
                            "(longest hit retention), non-hit observations after the data "
                            "policy's own, shorter retention, by the link store's purge"
                        ),
                        "retention_days": retention.max_hit_days,
                    },
                    "phases": {
                        "hot": {"min_age": "0ms", "actions": {"set_priority": {"priority": 50}}}
                    },
                }
            )
        },
    }


def ingest_pipelines() -> dict[str, dict[str, Any]]:
    return {
        REVIEWS_PIPELINE: _with_hash(
            {
                "description": "lcom review decisions: record who made the decision",
                "processors": [
                    {
                        "set_security_user": {
                            "field": "user",
                            "properties": [
                                "username",
                                "realm",
                                "api_key",
                                "authentication_type",
                            ],
                        }
                    },
                    {
                        "set": {
                            "field": "reviewed_at",
                            "value": "{{{_ingest.timestamp}}}",
                            "override": True,
                        }
                    },
                ],
            }
        )
    }


def component_templates() -> dict[str, dict[str, Any]]:
    def component(template: dict[str, Any], description: str) -> dict[str, Any]:
        return _with_hash({"template": template, "_meta": {"description": description}})

    return {
        "lcom-hits-settings": component(
            {"settings": hit_settings()}, "hits: shards, ILM, language analyzers"
        ),
        "lcom-hits-mappings": component(
            {"mappings": hit_mappings()}, "hits: the hit document (docs/data-model.md)"
        ),
        "lcom-audit-settings": component(
            {"settings": _settings(AUDIT_ALIAS, AUDIT_ALIAS)}, "audit: shards and ILM"
        ),
        "lcom-audit-mappings": component(
            {"mappings": audit_mappings()}, "audit: crawl runs and erasure records"
        ),
        "lcom-reviews-settings": component(
            {"settings": _settings(REVIEWS_ALIAS, REVIEWS_ALIAS, pipeline=REVIEWS_PIPELINE)},
            "review decisions: shards, ILM, ingest pipeline that records the user",
        ),
        "lcom-reviews-mappings": component(
            {"mappings": review_record_mappings()}, "review decisions"
        ),
        "lcom-links-settings": component(
            {"settings": link_settings()}, "link store: one shard, no rollover"
        ),
        "lcom-links-mappings": component(
            {"mappings": link_mappings()},
            "link store: one document per link key and per observed ad (pseudonyms only)",
        ),
    }


def index_templates() -> dict[str, dict[str, Any]]:
    def template(alias: str) -> dict[str, Any]:
        return _with_hash(
            {
                "index_patterns": [f"{alias}-*"],
                "composed_of": [f"{alias}-settings", f"{alias}-mappings"],
                "priority": 500,
                "_meta": {"description": f"lcom {alias} indices behind the {alias} alias"},
            }
        )

    return {name: template(name) for name in (HITS_ALIAS, AUDIT_ALIAS, REVIEWS_ALIAS, LINKS_ALIAS)}


def bootstrap_indices() -> dict[str, dict[str, Any]]:
    """First versioned index of each alias; setup creates it only when the alias is missing."""
    return {
        index: {"aliases": {alias: {"is_write_index": True}}}
        for index, alias in (
            (HITS_FIRST_INDEX, HITS_ALIAS),
            (AUDIT_FIRST_INDEX, AUDIT_ALIAS),
            (REVIEWS_FIRST_INDEX, REVIEWS_ALIAS),
            (LINKS_FIRST_INDEX, LINKS_ALIAS),
        )
    }


def _names(alias: str) -> list[str]:
    return [alias, f"{alias}-*"]


def roles() -> dict[str, dict[str, Any]]:
    def role(body: dict[str, Any], description: str) -> dict[str, Any]:
        body = {**body, "metadata": {"description": description}}
        return _with_hash(body, meta_key="metadata")

    kibana_read = ["feature_discover.read", "feature_dashboard.read", "feature_visualize.read"]
    return {
        "lcom_crawler": role(
            {
                "cluster": ["monitor"],
                "indices": [
                    {
                        # read + view_index_metadata: find which index generation holds
                        # a document, so an update never creates a second copy.
                        "names": _names(HITS_ALIAS),
                        "privileges": ["read", "write", "view_index_metadata"],
                    },
                    # Audit records are append-only for the crawler.
                    {"names": _names(AUDIT_ALIAS), "privileges": ["create_doc"]},
                    # The link store: read-modify-write of key documents, retention purge;
                    # maintenance: refresh before searching what was just written.
                    {
                        "names": _names(LINKS_ALIAS),
                        "privileges": ["read", "write", "view_index_metadata", "maintenance"],
                    },
                ],
            },
            "lcom crawler: writes hits and the link store, appends audit records; nothing else",
        ),
        "lcom_investigator": role(
            {
                "cluster": [],
                "indices": [
                    {"names": _names(HITS_ALIAS), "privileges": ["read", "view_index_metadata"]},
                    # Review decisions are appended, never edited; the ingest pipeline
                    # records who made them. lcom_review_sync copies them into review.*.
                    {"names": _names(REVIEWS_ALIAS), "privileges": ["create_doc", "read"]},
                    # Linked cases: read only; the crawler maintains them.
                    {"names": _names(LINKS_ALIAS), "privileges": ["read", "view_index_metadata"]},
                ],
                "applications": [
                    {
                        "application": KIBANA_APPLICATION,
                        "privileges": [*kibana_read, "feature_dev_tools.read"],
                        "resources": KIBANA_RESOURCES,
                    }
                ],
            },
            "investigators: read hits and links, record review decisions (never edit hit content)",
        ),
        "lcom_legal": role(
            {
                "cluster": [],
                "indices": [
                    {"names": _names(AUDIT_ALIAS), "privileges": ["read", "view_index_metadata"]}
                ],
                "applications": [
                    {
                        "application": KIBANA_APPLICATION,
                        "privileges": kibana_read,
                        "resources": KIBANA_RESOURCES,
                    }
                ],
            },
            "legal staff: read the audit trail (crawl runs, erasures)",
        ),
        "lcom_review_sync": role(
            {
                "cluster": ["monitor"],
                "indices": [
                    {"names": _names(REVIEWS_ALIAS), "privileges": ["read"]},
                    {
                        "names": _names(HITS_ALIAS),
                        "privileges": ["read", "write", "view_index_metadata"],
                    },
                    # Each run appends a review_sync record holding its checkpoint and
                    # reads the latest one back (pipelines/es/reviews.py).
                    {"names": _names(AUDIT_ALIAS), "privileges": ["create_doc", "read"]},
                ],
            },
            "copies review decisions from lcom-reviews into hits' review.* fields",
        ),
    }


def render(retention: Retention | None = None) -> dict[str, dict[str, dict[str, Any]]]:
    """Every definition, ``{kind: {name: body}}``, kinds as in :data:`dashboards.ES_KINDS`."""
    retention = retention or DEFAULT_RETENTION
    rendered = {
        "ilm": ilm_policies(retention),
        "ingest": ingest_pipelines(),
        "component_templates": component_templates(),
        "index_templates": index_templates(),
        "indices": bootstrap_indices(),
        "roles": roles(),
    }
    assert tuple(rendered) == ES_KINDS
    return rendered


# ------------------------------------------------------------------------------ CLI


def _dump(body: Mapping[str, Any]) -> str:
    return json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def expected_files(retention: Retention | None = None) -> dict[Path, str]:
    return {
        ELASTICSEARCH_DIR / kind / f"{name}.json": _dump(body)
        for kind, items in render(retention).items()
        for name, body in items.items()
    }


def _file_problems(expected: Mapping[Path, str], found: list[Path], root: Path) -> list[str]:
    problems: list[str] = []
    for path, text in sorted(expected.items()):
        if not path.is_file():
            problems.append(f"missing: {path.relative_to(root)}")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"stale: {path.relative_to(root)}")
    for path in sorted(found):
        if path not in expected:
            problems.append(f"not generated (remove it): {path.relative_to(root)}")
    return problems


def _write_files(expected: Mapping[Path, str]) -> list[Path]:
    written = []
    for target, text in expected.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
            written.append(target)
    return written


def _relocated(out_dir: Path) -> dict[Path, str]:
    return {
        out_dir / p.relative_to(ELASTICSEARCH_DIR): text for p, text in expected_files().items()
    }


def check(out_dir: Path = ELASTICSEARCH_DIR) -> list[str]:
    """Problems with the files under ``out_dir`` (empty when they are up to date)."""
    return _file_problems(_relocated(out_dir), list(out_dir.glob("*/*.json")), out_dir)


def write(out_dir: Path = ELASTICSEARCH_DIR) -> list[Path]:
    return _write_files(_relocated(out_dir))


def kibana_files(out_dir: Path = KIBANA_DIR, retention: Retention | None = None) -> dict[Path, str]:
    """The Kibana NDJSON files (``dashboards/kibana/``) from the definitions above."""
    files = kibana_expected(render(retention), retention or DEFAULT_RETENTION)
    return {out_dir / p.name: text for p, text in files.items()}


def check_kibana(out_dir: Path = KIBANA_DIR) -> list[str]:
    """Stale, missing or extra NDJSON files, then the static check of their objects
    against the mappings above (:mod:`dashboards.kibana.check`)."""
    problems = _file_problems(kibana_files(out_dir), list(out_dir.glob("*.ndjson")), out_dir.parent)
    if out_dir.is_dir():
        problems.extend(check_files(out_dir, mappings_by_index(render()))[1])
    return problems


def write_kibana(out_dir: Path = KIBANA_DIR) -> list[Path]:
    return _write_files(kibana_files(out_dir))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboards.build", description=__doc__)
    parser.add_argument(
        "--check", action="store_true", help="do not write; exit 1 when files are not up to date"
    )
    parser.add_argument("--out", type=Path, default=ELASTICSEARCH_DIR, help=argparse.SUPPRESS)
    parser.add_argument("--kibana-out", type=Path, default=KIBANA_DIR, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.check:
        problems = check(args.out) + check_kibana(args.kibana_out)
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print("run: python -m dashboards.build", file=sys.stderr)
            return 1
        print("dashboards/elasticsearch and dashboards/kibana are up to date")
        return 0
    written = write(args.out) + write_kibana(args.kibana_out)
    print(f"wrote {len(written)} file(s)" if written else "nothing to write")
    problems = check_kibana(args.kibana_out)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
