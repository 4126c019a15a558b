"""The indicator engine: trafficking indicators in an ad's title and text.

:class:`IndicatorEngine` matches every language's lexicon (``pipelines/lexicons/``) on
every ad, because ads mix languages (a Romanian ad posted in the Netherlands uses Dutch
words). For each field it

1. normalises the text (:mod:`pipelines.engine.normalize`: look-alike digits and
   symbols, homoglyphs, spaced letters ...), keeping the map back to the original
   offsets;
2. finds every lexicon literal at once with an Aho-Corasick automaton and keeps those on
   word boundaries (``str.isalnum`` on the normalised text, so Cyrillic and letters with
   diacritics are handled like ASCII) whose wildcard/gap tail also matches; indicator
   rules, ad-context cues and sense words come out of the same pass;
3. sets aside, with the reason (the explanation shows them):

   * ``negated``: NegEx-style, a ``pre`` trigger of the rule's language (or English)
     among the few words before the match, within its scope (terminators: punctuation,
     "but", ...), or a ``post`` trigger that ends the match's clause ("agency: no");
   * ``benign``: a benign-sense pattern of the same category overlaps the match
     (``24/7 customer service``, ``28 years young``);
   * ``category_context``: a context pattern of the category occurs in the ad (a
     locksmith's ``24/7``);
   * ``sense``: an ambiguous cue ("tour", "young", "24/7") without the co-occurring
     words its rule names;

4. asks the ad-context stage (:mod:`pipelines.engine.context`) whether the ad offers
   sexual, escort or erotic-massage services; outside that context every indicator is
   set aside (``out_of_context``): ``indicators`` and ``categories`` are empty and the
   ad is no hit;
5. adds a ``youth`` indicator for a stated age of 18-20 and a ``low_price`` indicator
   when the hourly price is far below the source's running median (in context only).

The score is the sum, over categories, of the best weight found in that category; the
ad is a hit when the score reaches the threshold (both from ``config.yaml``).

No Scrapy here: the item pipeline, ``lcom flag`` and evaluation share this code.
"""

from __future__ import annotations

import bisect
import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NamedTuple

from pipelines.engine.context import (
    EMOJI_CUE,
    INDICATOR_CUE,
    MEASUREMENTS_CUE,
    PERSON_NAME_CUE,
    RATE_CUE,
    STATED_AGE_CUE,
    ContextCue,
    ContextDecision,
    decide,
    find_flirt_emoji,
    find_measurements,
    find_person_name,
)
from pipelines.engine.extract import (
    Price,
    PriceTracker,
    find_ages,
    find_price,
    parse_age_text,
    parse_price_text,
)
from pipelines.engine.learned import CONTEXT_CUE as LEARNED_CUE
from pipelines.engine.learned import HIT
from pipelines.engine.learned import RULE_PREFIX as LEARNED_RULE_PREFIX
from pipelines.engine.learned import locate as learned_locate
from pipelines.engine.lexicon import (
    CATEGORIES,
    LATIN_SPELLING_SUFFIX,
    LATIN_WRITTEN_LANGUAGE,
    SENSE_CATEGORY,
    YOUTH_AGES,
    Expansion,
    KeyTable,
    LearnedConfig,
    Lexicon,
    LexiconError,
    Matcher,
    Rule,
    load_lexicon,
    longest_first,
)
from pipelines.engine.names import fold as _name_fold
from pipelines.engine.names import lexicon_words
from pipelines.engine.normalize import WORD as _CUE_WORD
from pipelines.engine.normalize import WORD_ASCII as _CUE_WORD_ASCII
from pipelines.engine.normalize import Normalized, normalize

__all__ = [
    "CATEGORIES",
    "AdText",
    "Analysis",
    "ContextDecision",
    "Evidence",
    "Indicator",
    "IndicatorEngine",
    "LexiconError",
    "Suppressed",
    "detect_language_or_unknown",
]

logger = logging.getLogger(__name__)

UNKNOWN_LANGUAGE = "unknown"
COMMON_LANGUAGE = "common"  # language-neutral rules (common.yaml)
SNIPPET_CONTEXT = 30  # characters of context on each side of the evidence
STATED_AGE_RULE = "youth.stated_age"
FLAG_RULE = "origin.flag"
LOW_PRICE_RULE = "low_price.below_median"
_CATEGORY_ORDER = {c: i for i, c in enumerate((*CATEGORIES, "low_price"))}
# Between a match and its post trigger: "?", ":" and "-" may stand, these may not.
_HARD_STOP = re.compile(r"[.,;!)(]")
_SENTENCE_END = re.compile(r"[.;!?]")
_CLAUSE_END = frozenset(".,;:!?)")
# "And" in the languages of the lexicons: after a post trigger it starts a new clause.
_AND = frozenset(("and", "und", "en", "y", "e", "ni", "si", "es", "i", "и"))
# A quoted cue that ends its sentence: '"new in town". No, ...' is answered like a question.
_QUOTED_END = re.compile(r'[^".?!;]{0,30}" ?[.?]')
# A young age the ad denies or only supposes, before its real one: "not 19, a proper 43",
# "Nu am 20 de ani, am 41", "if you want a 19-year-old, scroll on - I'm 43", "whoever looks
# for a 19-year-old is wrong here". A negation word up to this many words before the age,
# or a conditional or a "whoever" up to _SUPPOSED_WORDS.
_DENIED_WORDS = 3
_SUPPOSED_WORDS = 5
_SUPPOSED = re.compile(
    r"(?<![^\W_])(?:if|unless|wenn|falls|als (?:je|jij|u)|zoek je|daca|si|jesli|jezeli|ha"
    r"|ако|whoever|anyone|wer|wie|quien|quienes|cine|kto|aki|akik|който|които)(?![^\W_])"
)
# An emoji (or a run of them), then the capital (or the number) the next sentence starts with.
_EMOJI_THEN_CAPITAL = re.compile(
    "[\u2600-\u27bf\U0001f000-\U0001faff][\u2600-\u27bf\U0001f000-\U0001faff"
    "\ufe0f\u200d ]* ?(?:([^\\W\\d_])([^\\W\\d_])|(\\d))"
)
# A number an emoji sentence break may start with: an age ("😉 36 lat"), not a label
# ("🕐 24/7", "💶 150€"), which belongs to the sentence before it.
_AGE_AFTER_EMOJI = re.compile(
    r"\d{2} ?(?:lat|lata|años|anos|éves|eves|éve|eve|év|ev|години|год|ani|jaar|jahre|jahren|years"
    r"|yrs|yo|y\.o\.|y/o|de ani|jr)(?![^\W_])",
    re.IGNORECASE,
)
# A number with its unit that ends its clause after an emoji: a label of the sentence
# before it ("nie pracuję 🌙 24h, tylko ...", "I don't work 🌙 24/7, appointments only"),
# not the start of the next ("No drama 😘 24/7 available").
_LABEL_NUMBER = re.compile(r"\d[\d/:.]*(?: ?[^\W\d_]{1,8})?\s*(?:[,.;!?)]|$)")
# A country flag emoji: two regional indicator letters ("🇧🇬" is B, G).
_FLAG = re.compile("[\U0001f1e6-\U0001f1ff]{2}")
_REGIONAL_A = 0x1F1E6
# The flags that foreground an origin: countries the women of these ads come from
# (Eastern Europe, the Balkans, the former Soviet Union, Latin America, Asia, Africa).
# Not the flags that stand for a language spoken ("🇬🇧 🇩🇪 spoken") or for the country an
# ad is posted in ("🇬🇷", "🇳🇱"); and, per ad language, not the flags of its home.
_ORIGIN_FLAGS = frozenset(
    (
        "RO", "MD", "BG", "HU", "PL", "CZ", "SK", "UA", "RU", "BY", "LT", "LV", "EE",
        "AL", "RS", "HR", "BA", "MK", "ME", "XK", "GE", "AM", "AZ", "KZ", "UZ", "KG", "TJ",
        "BR", "CO", "VE", "DO", "CU", "PY", "PE", "EC", "AR", "BO", "MX", "PA", "CR", "HN",
        "SV", "GT", "NI", "CL", "UY", "TH", "VN", "PH", "CN", "JP", "KR", "ID", "MY", "MN",
        "NG", "GH", "KE", "CM", "ET", "MA", "DZ", "TN",
    )
)  # fmt: skip
_HOME_FLAGS = {
    "nl": frozenset(("NL", "BE")),
    "en": frozenset(("GB", "US", "IE")),
    "de": frozenset(("DE", "AT", "CH")),
    "ro": frozenset(("RO", "MD")),
    "bg": frozenset(("BG",)),
    "hu": frozenset(("HU",)),
    "pl": frozenset(("PL",)),
    "es": frozenset(("ES",)),
}
# A quoted cue that other ads or other women say ("Lots of ads promise 'no limits' - I'm
# not one of them", "Ich bin keine, die \"nur kurz da\" ist", "advertenties van dames
# die 'maar een paar dagen' ...", "виждам обяви „само за сезона“", "inne piszą „dostępna
# 24/7”", "otras prometen «disponible 24 horas»"): words before it in its sentence that
# name the others, or words right after the quote that dismiss it ("the 'just arrived'
# nonsense").
_REPORTED_BEFORE = re.compile(
    r"(?<![^\W_])(?:ads|adverts|advertisements|profiles|other (?:girls|ladies|women|escorts)"
    r"|not one of (?:those|them)|advertenties|advertentie|profielen|andere (?:dames|meiden"
    r"|vrouwen|frauen|damen|mädchen|girls)|niet zo'?n|anzeigen|inserate|keine,? die"
    r"|keine von denen|anunturi|anunturile|alte (?:fete|femei|doamne)|nu sunt (?:dintre|genul|una)"
    r"|обяви|обявите|други (?:момичета|жени|дами)|не съм от (?:тези|тях|онези)|не съм една от"
    r"|hirdetesek|hirdetesekben|hirdeteseket|mas (?:lanyok|nok|holgyek)"
    r"|ogloszeniach|ogloszen|inne (?:dziewczyny|panie|kobiety)|nie jestem z tych"
    r"|nie jestem jedna z|anuncios|otras (?:chicas|mujeres)|no soy (?:de esas|una de esas|de las)"
    r"|otras (?:prometen|dicen|escriben|ponen|anuncian)|inne (?:pisza|obiecuja|oferuja|oglaszaja)"
    r"|masok|други (?:пишат|обещават|казват|предлагат))"
    r"(?![^\W_])"
)
_REPORTED_AFTER = re.compile(
    r" ?(?:nonsense|rubbish|cliche|cliches|onzin|flauwekul|quatsch|unsinn|blodsinn|prostii"
    r"|aiureli|aiureala)(?![^\W_])"
)
# What other women or other ads do, said in a sentence of its own and not quoted: "Some
# girls on here have bookers", "advertenties van dames die maar een paar dagen ergens zijn"
# (see ``_others_say``). The subject is third person: "our girls" or "other girls, I ..."
# (a first person between) are the ad's own.
_WOMEN = (
    r"(?:girls|ladies|women|escorts|dames|meiden|vrouwen|meisjes|frauen|damen|madchen|mädchen"
    r"|fete|femei|doamne|escorte)"
)
#: The words of ``_WOMEN``: every match of ``_OTHERS_SAY`` holds one as a whole word.
_WOMEN_WORDS = frozenset(_WOMEN[3:-1].split("|"))
_OTHERS_SAY = re.compile(
    rf"(?<![^\W_])(?:(?:other|andere|alte) {_WOMEN}|(?:some|many|most|lots of|plenty of"
    r"|a lot of|veel|sommige|de meeste|viele|manche|die meisten|multe|unele) "
    rf"{_WOMEN} (?:on here|on this site|op deze site|hier op de site|auf dieser seite"
    r"|hier auf der seite|de pe site|de aici de pe site)|(?:ads|adverts|advertisements"
    r"|advertenties|anzeigen|inserate|anunturi|anunturile) (?:of|from|by|van|von|cu|ale"
    rf"|de la) (?:other |andere |alte |){_WOMEN})(?![^\W_])"
)
_OTHER_WORDS = ("other ", "andere ", "alte ")
# Where the subject stands, between it and its verb ("other girls on here have").
_ON_HERE = r" (?:on here |on this site |here |op deze site |hier |auf dieser seite |de pe site |)"
# A subject that has or keeps something: a list of what follows ("other girls have a
# driver, a booker and a manager").
_OTHERS_LIST = re.compile(
    _ON_HERE
    + r"(?:(?:often|usually|also|all|always|just|only|still|will|vaak|ook|altijd|oft|auch|immer"
    r"|meist|des|mereu) ){0,2}(?:have|has|keep|use|hebben|houden|haben|nutzen|au|folosesc)"
    r"(?![^\W_])"
)
# Every phrase of ``_OTHERS_SAY`` holds one of these.
_OTHERS_NOUNS = (
    "girls",
    "ladies",
    "women",
    "escort",
    "dame",
    "meiden",
    "vrouwen",
    "meisjes",
    "frauen",
    "madchen",
    "mädchen",
    "fete",
    "femei",
    "doamne",
    "ads",
    "advert",
    "anzeigen",
    "inserate",
    "anunturi",
)
# Before "other girls": the ad's own women ("the other girls", "my other girls", "two
# other girls", "me and other girls").
_OWN_WOMEN = re.compile(
    r"(?<![^\W_])(?:the|de|die|our|onze|unsere|unserer|my|mijn|meine|mele|mea|two|three|four"
    r"|twee|drie|vier|zwei|drei|doua|trei|patru|\d+|with|met|mit|cu|me and|and the|& the|ik en"
    r"|ich und|eu si|samen met) $"
)
# What the subject "other girls" must do right after it to be the subject of a sentence
# ("other girls have drivers"), not a comparison ("unlike other girls, ...", "better than
# other girls") or a list of the ad's own ("other girls available 24/7").
_OTHERS_VERB = re.compile(
    _ON_HERE
    + r"(?:(?:often|usually|also|all|always|just|only|still|will|can|may|might|would|who|that"
    r"|vaak|ook|altijd|die|oft|auch|immer|meist|des|mereu|care|si) ){0,2}"
    r"(?:have|has|are|do|say|promise|write|offer|work|use|advertise|claim|pretend|get|come"
    r"|travel|bring|need|tell|post|krijgen|komen|reizen|brengen|kommen|reisen|bringen|brauchen"
    r"|vin|aduc|hebben"
    r"|zijn|doen|zeggen|beloven|schrijven|bieden|werken|adverteren|haben|sind|machen|sagen"
    r"|versprechen|schreiben|bieten|arbeiten|werben|au|sunt|fac|spun|promit|scriu|ofera"
    r"|lucreaza)(?![^\W_])"
)
# A first person between the subject and the cue makes the cue the ad's own ("unlike
# other girls I answer round the clock").
_FIRST_PERSON = re.compile(
    r"(?<![^\W_])(?:i|i'm|me|my|we|our|us|ik|mij|mijn|wij|onze|ons|ich|mich|mein|meine|wir"
    r"|unsere|unser|eu|meu|mea|noi|noastre|nostru|yo|nosotras|moje|mnie|аз|ние|ми"
    r"|моите)(?![^\W_])"
)
# Next to the word for ads: the ad's own ("mis anuncios", "w moich ogłoszeniach",
# "в обявите ми").
_OWN_ADS_BEFORE = re.compile(r"(?<![^\W_])(?:mis|moje|moich|my|mijn|meine|meinen|az en) $")
_OWN_ADS_AFTER = re.compile(r" (?:ми|mele|mei)(?![^\W_])")
_QUOTES = "\"'"
# A word of the original text that may be a first name.
_CAPITALISED = re.compile(r"(?<![^\W_])[^\W\d_][^\W\d_'-]{1,30}")
#: "or", "and" and "nor" in the eight languages.
_CONJUNCTIONS = (
    "or|and|nor|oder|und|noch|of|en|sau|ori|si|nici|или|и|нито|vagy|es|sem|lub|ani|i|albo|o|y|ni"
)
# Between two items of a list: a comma, a slash or a conjunction.
_LIST_GAP = re.compile(
    rf"[\s\"']*(?:[,/][\s\"']*(?:(?:{_CONJUNCTIONS}) )?|(?:{_CONJUNCTIONS}) )[\s\"']*"
)
# The rest of a list of short items after a cue, up to the colon or dash of its answer.
_LIST_TAIL = re.compile(
    r"""(?:\s*,\s*["']?[^\W\d_][^\s,.:;!?"']*(?:\s[^\W\d_][^\s,.:;!?"']*)?["']?){1,5}"""
    r"""\s*(?::|-|\u2013)\s*"""
)
# A negated heading and the list after its colon (see ``_negated_heading``).
_HEADING_LIST_CHARS = 100
# The list after a heading is read to the end of its sentence, or this many characters
# after the colon: a hostile field of one endless sentence costs each match a bounded read.
_HEADING_LIST_READ = 300
_HEADING_WORDS = 6
_HEADING_ITEM_WORDS = 3
# In such a list "noch", "nici", "нито", "sem" and "ani" ("nor", "not even") negate their
# item rather than start one: "a gumi sem kötelező" (not even a condom is a must) is one.
_NOT_ITEM_STARTS = frozenset({"noch", "nici", "нито", "sem", "ani"})
_LIST_ITEMS = re.compile(
    ",| (?:"
    + "|".join(word for word in _CONJUNCTIONS.split("|") if word not in _NOT_ITEM_STARTS)
    + ") "
)
# Where a heading starts (normalised text has no line breaks: they are spaces).
_HEADING_START = (".", ";", "!", "?", ":")
# One of the conjunctions as a whole word.
_CONJUNCTION = re.compile(rf"(?:{_CONJUNCTIONS})(?![^\W_])")
# Between a first name and a nationality after it: the age ("Ella, 23, Romanian").
_NAME_AGE_BETWEEN = re.compile(r", (?:1[89]|[2-6]\d) ?,? ")
_AGE_AFTER_NAME = re.compile(r", (?:1[89]|[2-6]\d)(?!\d)")
#: The sense group of first names (found by the engine, not by a lexicon word list).
FIRST_NAME_GROUP = "first_name"
_FIRST_NAME_RULE = Rule(
    f"{SENSE_CATEGORY}.{COMMON_LANGUAGE}.{FIRST_NAME_GROUP}",
    SENSE_CATEGORY,
    COMMON_LANGUAGE,
    "sense",
    0.0,
    False,
    group=FIRST_NAME_GROUP,
)
#: Emoji that refuse the cue they follow, and the trigger the explanation names.
CROSS_MARKS = frozenset("❌🚫✖⛔❎🙅")
CROSS_MARK_TRIGGER = "❌"
_CROSS_MARK = re.compile(f"[{''.join(sorted(CROSS_MARKS))}]")
_CROSS_MARK_CHARS = tuple(sorted(CROSS_MARKS))
_AGED_NAME_RULE = replace(_FIRST_NAME_RULE, id=f"{_FIRST_NAME_RULE.id}_with_age")
# Why a match was set aside (the explanation's ``reason``).
NEGATED = "negated"
BENIGN = "benign"
CATEGORY_CONTEXT = "category_context"
SENSE = "sense"
OUT_OF_CONTEXT = "out_of_context"


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
class Suppressed:
    """A cue that matched but does not count, and why (``reason``, ``detail``)."""

    category: str
    rule: str
    reason: str
    detail: str
    evidence: Evidence

    def to_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "rule": self.rule,
            "reason": self.reason,
            "detail": self.detail,
            "evidence": self.evidence.to_dict(),
        }


_NO_CONTEXT = ContextDecision(False, 0.0, 0.0, ())


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
    context: ContextDecision = _NO_CONTEXT
    #: Cues that matched but were set aside (negated, benign, sense, out of context).
    suppressed: tuple[Suppressed, ...] = ()

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
            "context": self.context.to_dict(),
        }

    def explanation(self) -> dict[str, Any]:
        """Why the ad is (not) a hit: the context decision, every cue that counted and
        every cue that was set aside with its reason."""
        return {
            "context": self.context.to_dict(),
            "matched": [
                {"category": i.category, "rule": i.rule, "evidence": i.evidence.to_dict()}
                for i in self.indicators
            ],
            "suppressed": [s.to_dict() for s in self.suppressed],
        }


class AdText(NamedTuple):
    """One ad for :meth:`IndicatorEngine.analyse_many`: the arguments of
    :meth:`IndicatorEngine.analyse`, read the same way. (Typed ``Any``, where ``object``
    is meant: mypyc fails to load a named tuple of ``object`` fields.)"""

    title: Any
    text: Any
    lang: Any = None
    derive_origin: Any = True
    source: Any = None
    age_text: Any = None
    price_text: Any = None
    source_kind: Any = None
    lang_confidence: Any = None


class _State:
    """One ad on its way through the stages of :meth:`IndicatorEngine._analyse_many`:
    its fields read as :meth:`IndicatorEngine.analyse` reads them (:func:`_as_text`),
    then what each stage finds."""

    __slots__ = (
        "age_text",
        "confidence",
        "context",
        "cues",
        "derive_origin",
        "detect",
        "fields",
        "indicators",
        "lang",
        "negation",
        "price",
        "price_text",
        "raw",
        "source",
        "source_kind",
        "stated_age",
        "suppressed",
        "text",
        "title",
        "where",
    )

    def __init__(self, ad: AdText) -> None:
        self.title: str = _as_text(ad.title) or ""
        self.text: str = _as_text(ad.text) or ""
        lang = _as_text(ad.lang)
        #: Whether the language is to be detected (none was given).
        self.detect = lang is None
        self.lang: str = UNKNOWN_LANGUAGE if lang is None else lang
        self.derive_origin: bool = bool(ad.derive_origin)
        self.source: str | None = _as_text(ad.source)
        age_text = ad.age_text
        self.age_text: str | int | None = (
            age_text if age_text is None or isinstance(age_text, (str, int)) else str(age_text)
        )
        self.price_text: str | None = _as_text(ad.price_text)
        self.source_kind: str | None = _as_text(ad.source_kind)
        confidence = ad.lang_confidence
        self.confidence: float | None = (
            float(confidence) if isinstance(confidence, (int, float)) else None
        )
        self.fields: list[tuple[str, Normalized]] = []
        self.raw: list[list[_Match]] = []
        self.negation: list[_Field] = []
        self.indicators: list[Indicator] = []
        self.suppressed: list[Suppressed] = []
        self.cues: list[ContextCue] = []
        self.stated_age: int | None = None
        self.price: Price | None = None
        self.where: tuple[str, str] = ("", "")
        self.context: ContextDecision = _NO_CONTEXT


class _Match:
    """A lexicon match; ``start`` and ``end`` are offsets in the normalised text."""

    __slots__ = ("category", "end", "kind", "negation", "rule", "start")

    def __init__(self, rule: Rule, start: int, end: int) -> None:
        self.rule = rule
        self.start = start
        self.end = end
        # Copied from the rule: the filter reads them for every match.
        self.category = rule.category
        self.kind = rule.kind
        #: The trigger that negates it, once known ("" when nothing does).
        self.negation: str | None = None


class _Expansion:
    """An :class:`Expansion` as the matcher reads it: the same fields, and its rule's
    language, where the compiled build reads them without a lookup by name."""

    __slots__ = (
        "gap_first",
        "lang",
        "left_open",
        "local",
        "needs",
        "plain",
        "right_open",
        "rule",
        "strict_tail",
        "tail",
    )

    def __init__(self, expansion: Expansion) -> None:
        self.rule = expansion.rule
        self.lang = expansion.rule.lang
        self.local = expansion.rule.local
        self.left_open = expansion.left_open
        self.right_open = expansion.right_open
        self.tail = expansion.tail
        self.strict_tail = expansion.strict_tail
        self.gap_first = expansion.gap_first
        self.needs = expansion.needs
        self.plain = expansion.plain


class _Entry:
    """A key table's entry (:data:`~pipelines.engine.lexicon.Entry`) as the matcher
    reads it."""

    __slots__ = ("expansions", "gaps", "key_length", "needs_left", "needs_right")

    def __init__(
        self,
        key_length: int,
        expansions: tuple[Expansion, ...],
        needs_left: bool,
        needs_right: bool,
        gaps: Matcher | None,
    ) -> None:
        self.key_length = key_length
        self.expansions = tuple(_Expansion(expansion) for expansion in expansions)
        self.needs_left = needs_left
        self.needs_right = needs_right
        self.gaps = gaps


class _ByStart:
    """Matches of one field in order of their start, found near a place by bisection: a
    hostile ad with thousands of matches costs each check a few of them, not all."""

    __slots__ = ("_longest", "_starts", "matches")

    def __init__(self, matches: Iterable[_Match]) -> None:
        self.matches = list(matches)
        self._starts: list[int] | None = None  # built on the first need: most fields never
        self._longest = 0

    def __iter__(self) -> Iterator[_Match]:
        return iter(self.matches)

    def __len__(self) -> int:
        return len(self.matches)

    def around(self, lo: int, hi: int) -> list[_Match]:
        """The matches that start between ``lo`` minus the longest match and ``hi``:
        among them every match that overlaps ``[lo, hi]`` or ends in it."""
        starts = self._starts
        if starts is None:
            starts = self._starts = [m.start for m in self.matches]
            self._longest = max((m.end - m.start for m in self.matches), default=0)
        first = bisect.bisect_left(starts, lo - self._longest)
        return self.matches[first : bisect.bisect_right(starts, hi)]


def detect_language_or_unknown(text: str) -> tuple[str, float | None]:
    """Language of ``text`` via :mod:`pipelines.engine.language`; ``"unknown"`` when that
    module is missing or fails (the engine never depends on it)."""
    found = _detect(text, quick=False)
    assert found is not None
    return found


def quick_language_or_none(text: str) -> tuple[str, float | None] | None:
    """:func:`detect_language_or_unknown` when it needs no accurate-stage language model,
    else ``None`` (see :meth:`LanguageDetector.detect_quick`)."""
    return _detect(text, quick=True)


def _detect(text: str, *, quick: bool) -> tuple[str, float | None] | None:
    try:
        from pipelines.engine.language import default_detector
    except ImportError:
        return UNKNOWN_LANGUAGE, None
    try:
        detector = default_detector()
        return detector.detect_quick(text) if quick else detector.detect(text)
    except Exception:
        logger.warning("language detection failed", exc_info=True)
        return UNKNOWN_LANGUAGE, None


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
        negation = lexicon.negation
        self._negation = negation
        self._languages = frozenset(
            x for x in negation.pre if not x.endswith(LATIN_SPELLING_SUFFIX)
        ) - {COMMON_LANGUAGE}
        self._scope_cache: dict[tuple[str, str], _Scope] = {}
        #: The key tables' entries as the matcher reads them, by table (:meth:`_entries`).
        self._tables: dict[int, tuple[KeyTable, tuple[_Entry, ...]]] = {}
        #: The negation words of every language: a field with none of them negates nothing.
        every_post = frozenset().union(*negation.post.values())
        self._every_scope = _Scope(
            pre=frozenset().union(*negation.pre.values()),
            post=every_post,
            post_phrases=_by_first_word(p for p in every_post if " " in p),
            pseudo=(),
            terminators=frozenset(),
        )
        #: Every word that may start a negation of any language (:attr:`_Field.triggers`).
        self._every_word = frozenset(
            (*self._every_scope.pre, *every_post, *self._every_scope.post_phrases)
        )
        #: The scope terminators (:func:`_clause_start`).
        self._marks = negation.terminator_marks
        # A post trigger ends the clause of the match: "agency: no", "bareback? never.",
        # "agency - absolutely not", "new in the city? no".
        self._post_words = negation.post_window + 1
        #: Every post word and first word of a post phrase is shorter than the least the
        #: answer to a question reads of its first word (:func:`_answered_no`), so every
        #: refusal read is a whole word of the field (:meth:`_Field.refusal_from`).
        self._short_refusals = all(
            len(word) < _ANSWER_WORD_CHARS - _ANSWER_WORD_START
            for words in negation.post.values()
            for phrase in words
            for word in phrase.split()[:1]
        )

    @classmethod
    def from_dir(
        cls,
        lexicon_dir: str | Path | None = None,
        *,
        threshold: float | None = None,
        cache_dir: str | Path | None = None,
    ) -> IndicatorEngine:
        """An engine on the lexicon folder (default: ``pipelines/lexicons``);
        ``cache_dir`` keeps the compiled lexicon for the next process
        (:func:`pipelines.engine.lexicon.load_lexicon`)."""
        return cls(load_lexicon(lexicon_dir, cache_dir=cache_dir), threshold=threshold)

    @property
    def version(self) -> str:
        return self.lexicon.version

    # --------------------------------------------------------------------- analysis

    def analyse(
        self,
        title: object,
        text: object,
        lang: object = None,
        derive_origin: object = True,
        source: object = None,
        *,
        age_text: object = None,
        price_text: object = None,
        source_kind: object = None,
        lang_confidence: object = None,
    ) -> Analysis:
        """Analyse one ad.

        ``lang`` is the ad's language when already known (else it is detected; only used
        for negation cues of language-neutral rules and reported back), with
        ``lang_confidence`` when it was detected beforehand. With a false
        ``derive_origin`` (read as a truth value) the ``origin`` category is never
        produced. ``source`` enables the running-median price check for that source.
        ``age_text`` and ``price_text`` are the ad's dedicated age/price fields, preferred
        over the text. ``source_kind`` (the source's ``kind``: escort, massage, dating,
        classifieds ...) is a prior of the ad-context stage.

        The fields are what a crawl read, typed or not: ``None`` is no value, and any
        other value than a string (an age or a price an API gives as a number) is read as
        its text (:func:`_as_text`); the compiled matcher refuses an argument of another
        type than it declares, where the source would only read it.
        """
        return self._analyse_many(
            [
                AdText(
                    title, text, lang, derive_origin, source,
                    age_text=age_text, price_text=price_text, source_kind=source_kind,
                    lang_confidence=lang_confidence,
                )
            ]
        )[0]  # fmt: skip

    def analyse_many(self, ads: Iterable[AdText]) -> list[Analysis]:
        """:meth:`analyse` of each ad, in order: the same analyses, found stage by stage
        over all the ads (each stage then runs on warm processor caches, where one ad at
        a time has every stage evict the tables of the others: docs/indicators.md,
        "Speed"). A source's running median of prices takes the ads' prices in their
        order, as one call per ad would."""
        return self._analyse_many(list(ads))

    def _analyse_many(self, ads: list[AdText]) -> list[Analysis]:
        states = [_State(ad) for ad in ads]
        for state in states:
            if state.detect:
                state.lang, state.confidence = detect_language_or_unknown(
                    f"{state.title}\n{state.text}".strip()
                )
        for state in states:
            state.fields = [
                ("title", normalize(state.title)),
                ("text", normalize(state.text)),
            ]
        for state in states:
            state.raw = [self._raw_matches(norm.text, state.lang) for _, norm in state.fields]
        for state in states:
            self._sort_fields(state)
        for state in states:
            self._stated_age(state)
        for state in states:
            self._decide_context(state)
        learned = self.lexicon.learned
        if learned is not None:
            for state in states:
                state.context = self._learned(
                    learned, state.fields, state.raw, state.negation, state.lang, state.cues,
                    state.context, state.indicators, state.suppressed, state.source_kind,
                    stated_age=state.stated_age, derive_origin=state.derive_origin,
                )  # fmt: skip
        return [self._verdict(state) for state in states]

    def _sort_fields(self, state: _State) -> None:
        """The matches of each field sorted into indicators, context cues and the
        set-aside ones (:meth:`_sort`)."""
        fields, raw, lang = state.fields, state.raw, state.lang
        # Context patterns (a locksmith's "24/7") act on the whole ad, title and text.
        category_context = {m.category for matches in raw for m in matches if m.kind == "context"}
        groups: set[str] = set()  # cue groups already found: one cue per group counts
        # Read for negation by the rules and, where it runs, the learned backstop.
        state.negation = [
            _Field(norm, matches, self._every_word)
            for (_, norm), matches in zip(fields, raw, strict=True)
        ]
        indicators, suppressed, cues = state.indicators, state.suppressed, state.cues
        for (name, norm), matches, field in zip(fields, raw, state.negation, strict=True):
            kept, field_cues, dropped = self._sort(
                norm, matches, lang, category_context, groups, field=field
            )
            for m in kept:
                if state.derive_origin or m.category != "origin":
                    indicators.append(self._indicator(name, norm, m))
            for m, reason, detail in dropped:
                suppressed.append(self._suppressed(name, norm, m, reason, detail))
            for m in field_cues:
                start, end = norm.span(m.start, m.end)
                snippet = _snippet(norm.original, start, end)
                cues.append(
                    ContextCue(m.rule.group, m.rule.weight, m.rule.id, name, snippet, start, end)
                )

    def _stated_age(self, state: _State) -> None:
        """The person's stated age, and the youth indicators it gives or sets aside."""
        stated_age, age_indicators = self._age(state.fields, state.age_text, state.lang)
        if stated_age is not None and stated_age > max(YOUTH_AGES) and not age_indicators:
            # "Young and sexy Anna, 26": a stated age of 21 or more is no young age.
            for indicator in state.indicators:
                if indicator.category == "youth":
                    detail = f"the stated age is {stated_age}"
                    state.suppressed.append(
                        Suppressed("youth", indicator.rule, SENSE, detail, indicator.evidence)
                    )
            state.indicators = [i for i in state.indicators if i.category != "youth"]
        state.indicators.extend(age_indicators)
        state.stated_age = stated_age

    def _decide_context(self, state: _State) -> None:
        """The price, the cues that are no words, and the ad-context decision."""
        price, where = self._find_price(state.fields, state.price_text)
        state.price, state.where = price, where
        cues = state.cues
        cues.extend(self._built_in_cues(state.fields, state.stated_age, price, where))
        weight = self.lexicon.context.indicator
        if weight:
            # Trafficking indicators speak of a person on offer: each category found
            # (after negation, benign and sense rules) is a cue of its own.
            for indicator in state.indicators:
                cue = f"{INDICATOR_CUE}:{indicator.category}"
                e = indicator.evidence
                cues.append(
                    ContextCue(cue, weight, indicator.rule, e.field, e.snippet, e.start, e.end)
                )
        state.context = decide(self.lexicon.context, cues, source_kind=state.source_kind)

    def _verdict(self, state: _State) -> Analysis:
        """The ad's indicators in context, its score and whether it is a hit."""
        context, indicators, suppressed = state.context, state.indicators, state.suppressed
        derive_origin, lang = state.derive_origin, state.lang
        if context.service:
            indicators.extend(self._low_price(state.price, state.where, state.source))
            if derive_origin and not any(i.category == "origin" for i in indicators):
                # A flag counts inside the service context only, and is no cue of it: a
                # Thai massage or a Polish deli shows its flag too.
                flag = _foreign_flag(state.fields, lang)
                if flag is not None:
                    weight = self.weights["origin"]
                    indicators.append(Indicator("origin", FLAG_RULE, weight, flag))
        else:
            for indicator in indicators:
                suppressed.append(
                    Suppressed(
                        indicator.category,
                        indicator.rule,
                        OUT_OF_CONTEXT,
                        "the ad does not offer sexual, escort or erotic-massage services",
                        indicator.evidence,
                    )
                )
            indicators = []

        indicators = _dedupe(indicators)
        best: dict[str, float] = {}
        for indicator in indicators:
            best[indicator.category] = max(best.get(indicator.category, 0.0), indicator.weight)
        score = round(float(sum(best.values())), 6)
        return Analysis(
            indicators=indicators,
            categories=sorted(best),
            score=score,
            hit=bool(best) and score >= self.threshold,
            stated_age=state.stated_age,
            price=state.price,
            lexicon_version=self.lexicon.version,
            lang=lang,
            lang_confidence=state.confidence,
            context=context,
            suppressed=tuple(suppressed),
        )

    def _learned(
        self,
        learned: LearnedConfig,
        fields: list[tuple[str, Normalized]],
        raw: list[list[_Match]],
        negation: list[_Field],
        lang: str,
        cues: list[ContextCue],
        context: ContextDecision,
        indicators: list[Indicator],
        suppressed: list[Suppressed],
        source_kind: str | None,
        *,
        stated_age: int | None,
        derive_origin: bool,
    ) -> ContextDecision:
        """The learned backstop (:mod:`pipelines.engine.learned`): the context decision,
        lifted for an ad just short of it that is worded like the ads that carry
        indicators; in context, ``indicators`` and ``suppressed`` get the categories it
        adds or sets aside. Only run for an ad where it can change something."""
        # With origin off (the data policy) no nationality word may decide anything: the
        # lift's model has none, but its words were learned beside them.
        lift = (
            derive_origin
            and not context.service
            and context.score + learned.context_margin >= context.threshold
        )
        wanted: list[str] = []
        if context.service or lift:
            # A category the rules neither matched nor set aside (a negated or benign cue,
            # a young word beside an adult age) may be said in words no rule names.
            known = {i.category for i in indicators} | {s.category for s in suppressed}
            known |= {m.category for matches in raw for m in matches if m.kind == "benign"}
            if not derive_origin:
                known.add("origin")
            if stated_age is not None and stated_age > max(YOUTH_AGES):
                known.add("youth")  # an adult's stated age: no young words count
            wanted = [c for c in learned.categories if c not in known]
        if not lift and not wanted:
            return context
        texts = [norm.text for _, norm in fields]
        model = learned.model
        rows = model.text_rows(texts)
        probabilities = model.probabilities(rows)
        places = _Places(fields, texts, negation, lang)
        if lift:
            # Close to a service ad, and worded like the ads that carry indicators: its
            # strongest word must be evidence an investigator can read, as for a category,
            # and not negated ("no hotel visits").
            strongest = model.strongest(rows, HIT)
            if (
                probabilities[HIT] < learned.context
                or strongest is None
                or strongest[1] < learned.context_evidence_weight
            ):
                return context
            rule = Rule(f"{LEARNED_RULE_PREFIX}{HIT}", HIT, lang, "cue", 0.0, True)
            found, _ = places.first_not_negated(self, strongest[0], rule)
            if found is None:
                return context
            name, norm, m = found
            start, end = norm.span(m.start, m.end)
            snippet = _snippet(norm.original, start, end)
            weight = learned.context_margin
            cue = ContextCue(LEARNED_CUE, weight, rule.id, name, snippet, start, end)
            context = decide(self.lexicon.context, [*cues, cue], source_kind=source_kind)
        for category in wanted:
            if probabilities[category] < learned.category:
                continue
            # The word that weighs most for it is its evidence: strong enough to show an
            # investigator, and not negated (where it occurs more than once, one place
            # that is not negated counts, as for a rule).
            strongest = model.strongest(rows, category)
            if strongest is None or strongest[1] < learned.evidence_weight:
                continue
            weight = self.weights[category]
            rule = Rule(f"{LEARNED_RULE_PREFIX}{category}", category, lang, "rule", weight, True)
            found, negated = places.first_not_negated(self, strongest[0], rule)
            if found is not None:
                name, norm, m = found
                indicators.append(self._indicator(name, norm, m))
            elif negated is not None:
                name, norm, m, trigger = negated
                suppressed.append(self._suppressed(name, norm, m, NEGATED, trigger))
        return context

    def match(
        self,
        norm: Normalized,
        lang: str = UNKNOWN_LANGUAGE,
        suppressed: frozenset[str] = frozenset(),
    ) -> list[_Match]:
        """Lexicon matches in one normalised field that count (before the ad-context
        decision): negation, benign, category-context and sense rules applied."""
        raw = self._raw_matches(norm.text, lang)
        suppressed = suppressed | {m.category for m in raw if m.kind == "context"}
        return self._sort(norm, raw, lang, suppressed)[0]

    def _sort(
        self,
        norm: Normalized,
        raw: list[_Match],
        lang: str,
        category_context: frozenset[str] | set[str],
        groups: set[str] | None = None,
        *,
        field: _Field | None = None,
    ) -> tuple[list[_Match], list[_Match], list[tuple[_Match, str, str]]]:
        """Split one field's matches into the indicators that count, the ad-context cues
        that count (the first of each group not in ``groups``, which is updated), and
        the set-aside ones with their reason and detail. ``field`` is the field as
        negation reads it, when the caller reads it again (:class:`_Places`)."""
        text = norm.text
        if groups is None:
            groups = set()
        kept: list[_Match] = []
        cues: list[_Match] = []
        dropped: list[tuple[_Match, str, str]] = []
        if not raw:
            return kept, cues, dropped
        benign = [m for m in raw if m.kind == "benign"]
        senses: list[_Match] = []  # sense words, found on the first need
        names: list[_Match] | None = None  # first names, found on the first need
        pool: _ByStart | None = None  # what sense rules look for, on the first need
        pooled_names = False
        if field is None:
            field = _Field(norm, raw, self._every_word)
        for m in raw:
            kind = m.kind
            if kind == "cue":
                if m.rule.group in groups:
                    continue
                trigger = self._negated(field, m, lang) if m.rule.negatable else None
                if trigger is None:
                    cues.append(m)
                    groups.add(m.rule.group)
                else:
                    dropped.append((m, NEGATED, trigger))
                continue
            if kind != "rule":
                continue
            if m.category in category_context:
                dropped.append((m, CATEGORY_CONTEXT, "a context pattern of the category"))
                continue
            # A benign sense overlapping the match sets it aside, unless the match holds
            # it and says more before it ("twintig jaar jong" holds "jaar jong").
            if benign and any(
                b.category == m.category
                and b.start < m.end
                and m.start < b.end
                and not (m.start < b.start and b.end <= m.end)
                for b in benign
            ):
                dropped.append((m, BENIGN, "a benign sense of the words"))
                continue
            if m.rule.negatable:
                trigger = self._negated(field, m, lang)
                m.negation = trigger or ""
                if trigger is not None:
                    dropped.append((m, NEGATED, trigger))
                    continue
            near = m.rule.sense_near
            if near and FIRST_NAME_GROUP in near and names is None:
                names = _first_names(norm)
            if near and (pool is None or (names is not None and not pooled_names)):
                # Everything a sense rule may look for, by start: built once per field.
                found = (*raw, *self._senses(text, lang, senses), *(names or ()))
                pool = _ByStart(sorted(found, key=_start))
                pooled_names = names is not None
            if near:
                reach = 12 * (m.rule.sense_within + 1)
                nearby = pool.around(m.start - reach, m.end + reach) if pool else []
                if not _near(text, m, nearby):
                    wanted = ", ".join(near)
                    dropped.append((m, SENSE, f"no {wanted} within {m.rule.sense_within} words"))
                    continue
            kept.append(m)
        return kept, cues, dropped

    # ---------------------------------------------------------------------- helpers

    @staticmethod
    def _indicator(name: str, norm: Normalized, m: _Match) -> Indicator:
        start, end = norm.span(m.start, m.end)
        evidence = Evidence(name, _snippet(norm.original, start, end), start, end)
        return Indicator(m.rule.category, m.rule.id, m.rule.weight, evidence)

    def _senses(self, text: str, lang: str, found: list[_Match]) -> list[_Match]:
        """The sense words of ``text``, searched once per field (``found`` caches them,
        with a marker when there are none)."""
        if not found:
            found.extend(self._raw_matches(text, lang, self.lexicon.sense_automaton) or [_NONE])
        return found

    @staticmethod
    def _suppressed(name: str, norm: Normalized, m: _Match, reason: str, detail: str) -> Suppressed:
        start, end = norm.span(m.start, m.end)
        evidence = Evidence(name, _snippet(norm.original, start, end), start, end)
        return Suppressed(m.category, m.rule.id, reason, detail, evidence)

    def _raw_matches(
        self, text: str, lang: str = UNKNOWN_LANGUAGE, keys: KeyTable | None = None
    ) -> list[_Match]:
        """Every lexicon match in ``text`` before negation/benign/context filtering.

        In an ad of a known language, the rules of OTHER languages match whole words
        only: their wildcards (word endings are a language's own morphology) match
        nothing, so the Hungarian stem ``sofőr*`` does not run into the German
        "sofort", and rules marked ``local`` do not match at all.
        """
        found: list[_Match] = []
        if keys is None:
            self._match_table(text, lang, self.lexicon.automaton, found)
            if lang == LATIN_WRITTEN_LANGUAGE or lang not in self._languages:
                self._match_table(text, lang, self.lexicon.latin_automaton, found)
        else:
            self._match_table(text, lang, keys, found)
        # By position, the longest first, then by rule, whatever the automaton's keys: the
        # first evidence of a rule is the first in the text and the fullest there, the
        # same however its patterns were cut into keys.
        _sort_spans(found, len(text))
        return found

    def _match_table(self, text: str, lang: str, keys: KeyTable, found: list[_Match]) -> None:
        """Append the matches of one table's patterns in ``text`` to ``found``."""
        if not len(keys):
            return
        length = len(text)
        # Rules of these languages match with their wildcards; "" never equals a rule's.
        own = (lang, COMMON_LANGUAGE) if lang in self._languages else None
        append = found.append
        entries = self._entries(keys)
        #: Where each text a tail needs is last in ``text`` (:func:`_holds_any`).
        last_at: dict[str, int] = {}
        # Typed, so the compiled build reads the automaton's hits as native numbers.
        hit: tuple[int, int]
        for hit in keys.automaton.iter(text):
            last = hit[0]
            entry = entries[hit[1]]
            start = last - entry.key_length + 1
            end = last + 1
            needs_left, needs_right, gaps = entry.needs_left, entry.needs_right, entry.gaps
            before_ok = start == 0 or not text[start - 1].isalnum()
            if (needs_left and not before_ok) or (
                needs_right and end < length and text[end].isalnum()
            ):
                continue
            if gaps is not None and gaps.match(text, end) is None:
                continue  # no expansion's tail can match here
            for expansion in entry.expansions:
                rule = expansion.rule
                foreign = own is not None and expansion.lang not in own
                if foreign and expansion.local:
                    continue
                if expansion.plain:
                    # _complete's word boundary checks for a literal, without the call.
                    if (before_ok or not text[start].isalnum()) and (
                        end == length or not (text[end].isalnum() and text[end - 1].isalnum())
                    ):
                        append(_Match(rule, start, end))
                    continue
                needs = expansion.needs
                if needs and not _holds_any(text, needs, end, last_at):
                    continue  # the tail needs words the rest of the ad does not hold
                span = _complete(text, length, start, end, before_ok, expansion, foreign)
                if span is not None:
                    append(_Match(rule, span[0], span[1]))

    def _entries(self, keys: KeyTable) -> tuple[_Entry, ...]:
        """The entries of ``keys`` as the matcher reads them (:class:`_Entry`), made
        once per table."""
        made = self._tables.get(id(keys))
        if made is None or made[0] is not keys:
            made = self._tables[id(keys)] = (keys, tuple(_Entry(*entry) for entry in keys.entries))
        return made[1]

    def _scope(self, rule_lang: str, ad_lang: str) -> _Scope:
        """Negation words for a rule: its language's, the ad's (an English word in a
        Dutch ad is negated by "geen") and English."""
        scope = self._scope_cache.get((rule_lang, ad_lang))
        if scope is None:
            neg = self._negation
            langs = {rule_lang, ad_lang, "en"} - {COMMON_LANGUAGE}
            # Latin spellings of Bulgarian negation words: in a Bulgarian ad, or in one of
            # unknown language for a Bulgarian rule.
            written = ad_lang if ad_lang in self._languages else rule_lang
            if f"{written}{LATIN_SPELLING_SUFFIX}" in neg.pre:
                langs.add(f"{written}{LATIN_SPELLING_SUFFIX}")
            post = frozenset().union(*(neg.post.get(x, frozenset()) for x in langs))
            scope = _Scope(
                pre=frozenset().union(*(neg.pre.get(x, frozenset()) for x in langs)),
                post=post,
                post_phrases=_by_first_word(p for p in post if " " in p),
                pseudo=tuple(p for x in sorted(langs) for p in neg.pseudo.get(x, ())),
                terminators=frozenset().union(
                    *(neg.terminators.get(x, frozenset()) for x in langs)
                ),
            )
            self._scope_cache[rule_lang, ad_lang] = scope
        return scope

    def _negated(self, field: _Field, m: _Match, lang: str) -> str | None:
        """The trigger that negates ``m`` (NegEx style) in ``field``, or ``None``."""
        text = field.text
        quiet = field.quiet(self._every_scope)
        if quiet is not None and (id(m) in quiet or field.whole_words_near(m, self._every_scope)):
            # The common case: nothing in the field negates anything (a cue or a learned
            # word is none of its matches: only a piece of a word it cuts could).
            return None
        scope = self._scope(m.rule.lang, lang)
        free = field.free(scope)
        if field.quoted:
            quote = _opening_quote(text, m.start)
            if quote >= 0:
                reported = _reported(text, m, quote)
                if reported is not None:
                    return reported
        window_start = max(0, m.start - 120)
        offset = field.clause_start(self._marks, window_start, m.start)
        # Most fields hold none of the scope's negation words: then the words before the
        # match are read only when a list may go on (below).
        pre_free = free[0]
        words: list[str] | None = None
        triggered = False
        if (not pre_free and field.pre_between(scope, offset, m.start)) or not (
            field.whole_words_before(m.start, offset, scope.pre)
        ):
            words = self._pre_words(text, offset, m.start)
            triggered = not scope.pre.isdisjoint(words)
        breaks = field.breaks
        if triggered and breaks.found:
            # "ik ken de stad nog niet eens 🙈 Ontvangst ...": the emoji ended the sentence.
            # The word just before the emoji still negates ("No 🚫 Bareback").
            before = bisect.bisect_right(breaks.found, (m.start, len(text)))
            if before:
                offset = max(offset, breaks.found[before - 1][1])
                words = self._pre_words(text, offset, m.start)
                triggered = not scope.pre.isdisjoint(words)
        if triggered:
            found = list(_word_pattern(text).finditer(text, offset, m.start))
            found = found[-self._negation.window :]
            for word in reversed(found):
                value = word.group()
                if value in scope.terminators:
                    break
                if value not in scope.pre:
                    continue
                # A trigger that belongs to another indicator ("geen taboes, no limits",
                # "bez tabu i bez ograniczeń") negates nothing here.
                at = word.start()
                if field.in_other(m, at):
                    continue
                if scope.pseudo_at(text, word.start()):
                    continue
                return value
        if not pre_free and ":" in text[max(0, m.start - _HEADING_LIST_CHARS) : m.start]:
            # "Wat je bij mij NIET vindt: bureau, chauffeur, onveilige seks": a negated
            # heading before a colon refuses the list after it (its words are whole words
            # of the field, so a field without negation words has none).
            heading = _negated_heading(text, m, field.positives, scope)
            if heading is not None:
                return heading
        if offset > 0 and text[offset - 1] in ",/":
            if words is None:
                words = self._pre_words(text, offset, m.start)
            if len(words) <= 3:
                # Right after a comma: perhaps the next item of a negated list.
                listed = self._listed(field, m, lang, forward=False)
                if listed is not None:
                    return listed
        trigger = self._post_negated(field, m, scope)
        if trigger is not None:
            return trigger
        # A list that a refusal ends: "Agencies, managers, drivers: none of that." The
        # cheap test first: a comma, a slash or a conjunction right after the cue.
        after = m.end
        while after < len(text) and text[after] in " \"'":
            after += 1
        if after < len(text) and (
            text[after] in ",/" or _CONJUNCTION.match(text, after) is not None
        ):
            listed = self._listed(field, m, lang, forward=True)
            if listed is not None:
                return listed
        if m.kind != "rule":
            return None  # what other women do still says the ad is an escort ad
        return _others_say(text, m.start, field.others, breaks)

    def _pre_words(self, text: str, offset: int, start: int) -> list[str]:
        """The words a ``pre`` trigger is looked for among: the last ``window`` words
        between the clause start ``offset`` and the match at ``start``."""
        return _words_in(text, offset, start)[-self._negation.window :]

    def _post_negated(
        self, field: _Field, m: _Match, scope: _Scope, *, mind_others: bool = True
    ) -> str | None:
        """The trigger after ``m`` that refuses it: a cross mark, a ``post`` word or
        phrase that ends its clause, or the refusal that answers its question. A trigger
        that belongs to another indicator ("új a városban, korlátok nélkül") refuses
        nothing here (``mind_others``; not for the next item of a list)."""
        text = field.text
        # A post trigger that ends the match's clause ("bareback: no").
        end = m.end
        crosses = field.crosses
        if crosses:
            # A cross mark right after the cue: "nonstop ❌", "fără prezervativ ❌".
            after = bisect.bisect_left(crosses, end)
            if after < len(crosses) and _CUE_WORD.search(text, end, crosses[after]) is None:
                return CROSS_MARK_TRIGGER
        hard_stop = _HARD_STOP.search(text, end, end + 60)
        #: Where the clause ends at a hard stop, or -1.
        stop = hard_stop.start() if hard_stop is not None else -1
        limit = stop if stop >= 0 else end + 60
        if (
            field.free(scope)[1] or (self._short_refusals and not field.refusal_from(scope, end))
        ) and field.whole_words_after(end, limit, scope):
            # Every refusal below is a post word or phrase of the scope, read as a whole
            # word of the field after the cue: a field without one there has no refusal.
            return None
        breaks = field.breaks
        if stop >= 0 and text[stop] == "," and _answer_mark_in(text, end, end + 100):
            # A list the refusal ends: "Agencies, managers, drivers: none of that."
            tail = _LIST_TAIL.match(text, end)
            if tail is not None:
                word = _CUE_WORD.match(text, tail.end())
                if word is not None:
                    refused = _post_trigger(text, word, scope, breaks)
                    if refused is not None:
                        return refused
        if stop >= 0 and text[stop] == ",":
            # A refusal that is the whole next clause: "Sin protección, nada de nada.",
            # "Bareback, never."
            word = _CUE_WORD.match(text, stop + 1 + (text[stop + 1 :][:1] == " "))
            if word is not None and (
                word.group() in scope.post or word.group() in scope.post_phrases
            ):
                refused = _post_trigger(text, word, scope, breaks)
                if refused is not None:
                    return refused
        post, phrases = scope.post, scope.post_phrases
        words = _words_in(text, end, limit)[: self._post_words]
        if post.isdisjoint(words) and phrases.keys().isdisjoint(words):
            return _answered_no(text, end, scope, breaks)  # the common case: no trigger
        for count, word in enumerate(_word_pattern(text).finditer(text, end, limit)):
            if count >= self._post_words:
                break
            value = word.group()
            if value not in post and value not in phrases:
                continue  # the cheap test first: most words are no trigger
            if mind_others and field.in_other(m, word.start()):
                continue
            trigger = _post_trigger(text, word, scope, breaks)
            if trigger is not None:
                return trigger
        return _answered_no(text, end, scope, breaks)

    def _listed(self, field: _Field, m: _Match, lang: str, *, forward: bool) -> str | None:
        """The trigger that refuses the list ``m`` belongs to: backwards, the trigger
        of the cue of the same category it follows ("никога не съм имала агенция,
        шофьор или „приятел“", "no agency, driver or 'friend'": the comma ends the
        negation's scope, the list goes on); forwards, the post trigger that refuses
        the items after it ("Agencies, managers, drivers: none of that")."""
        text = field.text
        if forward:
            after = m.end
            while after < len(text) and text[after] in " \"'":
                after += 1
            if after >= len(text) or (
                text[after] not in ",/" and _CONJUNCTION.match(text, after) is None
            ):
                return None  # the cheap test first: no comma, slash or "or" after it
            if not _answer_mark_in(text, m.end, m.end + 100):
                return None  # no colon, dash or question a refusal could follow
        window = (m.end, m.end + 24) if forward else (m.start - 24, m.start)
        near = [
            p
            for p in field.positives.around(*window)
            if p is not m
            and p.category == m.category
            and (
                m.end <= p.start <= m.end + 24
                if forward
                else p.end <= m.start and m.start - p.end <= 24
            )
        ]
        if not near:
            return None
        if forward:
            other = min(near, key=lambda p: p.start)
            gap = _LIST_GAP.fullmatch(text, m.end, other.start)
        else:
            other = max(near, key=lambda p: p.end)
            gap = _LIST_GAP.fullmatch(text, other.end, m.start)
        if gap is None:
            return None
        if not forward:
            if other.negation is not None:  # already decided in this field
                return other.negation or None
            return self._negated(field, other, lang)
        scope = self._scope(other.rule.lang, lang)
        trigger = self._post_negated(field, other, scope, mind_others=False)
        if trigger is not None:
            return trigger
        return self._listed(field, other, lang, forward=True)

    def _age(
        self, fields: list[tuple[str, Normalized]], age_text: str | int | None, lang: str
    ) -> tuple[int | None, list[Indicator]]:
        weight = self.weights["youth"]
        field_age = parse_age_text(age_text)
        indicators = []
        stated: int | None = field_age
        if field_age is not None and field_age in YOUTH_AGES:
            value = str(age_text)
            evidence = Evidence("age_text", value[:40], 0, len(value))
            indicators.append(Indicator("youth", STATED_AGE_RULE, weight, evidence))
        found = [(name, norm, age) for name, norm in fields for age in find_ages(norm)]
        if any(age.age in YOUTH_AGES for _, _, age in found):
            # A young age may be denied or supposed, beside the person's real one or
            # one the ad gives in words the age finder does not read ("Nie mam 19 lat,
            # mam 49", "Nem 18 vagyok, hanem 38").
            found = [
                (name, norm, age)
                for name, norm, age in found
                if age.age not in YOUTH_AGES or not self._denied_age(norm, age.start, lang)
            ]
        for name, norm, age in found:
            if stated is None:
                if age.age not in YOUTH_AGES and self._denied_age(norm, age.start, lang):
                    continue  # "not even 21 yet", "noch keine 21": not the person's age
                stated = age.age
            if age.age in YOUTH_AGES and not indicators:
                snippet = _snippet(norm.original, age.start, age.end)
                evidence = Evidence(name, snippet, age.start, age.end)
                indicators.append(Indicator("youth", STATED_AGE_RULE, weight, evidence))
        return stated, indicators

    def _denied_age(self, norm: Normalized, start: int, lang: str) -> bool:
        """Whether the age at ``start`` (an original offset) is denied ("not 19", "nu am
        20 de ani") or supposed ("if you want a 19-year-old") in its clause."""
        text = norm.text
        end = bisect.bisect_left(norm.offsets, start)
        offset = _clause_start(text, self._marks, max(0, end - 60), end)
        words = _words_in(text, offset, end)
        if not self._scope(lang, lang).pre.isdisjoint(words[-_DENIED_WORDS:]):
            return True
        before = " ".join(words[-_SUPPOSED_WORDS:])
        return _SUPPOSED.search(before) is not None

    def _find_price(
        self, fields: list[tuple[str, Normalized]], price_text: str | None
    ) -> tuple[Price | None, tuple[str, str]]:
        """The ad's price (the price field first, else the first hourly price in the
        text) and where it was found."""
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
        return price, where

    def _low_price(
        self, price: Price | None, where: tuple[str, str], source: str | None
    ) -> list[Indicator]:
        """A ``low_price`` indicator when the hourly price is far below the source's
        running median (the price is also added to that median)."""
        config = self.lexicon.price
        if price is None or source is None:
            return []
        hourly = price.hourly_eur(config.eur_rates)
        if hourly is None or not self.price_tracker.observe(source, hourly):
            return []
        name, original = where
        if name == "price_text":
            evidence = Evidence(name, original[:60], 0, len(original))
        else:
            snippet = _snippet(original, price.start, price.end)
            evidence = Evidence(name, snippet, price.start, price.end)
        return [Indicator("low_price", LOW_PRICE_RULE, self.weights["low_price"], evidence)]

    def _built_in_cues(
        self,
        fields: list[tuple[str, Normalized]],
        stated_age: int | None,
        price: Price | None,
        where: tuple[str, str],
    ) -> list[ContextCue]:
        """Context cues that are no words: the person's stated age, body measurements,
        a flirtatious emoji, a rate per hour or less, a person presented by name."""
        config = self.lexicon.context
        cues: list[ContextCue] = []
        if stated_age is not None and config.stated_age:
            cues.append(ContextCue(STATED_AGE_CUE, config.stated_age, rule=str(stated_age)))
        if config.measurements:
            for name, norm in fields:
                span = find_measurements(norm)
                if span is not None:
                    snippet = _snippet(norm.original, *span)
                    cues.append(
                        ContextCue(
                            MEASUREMENTS_CUE, config.measurements, None, name, snippet, *span
                        )
                    )
                    break
        if config.emoji:
            for name, norm in fields:
                span = find_flirt_emoji(norm.original)
                if span is not None:
                    snippet = _snippet(norm.original, *span)
                    cues.append(ContextCue(EMOJI_CUE, config.emoji, None, name, snippet, *span))
                    break
        if config.person_name:
            for name, norm in fields:
                if name != "text" and "[name]" not in norm.original:
                    continue  # a title opening with "Word," is often a business's name
                span = find_person_name(norm.original, lexicon_words())
                if span is not None:
                    snippet = _snippet(norm.original, *span)
                    cues.append(
                        ContextCue(PERSON_NAME_CUE, config.person_name, None, name, snippet, *span)
                    )
                    break
        if price is not None and price.per_hours is not None and price.per_hours <= 1:
            weight = config.short_rate if price.per_hours < 1 else config.hourly_rate
            if weight:
                name, original = where
                start, end = (
                    (0, len(original)) if name == "price_text" else (price.start, price.end)
                )
                snippet = _snippet(original, start, end)
                cues.append(ContextCue(RATE_CUE, weight, None, name, snippet, start, end))
        return cues


@dataclass(frozen=True, slots=True)
class _Scope:
    pre: frozenset[str]
    post: frozenset[str]
    #: Post triggers of several words ("no way"), by their first word.
    post_phrases: dict[str, tuple[str, ...]]
    pseudo: tuple[str, ...]
    terminators: frozenset[str]

    def pseudo_at(self, text: str, at: int) -> bool:
        """Whether a pseudo-trigger ("no doubt", "don't miss") starts at ``at``: the
        negation word there negates nothing."""
        return bool(self.pseudo) and text.startswith(self.pseudo, at)


_NONE = _Match(Rule("", "", "", "none", 0.0, False), 0, 0)


#: Places of a learned evidence word read for negation: a hostile ad that repeats the
#: word costs at most this many negation checks.
_MAX_PLACES = 20


class _Places:
    """The places of the learned backstop's evidence words in one ad, read for negation
    with the fields as the rules read them (``negation``)."""

    def __init__(
        self,
        fields: list[tuple[str, Normalized]],
        texts: list[str],
        negation: list[_Field],
        lang: str,
    ) -> None:
        self.fields = fields
        self.texts = texts
        self.negation = negation
        self.lang = lang

    def first_not_negated(
        self, engine: IndicatorEngine, feature: str, rule: Rule
    ) -> tuple[tuple[str, Normalized, _Match] | None, tuple[str, Normalized, _Match, str] | None]:
        """The first place of ``feature`` no negation word refuses, or ``None`` and the
        first place with the word that refuses it."""
        negated = None
        for index, start, end in learned_locate(self.texts, feature)[:_MAX_PLACES]:
            name, norm = self.fields[index]
            m = _Match(rule, start, end)
            trigger = engine._negated(self.negation[index], m, self.lang)
            if trigger is None:
                return (name, norm, m), None
            if negated is None:
                negated = (name, norm, m, trigger)
        return None, negated


def _negated_heading(text: str, m: _Match, positives: _ByStart, scope: _Scope) -> str | None:
    """The negation word of a short heading that ends in a colon before ``m``, when ``m``
    is an item of the list after it ("Какво НЕ предлагам: без защита, агенции", "U mnie
    NIE ma: pośpiechu, pośredników"). The list runs to the end of its sentence (read up
    to ``_HEADING_LIST_READ`` characters after the colon), has a
    comma and short items; the heading has two to six words and no cue of its own ("No
    agency: ..." is a cue refused, not a heading), and a `pseudo` phrase ("don't miss:")
    is none."""
    colon = text.rfind(":", max(0, m.start - _HEADING_LIST_CHARS), m.start)
    if colon < 0 or _SENTENCE_END.search(text, colon, m.start) is not None:
        return None
    last = colon + _HEADING_LIST_READ
    end = _SENTENCE_END.search(text, m.end, last)
    listed = text[colon + 1 : end.start() if end is not None else min(len(text), last)]
    if "," not in listed or any(
        len(_CUE_WORD.findall(item)) > _HEADING_ITEM_WORDS for item in _LIST_ITEMS.split(listed)
    ):
        return None  # no list of short items: "Sie nimmt keine Anrufe an: ihr Freund ..."
    if not scope.terminators.isdisjoint(_words_in(text, colon, m.start)):
        return None  # "..., but bareback": the list ended
    start = max(text.rfind(mark, max(0, colon - 80), colon) for mark in _HEADING_START) + 1
    words = _words_in(text, start, colon)
    if not 2 <= len(words) <= _HEADING_WORDS or scope.pre.isdisjoint(words):
        return None
    if any(p.start < colon and start < p.end for p in positives.around(start, colon)):
        return None
    for word in _word_pattern(text).finditer(text, start, colon):
        value = word.group()
        if value in scope.pre and not scope.pseudo_at(text, word.start()):
            return value
    return None


def _post_trigger(
    text: str, word: re.Match[str], scope: _Scope, breaks: _EmojiBreaks | None = None
) -> str | None:
    """The post trigger (a word, or a phrase starting with it: "no way", "auf keinen
    Fall") at ``word`` when it ends its clause, else ``None``."""
    value = word.group()
    ends = [(value, word.end())] if value in scope.post else []
    ends += [
        (p, word.start() + len(p))
        for p in scope.post_phrases.get(value, ())
        if text.startswith(p, word.start())
    ]
    for trigger, after in ends:
        spaced = after
        while after < len(text) and text[after] == " ":
            after += 1
        # A dash set off by spaces ends the clause too ("Agency? NO - I work alone"),
        # a hyphen does not ("no-go"); so does "and" ("de novedad nada y de ...").
        dash = after > spaced and text.startswith("- ", after)
        # An emoji that ends the sentence ends the clause too ("Dziękuję, postoję 😄 Od").
        if (
            after < len(text)
            and text[after] not in _CLAUSE_END
            and not dash
            and not (breaks is not None and breaks.starts_sentence(after))
        ):
            joined = _CUE_WORD.match(text, after) if after > spaced else None
            if joined is None or joined.group() not in _AND:
                continue
        if not scope.pseudo_at(text, word.start()):
            return trigger
    return None


#: How far after a question its answer's first word is read, and how far after it that
#: word may start (:func:`_answered_no`).
_ANSWER_WORD_CHARS = 48
_ANSWER_WORD_START = 8


def _answered_no(
    text: str, end: int, scope: _Scope, breaks: _EmojiBreaks | None = None
) -> str | None:
    """The refusal that answers the question the cue is in: "'Manager', 'agency'? No,
    thanks.", "Menedzser? Ügynökség? Köszönöm, nem." (up to three short questions in a
    row before the answer). Bounded: at most a few hundred characters are read."""
    stop = None
    if text.find('"', end, end + 32) >= 0:
        # A quoted cue the ad answers: 'People ask if I'm "new in town". No, ...'
        stop = _QUOTED_END.match(text, end)
    if stop is None:
        if text.find("?", end, end + 120) < 0:
            return None  # no question in reach (the common case), nothing to answer
        stop = _SENTENCE_END.search(text, end, end + 120)
    for _ in range(3):
        if stop is None or (stop.group()[-1] != "?" and stop.re is not _QUOTED_END):
            return None
        # The answer starts right after the question mark or the quoted cue's full stop
        # (a quote or a dash between).
        word = _CUE_WORD.search(text, stop.end(), stop.end() + _ANSWER_WORD_CHARS)
        if word is None or word.start() > stop.end() + _ANSWER_WORD_START:
            return None
        trigger = _post_trigger(text, word, scope, breaks)
        if trigger is not None:
            return trigger
        stop = _SENTENCE_END.search(text, word.start(), word.start() + 40)
    return None


def _by_first_word(phrases: Iterable[str]) -> dict[str, tuple[str, ...]]:
    grouped: dict[str, list[str]] = {}
    for phrase in phrases:
        first = _CUE_WORD.match(phrase)
        if first is not None:
            grouped.setdefault(first.group(), []).append(phrase)
    return {word: tuple(sorted(group, key=longest_first)) for word, group in grouped.items()}


class _Field:
    """One normalised field as the negation checks read it (:meth:`IndicatorEngine._negated`):
    its matches by start, the sentences emoji end, its cross marks and, found once on the
    first need, its words and the subjects that name other women or ads.

    Most fields hold no negation word of a rule's scope near most matches, yet each match
    used to re-read the words around it. The words of the field are read once: where none
    is a negation word of the scope, the checks that need one are skipped, unless a window
    cuts a word whose piece could be one ("no" of "nobody" at a window's end)."""

    __slots__ = (
        "_free",
        "_last_refusal",
        "_marks",
        "_others",
        "_pre_words",
        "_quiet",
        "_triggers",
        "_words",
        "breaks",
        "crosses",
        "every",
        "positives",
        "quoted",
        "text",
    )

    def __init__(
        self, norm: Normalized, raw: Iterable[_Match], every: frozenset[str] | None = None
    ) -> None:
        text = self.text = norm.text
        #: The negation words of every language (the engine's ``pre`` and ``post`` words
        #: and first words of post phrases), or ``None``: then :attr:`triggers` are all
        #: the field's words.
        self.every = every
        #: The field's matches of rules, by start.
        self.positives = _ByStart(m for m in raw if m.kind == "rule")
        self.breaks = _EmojiBreaks(norm)
        self.crosses = _cross_marks(norm)
        #: Without a quote mark no cue is quoted (:func:`_opening_quote`).
        self.quoted = '"' in text or "'" in text
        self._words: frozenset[str] | None = None
        self._triggers: frozenset[str] | None = None
        self._others: tuple[tuple[int, int, str, bool], ...] | None = None
        self._free: dict[int, tuple[bool, bool]] = {}
        self._quiet: tuple[frozenset[int] | None] | None = None
        self._pre_words: dict[int, tuple[str, ...]] = {}
        self._last_refusal: dict[int, int] = {}
        #: The terminator marks :meth:`clause_start` was given, and those the field holds.
        self._marks: tuple[tuple[str, ...], tuple[str, ...]] | None = None

    def clause_start(self, marks: tuple[str, ...], lo: int, hi: int) -> int:
        """:func:`_clause_start` in the field, among the ``marks`` it holds (found once:
        most fields hold a few of them)."""
        text = self.text
        present = self._marks
        if present is None or present[0] is not marks:
            present = self._marks = (marks, tuple(mark for mark in marks if mark in text))
        return _clause_start(text, present[1], lo, hi)

    @property
    def words(self) -> frozenset[str]:
        """The field's words (``_CUE_WORD``), each whole."""
        if self._words is None:
            self._words = frozenset(_words_in(self.text, 0, len(self.text)))
        return self._words

    @property
    def triggers(self) -> frozenset[str]:
        """The field's words that are a negation word of some language (:attr:`every`):
        a ``pre`` or ``post`` word or the first word of a post phrase. Every scope's
        words are among them, so the checks of a scope read these few, not all words."""
        if self._triggers is None:
            every = self.every
            self._triggers = self.words if every is None else self.words & every
        return self._triggers

    def pre_between(self, scope: _Scope, lo: int, hi: int) -> bool:
        """Whether a ``pre`` negation word of ``scope`` that is a word of the field may
        be in ``text[lo:hi]``: a field may hold one far from most of its matches. (Found
        as text, inside a longer word too: a yes may be wrong, a no is right.)"""
        words = self._pre_words.get(id(scope))
        if words is None:
            words = self._pre_words[id(scope)] = tuple(self.triggers & scope.pre)
        text = self.text
        for word in words:  # noqa: SIM110 (a loop: compiled, any() would build a generator)
            if text.find(word, lo, hi) >= 0:
                return True
        return False

    def refusal_from(self, scope: _Scope, at: int) -> bool:
        """Whether a word of the field that may start a refusal of ``scope`` (a ``post``
        word, or the first word of one of its phrases) may be in the text from ``at`` on:
        every refusal :meth:`IndicatorEngine._post_negated` reads starts with one. (Found
        as text: a yes may be wrong, a no is right.)"""
        last = self._last_refusal.get(id(scope))
        if last is None:
            # Where the last of them starts: one search per word and field, not per match.
            post, phrases = scope.post, scope.post_phrases
            text = self.text
            last = max(
                (text.rfind(w) for w in self.triggers if w in post or w in phrases), default=-1
            )
            self._last_refusal[id(scope)] = last
        return last >= at

    @property
    def others(self) -> tuple[tuple[int, int, str, bool], ...]:
        """Where the field names other women or other ads (:func:`_others_said`)."""
        if self._others is None:
            text = self.text
            # Every subject holds one of _WOMEN_WORDS as a whole word: without an
            # apostrophe (which joins two words), a word of the field.
            if "'" not in text and self.words.isdisjoint(_WOMEN_WORDS):
                self._others = ()
            else:
                self._others = _others_said(text)
        return self._others

    def free(self, scope: _Scope) -> tuple[bool, bool]:
        """Whether no word of the field is a ``pre`` negation word of ``scope``, and whether
        none is a ``post`` one or starts one of its phrases that the field holds."""
        free = self._free.get(id(scope))
        if free is None:
            words, phrases = self.triggers, scope.post_phrases
            free = self._free[id(scope)] = (
                scope.pre.isdisjoint(words),
                scope.post.isdisjoint(words) and not self._holds_phrase(phrases),
            )
        return free

    def _holds_phrase(self, phrases: dict[str, tuple[str, ...]]) -> bool:
        """Whether the field holds a phrase of ``phrases`` (by first word) whose first
        word is a word of the field."""
        text = self.text
        for word in self.triggers:
            for phrase in phrases.get(word, ()):
                if phrase in text:
                    return True
        return False

    def quiet(self, all_languages: _Scope) -> frozenset[int] | None:
        """The ids of the field's matches when no negation check can refuse any of them,
        else ``None``: no quote, cross mark or other women named, no negation word of
        any language (``all_languages``, the scope of them all) and no window that cuts a
        word into one. Found once per field: a list's items then share nothing to negate."""
        if self._quiet is None:
            quiet: frozenset[int] | None = None
            if (
                not (self.quoted or self.crosses)
                and self.free(all_languages) == (True, True)
                and not self.others
                and all(self.whole_words_near(p, all_languages) for p in self.positives)
            ):
                quiet = frozenset(map(id, self.positives))
            self._quiet = (quiet,)
        return self._quiet[0]

    def whole_words_before(self, start: int, offset: int, triggers: frozenset[str]) -> bool:
        """Whether the words between ``offset`` and ``start`` are whole words of the field,
        or, where ``offset`` cuts a word, none of them is one of ``triggers``: a cut word
        may be read as other words than the field's ("a'b'c'no" is "a'b" and "c'no" in
        the field, "b'c" and "no" from its "b")."""
        text = self.text
        if _cuts_word(text, start):
            return False
        if _cuts_word(text, offset):
            return triggers.isdisjoint(_words_in(text, offset, start))
        return True

    def whole_words_after(self, end: int, limit: int, scope: _Scope) -> bool:
        """Whether the words between ``end`` and ``limit`` are whole words of the field,
        or, where either cuts a word, the words read there are no ``post`` word of
        ``scope`` and start none of its phrases (see :meth:`whole_words_before`)."""
        text = self.text
        pieces: list[str] = []
        if _cuts_word(text, end):
            pieces += _words_in(text, end, limit)
        if _cuts_word(text, limit):
            start = limit
            while start > end and (text[start - 1].isalnum() or text[start - 1] == "'"):
                start -= 1
            pieces += _words_in(text, start, limit)
        return not any(p in scope.post or p in scope.post_phrases for p in pieces)

    def whole_words_near(self, m: _Match, scope: _Scope) -> bool:
        """Whether the negation windows of ``m`` (up to 120 characters before it, 60
        after) read whole words of the field, or, where they cut a word, words that are
        no negation words of ``scope``."""
        text = self.text
        if _cuts_word(text, m.start) or _cuts_word(text, m.end):
            return False
        window_start = m.start - 120
        if (
            window_start > 0
            and _cuts_word(text, window_start)
            and not scope.pre.isdisjoint(_words_in(text, window_start, m.start))
        ):
            return False
        return self.whole_words_after(m.end, m.end + 60, scope)

    def in_other(self, m: _Match, at: int) -> bool:
        """Whether the word at ``at`` belongs to a match other than ``m``."""
        return any(p is not m and p.start <= at < p.end for p in self.positives.around(at, at))


#: ASCII characters of no word (:data:`_CUE_WORD_ASCII`) as spaces, for ``bytes.translate``.
_NOT_WORD_ASCII = bytes(
    code if code >= 128 or chr(code).isalnum() else ord(" ") for code in range(256)
)


def _word_pattern(text: str) -> re.Pattern[str]:
    """The words of ``text`` (``_CUE_WORD``) as a regex reads them fastest: with ASCII
    classes in an ASCII text (the same words there, no lookup in the Unicode tables)."""
    return _CUE_WORD_ASCII if text.isascii() else _CUE_WORD


def _words_in(text: str, lo: int, hi: int) -> list[str]:
    """``_CUE_WORD.findall(text, lo, hi)``: in an ASCII piece without an apostrophe, the
    runs of letters and digits, found by the byte methods (no regex)."""
    if not text.isascii():
        return _CUE_WORD.findall(text, lo, hi)
    # findall reads a negative position as 0 (a slice would count from the end).
    piece = text[max(lo, 0) : max(hi, 0)]
    if "'" in piece:
        return _CUE_WORD_ASCII.findall(piece)
    return piece.encode("ascii").translate(_NOT_WORD_ASCII).decode("ascii").split()


#: What may answer a list of cues (a colon, a question, a dash: "Agencies, drivers: no"),
#: each searched wholly inside a window as ``re`` would (``str.find``, no regex).
_ANSWER_MARKS = (":", "?", "\u2013", " - ")


def _answer_mark_in(text: str, lo: int, hi: int) -> bool:
    """Whether one of :data:`_ANSWER_MARKS` is wholly in ``text[lo:hi]`` (a negative
    position read as 0, as ``re`` reads it)."""
    lo, hi = max(lo, 0), max(hi, 0)
    for mark in _ANSWER_MARKS:  # noqa: SIM110 (a loop: compiled, no generator)
        if text.find(mark, lo, hi) >= 0:
            return True
    return False


def _clause_start(text: str, marks: tuple[str, ...], lo: int, hi: int) -> int:
    """Where the clause that ends at ``hi`` starts: the end of the last of ``marks`` (the
    scope terminators) wholly in ``text[lo:hi]``, the first of them where several start at
    one place, else ``lo``: what the greedy ``.*(?:marks)`` reads character by character,
    found by one ``str.rfind`` per mark (an empty mark ends the window itself, as there)."""
    best, end = -1, lo
    for mark in marks:
        at = text.rfind(mark, lo, hi)
        if at > best:
            best, end = at, at + len(mark)
    return end


def _cuts_word(text: str, at: int) -> bool:
    """Whether a window that starts or ends at ``at`` may cut a word (``_CUE_WORD``: letters
    and digits, with one apostrophe inside)."""
    if not 0 < at < len(text):
        return False
    before, after = text[at - 1], text[at]
    if before.isalnum():
        return after.isalnum() or after == "'"
    return before == "'" and after.isalnum() and at > 1 and text[at - 2].isalnum()


class _EmojiBreaks:
    """The sentences an emoji ends in one field (:func:`_emoji_breaks`), found on the
    first need: most matches have no negation word near them."""

    __slots__ = ("_found", "_norm")

    def __init__(self, norm: Normalized) -> None:
        self._norm = norm
        self._found: list[tuple[int, int]] | None = None

    @property
    def found(self) -> list[tuple[int, int]]:
        if self._found is None:
            self._found = _emoji_breaks(self._norm)
        return self._found

    def starts_sentence(self, offset: int) -> bool:
        """Whether an emoji ends the sentence before the word at ``offset``."""
        return any(start == offset for start, _ in self.found)


def _emoji_breaks(norm: Normalized) -> list[tuple[int, int]]:
    """Where an emoji ends a sentence and the next starts with a capital or a number ("ik
    ken de stad nog niet eens 🙈 Ontvangst in ...", "to nie ja 😉 36 lat"): pairs of the
    normalised offset of the next sentence and of the word just before the emoji, where a
    negation's scope then starts. Emoji are spaces once normalised, so without this a
    negation would reach across."""
    original = norm.original
    if original.isascii():
        return []
    breaks = []
    offsets = norm.offsets
    for found in _EMOJI_THEN_CAPITAL.finditer(original):
        # An age starts a sentence too ("... to nie ja 😉 36 lat"); another number is a
        # label of the sentence before ("nie pracuję 🌙 24h").
        first = 3 if found.group(3) is not None else 1
        if (
            first == 3
            and _AGE_AFTER_EMOJI.match(original, found.start(3)) is None
            and _LABEL_NUMBER.match(original, found.start(3)) is not None
        ):
            continue
        if first == 1 and (not found.group(1).isupper() or not found.group(2).islower()):
            continue  # "NO 🚫 BAREBACK": capitals throughout are no new sentence
        after = bisect.bisect_left(offsets, found.start(first))
        # The start of the word before the emoji (back over spaces, then letters).
        end = found.start()
        while end > 0 and not original[end - 1].isalnum():
            end -= 1
        start = end
        while start > 0 and original[start - 1].isalnum():
            start -= 1
        if start == end:
            continue
        breaks.append((after, bisect.bisect_left(offsets, start)))
    return breaks


def _cross_marks(norm: Normalized) -> list[int]:
    """Normalised offsets of the cross marks ("❌", "🚫") that refuse what they follow
    ("Ce NU fac: fara prezervativ ❌ nonstop ❌")."""
    original = norm.original
    if original.isascii():
        return []
    for mark in _CROSS_MARK_CHARS:  # a loop: compiled, no generator
        if mark in original:
            break
    else:
        return []  # most texts: a few plain searches instead of the class regex
    return [bisect.bisect_left(norm.offsets, c.start()) for c in _CROSS_MARK.finditer(original)]


def _first_names(norm: Normalized) -> list[_Match]:
    """Capitalised words of the original that are no lexicon word (a first name:
    "Romanian Ana", "Román Andreea", "Bulgarian Vanya"), as matches of the sense group
    ``first_name``, or the name the crawl redacted ("[name]")."""
    original = norm.original
    offsets = norm.offsets
    not_names = lexicon_words()
    found = []
    for word in _CAPITALISED.finditer(original):
        value = word.group()
        if value != "name" and (not value[0].isupper() or value[1:].isupper()):
            continue  # lower case, or capitals throughout (a shout, not a name)
        if value == "name" and original[word.start() - 1 : word.start()] != "[":
            continue
        rule = _FIRST_NAME_RULE
        if value != "name" and _name_fold(value) in not_names:
            if _AGE_AFTER_NAME.match(original, word.end()) is None:
                continue
            # A lexicon word, but an age follows it ("Ella, 23, Romanian"): a name only
            # in that order.
            rule = _AGED_NAME_RULE
        start = bisect.bisect_left(offsets, word.start())
        end = bisect.bisect_left(offsets, word.end())
        found.append(_Match(rule, start, end))
    return found


def _near(text: str, m: _Match, matches: Sequence[_Match]) -> bool:
    """Whether a match of one of the groups ``m``'s sense rule names lies within its
    number of words."""
    rule = m.rule
    for other in matches:
        if other.kind not in ("cue", "sense") or other.rule.group not in rule.sense_near:
            continue
        if rule.sense_after and other.start < m.end:
            continue  # the word must follow the match
        overlap = other.start < m.end and m.start < other.end
        if overlap and other.rule.group != FIRST_NAME_GROUP:
            return True
        left, right = (other.end, m.start) if other.end <= m.start else (m.end, other.start)
        if overlap:
            continue  # the nationality itself, capitalised, is no name beside it
        if other.rule is _AGED_NAME_RULE:
            # English writes a nationality capitalised like the name: "Ella, 23, Romanian".
            if (
                rule.lang == "en"
                and other.end <= m.start
                and _NAME_AGE_BETWEEN.fullmatch(text[left:right])
            ):
                return True
            continue
        if other.rule is _FIRST_NAME_RULE:
            # Right beside it: "Romanian Ana", "Ana, Romanian", "Ella, 23, Romanian"; not
            # "Baan Thai", "Thai - Mainz".
            between = text[left:right]
            if other.end <= m.start:
                if between == ", " or _NAME_AGE_BETWEEN.fullmatch(between) is not None:
                    return True
            elif between == " ":
                return True
            continue
        if rule.sense_after and _SENTENCE_END.search(text, left, right) is not None:
            continue  # "... after that. Newcastle, incall": the town is no next stop
        if right - left > 12 * (rule.sense_within + 1):
            continue  # too far for that many words
        if len(_words_in(text, left, right)) <= rule.sense_within:
            return True
    return False


def _start(match: _Match) -> int:
    return match.start


def _sort_spans(found: list[_Match], length: int) -> None:
    """Sort ``found`` (matches in a text of ``length``) by start, the longest first, then
    by rule: by one number per match, then the few matches of one span by rule id."""
    width = length + 1
    found.sort(key=lambda m: m.start * width + length - m.end)
    first = 0
    count = len(found)
    while first < count:
        start, end = found[first].start, found[first].end
        last = first + 1
        while last < count and found[last].start == start and found[last].end == end:
            last += 1
        if last - first > 1:
            found[first:last] = sorted(found[first:last], key=_rule_id)
        first = last


def _rule_id(match: _Match) -> str:
    return match.rule.id


def _as_text(value: object) -> str | None:
    """``value`` as a text field: ``None``, a string, or the text of any other value."""
    if value is None or isinstance(value, str):
        return value
    return str(value)


def _holds_any(text: str, needs: tuple[str, ...], start: int, last_at: dict[str, int]) -> bool:
    """Whether ``text`` holds any of ``needs`` from ``start`` on. ``last_at`` keeps where
    each is last in ``text``: each is searched once per text, however many keys are
    found (a search from each key to the end would cost a long text quadratic time)."""
    for need in needs:
        at = last_at.get(need)
        if at is None:
            at = last_at[need] = text.rfind(need)
        if at >= start:
            return True
    return False


def _complete(
    text: str,
    length: int,
    start: int,
    end: int,
    before_ok: bool,
    expansion: _Expansion,
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


def _opening_quote(text: str, start: int) -> int:
    """The offset of the quote that opens a quotation ``start`` is in (up to a few words
    before it: '"nur kurz da"'), or -1."""
    if not start:
        return -1
    if text[start - 1] in _QUOTES:
        return start - 1
    found = text.rfind('"', max(0, start - 16), start)
    if found >= 0 and text.find('"', found + 1, start) < 0:
        return found
    found = text.rfind(" '", max(0, start - 16), start)
    if found >= 0 and text.find("'", found + 2, start) < 0:
        return found + 1
    return -1


def _others_said(text: str) -> tuple[tuple[int, int, str, bool], ...]:
    """Where ``text`` names other women or other ads as a subject (``_OTHERS_SAY``): one
    search per field, whatever its number of matches."""
    for noun in _OTHERS_NOUNS:  # a loop: compiled, no generator
        if noun in text:
            break
    else:
        return ()  # the common case, cheaper than the search
    return tuple(
        (f.start(), f.end(), f.group(), _OTHERS_LIST.match(text, f.end()) is not None)
        for f in _OTHERS_SAY.finditer(text)
        # "the other girls", "my other ladies", "two other girls": the ad's own women.
        if _OWN_WOMEN.search(text, max(0, f.start() - 12), f.start()) is None
        # The bare "other girls" only as the subject of a verb ("other girls have").
        and (not f.group().startswith(_OTHER_WORDS) or _OTHERS_VERB.match(text, f.end()))
    )


def _others_say(
    text: str,
    start: int,
    found: tuple[tuple[int, int, str, bool], ...],
    breaks: _EmojiBreaks | None = None,
) -> str | None:
    """The words that make the cue at ``start`` what other women or other ads do ("Some
    girls on here have bookers", "ads of girls who are only here a few days"), or
    ``None``: the subject in the cue's sentence before it, no first person between.
    ``found`` are the field's subjects (:func:`_others_said`)."""
    if not found:
        return None  # the common case: no other women or ads named
    # The last subject that starts before the cue (a bisection: an ad that names many
    # costs no more per cue).
    before = bisect.bisect_right(found, start, key=lambda subject: subject[0])
    if not before:
        return None
    _begin, end, words, listed = found[before - 1]
    if end > start:
        return words  # the cue is the subject itself ("lots of girls on here")
    if start - end > 80:
        return None
    between = text[end:start]
    if (
        _SENTENCE_END.search(between) is not None
        or any(c in between for c in ":\n|•/~")
        or " - " in between
        or ("," in between and not listed)
    ):
        # Another sentence or clause ("other girls are fake, new in town"); after "have"
        # a list goes on past its commas ("other girls have a driver, a booker and ...").
        return None
    if breaks is not None and any(end < after <= start for after, _ in breaks.found):
        return None  # an emoji ended the sentence ("... fake 😡 New in town")
    if _FIRST_PERSON.search(between) is not None:
        return None
    return words


def _reported(text: str, m: _Match, quote: int) -> str | None:
    """The words that make the quoted cue ``m`` (its quotation opens at ``quote``) what
    others say (other ads, other women) or dismiss it ("nonsense"), or ``None``."""
    start = max(0, quote - 120)
    end = _SENTENCE_END.search(text[start:quote][::-1])
    if end is not None:
        start = quote - end.start()
    for found in _REPORTED_BEFORE.finditer(text, start, quote):
        if (
            _OWN_ADS_BEFORE.search(text, max(0, found.start() - 8), found.start()) is None
            and _OWN_ADS_AFTER.match(text, found.end()) is None
            and _FIRST_PERSON.search(text, found.end(), quote) is None
        ):
            return found.group()
    close = text.find(text[quote], m.end, m.end + 16)
    if close >= 0:
        dismissed = _REPORTED_AFTER.match(text, close + 1)
        if dismissed is not None:
            return dismissed.group().strip()
    return None


def _foreign_flag(fields: list[tuple[str, Normalized]], lang: str) -> Evidence | None:
    """Evidence of the first flag of a foreign country in the ORIGINAL fields ("Réka 🇭🇺",
    "Bianca 🇧🇷"), or ``None``: only the flags of ``_ORIGIN_FLAGS``, not those of the ad
    language's own country."""
    home = _HOME_FLAGS.get(lang, frozenset())
    for name, norm in fields:
        original = norm.original
        if original.isascii():
            continue
        for found in _FLAG.finditer(original):
            code = "".join(chr(ord(c) - _REGIONAL_A + 65) for c in found.group())
            if code not in _ORIGIN_FLAGS or code in home:
                continue
            start, end = found.span()
            return Evidence(name, _snippet(original, start, end), start, end)
    return None


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
