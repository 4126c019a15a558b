"""Run monitoring: checks after every crawl run and on a schedule, alerts when one fails.

In the spirit of Spidermon, each check compares what a run did with what the source
usually does and with thresholds an operator sets in YAML:

- ``zero_items``: no ads at all from a source that had ads in recent runs (the site's
  layout changed, or the listing moved);
- ``incomplete_ads``: too many ad pages without a title or a text (a selector broke);
- ``error_rate`` / ``block_rate``: too many pages failed, or the site blocked us (stop
  status codes, login walls);
- ``long_run``: a run far longer than the source's usual runs;
- ``spool_growing``: Elasticsearch is configured but hits pile up in the spool;
- ``authorisation_expiring``: the source's authorisation (or the policy period it runs
  under) ends within the policy's warning period.

Every alert is appended to the audit log (and the audit index when Elasticsearch is
configured) as a record of kind ``alert``, makes the command exit
``ExitCode.ALERTS`` (4), and is sent to the webhook and e-mail addresses in the
monitoring config, if any. Alerts carry ids and counts only: never ad text, URLs of
ads or contact details. Facts of each run are kept in
``<LCOM_VAR_DIR>/monitoring/history.jsonl`` to compare the next runs with.

Config: ``LCOM_MONITORING_CONFIG`` names a YAML file (see ``deploy/monitoring.yaml``);
without it every threshold has its default and nothing is sent. ``LCOM_MONITORING=0``
switches the checks after ``lcom crawl`` off (test suites that crawl broken pages on
purpose).
"""

from __future__ import annotations

import json
import logging
import os
import smtplib
import statistics
import urllib.request
from collections import deque
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from crawler.jobstate import read_json, write_json

logger = logging.getLogger(__name__)

CONFIG_ENV = "LCOM_MONITORING_CONFIG"
SWITCH_ENV = "LCOM_MONITORING"
RECORD_KIND = "alert"
#: Finish reasons of runs that ran to their natural end (only those are compared).
NATURAL_END = frozenset({"finished", "closespider_pagecount", "lcom_page_cap"})


class MonitoringConfigError(ValueError):
    """The monitoring config cannot be used; the message names the file and the field."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Thresholds(_Model):
    """When a check raises an alert. Every value has a default."""

    history_runs: int = Field(default=10, ge=1, description="recent runs a run is compared with")
    min_pages: int = Field(
        default=20, ge=1, description="pages a run needs before its error rate is judged"
    )
    min_ads: int = Field(
        default=5, ge=1, description="ad pages a run needs before completeness is judged"
    )
    incomplete_ads_ratio: float = Field(
        default=0.2, ge=0, le=1, description="largest share of ad pages without title or text"
    )
    error_rate: float = Field(default=0.2, ge=0, le=1, description="largest share of failed pages")
    block_rate: float = Field(
        default=0.0, ge=0, le=1, description="largest share of pages where the site blocked us"
    )
    long_run_factor: float = Field(
        default=3.0, gt=1, description="alert when a run takes this many times its usual duration"
    )
    long_run_min_seconds: float = Field(
        default=300, ge=0, description="runs shorter than this never count as long"
    )
    min_history_for_duration: int = Field(default=3, ge=1)
    spool_pending_max: int = Field(
        default=1000,
        ge=0,
        description="hits waiting in the spool before an alert (with Elasticsearch)",
    )
    authorisation_warning_days: int = Field(
        default=30, ge=0, description="used when the policy sets no warning period of its own"
    )


class Webhook(_Model):
    url: str = Field(pattern=r"^https?://", description="receives a JSON POST per batch")
    timeout: float = Field(default=10, gt=0)


class Smtp(_Model):
    host: str
    port: int = Field(default=25, ge=1, le=65535)
    sender: str = Field(alias="from")
    to: list[str] = Field(min_length=1)
    starttls: bool = False
    username: str | None = None
    #: Name of the environment variable holding the password (never the password itself).
    password_env: str | None = None
    timeout: float = Field(default=10, gt=0)


class Notify(_Model):
    webhook: Webhook | None = None
    smtp: Smtp | None = None


class MonitoringConfig(_Model):
    thresholds: Thresholds = Field(default_factory=lambda: Thresholds())
    notify: Notify = Field(default_factory=lambda: Notify())


def load_config(path: str | Path | None = None) -> MonitoringConfig:
    """The config at ``path`` (or ``$LCOM_MONITORING_CONFIG``); defaults without one."""
    path = path or os.environ.get(CONFIG_ENV)
    if not path:
        return MonitoringConfig()
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise MonitoringConfigError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise MonitoringConfigError(f"{path}: not valid YAML ({exc})") from exc
    try:
        return MonitoringConfig.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}"
            for err in exc.errors()
        )
        raise MonitoringConfigError(
            f"{path}: {problems} (see deploy/monitoring.yaml for every field)"
        ) from exc


@dataclass(frozen=True)
class Alert:
    """One failed check: counts and ids only."""

    alert: str
    source: str
    message: str
    value: float | None = None
    threshold: float | None = None
    run_id: str | None = None

    def record(self, at: datetime) -> dict[str, Any]:
        return {
            "kind": RECORD_KIND,
            "at": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            **asdict(self),
        }


@dataclass(frozen=True)
class RunFacts:
    """What monitoring needs to know about one run (counts only)."""

    source: str
    run_id: str | None
    finish_reason: str | None
    elapsed_seconds: float
    ads_seen: int
    ad_pages: int
    incomplete_ads: int
    responses: int
    failed_pages: int
    site_blocks: int
    at: str = field(default_factory=lambda: datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))

    @classmethod
    def from_stats(cls, source: str, run_id: str | None, stats: dict[str, Any]) -> RunFacts:
        def count(key: str) -> int:
            value = stats.get(key, 0)
            return int(value) if isinstance(value, int | float) else 0

        def prefixed(prefix: str) -> int:
            return sum(
                int(v) for k, v in stats.items() if k.startswith(prefix) and isinstance(v, int)
            )

        extracted = count("lcom/ads/extracted")
        no_ad = count("lcom/pages/skipped/no_ad_found")
        elapsed = stats.get("elapsed_time_seconds", 0)
        return cls(
            source=source,
            run_id=run_id,
            finish_reason=stats.get("finish_reason"),
            elapsed_seconds=float(elapsed) if isinstance(elapsed, int | float) else 0.0,
            ads_seen=extracted + count("lcom/incremental/unchanged"),
            ad_pages=extracted + no_ad,
            incomplete_ads=count("lcom/ads/incomplete") + no_ad,
            responses=count("response_received_count"),
            failed_pages=prefixed("lcom/pages/failed/"),
            site_blocks=count("lcom/guardrails/blocked/stop_status")
            + count("lcom/guardrails/blocked/login_wall"),
        )


def check_run(
    facts: RunFacts, history: list[RunFacts], limits: Thresholds, *, whole_run: bool = True
) -> list[Alert]:
    """The alerts one finished run raises, compared with the source's recent runs.

    ``whole_run=False`` checks one worker's share of a run shared on Redis: the rates
    (incomplete ads, failed and blocked pages) hold for any share, but a share may
    rightly hold no ads or last longer than usual, so those two checks are left to the
    run as a whole.
    """
    alerts: list[Alert] = []

    def alert(name: str, message: str, value: float, threshold: float | None = None) -> None:
        alerts.append(Alert(name, facts.source, message, value, threshold, facts.run_id))

    recent = [h for h in history if h.source == facts.source][-limits.history_runs :]
    natural = facts.finish_reason in NATURAL_END
    if whole_run and natural and facts.ads_seen == 0:
        before = max((h.ads_seen for h in recent), default=0)
        if before > 0:
            alert(
                "zero_items",
                f"source {facts.source}: no ads found, after {before} in a recent run "
                "(has the site's layout or listing changed?)",
                0,
                before,
            )
    if facts.ad_pages >= limits.min_ads:
        ratio = facts.incomplete_ads / facts.ad_pages
        if ratio > limits.incomplete_ads_ratio:
            alert(
                "incomplete_ads",
                f"source {facts.source}: {facts.incomplete_ads} of {facts.ad_pages} ad pages "
                f"had no title or no text ({ratio:.0%} > {limits.incomplete_ads_ratio:.0%}; "
                "a selector in the source config may be broken)",
                round(ratio, 4),
                limits.incomplete_ads_ratio,
            )
    if facts.responses >= limits.min_pages:
        rate = facts.failed_pages / facts.responses
        if rate > limits.error_rate:
            alert(
                "error_rate",
                f"source {facts.source}: {facts.failed_pages} of {facts.responses} pages "
                f"failed ({rate:.0%} > {limits.error_rate:.0%})",
                round(rate, 4),
                limits.error_rate,
            )
    if facts.site_blocks:
        rate = facts.site_blocks / max(facts.responses, 1)
        if rate > limits.block_rate:
            alert(
                "block_rate",
                f"source {facts.source}: the site blocked {facts.site_blocks} of "
                f"{facts.responses} pages (stop status or login wall; run ended: "
                f"{facts.finish_reason})",
                round(rate, 4),
                limits.block_rate,
            )
    durations = [h.elapsed_seconds for h in recent if h.finish_reason in NATURAL_END]
    if whole_run and len(durations) >= limits.min_history_for_duration:
        usual = statistics.median(durations)
        bound = max(usual * limits.long_run_factor, limits.long_run_min_seconds)
        if facts.elapsed_seconds > bound:
            alert(
                "long_run",
                f"source {facts.source}: the run took {facts.elapsed_seconds:.0f} s, more "
                f"than {limits.long_run_factor:g} x its usual {usual:.0f} s",
                round(facts.elapsed_seconds, 1),
                round(bound, 1),
            )
    return alerts


def check_authorisation(
    source: str, valid_until: datetime, now: datetime, warning_days: int
) -> list[Alert]:
    """An alert when the permit ends within ``warning_days`` of ``now``."""
    left = valid_until - now
    if left > timedelta(days=warning_days):
        return []
    days = max(left.total_seconds() / 86400, 0)
    return [
        Alert(
            "authorisation_expiring",
            source,
            f"source {source}: crawling is authorised only until "
            f"{valid_until.astimezone(UTC):%Y-%m-%d %H:%M} UTC ({days:.1f} days; warning "
            f"period {warning_days} days): have the authorisation renewed in time",
            round(days, 2),
            warning_days,
        )
    ]


def check_spool(
    pending: int, previous: int | None, es_configured: bool, limits: Thresholds
) -> list[Alert]:
    """An alert when Elasticsearch is configured but hits pile up in the spool."""
    if not es_configured or pending <= 0:
        return []
    growing = previous is not None and pending > previous
    if pending <= limits.spool_pending_max and not growing:
        return []
    return [
        Alert(
            "spool_growing",
            "*",
            f"{pending} hits wait in the spool (was {previous if previous is not None else '?'}"
            f" at the last check): is Elasticsearch reachable? They are sent by "
            "`lcom spool replay` once it is",
            pending,
            limits.spool_pending_max,
        )
    ]


# -- history ---------------------------------------------------------------------------
def history_path(var_dir: str | Path) -> Path:
    return Path(var_dir) / "monitoring" / "history.jsonl"


def read_history(path: Path, source: str, keep: int = 50) -> list[RunFacts]:
    """The last ``keep`` runs of ``source`` (one pass over the file)."""
    found: deque[RunFacts] = deque(maxlen=keep)
    try:
        handle = path.open(encoding="utf-8")
    except FileNotFoundError:
        return []
    with handle:
        for line in handle:
            try:
                data = json.loads(line)
            except ValueError:
                continue
            if isinstance(data, dict) and data.get("source") == source and "ads_seen" in data:
                try:
                    found.append(RunFacts(**data))
                except TypeError:
                    continue
    return list(found)


def append_history(path: Path, facts: RunFacts) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(asdict(facts), sort_keys=True) + "\n")


def state_path(var_dir: str | Path) -> Path:
    return Path(var_dir) / "monitoring" / "state.json"


def read_state(var_dir: str | Path) -> dict[str, Any]:
    return read_json(state_path(var_dir))


def write_state(var_dir: str | Path, state: dict[str, Any]) -> None:
    write_json(state_path(var_dir), state)


# -- recording and notifying -------------------------------------------------------------
def record_alerts(alerts: list[Alert], audit_log: Path, now: datetime) -> None:
    """Append each alert to the audit log (and the audit index when configured)."""
    from crawler.extensions.audit import append_record, index_best_effort

    for item in alerts:
        record = item.record(now)
        try:
            append_record(audit_log, record)
        except OSError:
            logger.error("could not write alert %s to %s", item.alert, audit_log, exc_info=True)
        index_best_effort(record)


def notify(alerts: list[Alert], config: Notify) -> list[str]:
    """Send the alerts to the configured webhook and mailbox; what failed (never raises)."""
    if not alerts:
        return []
    failures = []
    payload = {"alerts": [item.record(datetime.now(UTC)) for item in alerts]}
    if config.webhook is not None:
        try:
            request = urllib.request.Request(
                config.webhook.url,
                data=json.dumps(payload).encode("utf-8"),
                headers={"Content-Type": "application/json", "User-Agent": "lcom-monitoring"},
                method="POST",
            )
            with urllib.request.urlopen(request, timeout=config.webhook.timeout) as response:
                response.read(1024)
        except Exception as exc:
            logger.warning("alert webhook failed: %s", type(exc).__name__, exc_info=True)
            failures.append(f"webhook: {type(exc).__name__}: {exc}")
    if config.smtp is not None:
        try:
            send_mail(alerts, config.smtp)
        except Exception as exc:
            logger.warning("alert e-mail failed: %s", type(exc).__name__, exc_info=True)
            failures.append(f"smtp: {type(exc).__name__}: {exc}")
    return failures


def send_mail(alerts: list[Alert], smtp: Smtp) -> None:
    sources = sorted({a.source for a in alerts})
    message = EmailMessage()
    message["Subject"] = f"[lcom] {len(alerts)} alert(s): {', '.join(sources)}"
    message["From"] = smtp.sender
    message["To"] = ", ".join(smtp.to)
    message.set_content("\n".join(f"- [{a.alert}] {a.message}" for a in alerts) + "\n")
    with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout) as client:
        if smtp.starttls:
            client.starttls()
        if smtp.username:
            password = os.environ.get(smtp.password_env or "", "")
            client.login(smtp.username, password)
        client.send_message(message)


def enabled() -> bool:
    return os.environ.get(SWITCH_ENV, "1").strip().lower() not in ("0", "false", "no", "off")


def raise_alerts(
    alerts: list[Alert], config: MonitoringConfig, audit_log: Path, now: datetime | None = None
) -> None:
    """Record, print (to stderr) and send ``alerts``."""
    import sys

    if not alerts:
        return
    now = now or datetime.now(UTC)
    record_alerts(alerts, audit_log, now)
    for item in alerts:
        print(f"lcom: ALERT [{item.alert}] {item.message}", file=sys.stderr)
    for failure in notify(alerts, config.notify):
        print(f"lcom: could not send the alert ({failure})", file=sys.stderr)


# -- entry points ----------------------------------------------------------------------
def standing_checks(
    settings: Any, sources: list[str], config: MonitoringConfig, now: datetime
) -> list[Alert]:
    """Checks that need no run: authorisations ending soon, the spool piling up."""
    from crawler.jobs import spool_dir_from
    from crawler.runtime import policy_dir_from
    from legal_guardrails import GuardrailError, load_policy

    alerts: list[Alert] = []
    limits = config.thresholds
    try:
        policy = load_policy(policy_dir_from(settings), now=now)
    except GuardrailError:
        policy = None  # every run is refused, and says why
    for source in sources if policy is not None else []:
        try:
            permit = policy.permit_for(source, now=now)  # type: ignore[union-attr]
        except GuardrailError:
            continue  # a run is refused with the reason; nothing is expiring
        days = getattr(policy.bundle, "warning_days", None)  # type: ignore[union-attr]
        warning_days = int(days) if isinstance(days, int) else limits.authorisation_warning_days
        alerts += check_authorisation(source, permit.valid_until, now, warning_days)
    var_dir = settings.get("LCOM_VAR_DIR") or "var"
    state = read_state(var_dir)
    es_configured = bool(os.environ.get("ELASTICSEARCH_URL"))
    spool_dir = spool_dir_from(settings)
    if es_configured and spool_dir.is_dir():
        from pipelines.es.spool import Spool

        pending = Spool(spool_dir).status().pending
        previous = state.get("spool_pending")
        alerts += check_spool(
            pending, previous if isinstance(previous, int) else None, es_configured, limits
        )
        state["spool_pending"] = pending
        write_state(var_dir, state)
    return alerts


def monitor_report(
    source: str, report: Any, overrides: dict[str, Any], *, whole_run: bool = True
) -> list[Alert]:
    """Monitor one finished ``lcom crawl`` run; returns (and raises) its alerts.

    ``whole_run=False``: ``report`` is one ``lcom worker``'s share of a shared run; it is
    checked with :func:`check_run`'s share rules and kept out of the run history, which
    holds whole runs only (``lcom crawl --workers N`` monitors the workers' merged report).
    """
    from crawler.extensions.audit import audit_log_path
    from crawler.jobs import project_settings

    if not enabled() or not report.stats:
        return []
    settings = project_settings(overrides)
    try:
        config = load_config(settings.get("LCOM_MONITORING_CONFIG"))
    except MonitoringConfigError as exc:
        # The run is done; without its checks it must not look fine to a scheduler.
        problem = Alert("monitoring_config", Path(source).stem, f"monitoring is off: {exc}")
        raise_alerts([problem], MonitoringConfig(), audit_log_path(settings))
        return [problem]
    now = datetime.now(UTC)
    try:
        from crawler.sources import load_source

        source_id = load_source(source, settings.get("LCOM_SOURCES_DIR")).id
    except ValueError:
        source_id = Path(source).stem
    facts = RunFacts.from_stats(source_id, report.run_id, report.stats)
    path = history_path(settings.get("LCOM_VAR_DIR") or "var")
    alerts = check_run(facts, read_history(path, source_id), config.thresholds, whole_run=whole_run)
    if whole_run:
        append_history(path, facts)
    alerts += standing_checks(settings, [source_id], config, now)
    raise_alerts(alerts, config, audit_log_path(settings), now)
    return alerts
