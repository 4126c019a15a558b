"""Language detection benchmark: langdetect (reference) against lcom's detector.

Runs both detectors on the same sentences in the same process and prints accuracy per
language and overall, sentences per second, and the speed ratio. Model loading is
timed separately and not counted in the throughput.

    .venv/bin/python bench/language.py [--data ../shared/eval/lingua-sentences] [--limit N]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.engine.language import (  # noqa: E402
    TARGET_LANGUAGES,
    LanguageDetector,
)

DEFAULT_DATA = ROOT.parent / "shared" / "eval" / "lingua-sentences"
REQUIRED_ACCURACY = 0.984
REQUIRED_SPEEDUP = 4.0


def load_sentences(folder: Path, limit: int | None) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for code in TARGET_LANGUAGES:
        lines = [line.strip() for line in (folder / f"{code}.txt").read_text("utf-8").splitlines()]
        pairs.extend((code, line) for line in lines[:limit] if line)
    return pairs


def langdetect_detector() -> Callable[[str], str]:
    from langdetect import DetectorFactory, LangDetectException, detect

    DetectorFactory.seed = 0

    def run(text: str) -> str:
        try:
            return detect(text).split("-")[0]
        except LangDetectException:
            return "unknown"

    return run


def measure(
    name: str, detect: Callable[[str], str], pairs: list[tuple[str, str]]
) -> tuple[float, float]:
    start = time.perf_counter()
    predictions = [detect(sentence) for _, sentence in pairs]
    elapsed = time.perf_counter() - start
    correct: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for (code, _), predicted in zip(pairs, predictions, strict=True):
        total[code] += 1
        correct[code] += predicted == code
    accuracy = sum(correct.values()) / len(pairs)
    speed = len(pairs) / elapsed
    per_language = "  ".join(f"{code} {correct[code] / total[code]:.1%}" for code in total)
    print(f"{name:<22} accuracy {accuracy:7.2%}   {speed:9.0f} sentences/s")
    print(f"{'':<22} {per_language}")
    return speed, accuracy


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=None, help="sentences per language")
    args = parser.parse_args()
    if not args.data.is_dir():
        print(f"no sentences at {args.data}", file=sys.stderr)
        return 2
    pairs = load_sentences(args.data, args.limit)
    print(f"{len(pairs)} sentences, {len(TARGET_LANGUAGES)} languages, one core\n")

    reference = langdetect_detector()
    started = time.perf_counter()
    reference("warm up the profiles")
    print(f"langdetect load        {time.perf_counter() - started:.2f} s")
    ours = LanguageDetector()
    started = time.perf_counter()
    ours.load()
    print(f"lcom load              {time.perf_counter() - started:.2f} s\n")

    reference_speed, _ = measure("langdetect (seed 0)", reference, pairs)
    our_speed, our_accuracy = measure("lcom cascade", lambda text: ours.detect(text)[0], pairs)
    ratio = our_speed / reference_speed
    print(f"\nspeed ratio lcom / langdetect: {ratio:.1f}x")
    ok = our_accuracy >= REQUIRED_ACCURACY and ratio >= REQUIRED_SPEEDUP
    print(
        f"requirement (accuracy >= {REQUIRED_ACCURACY:.1%}, >= {REQUIRED_SPEEDUP:.0f}x): "
        + ("met" if ok else "NOT met")
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
