"""Benchmark of indicator matching with the full lexicon.

    python bench/indicators.py [--repeat N]

Runs on the shared development set (``../shared/eval/ads_dev.jsonl``; without it, on the
bundled ``tests/engine/data/dev_2026_12o.jsonl``, half of whose ads are ordinary
classifieds with fewer matches: figures of the two do not compare) repeated and prints,
per ad:

* matching: normalisation plus the Aho-Corasick lexicon match with boundary, negation,
  benign and context checks, over title and text (target: <= 100 µs/ad);
* full analysis: ``IndicatorEngine.analyse`` with the language given (adds stated age,
  price and scoring);
* both again as ``lcom flag`` runs them, on batches of 64 ads stage by stage
  (``IndicatorEngine.analyse_many``; matching: the fields of 64 ads normalised, then
  matched): each stage then runs on warm processor caches;
* where the matcher runs compiled (``setup.py``, mypyc), matching again with its source
  in the same run, and the compiled build's speed-up over it;
* a naive baseline in the same run: one compiled regular expression per lexicon
  pattern expansion, each searched over the normalised title and text (on the first
  20 ads only: it is that slow);

and the speed-up of the engine's matching over the baseline.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipelines.engine.evaluate import bench_set, bench_set_note, load_labelled
from pipelines.engine.indicators import AdText, IndicatorEngine
from pipelines.engine.lexicon import _WILD_MARK, _WILD_REGEX, _expand
from pipelines.engine.native import compiled, load_source
from pipelines.engine.normalize import normalize

TARGET_US = 100.0
BATCH = 64  # ads per batch, as lcom flag reads them (crawler/cli/flag.py: BATCH_LINES)
NAIVE_SAMPLE = 20  # ads: the baseline takes about half a second per ad


def naive_patterns(engine: IndicatorEngine) -> list[re.Pattern[str]]:
    """One regex per pattern expansion: the obvious implementation without an automaton."""
    compiled = []
    for rule, pattern in engine.lexicon.patterns:
        for key, left_open, right_open, tail in _expand(rule, pattern):
            left = "" if left_open else r"(?<![^\W_])"
            right = r"[^\W_]*" if right_open else r"(?![^\W_])"
            tail = (tail or "").replace(_WILD_MARK, _WILD_REGEX)
            compiled.append(re.compile(left + re.escape(key) + tail + right))
    return compiled


def timed(label: str, count: int, func: Callable[[], None], runs: int = 3) -> float:
    """Best of ``runs`` timings (the least disturbed by other processes)."""
    seconds = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        func()
        seconds = min(seconds, time.perf_counter() - start)
    per_ad = seconds / count * 1e6
    print(f"{label:<34}{per_ad:>10.1f} µs/ad {count / seconds:>12,.0f} ads/s")
    return per_ad


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=50, help="dev set repetitions (50)")
    args = parser.parse_args()
    data = bench_set()
    if not data.is_file():
        print(f"development set not found: {data.resolve()}", file=sys.stderr)
        return 2

    start = time.perf_counter()
    engine = IndicatorEngine.from_dir()
    compile_s = time.perf_counter() - start
    ads = load_labelled(data)
    if not ads:
        print(f"no ads in {data.resolve()}", file=sys.stderr)
        return 2
    batch = [(ad.title, ad.text, ad.lang) for ad in ads] * args.repeat
    lexicon = engine.lexicon
    print(
        f"lexicon {lexicon.version}: {len(lexicon.patterns)} patterns, "
        f"{len(lexicon.automaton)} automaton keys, compiled in {compile_s:.2f} s"
    )
    build = "compiled (mypyc)" if "indicators" in compiled() else "its source (plain Python)"
    print(f"{len(ads)} ads of {data.name} x {args.repeat} = {len(batch)} ads")
    print(f"the matcher runs {build}\n")

    def matching(engine: IndicatorEngine = engine) -> None:
        for title, text, lang in batch:
            engine.match(normalize(title), lang)
            engine.match(normalize(text), lang)

    def analysis() -> None:
        for title, text, lang in batch:
            engine.analyse(title, text, lang=lang)

    def matching_staged() -> None:
        for first in range(0, len(batch), BATCH):
            part = batch[first : first + BATCH]
            fields = [(normalize(title), normalize(text), lang) for title, text, lang in part]
            for title_norm, text_norm, lang in fields:
                engine.match(title_norm, lang)
                engine.match(text_norm, lang)

    ads_in = [AdText(title, text, lang) for title, text, lang in batch]

    def analysis_staged() -> None:
        for first in range(0, len(ads_in), BATCH):
            engine.analyse_many(ads_in[first : first + BATCH])

    engine_us = timed("matching (normalise + match)", len(batch), matching)
    timed("full analysis", len(batch), analysis)
    staged_us = timed(f"matching, {BATCH} ads at a time", len(batch), matching_staged)
    timed(f"full analysis, {BATCH} at a time", len(batch), analysis_staged)
    if "indicators" in compiled():
        source_engine = load_source("indicators").IndicatorEngine.from_dir()
        source_us = timed("matching, source build", len(batch), lambda: matching(source_engine))
        print(f"{'':<34}{source_us / engine_us:>10.2f}x faster compiled")

    patterns = naive_patterns(engine)
    sample = batch[:NAIVE_SAMPLE]

    def naive() -> None:
        for title, text, _ in sample:
            for value in (normalize(title).text, normalize(text).text):
                for pattern in patterns:
                    pattern.search(value)

    naive_us = timed(f"naive baseline ({len(patterns)} regexes)", len(sample), naive, runs=1)
    print(f"\nspeed-up of matching over the naive baseline: {naive_us / engine_us:,.0f}x")
    for label, figure in (("one ad at a time", engine_us), (f"{BATCH} at a time", staged_us)):
        verdict = "meets" if figure <= TARGET_US else "MISSES"
        note = f"matching, {label}, {verdict} the target of {TARGET_US:.0f} µs/ad"
        print(f"{note} {bench_set_note(data)}".rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
