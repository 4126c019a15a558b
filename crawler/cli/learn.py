"""``lcom learn SET.jsonl ...``: train the learned backstop of the indicator engine.

Reads labelled ads in JSON Lines, in the evaluation format and nothing else: each line an
object with exactly ``id``, ``lang``, ``title``, ``text`` and ``labels`` (a list of
category ids; see ``../shared/eval/README.md``). Train only on labelled sets of invented
ads, never on crawled ones: the model keeps the words it learned from. A line with other
fields (a crawled item's ``url``, ``source``, ``doc_id`` ...) is refused. Contacts and
advertised names are replaced by tokens before training, as the crawl does.

It trains one logistic regression per indicator category and one for "the ad carries an
indicator" (:mod:`pipelines.engine.learned`), deterministically, and writes the model to
the lexicon folder (``--lexicons``, default the bundled one: ``learned.json``, or
``--out``), stamped with the lexicon version of its config.yaml: the lexicon refuses a
model of another version, so every stored hit's ``lexicon_version`` names the model it
was flagged with. A model that would change the decisions of the current version is not
written over: change ``version`` first. Keep the sets the model was trained on out of
honest evaluations (docs/indicators.md); ``make learn`` trains on the sets listed in the
Makefile.

Exit code: 0 when the model was written (or is unchanged), 2 when a set cannot be read,
holds no ad or a line that is no labelled invented ad, or the model cannot be written.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

#: The fields of a labelled ad, and no other.
FIELDS = frozenset({"id", "lang", "title", "text", "labels"})
#: The lexicon sets (``sets:``) of nationalities and countries, in the languages' files.
NATIONALITY_SETS = ("nat", "nat_noun", "nat_adj", "nat_base", "country", "from_country")


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
        "--lexicons",
        type=Path,
        default=None,
        metavar="DIR",
        help="lexicon folder whose version and word sets the model is made for "
        "(default: the bundled one)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="model file to write (default: learned.json in the lexicon folder)",
    )
    parser.set_defaults(func=run)


class _BadSet(ValueError):
    pass


def read_set(path: Path) -> list[tuple[str, str, frozenset[str]]]:
    """The ``(title, text, labels)`` of every ad of a labelled set; :class:`_BadSet`
    names the line that is no labelled ad."""
    from pipelines.engine.categories import CATEGORIES, DERIVED_CATEGORIES

    known = {*CATEGORIES, *DERIVED_CATEGORIES}
    ads = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise _BadSet(f"cannot read labelled ads ({exc})") from exc
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            ad = json.loads(line)
        except ValueError as exc:
            raise _BadSet(f"line {number}: not JSON ({exc})") from exc
        if not isinstance(ad, dict):
            raise _BadSet(f"line {number}: not a JSON object")
        extra = sorted(set(ad) - FIELDS)
        if extra:
            raise _BadSet(
                f"line {number}: field(s) {', '.join(extra)}: only labelled invented ads "
                f"({', '.join(sorted(FIELDS))}) are learned from, never crawled items"
            )
        title, text, labels = ad.get("title") or "", ad.get("text") or "", ad.get("labels")
        if not isinstance(title, str) or not isinstance(text, str):
            raise _BadSet(f"line {number}: title and text must be text")
        if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
            raise _BadSet(f"line {number}: labels must be a list of category ids")
        unknown = sorted(set(labels) - known)
        if unknown:
            raise _BadSet(
                f"line {number} (ad {ad.get('id')}): unknown label(s) {', '.join(unknown)} "
                f"(known: {', '.join(CATEGORIES)})"
            )
        ads.append((title, text, frozenset(labels)))
    if not ads:
        raise _BadSet("no ads")
    return ads


def run(args: argparse.Namespace) -> int:
    from pipelines.engine.learned import LearnedModel, LearnedModelError, train, training_set
    from pipelines.engine.lexicon import (
        DEFAULT_LEXICON_DIR,
        LexiconError,
        config_version,
        set_words,
    )

    ads: list[tuple[str, str, frozenset[str]]] = []
    sets = []
    for path in args.sets:
        try:
            found = read_set(path)
        except _BadSet as exc:
            print(f"lcom learn: {path}: {exc}", file=sys.stderr)
            return 2
        ads += found
        sets.append(training_set(path, len(found)))
    folder = args.lexicons or Path(DEFAULT_LEXICON_DIR)
    try:
        version = config_version(folder)
        # The context lift never rests on a nationality.
        words = (set_words(name, folder) for name in NATIONALITY_SETS)
        unread = {"hit": frozenset().union(*words)}
    except LexiconError as exc:
        print(f"lcom learn: {exc}", file=sys.stderr)
        return 2
    model = train(ads, sets, lexicon_version=version, unread=unread)
    out = args.out or folder / "learned.json"
    new = model.dumps().encode("utf-8")
    try:
        old = out.read_bytes() if out.exists() else None
    except OSError:
        old = None
    if old is not None and old != new:
        try:
            previous = LearnedModel.load(out).lexicon_version
        except LearnedModelError:
            previous = None
        if previous == version:
            print(
                f"lcom learn: {out} holds the model of lexicon version {version}, and the "
                "new one changes its decisions: change `version` in config.yaml first "
                "(every stored hit records it), then run again",
                file=sys.stderr,
            )
            return 2
    try:
        out.write_bytes(new)
    except OSError as exc:
        print(f"lcom learn: cannot write {out}: {exc}", file=sys.stderr)
        return 2
    print(
        f"trained on {len(ads)} ads of {len(sets)} sets: {len(model)} features, "
        f"lexicon version {version} -> {out}"
    )
    return 0
