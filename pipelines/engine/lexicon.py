"""Loading and compiling the indicator lexicons (``pipelines/lexicons/*.yaml``).

The file format is described for analysts in ``pipelines/lexicons/README.md``. This
module turns the YAML into one Aho-Corasick automaton: every pattern is expanded
(alternation groups), split at wildcards and gaps, normalised with
:func:`pipelines.engine.normalize.normalize`, and its first literal becomes an
automaton key. The rest of a pattern (after a wildcard or gap) is checked with a small
regular expression only where the first literal was found.

Pattern syntax ("regex-lite"):

``(a|b|c)``
    alternatives; an empty alternative makes the group optional: ``(very |)young``.
``*``
    any letters or digits inside a word: ``przyjecha*`` matches ``przyjechałam``;
    at the start of a pattern it drops the left word boundary (``*stadt``). Only in
    ads of the pattern's own language (or of unknown language): elsewhere a pattern
    matches whole words only (see :meth:`IndicatorEngine._raw_matches`).
``~`` / ``~N``
    a gap of 0-3 (0-N) words, within a sentence: ``young ~ team``.

Everything else is literal text, matched on whole words.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import itertools
import math
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import ahocorasick
import yaml

from pipelines.engine.categories import CATEGORIES, DERIVED_CATEGORIES
from pipelines.engine.learned import LearnedModel, LearnedModelError
from pipelines.engine.lexicon_cache import LexiconCache
from pipelines.engine.normalize import normalize

__all__ = [
    "CATEGORIES",
    "DEFAULT_LEXICON_DIR",
    "ContextConfig",
    "Entry",
    "Expansion",
    "KeyTable",
    "LazyPattern",
    "Lexicon",
    "LexiconError",
    "Negation",
    "PriceConfig",
    "Rule",
    "load_lexicon",
]

DEFAULT_LEXICON_DIR = Path(__file__).resolve().parent.parent / "lexicons"
CONFIG_FILE = "config.yaml"
KINDS = ("rule", "benign", "context", "cue", "sense")
#: Pseudo-category of the ad-context cues (``ad_context:`` in a language file).
CONTEXT_CATEGORY = "ad_context"
#: Pseudo-category of the co-occurrence words sense rules ask for (``senses:``).
SENSE_CATEGORY = "sense"
#: Sense groups the engine finds itself, not by a word list: ``first_name``, a
#: capitalised word that is no word of the lexicons ("Romanian Ana").
ENGINE_SENSE_GROUPS = frozenset({"first_name"})
DEFAULT_TERMINATORS = (".", "!", "?", ";", ":", ",", "(", ")", "[", "]", "|", " - ")
MAX_EXPANSIONS = 20000
#: Automaton keys one pattern's head expands to at most: the rest of a longer product
#: ("(two|three|...) (women|ladies|...) (work|are) (here|with us)") is a regex checked
#: where a key was found. Keys cost memory (about 40 bytes per automaton node); a shorter
#: key is found more often and checked by its regex each time.
HEAD_KEYS = 32
#: ... but a key is never cut shorter than this many letters or digits (a key of one
#: digit would be found all over an ad).
MIN_HEAD_CHARS = 3
DEFAULT_GAP = 3


class LexiconError(ValueError):
    """A lexicon file is missing, unreadable or breaks the format."""

    def __init__(self, message: str, path: Path | str | None = None) -> None:
        self.path = str(path) if path is not None else None
        super().__init__(f"{path}: {message}" if path else message)


@dataclass(frozen=True, slots=True)
class Rule:
    """One lexicon entry: a rule (raises an indicator), a benign sense or a context."""

    id: str
    category: str
    lang: str
    kind: str
    weight: float
    negatable: bool
    #: Only matched in ads written in the rule's own language (or of unknown language):
    #: for words that mean something else in other languages.
    local: bool = False
    #: Ad-context cue group or sense word group (kinds ``cue`` and ``sense``).
    group: str = ""
    #: Sense rule: the match counts only with a word of one of these groups
    #: (``senses:`` or ``ad_context:``) within ``sense_within`` words.
    sense_near: tuple[str, ...] = ()
    sense_within: int = 0
    #: With ``sense: after: true`` the word of the group must follow the match ("then
    #: Nijmegen"), not precede it.
    sense_after: bool = False


class LazyPattern:
    """A regular expression compiled where it is first used: a cached lexicon
    (:mod:`pipelines.engine.lexicon_cache`) has ~300 large ones, most of which an ad or
    two never needs. After the first call, ``match`` is the compiled pattern's own."""

    __slots__ = ("match", "pattern")
    match: Callable[[str, int], re.Match[str] | None]

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.match = self._compile_and_match

    def _compile_and_match(self, string: str, pos: int = 0) -> re.Match[str] | None:
        compiled = re.compile(self.pattern)
        self.match = compiled.match
        return compiled.match(string, pos)


#: A tail or gap-precheck expression: compiled, or compiled on first use.
Matcher = re.Pattern[str] | LazyPattern


@dataclass(frozen=True, slots=True)
class Expansion:
    """One concrete form of a pattern, anchored on an automaton key."""

    rule: Rule
    left_open: bool
    right_open: bool
    tail: Matcher | None
    #: ``tail`` without its wildcards: used in ads of another language, where a stem
    #: must not run into a longer word of that language (``turné*`` vs "turned").
    strict_tail: Matcher | None = None
    #: Every tail starts with a gap: the key must end a word (a cheap check that spares
    #: the regex for the many keys found inside longer words and numbers).
    gap_first: bool = False
    #: Texts one of which every match of ``tail`` holds (:func:`_required`): where none
    #: is in the ad after the key, the tail is not tried. Empty: no such texts.
    needs: tuple[str, ...] = ()
    #: A literal on whole words (no wildcard, no tail): most expansions; the matcher
    #: checks these inline.
    plain: bool = field(init=False)

    def __post_init__(self) -> None:
        plain = self.tail is None and not self.left_open and not self.right_open
        object.__setattr__(self, "plain", plain)


#: What an automaton key stands for: ``(key length, expansions, needs_left, needs_right,
#: gap precheck)``; see :meth:`IndicatorEngine._raw_matches`.
Entry = tuple[int, tuple[Expansion, ...], bool, bool, Matcher | None]


@dataclass(frozen=True, slots=True)
class KeyTable:
    """An Aho-Corasick automaton over the lexicon keys, and what each key stands for.

    The automaton maps a key to a number (``STORE_INTS``): the index of its entry in
    ``entries``. The keys of one pattern share an entry, so there are few of them, and
    an automaton of numbers is saved and loaded without pickle
    (:mod:`pipelines.engine.lexicon_cache`)."""

    automaton: Any
    entries: tuple[Entry, ...]

    def __len__(self) -> int:
        return len(self.automaton)


@dataclass(frozen=True, slots=True)
class PriceConfig:
    default_currency: str
    eur_rates: Mapping[str, float]
    low_price_factor: float
    min_samples: int
    max_samples: int


@dataclass(frozen=True, slots=True)
class Negation:
    """NegEx-style negation: triggers before and after a cue, their scope, terminators."""

    window: int
    post_window: int
    #: Per language: words that negate a cue among the ``window`` words before it.
    pre: Mapping[str, frozenset[str]]
    #: Per language: words that negate a cue when they end its clause ("agency: no").
    post: Mapping[str, frozenset[str]]
    #: Per language: phrases that start with a trigger but negate nothing ("no problem").
    pseudo: Mapping[str, tuple[str, ...]]
    #: Per language: words that end a trigger's scope ("but", "aber").
    terminators: Mapping[str, frozenset[str]]
    #: Characters (or strings) that end a trigger's scope in every language.
    terminator_marks: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ContextConfig:
    """How the ad-context stage weighs its cues (``ad_context:`` in config.yaml).

    ``enabled`` is false for a lexicon without that section: every ad is then in
    context (the engine before the context stage)."""

    enabled: bool
    threshold: float
    stated_age: float
    measurements: float
    short_rate: float
    hourly_rate: float
    emoji: float
    indicator: float
    person_name: float
    source_kinds: Mapping[str, float]


@dataclass(frozen=True, slots=True)
class LearnedConfig:
    """The learned backstop (``learned:`` in config.yaml; :mod:`pipelines.engine.learned`):
    its model and the probabilities from which it adds a category or puts an ad into
    context."""

    model: LearnedModel
    #: The categories it may add (where words can say them; not those of
    #: ``LEARNED_EXCLUDED``, whose sense the rules check).
    categories: tuple[str, ...]
    category: float
    #: The weight the word shown as evidence must have for the category on its own.
    evidence_weight: float
    context: float
    context_margin: float
    #: The weight the word shown as the context lift's evidence must have on its own.
    context_evidence_weight: float


@dataclass(slots=True)
class Lexicon:
    """A compiled lexicon bundle (all languages), shared read-only between engines."""

    version: str
    threshold: float
    category_weights: dict[str, float]
    negation: Negation
    context: ContextConfig
    price: PriceConfig
    automaton: KeyTable
    #: The ``senses:`` words, matched only where a sense rule needs them.
    sense_automaton: KeyTable
    #: The Latin spellings of Bulgarian patterns, matched only in Bulgarian ads and ads
    #: of unknown language.
    latin_automaton: KeyTable
    rules: list[Rule] = field(default_factory=list)
    patterns: list[tuple[Rule, str]] = field(default_factory=list)
    #: ``None`` when config.yaml has no ``learned:`` section.
    learned: LearnedConfig | None = None


@functools.lru_cache(maxsize=8)
def _load_cached(directory: str, cache_dir: str | None) -> Lexicon:
    return _compile(Path(directory), LexiconCache(cache_dir) if cache_dir else None)


def load_lexicon(
    directory: str | Path | None = None, *, cache_dir: str | Path | None = None
) -> Lexicon:
    """Load and compile the lexicon folder (cached per folder for the process).

    ``cache_dir``: a folder where the compiled automata are kept between processes
    (:mod:`pipelines.engine.lexicon_cache`); the YAML is still read and checked every
    time, only its compilation is skipped when nothing changed.
    """
    path = Path(directory) if directory is not None else DEFAULT_LEXICON_DIR
    cache = str(Path(cache_dir).resolve()) if cache_dir is not None else None
    return _load_cached(str(path.resolve()), cache)


# ---------------------------------------------------------------------------- loading


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        with path.open(encoding="utf-8") as fh:
            # libyaml when available: ten times faster, so `lcom flag` starts quickly.
            data = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except OSError as exc:
        raise LexiconError(f"cannot read: {exc}", path) from exc
    except yaml.YAMLError as exc:
        raise LexiconError(f"not valid YAML: {exc}", path) from exc
    if not isinstance(data, dict):
        raise LexiconError("top level must be a mapping", path)
    return data


def _compile(directory: Path, cache: LexiconCache | None = None) -> Lexicon:
    config_path = directory / CONFIG_FILE
    if not config_path.is_file():
        raise LexiconError(f"no {CONFIG_FILE} in lexicon folder", directory)
    config = _read_yaml(config_path)
    version = str(config.get("version") or "")
    if not version:
        raise LexiconError("missing 'version'", config_path)
    weights = {str(k): float(v) for k, v in (config.get("categories") or {}).items()}
    for category in (*CATEGORIES, *DERIVED_CATEGORIES):
        if category not in weights:
            raise LexiconError(f"categories: no weight for {category!r}", config_path)
    price = config.get("price") or {}
    rates = {str(k).upper(): float(v) for k, v in (price.get("eur_rates") or {}).items()}
    price_config = PriceConfig(
        default_currency=str(price.get("default_currency", "EUR")).upper(),
        eur_rates=rates or {"EUR": 1.0},
        low_price_factor=float(price.get("low_price_factor", 0.5)),
        min_samples=int(price.get("min_samples", 20)),
        max_samples=int(price.get("max_samples", 1000)),
    )
    negation = _mapping(config.get("negation"), "negation", config_path)
    context = _context_config(config.get("ad_context"), config_path)
    learned = _learned_config(
        config.get("learned"), directory, config_path, version, context.threshold
    )

    rules: list[Rule] = []
    patterns: list[tuple[Rule, str]] = []
    latin: list[_LatinSpelling] = []  # Latin spellings of LATIN_WRITTEN_LANGUAGE
    pre: dict[str, frozenset[str]] = {}
    post: dict[str, frozenset[str]] = {}
    pseudo: dict[str, tuple[str, ...]] = {}
    terminators: dict[str, frozenset[str]] = {}
    files = sorted(p for p in directory.glob("*.yaml") if p.name != CONFIG_FILE)
    if not files:
        raise LexiconError("no lexicon files (*.yaml) besides the config", directory)
    for path in files:
        data = _read_yaml(path)
        lang = str(data.get("language") or path.stem)
        block = _mapping(data.get("negation"), "negation", path)
        # `negation_cues` / `post_negation_cues`: the names of lexicons before 2026.12.
        pre[lang] = frozenset(
            _words(block.get("pre"), "negation: pre", path)
            + _words(data.get("negation_cues"), "negation_cues", path)
        )
        post[lang] = frozenset(
            _words(block.get("post"), "negation: post", path)
            + _words(data.get("post_negation_cues"), "post_negation_cues", path)
        )
        pseudo[lang] = tuple(_words(block.get("pseudo"), "negation: pseudo", path))
        terminators[lang] = frozenset(
            _words(block.get("terminators"), "negation: terminators", path)
        )
        sets = _sets(data.get("sets") or {}, path)
        found: list[tuple[Rule, str]] = []
        for category, cat_block in (data.get("categories") or {}).items():
            if category not in CATEGORIES:
                raise LexiconError(f"unknown category {category!r}", path)
            _collect(cat_block or {}, category, lang, weights[category], path, rules, found)
        _collect_groups(data.get("ad_context"), "ad_context", lang, path, rules, found)
        _collect_groups(data.get("senses"), "senses", lang, path, rules, found)
        substituted = [(rule, _substitute(p, sets, rule, path)) for rule, p in found]
        patterns.extend(substituted)
        if lang == LATIN_WRITTEN_LANGUAGE:
            latin = _latin_spellings(substituted, rules, pre, post, pseudo, terminators)
    groups = {r.group for r in rules if r.kind in ("cue", "sense")} | ENGINE_SENSE_GROUPS
    for rule in rules:
        for name in rule.sense_near:
            if name not in groups:
                raise LexiconError(
                    f"{rule.id}: sense: near: no ad_context or senses group {name!r} "
                    f"(known: {', '.join(sorted(groups))})",
                    directory,
                )

    (automaton, sense_automaton, latin_automaton), spelled = _key_tables(
        rules, patterns, latin, cache
    )
    patterns.extend(spelled)
    return Lexicon(
        version=version,
        threshold=float(config.get("threshold", 1.0)),
        category_weights=weights,
        negation=Negation(
            window=int(negation.get("window_words", 5)),
            post_window=int(negation.get("post_window_words", 1)),
            pre=pre,
            post=post,
            pseudo=pseudo,
            terminators=terminators,
            terminator_marks=tuple(
                str(t) for t in negation.get("terminators") or DEFAULT_TERMINATORS
            ),
        ),
        context=context,
        price=price_config,
        automaton=automaton,
        sense_automaton=sense_automaton,
        latin_automaton=latin_automaton,
        rules=rules,
        patterns=patterns,
        learned=learned,
    )


# ---------------------------------------------------- Bulgarian in Latin letters

#: A language whose ads are often written in Latin letters ("nova v grada", "sam v
#: Burgas za 3 noshti"): each of its patterns and negation words is also matched in the
#: common Latin spellings, in ads of that language (or of unknown language) only.
LATIN_WRITTEN_LANGUAGE = "bg"
#: The negation words of its Latin spellings are kept under ``bg_latin``.
LATIN_SPELLING_SUFFIX = "_latin"
# The spellings people use, not one standard: "ц" is "ts" or "c", "ъ" "a" or "u", "ж"
# "zh" or "j", "я" "ya", "ia" or "q" ("centara", "shte", "pratya", "govorq", "zdravei").
_CYRILLIC_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "(zh|j)", "з": "z",
    "и": "i", "й": "(i|y)", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p",
    "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "(ts|c)", "ч": "ch",
    "ш": "sh", "щ": "sht", "ъ": "(a|u)", "ь": "(y|)", "ю": "(yu|iu)", "я": "(ya|ia|q)",
}  # fmt: skip
_CYRILLIC_LATIN_ONE = {c: s.strip("()").split("|")[0] for c, s in _CYRILLIC_LATIN.items()}
_CYRILLIC_CHAR = re.compile("[а-яѐ-ў]")


def _latin(pattern: str, *, one: bool = False) -> str | None:
    """The pattern with its Cyrillic letters in Latin spellings (with ``one``, only the
    most common one), or ``None`` when it has none."""
    lowered = pattern.lower()
    if _CYRILLIC_CHAR.search(lowered) is None:
        return None
    table = _CYRILLIC_LATIN_ONE if one else _CYRILLIC_LATIN
    return "".join(table.get(c, c) for c in lowered)


def _latin_words(word: str) -> list[str]:
    """Every Latin spelling of a (negation) word: the alternatives written out."""
    options = [_CYRILLIC_LATIN.get(c, c).strip("()").split("|") for c in word.lower()]
    return ["".join(parts) for parts in itertools.product(*options)]


@dataclass(frozen=True, slots=True)
class _LatinSpelling:
    """A pattern of :data:`LATIN_WRITTEN_LANGUAGE` in Latin letters, for its local twin
    rule: in every common spelling, or (where those expand to too many keys) in the most
    common one only (:func:`_latin_choices` decides)."""

    rule: Rule
    every: str
    common: str


def _latin_choices(spellings: list[_LatinSpelling]) -> list[bool]:
    """For each of ``spellings``, whether every spelling expands (else the common one is
    used: a long list of words has too many spellings). Expanding them all takes a
    fifth of a second: a lexicon from the cache reads the choices instead."""
    choices: list[bool] = []
    for spelling in spellings:
        try:
            for _ in _expand(spelling.rule, spelling.every):
                pass
            choices.append(True)
        except LexiconError:
            choices.append(False)
    return choices


def _latin_patterns(spellings: list[_LatinSpelling], every: list[bool]) -> list[tuple[Rule, str]]:
    """The patterns of ``spellings``, each in every spelling or the common one
    (:func:`_latin_choices`)."""
    return [(s.rule, s.every if e else s.common) for s, e in zip(spellings, every, strict=True)]


def _latin_spellings(
    substituted: list[tuple[Rule, str]],
    rules: list[Rule],
    pre: dict[str, frozenset[str]],
    post: dict[str, frozenset[str]],
    pseudo: dict[str, tuple[str, ...]],
    terminators: dict[str, frozenset[str]],
) -> list[_LatinSpelling]:
    """The Latin spellings of the patterns of ``substituted`` (new local rules are added
    to ``rules``); the negation words' spellings are added under ``bg_latin``."""
    lang = LATIN_WRITTEN_LANGUAGE
    local: dict[Rule, Rule] = {}
    patterns: list[_LatinSpelling] = []
    for rule, pattern in substituted:
        latin = _latin(pattern)
        if latin is None:
            continue
        twin = local.get(rule)
        if twin is None:
            # Latin spellings of Bulgarian words are often words of other languages.
            twin = local[rule] = replace(rule, local=True)
            rules.append(twin)
        common = _latin(pattern, one=True)
        assert common is not None
        patterns.append(_LatinSpelling(twin, latin, common))

    def spelled(words: Iterable[str]) -> list[str]:
        return [w for word in words for w in _latin_words(word) if _CYRILLIC_CHAR.search(word)]

    # Under a key of their own: the engine adds them only in Bulgarian (or unknown-
    # language) ads, where "ne" is "не" and not the Romanian "ne" (us).
    latin = f"{lang}{LATIN_SPELLING_SUFFIX}"
    pre[latin] = frozenset(spelled(pre[lang]))
    post[latin] = frozenset(spelled(post[lang]))
    pseudo[latin] = tuple(spelled(pseudo[lang]))
    # Short ones are words of other languages: "но" (but) is "no".
    terminators[latin] = frozenset(w for w in spelled(terminators[lang]) if len(w) > 3)
    return patterns


# ------------------------------------------------------------------ compiled tables

#: Changes whenever the cached form of the tables changes meaning.
CACHE_FORMAT = 4
#: The key tables, in the order :func:`_key_tables` returns them.
TABLE_NAMES = ("automaton", "sense_automaton", "latin_automaton")


def _pattern_lists(
    patterns: list[tuple[Rule, str]], latin: list[tuple[Rule, str]]
) -> dict[str, list[tuple[Rule, str]]]:
    """The patterns of each key table (:data:`TABLE_NAMES`). Sense words are only looked
    for in a field where a sense rule matched; the Latin spellings of Bulgarian have a
    table of their own: only Bulgarian (or unknown-language) ads are searched for them."""
    return {
        "automaton": [(r, p) for r, p in patterns if r.kind != "sense"],
        "sense_automaton": [(r, p) for r, p in (*patterns, *latin) if r.kind == "sense"],
        "latin_automaton": [(r, p) for r, p in latin if r.kind != "sense"],
    }


def _key_tables(
    rules: list[Rule],
    patterns: list[tuple[Rule, str]],
    latin: list[_LatinSpelling],
    cache: LexiconCache | None,
) -> tuple[tuple[KeyTable, ...], list[tuple[Rule, str]]]:
    """The key tables (:data:`TABLE_NAMES`) and the Latin spellings' patterns: from
    ``cache`` when it holds them for exactly these rules and patterns (and this code),
    else compiled (and stored there)."""
    if cache is None:
        tables, choices = _compiled(patterns, latin)
        return tables, _latin_patterns(latin, choices)
    # Everything the tables depend on, the Latin spellings as written before the choice
    # between them (which is a function of them and of this code).
    digest = _digest(rules, {"patterns": patterns, "latin": [(s.rule, s.every) for s in latin]})
    found = cache.load(digest, TABLE_NAMES)
    if found is None and _store_from_child(cache, digest, rules, patterns, latin):
        found = cache.load(digest, TABLE_NAMES)
    if found is not None:
        try:
            spelled = _latin_patterns(latin, _latin_from_json(found[0], latin))
            return _tables_from_json(found[0], found[1], rules, TABLE_NAMES), spelled
        except (LookupError, TypeError, ValueError) as exc:
            cache.discard(digest, exc)
    return _compile_and_store(cache, digest, rules, patterns, latin)


def _compile_and_store(
    cache: LexiconCache,
    digest: str,
    rules: list[Rule],
    patterns: list[tuple[Rule, str]],
    latin: list[_LatinSpelling],
) -> tuple[tuple[KeyTable, ...], list[tuple[Rule, str]]]:
    """The key tables and the Latin spellings' patterns, compiled and stored in ``cache``."""
    tables, choices = _compiled(patterns, latin)
    data = _tables_to_json(dict(zip(TABLE_NAMES, tables, strict=True)), rules)
    # Which spelling each Latin pattern took: every one (1) or the most common (0).
    data["latin"] = [int(every) for every in choices]
    cache.store(digest, data, {n: t.automaton for n, t in zip(TABLE_NAMES, tables, strict=True)})
    return tables, _latin_patterns(latin, choices)


def _compiled(
    patterns: list[tuple[Rule, str]], latin: list[_LatinSpelling]
) -> tuple[tuple[KeyTable, ...], list[bool]]:
    """The key tables (:data:`TABLE_NAMES`) compiled, and the choice of each Latin
    spelling (:func:`_latin_choices`)."""
    choices = _latin_choices(latin)
    lists = _pattern_lists(patterns, _latin_patterns(latin, choices))
    return tuple(_automaton(p) for p in lists.values()), choices


def _latin_from_json(data: dict[str, Any], latin: list[_LatinSpelling]) -> list[bool]:
    """The choice of each Latin spelling as a cache entry recorded it."""
    every = data["latin"]
    if not isinstance(every, list) or len(every) != len(latin) or not set(every) <= {0, 1}:
        raise ValueError("the Latin spellings do not match")
    return [bool(e) for e in every]


def _store_from_child(
    cache: LexiconCache,
    digest: str,
    rules: list[Rule],
    patterns: list[tuple[Rule, str]],
    latin: list[_LatinSpelling],
) -> bool:
    """Compile and store the tables in a child process; whether it stored them.

    Compiling leaves some 70 MB of freed but fragmented memory in the process that did it
    (the automata are built key by key); the same tables loaded from the cache take about
    60 MB instead of 130. So a cold cache is filled by a short-lived child, and this
    process loads the entry. Only while this process runs no other thread (a fork copies
    one thread and whatever locks the others held); else the caller compiles here.
    """
    import threading

    if threading.active_count() > 1 or not hasattr(os, "fork"):
        return False
    pid = os.fork()
    if pid == 0:  # the child: never returns
        status = 1
        try:
            _compile_and_store(cache, digest, rules, patterns, latin)
            status = 0
        finally:
            os._exit(status)
    _pid, wait_status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(wait_status) == 0


def _digest(rules: list[Rule], patterns: dict[str, list[tuple[Rule, str]]]) -> str:
    """A hash of everything the compiled tables depend on: the rules and patterns (as
    read from the YAML), this code and the libraries that run it."""
    digest = hashlib.sha256(_code_fingerprint())
    for rule in rules:
        digest.update(f"{rule!r}\0".encode())
    rule_index = {rule: i for i, rule in enumerate(rules)}
    for name, pairs in patterns.items():
        digest.update(f"{name}\0".encode())
        for rule, pattern in pairs:
            digest.update(f"{rule_index[rule]}\0{pattern}\0".encode())
    return digest.hexdigest()


@functools.lru_cache(maxsize=1)
def _code_fingerprint() -> bytes:
    """The engine's source code (expansion, normalisation, matching), the automaton
    library's build and the Python version."""
    digest = hashlib.sha256(f"{CACHE_FORMAT}\0{sys.version}\0".encode())
    for path in sorted(Path(__file__).resolve().parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    library = os.stat(ahocorasick.__file__)
    digest.update(f"{ahocorasick.__file__}\0{library.st_size}\0{library.st_mtime_ns}".encode())
    return digest.digest()


def _tables_to_json(tables: dict[str, KeyTable], rules: list[Rule]) -> dict[str, Any]:
    """The entries of ``tables`` as plain data: rules by their index in ``rules``,
    expansions and regular expressions (as their source) each listed once."""
    rule_index = {rule: i for i, rule in enumerate(rules)}
    regexes: dict[str, int] = {}
    expansions: dict[int, int] = {}
    expansion_rows: list[list[Any]] = []

    def regex(pattern: Matcher | None) -> int:
        return -1 if pattern is None else regexes.setdefault(pattern.pattern, len(regexes))

    def expansion(x: Expansion) -> int:
        number = expansions.get(id(x))
        if number is None:
            number = expansions[id(x)] = len(expansion_rows)
            expansion_rows.append(
                [
                    rule_index[x.rule],
                    x.left_open,
                    x.right_open,
                    regex(x.tail),
                    regex(x.strict_tail),
                    x.gap_first,
                    list(x.needs),
                ]
            )
        return number

    data: dict[str, Any] = {}
    for name, table in tables.items():
        entries = [
            [length, [expansion(x) for x in xs], left, right, regex(gaps)]
            for length, xs, left, right, gaps in table.entries
        ]
        data[name] = {"keys": len(table.automaton), "entries": entries}
    return {
        "format": CACHE_FORMAT,
        "rules": len(rules),
        "regexes": list(regexes),
        "expansions": expansion_rows,
        "tables": data,
    }


def _tables_from_json(
    data: dict[str, Any], automata: dict[str, Any], rules: list[Rule], names: tuple[str, ...]
) -> tuple[KeyTable, ...]:
    """The inverse of :func:`_tables_to_json`, on the automata loaded next to it."""
    if data["format"] != CACHE_FORMAT or data["rules"] != len(rules):
        raise ValueError("another format or rule count")
    compiled: list[Matcher | None] = [LazyPattern(str(p)) for p in data["regexes"]]
    compiled.append(None)  # index -1

    def regex(index: int) -> Matcher | None:
        if not -1 <= index < len(compiled) - 1:
            raise IndexError(f"regex {index}")
        return compiled[index]

    expansions = [
        Expansion(
            rules[rule],
            bool(left),
            bool(right),
            regex(tail),
            regex(strict),
            bool(gap),
            tuple(str(x) for x in needs),
        )
        for rule, left, right, tail, strict, gap, needs in data["expansions"]
    ]
    tables = []
    for name in names:
        table, automaton = data["tables"][name], automata[name]
        entries = tuple(
            (int(length), tuple(expansions[i] for i in xs), bool(left), bool(right), regex(gaps))
            for length, xs, left, right, gaps in table["entries"]
        )
        if len(automaton) != table["keys"]:
            raise ValueError(f"{name}: automaton and entries do not match")
        tables.append(KeyTable(automaton, entries))
    return tuple(tables)


def _automaton(patterns: list[tuple[Rule, str]]) -> KeyTable:
    """One Aho-Corasick automaton over the expanded patterns."""
    # Rules are numbered (equal rules alike): a tuple of numbers hashes fast.
    numbers: dict[Rule, int] = {}
    grouped: dict[str, dict[tuple[int, bool, bool, str | None], list[str | None]]] = {}
    for rule, pattern in patterns:
        number = numbers.setdefault(rule, len(numbers))
        for key, left_open, right_open, tail in _expand(rule, pattern):
            # The rest of a cut head is an expansion of its own: one regex over several
            # would end at one of them where the keys of each were found.
            cut = tail if tail is not None and not tail.startswith(_TAIL_STARTS) else None
            spec = (number, left_open, right_open, cut)
            tails = grouped.setdefault(key, {}).setdefault(spec, [])
            if tail not in tails:
                tails.append(tail)
    rules = list(numbers)
    # The keys of one pattern (its alternatives) share their expansions: ~90,000 keys
    # have fewer than 1,000 distinct ones, each built once, and few distinct entries.
    by_signature: dict[tuple[Any, ...], tuple[tuple[Expansion, ...], Any, bool, bool]] = {}
    entry_ids: dict[tuple[Any, ...], int] = {}
    entries: list[Entry] = []
    automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS, ahocorasick.KEY_STRING)
    for key, by_rule in grouped.items():
        signature = tuple((*spec, *tails) for spec, tails in by_rule.items())
        shared = by_signature.get(signature)
        if shared is None:
            shared = by_signature[signature] = _shared_entry(by_rule, rules)
        expansions, gaps, any_left_open, right_closed = shared
        # Word-boundary checks shared by all expansions of a key, done once per hit
        # (digits and short words are found inside many longer words and numbers).
        needs_left = key[0].isalnum() and not any_left_open
        needs_right = key[-1].isalnum() and right_closed
        entry = (len(key), expansions, needs_left, needs_right, gaps)
        identity = (len(key), id(expansions), needs_left, needs_right)
        index = entry_ids.get(identity)
        if index is None:
            index = entry_ids[identity] = len(entries)
            entries.append(entry)
        automaton.add_word(key, index)
    automaton.make_automaton()
    return KeyTable(automaton, tuple(entries))


def _shared_entry(
    by_rule: dict[tuple[int, bool, bool, str | None], list[str | None]], rules: list[Rule]
) -> tuple[tuple[Expansion, ...], Matcher | None, bool, bool]:
    """A key's expansions, gap precheck and whether any expansion is left-open and
    whether every one needs the key to end a word."""
    expansions = tuple(
        Expansion(
            rules[number],
            left_open,
            right_open,
            _tail_regex(tails, right_open),
            _tail_regex(tails, False, strict=True),
            all(t is not None and t.startswith(_GAP_PREFIX) for t in tails),
            _tails_need(tails),
        )
        for (number, left_open, right_open, _cut), tails in by_rule.items()
    )
    gaps = None
    every_tail = [t for tails in by_rule.values() for t in tails]
    # One expansion of several tails has one too: each tail of its regex reads its gap
    # again ("~8 portiernia ~2 24 godziny|~8 portiernia ~2 calodobowa|...").
    if len(every_tail) > 1 and all(x.gap_first for x in expansions):
        gaps = _gap_precheck(every_tail)
    any_left_open = any(x.left_open for x in expansions)
    right_closed = all(x.gap_first or (x.tail is None and not x.right_open) for x in expansions)
    return expansions, gaps, any_left_open, right_closed


def _collect(
    block: Mapping[str, Any],
    category: str,
    lang: str,
    default_weight: float,
    path: Path,
    rules: list[Rule],
    patterns: list[tuple[Rule, str]],
) -> None:
    negatable_default = bool(block.get("negatable", True))
    seen: set[str] = set()
    for entry in block.get("rules") or ():
        if not isinstance(entry, dict) or "id" not in entry or "patterns" not in entry:
            raise LexiconError(f"{category}: each rule needs 'id' and 'patterns'", path)
        rule_id = f"{category}.{lang}.{entry['id']}"
        if rule_id in seen:
            raise LexiconError(f"duplicate rule id {rule_id!r}", path)
        seen.add(rule_id)
        near, within, sense_patterns, after = _sense(entry.get("sense"), rule_id, path)
        rule = Rule(
            id=rule_id,
            category=category,
            lang=lang,
            kind="rule",
            weight=float(entry.get("weight", default_weight)),
            negatable=bool(entry.get("negatable", negatable_default)),
            local=bool(entry.get("local", False)),
            sense_near=() if sense_patterns else near,
            sense_within=within,
            sense_after=after,
        )
        rules.append(rule)
        patterns.extend((rule, _pattern(p, rule_id, path)) for p in entry["patterns"] or ())
        if sense_patterns:
            # Only these patterns of the rule need the co-occurrence.
            bound = replace(rule, sense_near=near)
            rules.append(bound)
            patterns.extend((bound, _pattern(p, rule_id, path)) for p in sense_patterns)
    for kind in ("benign", "context"):
        items = block.get(kind) or ()
        if items:
            rule = Rule(f"{category}.{lang}.{kind}", category, lang, kind, 0.0, False)
            rules.append(rule)
            patterns.extend((rule, _pattern(p, rule.id, path)) for p in items)


def _sense(value: Any, rule_id: str, path: Path) -> tuple[tuple[str, ...], int, list[Any], bool]:
    """A rule's ``sense: {near: [groups], within: N, after: bool, patterns: [...]}`` (N
    words, default 8; ``after``: the group's word must follow the match). With
    ``patterns``, only those (ambiguous) patterns need the co-occurrence; without, every
    pattern of the rule does."""
    if value is None:
        return (), 0, [], False
    if not isinstance(value, dict) or not value.get("near"):
        raise LexiconError(
            f"{rule_id}: 'sense' needs 'near' (a list of group names) and optionally "
            "'within' (a number of words)",
            path,
        )
    near = value["near"]
    names = (near,) if isinstance(near, str) else tuple(str(n) for n in near)
    try:
        within = int(value.get("within", 8))
    except (TypeError, ValueError) as exc:
        raise LexiconError(f"{rule_id}: sense: within must be a number of words", path) from exc
    extra = value.get("patterns") or []
    if not isinstance(extra, list):
        raise LexiconError(f"{rule_id}: sense: patterns must be a list", path)
    return names, within, extra, bool(value.get("after", False))


def _collect_groups(
    raw: Any,
    section: str,
    lang: str,
    path: Path,
    rules: list[Rule],
    patterns: list[tuple[Rule, str]],
) -> None:
    """``ad_context:`` (weighted cue groups) or ``senses:`` (plain word groups)."""
    if raw is None:
        return
    if not isinstance(raw, dict):
        raise LexiconError(f"{section}: must map group names to their entries", path)
    for name, entry in raw.items():
        if section == "ad_context":
            if not isinstance(entry, dict) or "patterns" not in entry:
                raise LexiconError(f"ad_context: {name}: needs 'weight' and 'patterns'", path)
            items = entry["patterns"] or ()
            rule = Rule(
                f"{CONTEXT_CATEGORY}.{lang}.{name}",
                CONTEXT_CATEGORY,
                lang,
                "cue",
                float(entry.get("weight", 1.0)),
                bool(entry.get("negatable", True)),
                local=bool(entry.get("local", False)),
                group=str(name),
            )
        else:
            if not isinstance(entry, list):
                raise LexiconError(f"senses: {name}: must be a list of patterns", path)
            items = entry
            rule = Rule(
                f"{SENSE_CATEGORY}.{lang}.{name}",
                SENSE_CATEGORY,
                lang,
                "sense",
                0.0,
                False,
                group=str(name),
            )
        rules.append(rule)
        patterns.extend((rule, _pattern(p, rule.id, path)) for p in items)


def _mapping(value: Any, name: str, path: Path) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise LexiconError(f"{name}: must be a mapping", path)
    return value


#: The keys of ``learned:`` in config.yaml, with an example value for error messages.
_LEARNED_KEYS = {
    "model": "learned.json",
    "categories": "[movement, third_party]",
    "category": "0.7",
    "evidence_weight": "0.8",
    "context": "0.7",
    "context_margin": "0.5",
    "context_evidence_weight": "0.5",
}
#: Categories the learned backstop may not add: ages, hours, nationalities and languages
#: need the rules' reading of numbers and sense ("I speak English" / "no English").
LEARNED_EXCLUDED = ("youth", "availability_24_7", "language_barrier", "origin")


def _learned_config(
    raw: Any, directory: Path, path: Path, version: str, context_threshold: float
) -> LearnedConfig | None:
    if raw is None:
        return None
    block = _mapping(raw, "learned", path)
    unknown = sorted(set(block) - set(_LEARNED_KEYS))
    if unknown:
        raise LexiconError(
            f"learned: unknown key(s) {', '.join(map(str, unknown))} "
            f"(known: {', '.join(_LEARNED_KEYS)})",
            path,
        )
    for key, example in _LEARNED_KEYS.items():
        if key not in block:
            raise LexiconError(f"learned: {key} is missing (e.g. {key}: {example})", path)
    name = block["model"]
    if not isinstance(name, str) or not name or Path(name).name != name:
        raise LexiconError(
            "learned: model must be the name of a file in the lexicon folder "
            "(learned.json); remove the section to run without the learned backstop",
            path,
        )
    values = {}
    for key in (
        "category",
        "evidence_weight",
        "context",
        "context_margin",
        "context_evidence_weight",
    ):
        value = block[key]
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise LexiconError(
                f"learned: {key} must be a number (e.g. {key}: {_LEARNED_KEYS[key]}), "
                f"not {value!r}",
                path,
            )
        values[key] = float(value)
    for key in ("category", "context"):
        if not 0.5 <= values[key] <= 1.0:
            raise LexiconError(
                f"learned: {key} is a probability from 0.5 to 1 (got {values[key]})", path
            )
    for key in ("evidence_weight", "context_evidence_weight"):
        if values[key] < 0:
            raise LexiconError(f"learned: {key} must be 0 or more", path)
    if not 0 <= values["context_margin"] <= context_threshold:
        raise LexiconError(
            f"learned: context_margin must be from 0 to the ad_context threshold "
            f"({context_threshold:g}), not {values['context_margin']:g}",
            path,
        )
    categories = block["categories"]
    allowed = [c for c in CATEGORIES if c not in LEARNED_EXCLUDED]
    if (
        not isinstance(categories, list)
        or not all(isinstance(c, str) and c in allowed for c in categories)
        or len(set(categories)) != len(categories)
    ):
        raise LexiconError(
            f"learned: categories must list each at most once some of {', '.join(allowed)} "
            f"(not {', '.join(LEARNED_EXCLUDED)}: the rules read ages, hours, "
            f"nationalities and languages), not {categories!r}",
            path,
        )
    model_path = directory / name
    try:
        model = LearnedModel.load(model_path)
    except LearnedModelError as exc:
        raise LexiconError(str(exc), model_path) from exc
    if model.lexicon_version != version:
        raise LexiconError(
            f"trained for lexicon version {model.lexicon_version or '(none)'!r}, but "
            f"config.yaml says {version!r}: retrain it with `make learn` (or `lcom learn`) "
            "after changing the version",
            model_path,
        )
    return LearnedConfig(model, tuple(categories), **values)


def _context_config(raw: Any, path: Path) -> ContextConfig:
    block = _mapping(raw, "ad_context", path)
    try:
        kinds = {str(k): float(v) for k, v in (block.get("source_kinds") or {}).items()}
        return ContextConfig(
            enabled=raw is not None,
            threshold=float(block.get("threshold", 1.0)),
            stated_age=float(block.get("stated_age", 0.5)),
            measurements=float(block.get("measurements", 0.5)),
            short_rate=float(block.get("short_rate", 0.5)),
            hourly_rate=float(block.get("hourly_rate", 0.5)),
            emoji=float(block.get("emoji", 0.5)),
            indicator=float(block.get("indicator", 0.5)),
            person_name=float(block.get("person_name", 0.0)),
            source_kinds=kinds,
        )
    except (TypeError, ValueError) as exc:
        raise LexiconError(f"ad_context: weights must be numbers ({exc})", path) from exc


_SET_REF = re.compile(r"\{(\w+)\}")


def config_version(directory: str | Path | None = None) -> str:
    """The ``version`` of a lexicon folder's config.yaml."""
    path = (Path(directory) if directory is not None else DEFAULT_LEXICON_DIR) / CONFIG_FILE
    version = str(_read_yaml(path).get("version") or "")
    if not version:
        raise LexiconError("missing 'version'", path)
    return version


def set_words(name: str, directory: str | Path | None = None) -> frozenset[str]:
    """The single words of the set ``name`` (``sets:``) of every language file: the
    language names of ``lang`` for the learned backstop (:mod:`pipelines.engine.learned`)."""
    folder = Path(directory) if directory is not None else DEFAULT_LEXICON_DIR
    words: set[str] = set()
    for path in sorted(folder.glob("*.yaml")):
        if path.name == CONFIG_FILE:
            continue
        listed = (_read_yaml(path).get("sets") or {}).get(name) or []
        words.update(w.rstrip("*") for w in _words(listed, f"sets: {name}", path) if " " not in w)
    return frozenset(words)


#: The set every file has without listing it: the years in which someone of a young
#: age (``YOUTH_AGES``) was born, counted from today's date when the lexicon is loaded
#: ("born in 2007" is 18 to 20 in 2026, and no longer in 2027).
BIRTH_YEARS_SET = "young_birth_years"
#: Stated ages that are young: 18 to 20 (younger ones are a minor, handled apart).
YOUTH_AGES = range(18, 21)


def _built_in_sets(today: datetime.date | None = None) -> dict[str, str]:
    year = (today or datetime.date.today()).year
    years = sorted(str(year - age) for age in YOUTH_AGES)
    return {BIRTH_YEARS_SET: "(" + "|".join(years) + ")"}


def _sets(raw: Mapping[str, Any], path: Path) -> dict[str, str]:
    """Named word lists (``sets:``), used in patterns as ``{name}``, and the built-in
    ``{young_birth_years}``."""
    sets = _built_in_sets()
    for name, words in raw.items():
        if str(name) in sets:
            raise LexiconError(
                f"sets: {name!r} is built in (the birth years of 18 to 20-year-olds, "
                "worked out from the date); give the set another name",
                path,
            )
        if not isinstance(words, list) or not words:
            raise LexiconError(f"sets: {name!r} must be a non-empty list", path)
        sets[str(name)] = "(" + "|".join(_words(words, f"sets: {name}", path)) + ")"
    return sets


def _substitute(pattern: str, sets: Mapping[str, str], rule: Rule, path: Path) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in sets:
            raise LexiconError(f"{rule.id}: unknown set {{{name}}} in {pattern!r}", path)
        return sets[name]

    return _SET_REF.sub(replace, pattern)


def _pattern(value: Any, rule_id: str, path: Path) -> str:
    if not isinstance(value, str | int | float) or not str(value).strip():
        raise LexiconError(f"{rule_id}: empty or non-text pattern {value!r}", path)
    return str(value)


@functools.lru_cache(maxsize=65536)
def _normalized(text: str) -> str:
    return normalize(text).text


def _words(values: Any, name: str, path: Path) -> list[str]:
    words = []
    for value in values or ():
        # Unquoted `no`, `yes`, `on`, `off` are booleans in YAML.
        if not isinstance(value, str):
            raise LexiconError(f"{name}: {value!r} is not text (put it in quotes)", path)
        words.append(_normalized(value).strip())
    return words


# ------------------------------------------------------------------------- expansion


class _Gap(int):
    """A gap of up to ``int`` words between two parts of a pattern."""


class _Wild:
    """Any letters or digits inside a word (``*``)."""


@dataclass(frozen=True, slots=True)
class _Group:
    alternatives: tuple[tuple[Any, ...], ...]


_WILD = _Wild()
_GAP_TOKEN = re.compile(r"~(\d*)")
_SPACES = re.compile(r" {2,}")
# Spaces and commas between words; never across the end of a sentence.
_GAP_REGEX = r"[^\w.!?;:]+(?:\w+[^\w.!?;:]+){{0,{n}}}?"


def _parse(pattern: str) -> list[list[Any]]:
    """Parse a pattern into its top-level alternatives: sequences of literal strings,
    groups, wildcards and gaps."""
    alternatives, pos = _parse_sequence(pattern, 0)
    if pos != len(pattern):
        raise ValueError(f"unbalanced ')' at {pos}")
    return alternatives


def _parse_sequence(text: str, pos: int) -> tuple[list[list[Any]], int]:
    alternatives: list[list[Any]] = []
    current: list[Any] = []
    literal: list[str] = []

    def flush() -> None:
        if literal:
            current.append("".join(literal))
            literal.clear()

    while pos < len(text):
        char = text[pos]
        if char == "(":
            flush()
            inner, pos = _parse_sequence(text, pos + 1)
            if pos >= len(text) or text[pos] != ")":
                raise ValueError("unclosed '('")
            pos += 1
            current.append(_Group(tuple(tuple(a) for a in inner)))
        elif char == ")":
            break
        elif char == "|":
            flush()
            alternatives.append(current)
            current = []
            pos += 1
        elif char == "*":
            flush()
            current.append(_WILD)
            pos += 1
        elif char == "~":
            flush()
            match = _GAP_TOKEN.match(text, pos)
            assert match is not None
            current.append(_Gap(int(match.group(1)) if match.group(1) else DEFAULT_GAP))
            pos = match.end()
        else:
            literal.append(char)
            pos += 1
    flush()
    alternatives.append(current)
    return alternatives, pos


def _has_special(nodes: Iterable[Any]) -> bool:
    for node in nodes:
        if node is _WILD or isinstance(node, _Gap):
            return True
        if isinstance(node, _Group) and any(_has_special(a) for a in node.alternatives):
            return True
    return False


def _flatten(nodes: list[Any]) -> list[list[Any]]:
    """Expand every group: sequences of strings, wildcards and gaps only."""
    results: list[list[Any]] = [[]]
    for node in nodes:
        if isinstance(node, _Group):
            options = [flat for alt in node.alternatives for flat in _flatten(list(alt))]
            results = [[*r, *o] for r in results for o in options]
        else:
            results = [[*r, node] for r in results]
        if len(results) > MAX_EXPANSIONS:
            raise ValueError(f"more than {MAX_EXPANSIONS} expansions")
    return [_merge_strings(r) for r in results]


def _merge_strings(nodes: list[Any]) -> list[Any]:
    merged: list[Any] = []
    for node in nodes:
        if isinstance(node, str) and merged and isinstance(merged[-1], str):
            merged[-1] += node
        else:
            merged.append(node)
    return merged


def _expand(rule: Rule, pattern: str) -> Iterable[tuple[str, bool, bool, str | None]]:
    """``(automaton key, left_open, right_open, tail regex or None)`` per expansion.

    Only the part before the first wildcard or gap is expanded into automaton keys;
    the rest becomes a regular expression checked where a key was found.
    """
    try:
        sequences = _parse(pattern)
        expanded: list[list[Any]] = []
        for sequence in sequences:
            if any(isinstance(n, _Group) and _has_special([n]) for n in sequence):
                expanded.extend(_flatten(sequence))
            else:
                expanded.append(sequence)
        for sequence in expanded:
            for part in _distribute(sequence):
                yield from _expand_sequence(part)
    except ValueError as exc:
        raise LexiconError(f"{rule.id}: bad pattern {pattern!r}: {exc}") from exc


def _count(node: Any) -> int:
    """How many strings ``node`` expands to."""
    if not isinstance(node, _Group):
        return 1
    return sum(_count_all(alt) for alt in node.alternatives)


def _distribute(nodes: list[Any]) -> list[list[Any]]:
    """``nodes`` as one sequence per alternative of its leading group, as long as that
    group expands to more than :data:`HEAD_KEYS` strings and is more than a word list:
    a pattern written as one group of phrases gets a head per phrase to split."""
    lead = 1 if nodes and nodes[0] is _WILD else 0
    if len(nodes) <= lead or not isinstance(nodes[lead], _Group):
        return [nodes]
    group = nodes[lead]
    phrases = any(len(alt) > 1 or isinstance(alt[0], _Group) for alt in group.alternatives if alt)
    if not phrases or _count(group) <= HEAD_KEYS:
        return [nodes]
    if any(not "".join(n for n in alt if isinstance(n, str)).strip() for alt in group.alternatives):
        return [nodes]  # an empty alternative: what follows would start the pattern
    return [
        part
        for alt in group.alternatives
        for part in _distribute(_merge_strings([*nodes[:lead], *alt, *nodes[lead + 1 :]]))
    ]


def _shortest(node: Any) -> int:
    """Letters and digits in the shortest string ``node`` expands to."""
    if isinstance(node, str):
        return sum(c.isalnum() for c in node)
    if not isinstance(node, _Group):
        return 0
    return min((sum(_shortest(n) for n in alt) for alt in node.alternatives), default=0)


def _head_length(body: list[Any], right_open: bool) -> int:
    """How many nodes of ``body`` become automaton keys: up to the first wildcard or gap,
    and no further than :data:`HEAD_KEYS` strings once every key has at least
    :data:`MIN_HEAD_CHARS` letters or digits, where :func:`_safe_cut` allows it (the
    rest is checked by a regex)."""
    keys, shortest = 1, 0
    end = next((i for i, n in enumerate(body) if n is _WILD or isinstance(n, _Gap)), len(body))
    # Letters may follow the rest when a wildcard does (inside the body or at its end).
    open_end = right_open if end == len(body) else body[end] is _WILD
    for i in range(end):
        count = _count(body[i])
        if (
            keys * count > HEAD_KEYS
            and shortest >= MIN_HEAD_CHARS
            and _safe_cut(body, i, end, open_end)
        ):
            return i
        keys *= count
        shortest += _shortest(body[i])
    return end


def _safe_cut(body: list[Any], cut: int, end: int, open_end: bool) -> bool:
    """Whether keys of ``body[:cut]`` followed by the regex of the rest match exactly
    where the whole expansions did: the literal part after the cut (up to a wildcard or
    gap) has no empty string, no double space (keys collapse them, a regex does not), no
    space at its end or against a space at the end of a key (keys are stripped there),
    and no string that is the start of another where both could match at one place (a
    regex ends at one of them, the keys matched each) unless the shorter ends a word
    where the longer goes on with a letter or digit (``open_end``: letters may follow
    both)."""
    if _count_all(body[cut:end]) > MAX_EXPANSIONS:
        return False
    tails = _strings(body[cut:end])
    if any(not t.strip() or "  " in t or t.endswith(" ") for t in tails):
        return False
    if any(t.startswith(" ") for t in tails) and any(k.endswith(" ") for k in _strings(body[:cut])):
        return False
    ordered = sorted(set(tails))
    for i, shorter in enumerate(ordered):
        for longer in ordered[i + 1 :]:
            if not longer.startswith(shorter):
                break  # sorted: no later one starts with it either
            if open_end or not (shorter[-1].isalnum() and longer[len(shorter)].isalnum()):
                return False
    return True


def _count_all(nodes: Iterable[Any]) -> int:
    """How many strings a sequence of ``nodes`` expands to."""
    return math.prod(_count(n) for n in nodes)


def _expand_sequence(nodes: list[Any]) -> Iterable[tuple[str, bool, bool, str | None]]:
    left_open = bool(nodes) and nodes[0] is _WILD
    right_open = bool(nodes) and nodes[-1] is _WILD
    body = nodes[1 if left_open else 0 : len(nodes) - 1 if right_open else len(nodes)]
    split = _head_length(body, right_open)
    head, rest = body[:split], body[split:]
    if not head:
        raise ValueError("a pattern must start with text")
    tail = _regex(rest, lstrip_first=False, rstrip_last=True) if rest else None
    before_gap = bool(rest) and isinstance(rest[0], _Gap)
    for text in _strings(head):
        # Fragments are normalised one by one (cached); only spaces can pile up.
        key = (_SPACES.sub(" ", text) if "  " in text else text).lstrip()
        if before_gap or not rest:
            key = key.rstrip()
        if not key:
            raise ValueError("a pattern must start with text")
        yield key, left_open, right_open, tail


def _strings(nodes: list[Any]) -> list[str]:
    results = [""]
    for node in nodes:
        if isinstance(node, _Group):
            options = [s for alt in node.alternatives for s in _strings(list(alt))]
            results = [r + o for r in results for o in options]
        else:
            results = [r + _normalized(node) for r in results]
        if len(results) > MAX_EXPANSIONS:
            raise ValueError(f"more than {MAX_EXPANSIONS} expansions")
    return results


def _regex(nodes: list[Any], *, lstrip_first: bool, rstrip_last: bool) -> str:
    """The regex of a pattern tail; wildcards become ``\x00*`` (see :func:`_tail_regex`)."""
    out: list[str] = []
    last = len(nodes) - 1
    for i, node in enumerate(nodes):
        lstrip = (i == 0 and lstrip_first) or (i > 0 and isinstance(nodes[i - 1], _Gap))
        rstrip = (i == last and rstrip_last) or (i < last and isinstance(nodes[i + 1], _Gap))
        if node is _WILD:
            out.append(_WILD_MARK)
        elif isinstance(node, _Gap):
            out.append(_GAP_REGEX.format(n=int(node)))
        elif isinstance(node, _Group):
            literals = [_literal(alt, lstrip, rstrip) for alt in node.alternatives]
            if all(x is not None for x in literals):
                out.append(_trie_regex({x for x in literals if x is not None}))
                continue
            options = sorted(
                {
                    _regex(list(alt), lstrip_first=lstrip, rstrip_last=rstrip)
                    for alt in node.alternatives
                },
                key=longest_first,
            )
            out.append("(?:" + "|".join(options) + ")")
        else:
            out.append(re.escape(_plain(node, lstrip, rstrip)))
    return "".join(out)


def _plain(node: str, lstrip: bool, rstrip: bool) -> str:
    """A text node of a pattern as it is matched: normalised, stripped next to a gap or
    at an end of the tail."""
    text = _normalized(node)
    text = text.lstrip() if lstrip else text
    return text.rstrip() if rstrip else text


def _literal(alternative: tuple[Any, ...], lstrip: bool, rstrip: bool) -> str | None:
    """The text of a group's alternative that is plain text (no wildcard, gap or group
    in it), as :func:`_regex` writes it before escaping; else ``None``."""
    if not all(isinstance(node, str) for node in alternative):
        return None
    last = len(alternative) - 1
    return "".join(
        _plain(node, i == 0 and lstrip, i == last and rstrip) for i, node in enumerate(alternative)
    )


def longest_first(option: str) -> tuple[int, str]:
    """Sort key of the options of an alternation: longer first, then alphabetical, so that
    the compiled regexes are the same in every process (a set's order is not)."""
    return -len(option), option


def _trie_regex(options: set[str]) -> str:
    """One regex for the plain ``options`` of a group, written as a tree of their common
    beginnings: ``(?:pocos|poco|cinco)`` is ``(?:poco(?:s)?|cinco)``. The regular
    expression engine tries the alternatives of a group one by one at every place a tail
    is tried (hundreds of words, after each word of a gap); the tree tries one branch per
    letter. It matches what the flat group matches: of two options that both match at a
    place one begins the other, and the longer is tried first in both."""
    tree: dict[str, Any] = {}
    for option in sorted(options):
        node = tree
        for char in option:
            node = node.setdefault(char, {})
        node[""] = {}  # an option ends here

    def render(node: dict[str, Any]) -> str:
        ends = "" in node
        branches = [re.escape(c) + render(child) for c, child in node.items() if c]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if ends:
            return ("(?:" + body + ")?") if len(branches) > 1 or len(body) > 1 else body + "?"
        return body

    return "(?:" + render(tree) + ")"


_WILD_MARK = "\x00"
_GAP_PREFIX = _GAP_REGEX.split("(")[0]
#: How the tail of a pattern cut at a wildcard or gap starts (any other is a cut head's).
_TAIL_STARTS = (_WILD_MARK, _GAP_PREFIX)
_WILD_REGEX = r"[^\W_]*"
# The gap at the start of a tail's regex, its width in group 1.
_GAP_HEAD = re.compile(re.escape(_GAP_REGEX.format(n="N")).replace("N", r"(\d+)"))


def _gap_precheck(tails: Iterable[str | None]) -> re.Pattern[str] | None:
    """One regex that matches wherever any of ``tails`` (all starting with a gap) could.

    It is the widest of their gaps followed by any of their continuations, without the
    end-of-word checks: a necessary condition, checked once per key instead of every
    tail. A number ("7") is the key of one "{number} ~ {women}" rule per language, and
    nearly every number in an ad is followed by something else.
    """
    widest = 0
    rests: set[str] = set()
    heads: set[str] = set()
    for tail in tails:
        head = _GAP_HEAD.match(tail) if tail is not None else None
        if tail is None or head is None:
            return None
        widest = max(widest, int(head.group(1)))
        # Only the plain words a continuation starts with, where it has some: the check
        # tries them as a tree of letters after each word of the gap.
        rest = tail[head.end() :]
        literal = _literal_start(rest)
        if literal:
            heads.add(literal)
        else:
            # Wildcards match the empty string too: this also covers the strict tails.
            rests.add(rest.replace(_WILD_MARK, _WILD_REGEX))
    options = sorted(rests, key=longest_first)
    if heads:
        options.insert(0, _trie_regex(heads))
    return re.compile(_GAP_REGEX.format(n=widest) + "(?:" + "|".join(options) + ")")


#: What ends the plain text a tail's regex starts with (see :func:`_literal_start`).
_REGEX_SYNTAX = frozenset("()[]{}|^$.\x00")
_QUANTIFIERS = frozenset("?*+{")


def _literal_start(regex: str) -> str:
    """The plain text ``regex`` (written by :func:`_regex`) starts with: up to its first
    group, class, wildcard or other syntax, without a letter a quantifier makes optional."""
    out: list[str] = []
    at = 0
    while at < len(regex):
        char = regex[at]
        if char in _QUANTIFIERS:
            return "".join(out[:-1])
        if char == "\\":
            if at + 1 < len(regex) and not regex[at + 1].isalnum():
                out.append(regex[at + 1])
                at += 2
                continue
            break
        if char in _REGEX_SYNTAX:
            break
        out.append(char)
        at += 1
    return "".join(out)


#: What :func:`_required` gives as a tail's needs: at most this many texts, each at least
#: this long (a shorter text is in nearly every ad; more texts cost more than the tail).
_NEEDS_MAX = 8
_NEEDS_MIN_LENGTH = 2


def _tails_need(tails: list[str | None]) -> tuple[str, ...]:
    """Texts one of which every match of any of ``tails`` holds, or ``()``."""
    needs: set[str] = set()
    for tail in tails:
        found = _required(tail) if tail else None
        if found is None:
            return ()
        needs |= found
    if len(needs) <= _NEEDS_MAX:
        return tuple(sorted(needs))
    return _cover(frozenset(needs))


#: The shortest piece :func:`_cover` takes: a word of four letters is in few ads.
_COVER_MIN_LENGTH = 4
_PIECE = re.compile(r"[^\W_]+")


@functools.lru_cache(maxsize=4096)
def _cover(needs: frozenset[str]) -> tuple[str, ...]:
    """At most ``_NEEDS_MAX`` pieces of ``needs`` such that each of them holds one, or
    ``()``: a text that holds one of ``needs`` holds one of the pieces, so the pieces are
    needed too. A tail of many alternatives ("ejjel-nappali recepcios", "0-24 oras
    recepcio", ...) needs one of few words ("recepcio", ...). The pieces are the words of
    the needs (as written between spaces, or their runs of letters and digits), chosen
    one by one: the one in the most needs not yet covered, then the longest."""
    texts = sorted(needs)
    pieces = sorted(
        {
            piece
            for text in texts
            for piece in (*text.split(), *_PIECE.findall(text))
            if len(piece) >= _COVER_MIN_LENGTH
        }
    )
    holders = {
        piece: frozenset(i for i, text in enumerate(texts) if piece in text) for piece in pieces
    }
    left = set(range(len(texts)))
    chosen: list[str] = []
    while left:
        if len(chosen) == _NEEDS_MAX or not pieces:
            return ()
        best = max(pieces, key=lambda piece: (len(holders[piece] & left), len(piece)))
        if not holders[best] & left:
            return ()  # a need with no piece long enough
        chosen.append(best)
        left -= holders[best]
    return tuple(sorted(chosen))


def _required(regex: str) -> frozenset[str] | None:
    """Texts one of which every match of ``regex`` (a tail as :func:`_regex` writes it:
    escaped text, groups, classes, quantifiers, wildcard marks) holds, or ``None``.

    A necessary condition the matcher checks with ``str.find`` before it tries the
    regex: most tails fail, and most fail because their words are not in the ad. It
    reads the regex as a sequence of plain letters and groups; a run of letters no
    quantifier touches is needed, and so is a group whose every alternative needs one
    of some texts (any of them all). Of these it keeps the set with the longest
    shortest text, then the fewest (``_NEEDS_MAX``, ``_NEEDS_MIN_LENGTH``)."""
    alternatives, at = _read_alternatives(regex, 0)
    if at != len(regex) or len(alternatives) != 1:
        return None
    return _sequence_needs(alternatives[0])


#: One item of a parsed tail: a letter it must match, a group (its alternatives), or
#: ``None`` for anything else (a class, an anchor, a quantified item, a lookaround).
_Item = str | list[list[Any]] | None


def _read_alternatives(regex: str, at: int) -> tuple[list[list[_Item]], int]:
    """The alternatives of ``regex`` from ``at`` to the ``)`` that closes them (or the
    end), and where they end."""
    alternatives: list[list[_Item]] = [[]]
    while at < len(regex) and regex[at] != ")":
        char = regex[at]
        item: _Item = None
        if char == "|":
            alternatives.append([])
            at += 1
            continue
        if char == "\\":
            escaped = regex[at + 1 : at + 2]
            item = escaped if escaped and not escaped.isalnum() else None
            at += 2
        elif char == "[":
            at = _class_end(regex, at)
        elif char == "(":
            lookaround = regex.startswith(("(?=", "(?!", "(?<=", "(?<!"), at)
            at += 3 if regex.startswith("(?:", at) else 1
            while lookaround and at < len(regex) and regex[at] in "?=!<":
                at += 1
            inner, at = _read_alternatives(regex, at)
            at += 1  # the closing parenthesis
            item = None if lookaround else inner
        else:
            item = None if char in _REGEX_SYNTAX else char
            at += 1
        if at < len(regex) and regex[at] in _QUANTIFIERS:
            item = None  # optional or repeated: needed at most once, not in a run
            at = regex.index("}", at) + 1 if regex[at] == "{" else at + 1
            if at < len(regex) and regex[at] in "?+":
                at += 1
        alternatives[-1].append(item)
    return alternatives, at


def _class_end(regex: str, at: int) -> int:
    """Where the character class opening at ``at`` ends."""
    at += 1
    if regex.startswith("^", at):
        at += 1
    if regex.startswith("]", at):
        at += 1
    while at < len(regex) and regex[at] != "]":
        at += 2 if regex[at] == "\\" else 1
    return at + 1


def _sequence_needs(items: list[_Item]) -> frozenset[str] | None:
    candidates: list[frozenset[str]] = []
    run: list[str] = []
    for item in [*items, None]:
        if isinstance(item, str):
            run.append(item)
            continue
        if run:
            candidates.append(frozenset(["".join(run)]))
            run = []
        if isinstance(item, list):
            needs: set[str] = set()
            for alternative in item:
                found = _sequence_needs(alternative)
                if found is None:
                    break
                needs |= found
            else:
                candidates.append(frozenset(needs))
    usable = [
        c
        for c in candidates
        if len(c) <= _NEEDS_MAX and min(map(len, c), default=0) >= _NEEDS_MIN_LENGTH
    ]
    if not usable:
        return None
    return max(usable, key=lambda c: (min(map(len, c)), -len(c)))


def _tail_regex(
    tails: list[str | None], right_open: bool, *, strict: bool = False
) -> re.Pattern[str] | None:
    """One regex for all tails of a key; it also checks the right word boundary.

    ``strict``: wildcards inside the tails match nothing (a stem must stand alone).
    """
    if all(t is None for t in tails):
        return None
    wild = "" if strict else _WILD_REGEX
    options = _nearest_first({(t or "").replace(_WILD_MARK, wild) for t in tails})
    end = _WILD_REGEX if right_open else r"(?!(?<=[^\W_])[^\W_])"
    return re.compile("(?:" + "|".join(options) + ")" + end)


#: What options of one alternation may share (:func:`_nearest_first`): a gap, after the
#: rest of a word where the key's last word is open ("хотел* ~8 ...").
_SHARED_GAP = re.compile(f"(?:{re.escape(_WILD_REGEX)})?{_GAP_HEAD.pattern}")


def _nearest_first(options: Iterable[str]) -> list[str]:
    """The ``options`` of one alternation, longest first, where those that start with the
    same gap share one copy of it: ``GAP(?:rest1|rest2)``. A gap is lazy, so the shared
    one stops at the nearest word any of them goes on with; with a copy each, the option
    listed first could reach past a nearer match of another ("24 часа портиер" and
    "24 часа рецепция" after one key), and the order of two of one length means
    nothing."""
    merged: dict[str, list[str]] = {}  # the rests behind each gap
    order: list[str] = []  # options without a gap, and each gap where it is first used
    for option in sorted(options, key=longest_first):
        head = _SHARED_GAP.match(option)
        if head is None:
            order.append(option)
        elif head.group() in merged:
            merged[head.group()].append(option[head.end() :])
        else:
            merged[head.group()] = [option[head.end() :]]
            order.append(head.group())
    return [part if part not in merged else f"{part}(?:{'|'.join(merged[part])})" for part in order]
