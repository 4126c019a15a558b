"""Deterministic generator of the demo site's synthetic classified ads.

Everything is drawn from one ``random.Random(seed)``, so the same ``(ads, seed)``
always gives the same :class:`~crawler.demosite.truth.GroundTruth`. The wording
comes from the phrase pools in ``phrases.yaml``; an ad's labels are exactly the
indicator categories whose *positive* phrases went into its title or text
(negated or benign phrasings of other categories are mixed in as hard negatives).
"""

from __future__ import annotations

import dataclasses
import functools
import math
import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import phonenumbers
import yaml

from crawler.demosite.truth import (
    GroundTruth,
    Section,
    TruthAd,
    TruthCarousel,
    TruthStop,
    TruthTemplate,
)
from pipelines.engine.categories import CATEGORIES

PHRASES_PATH = Path(__file__).with_name("phrases.yaml")

LANGUAGES: tuple[str, ...] = ("nl", "en", "de", "ro", "bg", "hu", "pl", "es")
#: Ads are posted within the POSTED_WINDOW_DAYS days before this date (no clock).
REFERENCE_DATE = date(2026, 11, 28)
POSTED_WINDOW_DAYS = 30
UNLABELLED_SHARE = 0.35
JS_SHARE = 0.15
#: Share of non-Dutch ads posted in a Dutch city (the rest in their home country).
POSTED_IN_NL_SHARE = 0.7
PAGE_SIZE = 10
MIN_ADS = 4
#: Ads longer than this are trimmed (optional sentences dropped).
MAX_TEXT_CHARS = 500
#: Languages the windows-1250 page can be written in (its diacritics fit the code page).
CP1250_LANGUAGES = ("pl", "hu")
#: Unlabelled ads cycle through these kinds: 40% hard negatives, 40% classifieds, 20% massage.
UNLABELLED_KINDS = ("hard_negative", "classified", "hard_negative", "classified", "massage")
EMAIL_DOMAINS = ("example.com", "example.net", "example.org")
#: Re-posted texts: one template cluster per this many ads (at least one, at most
#: MAX_TEMPLATES), each the original ad plus REPOSTS_PER_TEMPLATE re-posts.
ADS_PER_TEMPLATE = 30
MAX_TEMPLATES = 4
REPOSTS_PER_TEMPLATE = (1, 2, 2)
#: Local advertisers re-posting in their own city under one number (single-city
#: contacts with several ads): one pair per this many ads, at most MAX_REPEATS.
ADS_PER_REPEAT = 40
MAX_REPEATS = 3


@dataclass(frozen=True)
class PhoneFormat:
    """How to invent a mobile number of one country and print it.

    ``patterns`` print the national significant number: each ``#`` takes its
    next digit. The first pattern is the most common way of writing it.
    """

    region: str
    prefixes: tuple[str, ...]
    length: int
    patterns: tuple[str, ...]


PHONE_FORMATS: dict[str, PhoneFormat] = {
    "NL": PhoneFormat("NL", ("6",), 9, ("0#-#### ####", "+31 # #### ####", "0#########")),
    "GB": PhoneFormat(
        "GB", ("74", "75", "77", "78", "79"), 10, ("+44 #### ######", "0#### ######")
    ),
    "DE": PhoneFormat(
        "DE", ("151", "152", "157", "159"), 11, ("+49 #### #######", "0#### #######")
    ),
    "RO": PhoneFormat("RO", ("72", "73", "74", "75", "76"), 9, ("+40 ### ### ###", "0### ### ###")),
    "BG": PhoneFormat("BG", ("87", "88", "89"), 9, ("+359 ## ### ####", "0## ### ####")),
    "HU": PhoneFormat("HU", ("20", "30", "70"), 9, ("+36 ## ### ####", "06 ## ### ####")),
    "PL": PhoneFormat("PL", ("50", "51", "53"), 9, ("+48 ### ### ###", "### ### ###")),
    "ES": PhoneFormat("ES", ("6",), 9, ("+34 ### ### ###", "### ## ## ##")),
}


@functools.cache
def load_phrases(path: Path = PHRASES_PATH) -> dict[str, Any]:
    """The phrase pools (parsed ``phrases.yaml``)."""
    with path.open(encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.safe_load(fh)
    return data


def format_phone(nsn: str, pattern: str) -> str:
    digits = iter(nsn)
    return "".join(next(digits) if ch == "#" else ch for ch in pattern)


def ascii_fold(text: str) -> str:
    """``"Zsófi"`` -> ``"zsofi"`` (for invented e-mail addresses and handles)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


@dataclass
class _Phone:
    e164: str
    nsn: str
    fmt: PhoneFormat

    def printed(self, pattern: int = 0) -> str:
        return format_phone(self.nsn, self.fmt.patterns[pattern])


@dataclass
class _Plan:
    """What an ad will be, decided before its wording."""

    ad_id: str
    section: Section
    url: str
    lang: str
    labels: set[str] = field(default_factory=set)
    kind: str = "labelled"  # "labelled" | "hard_negative" | "classified" | "massage"
    carousel: int | None = None


@dataclass(frozen=True)
class _Draft:
    """How an escort-style ad was composed: enough to write it again with other slots.

    ``state`` is the random generator's state just before the wording was drawn; the
    composer's draws do not depend on slot values except through :func:`_slot_band`,
    so the same state with other slot values in the same band gives the same phrases
    in the same order.
    """

    state: Any
    ctx: dict[str, Any]
    labels: frozenset[str]
    hard_negative: bool
    emoji: bool
    ascii_name: str


def _age_band(age: int) -> int:
    """Ages the composer treats alike: 18-20 (youth), 21-24, 25+ ("28 years young")."""
    return 0 if age <= 20 else 1 if age < 25 else 2


class _Composer:
    """Writes one ad's title and text from the phrase pools."""

    def __init__(self, rng: random.Random, pools: dict[str, Any]) -> None:
        self.rng = rng
        self.pools = pools
        self.emoji: list[str] = pools["emoji"]
        self.nl_cities: list[str] = pools["nl_cities"]

    def lang(self, lang: str) -> dict[str, Any]:
        result: dict[str, Any] = self.pools["languages"][lang]
        return result

    def fill(self, template: str, ctx: dict[str, Any], *, emoji: bool = True) -> str:
        values = dict(ctx, emoji=self.rng.choice(self.emoji) if emoji else "")
        return template.format_map(values)

    def other_cities(self, city: str, lang: str) -> list[str]:
        pool = self.nl_cities if city in self.nl_cities else self.lang(lang)["cities"]
        others = [c for c in pool if c != city]
        return self.rng.sample(others, 2) if len(others) >= 2 else [city, city]

    def amount(self, low: int, high: int, step: int) -> int:
        return low + step * self.rng.randint(0, (high - low) // step)

    def price(self, lang: str, city: str) -> str:
        pools = self.lang(lang)
        currency = "EUR" if city in self.nl_cities else pools["currency"]
        if currency not in pools["prices"]:
            currency = "EUR"
        low, high, step = self.pools["currencies"][currency]
        template = self.rng.choice(pools["prices"][currency])
        return str(template.format(amount=self.amount(low, high, step)))

    def adult(
        self, lang: str, labels: set[str], ctx: dict[str, Any], *, hard_negative: bool, emoji: bool
    ) -> tuple[str, str]:
        pools = self.lang(lang)
        rng = self.rng
        title_cats = sorted(c for c in labels if c in pools["titles"])
        if title_cats and rng.random() < 0.5:
            title = self.fill(rng.choice(pools["titles"][rng.choice(title_cats)]), ctx, emoji=emoji)
        else:
            title = self.fill(rng.choice(pools["titles"]["generic"]), ctx, emoji=emoji)

        required = [self.fill(rng.choice(pools["intro"]), ctx, emoji=emoji)]
        bodies = rng.sample(pools["body"], rng.choice((1, 1, 2)))
        required.append(bodies[0])
        optional: list[str] = bodies[1:]

        middle = [
            self.fill(rng.choice(pools["categories"][cat]["positive"]), ctx, emoji=emoji)
            for cat in sorted(labels)
        ]
        negatives = self.negatives(lang, labels, ctx, count=self.negative_count(hard_negative))
        middle.append(self.fill(rng.choice(pools["service"]), ctx, emoji=emoji))
        # Negatives of a hard-negative ad are its point: never trim them.
        if hard_negative:
            middle.extend(negatives)
        else:
            optional.extend(negatives)
        rng.shuffle(middle)
        required.extend(middle)

        tail: list[str] = []
        if rng.random() < 0.5:
            tail.append(self.fill(rng.choice(pools["price_line"]), ctx, emoji=emoji))
        tail.extend(self.closing(lang, ctx, emoji=emoji))
        return title, self.assemble(required, optional, tail)

    def negative_count(self, hard_negative: bool) -> int:
        if hard_negative:
            return self.rng.choice((1, 2, 2, 3))
        return self.rng.choice((0, 0, 1, 1, 2))

    def negatives(
        self, lang: str, labels: set[str], ctx: dict[str, Any], *, count: int
    ) -> list[str]:
        pools = self.lang(lang)["categories"]
        candidates = [c for c in CATEGORIES if c not in labels]
        chosen: list[str] = []
        for cat in self.rng.sample(candidates, min(count, len(candidates))):
            phrases = [
                p
                for p in pools[cat]["negative"]
                # "28 years young" is a hard negative; "19 years young" is not.
                if not (cat == "youth" and "{age}" in p and ctx["age"] < 25)
            ]
            if phrases:
                chosen.append(self.fill(self.rng.choice(phrases), ctx))
        return chosen

    def closing(self, lang: str, ctx: dict[str, Any], *, emoji: bool = True) -> list[str]:
        """Dutch snippet (foreign ads in NL), contact line, maybe the e-mail."""
        pools = self.lang(lang)
        out = []
        if lang != "nl" and ctx["city"] in self.nl_cities and self.rng.random() < 0.35:
            out.append(self.rng.choice(self.pools["dutch_mix"]))
        if ctx["phone_text"]:
            out.append(self.fill(self.rng.choice(pools["contact_phone"]), ctx, emoji=emoji))
        else:
            out.append(self.rng.choice(pools["contact"]))
        if ctx["email"] and ctx["email_in_text"]:
            out.append(self.fill(self.rng.choice(pools["contact_email"]), ctx, emoji=emoji))
        return out

    def classified(self, lang: str, ctx: dict[str, Any]) -> tuple[str, str, str]:
        template = self.rng.choice(self.lang(lang)["classifieds"])
        low, high = template["amount"]
        price = template["price"].format(amount=self.amount(low, high, 5))
        title = self.fill(template["title"], ctx)
        text = self.assemble([self.fill(template["text"], ctx)], [], self.closing(lang, ctx))
        return title, text, price

    def massage(self, lang: str, ctx: dict[str, Any]) -> tuple[str, str, str]:
        pools = self.lang(lang)["massage"]
        low, high = pools["amount"]
        price = pools["price"].format(amount=self.amount(low, high, 5))
        title = self.fill(self.rng.choice(pools["titles"]), ctx)
        text = self.assemble([self.rng.choice(pools["texts"])], [], self.closing(lang, ctx))
        return title, text, price

    @staticmethod
    def assemble(required: list[str], optional: list[str], tail: list[str]) -> str:
        optional = list(optional)
        while True:
            text = squash(" ".join([*required, *optional, *tail]))
            if len(text) <= MAX_TEXT_CHARS or not optional:
                return text
            optional.pop()


def squash(text: str) -> str:
    return " ".join(text.split())


class _Generator:
    def __init__(self, ads: int, seed: int) -> None:
        if ads < MIN_ADS:
            raise ValueError(f"the demo site needs at least {MIN_ADS} ads, got {ads}")
        self.count = ads
        self.seed = seed
        self.rng = random.Random(seed)
        self.pools = load_phrases()
        self.composer = _Composer(self.rng, self.pools)
        self.used_phones: set[str] = set()
        self.drafts: dict[str, _Draft] = {}
        self.plans: dict[str, _Plan] = {}

    # -- planning -----------------------------------------------------------

    def plan(self) -> tuple[list[_Plan], str, str]:
        rng = self.rng
        ids = [f"ad-{i:05d}" for i in range(1, self.count + 1)]
        shuffled = ids[:]
        rng.shuffle(shuffled)
        malformed_id, cp1250_id = shuffled[0], shuffled[1]
        n_js = max(1, round(self.count * JS_SHARE))
        js_ids = set(shuffled[2 : 2 + n_js])

        langs = [LANGUAGES[i % len(LANGUAGES)] for i in range(self.count)]
        rng.shuffle(langs)
        plans = {}
        for ad_id, lang in zip(ids, langs, strict=True):
            section: Section = "static"
            url = f"/ad/{ad_id}"
            if ad_id == malformed_id:
                section, url = "bad", "/bad/malformed"
            elif ad_id == cp1250_id:
                section, url = "bad", "/bad/cp1250"
            elif ad_id in js_ids:
                section, url = "js", f"/js/ad/{ad_id}"
            plans[ad_id] = _Plan(ad_id, section, url, lang)
        self.give_cp1250_language(plans, cp1250_id)

        # Labels: an exact unlabelled share; the broken pages always carry labels
        # so that a crawl that copes with them produces hits from them.
        candidates = [i for i in ids if plans[i].section != "bad"]
        rng.shuffle(candidates)
        n_unlabelled = min(len(candidates), round(self.count * UNLABELLED_SHARE))
        for k, ad_id in enumerate(candidates[:n_unlabelled]):
            plans[ad_id].kind = UNLABELLED_KINDS[k % len(UNLABELLED_KINDS)]
        labelled = [malformed_id, cp1250_id, *candidates[n_unlabelled:]]
        categories = list(CATEGORIES)
        rng.shuffle(categories)
        for k, ad_id in enumerate(labelled):
            primary = categories[k % len(categories)]
            r = rng.random()
            extra = 0 if r < 0.5 else 1 if r < 0.85 else 2
            others = [c for c in CATEGORIES if c != primary]
            plans[ad_id].labels = {primary, *rng.sample(others, extra)}

        self.plan_carousels(plans)
        return [plans[i] for i in ids], malformed_id, cp1250_id

    def give_cp1250_language(self, plans: dict[str, _Plan], cp1250_id: str) -> None:
        plan = plans[cp1250_id]
        if plan.lang in CP1250_LANGUAGES:
            return
        # Swap with another ad so the languages stay evenly spread.
        for other in plans.values():
            if other.lang in CP1250_LANGUAGES and other.ad_id != cp1250_id:
                other.lang, plan.lang = plan.lang, other.lang
                return
        plan.lang = CP1250_LANGUAGES[0]

    def plan_carousels(self, plans: dict[str, _Plan]) -> None:
        """Groups of 3-4 ads of one person sharing one phone across cities and days."""
        rng = self.rng
        by_lang: dict[str, list[str]] = {}
        for plan in plans.values():
            if plan.kind == "labelled" and plan.section != "bad":
                by_lang.setdefault(plan.lang, []).append(plan.ad_id)
        groups = max(1, min(6, self.count // 20))
        for group in range(groups):
            size = rng.choice((3, 3, 4))
            langs = sorted(lang for lang, members in by_lang.items() if len(members) >= size)
            if not langs:
                return
            lang = rng.choice(langs)
            members = rng.sample(by_lang[lang], size)
            by_lang[lang] = [m for m in by_lang[lang] if m not in members]
            youth = "youth" in plans[members[0]].labels
            for ad_id in members:
                plan = plans[ad_id]
                plan.carousel = group
                # One person, one age: youth is the same across the group.
                if youth:
                    plan.labels.add("youth")
                else:
                    plan.labels.discard("youth")
                if not plan.labels or rng.random() < 0.7:
                    plan.labels.add("movement")

    # -- wording ------------------------------------------------------------

    def new_phone(self, country: str) -> _Phone:
        fmt = PHONE_FORMATS[country]
        code = phonenumbers.country_code_for_region(country)
        while True:
            prefix = self.rng.choice(fmt.prefixes)
            rest = "".join(str(self.rng.randint(0, 9)) for _ in range(fmt.length - len(prefix)))
            nsn = prefix + rest
            e164 = f"+{code}{nsn}"
            if e164 in self.used_phones:
                continue
            number = phonenumbers.parse(e164)
            # Some +44 7 ranges belong to Jersey, Guernsey or the Isle of Man.
            valid = phonenumbers.is_valid_number(number)
            if valid and phonenumbers.region_code_for_number(number) == country:
                self.used_phones.add(e164)
                return _Phone(e164, nsn, fmt)

    def pick_city(self, lang: str, *, local_allowed: bool = True) -> str:
        local = self.pools["languages"][lang]["cities"]
        if local and local_allowed and self.rng.random() >= POSTED_IN_NL_SHARE:
            return str(self.rng.choice(local))
        return str(self.rng.choice(self.pools["nl_cities"]))

    def posted(self) -> str:
        days = self.rng.randint(1, POSTED_WINDOW_DAYS)
        return (REFERENCE_DATE - timedelta(days=days)).isoformat()

    def person(self, lang: str) -> tuple[str, str]:
        """A name as written and its ASCII form."""
        entry = self.rng.choice(self.pools["languages"][lang]["names"])
        if isinstance(entry, list):
            return str(entry[0]), str(entry[1])
        return str(entry), ascii_fold(entry)

    def generate(self) -> GroundTruth:
        plans, _, cp1250_id = self.plan()
        self.plans = {plan.ad_id: plan for plan in plans}
        carousel_people: dict[int, dict[str, Any]] = {}
        ads: dict[str, TruthAd] = {}
        for plan in plans:
            if plan.carousel is not None and plan.carousel not in carousel_people:
                carousel_people[plan.carousel] = self.carousel_person(plan.lang)
            person = carousel_people.get(plan.carousel) if plan.carousel is not None else None
            if plan.ad_id == cp1250_id:
                ads[plan.ad_id] = self.cp1250_ad(plan)
            else:
                ads[plan.ad_id] = self.ad(plan, person)
        # Re-posts draw from their own generator: every other ad stays as it was.
        reposts = _Reposts(self, ads, random.Random(f"reposts:{self.seed}"))
        templates = reposts.templates()
        reposts.repeats()
        contacts: dict[str, set[str]] = {}
        for ad in ads.values():
            contacts.setdefault(ad.phone_e164, set()).add(ad.city)
        n_static = sum(ad.section == "static" for ad in ads.values())
        n_pages = max(1, math.ceil(n_static / PAGE_SIZE))
        return GroundTruth(
            seed=self.seed,
            ads=ads,
            contacts={phone: sorted(cities) for phone, cities in sorted(contacts.items())},
            listing_pages=[f"/ads?page={n}" for n in range(1, n_pages + 1)],
            tours=self.tours(plans, ads),
            templates=templates,
        )

    @staticmethod
    def tours(plans: list[_Plan], ads: dict[str, TruthAd]) -> list[TruthCarousel]:
        groups: dict[int, list[TruthAd]] = {}
        for plan in plans:
            if plan.carousel is not None:
                groups.setdefault(plan.carousel, []).append(ads[plan.ad_id])
        tours = [
            TruthCarousel(
                members[0].phone_e164,
                [
                    TruthStop(ad.ad_id, ad.city, ad.posted)
                    for ad in sorted(members, key=lambda ad: (ad.posted, ad.city))
                ],
            )
            for members in groups.values()
        ]
        return sorted(tours, key=lambda tour: tour.phone_e164)

    def carousel_person(self, lang: str) -> dict[str, Any]:
        name, ascii_name = self.person(lang)
        local = self.pools["languages"][lang]["cities"]
        cities = self.pools["nl_cities"] + local
        return {
            "name": name,
            "ascii": ascii_name,
            "phone": self.new_phone(self.pools["languages"][lang]["country"]),
            "cities": self.rng.sample(cities, 4),
            "days": self.rng.sample(range(1, POSTED_WINDOW_DAYS + 1), 4),
            "next": 0,
        }

    def cp1250_ad(self, plan: _Plan) -> TruthAd:
        # Emoji do not exist in windows-1250; the page must still show diacritics.
        for _ in range(50):
            ad = self.ad(plan, None, emoji=False)
            try:
                ad.title.encode("cp1250")
                ad.text.encode("cp1250")
                ad.name.encode("cp1250")
                ad.city.encode("cp1250")
                ad.price_text.encode("cp1250")
            except UnicodeEncodeError:
                continue
            if not ad.text.isascii():
                return ad
        raise RuntimeError("could not write a windows-1250 ad from the phrase pools")

    def ad(self, plan: _Plan, person: dict[str, Any] | None, *, emoji: bool = True) -> TruthAd:
        rng = self.rng
        lang = plan.lang
        country = self.pools["languages"][lang]["country"]
        if person is not None:
            name, ascii_name = person["name"], person["ascii"]
            phone: _Phone = person["phone"]
            slot = person["next"]
            person["next"] += 1
            city = person["cities"][slot]
            posted = (REFERENCE_DATE - timedelta(days=person["days"][slot])).isoformat()
        else:
            name, ascii_name = self.person(lang)
            phone = self.new_phone(country)
            adult = plan.kind in ("labelled", "hard_negative")
            city = self.pick_city(lang, local_allowed=adult)
            posted = self.posted()
        age = rng.randint(18, 20) if "youth" in plan.labels else rng.randint(21, 45)

        printed = phone.printed(0 if rng.random() < 0.7 else rng.randrange(len(phone.fmt.patterns)))
        in_text = rng.random() < 0.3
        phone_text = phone.printed(rng.randrange(len(phone.fmt.patterns))) if in_text else ""
        email = None
        if rng.random() < 0.3:
            email = f"{ascii_name}{rng.randint(10, 99)}@{rng.choice(EMAIL_DOMAINS)}"
        handle = None
        r = rng.random()
        if plan.kind in ("labelled", "hard_negative") and r < 0.35:
            handle = (
                f"https://wa.me/{phone.e164[1:]}"
                if r < 0.2
                else f"https://t.me/{ascii_name}_{rng.randint(1000, 9999)}"
            )
        ctx: dict[str, Any] = {
            "name": name,
            "age": age,
            "city": city,
            "phone_text": phone_text,
            "email": email,
            "email_in_text": email is not None and rng.random() < 0.4,
        }
        ctx["city2"], ctx["city3"] = self.composer.other_cities(city, lang)

        if plan.kind == "classified":
            title, text, price = self.composer.classified(lang, ctx)
        elif plan.kind == "massage":
            title, text, price = self.composer.massage(lang, ctx)
        else:
            ctx["price"] = self.composer.price(lang, city)
            self.drafts[plan.ad_id] = _Draft(
                rng.getstate(),
                dict(ctx),
                frozenset(plan.labels),
                plan.kind == "hard_negative",
                emoji,
                ascii_name,
            )
            title, text = self.composer.adult(
                lang, plan.labels, ctx, hard_negative=plan.kind == "hard_negative", emoji=emoji
            )
            price = ctx["price"]
        title = squash(title)

        contact_strings = {printed, phone.e164}
        if phone_text:
            contact_strings.add(phone_text)
        if email:
            contact_strings.add(email)
        if handle:
            contact_strings.add(handle)
        return TruthAd(
            ad_id=plan.ad_id,
            section=plan.section,
            url=plan.url,
            lang=lang,
            title=title,
            text=text,
            city=city,
            posted=posted,
            price_text=price,
            age=age,
            name=name,
            phone=printed,
            phone_e164=phone.e164,
            email=email,
            handle_url=handle,
            image_path=f"/img/{plan.ad_id}.png",
            labels=sorted(plan.labels),
            contact_strings=sorted(contact_strings),
        )


class _Reposts:
    """Re-posted texts and local re-posters, written over already generated ads.

    A *template cluster* is an ad whose wording is re-posted by other ads of the same
    language under their own numbers: each re-post is composed from the original's
    draft with its own name, city, price, age and contact details. A *repeat* is a
    second ad of one advertiser (same number, name and city) on another day: a
    single-city contact with several ads, the counterpart of a carousel.
    """

    def __init__(self, gen: _Generator, ads: dict[str, TruthAd], rng: random.Random) -> None:
        self.gen = gen
        self.ads = ads
        self.rng = rng
        self.helper = _Composer(rng, gen.pools)
        self.free = sorted(
            ad_id
            for ad_id, plan in gen.plans.items()
            if plan.kind == "labelled"
            and plan.section != "bad"
            and plan.carousel is None
            and ad_id in gen.drafts
        )

    def compose(self, draft: _Draft, lang: str, ctx: dict[str, Any]) -> tuple[str, str]:
        rng = random.Random()
        rng.setstate(draft.state)
        title, text = _Composer(rng, self.gen.pools).adult(
            lang, set(draft.labels), ctx, hard_negative=draft.hard_negative, emoji=draft.emoji
        )
        return squash(title), text

    def take(self, ad_id: str) -> TruthAd:
        self.free.remove(ad_id)
        return self.ads[ad_id]

    def is_nl(self, city: str) -> bool:
        return city in self.gen.pools["nl_cities"]

    def same_closing(self, lang: str, city: str, other: str) -> bool:
        """Whether two cities give the same draws in :meth:`_Composer.closing`."""
        return lang == "nl" or self.is_nl(city) == self.is_nl(other)

    def phone_text(self, e164: str, lang: str) -> str:
        fmt = PHONE_FORMATS[self.gen.pools["languages"][lang]["country"]]
        nsn = phonenumbers.national_significant_number(phonenumbers.parse(e164))
        return _Phone(e164, nsn, fmt).printed(self.rng.randrange(len(fmt.patterns)))

    def new_email(self, ascii_name: str) -> str:
        return f"{ascii_name}{self.rng.randint(10, 99)}@{self.rng.choice(EMAIL_DOMAINS)}"

    def age_in_band(self, age: int) -> int:
        low, high = ((18, 20), (21, 24), (25, 45))[_age_band(age)]
        return self.rng.randint(low, high)

    def rewrite(self, ad: TruthAd, ctx: dict[str, Any], draft: _Draft, **fields: Any) -> None:
        title, text = self.compose(draft, ad.lang, ctx)
        values = dict(
            title=title, text=text, name=ctx["name"], age=ctx["age"], city=ctx["city"], **fields
        )
        new = dataclasses.replace(ad, **values)
        strings = {new.phone, new.phone_e164, ctx["phone_text"], new.email, new.handle_url}
        self.ads[ad.ad_id] = dataclasses.replace(
            new, contact_strings=sorted(v for v in strings if v)
        )

    def templates(self) -> list[TruthTemplate]:
        count = max(1, min(MAX_TEMPLATES, self.gen.count // ADS_PER_TEMPLATE))
        clusters = []
        for number in range(1, count + 1):
            size = self.rng.choice(REPOSTS_PER_TEMPLATE)
            by_lang: dict[str, list[str]] = {}
            for ad_id in self.free:
                by_lang.setdefault(self.ads[ad_id].lang, []).append(ad_id)
            langs = sorted(lang for lang, ids in by_lang.items() if len(ids) > size)
            if not langs:
                break
            lang = self.rng.choice(langs)
            # The longest of a few candidates: a re-post worth finding has some text.
            options = self.rng.sample(by_lang[lang], min(4, len(by_lang[lang]) - size))
            source_id = max(options, key=lambda ad_id: (len(self.ads[ad_id].text), ad_id))
            source = self.take(source_id)
            targets = self.rng.sample([i for i in by_lang[lang] if i != source_id], size)
            for target_id in targets:
                self.repost(source, self.take(target_id))
            members = [source, *(self.ads[i] for i in targets)]
            slots = sorted(
                slot
                for slot in ("age", "city", "name", "price_text")
                if len({getattr(ad, slot) for ad in members}) > 1
            )
            clusters.append(
                TruthTemplate(
                    f"template-{number}",
                    [source_id, *targets],
                    [slot.removesuffix("_text") for slot in slots],
                )
            )
        return clusters

    def repost(self, source: TruthAd, ad: TruthAd) -> None:
        draft = self.gen.drafts[source.ad_id]
        own = self.gen.drafts[ad.ad_id]
        city, price = ad.city, ad.price_text
        if not self.same_closing(ad.lang, city, source.city):
            pool = (
                self.gen.pools["nl_cities"]
                if self.is_nl(source.city)
                else self.gen.pools["languages"][ad.lang]["cities"]
            )
            city = self.rng.choice([c for c in pool if c != source.city])
            price = self.helper.price(ad.lang, city)
        age = ad.age if _age_band(ad.age) == _age_band(source.age) else self.age_in_band(source.age)
        email = ad.email
        if draft.ctx["email"] and draft.ctx["email_in_text"] and email is None:
            email = self.new_email(own.ascii_name)
        phone_text = self.phone_text(ad.phone_e164, ad.lang) if draft.ctx["phone_text"] else ""
        ctx = dict(
            draft.ctx,
            name=ad.name,
            age=age,
            city=city,
            price=price,
            phone_text=phone_text,
            email=email,
        )
        ctx["city2"], ctx["city3"] = self.helper.other_cities(city, ad.lang)
        self.rewrite(ad, ctx, draft, price_text=price, email=email, labels=sorted(draft.labels))

    def repeats(self) -> None:
        count = max(1, min(MAX_REPEATS, self.gen.count // ADS_PER_REPEAT))
        for _ in range(count):
            pairs = [
                (first, second)
                for first in self.free
                for second in self.free
                if first < second and self.can_repeat(self.ads[first], self.ads[second])
            ]
            if not pairs:
                return
            first, second = self.rng.choice(pairs)
            self.repeat(self.take(first), self.take(second))

    def can_repeat(self, first: TruthAd, second: TruthAd) -> bool:
        return (
            first.lang == second.lang
            and _age_band(first.age) == _age_band(second.age)
            and self.same_closing(first.lang, first.city, second.city)
            and first.posted != second.posted
        )

    def repeat(self, first: TruthAd, ad: TruthAd) -> None:
        """``ad`` becomes a second ad of ``first``'s advertiser, in its own words."""
        draft = self.gen.drafts[ad.ad_id]
        email = None
        if draft.ctx["email"]:
            email = first.email or self.new_email(self.gen.drafts[first.ad_id].ascii_name)
        phone_text = self.phone_text(first.phone_e164, ad.lang) if draft.ctx["phone_text"] else ""
        ctx = dict(
            draft.ctx,
            name=first.name,
            age=first.age,
            city=first.city,
            phone_text=phone_text,
            email=email,
        )
        ctx["city2"], ctx["city3"] = self.helper.other_cities(first.city, ad.lang)
        self.rewrite(
            ad,
            ctx,
            draft,
            phone=first.phone,
            phone_e164=first.phone_e164,
            email=email,
            handle_url=first.handle_url,
        )


def generate_ground_truth(ads: int = 120, seed: int = 7) -> GroundTruth:
    """The site's ads and special paths, deterministic in ``(ads, seed)``.

    ``ads`` counts every ad in the ground truth, including the two that live on
    broken pages (``/bad/malformed`` and ``/bad/cp1250``).
    """
    return _Generator(ads, seed).generate()


def generate_decoy(seed: int) -> TruthAd:
    """An ad-like record for the pages robots.txt forbids (never in the ground truth)."""
    generator = _Generator(MIN_ADS, seed)
    generator.rng.seed(f"decoy:{seed}")
    plan = _Plan("private-0001", "static", "/private/", "nl", {"movement", "third_party"})
    return generator.ad(plan, None)
