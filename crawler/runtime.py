"""What one crawl runs under: source config, policy, permit and run id.

``prepare_runtime`` is called by the spider's ``from_crawler``, before Scrapy
freezes the settings and builds any other component. It loads the guardrail
policy and FAILS CLOSED: a policy that does not check clean, a source without
an authorisation valid now, an engaged kill switch, an unusable source config
or job folder, or settings that switch off or reorder a component the
guardrails rely on (:func:`component_problems`) raise here, and no request is
ever made (the refusal is logged and written to the audit log). It
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
from crawler.sources import SourceConfig, SourceConfigError, load_source
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


class CrawlRefused(RuntimeError):
    """No crawl may start (the reason is the message); refused and audited like a policy problem."""


class KillSwitchEngaged(CrawlRefused):
    """The policy's kill switch is engaged: no crawl may start."""


class UnsafeSettingsError(CrawlRefused):
    """The settings switch off, move or bypass a component the guardrails rely on."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__(
            "the settings leave out or reorder components the guardrails require: "
            + "; ".join(problems)
            + " (remove the -s/--set options that change DOWNLOADER_MIDDLEWARES, "
            "SPIDER_MIDDLEWARES, EXTENSIONS or ITEM_PIPELINES)"
        )


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


#: What ``admit_crawl`` raises when a crawl may not start.
REFUSALS: tuple[type[Exception], ...] = (
    legal_guardrails.GuardrailError,
    CrawlRefused,
    SourceConfigError,
)


#: ``REFUSALS`` plus a job folder that cannot be resumed.
START_REFUSALS: tuple[type[Exception], ...] = (*REFUSALS, jobstate.JobStateError)


def admit_crawl(
    settings: Settings, source_name: str, now: datetime
) -> tuple[SourceConfig, Policy, SourcePermit]:
    """Every check a crawl must pass before it starts; raises one of ``REFUSALS``.

    The runtime calls it at crawl start; ``lcom crawl`` calls it first to explain a
    refusal before Scrapy starts.
    """
    source_config = load_source(source_name, settings.get("LCOM_SOURCES_DIR"))
    policy_dir = policy_dir_from(settings)
    policy = load_policy(policy_dir, now=now)  # raises PolicyValidationError: fail closed
    if policy.kill_switch_engaged():
        raise KillSwitchEngaged(f"kill switch engaged in policy {policy_dir}: no crawl may start")
    extra_switch = settings.get("LCOM_KILL_SWITCH_FILE")
    if switch_file_present(extra_switch):
        raise KillSwitchEngaged(
            f"kill switch file {extra_switch} exists (LCOM_KILL_SWITCH_FILE): no crawl may start"
        )
    permit = policy.permit_for(source_config.id, now=now)  # raises NotAuthorisedError
    require_components(settings, permit, demo=settings.getbool("LCOM_DEMO"))
    return source_config, policy, permit


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
    source_id = Path(source_name).stem
    policy_dir = policy_dir_from(settings)
    now = datetime.now(UTC)
    run_id = run_id or new_run_id(now)
    jobdir = settings.get("JOBDIR")
    pages_already = 0
    redis_url = redis_url_from(settings)
    try:
        source_config, policy, permit = admit_crawl(settings, source_name, now)
        source_id = source_config.id
        if redis_url:
            if jobdir:
                raise CrawlRefused(
                    "--jobdir (JOBDIR) and LCOM_REDIS_URL cannot be combined: on Redis the "
                    "shared frontier is the job state; drop --jobdir"
                )
            run_id = join_frontier(crawler, redis_url, source_config.id, run_id)
        elif jobdir:  # a resumed or recovered job keeps its run id and its page count
            run_id, _mode, pages_already = jobstate.begin(Path(jobdir), source_config.id, run_id)
    except START_REFUSALS as exc:
        refuse(settings, source_id, policy_dir, run_id, exc)
        raise
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
        BrowserRequestGuard(guardrails_for(crawler)).install(),
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


# -- several workers on Redis -------------------------------------------------------
REDIS_SCHEDULER = "crawler.scheduler.RedisScheduler"
PACED_HANDLER = "crawler.handlers.PacedDownloadHandler"


def redis_url_from(settings: Settings) -> str | None:
    """``LCOM_REDIS_URL`` (None: one process, Scrapy's own scheduler, nothing shared)."""
    url = str(settings.get("LCOM_REDIS_URL") or "").strip()
    return url or None


def redis_password_from(settings: Settings) -> str | None:
    """The Redis password from ``LCOM_REDIS_PASSWORD_FILE`` (the URL may carry one instead)."""
    path = settings.get("LCOM_REDIS_PASSWORD_FILE")
    if not path:
        return None
    try:
        return Path(path).read_text(encoding="utf-8").strip() or None
    except OSError as exc:
        raise CrawlRefused(
            f"LCOM_REDIS_PASSWORD_FILE {path} cannot be read ({type(exc).__name__})"
        ) from exc


def join_frontier(crawler: Crawler, url: str, source_id: str, fresh_run_id: str) -> str:
    """Connect to the shared frontier and join a run; returns the run id.

    The run is ``LCOM_RUN_ID`` when set (``lcom crawl --workers`` gives one to every
    worker it starts), else the source's current run in Redis, else a new one.
    Installs the Redis scheduler and the paced download handler at the policy's
    priority: no ``-s`` option can put the unshared ones back.
    """
    from crawler import frontier as shared

    settings = crawler.settings
    password = redis_password_from(settings)
    try:
        client = shared.connect(url, password=password)
        client.ping()
        run_id = str(settings.get("LCOM_RUN_ID") or "").strip()
        if not run_id:
            run_id = shared.open_run(client, source_id, fresh_run_id)
    except shared.FrontierError as exc:
        raise CrawlRefused(str(exc)) from exc
    except (*shared.REDIS_DOWN, shared.RedisError) as exc:
        raise CrawlRefused(
            f"Redis at {shared.redacted_url(url)} cannot be used ({type(exc).__name__}: "
            f"{exc}): no worker starts without the shared frontier"
        ) from exc
    ttl = settings.getfloat("LCOM_REDIS_HEARTBEAT_TTL", shared.DEFAULT_HEARTBEAT_TTL)
    worker = str(settings.get("LCOM_WORKER_ID") or "") or shared.new_worker_id()
    keys = shared.RunKeys(source_id, run_id)
    crawler.lcom_frontier = shared.Frontier(  # type: ignore[attr-defined]
        client, keys, worker, heartbeat_ttl=ttl if ttl > 0 else shared.DEFAULT_HEARTBEAT_TTL
    )
    crawler.lcom_bucket = shared.TokenBucket(  # type: ignore[attr-defined]
        shared.connect_async(url, password=password)
    )
    settings.set("SCHEDULER", REDIS_SCHEDULER, priority=POLICY_PRIORITY)
    handlers = dict(settings.getdict("DOWNLOAD_HANDLERS"))
    handlers.update({"http": PACED_HANDLER, "https": PACED_HANDLER})
    settings.set("DOWNLOAD_HANDLERS", handlers, priority=POLICY_PRIORITY)
    logger.info(
        "worker %s on Redis %s: run %s of source %s",
        worker,
        shared.redacted_url(url),
        run_id,
        source_id,
    )
    return run_id


# -- the components the guardrails rely on ----------------------------------------
GUARDRAILS_MW = "crawler.middlewares.guardrails.GuardrailsMiddleware"
GUARDRAILS_GATE = "crawler.middlewares.guardrails.GuardrailsGate"
ROBOTS_MW = "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware"
RETRY_MW = "scrapy.downloadermiddlewares.retry.RetryMiddleware"
REDIRECT_MW = "scrapy.downloadermiddlewares.redirect.RedirectMiddleware"
DEPTH_GUARD = "crawler.middlewares.guardrails.DepthGuardMiddleware"
DEPTH_MW = "scrapy.spidermiddlewares.depth.DepthMiddleware"
KILL_SWITCH_EXT = "crawler.extensions.killswitch.KillSwitch"
AUDIT_EXT = "crawler.extensions.audit.AuditLog"
LANGUAGE_PIPELINE = "pipelines.language.LanguagePipeline"
PSEUDONYMIZE_PIPELINE = "pipelines.pseudonymize.PseudonymizePipeline"
INDICATOR_PIPELINE = "pipelines.indicators.IndicatorPipeline"
MINIMIZE_PIPELINE = "pipelines.minimize.MinimizePipeline"
#: The only item pipelines that may see an item before minimisation (outside demo mode).
BEFORE_MINIMIZE = frozenset({LANGUAGE_PIPELINE, PSEUDONYMIZE_PIPELINE, INDICATOR_PIPELINE})
#: lcom's own packages: their components are never "extra" test components.
OWN_PACKAGES = ("crawler.", "pipelines.", "legal_guardrails.")
#: Longest pause between two kill-switch checks, whatever the settings say.
MAX_KILL_SWITCH_INTERVAL = 5.0
DEFAULT_KILL_SWITCH_INTERVAL = 1.0


def enabled_components(settings: Settings, name: str) -> dict[str, float]:
    """``{class path: order}`` of the enabled components of ``name`` and ``name_BASE``.

    Resolved like Scrapy does (``getwithbase``), so a ``-s NAME={...}`` that
    replaces the project's dict is seen as it is.
    """
    from scrapy.utils.deprecate import update_classpath

    enabled: dict[str, float] = {}
    for key, order in settings.getwithbase(name).items():
        if order is None:
            continue
        path = key if isinstance(key, str) else f"{key.__module__}.{key.__qualname__}"
        try:
            enabled[str(update_classpath(path))] = float(order)
        except (TypeError, ValueError):
            enabled[str(path)] = float("nan")  # refused below as "not a number"
    return enabled


def component_problems(settings: Settings, permit: SourcePermit, *, demo: bool) -> list[str]:
    """Every way the settings leave out, reorder or bypass a component the guardrails need.

    Rules (``docs/guardrails-enforcement.md``): lcom's guardrail middlewares,
    Scrapy's depth (and, when robots.txt is obeyed, robots.txt) middleware, the
    kill switch and the audit log are enabled, in the order they rely on; items
    pass pseudonymisation and then minimisation, and only lcom's language,
    pseudonymisation and indicator pipelines see an item before minimisation
    (in demo mode, test components that are not lcom's may too). Other extra
    components may exist.
    """
    problems: list[str] = []

    def check(kind: str, enabled: dict[str, float], required: list[str]) -> None:
        for path in required:
            if path not in enabled:
                problems.append(f"{kind} {path} is not enabled")
            elif enabled[path] != enabled[path]:  # NaN
                problems.append(f"{kind} {path} has an order that is not a number")

    def before(kind: str, enabled: dict[str, float], first: str, then: str) -> None:
        if first in enabled and then in enabled and not enabled[first] < enabled[then]:
            problems.append(f"{kind} {first} must come before {then}")

    kind = "downloader middleware"
    downloader = enabled_components(settings, "DOWNLOADER_MIDDLEWARES")
    required = [GUARDRAILS_MW, GUARDRAILS_GATE]
    if permit.obey_robots_txt:
        required.append(ROBOTS_MW)
        before(kind, downloader, GUARDRAILS_MW, ROBOTS_MW)
        before(kind, downloader, ROBOTS_MW, GUARDRAILS_GATE)
    check(kind, downloader, required)
    for middleware in (RETRY_MW, REDIRECT_MW):  # the gate sees stop codes before they retry
        before(kind, downloader, GUARDRAILS_MW, middleware)
        before(kind, downloader, middleware, GUARDRAILS_GATE)

    kind = "spider middleware"
    spider = enabled_components(settings, "SPIDER_MIDDLEWARES")
    check(kind, spider, [DEPTH_MW, DEPTH_GUARD])
    before(kind, spider, DEPTH_MW, DEPTH_GUARD)

    check("extension", enabled_components(settings, "EXTENSIONS"), [KILL_SWITCH_EXT, AUDIT_EXT])

    kind = "item pipeline"
    pipelines = enabled_components(settings, "ITEM_PIPELINES")
    check(kind, pipelines, [PSEUDONYMIZE_PIPELINE, MINIMIZE_PIPELINE])
    before(kind, pipelines, PSEUDONYMIZE_PIPELINE, MINIMIZE_PIPELINE)
    minimize_at = pipelines.get(MINIMIZE_PIPELINE)
    if minimize_at is not None:
        for path, order in sorted(pipelines.items(), key=lambda entry: entry[1]):
            if path == MINIMIZE_PIPELINE or path in BEFORE_MINIMIZE or order > minimize_at:
                continue
            if demo and not path.startswith(OWN_PACKAGES):
                continue  # a test capture pipeline, allowed in demo mode only
            problems.append(f"{kind} {path} would see items before {MINIMIZE_PIPELINE}")
    return problems


def require_components(settings: Settings, permit: SourcePermit, *, demo: bool) -> None:
    """Raise :class:`UnsafeSettingsError` unless :func:`component_problems` finds nothing."""
    problems = component_problems(settings, permit, demo=demo)
    if problems:
        raise UnsafeSettingsError(problems)


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
    # Default headers are applied before USER_AGENT: none may name another agent.
    headers = {
        name: value
        for name, value in settings.getdict("DEFAULT_REQUEST_HEADERS").items()
        if str(name).strip().lower() != "user-agent"
    }
    settings.set("DEFAULT_REQUEST_HEADERS", headers, priority=POLICY_PRIORITY)
    settings.set("ROBOTSTXT_OBEY", permit.obey_robots_txt, priority=POLICY_PRIORITY)
    settings.set("ROBOTSTXT_USER_AGENT", permit.user_agent, priority=POLICY_PRIORITY)
    tighten("CONCURRENT_REQUESTS", permit.concurrency)
    tighten("CONCURRENT_REQUESTS_PER_DOMAIN", permit.concurrency)
    tighten("DOWNLOAD_DELAY", 1.0 / permit.requests_per_second, lower_is_stricter=False)
    tighten("DEPTH_LIMIT", permit.max_depth)
    # Per-slot overrides would replace the delay and concurrency per host, and
    # per-IP concurrency replaces the per-host limit: neither may apply.
    settings.set("DOWNLOAD_SLOTS", {}, priority=POLICY_PRIORITY)
    settings.set("CONCURRENT_REQUESTS_PER_IP", 0, priority=POLICY_PRIORITY)
    # Scrapy's own robots.txt parser; another one could read any file as "allow all".
    settings.set(
        "ROBOTSTXT_PARSER", "scrapy.robotstxt.ProtegoRobotParser", priority=POLICY_PRIORITY
    )
    # A stop status ends the source at once: it is never retried.
    retry_codes = [
        int(code)
        for code in settings.getlist("RETRY_HTTP_CODES")
        if int(code) not in permit.stop_status_codes
    ]
    settings.set("RETRY_HTTP_CODES", retry_codes, priority=POLICY_PRIORITY)
    interval = settings.getfloat("LCOM_KILL_SWITCH_INTERVAL", DEFAULT_KILL_SWITCH_INTERVAL)
    if not interval > 0:
        interval = DEFAULT_KILL_SWITCH_INTERVAL
    settings.set(
        "LCOM_KILL_SWITCH_INTERVAL",
        min(interval, MAX_KILL_SWITCH_INTERVAL),
        priority=POLICY_PRIORITY,
    )
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
    apply_browser_fence(settings, permit)
    # Log lines about items carry ids only (never ad text or contacts).
    settings.set(
        "LOG_FORMATTER", "crawler.logformatter.PrivacyLogFormatter", priority=POLICY_PRIORITY
    )


def apply_browser_fence(settings: Settings, permit: SourcePermit) -> None:
    """A local Chromium that resolves only the permit's hosts, without service workers."""
    from crawler.middlewares.guardrails import BROWSER_CONTEXT_KWARGS, host_resolver_rules

    settings.set("PLAYWRIGHT_BROWSER_TYPE", "chromium", priority=POLICY_PRIORITY)
    # A remote browser would not run with the launch options below.
    settings.set("PLAYWRIGHT_CDP_URL", None, priority=POLICY_PRIORITY)
    settings.set("PLAYWRIGHT_CONNECT_URL", None, priority=POLICY_PRIORITY)
    options = dict(settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS"))
    args = [
        str(arg)
        for arg in options.get("args") or []
        if not str(arg).startswith("--host-resolver-rules")
    ]
    options["args"] = [*args, host_resolver_rules(permit.allowed_hosts)]
    settings.set("PLAYWRIGHT_LAUNCH_OPTIONS", options, priority=POLICY_PRIORITY)
    contexts = {
        name: {**dict(kwargs or {}), **BROWSER_CONTEXT_KWARGS}
        for name, kwargs in settings.getdict("PLAYWRIGHT_CONTEXTS").items()
    }
    settings.set("PLAYWRIGHT_CONTEXTS", contexts, priority=POLICY_PRIORITY)


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
