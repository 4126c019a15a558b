"""The readable end-of-run summary printed by ``lcom crawl`` and ``lcom demo``."""

from __future__ import annotations

from typing import Any

from crawler.jobs import CrawlReport
from pipelines.engine.categories import CATEGORIES, DERIVED_CATEGORIES


def _prefixed(stats: dict[str, Any], prefix: str) -> dict[str, int]:
    return {
        key[len(prefix) :]: value
        for key, value in sorted(stats.items())
        if key.startswith(prefix) and isinstance(value, int)
    }


def _block(title: str, counts: dict[str, int], empty: str = "none") -> list[str]:
    lines = [f"  {title}:"]
    if not counts:
        lines[0] += f" {empty}"
        return lines
    width = max(len(name) for name in counts)
    lines.extend(f"    {name:<{width}}  {count:6d}" for name, count in counts.items())
    return lines


def render_summary(report: CrawlReport, source: str) -> str:
    stats = report.stats
    get = stats.get
    elapsed = get("elapsed_time_seconds")
    rendered = get("lcom/pages/rendered_js", get("playwright/page_count", 0))
    segments = report.extras.get("segments")
    resumed = f" ({segments} segments, counted together)" if segments else ""
    lines = [
        f"lcom run {report.run_id or '-'}: source {source}{resumed}",
        f"  finished:           {report.finish_reason or 'did not start'}"
        + (f" after {elapsed:.1f} s" if isinstance(elapsed, int | float) else ""),
        f"  pages fetched:      {get('response_received_count', 0)}"
        f"  (JavaScript-rendered: {rendered})",
        f"  ads extracted:      {get('lcom/ads/extracted', 0)}",
        f"  hits stored:        {get('lcom/pipeline/hits', 0)}",
    ]
    hits = {c: get(f"lcom/hits/category/{c}", 0) for c in CATEGORIES + DERIVED_CATEGORIES}
    lines += _block("hits per indicator", {c: n for c, n in hits.items() if n})
    dropped = _prefixed(stats, "lcom/pipeline/dropped/")
    lines += _block("items dropped (never stored)", dropped)
    lines += _block("requests blocked by guardrails", _prefixed(stats, "lcom/guardrails/blocked/"))
    skipped = _prefixed(stats, "lcom/pages/skipped/")
    skipped.update({f"failed {k}": v for k, v in _prefixed(stats, "lcom/pages/failed/").items()})
    lines += _block("pages skipped or failed", skipped)
    lines.append("  output:")
    if report.es_url:
        lines.append(
            f"    Elasticsearch {report.es_url}: indexed {get('lcom/es/indexed', 0)}, "
            f"updated {get('lcom/es/updated', 0)}, unchanged {get('lcom/es/noop', 0)}, "
            f"failed {sum(_prefixed(stats, 'lcom/es/failed/').values())}"
        )
    spooled = get("lcom/spool/written", 0)
    if report.spool_dir is not None:
        lines.append(f"    spool {report.spool_dir}: {spooled} hits written")
    audit = report.extras.get("audit_log")
    if audit:
        lines.append(f"    audit record in {audit}")
    warnings = report.extras.get("warnings") or []
    if warnings:
        lines.append("  warnings (within the policy's warning period):")
        lines.extend(f"    - {warning}" for warning in warnings)
    return "\n".join(lines)
