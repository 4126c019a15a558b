"""``lcom learn SET.jsonl ...``: train the learned backstop of the indicator engine.

Reads labelled ads in JSON Lines (the evaluation format: ``id``, ``lang``, ``title``,
``text``, ``labels``; see ``../shared/eval/README.md``), trains one logistic regression
per indicator category and one for "the ad carries an indicator"
(:mod:`pipelines.engine.learned`), and writes the model to the lexicon folder
(``learned.json``, or ``--out``). Train only on labelled sets of invented ads, never on
crawled ones: the model keeps the words it learned from. The run is deterministic.

The model changes the engine's decisions: change ``version`` in the lexicon folder's
config.yaml, and keep sets the model was trained on out of honest evaluations
(docs/indicators.md). ``make learn`` trains on the sets the bundled model lists in
``trained_on``.

Exit code: 0 when the model was written, 2 when a set cannot be read or holds no ad.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "learn",
        help="train the indicator engine's learned backstop on labelled ad sets",
        description=(
            "Train the learned backstop (one logistic regression per indicator category) "
            "on labelled JSON Lines sets of invented ads and write learned.json."
        ),
    )
    parser.add_argument(
        "sets",
        nargs="+",
        type=Path,
        metavar="SET.jsonl",
        help="labelled sets of invented ads (id, lang, title, text, labels), never crawled ads",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="model file to write (default: learned.json in the bundled lexicon folder)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pipelines.engine.categories import CATEGORIES, DERIVED_CATEGORIES
    from pipelines.engine.evaluate import load_labelled
    from pipelines.engine.learned import train, training_set
    from pipelines.engine.lexicon import DEFAULT_LEXICON_DIR, set_words

    ads: list[tuple[str, str, frozenset[str]]] = []
    sets = []
    for path in args.sets:
        try:
            labelled = load_labelled(path)
        except (OSError, ValueError, KeyError) as exc:
            print(f"lcom learn: {path}: cannot read labelled ads ({exc})", file=sys.stderr)
            return 2
        if not labelled:
            print(f"lcom learn: {path}: no ads", file=sys.stderr)
            return 2
        known = {*CATEGORIES, *DERIVED_CATEGORIES}
        for ad in labelled:
            unknown = sorted(ad.labels - known)
            if unknown:
                print(
                    f"lcom learn: {path}: ad {ad.id}: unknown label(s) {', '.join(unknown)} "
                    f"(known: {', '.join(CATEGORIES)})",
                    file=sys.stderr,
                )
                return 2
        ads += [(ad.title, ad.text, ad.labels) for ad in labelled]
        sets.append(training_set(path, len(labelled)))
    # Language names say a barrier ("no English") and its absence ("I speak English"):
    # only the rules read which.
    model = train(ads, sets, unread={"language_barrier": set_words("lang")})
    out = args.out or Path(DEFAULT_LEXICON_DIR) / "learned.json"
    model.save(out)
    print(f"trained on {len(ads)} ads of {len(sets)} sets: {len(model)} features -> {out}")
    print("the engine's decisions change: change `version` in the lexicon's config.yaml")
    return 0
