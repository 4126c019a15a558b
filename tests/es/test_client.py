"""Connection settings from the environment and the cluster version check."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from pipelines.es.client import EsConnectionConfig, check_cluster_info
from pipelines.es.errors import EsConfigError, UnsupportedClusterError

URL = "https://es.internal.example:9200"


def test_no_url_means_no_cluster() -> None:
    assert EsConnectionConfig.from_env({}) is None


def test_api_key_is_preferred_and_tls_verification_is_on_by_default() -> None:
    config = EsConnectionConfig.from_env({"ELASTICSEARCH_URL": URL, "ELASTICSEARCH_API_KEY": "k"})
    assert config is not None
    kwargs = config.client_kwargs()
    assert kwargs["api_key"] == "k" and kwargs["verify_certs"] is True
    assert "basic_auth" not in kwargs
    assert "k" not in repr(config)


def test_secrets_can_come_from_files(tmp_path: Path) -> None:
    (tmp_path / "user").write_text("lcom\n")
    (tmp_path / "pw").write_text("s3cret\n")
    config = EsConnectionConfig.from_env(
        {
            "ELASTICSEARCH_URL": URL,
            "ELASTICSEARCH_USERNAME_FILE": str(tmp_path / "user"),
            "ELASTICSEARCH_PASSWORD_FILE": str(tmp_path / "pw"),
        }
    )
    assert config is not None
    assert config.client_kwargs()["basic_auth"] == ("lcom", "s3cret")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ELASTICSEARCH_API_KEY": "k", "ELASTICSEARCH_API_KEY_FILE": "/x"}, "not both"),
        ({"ELASTICSEARCH_API_KEY": "k", "ELASTICSEARCH_USERNAME": "u"}, "not both"),
        ({"ELASTICSEARCH_USERNAME": "u"}, "go together"),
        ({"ELASTICSEARCH_VERIFY_CERTS": "no"}, "'true' or 'false'"),
        ({"ELASTICSEARCH_CA_CERTS": "/nonexistent/ca.pem"}, "not a file"),
        ({"ELASTICSEARCH_URL": "ftp://es:9200"}, "http"),
        ({"ELASTICSEARCH_URL": "https://u:p@es:9200"}, "must not contain credentials"),
    ],
)
def test_inconsistent_settings_are_refused(env: dict[str, str], message: str) -> None:
    with pytest.raises(EsConfigError, match=message):
        EsConnectionConfig.from_env({"ELASTICSEARCH_URL": URL, **env})


def test_turning_tls_verification_off_warns_loudly(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        config = EsConnectionConfig.from_env(
            {"ELASTICSEARCH_URL": URL, "ELASTICSEARCH_VERIFY_CERTS": "false"}
        )
    assert config is not None and config.client_kwargs()["verify_certs"] is False
    assert "TLS certificate verification is OFF" in caplog.text


@pytest.mark.parametrize("number", ["8.0.0", "8.19.3", "9.0.0", "9.1.5"])
def test_elasticsearch_8_and_9_pass_the_version_check(number: str) -> None:
    assert check_cluster_info({"version": {"number": number, "build_flavor": "default"}}) == number


@pytest.mark.parametrize(
    "info",
    [
        {"version": {"number": "7.17.0"}},
        {"version": {"number": "10.0.0"}},
        {"version": {"number": "2.11.0", "distribution": "opensearch"}},
        {},
    ],
)
def test_other_servers_fail_the_version_check(info: dict[str, object]) -> None:
    with pytest.raises(UnsupportedClusterError, match=r"8\.x or 9\.x"):
        check_cluster_info(info)
