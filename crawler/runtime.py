"""What one crawl runs under: source config, policy, permit and run id.

``prepare_runtime`` is called by the spider's ``from_crawler``, before Scrapy
freezes the settings and builds any other component. It loads the guardrail
policy and FAILS CLOSED: a policy that does not check clean, a source without
an authorisation valid now, or an engaged kill switch raise here, and no
request is ever made (the refusal is logged and written to the audit log). It
then writes the limits the permit sets into the Scrapy settings at a priority
above the command line, so no ``-s`` option can widen them, and binds the
browser sub-request checker (``PLAYWRIGHT_ABORT_REQUEST``) to the permit.
Components read the runtime with ``get_runtime(crawler)``, which raises when
there is none: a guardrail or privacy component never switches itself off.
Enforcement during the crawl: ``crawler/middlewares/guardrails.py``.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import legal_guardrails
from crawler import jobstate
from crawler.sources import SourceConfig, load_source
from legal_guardrails import Policy, load_policy
from legal_guardrails.policy import switch_file_present

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import Settings

    from legal_guardrails.permit import SourcePermit

logger = logging.getLogger(__name__)

#: Above Scrapy's "cmdline" (40): policy-derived limits cannot be overridden.
POLICY_PRIORITY = 60

DEMO_POLICY_DIR = Path(legal_guardrails.__file__).resolve().parent / "policies" / "demo"


class KillSwitchEngaged(RuntimeError):
    """The policy's kill switch is engaged: no crawl may start."""


@dataclass(frozen=True)
class CrawlRuntime:
    source: SourceConfig
    policy: Policy
    permit: SourcePermit
    policy_dir: Path
    run_id: str
    started_at: datetime
    base_url: str
    demo: bool
    #: The job folder (``JOBDIR``) of a resumable run, and the pages it fetched before.
    jobdir: Path | None = None
    pages_already: int = 0

    @property
    def provenance(self) -> dict[str, str]:
        """What every item records about the rules it was collected under."""
        return {
            "policy_version": self.policy.version,
            "policy_hash": self.policy.content_hash,
            "authorisation_id": ",".join(self.permit.authorisation_ids),
            "legal_basis_id": ",".join(self.permit.legal_basis_ids),
            "run_id": self.run_id,
        }


def new_run_id(now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def policy_dir_from(settings: Settings) -> Path:
    configured = settings.get("LCOM_POLICY_DIR")
    return Path(configured) if configured else DEMO_POLICY_DIR


def prepare_runtime(
    crawler: Crawler,
    source: str | None = None,
    base_url: str | None = None,
    run_id: str | None = None,
) -> CrawlRuntime:
    """Load config and policy, check them, and apply the permit to the settings.

    A refusal is logged, written to the audit log, and raised: no request is made.
    """
    settings = crawler.settings
    source_name = source or settings.get("LCOM_SOURCE") or "demo"
    source_config = load_source(source_name, settings.get("LCOM_SOURCES_DIR"))
    policy_dir = policy_dir_from(settings)
    now = datetime.now(UTC)
    run_id = run_id or new_run_id(now)
    try:
        policy = load_policy(policy_dir, now=now)  # raises PolicyValidationError: fail closed
        if policy.kill_switch_engaged():
            raise KillSwitchEngaged(
                f"kill switch engaged in policy {policy_dir}: no crawl may start"
            )
        extra_switch = settings.get("LCOM_KILL_SWITCH_FILE")
        if switch_file_present(extra_switch):
            raise KillSwitchEngaged(
                f"kill switch file {extra_switch} exists (LCOM_KILL_SWITCH_FILE): "
                "no crawl may start"
            )
        permit = policy.permit_for(source_config.id, now=now)  # raises NotAuthorisedError
    except (legal_guardrails.GuardrailError, KillSwitchEngaged) as exc:
        refuse(settings, source_config.id, policy_dir, run_id, exc)
        raise
    jobdir = settings.get("JOBDIR")
    pages_already = 0
    if jobdir:  # a resumed or recovered job keeps its run id and its page count
        run_id, _mode, pages_already = jobstate.begin(Path(jobdir), source_config.id, run_id)
    runtime = CrawlRuntime(
        source=source_config,
        policy=policy,
        permit=permit,
        policy_dir=policy_dir,
        run_id=run_id,
        started_at=now,
        base_url=(base_url or source_config.base_url).rstrip("/"),
        demo=settings.getbool("LCOM_DEMO"),
        jobdir=Path(jobdir) if jobdir else None,
        pages_already=pages_already,
    )
    apply_permit(settings, runtime)
    crawler.lcom_runtime = runtime  # type: ignore[attr-defined]
    if jobdir:
        from scrapy import signals

        def job_closed(spider: object, reason: str) -> None:
            pages = guardrails_for(crawler).pages_let_through
            jobstate.finish(Path(jobdir), runtime.run_id, source_config.id, reason, pages)

        crawler.signals.connect(job_closed, signal=signals.spider_closed, weak=False)
    # Browser sub-requests are checked by a guard bound to this crawl's permit.
    from crawler.middlewares.guardrails import BrowserRequestGuard, guardrails_for

    settings.set(
        "PLAYWRIGHT_ABORT_REQUEST",
        BrowserRequestGuard(guardrails_for(crawler)),
        priority=POLICY_PRIORITY,
    )
    logger.info(
        "run %s: source %s under policy %s (%s), authorisation %s valid until %s",
        runtime.run_id,
        source_config.id,
        policy.version,
        policy.content_hash[:12],
        ",".join(permit.authorisation_ids),
        permit.valid_until.isoformat(),
    )
    return runtime


def apply_permit(settings: Settings, runtime: CrawlRuntime) -> None:
    """Write the permit's limits into the settings; the stricter value always wins."""
    permit = runtime.permit
    data_policy = runtime.policy.data_policy

    def tighten(name: str, limit: float, *, lower_is_stricter: bool = True) -> None:
        current = settings.getfloat(name) if settings.get(name) not in (None, "") else None
        if lower_is_stricter:
            value: Any = limit if current in (None, 0) else min(current, limit)
        else:
            value = limit if current is None else max(current, limit)
        if isinstance(limit, int) and not isinstance(limit, bool):
            value = int(value)
        settings.set(name, value, priority=POLICY_PRIORITY)

    settings.set("USER_AGENT", permit.user_agent, priority=POLICY_PRIORITY)
    settings.set("ROBOTSTXT_OBEY", permit.obey_robots_txt, priority=POLICY_PRIORITY)
    settings.set("ROBOTSTXT_USER_AGENT", permit.user_agent, priority=POLICY_PRIORITY)
    tighten("CONCURRENT_REQUESTS", permit.concurrency)
    tighten("CONCURRENT_REQUESTS_PER_DOMAIN", permit.concurrency)
    tighten("DOWNLOAD_DELAY", 1.0 / permit.requests_per_second, lower_is_stricter=False)
    tighten("DEPTH_LIMIT", permit.max_depth)
    # Jitter below the delay would break the legal rate. RANDOMIZE_DOWNLOAD_DELAY
    # is deprecated in favour of DOWNLOAD_DELAY_JITTER: remove it so it cannot win.
    settings.set("DOWNLOAD_DELAY_JITTER", 0.0, priority=POLICY_PRIORITY)
    if "RANDOMIZE_DOWNLOAD_DELAY" in settings:
        settings.delete("RANDOMIZE_DOWNLOAD_DELAY", priority=POLICY_PRIORITY)
    settings.set("AUTOTHROTTLE_ENABLED", False, priority=POLICY_PRIORITY)
    settings.set("COOKIES_ENABLED", False, priority=POLICY_PRIORITY)
    # Nothing may steer or inspect a running crawl from outside the process.
    settings.set("TELNETCONSOLE_ENABLED", False, priority=POLICY_PRIORITY)
    settings.set("REMOTE_CONTROL_ENABLED", False, priority=POLICY_PRIORITY)
    settings.set("LCOM_DERIVE_ORIGIN", bool(data_policy.derive_origin), priority=POLICY_PRIORITY)
    settings.set("LCOM_STORED_FIELDS", list(data_policy.stored_fields), priority=POLICY_PRIORITY)
    settings.set("LCOM_MEDIA", permit.media, priority=POLICY_PRIORITY)


class MissingRuntimeError(RuntimeError):
    """A component needs the crawl runtime but the spider did not prepare one."""


def refuse(
    settings: Settings, source: str, policy_dir: Path, run_id: str, exc: BaseException
) -> None:
    """Log why no crawl may start, in plain words, and write it to the audit log."""
    from crawler.extensions.audit import record_refusal

    logger.error("refusing to crawl source %s: %s", source, exc)
    problems = getattr(exc, "problems", ())
    for problem in problems:
        render = getattr(problem, "render", None)
        logger.error("  %s", render() if callable(render) else problem)
    record_refusal(settings, source, policy_dir, f"{type(exc).__name__}: {exc}", run_id)


def get_runtime(crawler: Crawler) -> CrawlRuntime:
    """The runtime the spider prepared; components call this in ``from_crawler``.

    Raises :class:`MissingRuntimeError` (not ``NotConfigured``): a guardrail or
    privacy component must never switch itself off silently.
    """
    runtime: CrawlRuntime | None = getattr(crawler, "lcom_runtime", None)
    if runtime is None:
        raise MissingRuntimeError(
            "no lcom runtime: run the lcom ads spider (crawler/spiders/ads.py), whose "
            "from_crawler loads the guardrail policy"
        )
    return runtime
