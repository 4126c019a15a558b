"""LCOM_HOME anchors var/, sources and policies, wherever a command is started."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.extensions.audit import audit_log_path
from crawler.jobs import project_settings, spool_dir_from
from crawler.runtime import admit_crawl, policy_dir_from
from crawler.sources import BUNDLED_DIR, load_source
from pipelines import home
from tests.crawl.conftest import make_policy

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def lcom_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("LCOM_HOME", str(folder))
    for name in ("LCOM_VAR_DIR", "LCOM_POLICY_DIR", "LCOM_SOURCES_DIR"):
        monkeypatch.delenv(name, raising=False)
    # Started from somewhere else: nothing may land in the working folder.
    monkeypatch.chdir(tmp_path)
    return folder


def test_a_checkout_is_its_own_home_and_an_install_uses_the_user_data_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("LCOM_HOME", raising=False)
    assert home.lcom_home() == REPO
    assert not home.is_checkout(tmp_path / "site-packages")
    assert home.user_data_dir({"XDG_DATA_HOME": "/data"}) == Path("/data/lcom")
    assert home.user_data_dir({}) == Path.home() / ".local" / "share" / "lcom"


def test_var_is_under_lcom_home_and_always_absolute(
    lcom_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert home.var_dir() == lcom_home / "var"
    settings = project_settings({"LCOM_VAR_DIR": str(home.var_dir())})
    assert audit_log_path(settings) == lcom_home / "var" / "audit.jsonl"
    assert spool_dir_from(settings) == lcom_home / "var" / "spool"
    monkeypatch.setenv("LCOM_VAR_DIR", "relative/var")
    assert home.var_dir().is_absolute()


def test_lcom_crawl_finds_a_source_and_a_policy_under_lcom_home(lcom_home: Path) -> None:
    config = (
        (BUNDLED_DIR / "demo.yaml").read_text(encoding="utf-8").replace("id: demo", "id: mysite")
    )
    (lcom_home / "sources").mkdir()
    (lcom_home / "sources" / "mysite.yaml").write_text(config, encoding="utf-8")
    assert load_source("mysite").id == "mysite"
    assert load_source("demo").id == "demo"  # the bundled sources stay available
    policy = make_policy(lcom_home / "policy")
    settings = project_settings()
    assert policy_dir_from(settings) == policy
    admission = admit_crawl(settings, "mysite", datetime.now(UTC))
    # Found and read: refused only because the policy does not know this source.
    assert [r.kind for r in admission.refusals if r.kind != "pseudonym_key"] == ["not_authorised"]
    assert "no source 'mysite'" in admission.refusals[0].reason
    shutil.rmtree(lcom_home / "policy")
    assert policy_dir_from(settings).name == "demo"
