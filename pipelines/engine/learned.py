"""The learned backstop: a linear model over the words of an ad.

The lexicon's rules find what they name; ads say the same things in words no rule
names. The backstop is one logistic regression per indicator category, and one for "the
ad carries any indicator", over the words, word pairs and five-letter word starts of the
normalised title and text. It is trained with ``lcom learn`` on labelled evaluation sets
of invented ads (never on real ads: the model keeps the words it learned from) and ships
as ``learned.json`` next to the lexicon files. The indicator engine uses it in two places
(``learned:`` in config.yaml sets the thresholds):

* in an ad that offers the services, a category the rules neither found nor set aside
  (negated, benign, out of sense) counts when its probability reaches ``category``; its
  evidence is the ad's word with the largest weight for that category;
* an ad whose context score falls short of the threshold by at most ``context_margin``
  is put in context when the probability that it carries an indicator reaches
  ``context``.

Training is deterministic (a fixed shuffle); the training texts have their contacts and
advertised names replaced by tokens first (as the crawl does before the engine runs), and
tokens (``[phone]``, ``[name]`` ...), features that contain a digit, occur in one training
ad only or in more than 6% of them are dropped. The model is a plain table: every
decision it takes can be read back as the weights of the words the ad holds. It records
the lexicon version it was trained for, and the lexicon refuses to load a model of
another version: a stored hit's ``lexicon_version`` names the model too.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import random
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np

from pipelines.engine.categories import CATEGORIES
from pipelines.engine.normalize import WORD, normalize

#: The model of "the ad carries at least one indicator" (the context lift).
HIT = "hit"
#: The targets, in the order of a weight row.
TARGETS = (HIT, *CATEGORIES)
#: The rule id of an indicator the backstop adds: ``learned:<category>``.
RULE_PREFIX = "learned:"
#: The context cue of an ad the backstop puts into context.
CONTEXT_CUE = "learned"
FORMAT = 1

# The tokens that stand for a contact or a name in redacted text: no feature.
_TOKEN = re.compile(r"\[[a-z]+(?::[0-9a-z]+)?\]")
_STEM = 5  # letters of a word start feature, for words longer than that
_MIN_ADS = 2  # a feature must occur in this many training ads
# ... and in at most this share of them: with eight languages, a word in half of one
# language's ads ("the", "je", "a") says nothing of a category, and is no evidence.
_MAX_SHARE = 0.06
_MIN_WEIGHT = 0.01  # weights below this (absolute) are dropped from the file


def features(texts: Sequence[str]) -> set[str]:
    """The features of normalised fields: ``w:`` a word, ``b:`` two words in a row,
    ``p:`` a word's first five letters (a stem for the endings of Hungarian, Polish,
    Bulgarian ...). Pairs do not run from one field into the next."""
    found: set[str] = set()
    for text in texts:
        words = WORD.findall(_TOKEN.sub(" ", text) if "[" in text else text)
        found.update(["w:" + w for w in words])
        found.update(["p:" + w[:_STEM] for w in words if len(w) > _STEM])
        found.update([f"b:{a} {b}" for a, b in itertools.pairwise(words)])
    return found


def locate(texts: Sequence[str], feature: str) -> list[tuple[int, int, int]]:
    """Where ``feature`` occurs: ``(field index, start, end)`` of its word (or words) in
    the normalised fields, in order."""
    kind, value = feature[:2], feature[2:]
    wanted = value.split(" ")
    spans = []
    for index, text in enumerate(texts):
        if "[" in text:  # tokens are no words: blank them out, offsets kept
            text = _TOKEN.sub(lambda m: " " * len(m.group()), text)
        words = list(WORD.finditer(text))
        for i, word in enumerate(words):
            found = word.group()
            one_word = found == value if kind == "w:" else found.startswith(value)
            if kind != "b:" and one_word and (kind == "w:" or len(found) > _STEM):
                spans.append((index, word.start(), word.end()))
            elif kind == "b:" and i + 1 < len(words) and [found, words[i + 1].group()] == wanted:
                spans.append((index, word.start(), words[i + 1].end()))
    return spans


@dataclass(frozen=True, slots=True)
class TrainingSet:
    """A labelled set the model was trained on, as recorded in the model file."""

    file: str
    sha256: str
    ads: int

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "sha256": self.sha256, "ads": self.ads}


class LearnedModel:
    """The trained weights: a row of ``len(TARGETS)`` weights per feature, and biases."""

    def __init__(
        self,
        vocabulary: Sequence[str],
        weights: np.ndarray,
        biases: Sequence[float],
        sets: Sequence[TrainingSet] = (),
        lexicon_version: str = "",
    ) -> None:
        if weights.shape != (len(vocabulary), len(TARGETS)) or len(biases) != len(TARGETS):
            raise ValueError("the weights do not fit the vocabulary and targets")
        if not (np.isfinite(weights).all() and np.isfinite(biases).all()):
            raise ValueError("a weight is not a finite number")
        self.lexicon_version = lexicon_version
        self.vocabulary = tuple(vocabulary)
        self.index = {feature: row for row, feature in enumerate(vocabulary)}
        self.weights = weights.astype(np.float64)
        self.biases = np.asarray(biases, dtype=np.float64)
        self.sets = tuple(sets)
        # The rows by feature kind, keyed without the prefix (:meth:`text_rows`).
        self._by_kind: dict[str, dict[str, int]] = {"w:": {}, "p:": {}, "b:": {}}
        for feature, row in self.index.items():
            # (A feature of another kind is none that features() finds.)
            self._by_kind.setdefault(feature[:2], {})[feature[2:]] = row

    def __len__(self) -> int:
        return len(self.index)

    def rows(self, found: Iterable[str]) -> list[int]:
        """The rows of the features of ``found`` the model knows, in order (the same
        sums and the same evidence in every process, whatever the hash seed)."""
        index = self.index
        return sorted(row for row in map(index.get, found) if row is not None)

    def text_rows(self, texts: Sequence[str]) -> list[int]:
        """``rows(features(texts))``, read from the words without writing each feature
        out (most features of an ad are none of the model's)."""
        words_of, stems_of, pairs_of = (self._by_kind[k].get for k in ("w:", "p:", "b:"))
        found: set[int | None] = set()
        for text in texts:
            words = WORD.findall(_TOKEN.sub(" ", text) if "[" in text else text)
            found.update(map(words_of, words))
            found.update(map(stems_of, [w[:_STEM] for w in words if len(w) > _STEM]))
            found.update(map(pairs_of, map(" ".join, itertools.pairwise(words))))
        found.discard(None)
        return sorted(cast("set[int]", found))

    def probabilities(self, rows: Sequence[int]) -> dict[str, float]:
        """``{target: probability}`` for an ad whose known features are ``rows``."""
        z = self.biases + self.weights[rows].sum(axis=0) if rows else self.biases
        return {t: _sigmoid(v) for t, v in zip(TARGETS, z.tolist(), strict=True)}

    def weight(self, feature: str, target: str) -> float:
        """The weight of ``feature`` for ``target`` (0 for an unknown feature)."""
        row = self.index.get(feature)
        return 0.0 if row is None else float(self.weights[row, TARGETS.index(target)])

    def strongest(self, rows: Sequence[int], target: str) -> tuple[str, float] | None:
        """The feature among ``rows`` (sorted) with the largest weight for ``target``, the
        first in the vocabulary's order on a tie, and that weight; ``None`` when no
        weight is positive."""
        if not rows:
            return None
        column = self.weights[rows, TARGETS.index(target)]
        best = int(column.argmax())
        if column[best] <= 0:
            return None
        return self.vocabulary[rows[best]], float(column[best])

    # ------------------------------------------------------------------ file format

    def to_dict(self) -> dict[str, Any]:
        vocabulary = self.vocabulary
        return {
            "format": FORMAT,
            "lexicon_version": self.lexicon_version,
            "targets": list(TARGETS),
            "trained_on": [s.to_dict() for s in self.sets],
            "biases": [round(float(b), 3) for b in self.biases],
            "features": {
                feature: [round(float(w), 3) for w in self.weights[self.index[feature]]]
                for feature in vocabulary
            },
        }

    def dumps(self) -> str:
        """The model file's text: JSON with one feature per line (a readable diff, and
        ``grep '"w:driver"'`` shows a word's weights)."""
        data = self.to_dict()
        table = data.pop("features")
        head = json.dumps(data, ensure_ascii=False)[:-1]
        rows = ",\n".join(
            f"{json.dumps(feature, ensure_ascii=False)}: {json.dumps(weights)}"
            for feature, weights in table.items()
        )
        return f'{head}, "features": {{\n{rows}\n}}}}\n'

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.dumps(), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> LearnedModel:
        """Read a model file. A file that is no model raises :class:`LearnedModelError`
        saying what is wrong (the lexicon loader names the file)."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise LearnedModelError(f"cannot read the learned model: {exc}") from exc
        except ValueError as exc:
            raise LearnedModelError(f"not valid JSON ({exc}); {_REBUILD}") from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise LearnedModelError(f"'format' must be {FORMAT}; {_REBUILD}")
        if data.get("targets") != list(TARGETS):
            raise LearnedModelError(f"'targets' must be {list(TARGETS)}; {_REBUILD}")
        table = data.get("features")
        biases = data.get("biases")
        if not isinstance(table, dict) or not isinstance(biases, list):
            raise LearnedModelError(f"'features' or 'biases' is missing; {_REBUILD}")
        try:
            weights = np.array(list(table.values()), dtype=np.float64)
            weights = weights.reshape(len(table), len(TARGETS))
            sets = [
                TrainingSet(str(s["file"]), str(s["sha256"]), int(s["ads"]))
                for s in data.get("trained_on") or []
            ]
            version = str(data.get("lexicon_version") or "")
            return cls(list(table), weights, [float(b) for b in biases], sets, version)
        except (TypeError, ValueError, KeyError) as exc:
            raise LearnedModelError(f"malformed weights ({exc}); {_REBUILD}") from exc


class LearnedModelError(ValueError):
    """A learned model file that cannot be used."""


_REBUILD = "rebuild it with `lcom learn` (docs/indicators.md)"


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


# ---------------------------------------------------------------------------- training


def ad_features(title: str | None, text: str | None) -> set[str]:
    """The features of an ad's title and text (normalised as the engine does)."""
    return features([normalize(title or "").text, normalize(text or "").text])


def redacted(title: str | None, text: str | None) -> tuple[str, str]:
    """A training ad's title and text as the engine reads them in a crawl: contacts
    replaced by ``[phone]``, ``[email]``, ``[handle]`` and advertised names by ``[name]``,
    so that the model learns no contact and no name."""
    from pipelines.engine.names import redact_names
    from pipelines.engine.pseudonyms import ContactRedactor

    redactor = ContactRedactor()
    fields = {"title": redactor.redact(title or "")[0], "text": redactor.redact(text or "")[0]}
    fields = redact_names(fields).fields
    return fields["title"], fields["text"]


def train(
    ads: Sequence[tuple[str | None, str | None, Iterable[str]]],
    sets: Sequence[TrainingSet] = (),
    *,
    lexicon_version: str = "",
    unread: Mapping[str, Iterable[str]] | None = None,
    epochs: int = 12,
    rate: float = 0.2,
    l2: float = 1e-4,
    seed: int = 1,
) -> LearnedModel:
    """Train on ``(title, text, labels)`` triples (redacted first, see :func:`redacted`):
    per-example AdaGrad on the logistic loss of every target at once, with an L2 penalty
    on the weights of the features an example holds. Deterministic for a given ``seed``.

    ``unread``: per target, words whose features keep a weight of 0 for it
    (nationalities and countries for ``hit``: the context lift never rests on a
    nationality)."""
    examples = [
        (ad_features(*redacted(title, text)), frozenset(labels)) for title, text, labels in ads
    ]
    counts = Counter(f for found, _ in examples for f in found)
    vocabulary = sorted(
        f
        for f, n in counts.items()
        if _MIN_ADS <= n <= _MAX_SHARE * len(examples) and not any(c.isdigit() for c in f)
    )
    index = {f: row for row, f in enumerate(vocabulary)}
    rows = [
        np.array(sorted(index[f] for f in found if f in index), dtype=np.intp)
        for found, _ in examples
    ]
    targets = np.array(
        [
            [1.0 if (t == HIT and labels) or t in labels else 0.0 for t in TARGETS]
            for _, labels in examples
        ]
    )
    trainable = np.ones((len(vocabulary), len(TARGETS)))
    for target, words in (unread or {}).items():
        skipped = {normalize(w).text for w in words}
        stems = {w[:_STEM] for w in skipped if len(w) > _STEM}
        column = TARGETS.index(target)
        for row, feature in enumerate(vocabulary):
            kind, value = feature[:2], feature[2:]
            if (kind == "p:" and value in stems) or not skipped.isdisjoint(value.split(" ")):
                trainable[row, column] = 0.0
    weights = np.zeros((len(vocabulary), len(TARGETS)))
    squares = np.full((len(vocabulary), len(TARGETS)), 1e-8)
    biases = np.zeros(len(TARGETS))
    bias_squares = np.full(len(TARGETS), 1e-8)
    order = list(range(len(examples)))
    rng = random.Random(seed)
    for _ in range(epochs):
        rng.shuffle(order)
        for i in order:
            held = rows[i]
            z = np.clip(biases + weights[held].sum(axis=0), -30.0, 30.0)
            error = 1.0 / (1.0 + np.exp(-z)) - targets[i]
            gradient = (error + l2 * weights[held]) * trainable[held]
            squares[held] += gradient * gradient
            weights[held] -= rate * gradient / np.sqrt(squares[held])
            bias_squares += error * error
            biases -= rate * error / np.sqrt(bias_squares)
    keep = np.abs(weights).max(axis=1) >= _MIN_WEIGHT
    kept = [f for f, k in zip(vocabulary, keep, strict=True) if k]
    return LearnedModel(kept, weights[keep], biases.tolist(), sets, lexicon_version)


def training_set(path: str | Path, ads: int) -> TrainingSet:
    """The record of one training file: its name, sha256 and number of ads."""
    path = Path(path)
    return TrainingSet(path.name, hashlib.sha256(path.read_bytes()).hexdigest(), ads)
