"""Crawl job state kept in ``JOBDIR`` next to Scrapy's own.

Scrapy's ``JOBDIR`` resumes a crawl that was stopped gracefully (Ctrl-C once,
SIGTERM): the request queue and the seen-request fingerprints are saved on the
way out. A crawl killed hard (SIGKILL, power loss) leaves that state behind half
written, and resuming from it could silently skip pages. lcom therefore keeps a
small marker, ``lcom-job.json``, written and fsynced when a run starts and when it
closes:

- no marker: a new run;
- marker says ``running``: the last run was killed. Scrapy's state is discarded and
  the crawl starts again from its start URLs **under the same run id**. Hits it
  already stored are updated, not duplicated, and do not count as a second
  sighting (``seen_count`` counts runs); hits it had spooled but not yet indexed
  are sent from the spool;
- marker says ``closed`` with reason ``shutdown``: a graceful stop; Scrapy resumes
  from its saved queue under the same run id;
- marker says ``closed`` for any other reason (the run finished): the job folder is
  reused for a new run with a new id.

A marker that exists but cannot be read, or that belongs to another source,
refuses the run (:class:`JobStateError`): guessing would reset the page cap or
resume another source's queue. The operator inspects or removes the job folder.

The marker also counts the pages the run has fetched (``pages``, rewritten as each
request is let through), so a resumed or recovered run continues the policy's page
cap instead of starting a fresh one.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

logger = logging.getLogger(__name__)

MARKER = "lcom-job.json"
#: Counters of every finished segment of the run (a resumed run adds to them).
TOTALS = "lcom-totals.json"
#: Scrapy's files in JOBDIR (scheduler queue, dupefilter, spider state).
SCRAPY_STATE = ("requests.queue", "requests.seen", "spider.state")

Mode = Literal["new", "resume", "recover"]


class JobStateError(RuntimeError):
    """The job folder cannot be used for this run (unreadable marker, another source)."""


def _write(jobdir: Path, record: dict[str, Any], *, sync: bool = True) -> None:
    jobdir.mkdir(parents=True, exist_ok=True)
    tmp = jobdir / (MARKER + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(record, fh)
        fh.flush()
        if sync:
            os.fsync(fh.fileno())
    os.replace(tmp, jobdir / MARKER)


def read_json(path: Path) -> dict[str, Any]:
    """A small JSON state file next to a job (``{}`` when missing or unreadable)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Replace a small JSON state file atomically (write, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    os.replace(tmp, path)


def _clear_scrapy_state(jobdir: Path) -> None:
    for name in SCRAPY_STATE:
        path = jobdir / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def read_marker(jobdir: Path) -> dict[str, Any] | None:
    """The marker's content, None when there is none; :class:`JobStateError` if unreadable."""
    path = jobdir / MARKER
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise JobStateError(
            f"the job marker {path} cannot be read ({type(exc).__name__}): the pages this "
            "job already fetched are unknown. Inspect the job folder, or remove it to "
            "start a new run"
        ) from exc
    if not isinstance(data, dict):
        raise JobStateError(
            f"the job marker {path} is not a JSON object: inspect the job folder, or "
            "remove it to start a new run"
        )
    return data


def begin(jobdir: Path, source: str, fresh_run_id: str) -> tuple[str, Mode, int]:
    """Decide how this run uses the job folder: ``(run_id, mode, pages already fetched)``."""
    previous = read_marker(jobdir)
    if previous is not None and previous.get("source") != source:
        raise JobStateError(
            f"job folder {jobdir} belongs to source {previous.get('source')!r}, not "
            f"{source!r}: use another --jobdir for this source"
        )
    mode: Mode
    if previous is None:
        run_id, mode = fresh_run_id, "new"
        if any((jobdir / name).exists() for name in SCRAPY_STATE):
            _clear_scrapy_state(jobdir)  # state without a marker: not ours to trust
    elif previous.get("state") == "running":
        run_id, mode = previous.get("run_id") or fresh_run_id, "recover"
        _clear_scrapy_state(jobdir)
        logger.warning(
            "run %s in %s did not close (killed?): crawling again from the start URLs "
            "under the same run id; stored hits are updated, not duplicated",
            run_id,
            jobdir,
        )
    elif previous.get("finish_reason") == "shutdown":
        run_id, mode = previous.get("run_id") or fresh_run_id, "resume"
        logger.info("resuming run %s from %s", run_id, jobdir)
    else:
        run_id, mode = fresh_run_id, "new"
        _clear_scrapy_state(jobdir)
    if mode == "new":
        (jobdir / TOTALS).unlink(missing_ok=True)
    pages = 0
    if mode != "new" and previous is not None:
        try:
            pages = max(0, int(previous.get("pages", 0)))
        except (TypeError, ValueError):
            pages = 0
    _write(
        jobdir,
        {
            "run_id": run_id,
            "source": source,
            "state": "running",
            "mode": mode,
            "pages": pages,
            "started_at": datetime.now(UTC).isoformat(),
        },
    )
    return run_id, mode, pages


def record_pages(jobdir: Path, run_id: str, source: str, pages: int) -> None:
    """Note how many pages the running run has let through (atomic rename, no fsync:
    it survives the process being killed, which is what it is for)."""
    _write(
        jobdir,
        {"run_id": run_id, "source": source, "state": "running", "pages": pages},
        sync=False,
    )


def read_totals(jobdir: Path) -> dict[str, Any] | None:
    """``{"run_id", "segments", "stats"}`` summed over the run's finished segments."""
    try:
        data = json.loads((jobdir / TOTALS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def add_totals(jobdir: Path, run_id: str, stats: dict[str, Any]) -> dict[str, Any]:
    """Add one segment's numeric stats to the run's totals (a new run id starts afresh)."""
    previous = read_totals(jobdir)
    if not previous or previous.get("run_id") != run_id:
        previous = {"run_id": run_id, "segments": 0, "stats": {}}
    summed: dict[str, Any] = dict(previous.get("stats") or {})
    for key, value in stats.items():
        if isinstance(value, int | float) and not isinstance(value, bool):
            summed[key] = summed.get(key, 0) + value
    totals = {"run_id": run_id, "segments": int(previous.get("segments", 0)) + 1, "stats": summed}
    tmp = jobdir / (TOTALS + ".tmp")
    tmp.write_text(json.dumps(totals), encoding="utf-8")
    os.replace(tmp, jobdir / TOTALS)
    return totals


def finish(jobdir: Path, run_id: str, source: str, reason: str, pages: int = 0) -> None:
    _write(
        jobdir,
        {
            "run_id": run_id,
            "source": source,
            "state": "closed",
            "finish_reason": reason,
            "pages": pages,
            "closed_at": datetime.now(UTC).isoformat(),
        },
    )
