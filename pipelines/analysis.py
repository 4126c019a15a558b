"""Item pipeline: the analysis stages, language (100), pseudonymisation (200),
indicators (300) and linking (350), as one unit, in a worker process when the crawl has a
core to spare.

Scrapy runs a crawl in one thread, and these stages are pure Python (linking adds a local
SQLite transaction per hit): in the crawl benchmark they were about two thirds of lcom's
CPU per page. On a machine where the crawl may
run on two or more CPUs, this pipeline forks one worker process before the crawl starts
and sends each ad there over a socket pair, a pickled dict each way, while the crawl
process goes on downloading and parsing. The crawl process's end of the socket is served
by the reactor's own event loop (no thread, so no contention for the GIL): in the crawl
benchmark a pool of worker threads and queues (``concurrent.futures``) cost the crawl
process more CPU per ad than it took away. The worker holds copies of the stage
pipelines as they were built here, in the crawl process: a missing pseudonymisation key
still stops the crawl before it starts, the key is never passed anywhere, and the
compiled lexicons are shared with the crawl process until either writes to them. It
runs the stages in order, one ad at a time, exactly as the crawl process would (so the
per-source price tracker and the link store see every ad in order, as in one process);
it alone opens the link store while it runs. The stages' stats and log lines, and the
partial updates of earlier hits that linking sends to the Elasticsearch pipeline, come
back with the ad and are counted, logged and sent here; an ad a stage dropped is dropped
here, reduced to its ids as the stage left it.

The fork happens only while the crawl process runs no other thread (a thread could hold
a lock the worker would then wait on forever); otherwise the stages run here, with a
warning.

Settings:

``LCOM_ANALYSIS_WORKER``
    ``auto`` (default): a worker process when the crawl process may run on at least two
    CPUs; ``True``: always (if the fork is safe); ``False``: never, the stages run in the
    crawl process.

Linking is a stage when it is switched on (``LCOM_LINKS_ENABLED``, see
``pipelines/linking.py``). A worker that dies (killed, out of memory) loses no ad: every
ad it held, and every later one, is analysed here, in the crawl process (an ad the worker
had already recorded in the link store is recorded again by its ``doc_id``, which changes
nothing) (stat ``lcom/analysis/worker_lost``, an error
in the log naming no ad). Stats: ``lcom/analysis/worker`` (1 when the worker runs).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import pickle
import signal
import socket
import threading
import traceback
from collections import deque
from functools import partial
from multiprocessing import get_context
from typing import TYPE_CHECKING, Any, Self

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem, NotConfigured

from pipelines import offload
from pipelines.indicators import IndicatorPipeline
from pipelines.language import LanguagePipeline
from pipelines.linking import LinkingPipeline
from pipelines.offload import usable_cpus
from pipelines.pseudonymize import PseudonymizePipeline

if TYPE_CHECKING:
    from collections.abc import Sequence
    from multiprocessing.process import BaseProcess

    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

#: What a stage recorded: stats calls ``(method, key, value)`` and log lines
#: ``(logger, level, message)``, replayed in the crawl process.
StatCall = tuple[str, str, Any]
LogLine = tuple[str, int, str]
#: Partial updates of earlier hits a stage handed to its ``updates_sink``: ``(stage, updates)``.
SinkCall = tuple[int, list[Any]]
#: The worker's answer: the item's fields after the stages; the stats, log lines and
#: updates; ``(message, log level)`` when a stage dropped the ad, or the traceback of an
#: error.
Outcome = tuple[
    dict[str, Any],
    list[StatCall],
    list[LogLine],
    list[SinkCall],
    tuple[str, str | None] | None,
    str,
]

_HEADER = 4  # bytes of a frame's length, big-endian
_PROTOCOL = pickle.HIGHEST_PROTOCOL
_IGNORED_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class WorkerLost(Exception):
    """The analysis worker process ended before it answered."""


def wants_worker(value: object, cpus: int | None = None) -> bool:
    """``LCOM_ANALYSIS_WORKER``: ``auto`` (a worker with two or more CPUs), or a boolean."""
    text = str(value).strip().lower() if value is not None else "auto"
    if text in ("", "auto"):
        return (usable_cpus() if cpus is None else cpus) >= 2
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"LCOM_ANALYSIS_WORKER must be auto, true or false, not {value!r}")


def _frame(value: object) -> bytes:
    data = pickle.dumps(value, protocol=_PROTOCOL)
    return len(data).to_bytes(_HEADER, "big") + data


class AnalysisPipeline:
    """Language, pseudonymisation, indicators and linking in order, here or in a worker
    process."""

    def __init__(
        self,
        stages: Sequence[Any],
        stats: StatsCollector | None = None,
        *,
        worker: bool = False,
    ) -> None:
        self.stages = tuple(stages)
        self.stats = stats
        self._process: BaseProcess | None = None
        self._socket: socket.socket | None = None
        self._channel: _Channel | None = None
        self._closed = False
        if worker:
            self._fork()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        stages: list[Any] = [
            LanguagePipeline.from_crawler(crawler),
            PseudonymizePipeline.from_crawler(crawler),
            IndicatorPipeline.from_crawler(crawler),
        ]
        try:
            stages.append(LinkingPipeline.from_crawler(crawler))
        except NotConfigured as exc:
            logger.info("no linking: %s", exc)
        worker = wants_worker(crawler.settings.get("LCOM_ANALYSIS_WORKER", "auto"))
        return cls(stages, crawler.stats, worker=worker)

    @property
    def in_worker(self) -> bool:
        return self._socket is not None

    @property
    def worker_pid(self) -> int | None:
        return self._process.pid if self._process is not None and self.in_worker else None

    def _fork(self) -> None:
        others = [t.name for t in threading.enumerate() if t is not threading.current_thread()]
        if others:
            logger.warning(
                "analysis runs in the crawl process: %d other thread(s) running (%s), "
                "a worker process cannot be forked safely",
                len(others),
                ", ".join(sorted(others)),
            )
            return
        ours, theirs = socket.socketpair()
        process = get_context("fork").Process(
            target=_serve, args=(theirs, ours, self.stages), name="lcom-analysis", daemon=True
        )
        # Objects made so far (modules, settings, the compiled lexicons) go to a
        # generation the collector never walks, in both processes: a collection writes to
        # every object it walks, and a page either process writes to is copied, so
        # without this each would soon hold its own copy of all of them.
        gc.freeze()
        # Ctrl-C and a service manager's SIGTERM reach the whole process group: the crawl
        # process stops gracefully and still needs the worker for the ads in flight (it
        # ends the worker by closing its end of the socket). Ignored from the fork on.
        handlers = {number: signal.getsignal(number) for number in _IGNORED_SIGNALS}
        for number in _IGNORED_SIGNALS:
            signal.signal(number, signal.SIG_IGN)
        try:
            process.start()
        finally:
            for number, handler in handlers.items():
                signal.signal(number, handler)
        theirs.close()
        self._process, self._socket = process, ours
        if self.stats is not None:
            self.stats.set_value("lcom/analysis/worker", 1)
        logger.info(
            "analysis stages in worker process %d: %s",
            process.pid,
            ", ".join(type(stage).__name__ for stage in self.stages),
        )

    def open_spider(self, spider: Spider | None = None) -> None:
        if not self.in_worker:  # else the worker opened the stages when it started
            _open_stages(self.stages)

    def close_spider(self, spider: Spider | None = None) -> None:
        # The worker closes its copies of the stages when it ends; then this process
        # closes its own (the link store it opened before the fork, last).
        self._stop_worker()
        if not self._closed:
            self._closed = True
            _close_stages(self.stages)

    def _stop_worker(self, timeout: float = 10.0) -> None:
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        if self._socket is not None:
            self._socket.close()  # the worker reads the end and exits
            self._socket = None
        if self._process is not None:
            self._process.join(timeout)
            if self._process.is_alive():
                self._process.kill()
                self._process.join()
            self._process = None

    async def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        if self._socket is None:
            for stage in self.stages:
                item = await stage.process_item(item, spider)
            return item
        if self._channel is None:
            self._channel = _Channel(self._socket, asyncio.get_running_loop())
        adapter = ItemAdapter(item)
        try:
            outcome = await self._channel.call(adapter.asdict())
        except WorkerLost:
            self._worker_lost()
            return await self.process_item(item, spider)  # unchanged: analysed here
        fields, calls, lines, sinks, dropped, error = outcome
        if self.stats is not None:
            for method, key, value in calls:
                getattr(self.stats, method)(key, value)
        for name, level, message in lines:
            logging.getLogger(name).log(level, "%s", message)
        for stage, updates in sinks:
            self.stages[stage].updates_sink(updates)
        if error:
            raise RuntimeError(f"an analysis stage failed in the worker process:\n{error}")
        for name in [name for name in adapter if name not in fields]:
            del adapter[name]
        for name, value in fields.items():
            adapter[name] = value
        if dropped is not None:
            raise DropItem(dropped[0], log_level=dropped[1])
        return item

    def _worker_lost(self) -> None:
        if self._socket is None:
            return  # an earlier ad saw it first
        self._stop_worker(timeout=1.0)
        logger.error(
            "the analysis worker process ended: this and every later ad is analysed in the "
            "crawl process (no ad is lost; the crawl is slower)"
        )
        if self.stats is not None:
            self.stats.inc_value("lcom/analysis/worker_lost")
            self.stats.set_value("lcom/analysis/worker", 0)
        _open_stages(self.stages)  # the crawl process opens the stages now


class _Channel:
    """The crawl process's end of the socket: length-prefixed pickles, written and read
    by the event loop without blocking it. The worker answers in order."""

    def __init__(self, sock: socket.socket, loop: asyncio.AbstractEventLoop) -> None:
        sock.setblocking(False)
        self.sock, self.loop, self.fd = sock, loop, sock.fileno()
        self.out = bytearray()
        self.inbox = bytearray()
        self.waiting: deque[asyncio.Future[Outcome]] = deque()
        self.writing = False
        self.closed = False
        loop.add_reader(self.fd, self._read)

    def call(self, fields: dict[str, Any]) -> asyncio.Future[Outcome]:
        future: asyncio.Future[Outcome] = self.loop.create_future()
        if self.closed:
            future.set_exception(WorkerLost())
            return future
        self.out += _frame(fields)
        self.waiting.append(future)
        self._write()
        return future

    def _write(self) -> None:
        try:
            sent = self.sock.send(self.out)
        except (BlockingIOError, InterruptedError):
            sent = 0
        except OSError:
            self._lost()
            return
        del self.out[:sent]
        if self.out and not self.writing:
            self.loop.add_writer(self.fd, self._write)
            self.writing = True
        elif not self.out and self.writing:
            self.loop.remove_writer(self.fd)
            self.writing = False

    def _read(self) -> None:
        try:
            chunk = self.sock.recv(1 << 20)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            chunk = b""
        if not chunk:
            self._lost()
            return
        inbox = self.inbox
        inbox += chunk
        start = 0
        while len(inbox) - start >= _HEADER:
            end = start + _HEADER + int.from_bytes(inbox[start : start + _HEADER], "big")
            if len(inbox) < end:
                break
            outcome = pickle.loads(inbox[start + _HEADER : end])
            start = end
            future = self.waiting.popleft()
            if not future.done():
                future.set_result(outcome)
        del inbox[:start]

    def _lost(self) -> None:
        self.close()
        while self.waiting:
            future = self.waiting.popleft()
            if not future.done():
                future.set_exception(WorkerLost())

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.loop.remove_reader(self.fd)
        if self.writing:
            self.loop.remove_writer(self.fd)
            self.writing = False


# -- in the worker process --------------------------------------------------------
class _Recorder:
    """Stands in for the stats collector in the worker: records the calls."""

    def __init__(self) -> None:
        self.calls: list[StatCall] = []

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        self.calls.append(("inc_value", key, count))

    def set_value(self, key: str, value: Any) -> None:
        self.calls.append(("set_value", key, value))

    def max_value(self, key: str, value: Any) -> None:
        self.calls.append(("max_value", key, value))

    def min_value(self, key: str, value: Any) -> None:
        self.calls.append(("min_value", key, value))


class _Lines(logging.Handler):
    """Keeps the worker's log lines (already redacted when made) for the crawl process."""

    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.lines: list[LogLine] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + logging.Formatter().formatException(record.exc_info)
        self.lines.append((record.name, record.levelno, message))


def _open_stages(stages: Sequence[Any]) -> None:
    for stage in stages:
        if hasattr(stage, "open_spider"):
            stage.open_spider(None)  # the language models load in a thread


def _close_stages(stages: Sequence[Any]) -> None:
    for stage in stages:
        if hasattr(stage, "close_spider"):
            stage.close_spider(None)


class _Worker:
    def __init__(self, stages: Sequence[Any]) -> None:
        self.stages = stages
        self.recorder = _Recorder()
        self.lines = _Lines()
        self.sinks: list[SinkCall] = []
        self.loop = asyncio.new_event_loop()
        root = logging.getLogger()
        handlers = list(root.handlers)
        for handler in handlers:
            root.removeHandler(handler)
        # Only what a handler of the crawl process would write is worth sending back.
        self.lines.setLevel(min((h.level for h in handlers), default=logging.WARNING))
        root.addHandler(self.lines)
        for index, stage in enumerate(stages):
            if getattr(stage, "stats", None) is not None:
                stage.stats = self.recorder
            if getattr(stage, "updates_sink", None) is not None:
                stage.updates_sink = partial(self._sink, index)
            detector = getattr(stage, "detector", None)
            if detector is not None:
                detector.load()
            elif hasattr(stage, "open_spider"):
                # Linking's retention purge: its stats and log lines go with the first ad.
                stage.open_spider(None)

    def _sink(self, stage: int, updates: Sequence[Any]) -> None:
        self.sinks.append((stage, list(updates)))

    def analyse(self, fields: dict[str, Any]) -> Outcome:
        dropped, error = None, ""
        try:
            self.loop.run_until_complete(self._chain(fields))
        except DropItem as exc:
            dropped = (str(exc), exc.log_level)
        except Exception:
            error = traceback.format_exc()
        calls, self.recorder.calls = self.recorder.calls, []
        lines, self.lines.lines = self.lines.lines, []
        sinks, self.sinks = self.sinks, []
        return fields, calls, lines, sinks, dropped, error

    async def _chain(self, item: dict[str, Any]) -> None:
        for stage in self.stages:
            await stage.process_item(item)


def _serve(sock: socket.socket, parents_end: socket.socket, stages: Sequence[Any]) -> None:
    """The worker process: answers each frame until the crawl process closes its end."""
    parents_end.close()  # else the end of the crawl process would never reach us
    offload.always_inline()  # no reactor to keep responsive here
    worker = _Worker(stages)
    reader = sock.makefile("rb", buffering=1 << 16)
    try:
        while True:
            header = reader.read(_HEADER)
            if len(header) < _HEADER:
                return  # the crawl process closed its end
            data = reader.read(int.from_bytes(header, "big"))
            sock.sendall(_frame(worker.analyse(pickle.loads(data))))
    finally:
        _close_stages(stages)  # the link store
