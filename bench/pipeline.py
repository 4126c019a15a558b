"""End-to-end engine benchmark: language -> pseudonymise -> indicators -> minimise.

Runs the Scrapy-free engines as plain function calls, on one core, over the shared
development ads (``../shared/eval/ads_dev.jsonl``; without them, the bundled
``tests/engine/data/dev_2026_12o.jsonl``, whose figures do not compare) repeated
``--repeat`` times, each copy with other phone numbers (``copy_text`` in
``pipelines/engine/evaluate.py``: repeated numbers would time the cache of parsed
numbers, not new ads), and prints ads per second for each stage and end to end (target: at
least 1,000 ads/s end to end on the shared set), per CPU second of one core. The
language models are those lcom runs with (``LCOM_LANGUAGE_ACCURACY``, low by default).
Model and lexicon loading are timed separately.

    .venv/bin/python bench/pipeline.py [--data ADS.jsonl] [--repeat 20]
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import json
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.engine.evaluate import bench_set, bench_set_note, copy_text  # noqa: E402
from pipelines.engine.language import LanguageDetector, high_accuracy_from_env  # noqa: E402
from pipelines.engine.minimize import DEFAULT_ALLOWED_FIELDS, build_hit_document  # noqa: E402
from pipelines.engine.pseudonyms import Pseudonymizer, pseudonymize_item  # noqa: E402

DEFAULT_DATA = bench_set()  # the shared development set, else the bundled one
TARGET_ADS_PER_SECOND = 1000
# The dev set has no source; ads in English are posted in the Netherlands.
REGION = {"nl": "NL", "en": "NL", "de": "DE", "ro": "RO", "bg": "BG", "hu": "HU", "pl": "PL"}
BENCH_KEY = b"bench-only-pseudonym-key-32-bytes!!"


def load_items(path: Path, repeat: int) -> list[dict[str, Any]]:
    records = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    items = []
    for round_ in range(repeat):
        for record in records:
            region = REGION.get(record["lang"], "ES")
            items.append(
                {
                    "source": "bench",
                    "source_ad_id": f"{record['id']}-{round_}",
                    "url": f"http://127.0.0.1/ads/{record['id']}.html",
                    "title": copy_text(record["title"] or "", round_, region),
                    "text": copy_text(record["text"] or "", round_, region),
                    "city": None,
                    "name": None,
                    "contacts_raw": [],
                    "image_urls": [],
                    "source_country": region,
                    "fetched_at": "2026-11-29T05:40:00Z",
                    "body_sha256": "0" * 64,
                    "http_status": 200,
                    "rendered_js": False,
                    "policy_version": "bench",
                    "policy_hash": "bench",
                    "authorisation_id": "bench",
                    "legal_basis_id": "bench",
                    "run_id": "bench",
                }
            )
    return items


def indicator_stage() -> tuple[Callable[[dict[str, Any]], None], str]:
    """The indicator engine as a stage, through its documented API."""
    try:
        from pipelines.engine.indicators import IndicatorEngine

        engine = IndicatorEngine.from_dir()
    except Exception as exc:  # the engine is optional here: measure the rest
        print(f"indicator engine not available ({exc}); every ad counts as a hit")

        def mark_all(item: dict[str, Any]) -> None:
            item["hit"] = True

        return mark_all, "indicators (absent)"

    def analyse(item: dict[str, Any]) -> None:
        result = engine.analyse(item["title"], item["text"], lang=item["lang"], derive_origin=True)
        item.update(_as_fields(result))

    return analyse, "indicators"


def _as_fields(result: Any) -> Mapping[str, Any]:
    if isinstance(result, Mapping):
        return result
    for method in ("to_item_fields", "as_dict", "to_dict", "model_dump"):
        if callable(getattr(result, method, None)):
            return getattr(result, method)()
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        return dataclasses.asdict(result)
    return vars(result)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    if not args.data.is_file():
        print(f"no ads at {args.data}", file=sys.stderr)
        return 2
    items = load_items(args.data, args.repeat)

    started = time.perf_counter()
    # The language models lcom runs with (LCOM_LANGUAGE_ACCURACY, low by default), read
    # now: their loading is set-up, not work per ad.
    detector = LanguageDetector(high_accuracy=high_accuracy_from_env())
    detector.load(preload_models=True)
    pseudonymizer = Pseudonymizer(BENCH_KEY, "bench")
    analyse, indicator_name = indicator_stage()
    print(
        f"{len(items)} ads of {args.data.name}; language models "
        f"{'high' if detector.high_accuracy else 'low'} accuracy; set-up (models, lexicons) "
        f"{time.perf_counter() - started:.2f} s\n"
    )

    def language(item: dict[str, Any]) -> None:
        item["lang"], item["lang_confidence"] = detector.detect(f"{item['title']}\n{item['text']}")

    def pseudonymise(item: dict[str, Any]) -> None:
        pseudonymize_item(item, pseudonymizer)

    documents: list[dict[str, Any]] = []

    def minimise(item: dict[str, Any]) -> None:
        if item.get("hit"):
            documents.append(build_hit_document(item, DEFAULT_ALLOWED_FIELDS, "none"))

    stages: list[tuple[str, Callable[[dict[str, Any]], None]]] = [
        ("language", language),
        ("pseudonymise", pseudonymise),
        (indicator_name, analyse),
        ("minimise", minimise),
    ]
    # Stage by stage over all ads, so each stage gets its own clean timing. The figure is
    # per CPU second of this process (one core), so other load on a shared machine does
    # not count against it; wall-clock time is printed beside it.
    work = copy.deepcopy(items)
    total = wall = 0.0
    for name, stage in stages:
        started, started_wall = time.process_time(), time.perf_counter()
        for item in work:
            stage(item)
        elapsed = max(time.process_time() - started, 1e-9)
        total += elapsed
        wall += time.perf_counter() - started_wall
        print(f"{name:<22} {len(work) / elapsed:10.0f} ads/s")
    end_to_end = len(work) / total
    print(f"{'end to end':<22} {end_to_end:10.0f} ads/s  ({len(documents)} hits)")
    print(f"{'(wall clock)':<22} {len(work) / wall:10.0f} ads/s")
    met = end_to_end >= TARGET_ADS_PER_SECOND
    print(f"target >= {TARGET_ADS_PER_SECOND} ads/s end to end: " + ("met" if met else "NOT met"))
    note = bench_set_note(args.data)
    if note:
        print(note)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
