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
    at the start of a pattern it drops the left word boundary (``*stadt``).
``~`` / ``~N``
    a gap of 0-3 (0-N) words, within a sentence: ``young ~ team``.

Everything else is literal text, matched on whole words.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ahocorasick
import yaml

from pipelines.engine.normalize import normalize

__all__ = [
    "CATEGORIES",
    "DEFAULT_LEXICON_DIR",
    "Expansion",
    "Lexicon",
    "LexiconError",
    "PriceConfig",
    "Rule",
    "load_lexicon",
]

DEFAULT_LEXICON_DIR = Path(__file__).resolve().parent.parent / "lexicons"
CONFIG_FILE = "config.yaml"
#: The lexicon categories, in reporting order (``low_price`` comes from the price tracker).
CATEGORIES: tuple[str, ...] = (
    "movement",
    "youth",
    "availability_24_7",
    "unsafe_services",
    "third_party",
    "language_barrier",
    "origin",
)
DERIVED_CATEGORIES: tuple[str, ...] = ("low_price",)
KINDS = ("rule", "benign", "context")
MAX_EXPANSIONS = 20000
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


@dataclass(frozen=True, slots=True)
class Expansion:
    """One concrete form of a pattern, anchored on an automaton key."""

    rule: Rule
    left_open: bool
    right_open: bool
    tail: re.Pattern[str] | None


@dataclass(frozen=True, slots=True)
class PriceConfig:
    default_currency: str
    eur_rates: Mapping[str, float]
    low_price_factor: float
    min_samples: int
    max_samples: int


@dataclass(slots=True)
class Lexicon:
    """A compiled lexicon bundle (all languages), shared read-only between engines."""

    version: str
    threshold: float
    category_weights: dict[str, float]
    negation_window: int
    negation_cues: dict[str, frozenset[str]]
    post_negation_cues: frozenset[str]
    price: PriceConfig
    automaton: Any
    rules: list[Rule] = field(default_factory=list)
    patterns: list[tuple[Rule, str]] = field(default_factory=list)


@functools.lru_cache(maxsize=8)
def _load_cached(directory: str) -> Lexicon:
    return _compile(Path(directory))


def load_lexicon(directory: str | Path | None = None) -> Lexicon:
    """Load and compile the lexicon folder (cached per folder for the process)."""
    path = Path(directory) if directory is not None else DEFAULT_LEXICON_DIR
    return _load_cached(str(path.resolve()))


# ---------------------------------------------------------------------------- loading


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        with path.open(encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
    except OSError as exc:
        raise LexiconError(f"cannot read: {exc}", path) from exc
    except yaml.YAMLError as exc:
        raise LexiconError(f"not valid YAML: {exc}", path) from exc
    if not isinstance(data, dict):
        raise LexiconError("top level must be a mapping", path)
    return data


def _compile(directory: Path) -> Lexicon:
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
    negation = config.get("negation") or {}

    rules: list[Rule] = []
    patterns: list[tuple[Rule, str]] = []
    cues: dict[str, frozenset[str]] = {}
    post_cues: set[str] = set()
    files = sorted(p for p in directory.glob("*.yaml") if p.name != CONFIG_FILE)
    if not files:
        raise LexiconError("no lexicon files (*.yaml) besides the config", directory)
    for path in files:
        data = _read_yaml(path)
        lang = str(data.get("language") or path.stem)
        cues[lang] = frozenset(_norm_word(w) for w in data.get("negation_cues") or ())
        post_cues.update(_norm_word(w) for w in data.get("post_negation_cues") or ())
        sets = _sets(data.get("sets") or {}, path)
        for category, block in (data.get("categories") or {}).items():
            if category not in CATEGORIES:
                raise LexiconError(f"unknown category {category!r}", path)
            found: list[tuple[Rule, str]] = []
            _collect(block or {}, category, lang, weights[category], path, rules, found)
            patterns.extend((rule, _substitute(p, sets, rule, path)) for rule, p in found)

    automaton = ahocorasick.Automaton(ahocorasick.STORE_ANY, ahocorasick.KEY_STRING)
    grouped: dict[str, dict[tuple[Rule, bool, bool], list[str | None]]] = {}
    for rule, pattern in patterns:
        for key, left_open, right_open, tail in _expand(rule, pattern):
            tails = grouped.setdefault(key, {}).setdefault((rule, left_open, right_open), [])
            if tail not in tails:
                tails.append(tail)
    for key, by_rule in grouped.items():
        expansions = tuple(
            Expansion(rule, left_open, right_open, _tail_regex(tails, right_open))
            for (rule, left_open, right_open), tails in by_rule.items()
        )
        automaton.add_word(key, (len(key), expansions))
    automaton.make_automaton()
    return Lexicon(
        version=version,
        threshold=float(config.get("threshold", 1.0)),
        category_weights=weights,
        negation_window=int(negation.get("window_words", 3)),
        negation_cues=cues,
        post_negation_cues=frozenset(post_cues),
        price=price_config,
        automaton=automaton,
        rules=rules,
        patterns=patterns,
    )


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
        rule = Rule(
            id=rule_id,
            category=category,
            lang=lang,
            kind="rule",
            weight=float(entry.get("weight", default_weight)),
            negatable=bool(entry.get("negatable", negatable_default)),
        )
        rules.append(rule)
        patterns.extend((rule, _pattern(p, rule_id, path)) for p in entry["patterns"])
    for kind in ("benign", "context"):
        items = block.get(kind) or ()
        if items:
            rule = Rule(f"{category}.{lang}.{kind}", category, lang, kind, 0.0, False)
            rules.append(rule)
            patterns.extend((rule, _pattern(p, rule.id, path)) for p in items)


_SET_REF = re.compile(r"\{(\w+)\}")


def _sets(raw: Mapping[str, Any], path: Path) -> dict[str, str]:
    """Named word lists (``sets:``), used in patterns as ``{name}``."""
    sets: dict[str, str] = {}
    for name, words in raw.items():
        if not isinstance(words, list) or not words:
            raise LexiconError(f"sets: {name!r} must be a non-empty list", path)
        sets[str(name)] = "(" + "|".join(str(w) for w in words) + ")"
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


def _norm_word(word: Any) -> str:
    return normalize(str(word)).text.strip()


# ------------------------------------------------------------------------- expansion


class _Gap(int):
    """A gap of up to ``int`` words between two parts of a pattern."""


_WILD = object()
_Item = str | _Gap | object


def _parse(pattern: str) -> list[list[_Item]]:
    """Expand alternation groups into sequences of characters, wildcards and gaps."""
    sequences, pos = _parse_alternatives(pattern, 0)
    if pos != len(pattern):
        raise ValueError(f"unbalanced ')' at {pos}")
    return sequences


def _parse_alternatives(text: str, pos: int) -> tuple[list[list[_Item]], int]:
    done: list[list[_Item]] = []
    current: list[list[_Item]] = [[]]
    while pos < len(text):
        char = text[pos]
        if char == "(":
            inner, pos = _parse_alternatives(text, pos + 1)
            if pos >= len(text) or text[pos] != ")":
                raise ValueError("unclosed '('")
            pos += 1
            current = [a + b for a in current for b in inner]
        elif char == ")":
            break
        elif char == "|":
            done.extend(current)
            current = [[]]
            pos += 1
        elif char == "*":
            current = [[*a, _WILD] for a in current]
            pos += 1
        elif char == "~":
            match = re.compile(r"~(\d*)").match(text, pos)
            assert match is not None
            gap = _Gap(int(match.group(1)) if match.group(1) else DEFAULT_GAP)
            current = [[*a, gap] for a in current]
            pos = match.end()
        else:
            current = [[*a, char] for a in current]
            pos += 1
        if len(current) + len(done) > MAX_EXPANSIONS:
            raise ValueError(f"more than {MAX_EXPANSIONS} expansions")
    done.extend(current)
    return done, pos


def _expand(rule: Rule, pattern: str) -> Iterable[tuple[str, bool, bool, str | None]]:
    """``(automaton key, left_open, right_open, tail regex or None)`` per expansion."""
    try:
        sequences = _parse(pattern)
    except ValueError as exc:
        raise LexiconError(f"{rule.id}: bad pattern {pattern!r}: {exc}") from exc
    for sequence in sequences:
        parts = _parts(sequence)
        if not parts:
            continue
        left_open = parts[0] is _WILD
        right_open = parts[-1] is _WILD
        core = parts[1 if left_open else 0 : len(parts) - 1 if right_open else len(parts)]
        if not core or not isinstance(core[0], str):
            raise LexiconError(f"{rule.id}: pattern {pattern!r} has no literal start")
        yield core[0], left_open, right_open, _tail_source(core[1:])


def _parts(sequence: list[_Item]) -> list[Any]:
    """Join characters into normalised literals; keep wildcards and gaps between them."""
    raw: list[Any] = []
    for item in sequence:
        if isinstance(item, str) and raw and isinstance(raw[-1], str):
            raw[-1] += item
        else:
            raw.append(item)
    parts: list[Any] = []
    for i, part in enumerate(raw):
        if isinstance(part, str):
            text = _normalized(part)
            if i == 0 or isinstance(raw[i - 1], _Gap):
                text = text.lstrip()
            if i == len(raw) - 1 or isinstance(raw[i + 1], _Gap):
                text = text.rstrip()
            if text:
                parts.append(text)
        else:
            parts.append(part)
    return parts


def _tail_source(parts: list[Any]) -> str | None:
    if not parts:
        return None
    out: list[str] = []
    for part in parts:
        if part is _WILD:
            out.append(r"[^\W_]*")
        elif isinstance(part, _Gap):
            # Spaces and commas between words; never across the end of a sentence.
            out.append(rf"[^\w.!?;:]+(?:\w+[^\w.!?;:]+){{0,{int(part)}}}?")
        else:
            out.append(re.escape(part))
    return "".join(out)


def _tail_regex(tails: list[str | None], right_open: bool) -> re.Pattern[str] | None:
    """One regex for all tails of a key; it also checks the right word boundary."""
    if all(t is None for t in tails):
        return None
    options = sorted((t or "" for t in tails), key=len, reverse=True)
    end = r"[^\W_]*" if right_open else r"(?!(?<=[^\W_])[^\W_])"
    return re.compile("(?:" + "|".join(options) + ")" + end)
