"""Ground truth of the demo ad site: what a perfect crawl of it would find.

The generator builds one :class:`GroundTruth` per ``(ads, seed)``; the server
renders its pages from it and serves it as ``/_truth.json``. Tests and
benchmarks compare crawl output with it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

Section = Literal["static", "js", "bad"]


@dataclass(frozen=True)
class TruthAd:
    """One synthetic ad as the site shows it."""

    ad_id: str
    #: "static" (plain HTML detail page), "js" (rendered by JavaScript) or "bad"
    #: (one of the broken pages under ``/bad/`` that still carries an ad).
    section: Section
    #: Path of the detail page on the primary host, e.g. ``/ad/ad-00042``.
    url: str
    lang: str
    title: str
    text: str
    city: str
    #: ISO date, e.g. ``2026-11-20``.
    posted: str
    price_text: str
    age: int
    name: str
    #: The phone as printed in the contact block.
    phone: str
    phone_e164: str
    email: str | None
    #: ``https://wa.me/<digits>`` or ``https://t.me/<name>``.
    handle_url: str | None
    #: Path of the ad photo on the second host, e.g. ``/img/ad-00042.png``.
    image_path: str
    #: Sorted indicator category ids the text expresses; empty for none.
    labels: list[str]
    #: Every contact string that appears anywhere in the page (contact block,
    #: link targets, ad text), to search crawl output for leaked plaintext.
    contact_strings: list[str] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TruthAd:
        return cls(**data)


@dataclass(frozen=True)
class TruthStop:
    """One ad of a carousel: where and when the touring number was advertised."""

    ad_id: str
    city: str
    #: ISO date, e.g. ``2026-11-20``.
    posted: str

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TruthStop:
        return cls(**data)


@dataclass(frozen=True)
class TruthCarousel:
    """One person advertised under one phone in several cities on different days."""

    phone_e164: str
    #: Stops sorted by date (then city): every city with its date.
    stops: list[TruthStop]

    @property
    def cities(self) -> list[str]:
        return sorted({stop.city for stop in self.stops})

    @property
    def ad_ids(self) -> list[str]:
        return sorted(stop.ad_id for stop in self.stops)

    @property
    def window_days(self) -> int:
        """Days between the first and the last stop."""
        days = [date.fromisoformat(stop.posted) for stop in self.stops]
        return (max(days) - min(days)).days

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TruthCarousel:
        return cls(data["phone_e164"], [TruthStop.from_dict(stop) for stop in data["stops"]])


@dataclass(frozen=True)
class TruthTemplate:
    """One ad text re-posted under different numbers: a template cluster.

    Every ad of the cluster is written from the same phrases in the same order;
    only the slots differ (the advertised name, city, price and age, and the
    contact details).
    """

    template_id: str
    #: The ad whose wording the others re-post, first; then the re-posts.
    ad_ids: list[str]
    #: The slots whose values differ between the ads of the cluster, sorted
    #: (some of ``age``, ``city``, ``name``, ``price``).
    differing_slots: list[str]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TruthTemplate:
        return cls(**data)


@dataclass(frozen=True)
class GroundTruth:
    """Every ad of the site plus the paths of its special pages.

    Paths are relative to ``DemoSite.base_url`` (the primary host) unless the
    field says "second host".
    """

    seed: int
    ads: dict[str, TruthAd]
    #: Phone E.164 -> sorted cities it is advertised in. Phones with more than
    #: one city are carousels (one number touring several cities).
    contacts: dict[str, list[str]]
    #: ``/ads?page=1`` ... ``/ads?page=N``: the static listing pages in order.
    listing_pages: list[str]
    #: Every carousel with its cities and dates, sorted by phone.
    tours: list[TruthCarousel] = field(default_factory=list)
    #: Re-posted ad texts (template clusters), sorted by id.
    templates: list[TruthTemplate] = field(default_factory=list)
    js_listing_path: str = "/js/"
    home_path: str = "/"
    robots_path: str = "/robots.txt"
    truth_path: str = "/_truth.json"
    members_path: str = "/members/"
    members_inbox_path: str = "/members/inbox"
    login_path: str = "/login"
    calendar_path: str = "/calendar?date=2026-11-01"
    offsite_redirect_path: str = "/go/partner"
    #: On the second host.
    partner_path: str = "/partner/"
    #: On the second host.
    tracker_path: str = "/static/tracker.js"
    private_path: str = "/private/"
    search_path: str = "/search?q=x"
    bad_index_path: str = "/bad/"
    malformed_path: str = "/bad/malformed"
    huge_path: str = "/bad/huge"
    binary_path: str = "/bad/binary"
    cp1250_path: str = "/bad/cp1250"
    error_path: str = "/bad/error"
    slow_path: str = "/bad/slow"

    @property
    def carousels(self) -> dict[str, list[str]]:
        """Phones advertised in more than one city."""
        return {phone: cities for phone, cities in self.contacts.items() if len(cities) > 1}

    @property
    def single_city_contacts(self) -> list[str]:
        """Phones advertised in one city only (never a carousel), sorted."""
        return sorted(phone for phone, cities in self.contacts.items() if len(cities) == 1)

    @property
    def repeat_contacts(self) -> list[str]:
        """Single-city phones with several ads (a local advertiser re-posting), sorted."""
        counts: dict[str, int] = {}
        for ad in self.ads.values():
            counts[ad.phone_e164] = counts.get(ad.phone_e164, 0) + 1
        return [phone for phone in self.single_city_contacts if counts[phone] > 1]

    def in_section(self, section: Section) -> list[TruthAd]:
        return [ad for ad in self.ads.values() if ad.section == section]

    def all_contact_strings(self) -> set[str]:
        """Every plaintext contact string the site shows, over all ads."""
        return {value for ad in self.ads.values() for value in ad.contact_strings}

    def all_names(self) -> set[str]:
        """Every advertised name the site shows, as written."""
        return {ad.name for ad in self.ads.values()}

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict; :meth:`from_dict` reverses it."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GroundTruth:
        values = dict(data)
        values["ads"] = {key: TruthAd.from_dict(ad) for key, ad in data["ads"].items()}
        values["tours"] = [TruthCarousel.from_dict(tour) for tour in data.get("tours", [])]
        values["templates"] = [TruthTemplate.from_dict(t) for t in data.get("templates", [])]
        return cls(**values)
