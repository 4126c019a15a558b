"""Connection to Elasticsearch from environment variables, and the version check.

Environment (secrets may come from a file named by the ``*_FILE`` variant, as Docker
and Kubernetes secrets do):

``ELASTICSEARCH_URL``
    e.g. ``https://es.example.org:9200``. Unset means "no cluster": hits stay in the spool.
``ELASTICSEARCH_API_KEY`` / ``ELASTICSEARCH_API_KEY_FILE``
    base64 ``id:key`` API key (preferred; create one for the ``lcom_crawler`` role).
``ELASTICSEARCH_USERNAME`` / ``ELASTICSEARCH_PASSWORD`` (or their ``_FILE`` variants)
    basic authentication, when no API key is given.
``ELASTICSEARCH_CA_CERTS``
    CA bundle that signed the cluster's certificate (self-signed clusters).
``ELASTICSEARCH_VERIFY_CERTS``
    TLS verification is on unless this is exactly ``false`` (then a loud warning).

Supported clusters: Elasticsearch 8.x and 9.x. The ``elasticsearch`` 8.x client sends
``compatible-with=8`` media types; 9.x clusters honour them through REST API
compatibility, which Elasticsearch keeps for exactly one major version.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from elasticsearch import AsyncElasticsearch, Elasticsearch

from pipelines.es.errors import EsConfigError, UnsupportedClusterError

logger = logging.getLogger(__name__)

#: Major versions of Elasticsearch lcom supports.
SUPPORTED_MAJORS: tuple[int, ...] = (8, 9)

ENV_URL = "ELASTICSEARCH_URL"


def read_secret(
    environ: Mapping[str, str], name: str, error: type[Exception] = EsConfigError
) -> str | None:
    """``name`` from the environment, or the content of the file named by ``name_FILE``
    (Docker/Kubernetes secrets); both set, or an unreadable file, raise ``error``."""
    value = (environ.get(name) or "").strip() or None
    path = (environ.get(f"{name}_FILE") or "").strip() or None
    if value is not None and path is not None:
        raise error(f"set {name} or {name}_FILE, not both")
    if path is not None:
        try:
            return Path(path).read_text(encoding="utf-8").strip() or None
        except OSError as exc:
            raise error(f"cannot read {name}_FILE: {exc.strerror}") from exc
    return value


@dataclass(frozen=True)
class EsConnectionConfig:
    """Parsed connection settings; build with :meth:`from_env`."""

    url: str
    api_key: str | None = field(default=None, repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    verify_certs: bool = True
    ca_certs: str | None = None
    request_timeout: float = 30.0
    max_retries: int = 2

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> EsConnectionConfig | None:
        """Read the environment; ``None`` when ``ELASTICSEARCH_URL`` is not set."""
        env = os.environ if environ is None else environ
        url = (env.get(ENV_URL) or "").strip()
        if not url:
            return None
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise EsConfigError(f"{ENV_URL} must be an http(s) URL with a host")
        if parts.username or parts.password:
            raise EsConfigError(
                f"{ENV_URL} must not contain credentials; use ELASTICSEARCH_API_KEY "
                "or ELASTICSEARCH_USERNAME/ELASTICSEARCH_PASSWORD"
            )
        api_key = read_secret(env, "ELASTICSEARCH_API_KEY")
        username = read_secret(env, "ELASTICSEARCH_USERNAME")
        password = read_secret(env, "ELASTICSEARCH_PASSWORD")
        if api_key and (username or password):
            raise EsConfigError("set an API key or a username/password, not both")
        if bool(username) != bool(password):
            raise EsConfigError("ELASTICSEARCH_USERNAME and ELASTICSEARCH_PASSWORD go together")
        verify_raw = (env.get("ELASTICSEARCH_VERIFY_CERTS") or "").strip().lower()
        if verify_raw not in ("", "true", "false"):
            raise EsConfigError("ELASTICSEARCH_VERIFY_CERTS must be 'true' or 'false'")
        verify = verify_raw != "false"
        ca_certs = env.get("ELASTICSEARCH_CA_CERTS") or None
        if ca_certs is not None and not Path(ca_certs).is_file():
            raise EsConfigError(f"ELASTICSEARCH_CA_CERTS is not a file: {ca_certs}")
        config = cls(
            url=url,
            api_key=api_key,
            username=username,
            password=password,
            verify_certs=verify,
            ca_certs=ca_certs,
        )
        config.warn_if_insecure()
        return config

    @property
    def is_https(self) -> bool:
        return urlsplit(self.url).scheme == "https"

    def warn_if_insecure(self) -> None:
        if not self.verify_certs:
            logger.warning(
                "!!! TLS certificate verification is OFF (ELASTICSEARCH_VERIFY_CERTS=false): "
                "anyone on the network path can read and alter what lcom sends. "
                "Use ELASTICSEARCH_CA_CERTS instead outside a throw-away test setup. !!!"
            )
        host = urlsplit(self.url).hostname or ""
        if not self.is_https and (self.api_key or self.password) and not _is_local(host):
            logger.warning(
                "credentials are sent to %s over plain http: use https outside localhost",
                host,
            )

    def client_kwargs(self) -> dict[str, Any]:
        """Keyword arguments shared by the sync and async clients."""
        kwargs: dict[str, Any] = {
            "hosts": [self.url],
            "request_timeout": self.request_timeout,
            "max_retries": self.max_retries,
            "retry_on_timeout": True,
        }
        if self.api_key:
            kwargs["api_key"] = self.api_key
        elif self.username and self.password:
            kwargs["basic_auth"] = (self.username, self.password)
        if self.is_https:
            kwargs["verify_certs"] = self.verify_certs
            if self.ca_certs:
                kwargs["ca_certs"] = self.ca_certs
        return kwargs


def _is_local(host: str) -> bool:
    return host in ("localhost", "::1") or host.startswith("127.")


def make_client(config: EsConnectionConfig) -> Elasticsearch:
    """A synchronous client (CLI commands: setup, purge)."""
    return Elasticsearch(**config.client_kwargs())


def make_async_client(config: EsConnectionConfig) -> AsyncElasticsearch:
    """An asyncio client (indexing inside Scrapy's asyncio reactor, spool replay)."""
    return AsyncElasticsearch(**config.client_kwargs())


def check_cluster_info(info: Mapping[str, Any]) -> str:
    """Return the cluster's version number, or raise :class:`UnsupportedClusterError`.

    ``info`` is the body of ``GET /``. OpenSearch and other look-alikes answer with
    a ``distribution`` or without ``build_flavor`` and are refused.
    """
    version = info.get("version") or {}
    number = str(version.get("number") or "")
    distribution = version.get("distribution")
    if distribution and distribution != "elasticsearch":
        raise UnsupportedClusterError(
            f"the server is {distribution} {number}, not Elasticsearch; "
            f"lcom supports Elasticsearch {_majors_text()}",
            version=number,
        )
    try:
        major = int(number.split(".", 1)[0])
    except ValueError:
        raise UnsupportedClusterError(
            f"cannot read the server version ({number!r}); "
            f"lcom supports Elasticsearch {_majors_text()}",
            version=number or None,
        ) from None
    if major not in SUPPORTED_MAJORS:
        raise UnsupportedClusterError(
            f"Elasticsearch {number} is not supported; lcom supports Elasticsearch "
            f"{_majors_text()}",
            version=number,
        )
    return number


def _majors_text() -> str:
    return " or ".join(f"{m}.x" for m in SUPPORTED_MAJORS)
