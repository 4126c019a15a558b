"""The ES wire-protocol test server: a small in-memory HTTP server for tests.

It is *not* Elasticsearch. It speaks enough of Elasticsearch's REST API, with the
headers the official 8.x Python client checks (``X-Elastic-Product`` and the
``compatible-with`` media type echoed back), for lcom's indexer, setup, purge and
audit code to run unchanged against it on ``127.0.0.1:<random port>``:

``GET /`` (version configurable), ``_bulk`` (index, create, update, delete; the hit
upsert script is executed by :func:`pipelines.es.script.emulate_hit_upsert`, which
lives next to the Painless source it mirrors), index/component templates, ILM
policies, ingest pipelines, roles, index creation from composable templates with
aliases, ``_alias``/``_aliases``, ``_mapping``, ``_count``, ``_search`` (match_all,
ids, term, terms, prefix, range, exists, bool; ``sort`` by fields; ``scroll``),
``_delete_by_query``, ``_mget``, ``_refresh`` and single-document GET/HEAD/PUT/POST.
Update scripts are emulated by their Python references: the hit upsert and the review
update (:func:`pipelines.es.reviews.emulate_review_update`). An index's
``final_pipeline`` runs on index/create with the processors lcom uses
(``set_security_user``, with :attr:`EsTestServer.security_user` as the user, and
``set``, where ``{{{_ingest.timestamp}}}`` is the current time).

Documents are checked against the index mappings in a simplified way (strict
dynamic mappings, integer/float/boolean/date values) so malformed documents fail as
they would on a cluster. Documents are visible to searches at once (no refresh
interval).

Security (only once a user is added with :meth:`EsTestServer.add_user` or
:meth:`~EsTestServer.add_api_key`; until then every request is anonymous and allowed):
requests must carry Basic or ApiKey credentials (else 401), ``_security/_authenticate``
answers who they are, ``set_security_user`` records that user, and index requests are
checked against the ``indices`` privileges of the user's roles (``read`` for searches
and gets; ``write``/``index``/``create``/``create_doc`` to add a document; the built-in
``superuser`` may do anything, and only it may call cluster-level APIs).

Fault injection (Python API): :meth:`EsTestServer.fail_next_bulk_items`,
:meth:`~EsTestServer.fail_bulk_with_status`, :meth:`~EsTestServer.reset_connections`,
:meth:`~EsTestServer.slow`, :meth:`~EsTestServer.down_for` (the port refuses
connections) / :meth:`~EsTestServer.up`, :meth:`~EsTestServer.reject_documents`.
"""

from __future__ import annotations

import base64
import copy
import fnmatch
import json
import socket
import struct
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from pipelines.es.reviews import REVIEW_UPDATE_SCRIPT, emulate_review_update
from pipelines.es.script import HIT_UPSERT_SCRIPT, emulate_hit_upsert
from pipelines.es.touch import TOUCH_SCRIPT, emulate_touch

Json = dict[str, Any]

#: Painless sources the server executes, with their Python references.
_SCRIPTS: dict[str, Callable[[Json | None, Json], tuple[Json | None, str]]] = {
    HIT_UPSERT_SCRIPT: emulate_hit_upsert,
    REVIEW_UPDATE_SCRIPT: emulate_review_update,
    TOUCH_SCRIPT: emulate_touch,
}


class _EsError(Exception):
    def __init__(self, status: int, error_type: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.error_type = error_type
        self.reason = reason

    def body(self) -> Json:
        cause = {"type": self.error_type, "reason": self.reason}
        return {"error": {"root_cause": [cause], **cause}, "status": self.status}


class _Index:
    def __init__(self, name: str, settings: Json, mappings: Json) -> None:
        self.name = name
        self.settings = settings
        self.mappings = mappings
        self.aliases: dict[str, Json] = {}
        self.docs: dict[str, Json] = {}  # id -> {"_source", "_seq_no", "_version"}
        self.seq_no = -1

    def next_seq(self) -> int:
        self.seq_no += 1
        return self.seq_no


def _deep_merge(base: Json, extra: Json) -> Json:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse_date(value: Any) -> datetime | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, UTC)
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _values(source: Json, field: str) -> list[Any]:
    """Values at a dotted path, flattening lists like Elasticsearch does."""
    current: list[Any] = [source]
    for part in field.split("."):
        nxt: list[Any] = []
        for item in current:
            if isinstance(item, list):
                for sub in item:
                    if isinstance(sub, dict) and part in sub:
                        nxt.append(sub[part])
            elif isinstance(item, dict) and part in item:
                nxt.append(item[part])
        current = nxt
    flat: list[Any] = []
    for item in current:
        if isinstance(item, list):
            flat.extend(item)
        elif item is not None:
            flat.append(item)
    return flat


def _compare_key(value: Any) -> Any:
    parsed = _parse_date(value) if isinstance(value, str) else None
    return parsed if parsed is not None else value


def _sorted(found: list[tuple], sort: Any) -> list[tuple]:
    """``found`` ordered by a ``sort`` spec (fields asc/desc; missing values last)."""
    specs = sort if isinstance(sort, list) else [sort] if sort else []
    for spec in reversed(specs):
        if isinstance(spec, str):
            field, order = spec, "asc"
        else:
            ((field, order),) = spec.items()
            if isinstance(order, dict):
                order = order.get("order", "asc")
        if field in ("_doc", "_shard_doc"):
            continue
        desc = order == "desc"
        present = [f for f in found if _values(f[2]["_source"], field)]
        missing = [f for f in found if not _values(f[2]["_source"], field)]

        def key(f: tuple, field: str = field, desc: bool = desc) -> Any:
            values = [_compare_key(v) for v in _values(f[2]["_source"], field)]
            return max(values) if desc else min(values)

        found = sorted(present, key=key, reverse=desc) + missing
    return found


def _matches(query: Json | None, doc_id: str, source: Json) -> bool:
    if not query:
        return True
    ((kind, spec),) = query.items()
    if kind == "match_all":
        return True
    if kind == "ids":
        return doc_id in spec.get("values", [])
    if kind == "term":
        ((field, value),) = spec.items()
        if isinstance(value, dict):
            value = value.get("value")
        return doc_id == value if field == "_id" else value in _values(source, field)
    if kind == "terms":
        ((field, wanted),) = spec.items()
        if field == "_id":
            return doc_id in wanted
        return any(v in wanted for v in _values(source, field))
    if kind == "prefix":
        ((field, value),) = spec.items()
        if isinstance(value, dict):
            value = value.get("value")
        candidates = [doc_id] if field == "_id" else _values(source, field)
        return any(isinstance(v, str) and v.startswith(value) for v in candidates)
    if kind == "exists":
        return bool(_values(source, spec["field"]))
    if kind == "range":
        ((field, bounds),) = spec.items()
        for value in _values(source, field):
            key = _compare_key(value)
            try:
                if all(
                    op not in bounds or check(key, _compare_key(bounds[op]))
                    for op, check in (
                        ("gt", lambda a, b: a > b),
                        ("gte", lambda a, b: a >= b),
                        ("lt", lambda a, b: a < b),
                        ("lte", lambda a, b: a <= b),
                    )
                ):
                    return True
            except TypeError:
                continue
        return False
    if kind == "bool":

        def as_list(value: Any) -> list[Json]:
            if value is None:
                return []
            return value if isinstance(value, list) else [value]

        required = as_list(spec.get("must")) + as_list(spec.get("filter"))
        if not all(_matches(q, doc_id, source) for q in required):
            return False
        if any(_matches(q, doc_id, source) for q in as_list(spec.get("must_not"))):
            return False
        should = as_list(spec.get("should"))
        if should:
            minimum = spec.get("minimum_should_match", 0 if required else 1)
            if sum(_matches(q, doc_id, source) for q in should) < int(minimum):
                return False
        return True
    raise _EsError(400, "parsing_exception", f"unknown query [{kind}] (not emulated)")


def _check_value(path: str, value: Any, mapping: Json, dynamic: Any = True) -> None:
    # ``dynamic`` is inherited from the enclosing object, as in Elasticsearch.
    kind = mapping.get("type", "object" if "properties" in mapping else None)
    if value is None:
        return
    if isinstance(value, list) and kind not in (None,):
        for item in value:
            _check_value(path, item, mapping, dynamic)
        return
    bad = False
    if kind in ("integer", "long", "short", "byte"):
        bad = isinstance(value, bool) or not (
            isinstance(value, int) or (isinstance(value, str) and value.lstrip("-").isdigit())
        )
    elif kind in ("float", "double", "half_float", "scaled_float"):
        bad = isinstance(value, bool) or not isinstance(value, int | float)
        if isinstance(value, str):
            try:
                float(value)
                bad = False
            except ValueError:
                bad = True
    elif kind == "boolean":
        bad = not isinstance(value, bool) and value not in ("true", "false")
    elif kind == "date":
        bad = _parse_date(value) is None and not mapping.get("ignore_malformed")
    elif kind in ("object", "nested"):
        if mapping.get("enabled") is False:
            return  # stored in _source, never parsed or mapped
        if not isinstance(value, dict):
            raise _EsError(
                400,
                "document_parsing_exception",
                f"object mapping for [{path}] tried to parse field as object, "
                "but found a concrete value",
            )
        _check_object(path, value, mapping, dynamic)
        return
    if bad:
        raise _EsError(
            400,
            "document_parsing_exception",
            f"failed to parse field [{path}] of type [{kind}]",
        )


def _check_object(prefix: str, source: Json, mapping: Json, dynamic: Any = True) -> None:
    dynamic = mapping.get("dynamic", dynamic)
    props = mapping.get("properties", {})
    for key, value in source.items():
        path = f"{prefix}.{key}" if prefix else key
        if key in props:
            _check_value(path, value, props[key], dynamic)
        elif str(dynamic).lower() == "strict":
            raise _EsError(
                400,
                "strict_dynamic_mapping_exception",
                f"mapping set to strict, dynamic introduction of [{key}] within "
                f"[{prefix or '_doc'}] is not allowed",
            )


class EsTestServer:
    """In-memory ES wire-protocol test server on ``127.0.0.1`` (random port)."""

    def __init__(self, version: str = "8.15.0", *, product_header: bool = True) -> None:
        self.version = version
        self.product_header = product_header
        self.port = 0
        self._lock = threading.RLock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._restart_timer: threading.Timer | None = None
        self._connections: set[socket.socket] = set()
        self.reset()

    # ------------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> EsTestServer:
        handler = type("Handler", (_Handler,), {"es": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._restart_timer is not None:
            self._restart_timer.cancel()
            self._restart_timer = None
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        for conn in list(self._connections):
            _abort(conn)
        self._connections.clear()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> EsTestServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget all data, definitions, faults and the request log."""
        with self._lock:
            self.indices: dict[str, _Index] = {}
            self.index_templates: dict[str, Json] = {}
            self.component_templates: dict[str, Json] = {}
            self.ilm_policies: dict[str, Json] = {}
            self.pipelines: dict[str, Json] = {}
            self.roles: dict[str, Json] = {}
            self.scrolls: dict[str, tuple[int, list[Json]]] = {}  # id -> (size, rest)
            self.max_result_window = 10_000  # index.max_result_window of a real cluster
            self.security_user = "test-investigator"
            # When set, requests authenticate with this API key ({"id", "name", "metadata"}).
            self.security_api_key: Json | None = None
            # Users and API keys; when there is any, requests must authenticate.
            self.users: dict[str, Json] = {}
            self.api_keys: dict[str, Json] = {}
            self._principal: Json | None = None
            self.requests: list[tuple[str, str]] = []
            self.bulk_requests = 0
            self._item_failures: list[int] = []
            self._bulk_failures: list[int] = []
            self._resets = 0
            self._delay = 0.0
            self._reject: Callable[[Json], bool] | None = None

    # ------------------------------------------------------------- fault injection

    def fail_next_bulk_items(self, n: int, status: int = 429) -> None:
        """The next ``n`` bulk items (across requests) fail with ``status``."""
        with self._lock:
            self._item_failures.extend([status] * n)

    def fail_bulk_with_status(self, status: int = 503, times: int = 1) -> None:
        """The next ``times`` bulk requests fail as a whole with ``status``."""
        with self._lock:
            self._bulk_failures.extend([status] * times)

    def reset_connections(self, times: int = 1) -> None:
        """The next ``times`` requests get their connection reset instead of an answer."""
        with self._lock:
            self._resets += times

    def slow(self, seconds: float) -> None:
        """Wait ``seconds`` before answering every request (0 to stop)."""
        self._delay = seconds

    def reject_documents(self, pred: Callable[[Json], bool] | None) -> None:
        """Documents for which ``pred(doc)`` is true fail with ``mapper_parsing_exception``."""
        self._reject = pred

    def down_for(self, seconds: float | None = None) -> None:
        """Close the port (connections are refused) for ``seconds``, or until :meth:`up`."""
        port = self.port
        self.stop()
        self.port = port
        if seconds is not None:
            self._restart_timer = threading.Timer(seconds, self.up)
            self._restart_timer.daemon = True
            self._restart_timer.start()

    def up(self) -> None:
        """Listen again on the same port."""
        if self._restart_timer is not None:
            self._restart_timer.cancel()
            self._restart_timer = None
        if self._httpd is None:
            deadline = time.monotonic() + 5
            while True:
                try:
                    self.start()
                    return
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)

    # ------------------------------------------------------------- security

    def add_user(self, username: str, password: str, roles: list[str]) -> None:
        """Require authentication from now on; ``username`` signs in with ``password``."""
        with self._lock:
            self.users[username] = {"password": password, "roles": list(roles)}

    def add_api_key(self, username: str, roles: list[str], name: str = "key") -> str:
        """An API key of ``username`` with ``roles``; returns the base64 ``id:key``."""
        key_id, secret = uuid.uuid4().hex[:20], uuid.uuid4().hex
        encoded = base64.b64encode(f"{key_id}:{secret}".encode()).decode()
        with self._lock:
            self.api_keys[encoded] = {
                "id": key_id,
                "name": name,
                "username": username,
                "roles": list(roles),
            }
        return encoded

    def _authenticate(self, authorization: str | None) -> Json:
        scheme, _, value = (authorization or "").partition(" ")
        if scheme == "Basic":
            try:
                username, _, password = base64.b64decode(value).decode().partition(":")
            except ValueError:
                username, password = "", ""
            user = self.users.get(username)
            if user is not None and user["password"] == password:
                return {"username": username, "roles": user["roles"], "api_key": None}
        elif scheme == "ApiKey" and value in self.api_keys:
            key = self.api_keys[value]
            return {
                "username": key["username"],
                "roles": key["roles"],
                "api_key": {"id": key["id"], "name": key["name"]},
            }
        raise _EsError(
            401,
            "security_exception",
            "unable to authenticate user for REST request",
        )

    def _authorize(self, principal: Json, method: str, parts: list[str], raw: bytes = b"") -> None:
        roles = principal["roles"]
        if "superuser" in roles or parts[:2] == ["_security", "_authenticate"]:
            return
        if parts and parts[-1] == "_bulk":
            # Every action needs the privilege on its own index (the whole request is
            # refused when one is missing; a cluster refuses item by item).
            default = parts[0] if len(parts) == 2 else None
            for line in raw.splitlines()[::2]:
                if not line.strip():
                    continue
                ((op, meta),) = json.loads(line).items()
                kind = "_create" if op in ("index", "create") else "_update"
                self._authorize(principal, "POST", [meta.get("_index") or default, kind])
            return
        target = parts[0] if parts and not parts[0].startswith("_") else None
        if target is None:
            if parts[:2] == ["_search", "scroll"]:
                return
            raise _EsError(
                403,
                "security_exception",
                f"action [cluster:{'/'.join(parts)}] is unauthorized for user "
                f"[{principal['username']}] with effective roles [{','.join(roles)}]",
            )
        reading = method in ("GET", "HEAD") or (
            len(parts) >= 2 and parts[1] in ("_search", "_count", "_mget", "_refresh")
        )
        creating = method in ("POST", "PUT") and len(parts) >= 2 and parts[1] in ("_doc", "_create")
        wanted = (
            {"read", "all"}
            if reading
            else {"write", "index", "create", "create_doc", "all"}
            if creating
            else {"write", "all"}
        )
        for role_name in roles:
            for entry in (self.roles.get(role_name) or {}).get("indices", []):
                names = entry.get("names", [])
                names = [names] if isinstance(names, str) else names
                if any(fnmatch.fnmatchcase(target, n) for n in names) and wanted & set(
                    entry.get("privileges", [])
                ):
                    return
        action = "indices:data/read/search" if reading else "indices:data/write/index"
        raise _EsError(
            403,
            "security_exception",
            f"action [{action}] is unauthorized for user [{principal['username']}] with "
            f"effective roles [{','.join(roles)}] on indices [{target}], this action is "
            f"granted by the index privileges [{','.join(sorted(wanted - {'all'}))}]",
        )

    def _whoami(self) -> Json:
        principal = self._principal or {"username": self.security_user, "roles": []}
        api_key = principal.get("api_key")
        return {
            "username": principal["username"],
            "roles": list(principal.get("roles", [])),
            "full_name": None,
            "email": None,
            "metadata": {},
            "enabled": True,
            "authentication_realm": {"name": "test_realm", "type": "native"},
            "lookup_realm": {"name": "test_realm", "type": "native"},
            "authentication_type": "api_key" if api_key else "realm",
            **({"api_key": api_key} if api_key else {}),
        }

    # ------------------------------------------------------------- test helpers

    def documents(self, index_or_alias: str = "lcom-hits") -> dict[str, Json]:
        """``{_id: _source}`` over the resolved indices (a copy)."""
        with self._lock:
            result: dict[str, Json] = {}
            for index in self._resolve(index_or_alias, allow_missing=True):
                for doc_id, doc in index.docs.items():
                    result[doc_id] = copy.deepcopy(doc["_source"])
            return result

    def copies(self, doc_id: str, alias: str = "lcom-hits") -> list[str]:
        """Names of the indices that hold ``doc_id``."""
        with self._lock:
            return [i.name for i in self._resolve(alias, allow_missing=True) if doc_id in i.docs]

    def rollover(self, alias: str) -> str:
        """Create the next generation of ``alias`` and make it the write index."""
        with self._lock:
            current = self._write_index(alias, require_alias=True)
            stem, _, number = current.name.rpartition("-")
            new_name = f"{stem}-{int(number) + 1:06d}"
            self._create_index(new_name, {"aliases": {alias: {"is_write_index": True}}})
            current.aliases[alias] = {"is_write_index": False}
            return new_name

    # ------------------------------------------------------------- index plumbing

    def _resolve(self, expr: str, *, allow_missing: bool = False) -> list[_Index]:
        found: dict[str, _Index] = {}
        for part in expr.split(","):
            part = part.strip()
            if part in ("_all", "*", ""):
                found.update(self.indices)
                continue
            if any(c in part for c in "*?"):
                for name, index in self.indices.items():
                    if fnmatch.fnmatchcase(name, part) or any(
                        fnmatch.fnmatchcase(a, part) for a in index.aliases
                    ):
                        found[name] = index
                continue
            if part in self.indices:
                found[part] = self.indices[part]
                continue
            holders = {n: i for n, i in self.indices.items() if part in i.aliases}
            if holders:
                found.update(holders)
            elif not allow_missing:
                raise _EsError(404, "index_not_found_exception", f"no such index [{part}]")
        return list(found.values())

    def _write_index(self, name: str, *, require_alias: bool) -> _Index:
        if name in self.indices and not require_alias:
            return self.indices[name]
        holders = [i for i in self.indices.values() if name in i.aliases]
        if not holders:
            if require_alias:
                raise _EsError(
                    404,
                    "index_not_found_exception",
                    f"no such index [{name}] and [require_alias] request flag is [true] "
                    f"and [{name}] is not an alias",
                )
            return self._create_index(name, {})
        if len(holders) == 1 and holders[0].aliases[name].get("is_write_index") is not False:
            return holders[0]
        writers = [i for i in holders if i.aliases[name].get("is_write_index")]
        if len(writers) != 1:
            raise _EsError(
                400, "illegal_argument_exception", f"no write index is defined for alias [{name}]"
            )
        return writers[0]

    def _create_index(self, name: str, body: Json) -> _Index:
        if name in self.indices:
            raise _EsError(400, "resource_already_exists_exception", f"index [{name}] exists")
        if any(name in i.aliases for i in self.indices.values()):
            raise _EsError(400, "invalid_index_name_exception", f"[{name}] is an alias")
        composed: Json = {"settings": {}, "mappings": {}, "aliases": {}}
        matching = [
            (t.get("priority", 0), tname, t)
            for tname, t in self.index_templates.items()
            if any(fnmatch.fnmatchcase(name, p) for p in t.get("index_patterns", []))
        ]
        if matching:
            _, _, template = max(matching, key=lambda m: (m[0], m[1]))
            for component in template.get("composed_of", []):
                if component not in self.component_templates:
                    raise _EsError(
                        400,
                        "invalid_index_template_exception",
                        f"component template [{component}] missing",
                    )
                composed = _deep_merge(
                    composed, self.component_templates[component].get("template", {})
                )
            composed = _deep_merge(composed, template.get("template", {}))
        composed = _deep_merge(composed, {k: body.get(k) or {} for k in composed})
        index = _Index(name, composed["settings"], composed["mappings"])
        index.aliases = copy.deepcopy(composed["aliases"])
        self.indices[name] = index
        return index

    def _check_document(self, index: _Index, source: Json) -> None:
        reject = self._reject
        if reject is not None and reject(source):
            raise _EsError(
                400, "mapper_parsing_exception", "failed to parse (rejected by the test server)"
            )
        _check_object("", source, index.mappings)

    # ------------------------------------------------------------- write operations

    def _store(self, index: _Index, doc_id: str, source: Json, result: str, status: int) -> Json:
        old = index.docs.get(doc_id)
        version = (old["_version"] + 1) if old else 1
        seq_no = index.next_seq()
        index.docs[doc_id] = {"_source": source, "_seq_no": seq_no, "_version": version}
        return {
            "_index": index.name,
            "_id": doc_id,
            "_version": version,
            "result": result,
            "_shards": {"total": 1, "successful": 1, "failed": 0},
            "_seq_no": seq_no,
            "_primary_term": 1,
            "status": status,
        }

    def _check_seq(self, index: _Index, doc_id: str, meta: Json) -> None:
        if_seq = meta.get("if_seq_no")
        if if_seq is None:
            return
        current = index.docs.get(doc_id)
        if (
            current is None
            or current["_seq_no"] != int(if_seq)
            or int(meta.get("if_primary_term", 1)) != 1
        ):
            raise _EsError(
                409,
                "version_conflict_engine_exception",
                f"[{doc_id}]: version conflict, required seqNo [{if_seq}]",
            )

    def _op_index(self, target: str, doc_id: str | None, source: Json, meta: Json, op: str) -> Json:
        index = self._write_index(target, require_alias=bool(meta.get("require_alias")))
        doc_id = doc_id or uuid.uuid4().hex[:20]
        if op == "create" and doc_id in index.docs:
            raise _EsError(
                409,
                "version_conflict_engine_exception",
                f"[{doc_id}]: version conflict, document already exists",
            )
        self._check_seq(index, doc_id, meta)
        source = self._run_final_pipeline(index, source)
        self._check_document(index, source)
        exists = doc_id in index.docs
        return self._store(
            index,
            doc_id,
            copy.deepcopy(source),
            "updated" if exists else "created",
            200 if exists else 201,
        )

    def _run_final_pipeline(self, index: _Index, source: Json) -> Json:
        name = (index.settings.get("index") or {}).get("final_pipeline")
        if not name:
            return source
        if name not in self.pipelines:
            raise _EsError(400, "illegal_argument_exception", f"pipeline [{name}] missing")
        source = copy.deepcopy(source)
        for processor in self.pipelines[name].get("processors", []):
            ((kind, spec),) = processor.items()
            if kind == "set_security_user":
                principal = self._principal or {}
                user: Json = {
                    "username": principal.get("username") or self.security_user,
                    "realm": {"name": "test_realm", "type": "native"},
                    "authentication_type": "REALM",
                }
                api_key = principal.get("api_key") or self.security_api_key
                if api_key is not None:
                    # What a real cluster adds for API-key requests (metadata only when
                    # the key has any).
                    user["api_key"] = {k: v for k, v in api_key.items() if v not in (None, {})}
                    user["realm"] = {"name": "_es_api_key", "type": "_es_api_key"}
                    user["authentication_type"] = "API_KEY"
                wanted = spec.get("properties", list(user))
                source[spec.get("field", "user")] = {k: v for k, v in user.items() if k in wanted}
            elif kind == "set":
                value = spec.get("value")
                if isinstance(value, str) and "_ingest.timestamp" in value:
                    value = datetime.now(UTC).isoformat(timespec="microseconds")
                    value = value.replace("+00:00", "Z")
                if spec.get("override", True) or source.get(spec["field"]) is None:
                    source[spec["field"]] = value
            else:
                raise _EsError(
                    400, "unsupported_by_test_server", f"ingest processor [{kind}] not emulated"
                )
        return source

    def _op_update(self, target: str, doc_id: str, body: Json, meta: Json) -> Json:
        index = self._write_index(target, require_alias=bool(meta.get("require_alias")))
        stored = index.docs.get(doc_id)
        current = copy.deepcopy(stored["_source"]) if stored else None
        script = body.get("script")
        if script is not None:
            source_text = script.get("source") if isinstance(script, dict) else script
            emulate = _SCRIPTS.get(str(source_text))
            if emulate is None:
                raise _EsError(
                    400,
                    "illegal_argument_exception",
                    "script not emulated by the ES wire-protocol test server",
                )
            if current is None and not body.get("scripted_upsert"):
                if "upsert" not in body:
                    raise _EsError(404, "document_missing_exception", f"[{doc_id}]: missing")
                new_source: Json | None = copy.deepcopy(body["upsert"])
                result = "created"
            else:
                new_source, result = emulate(current, script.get("params", {}))
        elif "doc" in body:
            if current is None:
                if not body.get("doc_as_upsert") and "upsert" not in body:
                    raise _EsError(404, "document_missing_exception", f"[{doc_id}]: missing")
                new_source = copy.deepcopy(
                    body["doc"] if body.get("doc_as_upsert") else body["upsert"]
                )
                result = "created"
            else:
                new_source = _deep_merge(current, body["doc"])
                result = "noop" if new_source == current else "updated"
        else:
            raise _EsError(400, "action_request_validation_exception", "script or doc is missing")
        if result == "noop" or new_source is None:
            return {
                "_index": index.name,
                "_id": doc_id,
                "_version": stored["_version"] if stored else 0,
                "result": "noop",
                "_shards": {"total": 0, "successful": 0, "failed": 0},
                "_seq_no": stored["_seq_no"] if stored else -1,
                "_primary_term": 1,
                "status": 200,
            }
        self._check_document(index, new_source)
        return self._store(index, doc_id, new_source, result, 201 if result == "created" else 200)

    def _op_delete(self, target: str, doc_id: str, meta: Json) -> Json:
        index = (
            self.indices[target]
            if target in self.indices
            else self._write_index(target, require_alias=True)
        )
        self._check_seq(index, doc_id, meta)
        if doc_id not in index.docs:
            return {"_index": index.name, "_id": doc_id, "result": "not_found", "status": 404}
        old = index.docs.pop(doc_id)
        return {
            "_index": index.name,
            "_id": doc_id,
            "_version": old["_version"] + 1,
            "result": "deleted",
            "_seq_no": index.next_seq(),
            "_primary_term": 1,
            "status": 200,
        }

    def _bulk(self, default_index: str | None, body: bytes, params: dict[str, str]) -> Json:
        self.bulk_requests += 1
        if self._bulk_failures:
            status = self._bulk_failures.pop(0)
            raise _EsError(status, "test_server_fault", f"injected bulk failure {status}")
        lines = [json.loads(line) for line in body.splitlines() if line.strip()]
        items: list[Json] = []
        position = 0
        while position < len(lines):
            action = lines[position]
            position += 1
            ((op, meta),) = action.items()
            source: Json = {}
            if op != "delete":
                source = lines[position]
                position += 1
            meta = dict(meta)
            if params.get("require_alias") == "true" and "require_alias" not in meta:
                meta["require_alias"] = True
            target = meta.get("_index") or default_index
            doc_id = meta.get("_id")
            try:
                if self._item_failures:
                    status = self._item_failures.pop(0)
                    kind = "es_rejected_execution_exception" if status == 429 else "test_fault"
                    raise _EsError(status, kind, f"injected item failure {status}")
                if not target:
                    raise _EsError(400, "action_request_validation_exception", "index is missing")
                if op in ("index", "create"):
                    result = self._op_index(target, doc_id, source, meta, op)
                elif op == "update":
                    result = self._op_update(target, str(doc_id), source, meta)
                elif op == "delete":
                    result = self._op_delete(target, str(doc_id), meta)
                else:
                    raise _EsError(400, "illegal_argument_exception", f"unknown op {op}")
            except _EsError as exc:
                result = {
                    "_index": target,
                    "_id": doc_id,
                    "status": exc.status,
                    "error": {"type": exc.error_type, "reason": exc.reason},
                }
            items.append({op: result})
        errors = any("error" in next(iter(i.values())) for i in items)
        return {"took": 1, "errors": errors, "items": items}

    # ------------------------------------------------------------- read operations

    def _hit(self, index: _Index, doc_id: str, doc: Json, source_spec: Any, seq: bool) -> Json:
        hit: Json = {"_index": index.name, "_id": doc_id, "_score": 1.0}
        if source_spec is not False:
            src = doc["_source"]
            if isinstance(source_spec, list | str):
                fields = [source_spec] if isinstance(source_spec, str) else source_spec
                src = {k: v for k, v in src.items() if k in fields}
            hit["_source"] = copy.deepcopy(src)
        if seq:
            hit["_seq_no"] = doc["_seq_no"]
            hit["_primary_term"] = 1
        return hit

    def _matching(self, expr: str, query: Json | None, params: dict[str, str]) -> list[tuple]:
        allow_missing = params.get("ignore_unavailable") == "true"
        out = []
        for index in self._resolve(expr, allow_missing=allow_missing):
            for doc_id, doc in index.docs.items():
                if _matches(query, doc_id, doc["_source"]):
                    out.append((index, doc_id, doc))
        return out

    def _search(self, expr: str, body: Json, params: dict[str, str]) -> Json:
        found = _sorted(self._matching(expr, body.get("query"), params), body.get("sort"))
        size = int(body.get("size", params.get("size", 10)))
        start = int(body.get("from", params.get("from", 0)))
        window = self.max_result_window
        if start + size > window:
            # What a real cluster answers (index.max_result_window, default 10,000).
            raise _EsError(
                400,
                "illegal_argument_exception",
                f"Result window is too large, from + size must be less than or equal to: "
                f"[{window}] but was [{start + size}]. See the scroll api for a more "
                "efficient way to request large data sets.",
            )
        source_spec: Any = body.get("_source", True)
        if params.get("_source") == "false":
            source_spec = False
        if "_source_includes" in params:
            source_spec = params["_source_includes"].split(",")
        seq = bool(body.get("seq_no_primary_term")) or params.get("seq_no_primary_term") == "true"
        hits = [self._hit(i, d, doc, source_spec, seq) for i, d, doc in found[start:]]
        page, rest = hits[:size], hits[size:]
        extra: Json = {}
        if "scroll" in params or "scroll" in body:
            scroll_id = uuid.uuid4().hex
            self.scrolls[scroll_id] = (size, rest)
            extra["_scroll_id"] = scroll_id
        return {
            **extra,
            "took": 1,
            "timed_out": False,
            "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
            "hits": {
                "total": {"value": len(found), "relation": "eq"},
                "max_score": 1.0 if page else None,
                "hits": page,
            },
        }

    def _scroll(self, method: str, payload: Json, params: dict[str, str]) -> Json:
        ids = payload.get("scroll_id") or params.get("scroll_id")
        if method == "DELETE":
            wanted = ids if isinstance(ids, list) else [ids]
            freed = sum(self.scrolls.pop(str(i), None) is not None for i in wanted)
            return {"succeeded": True, "num_freed": freed}
        ids = str(ids)
        if ids not in self.scrolls:
            raise _EsError(404, "search_context_missing_exception", f"No search context [{ids}]")
        size, rest = self.scrolls[ids]
        page = rest[:size]
        self.scrolls[ids] = (size, rest[size:])
        return {
            "_scroll_id": ids,
            "took": 1,
            "timed_out": False,
            "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
            "hits": {"total": {"value": len(rest), "relation": "eq"}, "hits": page},
        }

    def _mget(self, default_index: str | None, body: Json) -> Json:
        docs = []
        specs = body.get("docs") or [{"_id": doc_id} for doc_id in body.get("ids", [])]
        for spec in specs:
            name = spec.get("_index") or default_index
            doc_id = spec["_id"]
            found = None
            for index in self._resolve(name, allow_missing=True):
                if doc_id in index.docs:
                    found = (index, index.docs[doc_id])
                    break
            if found is None:
                docs.append({"_index": name, "_id": doc_id, "found": False})
            else:
                index, doc = found
                docs.append(
                    {
                        "_index": index.name,
                        "_id": doc_id,
                        "_version": doc["_version"],
                        "_seq_no": doc["_seq_no"],
                        "_primary_term": 1,
                        "found": True,
                        "_source": copy.deepcopy(doc["_source"]),
                    }
                )
        return {"docs": docs}

    # ------------------------------------------------------------- routing

    def handle(
        self, method: str, path: str, query: str, body: bytes, authorization: str | None = None
    ) -> tuple[int, Json | None]:
        params = {k: v[-1] for k, v in parse_qs(query).items()}
        parts = [unquote(p) for p in path.split("/") if p]
        payload: Json = {}
        if body and not (len(parts) >= 1 and parts[-1] == "_bulk"):
            payload = json.loads(body)
        with self._lock:
            self.requests.append((method, path))
            try:
                self._principal = None
                if self.users or self.api_keys:
                    self._principal = self._authenticate(authorization)
                    self._authorize(self._principal, method, parts, body)
                return 200, self._route(method, parts, params, payload, body)
            except _EsError as exc:
                return exc.status, exc.body()
            finally:
                self._principal = None

    def _info(self) -> Json:
        return {
            "name": "es-wire-protocol-test-server",
            "cluster_name": "lcom-test",
            "cluster_uuid": "lcom-test-cluster",
            "version": {
                "number": self.version,
                "build_flavor": "default",
                "build_type": "tar",
                "build_hash": "0" * 40,
                "build_date": "2026-01-01T00:00:00.000Z",
                "build_snapshot": False,
                "lucene_version": "9.0.0",
                "minimum_wire_compatibility_version": "7.17.0",
                "minimum_index_compatibility_version": "7.0.0",
            },
            "tagline": "You Know, for Search",
        }

    def _route(
        self, method: str, parts: list[str], params: dict[str, str], payload: Json, raw: bytes
    ) -> Json | None:
        n = len(parts)
        if n == 0:
            return self._info()
        head = parts[0]
        if parts[-1] == "_bulk" and method in ("POST", "PUT"):
            return self._bulk(parts[0] if n == 2 else None, raw, params)
        if head == "_index_template" and n == 2:
            return self._definitions(
                method, self.index_templates, parts[1], payload, "index_templates", "index_template"
            )
        if head == "_component_template" and n == 2:
            return self._definitions(
                method,
                self.component_templates,
                parts[1],
                payload,
                "component_templates",
                "component_template",
            )
        if parts[:2] == ["_ilm", "policy"] and n == 3:
            return self._ilm(method, parts[2], payload)
        if parts[:2] == ["_ingest", "pipeline"] and n == 3:
            return self._keyed(method, self.pipelines, parts[2], payload, "pipeline")
        if parts == ["_security", "_authenticate"]:
            return self._whoami()
        if parts[:2] == ["_security", "role"] and n == 3:
            return self._role(method, parts[2], payload)
        if head == "_alias" and n == 2:
            return self._get_alias("_all", parts[1])
        if n == 3 and parts[1] == "_alias":
            return self._get_alias(parts[0], parts[2])
        if head == "_aliases" and method == "POST":
            return self._aliases(payload)
        if head == "_mget" or (n == 2 and parts[1] == "_mget"):
            return self._mget(None if head == "_mget" else head, payload)
        if parts[-1] == "_refresh":
            return {"_shards": {"total": 1, "successful": 1, "failed": 0}}
        if head == "_search" and n == 2 and parts[1] == "scroll":
            return self._scroll(method, payload, params)
        if head == "_search":
            return self._search("_all", payload, params)
        if n == 2 and parts[1] == "_search":
            return self._search(head, payload, params)
        if n == 2 and parts[1] == "_count":
            return {"count": len(self._matching(head, payload.get("query"), params))}
        if n == 2 and parts[1] == "_delete_by_query":
            found = self._matching(head, payload.get("query"), params)
            for index, doc_id, _doc in found:
                index.docs.pop(doc_id, None)
            return {
                "took": 1,
                "timed_out": False,
                "total": len(found),
                "deleted": len(found),
                "batches": 1,
                "version_conflicts": 0,
                "noops": 0,
                "failures": [],
            }
        if n == 2 and parts[1] == "_mapping":
            return self._mapping(method, head, payload)
        if n == 3 and parts[1] == "_update" and method == "POST":
            meta = {"require_alias": params.get("require_alias") == "true"}
            result = self._op_update(parts[0], parts[2], payload, meta)
            result.pop("status", None)
            return result
        if n >= 2 and parts[1] in ("_doc", "_create"):
            return self._doc(method, parts, params, payload)
        if n == 1 and not head.startswith("_"):
            return self._index_api(method, head, params, payload)
        raise _EsError(400, "unsupported_by_test_server", f"{method} /{'/'.join(parts)}")

    def _definitions(
        self, method: str, store: dict[str, Json], name: str, payload: Json, plural: str, key: str
    ) -> Json:
        if method == "PUT" or method == "POST":
            store[name] = copy.deepcopy(payload)
            return {"acknowledged": True}
        if method == "DELETE":
            if store.pop(name, None) is None:
                raise _EsError(404, "resource_not_found_exception", f"[{name}] not found")
            return {"acknowledged": True}
        matches = [k for k in store if fnmatch.fnmatchcase(k, name)]
        if not matches:
            raise _EsError(404, "resource_not_found_exception", f"{key} [{name}] not found")
        return {plural: [{"name": k, key: copy.deepcopy(store[k])} for k in matches]}

    def _ilm(self, method: str, name: str, payload: Json) -> Json:
        if method == "PUT":
            old = self.ilm_policies.get(name)
            policy = copy.deepcopy(payload["policy"])
            # Like Elasticsearch, fill in defaults the request did not send.
            delete = policy.get("phases", {}).get("delete", {}).get("actions", {}).get("delete")
            if isinstance(delete, dict):
                delete.setdefault("delete_searchable_snapshot", True)
            self.ilm_policies[name] = {
                "version": (old["version"] + 1) if old else 1,
                "modified_date": _now_iso(),
                "policy": policy,
            }
            return {"acknowledged": True}
        if name not in self.ilm_policies:
            raise _EsError(
                404, "resource_not_found_exception", f"Lifecycle policy not found: {name}"
            )
        return {name: copy.deepcopy(self.ilm_policies[name])}

    def _keyed(
        self, method: str, store: dict[str, Json], name: str, payload: Json, what: str
    ) -> Json:
        if method == "PUT":
            store[name] = copy.deepcopy(payload)
            return {"acknowledged": True}
        if name not in store:
            raise _EsError(404, "resource_not_found_exception", f"{what} [{name}] not found")
        return {name: copy.deepcopy(store[name])}

    def _role(self, method: str, name: str, payload: Json) -> Json:
        if method in ("PUT", "POST"):
            created = name not in self.roles
            role = {"run_as": [], **copy.deepcopy(payload)}
            role["transient_metadata"] = {"enabled": True}
            self.roles[name] = role
            return {"role": {"created": created}}
        if name not in self.roles:
            raise _EsError(404, "resource_not_found_exception", f"role [{name}] not found")
        return {name: copy.deepcopy(self.roles[name])}

    def _get_alias(self, index_expr: str, alias: str) -> Json:
        result: Json = {}
        for index in self._resolve(index_expr, allow_missing=True):
            names = [a for a in index.aliases if fnmatch.fnmatchcase(a, alias)]
            if names:
                result[index.name] = {
                    "aliases": {a: copy.deepcopy(index.aliases[a]) for a in names}
                }
        if not result:
            raise _EsError(404, "aliases_not_found_exception", f"alias [{alias}] missing")
        return result

    def _aliases(self, payload: Json) -> Json:
        for action in payload.get("actions", []):
            ((kind, spec),) = action.items()
            for index in self._resolve(spec["index"]):
                if kind == "add":
                    extra = {k: v for k, v in spec.items() if k not in ("index", "alias")}
                    index.aliases[spec["alias"]] = extra
                elif kind == "remove":
                    index.aliases.pop(spec["alias"], None)
        return {"acknowledged": True}

    def _mapping(self, method: str, expr: str, payload: Json) -> Json:
        indices = self._resolve(expr)
        if method == "GET":
            return {i.name: {"mappings": copy.deepcopy(i.mappings)} for i in indices}
        for index in indices:
            index.mappings = _deep_merge(index.mappings, payload)
        return {"acknowledged": True}

    def _index_api(
        self, method: str, name: str, params: dict[str, str], payload: Json
    ) -> Json | None:
        if method == "PUT":
            self._create_index(name, payload)
            return {"acknowledged": True, "shards_acknowledged": True, "index": name}
        if method == "DELETE":
            for index in self._resolve(name):
                del self.indices[index.name]
            return {"acknowledged": True}
        indices = self._resolve(name, allow_missing=params.get("allow_no_indices") != "false")
        if not indices:
            if any(c in name for c in "*?") and params.get("allow_no_indices") != "false":
                return {}
            raise _EsError(404, "index_not_found_exception", f"no such index [{name}]")
        return {
            i.name: {
                "aliases": copy.deepcopy(i.aliases),
                "mappings": copy.deepcopy(i.mappings),
                "settings": copy.deepcopy(i.settings),
            }
            for i in indices
        }

    def _doc(self, method: str, parts: list[str], params: dict[str, str], payload: Json) -> Json:
        target, kind = parts[0], parts[1]
        doc_id = parts[2] if len(parts) > 2 else None
        meta: Json = {"require_alias": params.get("require_alias") == "true"}
        if method in ("PUT", "POST"):
            op = "create" if kind == "_create" or params.get("op_type") == "create" else "index"
            result = self._op_index(target, doc_id, payload, meta, op)
            return result
        if method == "DELETE" and doc_id:
            result = self._op_delete(target, doc_id, meta)
            if result["status"] == 404:
                raise _EsError(404, "not_found", f"[{doc_id}] not found")
            return result
        for index in self._resolve(target):
            if doc_id in index.docs:
                doc = index.docs[doc_id]
                return {
                    "_index": index.name,
                    "_id": doc_id,
                    "_version": doc["_version"],
                    "_seq_no": doc["_seq_no"],
                    "_primary_term": 1,
                    "found": True,
                    "_source": copy.deepcopy(doc["_source"]),
                }
        raise _EsError(404, "not_found", f"[{doc_id}] not found")


def _abort(conn: socket.socket) -> None:
    """Close with RST (SO_LINGER 0) so the client sees a reset, not a clean close."""
    try:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()
    except OSError:
        pass


class _Handler(BaseHTTPRequestHandler):
    es: EsTestServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without this, Nagle's algorithm
        # and delayed ACKs add ~40 ms to every request.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.es._connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.es._connections.discard(self.connection)

    def _serve(self) -> None:
        es = self.es
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with es._lock:
            reset = es._resets > 0
            if reset:
                es._resets -= 1
        if reset:
            _abort(self.connection)
            self.close_connection = True
            return
        if es._delay:
            time.sleep(es._delay)
        url = urlsplit(self.path)
        status, payload = es.handle(
            self.command, url.path, url.query, body, self.headers.get("Authorization")
        )
        accept = (self.headers.get("Accept") or "").split(",")[0].strip()
        mimetype = accept if "vnd.elasticsearch+json" in accept else "application/json"
        data = b"" if payload is None else json.dumps(payload).encode("utf-8")
        self.send_response(status)
        if es.product_header:
            self.send_header("X-Elastic-Product", "Elasticsearch")
        self.send_header("Content-Type", mimetype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _serve
