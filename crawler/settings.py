"""Scrapy settings for lcom.

Safe defaults first: robots.txt obeyed, telnet console and remote control off,
no cookies, no automatic throttling that could exceed the legal limits (those
come from the guardrail policy at crawl start and always win, see
``crawler/runtime.py``).

lcom's own settings (all optional unless noted):

``LCOM_HOME``              the folder var/, sources/ and policy/ hang from (pipelines/home.py;
                           default: the project folder of a checkout, else ~/.local/share/lcom)
``LCOM_SOURCE``            source id in ``crawler/sources/`` (default ``demo``)
``LCOM_SOURCES_DIR``       folder with source extraction configs (default: ``<LCOM_HOME>/sources``
                           when it exists, else the bundled ``crawler/sources``)
``LCOM_POLICY_DIR``        guardrail policy folder (default: ``<LCOM_HOME>/policy`` when it holds
                           a bundle.yaml, else the bundled demo policy)
``LCOM_DEMO``              demo mode: allows the built-in demo pseudonym key, under the bundled
                           demo policy only
``LCOM_VAR_DIR``           where spool, audit log and job state live (default ``<LCOM_HOME>/var``)
``LCOM_SPOOL_DIR``         JSON Lines spool of hits (default ``<var>/spool``)
``LCOM_AUDIT_LOG``         JSON Lines audit log of runs (default ``<var>/audit.jsonl``)
``LCOM_KILL_SWITCH_FILE``  an extra kill-switch file next to the policy's own
``LCOM_CHROMIUM``          path of the Chromium binary (default: ``chromium`` on PATH)
``LCOM_PROGRESS``          show a progress line on a terminal (default: on when stderr is a tty)
``LCOM_LEXICON_DIR``       indicator lexicon folder (default: the bundled ``pipelines/lexicons``)
``LCOM_HIT_THRESHOLD``     score at which an ad is a hit (default: from the lexicon config)
``LCOM_MAX_TEXT_CHARS``    longer ads are dropped unread (default 100000)
``LCOM_LEXICON_CACHE``     compiled lexicons kept between runs (default ``<var>/cache/lexicons``;
                           a cold cache is filled by a short-lived child process, which keeps
                           some 70 MB of compile garbage out of the crawl)
``LCOM_ANALYSIS_WORKER``   language, pseudonymisation, indicators and linking in a worker process:
                           ``auto`` (default: when the crawl may use two or more CPUs),
                           ``true`` or ``false`` (pipelines/analysis.py)
``LCOM_KILL_SWITCH_INTERVAL`` seconds between kill-switch checks (default 1.0, at most 5)
``LCOM_STATS_DUMP``        write the final crawl stats to this JSON file
``LCOM_ES_CHUNK_SIZE``     documents per bulk request (default 500)
``LCOM_ES_MAX_RETRIES``    retries of items answered 429 before they wait in the spool (default 3)
``LCOM_ES_INITIAL_BACKOFF`` seconds before the first retry, doubled each time (default 1)
``LCOM_ES_FLUSH_SECONDS``  longest time a hit waits in memory before it is sent (default 2)
``LCOM_SPOOL_SEGMENT_BYTES`` size at which a spool segment is rotated (default 16 MiB)
``LCOM_SPOOL_COMMIT_WINDOW`` seconds the first hit of a spool group waits for others (default
                           0.02, 0 to 1; pipelines/elasticsearch.py)
``LCOM_INCREMENTAL``       ``0`` forces a full crawl of a source with an ``incremental`` block
``LCOM_SEEN_DB``           SQLite store of seen ads for recrawls (default ``<var>/seen.sqlite``)
``LCOM_LINKS_ENABLED``     ``0`` switches linking ads into cases off (default on; docs/linking.md)
``LCOM_LINKS_DB``          SQLite link store (default ``<var>/links.sqlite``)
``LCOM_REDIS_URL``         share the frontier, rate, page cap and stop with other workers on
                           this Redis (``redis://[:password@]host:port/db``); unset: one
                           process, nothing shared (see ``docs/scale-out.md``)
``LCOM_REDIS_PASSWORD_FILE`` a file holding the Redis password (instead of the URL)
``LCOM_RUN_ID``            the run a worker joins (default: the source's current run in Redis)
``LCOM_WORKER_ID``         this worker's name in Redis (default: host name and a random suffix)
``LCOM_REDIS_HEARTBEAT_TTL`` seconds after its last heartbeat that a worker counts as dead
                           and its requests are queued again (default 10)

Environment only: ``LCOM_MONITORING_CONFIG`` (run monitoring thresholds and notifications,
see ``deploy/monitoring.yaml``), ``LCOM_MONITORING=0`` (no checks after ``lcom crawl``),
``LCOM_SCHEDULE_LOCK`` (lock backend of ``lcom schedule``, default ``file``).

Elasticsearch connection (environment): ``ELASTICSEARCH_URL``, ``ELASTICSEARCH_API_KEY`` or
``ELASTICSEARCH_USERNAME``/``ELASTICSEARCH_PASSWORD`` (``*_FILE`` variants read a file),
``ELASTICSEARCH_CA_CERTS``, ``ELASTICSEARCH_VERIFY_CERTS`` (on unless ``false``).

Set by the runtime from the policy (do not set by hand; they are overwritten):
``LCOM_DERIVE_ORIGIN``, ``LCOM_STORED_FIELDS``, ``LCOM_MEDIA``, ``LCOM_LINK_NON_HITS``,
``LCOM_LINK_NON_HIT_DAYS``, ``LCOM_LINK_HIT_DAYS``.
"""

from __future__ import annotations

import os
import shutil

from crawler import logredact
from pipelines.home import var_dir

# Every Scrapy process that loads these settings (``scrapy crawl ads`` included) redacts
# contacts from every log record.
logredact.install()

BOT_NAME = "lcom"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# The policy's user_agent replaces this at crawl start.
USER_AGENT = "lcom (+https://example.invalid/lcom; research crawler)"

# -- safety -----------------------------------------------------------------
ROBOTSTXT_OBEY = True
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # Scrapy's remote-control HTTP server would accept commands
COOKIES_ENABLED = False  # public pages only: no sessions, no logins
REDIRECT_MAX_TIMES = 5
AUTOTHROTTLE_ENABLED = False  # the policy sets fixed per-host rates
DOWNLOAD_DELAY_JITTER = 0.0  # jitter below the delay would break the legal rate
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
DOWNLOAD_TIMEOUT = 20
DOWNLOAD_MAXSIZE = 4 * 1024 * 1024  # larger pages are cancelled and counted
DOWNLOAD_WARNSIZE = 1024 * 1024
RETRY_TIMES = 2
# An ad page yields one item, and Scrapy starts CONCURRENT_ITEMS tasks for every response it
# scrapes: its default of 100 made task bookkeeping about a tenth of a crawl's CPU time.
CONCURRENT_ITEMS = 8
# Responses parsed and waiting for the pipelines, in bytes (Scrapy's default is 5 MB). Each
# holds its parsed tree and its items; at 5 MB thousands of small ad pages could wait behind a
# slow pipeline and the crawler's memory grew with the site (docs/benchmarks.md).
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 256 * 1024
DEPTH_PRIORITY = 1  # breadth first: listings before deep traps
# Requests queued in a job folder are encrypted (the runtime sets this above the command line).
SCHEDULER_DISK_QUEUE = "crawler.squeues.EncryptedFifoDiskQueue"
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"

EXTENSIONS = {
    "scrapy.extensions.telnet.TelnetConsole": None,
    "crawler.extensions.killswitch.KillSwitch": 10,
    "crawler.extensions.audit.AuditLog": 20,
    "crawler.extensions.progress.Progress": 30,
    "crawler.extensions.hitstats.HitStats": 40,
}

DOWNLOADER_MIDDLEWARES = {
    # Our guardrail runs before robots.txt (100) and sees every request,
    # including redirects, which re-enter the downloader middlewares; its
    # process_response runs last, so it sees the final response.
    "crawler.middlewares.guardrails.GuardrailsMiddleware": 50,
    "crawler.middlewares.badpages.BadPagesMiddleware": 560,
    # Last check before a request is queued for download (after robots.txt).
    "crawler.middlewares.guardrails.GuardrailsGate": 800,
}

SPIDER_MIDDLEWARES = {
    # Before Scrapy's DepthMiddleware (900), so links beyond the permit's depth are counted.
    "crawler.middlewares.guardrails.DepthGuardMiddleware": 950,
}

ITEM_PIPELINES = {
    # Language (100), pseudonymisation (200), indicators (300) and linking (350), in a
    # worker process when the crawl may use two or more CPUs (LCOM_ANALYSIS_WORKER).
    "pipelines.analysis.AnalysisPipeline": 100,
    "pipelines.minimize.MinimizePipeline": 400,
    "pipelines.elasticsearch.ElasticsearchPipeline": 900,
}

# -- JavaScript pages (only those a source config marks, and only if the policy allows) --
DOWNLOAD_HANDLERS = {
    "http": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
    "https": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
}
PLAYWRIGHT_BROWSER_TYPE = "chromium"
PLAYWRIGHT_LAUNCH_OPTIONS = {
    "executable_path": os.environ.get("LCOM_CHROMIUM") or shutil.which("chromium") or "chromium",
    "headless": True,
    "args": [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-extensions",
    ],
}
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 20_000
PLAYWRIGHT_MAX_CONTEXTS = 1
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 2
# Every sub-request the browser makes is checked against the policy; the runtime
# replaces this with a checker bound to the source's permit.
PLAYWRIGHT_ABORT_REQUEST = "crawler.middlewares.guardrails.abort_everything"


# -- lcom --------------------------------------------------------------------
# The environment variables of the same name set these, so `scrapy crawl` and
# `lcom crawl` behave alike under cron or systemd.
def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


LCOM_SOURCE = os.environ.get("LCOM_SOURCE", "demo")
LCOM_DEMO = _env_flag("LCOM_DEMO")
# var/ under LCOM_HOME (pipelines/home.py): the same folder wherever a command is started.
LCOM_VAR_DIR = str(var_dir())
for _name in (
    "LCOM_POLICY_DIR",
    "LCOM_SOURCES_DIR",
    "LCOM_SPOOL_DIR",
    "LCOM_AUDIT_LOG",
    "LCOM_KILL_SWITCH_FILE",
    "LCOM_REDIS_URL",
    "LCOM_REDIS_PASSWORD_FILE",
    "LCOM_RUN_ID",
    "LCOM_WORKER_ID",
    "LCOM_REDIS_HEARTBEAT_TTL",
    "LCOM_LINKS_DB",
    "LCOM_ANALYSIS_WORKER",
    "LCOM_LEXICON_CACHE",
):
    if os.environ.get(_name):
        globals()[_name] = os.environ[_name]

# Items are never logged with their content (see crawler/logformatter.py).
LOG_FORMATTER = "crawler.logformatter.PrivacyLogFormatter"
