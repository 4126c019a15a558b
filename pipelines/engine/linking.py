"""Linking ads into cases on pseudonyms only: carousels, shared contacts, template clusters.

A plain engine over a :class:`~pipelines.links.model.LinkStore` (no Scrapy): for each ad it
records an :class:`~pipelines.links.model.Observation` and derives, from what the store
knows about the ad's keys, three indicators that a single ad cannot show
(docs/linking.md):

``carousel``
    one contact pseudonym advertised in at least N distinct cities within D days; the facts
    are the cities with their first and last dates.
``shared_contact``
    one contact pseudonym with at least K different advertised names (counted as name
    pseudonyms) or stated ages; or one ad listing the contacts of several advertisers
    (contacts that each appear in other ads without the others).
``template_cluster``
    the ad's text is a near-duplicate (Jaccard similarity of word shingles at least the
    threshold) of a stored hit of another contact or source. Candidates come from MinHash
    LSH bands (:mod:`pipelines.engine.minhash`); the facts name the shared phrases and the
    slots that differ, in the spirit of InfoShield's templates.

N, D, K, the similarity and the weight of each derived indicator are the ``links:`` block
of the lexicon config (``pipelines/lexicons/config.yaml``), read by :func:`load_link_config`.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from pipelines.engine.minhash import band_params, minhash
from pipelines.links.model import (
    CitySpan,
    KeySummary,
    LinkStore,
    LinkUpdate,
    Observation,
    TextPrint,
    iso,
    utc,
)

CONFIG_FILE = "config.yaml"
DEFAULT_LEXICON_DIR = Path(__file__).resolve().parent.parent / "lexicons"

DERIVED: tuple[str, ...] = ("carousel", "shared_contact", "template_cluster")
#: At most this many distinct shingle hashes of a hit are kept (the smallest hash values:
#: a bottom-k sketch, so long texts cost no more than short ones).
MAX_SHINGLES = 256
#: Longest text (characters) read for shingles: the start of an ad is its template.
MAX_TEMPLATE_CHARS = 20_000
MAX_PHRASES = 6
MAX_PHRASE_CHARS = 120
#: Bounds that keep the cost per ad constant whatever an ad or a site writes: contacts
#: linked per ad, cities a carousel window is searched over (the most recent ones), and
#: the cities up to which a key's growth still updates its earlier hits.
MAX_CONTACTS_PER_AD = 16
MAX_WINDOW_CITIES = 64
MAX_UPDATE_CITIES = 32

_TOKEN = re.compile(r"\[[a-z_]+(?::[0-9a-f]+)?\]|\w+", re.IGNORECASE)
_CONTACT_TOKEN = re.compile(r"\[([a-z_]+):[0-9a-f]+\]", re.IGNORECASE)


class LinkConfigError(ValueError):
    """The ``links:`` block of the lexicon config is wrong (file, field and fix)."""

    def __init__(self, path: Path | str, field_path: str, problem: str, fix: str) -> None:
        self.path, self.field, self.problem, self.fix = str(path), field_path, problem, fix
        super().__init__(f"{path}: links.{field_path}: {problem} (fix: {fix})")


@dataclass(frozen=True, slots=True)
class LinkConfig:
    """The thresholds and weights of the derived indicators (``links:`` in config.yaml)."""

    carousel_min_cities: int = 3
    carousel_window_days: int = 30
    shared_min_names: int = 3
    shared_min_ages: int = 3
    template_similarity: float = 0.6
    template_num_perm: int = 64
    shingle_words: int = 3
    weights: Mapping[str, float] = field(
        default_factory=lambda: {"carousel": 1.0, "shared_contact": 1.0, "template_cluster": 0.5}
    )


_BOUNDS: dict[str, tuple[str, str, type, float, float, str]] = {
    # attribute: (section, field, type, minimum, maximum, what it means)
    "carousel_min_cities": ("carousel", "min_cities", int, 2, 100, "a whole number of cities"),
    "carousel_window_days": ("carousel", "window_days", int, 1, 366, "a whole number of days"),
    "shared_min_names": ("shared_contact", "min_names", int, 2, 100, "a whole number of names"),
    "shared_min_ages": ("shared_contact", "min_ages", int, 2, 100, "a whole number of ages"),
    "template_similarity": ("template_cluster", "similarity", float, 0.3, 1.0, "a fraction"),
    "template_num_perm": ("template_cluster", "num_perm", int, 16, 512, "a number of hashes"),
    "shingle_words": ("template_cluster", "shingle_words", int, 1, 10, "a number of words"),
}


def load_link_config(directory: str | Path | None = None) -> LinkConfig:
    """Read and check the ``links:`` block of ``<directory>/config.yaml``.

    Missing fields take the defaults of :class:`LinkConfig`; a wrong value raises
    :class:`LinkConfigError` naming the file, the field and the fix.
    """
    path = Path(directory or DEFAULT_LEXICON_DIR) / CONFIG_FILE
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise LinkConfigError(path, "", f"cannot read the lexicon config ({exc})", "") from exc
    block = raw.get("links") if isinstance(raw, dict) else None
    if block is None:
        return LinkConfig()
    return link_config_from(block, path)


def link_config_from(block: Any, path: Path | str) -> LinkConfig:
    """:class:`LinkConfig` from the parsed ``links:`` mapping (see :func:`load_link_config`)."""
    if not isinstance(block, dict):
        raise LinkConfigError(
            path, "", "must be a mapping", "indent carousel/shared_contact/template_cluster"
        )
    unknown = sorted(set(block) - set(DERIVED))
    if unknown:
        raise LinkConfigError(
            path, str(unknown[0]), "unknown section", f"use one of {', '.join(DERIVED)}"
        )
    defaults = LinkConfig()
    values: dict[str, Any] = {}
    weights = dict(defaults.weights)
    for name in DERIVED:
        section = block.get(name) or {}
        if not isinstance(section, dict):
            raise LinkConfigError(path, name, "must be a mapping", "indent its fields under it")
        known = {f for s, f, *_ in _BOUNDS.values() if s == name} | {"weight"}
        extra = sorted(set(section) - known)
        if extra:
            raise LinkConfigError(
                path,
                f"{name}.{extra[0]}",
                "unknown field",
                f"use one of {', '.join(sorted(known))}",
            )
        if "weight" in section:
            weights[name] = _number(section["weight"], float, 0.0, 10.0, path, f"{name}.weight")
    for attribute, (section_name, field_name, kind, low, high, _what) in _BOUNDS.items():
        section = block.get(section_name) or {}
        if field_name in section:
            values[attribute] = _number(
                section[field_name], kind, low, high, path, f"{section_name}.{field_name}"
            )
    return LinkConfig(**values, weights=weights)


def _number(value: Any, kind: type, low: float, high: float, path: Path | str, name: str) -> Any:
    whole = kind is int
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if ok and whole and isinstance(value, float):
        ok = value.is_integer()
    if not ok or not low <= value <= high:
        what = "a whole number" if whole else "a number"
        raise LinkConfigError(
            path,
            name,
            f"{value!r} is not {what} from {low:g} to {high:g}",
            f"write {what} from {low:g} to {high:g}",
        )
    return int(value) if whole else float(value)


# ---------------------------------------------------------------------------- text prints


@dataclass(frozen=True, slots=True)
class TextShape:
    """An ad's text as tokens (with offsets) and word shingles, for template matching."""

    text: str
    spans: tuple[tuple[int, int], ...]
    shingles: tuple[int, ...]  # per token start: the hash of the shingle starting there
    sketch: tuple[int, ...]  # distinct shingle hashes kept (bottom-k)


def _hash32(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=4).digest(), "big")


def text_shape(text: str, shingle_words: int) -> TextShape:
    """Tokens and shingle hashes of ``text``; contact tokens count as their kind only and
    every number as ``#``, so an ad re-posted with a new number, age or price still
    matches. Linear in the text."""
    text = text[:MAX_TEMPLATE_CHARS]
    spans: list[tuple[int, int]] = []
    words: list[str] = []
    for match in _TOKEN.finditer(text):
        spans.append(match.span())
        word = match.group(0).casefold()
        # Numbers (ages, prices, times) and contact tokens are the slots of a template.
        words.append("#" if word.isdigit() else _CONTACT_TOKEN.sub(r"[\1]", word))
    size = min(shingle_words, len(words)) if words else 0
    shingles = tuple(
        _hash32(" ".join(words[i : i + size])) for i in range(len(words) - size + 1) if size
    )
    sketch = tuple(sorted(set(shingles))[:MAX_SHINGLES])
    return TextShape(text, tuple(spans), shingles, sketch)


class Signer:
    """MinHash LSH band keys of a set of shingle hashes (:mod:`pipelines.engine.minhash`)."""

    def __init__(self, similarity: float, num_perm: int) -> None:
        self.bands, self.rows = band_params(similarity, num_perm)
        self.num_perm = num_perm

    def signature(self, sketch: Sequence[int]) -> tuple[str, ...]:
        if not sketch:
            return ()
        values = minhash(sketch, self.num_perm)
        keys = []
        for band in range(self.bands):
            chunk = values[band * self.rows : (band + 1) * self.rows].tobytes()
            digest = hashlib.blake2b(chunk, digest_size=8).hexdigest()
            keys.append(f"b{band}-{digest}")
        return tuple(keys)


def jaccard(a: Iterable[int], b: Iterable[int]) -> float:
    left, right = set(a), set(b)
    union = left | right
    return len(left & right) / len(union) if union else 0.0


def explain_template(
    shape: TextShape, other: Iterable[int], size: int, *, quote: bool = True
) -> dict[str, Any]:
    """The phrases the ad shares with ``other`` (shingle hashes of another ad) and the slots
    between them that differ: runs of tokens covered, or not, by shared shingles. Numbers
    and tokens (``[name]``, ``[phone:…]``) are always slots, as in InfoShield's templates.
    ``quote=False`` (the data policy stores no ad text): only how many of each."""
    shared = set(other)
    covered = [False] * len(shape.spans)
    width = min(size, len(shape.spans))
    for start, value in enumerate(shape.shingles):
        if value in shared:
            for index in range(start, min(start + width, len(covered))):
                covered[index] = True
    for index, (begin, end) in enumerate(shape.spans):
        token = shape.text[begin:end]
        if token.isdigit() or token.startswith("["):
            covered[index] = False
    phrases: list[str] = []
    slots: list[str] = []
    run_start = 0
    for index in range(1, len(covered) + 1):
        if index == len(covered) or covered[index] != covered[run_start]:
            begin, end = shape.spans[run_start][0], shape.spans[index - 1][1]
            piece = shape.text[begin:end][:MAX_PHRASE_CHARS]
            target = phrases if covered[run_start] else slots
            if len(target) < MAX_PHRASES:
                target.append(piece)
            run_start = index
    if not quote:
        return {"shared_phrase_count": len(phrases), "slot_count": len(slots)}
    return {"shared_phrases": phrases, "slots": slots}


# ---------------------------------------------------------------------------- the ad


@dataclass(frozen=True, slots=True)
class AdFacts:
    """What the linking engine reads of one ad (after pseudonymisation and indicators)."""

    doc_id: str
    source: str
    city: str | None
    seen: datetime
    contacts: tuple[str, ...] = ()
    name_hashes: tuple[str, ...] = ()
    ages: tuple[int, ...] = ()
    hit: bool = False
    text: str = ""
    #: The ad offers sexual, escort or erotic-massage services (the ad-context stage):
    #: only then can a derived indicator make it a hit.
    service: bool = False
    score: float = 0.0


@dataclass(slots=True)
class Linked:
    """The outcome for one ad: its ``links`` object, derived indicators, earlier hits'
    updates and whether the ad became a hit through them."""

    links: dict[str, Any] | None = None
    derived: list[dict[str, Any]] = field(default_factory=list)
    weight: float = 0.0
    promoted: bool = False
    observed: bool = False
    updates: list[LinkUpdate] = field(default_factory=list)


def observed_day(posted: Any, fetched: datetime) -> datetime:
    """When the ad was in its city: its posted date when it is a valid date not after the
    fetch, else the fetch time."""
    if isinstance(posted, str) and len(posted) >= 10:
        try:
            day = date.fromisoformat(posted[:10])
        except ValueError:
            return utc(fetched)
        when = utc(datetime(day.year, day.month, day.day))
        if when <= utc(fetched):
            return when
    return utc(fetched)


def normalise_city(city: Any) -> str | None:
    """Cities compare by their folded, single-spaced form, shown in title case."""
    if not isinstance(city, str):
        return None
    # One spelling per city: compatibility forms folded, control, format (zero-width,
    # bidi) and unassigned characters dropped, so none reaches a hit or a terminal.
    city = unicodedata.normalize("NFKC", city[:80])
    city = "".join(ch for ch in city if unicodedata.category(ch)[0] != "C" or ch.isspace())
    words = re.sub(r"[\s\-_,./]+", " ", city).strip()
    if not words or "[" in words:  # a contact token is no city
        return None
    return " ".join(part[:1].upper() + part[1:].lower() for part in words.split(" "))


# ---------------------------------------------------------------------------- the engine


def carousel_window(
    spans: Sequence[CitySpan], window_days: int
) -> tuple[tuple[CitySpan, ...], int]:
    """The most cities active within any ``window_days``-day window, with the days from the
    window's start to the last arrival among them (earliest such window on ties)."""
    best: tuple[CitySpan, ...] = ()
    best_days = 0
    width = timedelta(days=window_days)
    if len(spans) > MAX_WINDOW_CITIES:  # quadratic below: the most recent cities only
        spans = sorted(spans, key=lambda s: (s.last, s.city))[-MAX_WINDOW_CITIES:]
    for start in sorted({span.first for span in spans}):
        inside = tuple(s for s in spans if s.first <= start + width and s.last >= start)
        if len(inside) > len(best):
            best = inside
            best_days = max((max(s.first, start) - start).days for s in inside)
    return best, best_days


def _days(first: datetime, last: datetime) -> int:
    return max(0, math.ceil((last - first).total_seconds() / 86400))


def links_of(summary: KeySummary) -> dict[str, Any]:
    """The ``links.contact_cluster`` fields a hit of contact key ``summary`` carries."""
    return {
        "contact_cluster": summary.key,
        "cities": [span.city for span in summary.cities],
        "n_cities": summary.n_cities,
        "window_days": _days(summary.first_seen, summary.last_seen),
    }


class LinkEngine:
    """Records ads in a link store and derives the linking indicators (module docstring)."""

    def __init__(
        self,
        store: LinkStore,
        config: LinkConfig | None = None,
        *,
        keep_non_hits: bool = False,
        threshold: float = 0.5,
        promote: bool = True,
        quote_text: bool = True,
    ) -> None:
        self.store = store
        # Template facts quote shared phrases only when the data policy stores ad text.
        self.quote_text = quote_text
        self.config = config or LinkConfig()
        self.keep_non_hits = keep_non_hits
        # A hit made by its links must be able to show them: off when ``links`` is not stored.
        self.promote = promote
        self.threshold = threshold
        self.signer = Signer(self.config.template_similarity, self.config.template_num_perm)

    def link(self, ad: AdFacts) -> Linked:
        """Record ``ad`` and link it. A non-hit is neither read nor recorded unless the data
        policy keeps non-hit observations; it becomes a hit when its derived indicators
        reach the hit threshold in an ad that offers the services (the ad-context stage)."""
        result = Linked()
        if not ad.hit and not self.keep_non_hits:
            return result
        config = self.config
        shape = text_shape(ad.text, config.shingle_words)
        signature = self.signer.signature(shape.sketch)
        match = self._template_match(ad, shape, signature)
        contacts = tuple(sorted(set(ad.contacts)))[:MAX_CONTACTS_PER_AD]
        before = {key: self.store.get(key) for key in contacts}
        template_key = match[0] if match else None
        obs = Observation(
            doc_id=ad.doc_id,
            source=ad.source,
            city=ad.city,
            seen=ad.seen,
            contacts=contacts,
            name_hashes=tuple(sorted(set(ad.name_hashes))),
            ages=tuple(sorted(set(ad.ages))),
            hit=ad.hit,
            signature=signature,
            shingles=shape.sketch,
            template=template_key if ad.hit else None,
        )
        summaries = {s.key: s for s in self.store.add(obs)}
        result.observed = True
        contact_summaries = [summaries[key] for key in contacts if key in summaries]
        result.derived = self._derive(ad, contact_summaries, shape, match)
        result.weight = sum(item["weight"] for item in result.derived)
        promotable = self.promote and not ad.hit and ad.service
        if promotable and ad.score + result.weight >= self.threshold:
            result.promoted = True
            obs = replace(obs, hit=True, template=template_key)
            summaries.update({s.key: s for s in self.store.add(obs)})
            contact_summaries = [summaries[key] for key in contacts if key in summaries]
        if not (ad.hit or result.promoted):
            return result
        # The cluster the store keeps for the ad (an ad seen again stays in its first one).
        template_key = next(
            (s.key for s in summaries.values() if s.kind == "template"), template_key
        )
        updates: dict[str, dict[str, Any]] = {}
        if match is not None:
            key, other, _similarity = match
            if other.template is None:
                self.store.join_template(key, [other.doc_id])
                updates[other.doc_id] = {"template_cluster": key}
        for summary in contact_summaries:
            previous = before.get(summary.key)
            grew = previous is None or previous.n_cities < summary.n_cities
            if not 2 <= summary.n_cities <= MAX_UPDATE_CITIES or not grew:
                continue
            for doc_id in summary.hit_doc_ids:
                if doc_id != ad.doc_id:
                    updates.setdefault(doc_id, {}).update(links_of(summary))
        result.updates = [(doc_id, {"links": fields}) for doc_id, fields in updates.items()]
        result.links = self._links(contact_summaries, template_key, result.derived)
        return result

    # -- templates ------------------------------------------------------------

    def _template_match(
        self, ad: AdFacts, shape: TextShape, signature: tuple[str, ...]
    ) -> tuple[str, TextPrint, float] | None:
        """The most similar stored hit at or above the similarity threshold: its template
        cluster key (a new one named after the two ads when it has none), its print, the
        similarity."""
        candidates = self.store.template_candidates(signature) - {ad.doc_id}
        if not candidates:
            return None
        best: tuple[float, str, TextPrint] | None = None
        for doc_id, other in sorted(self.store.text_prints(candidates).items()):
            similarity = jaccard(shape.sketch, other.shingles)
            if similarity >= self.config.template_similarity and (
                best is None or similarity > best[0]
            ):
                best = (similarity, doc_id, other)
        if best is None:
            return None
        similarity, doc_id, other = best
        # A new cluster is named after the first of its two ads by doc id, not after the
        # one stored first: crawls fetch in no fixed order, a resumed one in another.
        first = min(doc_id, ad.doc_id)
        key = other.template or "tpl-" + hashlib.blake2b(first.encode(), digest_size=8).hexdigest()
        return key, other, similarity

    # -- derived indicators -------------------------------------------------

    def _derive(
        self,
        ad: AdFacts,
        contacts: Sequence[KeySummary],
        shape: TextShape,
        match: tuple[str, TextPrint, float] | None,
    ) -> list[dict[str, Any]]:
        config = self.config
        derived: list[dict[str, Any]] = []
        carousels = []
        for summary in contacts:
            cities, days = carousel_window(summary.cities, config.carousel_window_days)
            if len(cities) >= config.carousel_min_cities:
                carousels.append((len(cities), summary.key, cities, days))
        if carousels:
            n, key, cities, days = max(carousels, key=lambda c: (c[0], c[1]))
            derived.append(
                self._indicator(
                    "carousel",
                    {
                        "pseudonym": key,
                        "cities": [span.to_dict() for span in cities],
                        "n_cities": n,
                        "window_days": days,
                        "min_cities": config.carousel_min_cities,
                        "max_days": config.carousel_window_days,
                    },
                )
            )
        facts = self._shared_contact(ad, contacts)
        if facts is not None:
            derived.append(self._indicator("shared_contact", facts))
        if match is not None:
            key, other, similarity = match
            different = not set(other.contacts) & set(ad.contacts) or other.source != ad.source
            if different:
                derived.append(
                    self._indicator(
                        "template_cluster",
                        {
                            "cluster": key,
                            "similarity": round(similarity, 3),
                            "min_similarity": config.template_similarity,
                            "matched_doc_id": other.doc_id,
                            "sources": sorted({ad.source, other.source}),
                            "other_contacts": len(set(other.contacts) - set(ad.contacts)),
                            **explain_template(
                                shape, other.shingles, config.shingle_words, quote=self.quote_text
                            ),
                        },
                    )
                )
        return derived

    def _shared_contact(self, ad: AdFacts, contacts: Sequence[KeySummary]) -> dict[str, Any] | None:
        config = self.config
        for summary in sorted(contacts, key=lambda s: (-max(s.n_names, s.n_ages), s.key)):
            if (
                summary.n_names >= config.shared_min_names
                or summary.n_ages >= config.shared_min_ages
            ):
                return {
                    "pseudonym": summary.key,
                    "reason": "names_or_ages",
                    "n_names": summary.n_names,
                    "ages": list(summary.ages),
                    "n_ads": len(summary.doc_ids),
                    "min_names": config.shared_min_names,
                    "min_ages": config.shared_min_ages,
                }
        # One ad listing the contacts of several advertisers: contacts that each appear
        # in other ads that carry none of this ad's other contacts.
        own: list[tuple[str, int]] = []
        docs = {s.key: set(s.doc_ids) - {ad.doc_id} for s in contacts}
        for key, others in docs.items():
            elsewhere = others - set().union(*(d for k, d in docs.items() if k != key))
            if elsewhere:
                own.append((key, len(elsewhere)))
        if len(own) >= 2:
            return {
                "reason": "several_advertisers",
                "pseudonyms": [key for key, _ in own],
                "ads_of_each": [count for _, count in own],
            }
        return None

    def _indicator(self, name: str, facts: dict[str, Any]) -> dict[str, Any]:
        return {
            "indicator": name,
            "rule": f"links.{name}",
            "weight": float(self.config.weights.get(name, 0.0)),
            "facts": facts,
        }

    @staticmethod
    def _links(
        contacts: Sequence[KeySummary], template: str | None, derived: list[dict[str, Any]]
    ) -> dict[str, Any] | None:
        links: dict[str, Any] = {}
        linked = [s for s in contacts if len(s.doc_ids) > 1]
        if linked:
            best = max(linked, key=lambda s: (s.n_cities, len(s.doc_ids), s.key))
            links.update(links_of(best))
        if template is not None:
            links["template_cluster"] = template
        if derived:
            links["indicators"] = derived
        return links or None


__all__ = [
    "AdFacts",
    "LinkConfig",
    "LinkConfigError",
    "LinkEngine",
    "Linked",
    "carousel_window",
    "explain_template",
    "iso",
    "load_link_config",
    "normalise_city",
    "observed_day",
    "text_shape",
]
