"""The indicator engine: trafficking indicators in an ad's title and text.

:class:`IndicatorEngine` matches every language's lexicon (``pipelines/lexicons/``) on
every ad, because ads mix languages (a Romanian ad posted in the Netherlands uses Dutch
words). For each field it

1. normalises the text (:mod:`pipelines.engine.normalize`), keeping the map back to
   the original offsets;
2. finds every lexicon literal at once with an Aho-Corasick automaton and keeps those on
   word boundaries (``str.isalnum`` on the normalised text, so Cyrillic and letters with
   diacritics are handled like ASCII) whose wildcard/gap tail also matches;
3. drops matches that are negated (a negation cue of the rule's language or English
   among the few words before the match, in the same clause; or a "no"/"nee" right after
   it: ``bareback: no``), matches overlapped by a benign-sense pattern of the same
   category (``24/7 customer service``, ``28 years young``), and whole categories whose
   context pattern occurs anywhere in the ad (a locksmith's ``24/7``);
4. adds a ``youth`` indicator for a stated age of 18-20 and a ``low_price`` indicator
   when the hourly price is far below the source's running median.

The score is the sum, over categories, of the best weight found in that category; the
ad is a hit when the score reaches the threshold (both from ``config.yaml``).

No Scrapy here: the item pipeline, ``lcom flag`` and evaluation share this code.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.engine.extract import (
    Price,
    PriceTracker,
    find_ages,
    find_price,
    parse_age_text,
    parse_price_text,
)
from pipelines.engine.lexicon import (
    CATEGORIES,
    Expansion,
    Lexicon,
    LexiconError,
    Rule,
    load_lexicon,
)
from pipelines.engine.normalize import Normalized, normalize

__all__ = [
    "CATEGORIES",
    "Analysis",
    "Evidence",
    "Indicator",
    "IndicatorEngine",
    "LexiconError",
    "detect_language_or_unknown",
]

logger = logging.getLogger(__name__)

UNKNOWN_LANGUAGE = "unknown"
COMMON_LANGUAGE = "common"  # language-neutral rules (common.yaml)
SNIPPET_CONTEXT = 30  # characters of context on each side of the evidence
STATED_AGE_RULE = "youth.stated_age"
LOW_PRICE_RULE = "low_price.below_median"
YOUTH_AGES = range(18, 21)
_CATEGORY_ORDER = {c: i for i, c in enumerate((*CATEGORIES, "low_price"))}
# Greedy: ends at the last clause boundary before the match.
_LAST_CLAUSE_END = re.compile(r".*(?:[.,;:!?()\[\]|\"]| - )", re.DOTALL)
_CUE_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
_POST_NEGATION = re.compile(r" ?[:=-]? ?([^\W_]+) ?(?:[.,;!?)]|$)")


@dataclass(frozen=True, slots=True)
class Evidence:
    """Where an indicator was found: a field, a snippet and offsets in the ORIGINAL field."""

    field: str
    snippet: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "snippet": self.snippet, "start": self.start, "end": self.end}


@dataclass(frozen=True, slots=True)
class Indicator:
    category: str
    rule: str
    weight: float
    evidence: Evidence

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "rule": self.rule,
            "weight": self.weight,
            "evidence": self.evidence.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class Analysis:
    """The engine's verdict on one ad."""

    indicators: list[Indicator]
    categories: list[str]
    score: float
    hit: bool
    stated_age: int | None
    price: Price | None
    lexicon_version: str
    lang: str = UNKNOWN_LANGUAGE
    lang_confidence: float | None = None

    def to_item_fields(self) -> dict[str, Any]:
        """The fields the item pipeline adds to an ad item (docs/data-model.md)."""
        return {
            "indicators": [i.to_dict() for i in self.indicators],
            "categories": list(self.categories),
            "score": self.score,
            "hit": self.hit,
            "lexicon_version": self.lexicon_version,
            "stated_age": self.stated_age,
            "price": self.price.to_dict() if self.price else None,
        }


class _Match:
    """A lexicon match; ``start`` and ``end`` are offsets in the normalised text."""

    __slots__ = ("category", "end", "kind", "rule", "start")

    def __init__(self, rule: Rule, start: int, end: int) -> None:
        self.rule = rule
        self.start = start
        self.end = end
        # Copied from the rule: the filter reads them for every match.
        self.category = rule.category
        self.kind = rule.kind


def detect_language_or_unknown(text: str) -> tuple[str, float | None]:
    """Language of ``text`` via :mod:`pipelines.engine.language`; ``"unknown"`` when that
    module is missing or fails (the engine never depends on it)."""
    try:
        from pipelines.engine.language import detect_language
    except ImportError:
        return UNKNOWN_LANGUAGE, None
    try:
        lang, confidence = detect_language(text)
    except Exception:
        logger.warning("language detection failed", exc_info=True)
        return UNKNOWN_LANGUAGE, None
    return lang, confidence


class IndicatorEngine:
    """Compiled lexicons plus the per-source price tracker.

    Build one per process (``IndicatorEngine.from_dir()``) and call :meth:`analyse` for
    each ad. The compiled lexicon is cached per folder; the price tracker is per engine.
    """

    def __init__(
        self,
        lexicon: Lexicon,
        *,
        threshold: float | None = None,
        price_tracker: PriceTracker | None = None,
    ) -> None:
        self.lexicon = lexicon
        self.threshold = lexicon.threshold if threshold is None else float(threshold)
        self.weights = lexicon.category_weights
        config = lexicon.price
        self.price_tracker = price_tracker or PriceTracker(
            factor=config.low_price_factor,
            min_samples=config.min_samples,
            max_samples=config.max_samples,
        )
        self._english_cues = lexicon.negation_cues.get("en", frozenset())
        self._languages = frozenset(lexicon.negation_cues) - {COMMON_LANGUAGE}
        self._cue_cache: dict[tuple[str, str], frozenset[str]] = {}
        self._window = lexicon.negation_window

    @classmethod
    def from_dir(
        cls, lexicon_dir: str | Path | None = None, *, threshold: float | None = None
    ) -> IndicatorEngine:
        """An engine on the lexicon folder (default: ``pipelines/lexicons``)."""
        return cls(load_lexicon(lexicon_dir), threshold=threshold)

    @property
    def version(self) -> str:
        return self.lexicon.version

    # --------------------------------------------------------------------- analysis

    def analyse(
        self,
        title: str | None,
        text: str | None,
        lang: str | None = None,
        derive_origin: bool = True,
        source: str | None = None,
        *,
        age_text: str | int | None = None,
        price_text: str | None = None,
    ) -> Analysis:
        """Analyse one ad.

        ``lang`` is the ad's language when already known (else it is detected; only used
        for negation cues of language-neutral rules and reported back). With
        ``derive_origin=False`` the ``origin`` category is never produced. ``source``
        enables the running-median price check for that source. ``age_text`` and
        ``price_text`` are the ad's dedicated age/price fields, preferred over the text.
        """
        title = title or ""
        text = text or ""
        confidence: float | None = None
        if lang is None:
            lang, confidence = detect_language_or_unknown(f"{title}\n{text}".strip())
        fields = [(name, normalize(value)) for name, value in (("title", title), ("text", text))]
        raw = [self._raw_matches(norm.text, lang) for _, norm in fields]
        # Context patterns (a locksmith's "24/7") act on the whole ad, title and text.
        suppressed = {m.category for matches in raw for m in matches if m.kind == "context"}
        indicators: list[Indicator] = []
        for (name, norm), matches in zip(fields, raw, strict=True):
            for m in self._filter(norm.text, matches, lang, suppressed):
                if derive_origin or m.category != "origin":
                    indicators.append(self._indicator(name, norm, m))
        if not derive_origin:
            indicators = [i for i in indicators if i.category != "origin"]

        stated_age, age_indicators = self._age(fields, age_text)
        indicators.extend(age_indicators)
        price, price_indicators = self._price(fields, price_text, source)
        indicators.extend(price_indicators)

        indicators = _dedupe(indicators)
        best: dict[str, float] = {}
        for indicator in indicators:
            best[indicator.category] = max(best.get(indicator.category, 0.0), indicator.weight)
        score = round(float(sum(best.values())), 6)
        return Analysis(
            indicators=indicators,
            categories=sorted(best),
            score=score,
            hit=score >= self.threshold,
            stated_age=stated_age,
            price=price,
            lexicon_version=self.lexicon.version,
            lang=lang,
            lang_confidence=confidence,
        )

    def match(
        self,
        norm: Normalized,
        lang: str = UNKNOWN_LANGUAGE,
        suppressed: frozenset[str] = frozenset(),
    ) -> list[_Match]:
        """Lexicon matches in one normalised field, after negation/benign/context rules."""
        raw = self._raw_matches(norm.text, lang)
        suppressed = suppressed | {m.category for m in raw if m.kind == "context"}
        return self._filter(norm.text, raw, lang, suppressed)

    def _filter(
        self, text: str, raw: list[_Match], lang: str, suppressed: frozenset[str] | set[str]
    ) -> list[_Match]:
        positives = [m for m in raw if m.kind == "rule"]
        if not positives:
            return []
        benign = [m for m in raw if m.kind == "benign"]
        kept: list[_Match] = []
        for m in positives:
            if m.category in suppressed:
                continue
            if benign and any(
                b.category == m.category and b.start < m.end and m.start < b.end for b in benign
            ):
                continue
            if m.rule.negatable and self._negated(text, m, positives, lang):
                continue
            kept.append(m)
        return kept

    # ---------------------------------------------------------------------- helpers

    @staticmethod
    def _indicator(name: str, norm: Normalized, m: _Match) -> Indicator:
        start, end = norm.span(m.start, m.end)
        evidence = Evidence(name, _snippet(norm.original, start, end), start, end)
        return Indicator(m.rule.category, m.rule.id, m.rule.weight, evidence)

    def _raw_matches(self, text: str, lang: str = UNKNOWN_LANGUAGE) -> list[_Match]:
        """Every lexicon match in ``text`` before negation/benign/context filtering.

        In an ad of a known language, the rules of OTHER languages match whole words
        only: their wildcards (word endings are a language's own morphology) match
        nothing, so the Hungarian stem ``sofőr*`` does not run into the German
        "sofort", and rules marked ``local`` do not match at all.
        """
        length = len(text)
        # Rules of these languages match with their wildcards; "" never equals a rule's.
        own = (lang, COMMON_LANGUAGE) if lang in self._languages else None
        found: list[_Match] = []
        append = found.append
        automaton = self.lexicon.automaton
        for last, (key_length, expansions, needs_left, needs_right, gaps) in automaton.iter(text):
            start = last - key_length + 1
            end = last + 1
            before_ok = start == 0 or not text[start - 1].isalnum()
            if (needs_left and not before_ok) or (
                needs_right and end < length and text[end].isalnum()
            ):
                continue
            if gaps is not None and gaps.match(text, end) is None:
                continue  # no expansion's tail can match here
            for expansion in expansions:
                rule = expansion.rule
                foreign = own is not None and rule.lang not in own
                if foreign and rule.local:
                    continue
                if expansion.plain:
                    # _complete's word boundary checks for a literal, without the call.
                    if (before_ok or not text[start].isalnum()) and (
                        end == length or not (text[end].isalnum() and text[end - 1].isalnum())
                    ):
                        append(_Match(rule, start, end))
                    continue
                span = _complete(text, length, start, end, before_ok, expansion, foreign)
                if span is not None:
                    append(_Match(rule, span[0], span[1]))
        return found

    def _cues(self, rule_lang: str, ad_lang: str) -> frozenset[str]:
        """Negation cues for a rule: its language's (the ad's for language-neutral
        rules) plus English."""
        cues = self._cue_cache.get((rule_lang, ad_lang))
        if cues is None:
            lang = ad_lang if rule_lang == COMMON_LANGUAGE else rule_lang
            cues = self.lexicon.negation_cues.get(lang, frozenset()) | self._english_cues
            self._cue_cache[rule_lang, ad_lang] = cues
        return cues

    def _negated(self, text: str, m: _Match, positives: list[_Match], lang: str) -> bool:
        cues = self._cues(m.rule.lang, lang)
        window_start = max(0, m.start - 80)
        clause = _LAST_CLAUSE_END.match(text, window_start, m.start)
        offset = clause.end() if clause else window_start
        words = _CUE_WORD.findall(text, offset, m.start)[-self._window :]
        if not cues.isdisjoint(words):
            found = list(_CUE_WORD.finditer(text, offset, m.start))
            for word in found[-self._window :]:
                if word.group() not in cues:
                    continue
                # A cue that belongs to another indicator ("geen taboes, no limits",
                # "bez tabu i bez ograniczeń") negates nothing here.
                if any(p is not m and p.start <= word.start() < p.end for p in positives):
                    continue
                return True
        # A post-negation cue right after the match ("bareback: no").
        after = _POST_NEGATION.match(text, m.end)
        return after is not None and after.group(1) in self.lexicon.post_negation_cues

    def _age(
        self, fields: list[tuple[str, Normalized]], age_text: str | int | None
    ) -> tuple[int | None, list[Indicator]]:
        weight = self.weights["youth"]
        field_age = parse_age_text(age_text)
        indicators = []
        stated: int | None = field_age
        if field_age is not None and field_age in YOUTH_AGES:
            value = str(age_text)
            evidence = Evidence("age_text", value[:40], 0, len(value))
            indicators.append(Indicator("youth", STATED_AGE_RULE, weight, evidence))
        for name, norm in fields:
            for age in find_ages(norm):
                if stated is None:
                    stated = age.age
                if age.age in YOUTH_AGES and not indicators:
                    snippet = _snippet(norm.original, age.start, age.end)
                    evidence = Evidence(name, snippet, age.start, age.end)
                    indicators.append(Indicator("youth", STATED_AGE_RULE, weight, evidence))
        return stated, indicators

    def _price(
        self,
        fields: list[tuple[str, Normalized]],
        price_text: str | None,
        source: str | None,
    ) -> tuple[Price | None, list[Indicator]]:
        config = self.lexicon.price
        price = parse_price_text(price_text, config.default_currency)
        where = ("price_text", price_text or "")
        if price is None or not price.per_hours:
            for name, norm in fields:
                found = find_price(norm, config.default_currency)
                if found is not None and (price is None or found.per_hours):
                    price, where = found, (name, norm.original)
                    if found.per_hours:
                        break
        if price is None or source is None:
            return price, []
        hourly = price.hourly_eur(config.eur_rates)
        if hourly is None or not self.price_tracker.observe(source, hourly):
            return price, []
        name, original = where
        if name == "price_text":
            evidence = Evidence(name, original[:60], 0, len(original))
        else:
            snippet = _snippet(original, price.start, price.end)
            evidence = Evidence(name, snippet, price.start, price.end)
        return price, [Indicator("low_price", LOW_PRICE_RULE, self.weights["low_price"], evidence)]


def _complete(
    text: str,
    length: int,
    start: int,
    end: int,
    before_ok: bool,
    expansion: Expansion,
    strict: bool = False,
) -> tuple[int, int] | None:
    """The full span of ``expansion`` anchored at ``text[start:end]``, or ``None``.

    ``strict``: wildcards match nothing (whole words only).
    """
    if expansion.left_open and not strict:
        while start > 0 and text[start - 1].isalnum():
            start -= 1
    elif not before_ok and text[start].isalnum():
        return None
    tail_regex = expansion.strict_tail if strict else expansion.tail
    if tail_regex is not None:
        if expansion.gap_first and end < length and text[end].isalnum():
            return None
        # The tail regex checks the right word boundary itself.
        tail = tail_regex.match(text, end)
        if tail is None:
            return None
        return start, tail.end()
    if expansion.right_open and not strict:
        while end < length and text[end].isalnum():
            end += 1
    elif end < length and text[end].isalnum() and text[end - 1].isalnum():
        return None
    return start, end


def _snippet(original: str, start: int, end: int) -> str:
    """A short window of the ORIGINAL text around ``[start, end)``, cut at word edges."""
    left = max(0, start - SNIPPET_CONTEXT)
    right = min(len(original), end + SNIPPET_CONTEXT)
    if left > 0:
        space = original.find(" ", left, start)
        left = space + 1 if space != -1 else left
    if right < len(original):
        space = original.rfind(" ", end, right)
        right = space if space != -1 else right
    return " ".join(original[left:right].split())


def _dedupe(indicators: list[Indicator]) -> list[Indicator]:
    """One indicator per rule (its first evidence) and per evidence span (the same words
    found by several languages' lexicons), ordered by category then position."""
    seen: dict[str, Indicator] = {}
    spans: set[tuple[str, str, int, int]] = set()
    for indicator in indicators:
        evidence = indicator.evidence
        span = (indicator.category, evidence.field, evidence.start, evidence.end)
        if indicator.rule in seen or span in spans:
            continue
        seen[indicator.rule] = indicator
        spans.add(span)
    order = {"title": 0, "text": 1}
    return sorted(
        seen.values(),
        key=lambda i: (
            _CATEGORY_ORDER.get(i.category, 99),
            order.get(i.evidence.field, 2),
            i.evidence.start,
        ),
    )
