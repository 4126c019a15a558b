"""Whole-process speed of ``lcom flag`` against langdetect alone, in the same run.

    .venv/bin/python bench/flag.py [--data ../shared/eval/lingua-sentences] [--runs N]
                                   [--ads ADS.jsonl] [--repeat N]

Writes the shared language sentences (8 x 1,000) as JSON Lines ads, then times, each as
its own process, start-up included:

* ``lcom flag`` on all of them (language, indicators, age, price, score per ad);
* langdetect alone on the same sentences (``detect`` per sentence: language only);
* ``lcom flag`` on one ad (the cost of a single call);
* ``lcom flag`` on escort ads: the shared development ads (``--ads``, else the bundled
  set: see ``bench/pipeline.py``) repeated ``--repeat`` times, and half as many times,
  each copy with other phone numbers (``copy_text`` in ``pipelines/engine/evaluate.py``:
  a process keeps the readings of numbers it parsed, and repeated numbers would time
  that cache, not new ads).
  Its throughput is the whole chain per ad (reading, language, analysis, contact
  redaction of the evidence, writing), three ways: per CPU second once started (the
  one-ad call's CPU time taken off); per CPU second of each ad beyond the first half
  (the difference of the two runs, in which every first-use cost cancels out: the
  language models lingua loads for the first ad that needs them, the patterns compiled
  on first use); and per wall-clock second of the whole process. Target at least 1,000
  ads/s on one core, for the ads of a run that has started (the second figure).

The ``lcom flag`` processes run with a fresh ``LCOM_VAR_DIR``: a first one-ad call
compiles the lexicons and stores them in its cache (printed as "first call after a
lexicon change"); the measured calls load them from there, as every call does until the
lexicons change.

It prints wall-clock seconds and CPU seconds (user + system of the child process; less
disturbed by other work on the machine), the median of ``--runs``, and a verdict per
target: the ratio langdetect / lcom flag (at least 3x), the one-ad call (under 1 s) and
the chain on ads (at least 1,000 ads/s).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.engine.evaluate import bench_set, bench_set_note, copy_text  # noqa: E402

SENTENCES = Path("shared") / "eval" / "lingua-sentences"
# A checkout next to the shared folder, or a worktree one level further down.
DEFAULT_DATA = next(
    (p / SENTENCES for p in ROOT.parents if (p / SENTENCES).is_dir()), ROOT.parent / SENTENCES
)
LANGUAGES = ("nl", "en", "de", "ro", "bg", "hu", "pl", "es")
REQUIRED_RATIO = 3.0
ONE_AD_TARGET_S = 1.0
CHAIN_TARGET_ADS_PER_S = 1000

LANGDETECT = """
import sys
from langdetect import DetectorFactory, LangDetectException, detect
DetectorFactory.seed = 0
count = 0
for line in open(sys.argv[1], encoding="utf-8"):
    try:
        detect(line)
    except LangDetectException:
        pass
    count += 1
print(count)
"""


def timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one child process (its output is discarded)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
        cwd=ROOT,
        env=env,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT MET"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--ads", type=Path, default=bench_set(), help="escort ads (JSON Lines)")
    parser.add_argument("--repeat", type=int, default=20, help="repetitions of --ads (20)")
    args = parser.parse_args()
    lcom = [sys.executable, "-m", "crawler"]
    with tempfile.TemporaryDirectory() as tmp:
        ads, plain = Path(tmp) / "ads.jsonl", Path(tmp) / "sentences.txt"
        count = 0
        with ads.open("w", encoding="utf-8") as out, plain.open("w", encoding="utf-8") as text:
            for code in LANGUAGES:
                for number, line in enumerate((args.data / f"{code}.txt").open(encoding="utf-8")):
                    if line.strip():
                        record = {"id": f"{code}-{number}", "title": "", "text": line.strip()}
                        out.write(json.dumps(record, ensure_ascii=False) + "\n")
                        text.write(line.strip() + "\n")
                        count += 1
        one = Path(tmp) / "one.jsonl"
        one.write_text(
            json.dumps({"id": "1", "title": "NIEUW in Utrecht", "text": "Net aangekomen, 24/7"})
            + "\n",
            encoding="utf-8",
        )
        records = [json.loads(line) for line in args.ads.open(encoding="utf-8") if line.strip()]
        half_repeat = max(1, args.repeat // 2)
        lines = ad_lines(records, args.repeat)
        half_count = len(records) * half_repeat  # the first copies: the same ads
        escort, escort_count = Path(tmp) / "escort.jsonl", len(lines)
        escort.write_text("".join(lines), encoding="utf-8")
        half = Path(tmp) / "half.jsonl"
        half.write_text("".join(lines[:half_count]), encoding="utf-8")
        env = {**os.environ, "LCOM_VAR_DIR": str(Path(tmp) / "var")}
        cold_wall, cold_cpu = timed([*lcom, "flag", str(one)], env)
        # Interleaved, so that a change of load on the machine hits both alike.
        flag_runs, ld_runs, one_runs, chain_runs, half_runs = [], [], [], [], []
        for _ in range(args.runs):
            flag_runs.append(timed([*lcom, "flag", str(ads)], env))
            ld_runs.append(timed([sys.executable, "-c", LANGDETECT, str(plain)]))
            one_runs.append(timed([*lcom, "flag", str(one)], env))
            chain_runs.append(timed([*lcom, "flag", str(escort)], env))
            half_runs.append(timed([*lcom, "flag", str(half)], env))
    flag_wall, flag_cpu = medians(flag_runs)
    ld_wall, ld_cpu = medians(ld_runs)
    one_wall, one_cpu = medians(one_runs)
    chain_wall, chain_cpu = medians(chain_runs)
    half_cpu = medians(half_runs)[1]
    print(f"{count:,} sentences, whole process (start-up included), median of {args.runs}:")
    print(f"{'':<36}{'wall s':>9}{'cpu s':>9}")
    print(f"{'langdetect alone':<36}{ld_wall:>9.2f}{ld_cpu:>9.2f}")
    print(f"{'lcom flag':<36}{flag_wall:>9.2f}{flag_cpu:>9.2f}")
    wall_ratio, cpu_ratio = ld_wall / flag_wall, ld_cpu / flag_cpu
    print(f"{'ratio langdetect / lcom flag':<36}{wall_ratio:>8.1f}x{cpu_ratio:>8.1f}x")
    print(f"{'lcom flag, one ad':<36}{one_wall:>9.2f}{one_cpu:>9.2f}")
    print(f"{'lcom flag, one ad, first call after':<36}{cold_wall:>9.2f}{cold_cpu:>9.2f}")
    print(f"{'  a lexicon change (compiles it)':<36}")
    print(f"{f'lcom flag, {escort_count:,} escort ads':<36}{chain_wall:>9.2f}{chain_cpu:>9.2f}")
    print(f"{f'lcom flag, {half_count:,} escort ads':<36}{'':>9}{half_cpu:>9.2f}")
    print(
        f"throughput: {wall_ratio:.1f}x wall-clock, {cpu_ratio:.1f}x CPU; "
        f"target {REQUIRED_RATIO:.0f}x: wall {verdict(wall_ratio >= REQUIRED_RATIO)}, "
        f"CPU {verdict(cpu_ratio >= REQUIRED_RATIO)}"
    )
    print(
        f"one ad: {one_wall:.2f} s wall-clock, {one_cpu:.2f} s CPU; target "
        f"{ONE_AD_TARGET_S:.0f} s: wall {verdict(one_wall < ONE_AD_TARGET_S)}, "
        f"CPU {verdict(one_cpu < ONE_AD_TARGET_S)}"
    )
    # Once started: the one-ad call is the start-up (and one ad), taken off.
    started = escort_count / max(chain_cpu - one_cpu, 1e-9)
    # Each ad's own cost: what the second half of the ads adds (first-use costs cancel).
    running = (escort_count - half_count) / max(chain_cpu - half_cpu, 1e-9)
    whole = escort_count / chain_wall
    chain = (
        f"chain on {args.ads.name} x {args.repeat}: {started:,.0f} ads per CPU second once "
        f"started, {running:,.0f} per CPU second beyond x {half_repeat}, {whole:,.0f} ads/s "
        f"wall-clock with start-up; target {CHAIN_TARGET_ADS_PER_S:,} ads/s on one core: "
        f"{verdict(running >= CHAIN_TARGET_ADS_PER_S)} (once started: "
        f"{verdict(started >= CHAIN_TARGET_ADS_PER_S)}) {bench_set_note(args.ads)}"
    )
    print(chain.rstrip())
    ok = (
        wall_ratio >= REQUIRED_RATIO
        and one_wall < ONE_AD_TARGET_S
        and running >= CHAIN_TARGET_ADS_PER_S
    )
    return 0 if ok else 1


def ad_lines(records: list[dict[str, Any]], repeat: int) -> list[str]:
    """``records`` as JSON Lines ads, ``repeat`` times (each time with other ids and other
    phone numbers: :func:`copy_text`)."""
    lines = []
    for round_ in range(repeat):
        for record in records:
            ad = {
                "id": f"{record.get('id')}-{round_}",
                "title": copy_text(record.get("title") or "", round_),
                "text": copy_text(record.get("text") or "", round_),
            }
            lines.append(json.dumps(ad) + "\n")
    return lines


def medians(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


if __name__ == "__main__":
    sys.exit(main())
