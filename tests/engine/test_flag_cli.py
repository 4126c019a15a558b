"""``lcom flag``: JSON Lines in, one JSON line out per input line, in input order."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.cli import main
from pipelines.engine import indicators as indicators_module


def every_ad_in_english(monkeypatch: pytest.MonkeyPatch) -> None:
    """No language detection (no model loaded): every ad reads as English."""
    monkeypatch.setattr(indicators_module, "quick_language_or_none", lambda text: ("en", 0.9))
    monkeypatch.setattr(indicators_module, "detect_language_or_unknown", lambda text: ("en", 0.9))


@pytest.fixture
def no_language_models(monkeypatch: pytest.MonkeyPatch) -> None:
    """Skip loading the language models: these tests are about the CLI contract."""
    every_ad_in_english(monkeypatch)


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def run_flag(
    capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, list[dict[str, object]], str]:
    code = main(["flag", *args])
    captured = capsys.readouterr()
    return code, [json.loads(line) for line in captured.out.splitlines()], captured.err


GOOD = [
    json.dumps({"id": "a", "title": "Just arrived", "text": "Sexy Anna, available 24/7", "x": 1}),
    json.dumps({"id": "b", "title": "Bike for sale", "text": "3 years old, 250 euro"}),
    json.dumps({"id": "c", "title": "Romanian girl", "text": "No limits"}),
]


@pytest.mark.usefixtures("no_language_models")
def test_output_has_one_line_per_input_in_input_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_flag(capsys, str(write_lines(tmp_path / "ads.jsonl", GOOD)))
    assert code == 0
    assert err.splitlines() == [
        "lcom flag: line 1: unknown field 'x' ignored; the fields read are id, title, text, "
        "source_kind"
    ]
    assert [o["id"] for o in out] == ["a", "b", "c"]
    first = out[0]
    assert set(first) == {"id", "lang", "context", "indicators", "categories", "score", "hit"}
    assert first["context"]["service"] is True
    assert first["categories"] == ["availability_24_7", "movement"]
    assert first["lang"] == "en"
    assert first["hit"] is True
    indicator = first["indicators"][0]
    assert set(indicator) == {"category", "rule", "evidence", "weight"}
    assert set(indicator["evidence"]) == {"field", "snippet", "start", "end"}
    assert out[1]["indicators"] == [] and out[1]["hit"] is False


@pytest.mark.usefixtures("no_language_models")
def test_bad_lines_give_an_error_line_and_processing_continues(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        GOOD[0],
        "{not json",
        "",
        json.dumps(["a", "list"]),
        json.dumps({"id": 7, "title": 42, "text": "x"}),
        GOOD[2],
    ]
    code, out, err = run_flag(capsys, str(write_lines(tmp_path / "ads.jsonl", lines)))
    assert code == 1
    assert [o.get("id") for o in out] == ["a", None, None, None, 7, "c"]
    assert all("error" in o for o in out[1:5])
    assert "indicators" in out[5]
    for number in (2, 3, 4, 5):
        assert f"line {number}:" in err
    assert "blank line" in out[2]["error"]


@pytest.mark.usefixtures("no_language_models")
def test_no_origin_and_threshold_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_lines(tmp_path / "ads.jsonl", [GOOD[2]])
    _, (with_origin,), _ = run_flag(capsys, str(path))
    _, (without,), _ = run_flag(capsys, "--no-origin", "--threshold", "5", str(path))
    assert "origin" in {i["category"] for i in with_origin["indicators"]}
    assert "origin" not in {i["category"] for i in without["indicators"]}
    assert with_origin["hit"] is True and without["hit"] is False


@pytest.mark.usefixtures("no_language_models")
def test_reads_standard_input(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(GOOD) + "\n"))
    code, out, _ = run_flag(capsys)
    assert code == 0
    assert [o["id"] for o in out] == ["a", "b", "c"]


def test_missing_file_and_bad_lexicons_exit_with_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_flag(capsys, str(tmp_path / "missing.jsonl"))
    assert code == 2 and out == [] and "cannot read" in err
    code, out, err = run_flag(capsys, "--lexicons", str(tmp_path), str(tmp_path / "x.jsonl"))
    assert code == 2 and "config.yaml" in err


def test_language_is_detected_when_the_module_is_available(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = json.dumps(
        {"id": "nl", "title": "Nieuw in Utrecht", "text": "Hoi schatjes, ik ben net aangekomen"}
    )
    code, (out,), _ = run_flag(capsys, str(write_lines(tmp_path / "ads.jsonl", [line])))
    assert code == 0
    assert out["lang"] in {"nl", "unknown"}


@pytest.mark.usefixtures("no_language_models")
def test_an_ordinary_classified_gets_its_context_decision_and_no_categories(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ad = {"id": "t", "title": "Band on tour", "text": "Young band on tour, tickets 20 euro."}
    code, out, _ = run_flag(capsys, str(write_lines(tmp_path / "a.jsonl", [json.dumps(ad)])))
    assert code == 0
    assert out[0]["context"]["service"] is False
    assert out[0]["indicators"] == [] and out[0]["categories"] == [] and out[0]["hit"] is False
    assert "explanation" not in out[0]


@pytest.mark.usefixtures("no_language_models")
def test_explain_lists_the_context_and_every_set_aside_cue_with_its_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ads = [
        {"id": "out", "title": "Band on tour", "text": "Young band on tour, tickets 20 euro."},
        {"id": "in", "title": "Anna", "text": "Escort Anna, not new in town, outcall 24/7."},
    ]
    path = write_lines(tmp_path / "a.jsonl", [json.dumps(a) for a in ads])
    code, out, _ = run_flag(capsys, "--explain", str(path))
    assert code == 0
    outside, inside = (o["explanation"] for o in out)
    assert outside["context"]["service"] is False
    # "young" and "tour" lack the words their sense rules ask for; the rest is outside
    # the context.
    assert {s["reason"] for s in outside["suppressed"]} <= {"sense", "out_of_context"}
    assert {s["category"] for s in outside["suppressed"]} == {"movement", "youth"}
    assert outside["matched"] == []
    assert inside["context"]["service"] is True
    negated = [s for s in inside["suppressed"] if s["category"] == "movement"]
    assert negated and negated[0]["reason"] == "negated" and negated[0]["detail"] == "not"
    assert [m["category"] for m in inside["matched"]] == ["availability_24_7"]


@pytest.mark.usefixtures("no_language_models")
def test_the_source_kind_is_a_prior_and_must_be_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ads = [
        {"id": "k", "title": "Mia", "text": "New in town.", "source_kind": "escort"},
        {"id": "n", "title": "Mia", "text": "New in town."},
        {"id": "bad", "title": "Mia", "text": "New in town.", "source_kind": 3},
    ]
    path = write_lines(tmp_path / "a.jsonl", [json.dumps(a) for a in ads])
    code, out, err = run_flag(capsys, str(path))
    assert code == 1
    assert out[0]["hit"] is True and out[0]["categories"] == ["movement"]
    assert out[1]["hit"] is False
    assert out[2] == {"id": "bad", "error": "field 'source_kind' is not a string"}
    assert "line 3" in err


def test_every_hostile_line_gives_exactly_one_strict_json_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    every_ad_in_english(monkeypatch)
    monkeypatch.setenv("LCOM_MAX_TEXT_CHARS", "1000")
    lines = [
        b"",
        b"   ",
        b"{not json",
        b'{"id": "s", "title": "\\ud800", "text": "x"}',
        b'{"id": "\\udfff", "text": "x"}',
        b'{"id": ' + b"9" * 5000 + b', "text": "x"}',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"id": NaN, "text": "x"}',
        b'{"id": Infinity, "text": "x"}',
        b'{"id": "big", "text": "' + b"a" * 1001 + b'"}',
        b'{"id": "bytes", "text": "new in town \xff\xfe 24/7"}',
        b'{"id": "ok", "title": "Just arrived", "text": "Sexy escort, available 24/7"}',
    ]
    path = tmp_path / "hostile.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    code, out, err = run_flag(capsys, str(path))
    assert code == 1
    assert len(out) == len(lines)
    assert [("error" in o) for o in out] == [True] * 10 + [False, False]
    assert out[-2]["id"] == "bytes" and out[-1]["hit"] is True
    assert "line 11: invalid UTF-8 bytes replaced" in err
    assert "longer than 1000" in out[9]["error"]
    assert [o["id"] for o in out[:9]] == [None, None, None, "s", None, None, None, None, None]


def test_misspelt_fields_are_reported_once_with_a_suggestion(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    every_ad_in_english(monkeypatch)
    lines = [json.dumps({"id": n, "titel": "Just arrived", "txt": "24/7"}) for n in range(3)]
    code, out, err = run_flag(capsys, str(write_lines(tmp_path / "ads.jsonl", lines)))
    assert code == 0 and len(out) == 3
    assert err.count("unknown field 'titel' ignored (did you mean 'title'?)") == 1
    assert err.count("unknown field 'txt' ignored (did you mean 'text'?)") == 1


def test_one_ad_loads_no_language_model_it_does_not_need() -> None:
    from pipelines.engine.language import LanguageDetector

    detector = LanguageDetector()
    assert detector.detect("ok") == ("unknown", 0.0)
    assert detector.loaded is False


CONTACT_AD = json.dumps(
    {
        "id": "ad-0612345678",
        "title": "New in town",
        "text": "Just arrived, call 06 1234 5678 or mail anna@example.com, 24/7",
    }
)
PLAIN_CONTACTS = ("0612345678", "06 1234 5678", "anna@example.com", "612345678")


@pytest.mark.usefixtures("no_language_models")
def test_contacts_are_redacted_in_the_output_by_default(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LCOM_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("LCOM_PSEUDONYM_KEY_FILE", raising=False)
    code = main(["flag", str(write_lines(tmp_path / "ads.jsonl", [CONTACT_AD]))])
    captured = capsys.readouterr()
    assert code == 0
    assert not any(contact in captured.out for contact in PLAIN_CONTACTS)
    (out,) = [json.loads(line) for line in captured.out.splitlines()]
    snippets = " ".join(i["evidence"]["snippet"] for i in out["indicators"])
    assert "[phone]" in snippets and "[email]" in snippets
    assert out["id"] == "ad-[phone]"


@pytest.mark.usefixtures("no_language_models")
def test_contacts_become_pseudonym_tokens_when_a_key_is_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LCOM_PSEUDONYM_KEY", "ab" * 32)
    monkeypatch.delenv("LCOM_PSEUDONYM_KEY_FILE", raising=False)
    main(["flag", str(write_lines(tmp_path / "ads.jsonl", [CONTACT_AD]))])
    out = capsys.readouterr().out
    assert not any(contact in out for contact in PLAIN_CONTACTS)
    assert "[phone:" in out and "[email:" in out


@pytest.mark.usefixtures("no_language_models")
def test_show_contacts_leaves_them_in_and_warns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["flag", "--show-contacts", str(write_lines(tmp_path / "a.jsonl", [CONTACT_AD]))])
    captured = capsys.readouterr()
    assert code == 0
    assert "06 1234 5678" in captured.out
    assert "--show-contacts" in captured.err and "plain text" in captured.err


def test_ads_after_one_whose_language_takes_long_are_flagged_meanwhile_in_input_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    last_read = threading.Event()
    order: list[str] = []

    def quick(text: str) -> tuple[str, float] | None:
        if text.startswith("hard"):
            return None  # the accurate stage (lingua) is needed
        order.append(text)
        if text.startswith("last"):
            last_read.set()
        return "en", 0.9

    def accurate(text: str) -> tuple[str, float]:
        assert last_read.wait(timeout=60), "the ads after were not read meanwhile"
        order.append(text)
        return "nl", 0.8

    monkeypatch.setattr(indicators_module, "quick_language_or_none", quick)
    monkeypatch.setattr(indicators_module, "detect_language_or_unknown", accurate)
    texts = ["hard one, net aangekomen", "easy, just arrived", "{bad", "last, new in town"]
    lines = [t if t.startswith("{") else json.dumps({"id": t[:4], "text": t}) for t in texts]
    code, out, err = run_flag(capsys, str(write_lines(tmp_path / "ads.jsonl", lines)))
    assert order == [texts[1], texts[3], texts[0]]
    assert [o.get("id") for o in out] == ["hard", "easy", None, "last"]
    assert [o.get("lang") for o in out] == ["nl", "en", None, "en"]
    assert code == 1 and "line 3" in err


@pytest.mark.usefixtures("no_language_models")
def test_the_output_is_the_same_whatever_the_batch_size(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from crawler.cli import flag

    lines = [*GOOD, "{bad", "", json.dumps({"id": 7, "title": 3})] * 7 + GOOD
    path = write_lines(tmp_path / "ads.jsonl", lines)
    outputs = []
    for size in (1, 2, 5, flag.BATCH_LINES, 1000):
        monkeypatch.setattr(flag, "BATCH_LINES", size)
        code = main(["flag", "--explain", str(path)])
        captured = capsys.readouterr()
        outputs.append((code, captured.out, captured.err))
    assert all(output == outputs[0] for output in outputs)
    assert len(outputs[0][1].splitlines()) == len(lines)


def _flag_process(tmp_path: Path) -> subprocess.Popen[bytes]:
    """``lcom flag`` reading a pipe, with its output to a pipe block-buffered (no
    ``PYTHONUNBUFFERED``): what it answers, it flushes itself."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    env["LCOM_VAR_DIR"] = str(tmp_path / "var")
    root = Path(__file__).resolve().parents[2]
    return subprocess.Popen(
        [sys.executable, "-m", "crawler", "flag"],
        cwd=root, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip


def _answers(process: subprocess.Popen[bytes]) -> list[bytes]:
    """The output lines of ``process`` as they come (read in a thread)."""
    answers: list[bytes] = []
    output = process.stdout
    assert output is not None
    threading.Thread(target=lambda: answers.extend(output), daemon=True).start()
    return answers


def _wait_for(answers: list[bytes], count: int) -> bool:
    deadline = time.monotonic() + PIPE_ANSWER_S
    while len(answers) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return len(answers) >= count


#: How long a line written to the pipe may wait for its answer (the first one includes
#: the start of the process and loading the lexicons, one needing lingua its models).
PIPE_ANSWER_S = 90.0
#: An ad whose language the fast stage cannot tell: lingua's, in the second thread.
SLOW_LANGUAGE = json.dumps(
    {"id": "slow", "title": "Sexy Anna", "text": "just arrived, 24/7 incall"}
)


def test_from_a_pipe_each_line_is_answered_before_the_next_is_written(tmp_path: Path) -> None:
    """A program that writes one ad and waits for its answer gets it: lines read from a
    pipe are not held back for a batch, nor for the second thread's language."""
    process = _flag_process(tmp_path)
    answers = _answers(process)
    assert process.stdin is not None
    lines = [*GOOD, SLOW_LANGUAGE]
    try:
        for number, line in enumerate(lines, start=1):
            process.stdin.write(line.encode() + b"\n")
            process.stdin.flush()
            assert _wait_for(answers, number), f"no answer to line {number}, the pipe open"
    finally:
        process.stdin.close()
        process.wait(timeout=60)
    assert [json.loads(a)["id"] for a in answers] == ["a", "b", "c", "slow"]


def test_a_line_written_in_part_holds_no_answer_back(tmp_path: Path) -> None:
    """A line and the start of the next in one write: the first is answered while the
    second is still coming."""
    process = _flag_process(tmp_path)
    answers = _answers(process)
    assert process.stdin is not None
    second = GOOD[1].encode() + b"\n"
    try:
        process.stdin.write(GOOD[0].encode() + b"\n" + second[:20])
        process.stdin.flush()
        assert _wait_for(answers, 1), "the first line waits for the second to end"
        process.stdin.write(second[20:])
        process.stdin.flush()
        assert _wait_for(answers, 2)
    finally:
        process.stdin.close()
        process.wait(timeout=60)
    assert [json.loads(a)["id"] for a in answers] == ["a", "b"]


@pytest.mark.usefixtures("no_language_models")
def test_a_read_error_writes_the_lines_read_before_it(engine: object) -> None:
    from crawler.cli.flag import flag_lines

    def lines() -> Iterator[str]:
        yield from GOOD
        raise OSError(5, "Input/output error")

    out = io.StringIO()
    with pytest.raises(OSError):
        flag_lines(engine, lines(), out, err=io.StringIO())
    assert [json.loads(line)["id"] for line in out.getvalue().splitlines()] == ["a", "b", "c"]


@pytest.mark.usefixtures("no_language_models")
def test_messages_about_a_line_come_just_before_its_output(engine: object) -> None:
    from crawler.cli.flag import flag_lines

    both = io.StringIO()  # standard output and error as one stream, as a terminal shows them
    lines = [GOOD[0].encode(), b"{bad", b'{"id": "u", "titel": "x", "text": "\xff"}']
    flag_lines(engine, lines, both, err=both)
    shown = [line[:24] for line in both.getvalue().splitlines()]
    assert shown == [
        "lcom flag: line 1: unkno",  # its field "x"
        '{"id": "a", "lang": "en"',
        "lcom flag: line 2: not v",
        '{"id": null, "error": "n',
        "lcom flag: line 3: inval",
        "lcom flag: line 3: unkno",
        '{"id": "u", "lang": "en"',
    ]


def test_long_lines_make_short_batches() -> None:
    from crawler.cli.flag import _Input

    lines = ["x" * 600] * 10 + ["y"] * 10
    sizes = [len(batch) for batch in _Input(lines).batches(size=8, chars=1_000)]
    assert sizes == [2, 2, 2, 2, 2, 8, 2]


def test_flagging_tunes_the_collector_and_sets_it_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    from crawler.cli import flag as flag_module

    seen: list[tuple[tuple[int, ...], int]] = []
    flag_lines = flag_module.flag_lines

    def watched(*args: object, **kwargs: object) -> int:
        seen.append((gc.get_threshold(), gc.get_freeze_count()))
        return flag_lines(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(flag_module, "flag_lines", watched)
    every_ad_in_english(monkeypatch)
    before = (gc.get_threshold(), gc.get_freeze_count())
    data = write_lines(tmp_path / "ads.jsonl", ['{"id": "a1", "text": "new in town"}'])
    code, records, _ = run_flag(capsys, str(data))
    assert code == 0 and len(records) == 1
    [(threshold, frozen)] = seen
    assert threshold[0] == flag_module.YOUNG_GENERATION and frozen > 0
    assert (gc.get_threshold(), gc.get_freeze_count()) == before


def test_flagging_leaves_what_a_caller_froze_frozen() -> None:
    import gc

    from crawler.cli.flag import _collector_tuned

    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with _collector_tuned():
            assert gc.get_freeze_count() == frozen
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
