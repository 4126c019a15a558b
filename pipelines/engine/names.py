"""Advertised names: found in an ad, replaced by ``[name]`` in its stored text.

The ``name`` field of an ad is never stored, but ads repeat the name in their title and
text ("Hola, soy Carmen", "Lotte 💕 Rotterdam"). :func:`redact_names` finds

- every word of the ``name`` field, wherever it occurs in the title or text (any case,
  with or without diacritics, also with a short inflection such as "Rékát" or "Lotte's");
- names people introduce themselves with, in the eight languages of the lexicons:
  "ik ben Lotte", "mijn naam is", "I'm", "my name is", "call me", "ich bin", "ich heiße",
  "mă numesc", "sunt", "казвам се", "аз съм", "a nevem", "Réka vagyok", "jestem",
  "mam na imię", "soy", "me llamo", "Amy here" and similar. A word after such an
  introduction counts as a name when it starts with a capital letter, unless it is a
  word of the indicator lexicons ("I'm NEW in town", "soy Colombiana"): those words are
  what an investigator needs to see, and they are not names;

and replaces each occurrence by :data:`NAME_TOKEN`. It fails closed: a capitalised word
after an introduction is taken for a name even if it might be something else.

The result also gives the names found, so the pipeline can store keyed pseudonyms of them
(``name_pseudonyms``, kind ``name``) for linking ads of the same person. The replacement
runs before the indicator engine, so evidence offsets refer to the stored text.

Linear time: one pass of two regular expressions without nested quantifiers per field.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import MutableMapping

    from pipelines.engine.pseudonyms import Pseudonymizer

NAME_TOKEN = "[name]"
#: Pseudonym kind of advertised names (``HMAC(key, "name:" + folded name)``).
NAME_KIND = "name"

#: A word: letters, with apostrophes or hyphens inside ("Anne-Marie", "O'Neil").
_WORD = r"[^\W\d_]+(?:['’\-][^\W\d_]+)*"
_WORD_RE = re.compile(_WORD)

#: Introductions followed by the name, per language (folded words: lower case, no accents).
_BEFORE: tuple[str, ...] = (
    # nl
    "ik ben", "ik heet", "mijn naam is", "noem me", "hier is",
    # en
    "i'm", "i am", "my name is", "my name's", "name's", "call me", "this is",
    # de
    "ich bin", "ich heisse", "mein name ist", "nenn mich", "nennt mich", "hier ist",
    # ro
    "ma numesc", "sunt", "numele meu este", "numele meu e", "eu sunt",
    # bg
    "казвам се", "аз съм", "името ми е", "наричат ме",
    # hu
    "a nevem", "nevem",
    # pl
    "jestem", "mam na imie", "nazywam sie", "mow mi",
    # es
    "soy", "me llamo", "mi nombre es", "llamame",
)  # fmt: skip
#: Words that follow the name ("Amy here", "Réka vagyok").
_AFTER: tuple[str, ...] = (
    "hier", "here", "aici", "е тук", "тук", "vagyok", "a nevem", "itt", "tutaj", "aqui",
)  # fmt: skip
_BEFORE_SET = frozenset(tuple(p.split()) for p in _BEFORE)
_AFTER_SET = frozenset(tuple(p.split()) for p in _AFTER)


def _lengths(phrases: frozenset[tuple[str, ...]], at: int) -> dict[str, frozenset[int]]:
    """Per word, the lengths of the phrases that have it at position ``at`` (0 or -1)."""
    lengths: dict[str, set[int]] = {}
    for phrase in phrases:
        lengths.setdefault(phrase[at], set()).add(len(phrase))
    return {word: frozenset(found) for word, found in lengths.items()}


_BEFORE_LENGTHS = _lengths(_BEFORE_SET, -1)
_AFTER_LENGTHS = _lengths(_AFTER_SET, 0)
#: Per word that can end an introduction or start a phrase after a name: the phrase
#: lengths to try, shortest first, each with (ends an introduction, starts a phrase after).
_PLANS: dict[str, tuple[tuple[int, bool, bool], ...]] = {
    word: tuple(
        (length, length in _BEFORE_LENGTHS.get(word, ()), length in _AFTER_LENGTHS.get(word, ()))
        for length in sorted(_BEFORE_LENGTHS.get(word, set()) | _AFTER_LENGTHS.get(word, set()))
    )
    for word in _BEFORE_LENGTHS.keys() | _AFTER_LENGTHS.keys()
}
#: What may stand between an introduction and the name ("my name is: Amy", "Amy - here").
_SEP = re.compile(r"[\s,:;–—\-]{0,8}")

#: Greetings and other words that stand next to an introduction but are no names.
GREETINGS: frozenset[str] = frozenset(
    {
        "hoi", "hallo", "hey", "hi", "hello", "hola", "szia", "sziasztok", "helló", "salut",
        "buna", "bună", "cześć", "czesc", "witam", "hej", "servus", "moin", "ciao", "здравей",
        "здрасти", "здравейте", "привет", "welcome", "welkom", "bienvenido", "bienvenidos",
        "also", "and", "en", "und", "y", "si", "és", "i", "и", "yes", "ja", "da", "igen", "tak",
    }
)  # fmt: skip
#: Longest inflection kept with a name ("Rékát", "Lotte's", "Marią").
_MAX_SUFFIX = 3
_MIN_STEM = 4

LEXICON_DIR = Path(__file__).resolve().parents[1] / "lexicons"


def fold(word: str) -> str:
    """Case- and accent-insensitive form: ``"Zsófi"`` -> ``"zsofi"``, ``"Мария"`` stays
    Cyrillic (lower case)."""
    if word.isascii():
        return word.lower()
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("’", "'")


@cache
def lexicon_words(directory: Path = LEXICON_DIR) -> frozenset[str]:
    """Every word of the indicator lexicons (folded): words that are not names."""
    words: set[str] = set()
    for path in sorted(directory.glob("*.yaml")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        words.update(fold(w) for w in _WORD_RE.findall(text))
    return frozenset(words | {fold(g) for g in GREETINGS})


@dataclass
class NameRedaction:
    """The fields with names replaced, and the names found (as written, first seen first)."""

    fields: dict[str, str]
    names: list[str] = field(default_factory=list)
    replaced: int = 0


def names_from_field(name: str | None) -> list[str]:
    """The words of an ad's ``name`` field that can be a name (two letters or more)."""
    if not name:
        return []
    return [w for w in _WORD_RE.findall(name) if len(w) >= 2]


def introduced_names(text: str, not_names: frozenset[str] | None = None) -> list[str]:
    """Names people introduce themselves with in ``text`` (capitalised, not lexicon words).

    One pass over the words of ``text`` with set look-ups (linear time, however hostile
    the text).
    """
    stop = lexicon_words() if not_names is None else not_names
    words = [(m.start(), m.end(), m.group()) for m in _WORD_RE.finditer(text)]
    folded = [fold(word) for _, _, word in words]

    def gap(left: int, right: int, pattern: re.Pattern[str] | None = None) -> bool:
        between = text[words[left][1] : words[right][0]]
        if pattern is None:
            return bool(between) and between.isspace() and len(between) <= 3
        return pattern.fullmatch(between) is not None

    def phrase(first: int, length: int) -> tuple[str, ...] | None:
        last = first + length - 1
        if first < 0 or last >= len(words):
            return None
        if any(not gap(i, i + 1) for i in range(first, last)):
            return None
        return tuple(folded[first : last + 1])

    found: list[str] = []

    def can_be_name(index: int) -> bool:
        word = words[index][2]
        return word[0].isupper() and len(word) >= 2 and folded[index] not in stop

    last = len(words) - 1
    for i in [i for i, word in enumerate(folded) if word in _PLANS]:
        # Only the phrase lengths that can end (start) with this word are looked at, and
        # only next to a word that can be a name (the cheapest check first).
        for length, ends, starts in _PLANS[folded[i]]:
            # words[i - length + 1 .. i] introduce words[i + 1]
            if (
                ends
                and i < last
                and can_be_name(i + 1)
                and phrase(i - length + 1, length) in _BEFORE_SET
                and gap(i, i + 1, _SEP)
            ):
                found.append(words[i + 1][2])
            # words[i .. i + length - 1] follow words[i - 1]
            if (
                starts
                and i > 0
                and can_be_name(i - 1)
                and phrase(i, length) in _AFTER_SET
                and gap(i - 1, i, _SEP)
            ):
                found.append(words[i - 1][2])
    return list(dict.fromkeys(found))


def _matches(word: str, names: dict[str, str], stems: frozenset[str]) -> bool:
    folded = fold(word)
    if folded in names:
        return True
    if folded[:_MIN_STEM] not in stems:
        return False
    for stem_length in range(max(_MIN_STEM, len(folded) - _MAX_SUFFIX), len(folded)):
        if folded[:stem_length] in names:
            return True
    return False


def replace_names(text: str, names: Iterable[str]) -> tuple[str, int]:
    """``text`` with every word that is one of ``names`` replaced by :data:`NAME_TOKEN`."""
    wanted = {fold(n): n for n in names}
    if not wanted or not text:
        return text, 0
    stems = frozenset(n[:_MIN_STEM] for n in wanted)
    parts: list[str] = []
    position = count = 0
    for match in _WORD_RE.finditer(text):
        if _matches(match.group(), wanted, stems):
            parts.append(text[position : match.start()])
            parts.append(NAME_TOKEN)
            position = match.end()
            count += 1
    parts.append(text[position:])
    return "".join(parts), count


def redact_names(
    fields: dict[str, str],
    name: str | None = None,
    *,
    not_names: frozenset[str] | None = None,
) -> NameRedaction:
    """Replace the advertised name in every field of ``fields`` (e.g. title and text).

    Names come from ``name`` (the ad's name field) and from self-introductions in any of
    the fields; each is replaced wherever it occurs in any field.
    """
    names: dict[str, str] = {}
    for word in names_from_field(name):
        names.setdefault(fold(word), word)
    for value in fields.values():
        for word in introduced_names(value, not_names):
            names.setdefault(fold(word), word)
    result = NameRedaction(fields=dict(fields), names=list(names.values()))
    for key, value in fields.items():
        result.fields[key], count = replace_names(value, names.values())
        result.replaced += count
    return result


#: The item fields in which names are replaced (the free-text fields that may be stored).
NAME_FIELDS: tuple[str, ...] = ("title", "text", "city", "price_text", "age_text")


def name_pseudonym(pseudonymizer: Pseudonymizer, name: str) -> str:
    """The keyed pseudonym of an advertised name (kind ``name``; case and accents folded)."""
    return pseudonymizer.keyed(NAME_KIND, fold(name))


def redact_item_names(item: MutableMapping[str, Any], pseudonymizer: Pseudonymizer) -> int:
    """Replace the advertised name in an ad item's text fields, in place.

    Sets ``name_pseudonyms`` (keyed pseudonyms of the names found, first seen first;
    merged with any already on the item) and returns how many occurrences were replaced.
    The ``name`` field itself is left for minimisation to drop.
    """
    fields = {f: v for f in NAME_FIELDS if isinstance(v := item.get(f), str) and v}
    name = item.get("name")
    result = redact_names(fields, name if isinstance(name, str) else None)
    item.update(result.fields)
    pseudonyms = list(item.get("name_pseudonyms") or ())
    for found in result.names:
        pseudonym = name_pseudonym(pseudonymizer, found)
        if pseudonym not in pseudonyms:
            pseudonyms.append(pseudonym)
    item["name_pseudonyms"] = pseudonyms
    return result.replaced
