"""Whole-process speed of ``lcom flag`` against langdetect alone, in the same run.

    .venv/bin/python bench/flag.py [--data ../shared/eval/lingua-sentences] [--runs N]

Writes the shared language sentences (8 x 1,000) as JSON Lines ads, then times, each as
its own process, start-up included:

* ``lcom flag`` on all of them (language, indicators, age, price, score per ad);
* langdetect alone on the same sentences (``detect`` per sentence: language only);
* ``lcom flag`` on one ad (the cost of a single call).

It prints wall-clock seconds and CPU seconds (user + system of the child process; less
disturbed by other work on the machine), best of ``--runs``, and the ratio
langdetect / lcom flag for both (target: at least 3x), and the one-ad call
against its target of 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "eval" / "lingua-sentences"
LANGUAGES = ("nl", "en", "de", "ro", "bg", "hu", "pl", "es")
REQUIRED_RATIO = 3.0
ONE_AD_TARGET_S = 1.0

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


def timed(command: list[str], stdin_path: Path | None = None) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one child process (its output is discarded)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with open(stdin_path or os.devnull, "rb") as stdin:
        subprocess.run(
            command,
            stdin=stdin,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=True,
            cwd=ROOT,
        )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def best(command: list[str], runs: int) -> tuple[float, float]:
    results = [timed(command) for _ in range(runs)]
    return min(r[0] for r in results), min(r[1] for r in results)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--runs", type=int, default=3)
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
        flag_wall, flag_cpu = best([*lcom, "flag", str(ads)], args.runs)
        ld_wall, ld_cpu = best([sys.executable, "-c", LANGDETECT, str(plain)], args.runs)
        one_wall, one_cpu = best([*lcom, "flag", str(one)], args.runs)
    print(f"{count:,} sentences, whole process (start-up included), best of {args.runs}:")
    print(f"{'':<28}{'wall s':>10}{'cpu s':>10}")
    print(f"{'langdetect alone':<28}{ld_wall:>10.2f}{ld_cpu:>10.2f}")
    print(f"{'lcom flag':<28}{flag_wall:>10.2f}{flag_cpu:>10.2f}")
    wall_ratio, cpu_ratio = ld_wall / flag_wall, ld_cpu / flag_cpu
    print(f"{'ratio langdetect/lcom flag':<28}{wall_ratio:>9.1f}x{cpu_ratio:>9.1f}x"
          f"  (target {REQUIRED_RATIO:.0f}x)")  # fmt: skip
    print(f"{'lcom flag, one ad':<28}{one_wall:>10.2f}{one_cpu:>10.2f}"
          f"  (target {ONE_AD_TARGET_S:.0f} s wall)")  # fmt: skip
    ok = wall_ratio >= REQUIRED_RATIO and one_wall < ONE_AD_TARGET_S
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
