"""A small client for Kibana's saved-objects API, configured from the environment.

Environment (a secret may come from a file named by its ``*_FILE`` variant):

``KIBANA_URL``
    e.g. ``https://kibana.example.org:5601`` (a base path, if Kibana has one, included).
``KIBANA_API_KEY``
    an Elasticsearch API key (base64 ``id:key``, the ``encoded`` value); Kibana accepts
    it as ``Authorization: ApiKey ...``.
``KIBANA_USERNAME`` / ``KIBANA_PASSWORD``
    basic authentication of an Elasticsearch user, when no API key is given.
``ELASTICSEARCH_API_KEY``, ``ELASTICSEARCH_USERNAME`` / ``ELASTICSEARCH_PASSWORD``
    used when no ``KIBANA_*`` credentials are set: Kibana authenticates against
    Elasticsearch, so the same key or user works when its role has the Kibana privileges.
``KIBANA_CA_CERTS`` (else ``ELASTICSEARCH_CA_CERTS``), ``KIBANA_VERIFY_CERTS``
    CA bundle of a self-signed Kibana certificate; verification is on unless ``false``.

HTTP goes through ``urllib3``, which the ``elasticsearch`` client already depends on (no
new dependency). Every request carries ``kbn-xsrf`` (Kibana refuses API writes without
it); a space other than ``default`` is addressed as ``/s/<space>/api/...``.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import urllib3

from pipelines.es.client import read_secret

logger = logging.getLogger(__name__)

#: The shipped objects are in the format Kibana 8.14 exports (dashboard references by
#: panel); Kibana imports exports of the same or an older version, and of the previous major.
MIN_VERSION = (8, 14)
SUPPORTED_MAJORS = (8, 9)

_SPACE_ID = re.compile(r"[a-z0-9_\-]{1,1024}")


class KibanaError(Exception):
    """Root of the Kibana integration's errors; the message is meant for the user."""


class KibanaConfigError(KibanaError, ValueError):
    """The environment does not say how to reach Kibana."""


class KibanaUnavailable(KibanaError, ConnectionError):
    """Kibana could not be reached or answered with a server error."""


class KibanaAuthError(KibanaError, PermissionError):
    """Kibana refused the credentials (401) or the user lacks a privilege (403)."""


class KibanaVersionError(KibanaError, RuntimeError):
    """The server is not a Kibana version the shipped objects import into."""


class KibanaSpaceError(KibanaError, LookupError):
    """The Kibana space does not exist."""


class KibanaApiError(KibanaError, RuntimeError):
    """Kibana answered a request with an error."""

    def __init__(self, message: str, status: int, body: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


def _secret(environ: Mapping[str, str], name: str) -> str | None:
    return read_secret(environ, name, KibanaConfigError)


@dataclass(frozen=True)
class KibanaConfig:
    url: str
    api_key: str | None = field(default=None, repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    credentials_from: str = "none"
    verify_certs: bool = True
    ca_certs: str | None = None
    timeout: float = 60.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> KibanaConfig:
        env = os.environ if environ is None else environ
        url = (env.get("KIBANA_URL") or "").strip().rstrip("/")
        if not url:
            raise KibanaConfigError(
                "KIBANA_URL is not set: export KIBANA_URL=https://<kibana host>:5601 and "
                "KIBANA_API_KEY (or KIBANA_USERNAME/KIBANA_PASSWORD)"
            )
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise KibanaConfigError("KIBANA_URL must be an http(s) URL with a host")
        if parts.username or parts.password:
            raise KibanaConfigError(
                "KIBANA_URL must not contain credentials; use KIBANA_API_KEY or "
                "KIBANA_USERNAME/KIBANA_PASSWORD"
            )
        found = None
        for prefix in ("KIBANA", "ELASTICSEARCH"):
            api_key = _secret(env, f"{prefix}_API_KEY")
            username = _secret(env, f"{prefix}_USERNAME")
            password = _secret(env, f"{prefix}_PASSWORD")
            if api_key and (username or password):
                raise KibanaConfigError(f"set {prefix}_API_KEY or a username/password, not both")
            if bool(username) != bool(password):
                raise KibanaConfigError(f"{prefix}_USERNAME and {prefix}_PASSWORD go together")
            if api_key or username:
                found = (api_key, username, password, prefix)
                break
        verify_raw = (env.get("KIBANA_VERIFY_CERTS") or "").strip().lower()
        if verify_raw not in ("", "true", "false"):
            raise KibanaConfigError("KIBANA_VERIFY_CERTS must be 'true' or 'false'")
        ca_certs = env.get("KIBANA_CA_CERTS") or env.get("ELASTICSEARCH_CA_CERTS") or None
        if ca_certs is not None and not Path(ca_certs).is_file():
            raise KibanaConfigError(f"the CA certificate file does not exist: {ca_certs}")
        api_key, username, password, origin = found or (None, None, None, "none")
        if verify_raw == "false":
            logger.warning(
                "!!! TLS certificate verification of Kibana is OFF (KIBANA_VERIFY_CERTS=false) !!!"
            )
        return cls(
            url=url,
            api_key=api_key,
            username=username,
            password=password,
            credentials_from=origin,
            verify_certs=verify_raw != "false",
            ca_certs=ca_certs,
        )


def check_space_id(space: str) -> str:
    if not _SPACE_ID.fullmatch(space):
        raise KibanaConfigError(
            f"{space!r} is not a Kibana space id (lower-case letters, digits, '_' and '-')"
        )
    return space


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    content_type: str

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return None


def parse_version(text: str) -> tuple[int, int]:
    match = re.match(r"(\d+)\.(\d+)", text or "")
    if not match:
        raise KibanaVersionError(f"cannot read the Kibana version {text!r}")
    return int(match[1]), int(match[2])


class KibanaClient:
    """Requests to one Kibana; ``pool`` may be given by tests."""

    def __init__(self, config: KibanaConfig, pool: urllib3.PoolManager | None = None) -> None:
        self.config = config
        if pool is None:
            kwargs: dict[str, Any] = {
                "timeout": urllib3.Timeout(connect=10.0, read=config.timeout),
                "retries": urllib3.Retry(total=2, connect=2, read=0, status=0, redirect=0),
            }
            if urlsplit(config.url).scheme == "https":
                kwargs["cert_reqs"] = "CERT_REQUIRED" if config.verify_certs else "CERT_NONE"
                if config.ca_certs:
                    kwargs["ca_certs"] = config.ca_certs
            pool = urllib3.PoolManager(**kwargs)
        self.pool = pool

    def close(self) -> None:
        self.pool.clear()

    def __enter__(self) -> KibanaClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def headers(self) -> dict[str, str]:
        headers = {"kbn-xsrf": "lcom", "Accept": "application/json"}
        if self.config.api_key:
            headers["Authorization"] = f"ApiKey {self.config.api_key}"
        elif self.config.username and self.config.password:
            headers.update(
                urllib3.make_headers(basic_auth=f"{self.config.username}:{self.config.password}")
            )
        return headers

    def url(
        self, path: str, space: str | None = None, params: Mapping[str, Any] | None = None
    ) -> str:
        prefix = f"/s/{check_space_id(space)}" if space and space != "default" else ""
        query = f"?{urlencode(params)}" if params else ""
        return f"{self.config.url}{prefix}{path}{query}"

    def request(
        self,
        method: str,
        path: str,
        *,
        space: str | None = None,
        params: Mapping[str, Any] | None = None,
        body: bytes | None = None,
        content_type: str | None = None,
    ) -> Response:
        headers = self.headers()
        if content_type:
            headers["Content-Type"] = content_type
        try:
            raw = self.pool.request(
                method,
                self.url(path, space, params),
                body=body,
                headers=headers,
                redirect=False,
            )
        except urllib3.exceptions.HTTPError as exc:
            raise KibanaUnavailable(
                f"cannot reach Kibana at {self.config.url}: {type(exc).__name__}: {exc}"
            ) from exc
        response = Response(raw.status, raw.data, raw.headers.get("Content-Type", ""))
        if response.status == 401:
            where = (
                "no credentials are set (KIBANA_API_KEY or KIBANA_USERNAME/KIBANA_PASSWORD)"
                if self.config.credentials_from == "none"
                else f"check the {self.config.credentials_from}_* credentials"
            )
            raise KibanaAuthError(f"Kibana refused the credentials (401): {where}")
        if response.status == 403:
            raise KibanaAuthError(
                f"the Kibana user may not do this (403 on {method} {path}): "
                f"{error_message(response)}; it needs the Saved Objects Management privilege "
                "(all) in the space"
            )
        if response.status >= 500:
            raise KibanaUnavailable(f"Kibana answered {response.status}: {error_message(response)}")
        return response

    def version(self) -> str:
        """Kibana's version; raises :class:`KibanaVersionError` unless 8.14+ or 9.x."""
        response = self.request("GET", "/api/status")
        data = response.json()
        number = None
        if isinstance(data, dict) and isinstance(data.get("version"), dict):
            number = data["version"].get("number")
        if response.status != 200 or not isinstance(number, str):
            raise KibanaVersionError(
                f"{self.config.url} does not answer like Kibana (GET /api/status gave "
                f"{response.status}); is KIBANA_URL the Kibana address (port 5601), not "
                "Elasticsearch's?"
            )
        major, minor = parse_version(number)
        if major not in SUPPORTED_MAJORS or (major, minor) < MIN_VERSION:
            raise KibanaVersionError(
                f"Kibana {number} is not supported: lcom's saved objects are in the Kibana "
                f"{MIN_VERSION[0]}.{MIN_VERSION[1]} export format and import into Kibana "
                f"{MIN_VERSION[0]}.{MIN_VERSION[1]} or later 8.x, or 9.x"
            )
        return number

    def check_space(self, space: str | None) -> None:
        """Raise :class:`KibanaSpaceError` when ``space`` does not exist."""
        if not space or space == "default":
            return
        check_space_id(space)
        try:
            response = self.request("GET", f"/api/spaces/space/{space}")
        except KibanaAuthError:
            logger.warning("cannot read Kibana space %s (403): not checked", space)
            return
        if response.status == 404:
            raise KibanaSpaceError(
                f"the Kibana space {space!r} does not exist: create it (Stack Management > "
                "Spaces) or leave out --space to use the default space"
            )
        if response.status != 200:
            raise KibanaApiError(
                f"reading space {space!r} failed ({response.status}): {error_message(response)}",
                response.status,
                response.json(),
            )


def error_message(response: Response) -> str:
    """The message of a Kibana error answer (short), for the user."""
    data = response.json()
    if isinstance(data, dict):
        return str(data.get("message") or data.get("error") or data)[:500]
    return response.body[:200].decode("utf-8", "replace")
