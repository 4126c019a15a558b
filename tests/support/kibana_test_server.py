"""The Kibana saved-objects API contract test server: a small in-memory HTTP server for tests.

It is *not* Kibana. It answers, on ``127.0.0.1:<random port>``, the few requests lcom
makes, the way Kibana 8.x documents and answers them:

- ``GET /api/status``: ``{"name", "version": {"number", ...}, "status": {...}}``
  (version configurable);
- ``GET /api/spaces/space/<id>``: the space, or 404;
- ``POST [/s/<space>]/api/saved_objects/_import[?overwrite=true|createNewCopies=true]``:
  ``multipart/form-data`` with the NDJSON in the part named ``file``; answers
  ``{"success", "successCount", "successResults", "errors"}`` with per-object errors
  ``conflict`` (exists, no ``overwrite``), ``missing_references`` (a data view or saved
  search reference neither in the file nor stored, as Kibana checks),
  ``unsupported_type`` and injected ``unknown`` errors;
- ``POST [/s/<space>]/api/saved_objects/_export``: JSON ``{"objects"|"type",
  "includeReferencesDeep", "excludeExportDetails"}``; answers NDJSON with the stored
  objects plus what Kibana adds (``updated_at``, ``version``, ``namespaces``) and the
  export summary line; 400 with ``attributes.objects`` when an object is missing.

Every request without ``kbn-xsrf`` on a write is refused (400), wrong credentials get
401, a space that does not exist 404. :attr:`KibanaTestServer.requests` records each
request (method, path, query, headers, body) so tests can assert exactly what was sent.
"""

from __future__ import annotations

import base64
import copy
import json
import threading
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Json = dict[str, Any]

KNOWN_TYPES = frozenset(
    {"index-pattern", "search", "lens", "dashboard", "visualization", "config", "tag"}
)
#: Kibana's import checks that references to these types exist (validate_references).
REFERENCE_TYPES_VALIDATED = ("index-pattern", "search")
ICONS = {
    "index-pattern": "indexPatternApp",
    "search": "discoverApp",
    "lens": "lensApp",
    "dashboard": "dashboardApp",
}


class _HttpError(Exception):
    def __init__(self, status: int, message: str, extra: Json | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.body: Json = {
            "statusCode": status,
            "error": {400: "Bad Request", 401: "Unauthorized", 404: "Not Found"}.get(
                status, "Error"
            ),
            "message": message,
            **(extra or {}),
        }


class KibanaTestServer:
    """In-memory Kibana saved-objects API contract server on ``127.0.0.1``."""

    def __init__(
        self,
        version: str = "8.19.3",
        *,
        api_key: str | None = None,
        username: str | None = None,
        password: str | None = None,
        spaces: tuple[str, ...] = ("default",),
    ) -> None:
        self.version = version
        self.api_key = api_key
        self.basic = (
            base64.b64encode(f"{username}:{password}".encode()).decode() if username else None
        )
        self.spaces = set(spaces)
        self.port = 0
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.store: dict[str, dict[tuple[str, str], Json]] = {}
        self.requests: list[Json] = []
        self.object_failures: dict[tuple[str, str], str] = {}
        self._clock = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> KibanaTestServer:
        handler = type("Handler", (_Handler,), {"kibana": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> KibanaTestServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def fail_object(self, type_: str, id_: str, message: str = "injected failure") -> None:
        """The next imports answer an ``unknown`` error for this object."""
        self.object_failures[(type_, id_)] = message

    def objects(self, space: str = "default") -> dict[tuple[str, str], Json]:
        return self.store.get(space, {})

    # ------------------------------------------------------------------ dispatch

    def handle(
        self, method: str, raw_path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, str, bytes]:
        parts = urlsplit(raw_path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        with self._lock:
            self.requests.append(
                {
                    "method": method,
                    "path": parts.path,
                    "query": query,
                    "headers": headers,
                    "body": body,
                }
            )
        try:
            self._authenticate(headers)
            space, path = self._space(parts.path)
            if method != "GET" and "kbn-xsrf" not in headers:
                raise _HttpError(400, "Request must contain a kbn-xsrf header.")
            if method == "GET" and path == "/api/status":
                return self._json(200, self._status())
            if method == "GET" and path.startswith("/api/spaces/space/"):
                wanted = path.rsplit("/", 1)[1]
                if wanted not in self.spaces:
                    raise _HttpError(404, "Not Found")
                return self._json(200, {"id": wanted, "name": wanted, "disabledFeatures": []})
            if method == "POST" and path == "/api/saved_objects/_import":
                return self._json(200, self._import(space, query, headers, body))
            if method == "POST" and path == "/api/saved_objects/_export":
                return 200, "application/ndjson", self._export(space, body)
            raise _HttpError(404, "Not Found")
        except _HttpError as exc:
            return self._json(exc.status, exc.body)

    @staticmethod
    def _json(status: int, body: Json) -> tuple[int, str, bytes]:
        return status, "application/json; charset=utf-8", json.dumps(body).encode()

    def _authenticate(self, headers: dict[str, str]) -> None:
        if self.api_key is None and self.basic is None:
            return
        given = headers.get("authorization", "")
        if self.api_key is not None and given == f"ApiKey {self.api_key}":
            return
        if self.basic is not None and given == f"Basic {self.basic}":
            return
        raise _HttpError(401, "[security_exception]: unable to authenticate user")

    def _space(self, path: str) -> tuple[str, str]:
        if path.startswith("/s/"):
            _, _, space, rest = path.split("/", 3)
            if space not in self.spaces:
                raise _HttpError(404, f"Saved object [space/{space}] not found")
            return space, "/" + rest
        return "default", path

    def _status(self) -> Json:
        return {
            "name": "kibana-contract-test-server",
            "uuid": "00000000-0000-0000-0000-000000000000",
            "version": {
                "number": self.version,
                "build_hash": "0" * 40,
                "build_number": 1,
                "build_snapshot": False,
                "build_flavor": "traditional",
            },
            "status": {"overall": {"level": "available", "summary": "All services are available"}},
        }

    # ------------------------------------------------------------------ _import

    def _import(
        self, space: str, query: dict[str, str], headers: dict[str, str], body: bytes
    ) -> Json:
        overwrite = query.get("overwrite") == "true"
        if overwrite and query.get("createNewCopies") == "true":
            raise _HttpError(400, "cannot use [overwrite] with [createNewCopies]")
        content_type = headers.get("content-type", "")
        if not content_type.startswith("multipart/form-data"):
            raise _HttpError(415, "Unsupported Media Type")
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body
        )
        file_part = None
        for part in message.iter_parts():
            if part.get_param("name", header="content-disposition") == "file":
                file_part = part
        if file_part is None:
            raise _HttpError(400, "[request body.file]: expected value of type [Stream]")
        filename = file_part.get_filename() or ""
        if not filename.endswith(".ndjson"):
            raise _HttpError(400, f"Invalid file extension {filename}")
        text = file_part.get_payload(decode=True).decode("utf-8")
        objects: list[Json] = []
        for line in text.splitlines():
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise _HttpError(400, f"Unexpected token in JSON: {exc.msg}") from None
            if "exportedCount" in obj:
                continue
            objects.append(obj)
        stored = self.store.setdefault(space, {})
        incoming = {(o.get("type"), o.get("id")) for o in objects}
        errors: list[Json] = []
        results: list[Json] = []
        for obj in objects:
            key = (obj.get("type"), obj.get("id"))
            title = (obj.get("attributes") or {}).get("title", "")
            meta = {"title": title, "icon": ICONS.get(str(key[0]), "")}
            base = {"id": key[1], "type": key[0], "title": title, "meta": meta}
            if key[0] not in KNOWN_TYPES:
                errors.append({**base, "error": {"type": "unsupported_type"}})
                continue
            missing = [
                {"type": r["type"], "id": r["id"]}
                for r in obj.get("references", [])
                if r["type"] in REFERENCE_TYPES_VALIDATED
                and (r["type"], r["id"]) not in incoming
                and (r["type"], r["id"]) not in stored
            ]
            if missing:
                errors.append(
                    {**base, "error": {"type": "missing_references", "references": missing}}
                )
                continue
            if key in self.object_failures:
                errors.append(
                    {
                        **base,
                        "error": {
                            "type": "unknown",
                            "message": self.object_failures[key],
                            "statusCode": 400,
                        },
                    }
                )
                continue
            exists = key in stored
            if exists and not overwrite:
                errors.append({**base, "error": {"type": "conflict"}})
                continue
            stored[key] = copy.deepcopy(obj)
            result: Json = {"type": key[0], "id": key[1], "meta": meta}
            if exists:
                result["overwrite"] = True
            results.append(result)
        answer: Json = {"success": not errors, "successCount": len(results), "warnings": []}
        if results:
            answer["successResults"] = results
        if errors:
            answer["errors"] = errors
        return answer

    # ------------------------------------------------------------------ _export

    def _export(self, space: str, body: bytes) -> bytes:
        try:
            request = json.loads(body or b"{}")
        except json.JSONDecodeError:
            raise _HttpError(400, "invalid JSON body") from None
        stored = self.store.get(space, {})
        if "objects" in request:
            wanted = [(o["type"], o["id"]) for o in request["objects"]]
            missing = [k for k in wanted if k not in stored]
            if missing:
                raise _HttpError(
                    400,
                    "Error fetching objects to export",
                    {
                        "attributes": {
                            "objects": [
                                {
                                    "id": i,
                                    "type": t,
                                    "error": {
                                        "statusCode": 404,
                                        "error": "Not Found",
                                        "message": f"Saved object [{t}/{i}] not found",
                                    },
                                }
                                for t, i in missing
                            ]
                        }
                    },
                )
        elif "type" in request:
            types = request["type"] if isinstance(request["type"], list) else [request["type"]]
            wanted = [k for k in stored if k[0] in types]
        else:
            raise _HttpError(400, "Either `type` or `objects` are required.")
        if request.get("includeReferencesDeep"):
            queue, seen = list(wanted), set(wanted)
            while queue:
                for ref in stored[queue.pop()].get("references", []):
                    key = (ref["type"], ref["id"])
                    if key in stored and key not in seen:
                        seen.add(key)
                        queue.append(key)
                        wanted.append(key)
        lines = []
        for key in sorted(wanted):
            self._clock += 1
            obj = copy.deepcopy(stored[key])
            obj["updated_at"] = f"2026-01-01T00:00:{self._clock % 60:02d}.000Z"
            obj["version"] = base64.b64encode(f"[{self._clock},1]".encode()).decode()
            obj["namespaces"] = [space]
            lines.append(json.dumps(obj))
        if not request.get("excludeExportDetails"):
            lines.append(
                json.dumps(
                    {
                        "excludedObjects": [],
                        "excludedObjectsCount": 0,
                        "exportedCount": len(wanted),
                        "missingRefCount": 0,
                        "missingReferences": [],
                    }
                )
            )
        return ("\n".join(lines) + "\n").encode()


class _Handler(BaseHTTPRequestHandler):
    kibana: KibanaTestServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, content_type, payload = self.kibana.handle(self.command, self.path, headers, body)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = _serve
    do_POST = _serve
