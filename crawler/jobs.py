"""Run one crawl job in this process and report what happened.

Used by ``lcom crawl`` and ``lcom demo``. ``scrapy crawl ads`` goes through the
same spider and runtime, so both paths enforce the same guardrails.
"""

from __future__ import annotations

import contextlib
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

logger = logging.getLogger(__name__)


@dataclass
class CrawlReport:
    stats: dict[str, Any]
    run_id: str | None = None
    error: BaseException | None = None
    spool_dir: Path | None = None
    es_url: str | None = None
    finish_reason: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None


def project_settings(overrides: dict[str, Any] | None = None) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    if overrides:
        settings.setdict(overrides, priority="cmdline")
    return settings


def spool_dir_from(settings: Settings) -> Path:
    from pipelines.home import var_dir

    configured = settings.get("LCOM_SPOOL_DIR")
    if configured:
        return Path(configured)
    return Path(settings.get("LCOM_VAR_DIR") or var_dir()).resolve() / "spool"


class ExpectedFailures(logging.Filter):
    """Drop Scrapy's own lines about pages that failed in an expected way.

    The spider already logs each failed page once, as ``page failed (<reason>): <url>``
    (and counts it in the summary): Scrapy's "Gave up retrying ..." (an ERROR for a page
    that answered 500 three times) and its download-size warnings would say the same
    again, louder. Installed unless the crawl runs with ``-v`` (``LCOM_VERBOSE``).
    """

    LOGGERS = ("scrapy.downloadermiddlewares.retry", "scrapy.core.downloader.handlers.http11")

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        return not (
            message.startswith("Gave up retrying")
            or "download max size" in message
            or "download warn size" in message
        )


def install_quiet_filters(verbose: bool) -> None:
    quiet = ExpectedFailures()
    for name in ExpectedFailures.LOGGERS:
        target = logging.getLogger(name)
        for existing in [f for f in target.filters if isinstance(f, ExpectedFailures)]:
            target.removeFilter(existing)
        if not verbose:
            target.addFilter(quiet)


def run_crawl(
    source: str = "demo",
    base_url: str | None = None,
    overrides: dict[str, Any] | None = None,
) -> CrawlReport:
    """Run the ad spider on one source until it finishes; never raises for crawl errors."""
    settings = project_settings(overrides)
    # Scrapy installs its own root handler at LOG_LEVEL; drop the CLI's so no line
    # is printed twice or below the chosen level.
    for handler in list(logging.root.handlers):
        logging.root.removeHandler(handler)
    process = CrawlerProcess(settings)  # installs the root log handler (LOG_INSTALL_ROOT_HANDLER)
    install_quiet_filters(settings.getbool("LCOM_VERBOSE", True))
    crawler = process.create_crawler("ads")
    report = CrawlReport(stats={})

    def failed(failure: Any) -> None:
        report.error = failure.value

    deferred = process.crawl(crawler, source=source, base_url=base_url)
    deferred.addErrback(failed)
    process.start()
    # A crawl refused before it started has no stats: Scrapy had not created them yet.
    with contextlib.suppress(RuntimeError):
        report.stats = dict(crawler.stats.get_stats())
    runtime = getattr(crawler, "lcom_runtime", None)
    report.run_id = runtime.run_id if runtime else None
    report.finish_reason = report.stats.get("finish_reason")
    report.spool_dir = spool_dir_from(crawler.settings).resolve()
    from crawler.extensions.audit import audit_log_path

    report.extras["audit_log"] = str(audit_log_path(crawler.settings).resolve())
    report.es_url = os.environ.get("ELASTICSEARCH_URL") or None
    jobdir = crawler.settings.get("JOBDIR")
    if jobdir:
        add_earlier_segments(report, Path(jobdir))
    return report


def add_earlier_segments(report: CrawlReport, jobdir: Path) -> None:
    """A resumed run reports all its segments: the totals the job folder kept."""
    from crawler.jobstate import read_totals

    totals = read_totals(jobdir)
    if not totals or totals.get("run_id") != report.run_id:
        return
    segments = int(totals.get("segments", 1))
    if segments > 1:
        report.stats = {**report.stats, **totals.get("stats", {})}
        report.extras["segments"] = segments
