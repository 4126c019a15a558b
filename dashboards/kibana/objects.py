"""The Kibana saved objects lcom ships: data views, saved searches, Lens dashboards.

:func:`render` builds every object from the Elasticsearch definitions of
:func:`dashboards.build.render` (a data view exists for each lcom index that has a
mapping, so the ``lcom-links`` data view appears when its mapping does) and the data
policy's retention (the Retention dashboard's cut-offs). ``python -m dashboards.build``
writes them to ``dashboards/kibana/*.ndjson``, one file per bundle; ``--check`` fails when
a file is stale or an object names a field the mappings do not have
(:mod:`dashboards.kibana.check`).

Stored ad text is hostile input: every field format here is plain text, a number, a date
or a link whose label is the URL itself (``url`` format, type ``a``). No ``html`` string
format, no markdown panels, no image URL format (it would load pictures from ad sites).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dashboards import GUARDRAIL_RULES
from dashboards.kibana.lens import (
    DataViewSpec,
    Json,
    Lens,
    Panel,
    count,
    dashboard,
    data_view,
    date_histogram,
    filters,
    metric,
    number_format,
    saved_search,
    string_format,
    terms,
    url_format,
)

if TYPE_CHECKING:
    from dashboards.build import Retention


HITS = "lcom-hits"
AUDIT = "lcom-audit"
REVIEWS = "lcom-reviews"
LINKS = "lcom-links"

#: Data views, one entry each; a data view is shipped when its index has a mapping in
#: the Elasticsearch definitions (``<index>-mappings`` component template).
DATA_VIEWS: tuple[DataViewSpec, ...] = (
    DataViewSpec(
        id="lcom-hits",
        index=HITS,
        name="lcom hits",
        time_field="last_seen",
        formats={
            "url": url_format(),
            "title": string_format(),
            "text": string_format(),
            "indicators.evidence.snippet": string_format(),
            "score": number_format("0.[00]"),
            "lang_confidence": number_format("0.00"),
            "seen_count": number_format("0,0"),
        },
        labels={
            "indicators.evidence.snippet": "evidence snippet",
            "review.state": "review state",
            "contact_pseudonyms": "contact pseudonyms",
            "lang": "language",
        },
    ),
    DataViewSpec(
        id="lcom-audit",
        index=AUDIT,
        name="lcom audit trail",
        time_field="@timestamp",
        formats={
            "base_url": url_format(),
            "requests": number_format("0,0"),
            "items_extracted": number_format("0,0"),
            "hits_stored": number_format("0,0"),
            "blocked_total": number_format("0,0"),
        },
        labels={"kind": "record kind", "actor": "who"},
    ),
    DataViewSpec(
        id="lcom-reviews",
        index=REVIEWS,
        name="lcom review decisions",
        time_field="reviewed_at",
        formats={"notes": string_format()},
        labels={"user.username": "decided by"},
    ),
    DataViewSpec(
        id="lcom-links",
        index=LINKS,
        name="lcom links",
        time_field="last_seen",
        formats={"n_cities": number_format("0,0"), "n_ads": number_format("0,0")},
        labels={
            "kind": "link kind",
            "key": "link key (pseudonym or template cluster)",
            "city_names": "cities",
            "window_days": "days between first and last sighting",
        },
    ),
)

#: Columns an investigator triages by (the time column is the data view's time field).
TRIAGE_COLUMNS = (
    "source",
    "city",
    "lang",
    "score",
    "categories",
    "indicators.evidence.snippet",
    "review.state",
    "url",
)

NEW = 'review.state : "new" or not review.state : *'


def mappings_by_index(es_definitions: Mapping[str, Mapping[str, Any]]) -> dict[str, Json]:
    """``{index alias: mappings}`` from :func:`dashboards.build.render`'s output."""
    found: dict[str, Json] = {}
    for name, body in es_definitions.get("component_templates", {}).items():
        if name.endswith("-mappings"):
            found[name[: -len("-mappings")]] = body["template"]["mappings"]
    return found


def shipped_data_views(es_definitions: Mapping[str, Mapping[str, Any]]) -> list[DataViewSpec]:
    indices = mappings_by_index(es_definitions)
    return [spec for spec in DATA_VIEWS if spec.index in indices]


def _has_field(mappings: Json, path: str) -> bool:
    props: Any = mappings.get("properties", {})
    parts = path.split(".")
    for number, part in enumerate(parts):
        node = props.get(part) if isinstance(props, dict) else None
        if not isinstance(node, dict):
            return False
        if number == len(parts) - 1:
            return True
        props = node.get("properties", node.get("fields", {}))
    return False


# ----------------------------------------------------------------------------- bundles


@dataclass(frozen=True)
class Bundle:
    """One NDJSON file: a name (the file stem) and its objects in import order."""

    name: str
    objects: list[Json]


def _searches(views: Sequence[DataViewSpec]) -> list[Json]:
    shipped = {spec.id for spec in views}
    searches = [
        saved_search(
            "lcom-search-triage",
            "lcom: hits to triage",
            "lcom-hits",
            TRIAGE_COLUMNS,
            [("last_seen", "desc")],
            description="Every hit, newest first, with the columns triage needs.",
        ),
        saved_search(
            "lcom-search-review-queue",
            "lcom: review queue (new hits, highest score, oldest first)",
            "lcom-hits",
            TRIAGE_COLUMNS,
            [("score", "desc"), ("first_seen", "asc")],
            query=NEW,
            description="Hits nobody has decided on yet.",
        ),
        saved_search(
            "lcom-search-crawl-runs",
            "lcom: crawl runs",
            "lcom-audit",
            (
                "source",
                "finish_reason",
                "requests",
                "items_extracted",
                "hits_stored",
                "blocked_total",
                "policy_version",
                "run_id",
            ),
            [("@timestamp", "desc")],
            query='kind : "crawl_run"',
            description="One record per crawl run: counts only, never content.",
        ),
        saved_search(
            "lcom-search-pseudonym-lookups",
            "lcom: pseudonym look-ups",
            "lcom-audit",
            ("actor", "contact_kind", "pseudonym", "reason"),
            [("@timestamp", "desc")],
            query='kind : "pseudonym_lookup"',
            description="Every use of `lcom pseudonym` that reached the audit index.",
        ),
        saved_search(
            "lcom-search-review-decisions",
            "lcom: review decisions",
            "lcom-reviews",
            ("doc_id", "state", "labels", "assignee", "user.username", "notes"),
            [("reviewed_at", "desc")],
            description="The append-only ledger of review decisions.",
        ),
    ]
    if LINKS in shipped:
        searches.append(
            saved_search(
                "lcom-search-link-keys",
                "lcom: linked cases (contacts and template clusters in several cities)",
                "lcom-links",
                ("kind", "key", "n_cities", "city_names", "window_days", "n_ads", "sources"),
                [("n_cities", "desc"), ("last_seen", "desc")],
                query='kind : ("contact" or "template") and n_cities >= 2',
                description="One row per link key in the link store; open a key's hits in "
                "lcom-hits with links.contact_cluster or links.template_cluster.",
            ),
        )
    return searches


def _signals() -> list[Json]:
    lenses = [
        Lens(
            "lcom-lens-hits-total",
            "Hits",
            "lcom-hits",
            {"n": count("hits")},
            "metric",
        ),
        Lens(
            "lcom-lens-hits-new",
            "New hits (not reviewed)",
            "lcom-hits",
            {"n": count("new hits")},
            "metric",
            query=NEW,
        ),
        Lens(
            "lcom-lens-hits-by-category",
            "Hits over time by indicator category",
            "lcom-hits",
            {
                "t": date_histogram("first_seen", "first seen"),
                "c": terms("categories", "category", "n", size=10),
                "n": count("hits"),
            },
            "bar_stacked",
            x="t",
            split="c",
        ),
        Lens(
            "lcom-lens-hits-by-language",
            "Hits over time by language",
            "lcom-hits",
            {
                "t": date_histogram("first_seen", "first seen"),
                "l": terms("lang", "language", "n", size=8),
                "n": count("hits"),
            },
            "bar_stacked",
            x="t",
            split="l",
        ),
        Lens(
            "lcom-lens-hits-by-source",
            "Hits over time by source",
            "lcom-hits",
            {
                "t": date_histogram("first_seen", "first seen"),
                "s": terms("source", "source", "n", size=10),
                "n": count("hits"),
            },
            "line",
            x="t",
            split="s",
        ),
        Lens(
            "lcom-lens-hits-by-city",
            "Hits by city",
            "lcom-hits",
            {
                "c": terms("city", "city", "n", size=20, other=False),
                "n": count("hits"),
                "s": metric("average", "score", "average score"),
            },
            "table",
        ),
    ]
    panels = [
        Panel("lens", "lcom-lens-hits-total", 0, 0, 12, 6),
        Panel("lens", "lcom-lens-hits-new", 12, 0, 12, 6),
        Panel("lens", "lcom-lens-hits-by-category", 24, 0, 24, 14),
        Panel("lens", "lcom-lens-hits-by-language", 0, 6, 24, 14),
        Panel("lens", "lcom-lens-hits-by-source", 24, 14, 24, 14),
        Panel("lens", "lcom-lens-hits-by-city", 0, 20, 24, 14),
        Panel("search", "lcom-search-triage", 0, 34, 48, 18),
    ]
    return [
        *(lens.saved_object() for lens in lenses),
        dashboard(
            "lcom-dashboard-signals",
            "lcom: Signals overview",
            "Hits over time by indicator category, language, source and city.",
            panels,
        ),
    ]


def _carousels(hits_mapping: Json) -> list[Json]:
    lenses = [
        Lens(
            "lcom-lens-pseudonyms-by-cities",
            "Contact pseudonyms seen in the most cities",
            "lcom-hits",
            {
                "p": terms("contact_pseudonyms", "contact pseudonym", "c", size=50, other=False),
                "c": metric("unique_count", "city", "distinct cities"),
                "s": metric("unique_count", "source", "distinct sources"),
                "n": count("ads"),
                "f": metric("min", "first_seen", "first seen", data_type="date"),
                "l": metric("max", "last_seen", "last seen", data_type="date"),
            },
            "table",
            query="contact_pseudonyms : *",
            description="A pseudonym in several cities within a short time is a carousel sign.",
        ),
        Lens(
            "lcom-lens-pseudonym-timeline",
            "Timeline per contact pseudonym (the ten in the most cities)",
            "lcom-hits",
            {
                "t": date_histogram("first_seen", "first seen"),
                "p": terms("contact_pseudonyms", "contact pseudonym", "c", size=10, other=False),
                "c": metric("unique_count", "city", "distinct cities"),
            },
            "line",
            x="t",
            split="p",
            query="contact_pseudonyms : *",
        ),
        Lens(
            "lcom-lens-pseudonyms-city-source",
            "Cities per contact pseudonym",
            "lcom-hits",
            {
                "p": terms("contact_pseudonyms", "contact pseudonym", "n", size=20, other=False),
                "c": terms("city", "city", "n", size=10, other=False),
                "n": count("ads"),
            },
            "table",
            query="contact_pseudonyms : *",
        ),
    ]
    panels = [
        Panel("lens", "lcom-lens-pseudonyms-by-cities", 0, 0, 24, 18),
        Panel("lens", "lcom-lens-pseudonym-timeline", 24, 0, 24, 18),
        Panel("lens", "lcom-lens-pseudonyms-city-source", 0, 18, 48, 16),
    ]
    link_lenses = _link_lenses(hits_mapping)
    lenses.extend(link_lenses)
    panels.extend(
        Panel("lens", lens.id, 24 * (n % 2), 34 + 14 * (n // 2), 24, 14)
        for n, lens in enumerate(link_lenses)
    )
    return [
        *(lens.saved_object() for lens in lenses),
        dashboard(
            "lcom-dashboard-carousels",
            "lcom: Carousels",
            "Contacts (as pseudonyms) that advertise in several cities: the movement "
            "pattern of a carousel. Search a known contact with `lcom pseudonym`.",
            panels,
            time_from="now-90d",
        ),
    ]


#: Panels on the derived ``links.*`` fields of hits (docs/linking.md): the cluster field,
#: the panel title, and the metric that orders the clusters. A panel is shipped when the
#: hit mapping has its fields.
LINK_PANELS: tuple[tuple[str, str, str], ...] = (
    ("links.contact_cluster", "Contact clusters by number of cities (carousels)", "links.n_cities"),
    ("links.template_cluster", "Template clusters (re-posted ad texts)", ""),
)


def _link_lenses(hits_mapping: Json) -> list[Lens]:
    found: list[Lens] = []
    for field_name, title, order_field in LINK_PANELS:
        if not _has_field(hits_mapping, field_name):
            continue
        columns: dict[str, Json] = {}
        if order_field and _has_field(hits_mapping, order_field):
            columns["k"] = terms(field_name, field_name, "m", size=20, other=False)
            columns["m"] = metric("max", order_field, order_field)
        else:
            columns["k"] = terms(field_name, field_name, "n", size=20, other=False)
        columns["c"] = metric("unique_count", "city", "distinct cities")
        columns["p"] = metric("unique_count", "contact_pseudonyms", "distinct contacts")
        columns["n"] = count("ads")
        columns["f"] = metric("min", "first_seen", "first seen", data_type="date")
        columns["l"] = metric("max", "last_seen", "last seen", data_type="date")
        slug = field_name.split(".", 1)[1].replace("_", "-")
        found.append(
            Lens(
                f"lcom-lens-links-{slug}",
                title,
                "lcom-hits",
                columns,
                "table",
                query=f"{field_name} : *",
            )
        )
    return found


def _review_queue() -> list[Json]:
    lenses = [
        Lens(
            "lcom-lens-queue-size",
            "New hits waiting for review",
            "lcom-hits",
            {"n": count("new hits")},
            "metric",
            query=NEW,
        ),
        Lens(
            "lcom-lens-queue-oldest",
            "Oldest new hit (first seen)",
            "lcom-hits",
            {"f": metric("min", "first_seen", "oldest first seen", data_type="date")},
            "metric",
            query=NEW,
        ),
        Lens(
            "lcom-lens-queue-by-score",
            "New hits by score",
            "lcom-hits",
            {
                "s": terms("score", "score", None, size=20, other=False, data_type="number"),
                "n": count("new hits"),
                "f": metric("min", "first_seen", "oldest first seen", data_type="date"),
            },
            "table",
            query=NEW,
        ),
        Lens(
            "lcom-lens-review-decisions",
            "Review decisions over time",
            "lcom-reviews",
            {
                "t": date_histogram("reviewed_at", "reviewed at"),
                "s": terms("state", "decision", "n", size=5),
                "n": count("decisions"),
            },
            "bar_stacked",
            x="t",
            split="s",
        ),
    ]
    panels = [
        Panel("lens", "lcom-lens-queue-size", 0, 0, 12, 6),
        Panel("lens", "lcom-lens-queue-oldest", 12, 0, 12, 6),
        Panel("lens", "lcom-lens-queue-by-score", 0, 6, 24, 16),
        Panel("lens", "lcom-lens-review-decisions", 24, 0, 24, 22),
        Panel("search", "lcom-search-review-queue", 0, 22, 48, 22),
    ]
    return [
        *(lens.saved_object() for lens in lenses),
        dashboard(
            "lcom-dashboard-review-queue",
            "lcom: Review queue",
            "New hits by score, oldest first. Record a decision in lcom-reviews "
            "(docs/investigators.md).",
            panels,
            time_from="now-1y",
        ),
    ]


def _crawl_health() -> list[Json]:
    runs = 'kind : "crawl_run"'
    lenses = [
        Lens(
            "lcom-lens-runs",
            "Crawl runs by how they ended",
            "lcom-audit",
            {
                "t": date_histogram("@timestamp", "time"),
                "r": terms("finish_reason", "finish reason", "n", size=10),
                "n": count("runs"),
            },
            "bar_stacked",
            x="t",
            split="r",
            query=runs,
        ),
        Lens(
            "lcom-lens-items-per-source",
            "Ads extracted per source (a drop to zero: changed layout or a block)",
            "lcom-audit",
            {
                "t": date_histogram("@timestamp", "time"),
                "s": terms("source", "source", "n", size=10),
                "n": metric("sum", "items_extracted", "ads extracted"),
            },
            "line",
            x="t",
            split="s",
            query=runs,
        ),
        Lens(
            "lcom-lens-hits-per-source",
            "Hits stored per source",
            "lcom-audit",
            {
                "t": date_histogram("@timestamp", "time"),
                "s": terms("source", "source", "n", size=10),
                "n": metric("sum", "hits_stored", "hits stored"),
            },
            "line",
            x="t",
            split="s",
            query=runs,
        ),
        Lens(
            "lcom-lens-blocks-by-rule",
            "Requests blocked by guardrail rule",
            "lcom-audit",
            {
                "t": date_histogram("@timestamp", "time"),
                **{f"b_{rule}": metric("sum", f"blocked.{rule}", rule) for rule in GUARDRAIL_RULES},
            },
            "bar_stacked",
            x="t",
            query=runs,
        ),
        Lens(
            "lcom-lens-failures",
            "Runs that did not finish normally, per source",
            "lcom-audit",
            {
                "s": terms("source", "source", "n", size=20, other=False),
                "r": terms("finish_reason", "finish reason", "n", size=10, other=False),
                "n": count("runs"),
            },
            "table",
            query=f'{runs} and not finish_reason : "finished"',
        ),
        Lens(
            "lcom-lens-audit-kinds",
            "Audit records by kind (crawl runs, erasures, review syncs, pseudonym look-ups)",
            "lcom-audit",
            {
                "k": terms("kind", "record kind", "n", size=10, other=False),
                "a": terms("actor", "who", "n", size=10, other=False),
                "n": count("records"),
            },
            "table",
        ),
    ]
    panels = [
        Panel("lens", "lcom-lens-runs", 0, 0, 24, 14),
        Panel("lens", "lcom-lens-blocks-by-rule", 24, 0, 24, 14),
        Panel("lens", "lcom-lens-items-per-source", 0, 14, 24, 14),
        Panel("lens", "lcom-lens-hits-per-source", 24, 14, 24, 14),
        Panel("lens", "lcom-lens-failures", 0, 28, 24, 14),
        Panel("lens", "lcom-lens-audit-kinds", 24, 28, 24, 14),
        Panel("search", "lcom-search-crawl-runs", 0, 42, 48, 16),
    ]
    return [
        *(lens.saved_object() for lens in lenses),
        dashboard(
            "lcom-dashboard-crawl-health",
            "lcom: Crawl health and oversight",
            "What the crawler did, for operators and legal staff: runs, blocks by "
            "guardrail rule, failures, ads and hits per source over time.",
            panels,
        ),
    ]


def _past_retention(retention: Retention) -> list[tuple[str, str]]:
    """``(label, KQL)`` per review state for hits older than that state's retention."""
    out = []
    shortest = min(retention.hits_by_state.values())
    for state, days in sorted(retention.hits_by_state.items()):
        out.append(
            (
                f"{state}: last seen over {days} days ago",
                f'review.state : "{state}" and last_seen < "now-{days}d"',
            )
        )
    known = " or ".join(f'review.state : "{s}"' for s in sorted(retention.hits_by_state))
    out.append(
        (
            f"other or no state: last seen over {shortest} days ago",
            f'not ({known}) and last_seen < "now-{shortest}d"',
        )
    )
    return out


def _retention(retention: Retention) -> list[Json]:
    past = _past_retention(retention)
    any_past = " or ".join(f"({q})" for _, q in past)
    lenses = [
        Lens(
            "lcom-lens-retention-overdue",
            "Hits past retention (lcom purge deletes them; should be 0 after its daily run)",
            "lcom-hits",
            {"n": count("hits past retention")},
            "metric",
            query=any_past,
        ),
        Lens(
            "lcom-lens-retention-by-state",
            "Hits past retention by review state",
            "lcom-hits",
            {"f": filters("retention rule", past), "n": count("hits")},
            "table",
        ),
        Lens(
            "lcom-lens-retention-age",
            "Hits by last seen (age) and review state",
            "lcom-hits",
            {
                "t": date_histogram("last_seen", "last seen", interval="1w"),
                "s": terms("review.state", "review state", "n", size=5),
                "n": count("hits"),
            },
            "bar_stacked",
            x="t",
            split="s",
        ),
    ]
    days = ", ".join(f"{s} {d} days" for s, d in sorted(retention.hits_by_state.items()))
    panels = [
        Panel("lens", "lcom-lens-retention-overdue", 0, 0, 16, 8),
        Panel("lens", "lcom-lens-retention-by-state", 16, 0, 32, 8),
        Panel("lens", "lcom-lens-retention-age", 0, 8, 48, 16),
    ]
    return [
        *(lens.saved_object() for lens in lenses),
        dashboard(
            "lcom-dashboard-retention",
            "lcom: Retention",
            f"Hits by age against the data policy's retention ({days} after last seen).",
            panels,
            time_from=f"now-{retention.max_hit_days * 2}d",
        ),
    ]


def render(es_definitions: Mapping[str, Mapping[str, Any]], retention: Retention) -> list[Bundle]:
    """Every saved object, in bundles (one NDJSON file each) in import order."""
    views = shipped_data_views(es_definitions)
    hits_mapping = mappings_by_index(es_definitions).get(HITS, {})
    return [
        Bundle("data-views", [data_view(spec) for spec in views]),
        Bundle("searches", _searches(views)),
        Bundle("signals-overview", _signals()),
        Bundle("carousels", _carousels(hits_mapping)),
        Bundle("review-queue", _review_queue()),
        Bundle("crawl-health", _crawl_health()),
        Bundle("retention", _retention(retention)),
    ]


def all_objects(bundles: Sequence[Bundle]) -> list[Json]:
    return [obj for bundle in bundles for obj in bundle.objects]
