"""The matcher's compiled build (``setup.py``, mypyc) decides as its source, and runs
only when it was built from the source as it is (:mod:`pipelines.engine.native`)."""

from __future__ import annotations

import importlib.machinery
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from pipelines.engine import indicators, native
from pipelines.engine.evaluate import DEV_SET, load_labelled
from pipelines.engine.normalize import normalize

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
#: Set in CI: the compiled build must be there (a failed build is not a skipped test).
REQUIRE_ENV = "LCOM_REQUIRE_NATIVE"

#: Input a crawl may bring, beside the labelled ads: nothing, controls, a binary page
#: read as text, one endless word, emoji only, a long list of refusals.
HOSTILE = [
    "",
    "\x00\x01\x02 no \x7f\x1b[31m",
    bytes(range(256)).decode("latin-1") * 20,
    "a" * 50_000,
    "💋" * 5_000,
    "Sexy Mia, incall. " + "No agency, no driver, 24/7 ✘ 💋. " * 500,
    "'a'b'c'no " * 2_000,
    "nie: " + "agencja, kierowca, " * 2_000,
    "new " * 10_000,
    "Escort Mia, incall. never. " + "agency. " * 3_000,
]


def _compiled_or_skip() -> None:
    if "indicators" not in native.compiled():
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{REQUIRE_ENV}=1 but the matcher runs from its source: build it")
        pytest.skip("the matcher's compiled build is not installed (setup.py)")


def _decisions(module: ModuleType) -> list[str]:
    engine = module.IndicatorEngine.from_dir()
    files = sorted(DATA.glob("*.jsonl")) + ([DEV_SET] if DEV_SET.is_file() else [])
    out = []
    for path in files:
        for ad in load_labelled(path):
            out.append(repr(engine.analyse(ad.title, ad.text, lang=ad.lang, source="s")))
            for field in (ad.title, ad.text):
                found = engine.match(normalize(field), ad.lang)
                out.append(repr([(m.rule.id, m.start, m.end, m.kind) for m in found]))
    for text in HOSTILE:
        out.append(repr(engine.analyse("", text, lang="en", source="s").to_item_fields()))
        out.append(repr(engine.analyse(text, text[:500], lang="und").to_item_fields()))
    return out


def test_the_compiled_matcher_decides_as_its_source() -> None:
    _compiled_or_skip()
    source = native.load_source("indicators")
    assert source is not indicators and source.__file__.endswith("indicators.py")
    compiled, plain = _decisions(indicators), _decisions(source)
    assert len(compiled) == len(plain) > 10_000
    different = [i for i, (a, b) in enumerate(zip(compiled, plain, strict=True)) if a != b]
    assert not different, (compiled[different[0]], plain[different[0]])


def _fake_build(folder: Path, source: bytes, *, record: bool = True) -> None:
    (folder / "indicators.py").write_bytes(source)
    (folder / f"indicators{importlib.machinery.EXTENSION_SUFFIXES[0]}").write_bytes(b"\x7fELF")
    if record:
        built_from = native.source_digest(folder)
        (folder / f"indicators{native.BUILT_FROM_SUFFIX}").write_text(built_from + "\n")


def test_a_build_counts_only_for_the_sources_it_was_built_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(native, "_HERE", tmp_path)
    source = b"VALUE = 1\n"
    (tmp_path / "lexicon.py").write_text("TYPES = 1\n")
    _fake_build(tmp_path, source)
    assert native._current("indicators")
    (tmp_path / "indicators.py").write_bytes(b"VALUE = 2\n")  # edited after the build
    assert not native._current("indicators")
    _fake_build(tmp_path, source)
    assert native._current("indicators")
    # A module the compiled one relies on (its types, its constants) changed.
    (tmp_path / "lexicon.py").write_text("TYPES = 2\n")
    assert not native._current("indicators")
    _fake_build(tmp_path, source, record=False)  # built by hand, no record of its sources
    (tmp_path / f"indicators{native.BUILT_FROM_SUFFIX}").unlink()
    assert not native._current("indicators")
    for path in tmp_path.iterdir():
        path.unlink()
    assert not native._current("indicators")  # nothing built


def _import_in_subprocess(root: Path, **env: str) -> subprocess.CompletedProcess[str]:
    code = (
        "import pipelines.engine.indicators as m\n"
        "from pipelines.engine import native\n"
        "print(m.__file__.rsplit('/', 1)[-1], native.compiled())\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root), **env},
        capture_output=True,
        text=True,
        check=True,
    )


def test_the_source_runs_when_asked() -> None:
    result = _import_in_subprocess(ROOT, LCOM_PURE_PYTHON="1")
    assert result.stdout.split("\n")[0] == "indicators.py ()"
    assert "built from another version" not in result.stderr


def test_a_stale_build_is_not_imported_and_says_so(tmp_path: Path) -> None:
    _compiled_or_skip()
    # A copy of the package whose source changed after the build.
    shutil.copytree(ROOT / "pipelines", tmp_path / "pipelines")
    source = tmp_path / "pipelines" / "engine" / "indicators.py"
    source.write_text(source.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    check = [sys.executable, str(source.with_name("native.py"))]
    assert subprocess.run(check, check=False).returncode == 1  # what `make native` asks
    result = _import_in_subprocess(tmp_path, LCOM_PURE_PYTHON="0")
    assert result.stdout.split("\n")[0] == "indicators.py ()"
    assert "built from another version of the engine's sources" in result.stderr
    assert "make install" in result.stderr
    # As built, the copy runs its compiled module, silently.
    shutil.copy(ROOT / "pipelines" / "engine" / "indicators.py", source)
    assert subprocess.run(check, check=False).returncode == 0
    result = _import_in_subprocess(tmp_path, LCOM_PURE_PYTHON="0")
    assert result.stdout.split("\n")[0].startswith("indicators.cpython")
    assert result.stdout.split("\n")[0].endswith("('indicators',)")
    assert result.stderr == ""


def test_a_field_of_any_type_is_read_as_its_text() -> None:
    # The compiled build refuses an argument of another type than it declares: the
    # engine reads what a crawl gives (an age or a price an API sends as a number).
    for module in {indicators, native.load_source("indicators")}:
        engine = module.IndicatorEngine.from_dir()
        odd = engine.analyse(
            123,
            ["new in town"],
            lang=5,
            source=7,
            age_text=19.5,
            price_text=150,
            source_kind=3,
            lang_confidence="high",
        )
        assert odd.lang == "5" and odd.lang_confidence is None
        text = "Mia, new in town, 24/7, incall, 150 euro per hour"
        typed = engine.analyse("Mia", text, lang="en", age_text=19.5, price_text=150)
        read = engine.analyse("Mia", text, lang="en", age_text="19.5", price_text="150")
        assert typed.to_item_fields() == read.to_item_fields()
        assert typed.hit and typed.stated_age == 19
