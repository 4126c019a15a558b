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
from crawler.exitcodes import ExitCode
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


class StorageSettingsError(CrawlRefused):
    """A setting would write pages, requests or items to disk outside the spool."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__(
            "the settings would write pages, requests or items outside the spool: "
            + "; ".join(problems)
        )


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
    #: Authorisations, bases or the review date ending within the policy's warning period.
    warnings: tuple[str, ...] = ()

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
    """``LCOM_POLICY_DIR``, else ``<LCOM_HOME>/policy`` when it holds one, else the demo
    policy; always absolute (it is written to the audit log)."""
    from pipelines.home import home_policy_dir

    configured = settings.get("LCOM_POLICY_DIR")
    if configured:
        return Path(configured).resolve()
    return home_policy_dir() or DEMO_POLICY_DIR


#: What ``admit_crawl`` raises when a crawl may not start.
REFUSALS: tuple[type[Exception], ...] = (
    legal_guardrails.GuardrailError,
    CrawlRefused,
    SourceConfigError,
)


#: ``REFUSALS`` plus a job folder that cannot be resumed.
START_REFUSALS: tuple[type[Exception], ...] = (*REFUSALS, jobstate.JobStateError)


@dataclass(frozen=True)
class Refusal:
    """One reason a crawl may not start, with the command that shows the problem."""

    #: Short stable id: ``source_config``, ``policy``, ``kill_switch``, ``not_authorised``,
    #: ``outside_hours``, ``pseudonym_key``, ``unsafe_settings``, ``storage_settings``.
    kind: str
    reason: str
    #: What to run or change to see or fix it (never a command that reports nothing).
    hint: str
    #: ``ExitCode.USAGE`` for configuration the operator typed wrong, else ``REFUSED``.
    exit_code: ExitCode
    #: The exception that carries the details (re-raised by :func:`prepare_runtime`).
    error: Exception


@dataclass(frozen=True)
class Admission:
    """Everything :func:`admit_crawl` decided: every refusal, or the crawl's permit."""

    source_name: str
    policy_dir: Path
    refusals: tuple[Refusal, ...] = ()
    source: SourceConfig | None = None
    policy: Policy | None = None
    permit: SourcePermit | None = None
    #: Things that end within the policy's warning period (they do not refuse the crawl).
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.refusals

    @property
    def exit_code(self) -> ExitCode:
        if not self.refusals:
            return ExitCode.OK
        if all(r.exit_code == ExitCode.USAGE for r in self.refusals):
            return ExitCode.USAGE
        return ExitCode.REFUSED

    @property
    def source_id(self) -> str:
        return self.source.id if self.source is not None else Path(self.source_name).stem

    def error(self) -> Exception:
        """The exception of the first refusal (the log and the audit record list them all)."""
        return self.refusals[0].error

    def audit_reason(self) -> str:
        return "; ".join(f"{type(r.error).__name__}: {r.error}" for r in self.refusals)


def admit_crawl(settings: Settings, source_name: str, now: datetime) -> Admission:
    """Every check a crawl must pass before it starts; returns EVERY reason it may not.

    Checks the source config, the policy, the kill switches, the authorisations, the
    crawl hours, the pseudonymisation key, the components the guardrails rely on and
    the settings that would store pages or items outside the spool.
    Reads only (no job folder, no audit record): ``lcom crawl``, ``lcom demo`` and
    scheduled runs call it before Scrapy starts; the runtime calls it again at crawl
    start (:func:`prepare_runtime`). Refusals never raise here.
    """
    policy_dir = policy_dir_from(settings)
    refusals: list[Refusal] = []

    def refused(kind: str, error: Exception, hint: str, code: ExitCode = ExitCode.REFUSED) -> None:
        refusals.append(Refusal(kind, str(error), hint, code, error))

    source_config: SourceConfig | None = None
    try:
        source_config = load_source(source_name, settings.get("LCOM_SOURCES_DIR"))
    except SourceConfigError as exc:
        refusals.append(
            Refusal(
                "source_config",
                f"source config problem: {exc}",
                source_config_hint(exc),
                ExitCode.USAGE,
                exc,
            )
        )
    source_id = source_config.id if source_config is not None else Path(source_name).stem
    explain = f"see `lcom guardrails explain {source_id} --policy-dir {policy_dir}`"
    policy: Policy | None = None
    try:
        policy = load_policy(policy_dir, now=now)
    except legal_guardrails.PolicyValidationError as exc:
        refused(
            "policy",
            exc,
            f"run `lcom guardrails check --policy-dir {policy_dir}` for every problem and its fix",
        )
    extra_switch = settings.get("LCOM_KILL_SWITCH_FILE")
    if switch_file_present(extra_switch):
        refused(
            "kill_switch",
            KillSwitchEngaged(
                f"kill switch file {extra_switch} exists (LCOM_KILL_SWITCH_FILE): "
                "no crawl may start"
            ),
            f"remove {extra_switch} when crawling may resume",
        )
    permit: SourcePermit | None = None
    warnings: tuple[str, ...] = ()
    if policy is not None and source_config is not None:
        if policy.kill_switch_engaged():
            refused(
                "kill_switch",
                KillSwitchEngaged(
                    f"kill switch engaged in policy {policy_dir}: no crawl may start"
                ),
                explain,
            )
        reasons = [
            r
            for r in policy.refusal_reasons(source_config.id, now)
            if not r.startswith("the kill switch")
        ]
        if reasons:
            hours_only = all("crawl hours" in r for r in reasons)
            refused(
                "outside_hours" if hours_only else "not_authorised",
                legal_guardrails.NotAuthorisedError(source_config.id, "; ".join(reasons)),
                explain,
            )
        else:
            permit = policy.permit_for(source_config.id, now=now)
            warnings = tuple(policy.warnings_for(source_config.id, now))
            try:
                require_components(settings, permit, demo=demo_mode(settings))
            except UnsafeSettingsError as exc:
                refused(
                    "unsafe_settings",
                    exc,
                    "remove the -s/--set options that change the component settings",
                )
    try:
        require_no_storage(settings, demo=demo_mode(settings))
    except StorageSettingsError as exc:
        refused(
            "storage_settings",
            exc,
            "remove the -s/--set options or settings entries named above; hits are "
            "written only to the spool and Elasticsearch",
        )
    key_problem = pseudonym_key_problem(settings, policy_dir)
    if key_problem is not None:
        refusals.append(
            Refusal(
                "pseudonym_key",
                key_problem,
                "set LCOM_PSEUDONYM_KEY or LCOM_PSEUDONYM_KEY_FILE (README: Pseudonym "
                "key); `lcom demo` needs none",
                ExitCode.REFUSED,
                CrawlRefused(key_problem),
            )
        )
    return Admission(
        source_name=source_name,
        policy_dir=policy_dir,
        refusals=tuple(refusals),
        source=source_config,
        policy=policy,
        permit=permit if not refusals else None,
        warnings=warnings,
    )


def is_demo_policy(policy_dir: Path | str) -> bool:
    """Whether ``policy_dir`` is the bundled demo policy (not a copy of it)."""
    try:
        return Path(policy_dir).resolve() == DEMO_POLICY_DIR
    except OSError:
        return False


def demo_mode(settings: Settings) -> bool:
    """``LCOM_DEMO`` counts only under the bundled demo policy; with any other policy
    (a copy of the demo policy included) the crawl runs with every rule of a real one."""
    return settings.getbool("LCOM_DEMO") and is_demo_policy(policy_dir_from(settings))


def source_config_hint(exc: SourceConfigError) -> str:
    if "no such source config" in str(exc):
        return (
            "give a source id from the list above, or the path of a source YAML file; "
            "sources are read from LCOM_SOURCES_DIR (see crawler/sources/README.md)"
        )
    return f"correct {exc.path} as the message says, then run the command again"


def pseudonym_key_problem(settings: Settings, policy_dir: Path) -> str | None:
    """Why the pseudonymisation pipeline would refuse to start; None when it would start."""
    import os

    from pipelines.engine.pseudonyms import KEY_ENV, KEY_FILE_ENV, PseudonymKeyError, load_key

    configured = bool(os.environ.get(KEY_ENV, "").strip() or os.environ.get(KEY_FILE_ENV, ""))
    demo_policy = is_demo_policy(policy_dir)
    if not configured and settings.getbool("LCOM_DEMO"):
        if demo_policy:
            return None  # the public demo key, for the demo site only
        return (
            "LCOM_DEMO is set, but this crawl does not run under the bundled demo policy: the "
            f"public demo key is allowed only there. Set {KEY_ENV} or {KEY_FILE_ENV}"
        )
    try:
        load_key(os.environ, demo=False)
    except PseudonymKeyError as exc:
        return str(exc)
    return None


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
    admission = admit_crawl(settings, source_name, now)
    if not admission.ok:
        for refusal in admission.refusals[1:]:
            logger.error("refusing to crawl source %s: %s", admission.source_id, refusal.reason)
        refuse(
            settings,
            admission.source_id,
            policy_dir,
            run_id,
            admission.error(),
            reason=admission.audit_reason(),
        )
        raise admission.error()
    source_config, policy, permit = admission.source, admission.policy, admission.permit
    assert source_config is not None and policy is not None and permit is not None
    source_id = source_config.id
    redis_url = redis_url_from(settings)
    try:
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
        demo=demo_mode(settings),
        jobdir=Path(jobdir) if jobdir else None,
        pages_already=pages_already,
        warnings=admission.warnings,
    )
    apply_permit(settings, runtime)
    apply_download_handlers(settings, source_config, permit, paced=redis_url is not None)
    crawler.lcom_runtime = runtime  # type: ignore[attr-defined]
    if jobdir:
        from scrapy import signals

        def job_closed(spider: object, reason: str) -> None:
            pages = guardrails_for(crawler).pages_let_through
            if crawler.stats is not None:
                jobstate.add_totals(Path(jobdir), runtime.run_id, crawler.stats.get_stats())
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
    for warning in admission.warnings:
        logger.warning("source %s: %s", source_config.id, warning)
    return runtime


# -- several workers on Redis -------------------------------------------------------
REDIS_SCHEDULER = "crawler.scheduler.RedisScheduler"
PACED_HANDLER = "crawler.handlers.PacedDownloadHandler"
PACED_HTTP_HANDLER = "crawler.handlers.PacedHTTPDownloadHandler"
HTTP_HANDLER = "scrapy.core.downloader.handlers.http11.HTTP11DownloadHandler"


def needs_browser(source: SourceConfig, permit: SourcePermit) -> bool:
    """Some page of the source is rendered in Chromium, and the permit allows it."""
    return permit.javascript_rendering and any(page.javascript for page in source.pages.values())


def apply_download_handlers(
    settings: Settings, source: SourceConfig, permit: SourcePermit, *, paced: bool
) -> None:
    """scrapy-playwright only for sources that render pages; paced on Redis.

    Without a page to render, no browser or Playwright driver is started (memory,
    start-up time); a request marked for rendering is blocked by the guardrails then.
    """
    browser = needs_browser(source, permit)
    if paced:
        handler = PACED_HANDLER if browser else PACED_HTTP_HANDLER
    elif not browser:
        handler = HTTP_HANDLER
    else:
        return  # the project's scrapy-playwright handler
    handlers = dict(settings.getdict("DOWNLOAD_HANDLERS"))
    handlers.update({"http": handler, "https": handler})
    settings.set("DOWNLOAD_HANDLERS", handlers, priority=POLICY_PRIORITY)


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
    Installs the Redis scheduler at the policy's priority (no ``-s`` option can put
    Scrapy's back); :func:`apply_download_handlers` installs the paced handler.
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
#: Language, pseudonymisation, indicators and linking as one unit (the default).
ANALYSIS_PIPELINE = "pipelines.analysis.AnalysisPipeline"
MINIMIZE_PIPELINE = "pipelines.minimize.MinimizePipeline"
LINKING_PIPELINE = "pipelines.linking.LinkingPipeline"
#: The only item pipelines that may see an item before minimisation (outside demo mode).
BEFORE_MINIMIZE = frozenset(
    {
        LANGUAGE_PIPELINE,
        PSEUDONYMIZE_PIPELINE,
        INDICATOR_PIPELINE,
        ANALYSIS_PIPELINE,
        LINKING_PIPELINE,
    }
)
#: lcom's own packages: their components are never "extra" test components.
OWN_PACKAGES = ("crawler.", "pipelines.", "legal_guardrails.")
#: The job folder's request queue (``crawler/squeues.py``): requests encrypted at rest.
ENCRYPTED_DISK_QUEUE = "crawler.squeues.EncryptedFifoDiskQueue"
#: Request fingerprints keyed with the pseudonymisation key (``crawler/fingerprint.py``).
KEYED_FINGERPRINTER = "crawler.fingerprint.KeyedRequestFingerprinter"
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
    # Pseudonymisation runs alone or inside the analysis pipeline (the default).
    pseudonymize = ANALYSIS_PIPELINE if ANALYSIS_PIPELINE in pipelines else PSEUDONYMIZE_PIPELINE
    check(kind, pipelines, [pseudonymize, MINIMIZE_PIPELINE])
    before(kind, pipelines, pseudonymize, MINIMIZE_PIPELINE)
    if LINKING_PIPELINE in pipelines:
        # The link store may only ever see pseudonyms.
        before(kind, pipelines, pseudonymize, LINKING_PIPELINE)
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


# -- settings that would store pages, requests or items outside the spool -----------
#: Packages whose components are known not to write pages or items to disk (Scrapy's
#: own are checked by name below, where a setting switches on a disk writer).
KNOWN_PACKAGES = (*OWN_PACKAGES, "scrapy.", "scrapy_playwright.", "scrapy_redis.")
#: Stats collectors that keep counts in memory (or in Redis, for a shared frontier).
SAFE_STATS_CLASSES = frozenset(
    {
        "scrapy.statscollectors.MemoryStatsCollector",
        "scrapy.statscollectors.DummyStatsCollector",
        "scrapy_redis.stats.RedisStatsCollector",
    }
)
#: Scrapy item pipelines that download media to disk (FILES_STORE, IMAGES_STORE).
MEDIA_PIPELINES = ("scrapy.pipelines.files.", "scrapy.pipelines.images.", "scrapy.pipelines.media.")
#: Browser options that record pages, traffic or downloads to disk.
BROWSER_RECORDING_OPTIONS = (
    "record_har_path",
    "record_video_dir",
    "traces_dir",
    "downloads_path",
    "user_data_dir",
)
_REMOVE = "remove the -s/--set option or the settings entry that sets it"


def storage_problems(settings: Settings, *, demo: bool) -> list[str]:
    """Every setting that would write pages, requests or items to disk outside the spool.

    Hits are written only to the spool (``LCOM_SPOOL_DIR``) and Elasticsearch; the
    job folder's request queue is encrypted (``crawler/squeues.py``). Everything else
    that could store a page, a request or an item is refused: Scrapy's HTTP cache,
    feed exports, media pipelines, stats collectors and extensions, downloader or
    spider middlewares from packages lcom does not know (in demo mode, under the
    bundled demo policy, test components are accepted), add-ons (they can switch any
    of these on), and browser recordings (HAR, video, traces, downloads, profiles).
    """
    problems: list[str] = []
    if settings.getbool("HTTPCACHE_ENABLED"):
        problems.append(
            "HTTPCACHE_ENABLED is on: Scrapy's HTTP cache stores every fetched page, hits "
            f"and non-hits, on disk ({_REMOVE}, or set HTTPCACHE_ENABLED=False)"
        )
    feeds = settings.getdict("FEEDS") if settings.get("FEEDS") else {}
    if feeds:
        problems.append(
            "FEEDS exports items to " + ", ".join(sorted(map(str, feeds))) + ": hits are "
            f"written only to the spool and Elasticsearch ({_REMOVE}, or the -o/-O option; "
            "read hits with `lcom spool` or in Kibana)"
        )
    if settings.get("FEED_URI"):
        problems.append(f"FEED_URI is set: feed exports are not allowed ({_REMOVE})")
    for name in ("FILES_STORE", "IMAGES_STORE"):
        if settings.get(name):
            problems.append(f"{name} is set: media are never downloaded to disk ({_REMOVE})")
    stats_class = settings.get("STATS_CLASS")
    stats_path = (
        stats_class
        if isinstance(stats_class, str)
        else f"{stats_class.__module__}.{stats_class.__qualname__}"
    )
    if stats_path not in SAFE_STATS_CLASSES:
        problems.append(
            f"STATS_CLASS is {stats_path}: only Scrapy's in-memory stats collector is "
            f"allowed, a custom one could write pages or items ({_REMOVE}; "
            "LCOM_STATS_DUMP writes the final counts)"
        )
    if settings.getdict("ADDONS") if settings.get("ADDONS") else {}:
        problems.append(f"ADDONS is set: add-ons can switch on storage components ({_REMOVE})")
    for name in ("EXTENSIONS", "DOWNLOADER_MIDDLEWARES", "SPIDER_MIDDLEWARES"):
        for path in enabled_components(settings, name):
            if path.startswith(KNOWN_PACKAGES) or (demo and path.startswith("tests.")):
                continue
            problems.append(
                f"{name} enables {path}, which could write pages or items to disk ({_REMOVE})"
            )
    for path, _order in enabled_components(settings, "ITEM_PIPELINES").items():
        if path.startswith(MEDIA_PIPELINES):
            problems.append(f"ITEM_PIPELINES enables {path}, which downloads media to disk")
    launch = settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS")
    contexts = settings.getdict("PLAYWRIGHT_CONTEXTS")
    for where, options in [("PLAYWRIGHT_LAUNCH_OPTIONS", launch)] + [
        (f"PLAYWRIGHT_CONTEXTS[{name!r}]", dict(kwargs or {})) for name, kwargs in contexts.items()
    ]:
        for option in BROWSER_RECORDING_OPTIONS:
            if options.get(option):
                problems.append(
                    f"{where} sets {option}: the browser would record pages to disk ({_REMOVE})"
                )
    return problems


def require_no_storage(settings: Settings, *, demo: bool) -> None:
    """Raise :class:`StorageSettingsError` unless :func:`storage_problems` finds nothing."""
    problems = storage_problems(settings, demo=demo)
    if problems:
        raise StorageSettingsError(problems)


def apply_permit(settings: Settings, runtime: CrawlRuntime) -> None:
    """Write the permit's limits into the settings; the stricter value always wins."""
    permit = runtime.permit
    data_policy = runtime.policy.data_policy
    from scrapy.settings import SETTINGS_PRIORITIES

    def report_clamp(name: str, given: Any, used: Any) -> None:
        # Only what the operator asked for on the command line (-s/--set) is worth a word.
        if settings.getpriority(name) == SETTINGS_PRIORITIES["cmdline"] and given != used:
            logger.warning(
                "-s %s=%s is outside what the policy allows for source %s: using %s",
                name,
                settings.get(name),
                runtime.source.id,
                used,
            )

    def tighten(name: str, limit: float, *, lower_is_stricter: bool = True) -> None:
        current = settings.getfloat(name) if settings.get(name) not in (None, "") else None
        if lower_is_stricter:
            value: Any = limit if current in (None, 0) else min(current, limit)
        else:
            value = limit if current is None else max(current, limit)
        if isinstance(limit, int) and not isinstance(limit, bool):
            value = int(value)
        report_clamp(name, current, value)
        settings.set(name, value, priority=POLICY_PRIORITY)

    def enforce_flag(name: str, value: bool) -> None:
        report_clamp(name, settings.getbool(name), value)
        settings.set(name, value, priority=POLICY_PRIORITY)

    report_clamp("USER_AGENT", settings.get("USER_AGENT"), permit.user_agent)
    settings.set("USER_AGENT", permit.user_agent, priority=POLICY_PRIORITY)
    # Default headers are applied before USER_AGENT: none may name another agent.
    headers = {
        name: value
        for name, value in settings.getdict("DEFAULT_REQUEST_HEADERS").items()
        if str(name).strip().lower() != "user-agent"
    }
    settings.set("DEFAULT_REQUEST_HEADERS", headers, priority=POLICY_PRIORITY)
    enforce_flag("ROBOTSTXT_OBEY", permit.obey_robots_txt)
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
    enforce_flag("AUTOTHROTTLE_ENABLED", False)
    enforce_flag("COOKIES_ENABLED", False)
    # Nothing may steer or inspect a running crawl from outside the process.
    settings.set("TELNETCONSOLE_ENABLED", False, priority=POLICY_PRIORITY)
    settings.set("REMOTE_CONTROL_ENABLED", False, priority=POLICY_PRIORITY)
    settings.set("LCOM_DERIVE_ORIGIN", bool(data_policy.derive_origin), priority=POLICY_PRIORITY)
    settings.set("LCOM_STORED_FIELDS", list(data_policy.stored_fields), priority=POLICY_PRIORITY)
    linking, retention = data_policy.linking, data_policy.retention_days
    settings.set(
        "LCOM_LINK_NON_HITS", bool(linking.keep_non_hit_observations), priority=POLICY_PRIORITY
    )
    settings.set(
        "LCOM_LINK_NON_HIT_DAYS", int(linking.non_hit_observation_days), priority=POLICY_PRIORITY
    )
    settings.set(
        "LCOM_LINK_HIT_DAYS",
        max(retention.new, retention.relevant, retention.not_relevant),
        priority=POLICY_PRIORITY,
    )
    settings.set("LCOM_MEDIA", permit.media, priority=POLICY_PRIORITY)
    apply_browser_fence(settings, permit)
    # Log lines about items carry ids only (never ad text or contacts).
    settings.set(
        "LOG_FORMATTER", "crawler.logformatter.PrivacyLogFormatter", priority=POLICY_PRIORITY
    )
    # A job folder keeps queued requests (ad URLs, which can hold contacts) encrypted.
    settings.set("SCHEDULER_DISK_QUEUE", ENCRYPTED_DISK_QUEUE, priority=POLICY_PRIORITY)
    # ... and the fingerprints of the requests it made are keyed (``requests.seen``).
    settings.set("REQUEST_FINGERPRINTER_CLASS", KEYED_FINGERPRINTER, priority=POLICY_PRIORITY)


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
    settings: Settings,
    source: str,
    policy_dir: Path,
    run_id: str,
    exc: BaseException,
    *,
    reason: str | None = None,
) -> None:
    """Log why no crawl may start, in plain words, and write it to the audit log."""
    from crawler.extensions.audit import record_refusal

    logger.error("refusing to crawl source %s: %s", source, exc)
    problems = getattr(exc, "problems", ())
    for problem in problems:
        render = getattr(problem, "render", None)
        logger.error("  %s", render() if callable(render) else problem)
    record_refusal(settings, source, policy_dir, reason or f"{type(exc).__name__}: {exc}", run_id)


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
