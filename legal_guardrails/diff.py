"""Compare two policy versions: what does the change widen, narrow or leave alone?

"Widens" means the new version lets the crawler do more (more hosts, longer validity,
higher rates, robots.txt off, longer retention...); reviewers should read those first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from legal_guardrails.model import WEEKDAYS, RetentionDays, Source
from legal_guardrails.permit import Window
from legal_guardrails.policy import Policy

Kind = Literal["widens", "narrows", "neutral"]


@dataclass(frozen=True, slots=True)
class Change:
    """One difference between two versions; ``field`` is a dotted path with ids."""

    kind: Kind
    field: str
    old: Any
    new: Any
    text: str


def _load(policy: Policy | Path | str) -> Policy:
    if isinstance(policy, Policy):
        return policy
    from legal_guardrails.loader import read_policy_unchecked

    return read_policy_unchecked(policy)


def _more(old: Any, new: Any, bigger_widens: bool = True) -> Kind:
    if old == new:
        return "neutral"
    return "widens" if (new > old) == bigger_widens else "narrows"


class _Differ:
    def __init__(self, old: Policy, new: Policy) -> None:
        self.old, self.new = old, new
        self.changes: list[Change] = []

    def add(self, kind: Kind, field: str, old: Any, new: Any, text: str) -> None:
        self.changes.append(Change(kind, field, old, new, text))

    def number(self, field: str, old: Any, new: Any, what: str, bigger_widens: bool = True) -> None:
        if old != new:
            kind = _more(old, new, bigger_widens)
            self.add(kind, field, old, new, f"{what}: {old} -> {new}")

    def flag(self, field: str, old: bool, new: bool, what: str, true_widens: bool) -> None:
        if old != new:
            kind: Kind = "widens" if new == true_widens else "narrows"
            self.add(
                kind,
                field,
                old,
                new,
                f"{what}: {'yes' if old else 'no'} -> {'yes' if new else 'no'}",
            )

    def members(
        self, field: str, old: list[str], new: list[str], what: str, added_widens: bool = True
    ) -> None:
        added = [x for x in new if x not in old]
        removed = [x for x in old if x not in new]
        if added:
            self.add(
                "widens" if added_widens else "narrows",
                field,
                old,
                new,
                f"{what} added: {', '.join(map(str, added))}",
            )
        if removed:
            self.add(
                "narrows" if added_widens else "widens",
                field,
                old,
                new,
                f"{what} removed: {', '.join(map(str, removed))}",
            )

    def text(self, field: str, old: Any, new: Any, what: str) -> None:
        if old != new:
            self.add("neutral", field, old, new, f"{what} changed")

    def run(self) -> list[Change]:
        self.bundle()
        self.bases()
        self.authorisations()
        self.sources()
        self.data()
        order = {"widens": 0, "narrows": 1, "neutral": 2}
        return sorted(self.changes, key=lambda c: order[c.kind])

    def bundle(self) -> None:
        old, new = self.old.bundle, self.new.bundle
        self.text(
            "bundle.version",
            old.version,
            new.version,
            f"version {old.version} -> {new.version}; version",
        )
        self.text("bundle.change_reason", old.change_reason, new.change_reason, "change reason")
        self.number("bundle.review_by", old.review_by, new.review_by, "review date")
        self.number(
            "bundle.effective_from",
            old.effective_from,
            new.effective_from,
            "effective from",
            bigger_widens=False,
        )
        self.text("bundle.timezone", old.timezone, new.timezone, "time zone of dates")
        self.text("bundle.approvals", old.approvals, new.approvals, "approvals")
        self.text("bundle.user_agent", old.user_agent, new.user_agent, "user agent")
        self.text("bundle.contact_url", old.contact_url, new.contact_url, "contact address")
        for name in (
            "requests_per_second_per_host",
            "concurrency",
            "pages_per_run",
            "max_depth",
            "longest_authorisation_days",
        ):
            self.number(
                f"bundle.ceilings.{name}",
                getattr(old.ceilings, name),
                getattr(new.ceilings, name),
                f"ceiling {name}",
            )
        self.retention(
            "bundle.ceilings.retention_days",
            old.ceilings.retention_days,
            new.ceilings.retention_days,
            "retention ceiling",
        )
        self.flag(
            "bundle.kill_switch.engaged",
            old.kill_switch.engaged,
            new.kill_switch.engaged,
            "kill switch engaged",
            true_widens=False,
        )
        if old.kill_switch.file != new.kill_switch.file:
            kind: Kind = "widens" if new.kill_switch.file is None else "neutral"
            self.add(
                kind,
                "bundle.kill_switch.file",
                old.kill_switch.file,
                new.kill_switch.file,
                "kill-switch file changed",
            )

    def retention(self, field: str, old: RetentionDays, new: RetentionDays, what: str) -> None:
        for name in RetentionDays.model_fields:
            self.number(
                f"{field}.{name}",
                getattr(old, name),
                getattr(new, name),
                f"{what} for {name} (days)",
            )

    def bases(self) -> None:
        old, new = self.old.legal_bases, self.new.legal_bases
        self.members("legal_bases", list(old), list(new), "legal basis")
        for basis_id in sorted(set(old) & set(new)):
            a, b = old[basis_id], new[basis_id]
            here = f"legal_bases.{basis_id}"
            if a.status != b.status:
                kind: Kind = "widens" if b.status == "in_force" else "narrows"
                self.add(
                    kind,
                    f"{here}.status",
                    a.status,
                    b.status,
                    f"legal basis {basis_id}: {a.status} -> {b.status}",
                )
            self.number(
                f"{here}.in_force_from",
                a.in_force_from,
                b.in_force_from,
                f"legal basis {basis_id} in force from",
                bigger_widens=False,
            )
            if a.in_force_until != b.in_force_until:
                kind = (
                    "widens"
                    if b.in_force_until is None
                    or (a.in_force_until is not None and b.in_force_until > a.in_force_until)
                    else "narrows"
                )
                self.add(
                    kind,
                    f"{here}.in_force_until",
                    a.in_force_until,
                    b.in_force_until,
                    f"legal basis {basis_id} in force until: {a.in_force_until} -> "
                    f"{b.in_force_until}",
                )
            self.members(
                f"{here}.who_may_authorise",
                a.who_may_authorise,
                b.who_may_authorise,
                f"legal basis {basis_id}: role that may authorise",
            )
            self.number(
                f"{here}.maximum_duration_days",
                a.maximum_duration_days,
                b.maximum_duration_days,
                f"legal basis {basis_id} maximum duration",
            )
            self.number(
                f"{here}.retention_ceiling_days",
                a.retention_ceiling_days,
                b.retention_ceiling_days,
                f"legal basis {basis_id} retention ceiling",
            )
            for name in ("instrument", "article"):
                self.text(
                    f"{here}.{name}",
                    getattr(a, name),
                    getattr(b, name),
                    f"legal basis {basis_id} {name}",
                )

    def authorisations(self) -> None:
        old, new = self.old.authorisations, self.new.authorisations
        added = [a for a in new if a not in old and new[a].status == "active"]
        removed = [a for a in old if a not in new and old[a].status == "active"]
        if added:
            self.add(
                "widens",
                "authorisations",
                sorted(old),
                sorted(new),
                f"active authorisation added: {', '.join(added)}",
            )
        if removed:
            self.add(
                "narrows",
                "authorisations",
                sorted(old),
                sorted(new),
                f"active authorisation removed: {', '.join(removed)}",
            )
        for auth_id in sorted(set(old) & set(new)):
            a, b = old[auth_id], new[auth_id]
            here = f"authorisations.{auth_id}"
            if a.status != b.status:
                kind: Kind = (
                    "widens"
                    if b.status == "active"
                    else ("narrows" if a.status == "active" else "neutral")
                )
                self.add(
                    kind,
                    f"{here}.status",
                    a.status,
                    b.status,
                    f"authorisation {auth_id}: {a.status} -> {b.status}",
                )
            old_start, old_end = self.old.authorisation_window(a)
            new_start, new_end = self.new.authorisation_window(b)
            self.moment(
                f"{here}.valid_from",
                (old_start, a.valid_from),
                (new_start, b.valid_from),
                f"authorisation {auth_id} starts",
                later_widens=False,
            )
            self.moment(
                f"{here}.valid_until",
                (old_end, a.valid_until),
                (new_end, b.valid_until),
                f"authorisation {auth_id} ends",
                later_widens=True,
            )
            self.members(
                f"{here}.sources", a.sources, b.sources, f"authorisation {auth_id}: source"
            )
            self.text(f"{here}.basis", a.basis, b.basis, f"authorisation {auth_id} legal basis")
            for name in (
                "purpose",
                "offence_scope",
                "issued_by",
                "role",
                "necessity_and_proportionality",
            ):
                self.text(
                    f"{here}.{name}",
                    getattr(a, name),
                    getattr(b, name),
                    f"authorisation {auth_id} {name}",
                )

    def moment(
        self,
        field: str,
        old: tuple[datetime, date | datetime],
        new: tuple[datetime, date | datetime],
        what: str,
        later_widens: bool,
    ) -> None:
        """Compare two instants; show each as it is written in the policy (a date stays
        a date: ``2027-10-31``, not the instant its day ends)."""
        (old_at, old_written), (new_at, new_written) = old, new
        if old_at != new_at:
            kind = _more(old_at, new_at, later_widens)
            shown_old, shown_new = old_written.isoformat(), new_written.isoformat()
            self.add(kind, field, shown_old, shown_new, f"{what}: {shown_old} -> {shown_new}")

    def sources(self) -> None:
        old, new = self.old.sources, self.new.sources
        self.members("sources", sorted(old), sorted(new), "source")
        for source_id in sorted(set(old) & set(new)):
            self.source(source_id, old[source_id], new[source_id])

    def source(self, source_id: str, a: Source, b: Source) -> None:
        here = f"sources.{source_id}"
        self.members(
            f"{here}.authorisations",
            a.authorisations,
            b.authorisations,
            f"source {source_id}: authorisation",
        )
        self.members(
            f"{here}.allowed_hosts",
            a.allowed_hosts,
            b.allowed_hosts,
            f"source {source_id}: allowed host",
        )
        self.members(
            f"{here}.deny_url_patterns",
            a.deny_url_patterns,
            b.deny_url_patterns,
            f"source {source_id}: deny pattern",
            added_widens=False,
        )
        field = f"{here}.allow_url_patterns"
        if a.allow_url_patterns and not b.allow_url_patterns:
            self.add(
                "widens",
                field,
                a.allow_url_patterns,
                b.allow_url_patterns,
                f"source {source_id}: allow patterns removed, so every path is allowed",
            )
        elif b.allow_url_patterns and not a.allow_url_patterns:
            self.add(
                "narrows",
                field,
                a.allow_url_patterns,
                b.allow_url_patterns,
                f"source {source_id}: only paths matching allow patterns from now on",
            )
        else:
            self.members(
                field,
                a.allow_url_patterns,
                b.allow_url_patterns,
                f"source {source_id}: allow pattern",
            )
        for name in ("max_depth", "pages_per_run", "requests_per_second", "concurrency"):
            self.number(
                f"{here}.{name}", getattr(a, name), getattr(b, name), f"source {source_id} {name}"
            )
        self.flag(
            f"{here}.obey_robots_txt",
            a.obey_robots_txt,
            b.obey_robots_txt,
            f"source {source_id} obeys robots.txt",
            true_widens=False,
        )
        self.flag(
            f"{here}.honour_crawl_delay",
            a.honour_crawl_delay,
            b.honour_crawl_delay,
            f"source {source_id} honours crawl delay",
            true_widens=False,
        )
        self.flag(
            f"{here}.javascript_rendering",
            a.javascript_rendering,
            b.javascript_rendering,
            f"source {source_id} runs JavaScript",
            true_widens=True,
        )
        if a.media != b.media:
            kind: Kind = "widens" if b.media == "hash" else "narrows"
            self.add(
                kind,
                f"{here}.media",
                a.media,
                b.media,
                f"source {source_id} media: {a.media} -> {b.media}",
            )
        self.members(
            f"{here}.stop_status_codes",
            [str(c) for c in a.stop_status_codes],
            [str(c) for c in b.stop_status_codes],
            f"source {source_id}: stop status code",
            added_widens=False,
        )
        if a.timezone != b.timezone:
            self.add(
                "widens",
                f"{here}.timezone",
                a.timezone,
                b.timezone,
                f"source {source_id}: crawl hours now read in {b.timezone} instead of "
                f"{a.timezone}; the windows move in time, review them",
            )
        old_slots, new_slots = _slots(a), _slots(b)
        if new_slots - old_slots:
            self.add(
                "widens",
                f"{here}.crawl_hours",
                len(old_slots),
                len(new_slots),
                f"source {source_id}: crawl hours extended",
            )
        if old_slots - new_slots:
            self.add(
                "narrows",
                f"{here}.crawl_hours",
                len(old_slots),
                len(new_slots),
                f"source {source_id}: crawl hours shortened",
            )

    def data(self) -> None:
        a, b = self.old.data_policy, self.new.data_policy
        self.members("data_policy.stored_fields", a.stored_fields, b.stored_fields, "stored field")
        for name in ("pseudonymised", "redacted", "dropped"):
            self.members(
                f"data_policy.{name}",
                getattr(a, name),
                getattr(b, name),
                f"{name} field",
                added_widens=False,
            )
        self.flag(
            "data_policy.derive_origin",
            a.derive_origin,
            b.derive_origin,
            "origin indicator derived",
            true_widens=True,
        )
        self.retention(
            "data_policy.retention_days", a.retention_days, b.retention_days, "retention"
        )
        self.flag(
            "data_policy.linking.keep_non_hit_observations",
            a.linking.keep_non_hit_observations,
            b.linking.keep_non_hit_observations,
            "link store notes ads without a signal",
            true_widens=True,
        )
        self.number(
            "data_policy.linking.non_hit_observation_days",
            a.linking.non_hit_observation_days,
            b.linking.non_hit_observation_days,
            "retention of link-store notes of ads without a signal (days)",
        )


def _slots(source: Source) -> set[tuple[int, int]]:
    """(weekday, minute) pairs a source may be crawled in, in its own time zone."""
    windows = [Window.from_model(w) for w in source.crawl_hours]
    return {
        (day, minute)
        for day in range(len(WEEKDAYS))
        for minute in range(0, 24 * 60)
        if any(w.contains(day, minute) for w in windows)
    }


def diff_policies(old: Policy | Path | str, new: Policy | Path | str) -> list[Change]:
    """Every difference from ``old`` to ``new``, widening changes first.

    Paths are read even when their check would fail (an old version is often expired).
    """
    return _Differ(_load(old), _load(new)).run()


__all__ = ["Change", "diff_policies"]
