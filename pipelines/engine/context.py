"""The ad-context stage: does this ad offer sexual, escort or erotic-massage services?

Trafficking indicators only mean something inside that context: "young team", "on tour
in 12 cities", "24/7 on call" and "without limits" are ordinary words in a job ad, a
band's tour, a phone plan. The engine (:mod:`pipelines.engine.indicators`) asks this
stage first and keeps its indicators only when the answer is yes.

The decision is a small additive score over *cues*, each with a weight:

* word cues of the lexicons (``ad_context:`` in every language file): service words,
  incall/outcall and visits, erotic massage, the person's self-description, ... The
  best weight found in each cue group counts once. Groups with a negative weight mark
  an ordinary classified (a job, a sale, a course, an event) and pull the score down.
  Negated cues ("massage, no erotic services") do not count;
* a stated age of the person (``Anna, 23``), body measurements (``90-60-90``,
  ``cup D``, height and weight), a rate per hour or less (``30 min 80 €``), a
  flirtatious emoji (a kiss, lips);
* each indicator category found (after negation, benign and sense rules): trafficking
  indicators speak of a person on offer, so two of them make the context on their own,
  unless the ad also reads as an ordinary classified;
* the source's ``kind`` as a prior (``ad_context: source_kinds:`` in config.yaml), when
  the caller knows it.

The ad is in context when the score reaches ``ad_context: threshold``. The decision
carries its evidence, so an investigator (and a linguist) can see why.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pipelines.engine.lexicon import ContextConfig
from pipelines.engine.names import fold as _fold
from pipelines.engine.normalize import Normalized

__all__ = [
    "ContextCue",
    "ContextDecision",
    "decide",
    "find_flirt_emoji",
    "find_measurements",
    "find_person_name",
]

STATED_AGE_CUE = "stated_age"
MEASUREMENTS_CUE = "measurements"
RATE_CUE = "rate"
SOURCE_KIND_CUE = "source_kind"
INDICATOR_CUE = "indicator"
EMOJI_CUE = "emoji"
PERSON_NAME_CUE = "person_name"
DISABLED_CUE = "no_context_stage"  # the lexicon has no ad_context section

#: Flirtatious emoji (a kiss, lips, a wink of the devil ...); hearts and flames are
#: everywhere in ordinary ads and do not count.
FLIRT_EMOJI = frozenset("💋😘😈💦🍑🍒👅🥵😏🍆👙👠🫦")

# Vital statistics (90-60-90), a cup size, or a height together with a weight. The
# patterns of numbers start with a digit and look back from it ("no digit before the
# 9"): the regular-expression engine then skips to that digit at C speed instead of
# trying the look-behind at every position of the text. A cup size is looked for only
# where one of its words is.
_VITALS = re.compile(
    r"[1789](?<![\d-][1789])(?:(?<=1)[0-2]\d|(?<=[789])\d)[-/](?:[4-7]\d)[-/](?:[7-9]\d|1[0-2]\d)"
    r"(?![\d-])"
)
_CUP_WORDS = ("cup", "korbchen", "bh", "чашка", "kosar", "miseczka", "copa", "sutien")
_CUP = re.compile(
    r"(?<![^\W_])(?:cup|cupa|cupsize|korbchen|bh|чашка|kosar|miseczka|copa|sutien)"
    r" ?(?:size |marime |merete |rozmiar |)(?:[a-h]|dd|ddd)(?![^\W_])"
)
_HEIGHT = re.compile(r"1(?<![\d.,]1)(?:[.,][4-9]\d ?m|[4-9]\d ?(?:cm|см))(?![^\W_])")
_DIGIT = re.compile(r"\d")
_WEIGHT = re.compile(r"[4-9](?<![\d.,][4-9])\d ?(?:kg|кг)(?![^\W_])")


# The opening of a personal ad: a name, then a comma ("Roxy, Cardiff."), or the token the
# crawl's name redaction left anywhere in the text.
_OPENING_NAME = re.compile(r"\W{0,3}([^\W\d_][^\W\d_'-]{1,30}) ?, ")
_NAME_TOKEN = re.compile(r"\[name\]")
# A short ad signed with a name and a town before the number: "... Paulina, Toruń. +48 ...",
# "Кристи, Бургас, Меден рудник. 0876 ...". Only the end of the text is searched: the
# name before a ", " there, then the town(s) and the number up to the end.
_SIGNATURE_NAME = re.compile(r"(?:^|(?<=\s))([^\W\d_][^\W\d_'-]{1,30})$")
# Or with a name and her age ("... Дани, 28. 0885 ...", "Nikola, 27. 737 ..."): the age
# takes the town's place, and the number must follow it.
_SIGNATURE_REST = re.compile(
    r"(?:[^\W\d_][^\W\d_'-]{1,30}(?:(?: |, )[^\W\d_][^\W\d_'-]{1,30}){0,2}"
    r"\.? *(?:[+(]?\d[\d ()/+-]{5,}\s*)?"
    r"|(?:1[89]|[2-5]\d)\. *[+(]?\d[\d ()/+-]{5,}\s*)$"
)
_SIGNATURE_TAIL = 120


def find_person_name(original: str, not_names: frozenset[str]) -> tuple[int, int] | None:
    """Where ``original`` presents a person by name (see ``_OPENING_NAME``) or is signed
    with a name and a town at its end (``_SIGNATURE_NAME``, ``_SIGNATURE_REST``), or
    ``None``.
    ``not_names`` are folded words that are no names (the lexicons' words)."""
    token = _NAME_TOKEN.search(original)
    if token is not None:
        return token.span()
    match = _OPENING_NAME.match(original)
    if match is not None and match.group(1)[0].isupper():
        if _fold(match.group(1)) not in not_names:
            return match.span(1)
        return None
    tail = max(0, len(original) - _SIGNATURE_TAIL)
    comma = original.find(", ", tail)
    while comma != -1:
        name = _SIGNATURE_NAME.search(original, max(tail, comma - 32), comma)
        after = original[comma + 2 : comma + 3]  # nothing where the text ends at ", "
        if (
            name is not None
            and name.group(1)[0].isupper()
            and (after.isupper() or after.isdigit())
            and _SIGNATURE_REST.match(original, comma + 2) is not None
            and _fold(name.group(1)) not in not_names
        ):
            return name.span(1)
        comma = original.find(", ", comma + 2)
    return None


@dataclass(frozen=True, slots=True)
class ContextCue:
    """One piece of evidence for (or against) the service context."""

    cue: str
    weight: float
    rule: str | None = None
    field: str | None = None
    snippet: str | None = None
    start: int | None = None
    end: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"cue": self.cue, "weight": self.weight}
        if self.rule is not None:
            out["rule"] = self.rule
        if self.field is not None:
            out["evidence"] = {
                "field": self.field,
                "snippet": self.snippet,
                "start": self.start,
                "end": self.end,
            }
        return out


@dataclass(frozen=True, slots=True)
class ContextDecision:
    """The verdict: ``service`` is true when the ad offers sexual/escort/erotic-massage
    services; ``cues`` are the counted cues (best per group), strongest first."""

    service: bool
    score: float
    threshold: float
    cues: tuple[ContextCue, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "score": self.score,
            "threshold": self.threshold,
            "cues": [c.to_dict() for c in self.cues],
        }


def find_flirt_emoji(original: str) -> tuple[int, int] | None:
    """Span of the first flirtatious emoji in the ORIGINAL text, or ``None``."""
    if original.isascii() or FLIRT_EMOJI.isdisjoint(original):
        return None
    index = min(i for i in (original.find(e) for e in FLIRT_EMOJI) if i != -1)
    return index, index + 1


def find_measurements(norm: Normalized) -> tuple[int, int] | None:
    """Original span of body measurements in ``norm``, or ``None``."""
    text = norm.text
    digits = _DIGIT.search(text) is not None
    if not digits and "cup" not in text:
        return None  # a text without digits counts only with "cup" in it ("cup d")
    if digits:
        match = _VITALS.search(text)
        if match is not None:
            return norm.span(*match.span())
    if any(word in text for word in _CUP_WORDS):
        match = _CUP.search(text)
        if match is not None:
            return norm.span(*match.span())
    if not digits:
        return None
    height = _HEIGHT.search(text)
    if height is not None and _WEIGHT.search(text) is not None:
        return norm.span(*height.span())
    return None


def decide(
    config: ContextConfig,
    cues: Iterable[ContextCue],
    *,
    source_kind: str | None = None,
) -> ContextDecision:
    """Add the best cue of every group (and the source prior) and compare to the
    threshold. A group's weight counts once, whatever the number of its matches."""
    if not config.enabled:
        return ContextDecision(True, 0.0, 0.0, (ContextCue(DISABLED_CUE, 0.0),))
    best: dict[str, ContextCue] = {}
    for cue in cues:
        known = best.get(cue.cue)
        if known is None or abs(cue.weight) > abs(known.weight):
            best[cue.cue] = cue
    if source_kind:
        prior = config.source_kinds.get(source_kind)
        if prior:
            best[SOURCE_KIND_CUE] = ContextCue(SOURCE_KIND_CUE, prior, rule=source_kind)
    counted: Sequence[ContextCue] = sorted(best.values(), key=lambda c: -abs(c.weight))
    score = round(sum(c.weight for c in counted), 6)
    return ContextDecision(score >= config.threshold, score, config.threshold, tuple(counted))
