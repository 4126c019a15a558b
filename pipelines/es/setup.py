"""Install or update lcom's Elasticsearch definitions, idempotently (``lcom es setup``).

Each definition from :func:`dashboards.build.render` carries a hash of itself
(``_meta.lcom_sha256``; roles: ``metadata.lcom_sha256``). Setup reads what the cluster
has, compares hashes and PUTs only what is missing or differs, so a second run reports
every item ``unchanged`` and "nothing changed".
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from elasticsearch import ApiError, Elasticsearch, NotFoundError, UnsupportedProductError

from dashboards.build import HASH_KEY, Retention, render
from pipelines.es.client import check_cluster_info
from pipelines.es.errors import UnsupportedClusterError

logger = logging.getLogger(__name__)

CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"
FAILED = "failed"


@dataclass(frozen=True)
class SetupItem:
    kind: str
    name: str
    outcome: str
    detail: str = ""

    def line(self) -> str:
        text = f"{self.kind:<20} {self.name:<24} {self.outcome}"
        return f"{text} ({self.detail})" if self.detail else text


@dataclass
class SetupReport:
    """What setup found and did; :meth:`lines` renders it for the CLI."""

    version: str
    dry_run: bool = False
    items: list[SetupItem] = field(default_factory=list)

    @property
    def changed(self) -> list[SetupItem]:
        return [i for i in self.items if i.outcome in (CREATED, UPDATED)]

    @property
    def failed(self) -> list[SetupItem]:
        return [i for i in self.items if i.outcome == FAILED]

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        prefix = "dry run: " if self.dry_run else ""
        if self.failed:
            return f"{prefix}{len(self.failed)} failed, {len(self.changed)} changed"
        if not self.changed:
            return f"{prefix}nothing changed"
        verb = "would change" if self.dry_run else "changed"
        return f"{prefix}{len(self.changed)} {verb}"

    def lines(self) -> list[str]:
        return [
            f"Elasticsearch {self.version}",
            *(i.line() for i in self.items),
            self.summary(),
        ]


class _Missing(LookupError):
    """The cluster answered, but without the definition asked for."""


def _hash_of(body: Any, *path: str) -> str | None:
    for key in path:
        if not isinstance(body, dict):
            return None
        body = body.get(key)
    return body if isinstance(body, str) else None


class _Installer:
    def __init__(self, client: Elasticsearch, report: SetupReport) -> None:
        self.client = client
        self.report = report

    def sync(
        self,
        kind: str,
        name: str,
        wanted_hash: str,
        current_hash: Callable[[], str | None],
        put: Callable[[], object],
    ) -> str:
        try:
            try:
                existing = current_hash()
                exists = True
            except (NotFoundError, _Missing):
                existing, exists = None, False
            if exists and existing == wanted_hash:
                outcome = UNCHANGED
            else:
                outcome = UPDATED if exists else CREATED
                if not self.report.dry_run:
                    put()
        except ApiError as exc:
            logger.error("setup of %s %s failed: %s", kind, name, exc.message)
            self.report.items.append(SetupItem(kind, name, FAILED, str(exc.message)))
            return FAILED
        self.report.items.append(SetupItem(kind, name, outcome))
        return outcome


def setup_cluster(
    client: Elasticsearch, retention: Retention | None = None, *, dry_run: bool = False
) -> SetupReport:
    """Install everything lcom needs; raises ``UnsupportedClusterError`` on a foreign server."""
    try:
        info = client.info().body
    except UnsupportedProductError as exc:
        raise UnsupportedClusterError(
            "the server does not identify as Elasticsearch (no X-Elastic-Product header); "
            "lcom supports Elasticsearch 8.x or 9.x"
        ) from exc
    version = check_cluster_info(info)
    report = SetupReport(version=version, dry_run=dry_run)
    defs = render(retention)
    inst = _Installer(client, report)

    for name, body in defs["ilm"].items():
        inst.sync(
            "ilm policy",
            name,
            body["policy"]["_meta"][HASH_KEY],
            partial(_ilm_hash, client, name),
            partial(client.ilm.put_lifecycle, name=name, body=body),
        )
    for name, body in defs["ingest"].items():
        inst.sync(
            "ingest pipeline",
            name,
            body["_meta"][HASH_KEY],
            partial(_pipeline_hash, client, name),
            partial(client.ingest.put_pipeline, id=name, body=body),
        )
    changed_mappings: list[str] = []
    for name, body in defs["component_templates"].items():
        outcome = inst.sync(
            "component template",
            name,
            body["_meta"][HASH_KEY],
            partial(_component_hash, client, name),
            partial(client.cluster.put_component_template, name=name, body=body),
        )
        if outcome == UPDATED and "mappings" in body["template"]:
            changed_mappings.append(name)
    for name, body in defs["index_templates"].items():
        inst.sync(
            "index template",
            name,
            body["_meta"][HASH_KEY],
            partial(_index_template_hash, client, name),
            partial(client.indices.put_index_template, name=name, body=body),
        )
    for index, body in defs["indices"].items():
        _bootstrap_index(client, report, index, body)
    for component in changed_mappings:
        _update_existing_mappings(client, report, component, defs["component_templates"][component])
    for name, body in defs["roles"].items():
        inst.sync(
            "role",
            name,
            body["metadata"][HASH_KEY],
            partial(_role_hash, client, name),
            partial(client.security.put_role, name=name, body=body),
        )
    return report


def _ilm_hash(client: Elasticsearch, name: str) -> str | None:
    return _hash_of(client.ilm.get_lifecycle(name=name).body, name, "policy", "_meta", HASH_KEY)


def _pipeline_hash(client: Elasticsearch, name: str) -> str | None:
    return _hash_of(client.ingest.get_pipeline(id=name).body, name, "_meta", HASH_KEY)


def _role_hash(client: Elasticsearch, name: str) -> str | None:
    return _hash_of(client.security.get_role(name=name).body, name, "metadata", HASH_KEY)


def _component_hash(client: Elasticsearch, name: str) -> str | None:
    found = client.cluster.get_component_template(name=name).body.get("component_templates", [])
    for item in found:
        if item.get("name") == name:
            return _hash_of(item, "component_template", "_meta", HASH_KEY)
    raise _Missing(name)


def _index_template_hash(client: Elasticsearch, name: str) -> str | None:
    found = client.indices.get_index_template(name=name).body.get("index_templates", [])
    for item in found:
        if item.get("name") == name:
            return _hash_of(item, "index_template", "_meta", HASH_KEY)
    raise _Missing(name)


def _bootstrap_index(
    client: Elasticsearch, report: SetupReport, index: str, body: dict[str, Any]
) -> None:
    (alias,) = body["aliases"]
    try:
        if client.indices.exists_alias(name=alias):
            report.items.append(
                SetupItem("index", f"{alias} -> {index}", UNCHANGED, "alias exists")
            )
            return
        if client.indices.exists(index=alias):
            # Writing to a missing alias auto-creates a concrete index of that name;
            # lcom writes with require_alias, but someone else may not have.
            report.items.append(
                SetupItem(
                    "index",
                    alias,
                    FAILED,
                    f"a concrete index named {alias} exists; move its documents and delete it",
                )
            )
            return
        if not report.dry_run:
            client.indices.create(index=index, body=body)
        report.items.append(SetupItem("index", f"{alias} -> {index}", CREATED))
    except ApiError as exc:
        logger.error("creating index %s failed: %s", index, exc.message)
        report.items.append(SetupItem("index", index, FAILED, str(exc.message)))


def _update_existing_mappings(
    client: Elasticsearch, report: SetupReport, component: str, body: dict[str, Any]
) -> None:
    """Add new fields to indices created from an older template (additive changes only)."""
    alias = component.rsplit("-", 1)[0]
    mappings = body["template"]["mappings"]
    try:
        if not client.indices.exists(index=f"{alias}-*", allow_no_indices=False):
            return
        if not report.dry_run:
            client.indices.put_mapping(index=f"{alias}-*", body=mappings)
        report.items.append(SetupItem("mappings", f"{alias}-*", UPDATED))
    except NotFoundError:
        return
    except ApiError as exc:
        logger.error("updating mappings of %s-* failed: %s", alias, exc.message)
        report.items.append(
            SetupItem(
                "mappings",
                f"{alias}-*",
                FAILED,
                f"{exc.message}; an incompatible change needs a rollover to a new index",
            )
        )
