"""The shared crawl state of several workers on Redis (no Scrapy imports).

When ``LCOM_REDIS_URL`` is set, every worker of a run on one source shares:

``lcom:{source}:{run}:queue``
    The request queue (a list; pushed on the left, taken from the right: FIFO).
``lcom:{source}:{run}:seen``
    The dupefilter: a set of request fingerprints. A request is added to the
    set and pushed to the queue in one Lua script, so two workers can never both
    enqueue it, and a worker can never see the set updated but the queue not.
``lcom:{source}:{run}:processing:{worker}``
    What one worker has taken and not yet finished. ``LMOVE`` moves a request
    from the queue into this list atomically; the worker removes it
    (acknowledges it) only after its response or error has been handled: the
    callback ran, new requests were pushed, its items went through the
    pipelines (hits are in the fsynced spool). A request is therefore always in
    the queue or in a processing list until it is done.
``lcom:{source}:{run}:alive:{worker}`` and ``lcom:{source}:{run}:workers``
    A heartbeat key with a short time-to-live that each worker renews, and the
    set of registered workers. Any worker reaps a worker whose heartbeat
    expired: its processing list goes back to the queue (Lua, atomic) and it is
    unregistered. A request is fetched again in that case, never lost; the
    indexer's upsert by ``doc_id`` keeps it one hit.
``lcom:{source}:{run}:pages`` and ``lcom:{source}:{run}:stop``
    The page counter of the policy's ``pages_per_run`` for all workers together,
    and the stop key: the first worker that stops the source (kill switch,
    withdrawn authorisation, page cap, stop status, ...) writes its rule there,
    and every worker polls it with its own kill-switch checks.
``lcom:rate:{host}``
    The host's token bucket (capacity one token, refilled every
    ``interval`` seconds: the policy's ``1 / requests_per_second`` or the
    host's longer Crawl-delay). One Lua script reserves the next free moment
    with the Redis server's clock, so N workers together never send faster than
    the policy allows. It is keyed by host alone: two runs on the same host
    share its rate too.
``lcom:{source}:run``
    The run that ``lcom worker`` joins when it is not given one.

Requests are stored as JSON (URL, priority, plain meta values), never pickled:
whoever can write to Redis must not be able to run code in a worker.
"""

from __future__ import annotations

import json
import logging
import secrets
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import redis
import redis.asyncio

logger = logging.getLogger(__name__)

#: The errors that mean "Redis cannot be reached now": workers pause and retry.
__all__ = ["REDIS_DOWN", "Frontier", "FrontierError", "RedisError", "RunKeys", "TokenBucket"]

#: Any error of the Redis client.
RedisError: type[Exception] = redis.exceptions.RedisError
#: The errors that mean "Redis cannot be reached now": workers pause and retry.
REDIS_DOWN: tuple[type[BaseException], ...] = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    redis.exceptions.BusyLoadingError,
    OSError,
)
DEFAULT_HEARTBEAT_TTL = 10.0
#: Run keys are kept this long after the last worker closed (a late worker finds the run done).
RUN_KEYS_TTL = 7 * 24 * 3600
SOCKET_TIMEOUT = 1.0

# KEYS: seen, queue. ARGV: fingerprint ("" for a request that is never filtered), payload.
_ENQUEUE = """
if ARGV[1] ~= '' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then
  return 0
end
redis.call('LPUSH', KEYS[2], ARGV[2])
return 1
"""
# KEYS: processing list, queue, workers set, heartbeat. ARGV: worker id.
_REAP = """
if redis.call('EXISTS', KEYS[4]) == 1 then
  return -1
end
local moved = 0
while redis.call('LMOVE', KEYS[1], KEYS[2], 'RIGHT', 'RIGHT') do
  moved = moved + 1
end
redis.call('SREM', KEYS[3], ARGV[1])
return moved
"""
# KEYS: the host's rate key. ARGV: interval in microseconds.
# Returns how long (microseconds) the caller waits before its reserved moment.
_TOKEN = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local free = tonumber(redis.call('GET', KEYS[1]) or '0')
local at = math.max(now, free)
local nxt = at + interval
redis.call('SET', KEYS[1], string.format('%.0f', nxt), 'PX', math.floor((nxt - now) / 1000) + 1000)
return string.format('%.0f', at - now)
"""
# KEYS: run pointer. ARGV: run id. Deletes the pointer only if it still names this run.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class FrontierError(RuntimeError):
    """The shared frontier cannot be used (bad URL, Redis unreachable at start)."""


def redacted_url(url: str) -> str:
    """``url`` without its password, for log lines and error messages."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        user = parts.username or ""
        netloc = f"{user}:***@{parts.hostname or ''}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    except ValueError:
        return "redis://<unparseable>"


def connect(url: str, *, password: str | None = None) -> redis.Redis:
    """A client for ``url`` with short timeouts (a hung Redis pauses, never blocks, a worker)."""
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise FrontierError(
            f"LCOM_REDIS_URL must start with redis://, rediss:// or unix://, got "
            f"{redacted_url(url)!r}"
        )
    kwargs: dict[str, Any] = {
        "socket_timeout": SOCKET_TIMEOUT,
        "socket_connect_timeout": SOCKET_TIMEOUT,
    }
    if password:
        kwargs["password"] = password
    return redis.Redis.from_url(url, **kwargs)


def connect_async(url: str, *, password: str | None = None) -> redis.asyncio.Redis:
    kwargs: dict[str, Any] = {
        "socket_timeout": SOCKET_TIMEOUT,
        "socket_connect_timeout": SOCKET_TIMEOUT,
    }
    if password:
        kwargs["password"] = password
    return redis.asyncio.Redis.from_url(url, **kwargs)


def new_worker_id() -> str:
    return f"{socket.gethostname()}-{secrets.token_hex(4)}"


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


@dataclass(frozen=True)
class RunKeys:
    """The Redis keys of one run on one source."""

    source: str
    run_id: str

    @property
    def prefix(self) -> str:
        return f"lcom:{self.source}:{self.run_id}"

    @property
    def queue(self) -> str:
        return f"{self.prefix}:queue"

    @property
    def seen(self) -> str:
        return f"{self.prefix}:seen"

    @property
    def workers(self) -> str:
        return f"{self.prefix}:workers"

    @property
    def pages(self) -> str:
        return f"{self.prefix}:pages"

    @property
    def stop(self) -> str:
        return f"{self.prefix}:stop"

    def processing(self, worker: str) -> str:
        return f"{self.prefix}:processing:{worker}"

    def alive(self, worker: str) -> str:
        return f"{self.prefix}:alive:{worker}"


def run_pointer(source: str) -> str:
    return f"lcom:{source}:run"


def rate_key(host: str) -> str:
    return f"lcom:rate:{host.lower()}"


def current_run(client: redis.Redis, source: str) -> str | None:
    """The run ``lcom worker`` joins on ``source`` when it is given none."""
    return _text(client.get(run_pointer(source)))


def open_run(client: redis.Redis, source: str, fresh_run_id: str) -> str:
    """The source's current run, or ``fresh_run_id`` made current when there is none.

    A run that was stopped (kill switch, page cap, ...) is never joined: a new run
    starts, under a new id.
    """
    pointer = run_pointer(source)
    current = _text(client.get(pointer))
    if current is not None and client.exists(RunKeys(source, current).stop):
        client.delete(pointer)
    client.set(pointer, fresh_run_id, nx=True)
    return _text(client.get(pointer)) or fresh_run_id


class Frontier:
    """One worker's view of the shared state of a run (synchronous calls, short timeouts)."""

    def __init__(
        self,
        client: redis.Redis,
        keys: RunKeys,
        worker: str,
        *,
        heartbeat_ttl: float = DEFAULT_HEARTBEAT_TTL,
    ) -> None:
        self.client = client
        self.keys = keys
        self.worker = worker
        self.heartbeat_ttl = heartbeat_ttl
        self.processing = keys.processing(worker)
        self._enqueue = client.register_script(_ENQUEUE)
        self._reap = client.register_script(_REAP)
        self._release = client.register_script(_RELEASE)

    # -- membership ------------------------------------------------------------
    def register(self) -> None:
        pipe = self.client.pipeline()
        pipe.sadd(self.keys.workers, self.worker)
        pipe.set(self.keys.alive(self.worker), "1", px=int(self.heartbeat_ttl * 1000))
        pipe.execute()

    def heartbeat(self) -> None:
        pipe = self.client.pipeline()
        pipe.set(self.keys.alive(self.worker), "1", px=int(self.heartbeat_ttl * 1000))
        pipe.sadd(self.keys.workers, self.worker)
        pipe.execute()

    def unregister(self) -> None:
        """Leave the run; whatever this worker still holds goes back to the queue."""
        self.client.delete(self.keys.alive(self.worker))
        self._reap(
            keys=[
                self.processing,
                self.keys.queue,
                self.keys.workers,
                self.keys.alive(self.worker),
            ],
            args=[self.worker],
        )

    def reap(self) -> int:
        """Give the requests of workers whose heartbeat expired back to the queue."""
        returned = 0
        for member in self.client.smembers(self.keys.workers):
            worker = _text(member) or ""
            if worker == self.worker:
                continue
            moved = int(
                self._reap(
                    keys=[
                        self.keys.processing(worker),
                        self.keys.queue,
                        self.keys.workers,
                        self.keys.alive(worker),
                    ],
                    args=[worker],
                )
            )
            if moved >= 0:
                logger.warning(
                    "worker %s stopped sending heartbeats: %d request(s) it held are queued again",
                    worker,
                    moved,
                )
                returned += moved
        return returned

    # -- requests --------------------------------------------------------------
    def push(self, fingerprint: str | None, payload: bytes) -> bool:
        """Queue ``payload`` unless its fingerprint was seen in this run; True if queued."""
        return bool(
            self._enqueue(keys=[self.keys.seen, self.keys.queue], args=[fingerprint or "", payload])
        )

    def take(self) -> bytes | None:
        """Move the next request into this worker's processing list and return it."""
        value: Any = self.client.lmove(self.keys.queue, self.processing, "RIGHT", "LEFT")
        if value is None:
            return None
        return value if isinstance(value, bytes) else str(value).encode("utf-8")

    def ack(self, payloads: Iterable[bytes]) -> None:
        """The requests are done: remove them from this worker's processing list."""
        pipe = self.client.pipeline(transaction=False)
        for payload in payloads:
            pipe.lrem(self.processing, 1, payload)  # type: ignore[arg-type]
        pipe.execute()

    def give_back(self, payloads: Iterable[bytes]) -> None:
        """Requests taken but never started: back to the head of the queue."""
        pipe = self.client.pipeline()
        for payload in payloads:
            pipe.lrem(self.processing, 1, payload)  # type: ignore[arg-type]
            pipe.rpush(self.keys.queue, payload)
        pipe.execute()

    def queued(self) -> int:
        return int(self.client.llen(self.keys.queue))

    def outstanding(self) -> int:
        """Requests queued or held by any worker of the run (this one included)."""
        pipe = self.client.pipeline(transaction=False)
        pipe.llen(self.keys.queue)
        for member in self.client.smembers(self.keys.workers):
            pipe.llen(self.keys.processing(_text(member) or ""))
        return sum(int(n) for n in pipe.execute())

    # -- shared guardrail state ------------------------------------------------
    def count_page(self) -> int:
        return int(self.client.incr(self.keys.pages))

    def publish_stop(self, rule: str, reason: str) -> None:
        self.client.set(self.keys.stop, json.dumps({"rule": rule, "reason": reason}), nx=True)

    def stop_requested(self) -> tuple[str, str] | None:
        raw = _text(self.client.get(self.keys.stop))
        if raw is None:
            return None
        try:
            data = json.loads(raw)
            return str(data["rule"]), str(data["reason"])
        except (ValueError, KeyError, TypeError):
            return "kill_switch", "lcom_kill_switch"  # unreadable: stop anyway

    def finish(self) -> None:
        """This worker closed: the run's keys expire in a week unless renewed, and a run
        that is over (nothing outstanding, or stopped) is no longer the source's current run.
        """
        pipe = self.client.pipeline(transaction=False)
        for key in (
            self.keys.queue,
            self.keys.seen,
            self.keys.pages,
            self.keys.stop,
            self.keys.workers,
        ):
            pipe.expire(key, RUN_KEYS_TTL)
        pipe.execute()
        if self.outstanding() == 0 or self.client.exists(self.keys.stop):
            self._release(keys=[run_pointer(self.keys.source)], args=[self.keys.run_id])


class TokenBucket:
    """The per-host rate shared by every worker (asyncio client; one Lua call per request)."""

    def __init__(self, client: redis.asyncio.Redis) -> None:
        self.client = client
        self._script = client.register_script(_TOKEN)

    async def reserve(self, host: str, interval: float) -> float:
        """Reserve the host's next free moment; seconds to wait until then."""
        micros = max(0, round(interval * 1_000_000))
        waited = await self._script(keys=[rate_key(host)], args=[micros])
        return int(_text(waited) or "0") / 1_000_000
