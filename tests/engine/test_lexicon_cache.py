"""The compiled-lexicon cache: same matches as a fresh compile, invalidated by any
change, used only from an owner-only folder, and never in the way when it fails."""

from __future__ import annotations

import json
import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.engine import lexicon as lexicon_module
from pipelines.engine.indicators import IndicatorEngine
from pipelines.engine.lexicon import DEFAULT_LEXICON_DIR, Lexicon, load_lexicon
from pipelines.engine.lexicon_cache import TABLES_FILE, LexiconCache
from tests.engine.test_lexicon import make_lexicon

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("nl", "en", "de", "ro", "bg", "hu", "pl", "es", "unknown")

BODY = """\
language: xx
negation_cues: ["not"]
categories:
  movement:
    rules:
      - id: arrived
        patterns: ["(just|newly) (arrived|landed)", "przyjecha* do", "*stadt"]
      - id: gap
        patterns: ["only ~2 week"]
  youth:
    rules:
      - id: young
        patterns: ["young"]
    benign: ["young ~3 team"]
"""


def compiled(directory: Path, cache: Path | None) -> Lexicon:
    """The lexicon of ``directory`` compiled now (not the process-wide copy)."""
    return lexicon_module._compile(directory, LexiconCache(cache) if cache else None)


def analyses(lexicon: Lexicon, ads: list[dict[str, str]]) -> list[str]:
    engine = IndicatorEngine(lexicon)
    return [
        repr(engine.analyse(ad.get("title"), ad.get("text"), lang=lang, source="s"))
        for ad in ads
        for lang in LANGUAGES
    ]


def no_compiling(*_: object) -> None:
    raise AssertionError("compiled although the cache holds the lexicon")


def entries(cache: Path) -> list[Path]:
    return sorted(p for p in cache.iterdir() if not p.name.startswith("."))


def test_a_cached_lexicon_matches_every_ad_in_every_language_as_a_compiled_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ads = [
        json.loads(line)
        for line in (DATA / "regression_2026_12.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    fresh = compiled(DEFAULT_LEXICON_DIR, None)
    compiled(DEFAULT_LEXICON_DIR, tmp_path)  # compiles and stores
    monkeypatch.setattr(lexicon_module, "_automaton", no_compiling)
    cached = compiled(DEFAULT_LEXICON_DIR, tmp_path)
    assert len(cached.automaton) == len(fresh.automaton)
    assert len(cached.sense_automaton) == len(fresh.sense_automaton)
    assert analyses(cached, ads) == analyses(fresh, ads)


def test_a_cached_lexicon_reads_which_latin_spelling_each_pattern_took(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Whether every Latin spelling of a Bulgarian pattern expands is found by expanding
    # them all (a fifth of a second): a lexicon from the cache reads the choice instead.
    fresh = lexicon_module.load_lexicon()  # compiled without a cache, once per process
    compiled(DEFAULT_LEXICON_DIR, tmp_path)
    (entry,) = entries(tmp_path)
    took = json.loads((entry / TABLES_FILE).read_text(encoding="utf-8"))["latin"]
    assert took.count(0) >= 1 and took.count(1) > 100  # the common spelling only, or all
    monkeypatch.setattr(lexicon_module, "_latin_choices", no_compiling)
    cached = compiled(DEFAULT_LEXICON_DIR, tmp_path)
    assert cached.patterns == fresh.patterns
    assert cached.rules == fresh.rules
    # An entry whose choices do not fit the patterns is compiled again.
    monkeypatch.undo()
    tables = json.loads((entry / TABLES_FILE).read_text(encoding="utf-8"))
    (entry / TABLES_FILE).write_text(json.dumps({**tables, "latin": took[1:]}), encoding="utf-8")
    assert compiled(DEFAULT_LEXICON_DIR, tmp_path).patterns == fresh.patterns
    (again,) = entries(tmp_path)
    assert json.loads((again / TABLES_FILE).read_text(encoding="utf-8"))["latin"] == took


def test_the_cache_folder_is_created_for_its_owner_only(tmp_path: Path) -> None:
    cache = tmp_path / "var" / "cache" / "lexicons"
    compiled(make_lexicon(tmp_path, BODY), cache)
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    (entry,) = entries(cache)
    assert stat.S_IMODE(entry.stat().st_mode) == 0o700


def test_a_changed_pattern_is_compiled_again(tmp_path: Path) -> None:
    (tmp_path / "lexicon").mkdir()
    folder, cache = make_lexicon(tmp_path / "lexicon", BODY), tmp_path / "cache"
    engine = IndicatorEngine(compiled(folder, cache))
    assert engine.analyse("", "Oldstadt is new", lang="xx").indicators
    make_lexicon(folder, BODY.replace('"*stadt"', '"*dorf"'))
    engine = IndicatorEngine(compiled(folder, cache))
    assert not engine.analyse("", "Oldstadt is new", lang="xx").indicators
    assert engine.analyse("", "Altdorf is new", lang="xx").indicators
    assert len(entries(cache)) == 2


def test_a_cache_folder_open_to_other_users_is_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    folder, cache = make_lexicon(tmp_path, BODY), tmp_path / "cache"
    compiled(folder, cache)
    cache.chmod(0o777)
    calls: list[object] = []
    real = lexicon_module._automaton
    monkeypatch.setattr(lexicon_module, "_automaton", lambda p: calls.append(p) or real(p))
    with caplog.at_level(logging.WARNING):
        lexicon = compiled(folder, cache)
    assert calls, "the entry in the unsafe folder was used"
    assert "open to other users" in caplog.text
    assert IndicatorEngine(lexicon).analyse("", "just arrived", lang="xx").indicators


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file away needs root")
def test_an_entry_written_by_another_user_is_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    folder, cache = make_lexicon(tmp_path, BODY), tmp_path / "cache"
    compiled(folder, cache)
    (entry,) = entries(cache)
    os.chown(entry / "tables.json", 4242, -1)
    monkeypatch.setattr(lexicon_module, "_automaton", no_compiling)
    with caplog.at_level(logging.WARNING), pytest.raises(AssertionError, match="compiled"):
        compiled(folder, cache)
    assert "not a regular file of the current user" in caplog.text


def test_an_unwritable_cache_folder_falls_back_to_compiling_with_one_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = make_lexicon(tmp_path, BODY)
    (tmp_path / "var").write_text("a file where the folder should be", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        lexicon = compiled(folder, tmp_path / "var" / "cache")
    assert IndicatorEngine(lexicon).analyse("", "just arrived", lang="xx").indicators
    (record,) = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert "cannot write" in record.getMessage()
    assert "compiled at every start" in record.getMessage()


@pytest.mark.parametrize("damage", ["cut short", "tables removed", "tables not json"])
def test_a_damaged_entry_is_compiled_and_written_again(tmp_path: Path, damage: str) -> None:
    folder, cache = make_lexicon(tmp_path, BODY), tmp_path / "cache"
    compiled(folder, cache)
    (entry,) = entries(cache)
    if damage == "cut short":
        data = (entry / "automaton.bin").read_bytes()
        (entry / "automaton.bin").write_bytes(data[: len(data) // 2])
    elif damage == "tables removed":
        (entry / "tables.json").unlink()
    else:
        (entry / "tables.json").write_text("{not json", encoding="utf-8")
    lexicon = compiled(folder, cache)
    assert IndicatorEngine(lexicon).analyse("", "newly landed", lang="xx").indicators
    (again,) = entries(cache)
    assert json.loads((again / "tables.json").read_text(encoding="utf-8"))["digest"] == again.name


def test_only_the_entries_used_last_are_kept(tmp_path: Path) -> None:
    folder, cache = make_lexicon(tmp_path, BODY), tmp_path / "cache"
    for word in ("alpha", "beta", "gamma", "delta"):
        make_lexicon(folder, BODY.replace('"young"', f'"{word}"'))
        compiled(folder, cache)
    assert len(entries(cache)) == 3


def test_lcom_flag_keeps_the_compiled_lexicon_under_the_var_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from crawler.cli import main

    monkeypatch.setenv("LCOM_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("LCOM_LEXICON_CACHE", raising=False)  # the suite's (conftest.py)
    ads = tmp_path / "ads.jsonl"
    ads.write_text(json.dumps({"id": "1", "text": "Net aangekomen"}) + "\n", encoding="utf-8")
    assert main(["flag", "--show-contacts", str(ads)]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == "1"
    cache = tmp_path / "var" / "cache" / "lexicons"
    assert len(entries(cache)) == 1
    assert load_lexicon(cache_dir=cache) is load_lexicon(cache_dir=cache)


def test_a_cold_cache_is_filled_by_a_child_process_and_loaded_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "lexicon").mkdir()
    folder, cache = make_lexicon(tmp_path / "lexicon", BODY), tmp_path / "cache"
    forks: list[int] = []
    real_fork = os.fork

    def counted_fork() -> int:
        pid = real_fork()
        if pid:
            forks.append(pid)
        return pid

    # As in a crawl process before it starts: no other thread runs.
    monkeypatch.setattr("threading.active_count", lambda: 1)
    monkeypatch.setattr(os, "fork", counted_fork)
    lexicon = compiled(folder, cache)
    assert len(forks) == 1 and len(entries(cache)) == 1
    fresh = compiled(folder, None)
    ads = [{"title": "", "text": "Oldstadt, just arrived, a young ~ team and young"}]
    assert analyses(lexicon, ads) == analyses(fresh, ads)
    assert IndicatorEngine(lexicon).analyse("", "Oldstadt is new", lang="xx").indicators


def test_while_another_thread_runs_the_lexicon_is_compiled_here_without_a_fork(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_fork() -> int:
        raise AssertionError("forked while another thread runs")

    monkeypatch.setattr("threading.active_count", lambda: 2)
    monkeypatch.setattr(os, "fork", no_fork)
    cache = tmp_path / "cache"
    lexicon = compiled(make_lexicon(tmp_path, BODY), cache)
    assert len(entries(cache)) == 1  # stored all the same
    assert IndicatorEngine(lexicon).analyse("", "Oldstadt is new", lang="xx").indicators


def test_the_bundled_lexicons_compile_to_the_same_tables_in_every_process(
    tmp_path: Path,
) -> None:
    """The order of a regex's alternatives never follows a set's order, which changes
    with each process's hash seed: two processes write the same tables."""
    script = (
        "import sys\n"
        "from pipelines.engine import lexicon\n"
        "from pipelines.engine.lexicon_cache import LexiconCache\n"
        "lexicon._compile(lexicon.DEFAULT_LEXICON_DIR, LexiconCache(sys.argv[1]))\n"
    )
    tables = []
    for seed in ("1", "2"):
        cache = tmp_path / f"seed-{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
        subprocess.run([sys.executable, "-c", script, str(cache)], env=env, check=True)
        (entry,) = entries(cache)
        tables.append((entry.name, (entry / TABLES_FILE).read_bytes()))
    assert tables[0] == tables[1]
