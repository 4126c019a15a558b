"""A checked policy; it grants a :class:`SourcePermit` for one source at one moment."""

from __future__ import annotations

import functools
import logging
import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from legal_guardrails.errors import NotAuthorisedError
from legal_guardrails.model import (
    Authorisation,
    Bundle,
    DataPolicy,
    LegalBasis,
    Source,
)
from legal_guardrails.permit import Decision, SourcePermit, Window
from legal_guardrails.problems import Problem
from legal_guardrails.timeutil import aware_now, end_of, start_of

logger = logging.getLogger(__name__)

__all__ = ["Decision", "Policy", "SourcePermit", "Window"]


def switch_file_present(path: str | Path | None) -> bool:
    """A kill-switch file exists at ``path``, or cannot be checked (fail closed)."""
    if not path:
        return False
    try:
        os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError:
        logger.warning("cannot check kill-switch file %s; treating as engaged", path, exc_info=True)
        return True
    return True


def _read_live(path: Path) -> Any:
    """The data of one policy file as it is on disk now; None if it cannot be read.

    The file is read on every call; its text is parsed again only when it differs from
    a text parsed before (a running crawl checks every second, and parsing the YAML was
    a visible share of its time). Callers only read the data they get.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        logger.warning("cannot read %s", path, exc_info=True)
        return None
    return _parse_live(text)


@functools.lru_cache(maxsize=8)
def _parse_live(text: str) -> Any:
    from legal_guardrails.yamlfile import parse_yaml

    doc = parse_yaml(text)
    return None if doc.issues else doc.data


@dataclass(frozen=True, eq=False)
class Policy:
    """A policy folder that passed the check at ``checked_at``. Build with ``load_policy``."""

    path: Path
    content_hash: str
    bundle: Bundle
    legal_bases: dict[str, LegalBasis]
    authorisations: dict[str, Authorisation]
    sources: dict[str, Source]
    data_policy: DataPolicy
    checked_at: datetime
    warnings: tuple[Problem, ...] = ()

    @property
    def version(self) -> str:
        return self.bundle.version

    @property
    def tz(self) -> ZoneInfo:
        """Time zone in which the policy's plain dates are read."""
        return ZoneInfo(self.bundle.timezone)

    @property
    def kill_switch_path(self) -> Path | None:
        name = self.bundle.kill_switch.file
        if not name:
            return None
        candidate = Path(name)
        return candidate if candidate.is_absolute() else self.path / candidate

    def kill_switch_engaged(self) -> bool:
        """True when the flag is set or the kill-switch file exists (or cannot be checked)."""
        if self.bundle.kill_switch.engaged:
            return True
        return switch_file_present(self.kill_switch_path)

    def kill_switch_engaged_now(self) -> bool:
        """Like :meth:`kill_switch_engaged`, reading ``bundle.yaml`` as it is on disk now.

        A running crawl calls this: legal staff may set ``engaged: true`` or name
        another switch file while it runs. A bundle that cannot be read, or whose
        ``kill_switch`` is not plainly not engaged, counts as engaged (fail closed).
        """
        if self.kill_switch_engaged():
            return True
        bundle = _read_live(self.path / "bundle.yaml")
        switch = bundle.get("kill_switch") if isinstance(bundle, dict) else None
        if not isinstance(switch, dict) or switch.get("engaged") is not False:
            return True
        name = switch.get("file")
        if name is None:
            return False
        if not isinstance(name, str) or not name.strip():
            return True
        candidate = Path(name)
        return switch_file_present(candidate if candidate.is_absolute() else self.path / candidate)

    def withdrawn_authorisations(self, ids: tuple[str, ...] | list[str]) -> dict[str, str]:
        """``{id: status}`` of the authorisations among ``ids`` no longer active on disk.

        Reads ``authorisations.yaml`` as it is now; a file that cannot be read or an
        authorisation that is gone count as withdrawn (status ``unreadable``/``removed``).
        """
        data = _read_live(self.path / "authorisations.yaml")
        entries = data.get("authorisations") if isinstance(data, dict) else None
        if not isinstance(entries, list):
            return dict.fromkeys(ids, "unreadable")
        status = {
            str(entry.get("id")): str(entry.get("status"))
            for entry in entries
            if isinstance(entry, dict)
        }
        return {
            auth_id: status.get(auth_id, "removed")
            for auth_id in ids
            if status.get(auth_id) != "active"
        }

    def basis_window(self, basis: LegalBasis) -> tuple[datetime, datetime | None]:
        start = start_of(basis.in_force_from, self.tz)
        end = end_of(basis.in_force_until, self.tz) if basis.in_force_until else None
        return start, end

    def authorisation_window(self, auth: Authorisation) -> tuple[datetime, datetime]:
        return start_of(auth.valid_from, self.tz), end_of(auth.valid_until, self.tz)

    def policy_window(self) -> tuple[datetime, datetime]:
        return start_of(self.bundle.effective_from, self.tz), end_of(self.bundle.review_by, self.tz)

    def why_not(self, auth_id: str, source_id: str, now: datetime) -> str | None:
        """Why ``auth_id`` does not cover ``source_id`` at ``now``; None when it does."""
        auth = self.authorisations.get(auth_id)
        if auth is None:
            return f"authorisation {auth_id} does not exist"
        if auth.status != "active":
            return f"authorisation {auth_id} is {auth.status}"
        if source_id not in auth.sources:
            return f"authorisation {auth_id} does not cover this source"
        start, end = self.authorisation_window(auth)
        if now < start:
            return f"authorisation {auth_id} starts only on {start.isoformat()}"
        if now >= end:
            return f"authorisation {auth_id} ended on {end.isoformat()}"
        basis = self.legal_bases.get(auth.basis)
        if basis is None:
            return f"legal basis {auth.basis} does not exist"
        if basis.status != "in_force":
            return f"legal basis {basis.id} is only {basis.status}"
        basis_start, basis_end = self.basis_window(basis)
        if now < basis_start or (basis_end is not None and now >= basis_end):
            return f"legal basis {basis.id} is not in force at this moment"
        return None

    def refusal_reasons(self, source_id: str, now: datetime | None = None) -> list[str]:
        """EVERY reason the crawler may not crawl ``source_id`` at ``now``; empty when it may.

        Unlike :meth:`permit_for`, which stops at the first thing missing, this lists the
        kill switch, the policy's own period, each authorisation and the crawl hours, so
        nobody fixes one problem only to meet the next.
        """
        when = aware_now(now)
        reasons: list[str] = []
        if self.kill_switch_engaged():
            where = (
                f" (the file {self.kill_switch_path} exists)"
                if not (self.bundle.kill_switch.engaged)
                else ""
            )
            reasons.append(f"the kill switch is engaged{where}")
        source = self.sources.get(source_id)
        if source is None:
            reasons.append(f"policy version {self.version} has no source '{source_id}'")
            return reasons
        policy_start, policy_end = self.policy_window()
        if when < policy_start:
            reasons.append(
                f"policy version {self.version} applies only from {self.bundle.effective_from}"
            )
        elif when >= policy_end:
            reasons.append(
                f"the review date of policy version {self.version} "
                f"({self.bundle.review_by}) has passed"
            )
        why = [self.why_not(a, source_id, when) for a in source.authorisations]
        if all(why):
            reasons.extend(r for r in why if r)
        permit = self.limits_for(source_id) if source.authorisations else None
        if permit is not None and not permit.within_hours(when):
            reasons.append(
                f"it is outside the crawl hours of this source (time zone {source.timezone})"
            )
        return reasons

    def warnings_for(self, source_id: str, now: datetime | None = None) -> list[str]:
        """What ends within the policy's warning period (``warning_days``) for ``source_id``.

        The authorisations the source relies on, their legal bases, and the policy's
        review date; each as one plain sentence.
        """
        when = aware_now(now)
        days = self.bundle.warning_days
        source = self.sources.get(source_id)
        if source is None:
            return []
        warnings: list[str] = []

        def soon(end: datetime) -> int | None:
            if end <= when:
                return None
            left = (end - timedelta(microseconds=1)).astimezone(self.tz).date()
            remaining = (left - when.astimezone(self.tz).date()).days
            return remaining if remaining <= days else None

        def in_days(n: int) -> str:
            return {0: "today", 1: "tomorrow"}.get(n, f"in {n} days")

        for auth_id in source.authorisations:
            auth = self.authorisations.get(auth_id)
            if auth is None or self.why_not(auth_id, source_id, when) is not None:
                continue
            left = soon(self.authorisation_window(auth)[1])
            if left is not None:
                warnings.append(
                    f"authorisation {auth_id} ends {in_days(left)} (valid_until "
                    f"{auth.valid_until}); have it renewed in time"
                )
            basis = self.legal_bases.get(auth.basis)
            basis_end = self.basis_window(basis)[1] if basis else None
            if basis is not None and basis_end is not None:
                left = soon(basis_end)
                if left is not None:
                    warnings.append(
                        f"legal basis {basis.id} ends {in_days(left)} "
                        f"(in_force_until {basis.in_force_until})"
                    )
        left = soon(self.policy_window()[1])
        if left is not None:
            warnings.append(
                f"policy version {self.version} must be reviewed {in_days(left)} "
                f"(review_by {self.bundle.review_by}); after that nothing is crawled"
            )
        return warnings

    def permit_for(self, source_id: str, now: datetime | None = None) -> SourcePermit:
        """The permit for ``source_id`` at ``now``; :class:`NotAuthorisedError` if none."""
        when = aware_now(now)
        if self.kill_switch_engaged():
            raise NotAuthorisedError(source_id, "the kill switch is engaged")
        source = self.sources.get(source_id)
        if source is None:
            raise NotAuthorisedError(
                source_id, f"policy version {self.version} has no source with this id"
            )
        policy_start, policy_end = self.policy_window()
        if not policy_start <= when < policy_end:
            raise NotAuthorisedError(
                source_id,
                f"policy version {self.version} applies from {self.bundle.effective_from} "
                f"until its review date {self.bundle.review_by}",
            )
        reasons = [self.why_not(a, source_id, when) for a in source.authorisations]
        valid = [
            self.authorisations[a]
            for a, reason in zip(source.authorisations, reasons, strict=True)
            if reason is None
        ]
        if not valid:
            raise NotAuthorisedError(source_id, "; ".join(r for r in reasons if r))
        return self._permit(source, valid)

    def _permit(self, source: Source, valid: list[Authorisation]) -> SourcePermit:
        starts, ends = list(self.policy_window()[:1]), [self.policy_window()[1]]
        bases: list[str] = []
        for auth in valid:
            start, end = self.authorisation_window(auth)
            starts.append(start)
            ends.append(end)
            basis = self.legal_bases[auth.basis]
            basis_start, basis_end = self.basis_window(basis)
            starts.append(basis_start)
            if basis_end is not None:
                ends.append(basis_end)
            if basis.id not in bases:
                bases.append(basis.id)
        ceilings = self.bundle.ceilings
        return SourcePermit(
            source_id=source.id,
            policy_version=self.version,
            policy_hash=self.content_hash,
            authorisation_ids=tuple(a.id for a in valid),
            legal_basis_ids=tuple(bases),
            valid_from=max(starts),
            valid_until=min(ends),
            allowed_hosts=frozenset(source.allowed_hosts),
            allow_url_patterns=tuple(re.compile(p) for p in source.allow_url_patterns),
            deny_url_patterns=tuple(
                re.compile(p, 0 if source.deny_url_patterns_case_sensitive else re.IGNORECASE)
                for p in source.deny_url_patterns
            ),
            max_depth=min(source.max_depth, ceilings.max_depth),
            pages_per_run=min(source.pages_per_run, ceilings.pages_per_run),
            requests_per_second=min(
                source.requests_per_second, ceilings.requests_per_second_per_host
            ),
            concurrency=min(source.concurrency, ceilings.concurrency),
            obey_robots_txt=source.obey_robots_txt,
            honour_crawl_delay=source.honour_crawl_delay,
            javascript_rendering=source.javascript_rendering,
            media=source.media,
            stop_status_codes=frozenset(source.stop_status_codes),
            user_agent=self.bundle.user_agent,
            contact_url=self.bundle.contact_url,
            timezone=source.timezone,
            windows=tuple(Window.from_model(w) for w in source.crawl_hours),
        )

    def limits_for(self, source_id: str) -> SourcePermit:
        """The limits a permit for ``source_id`` would have, ignoring whether it is authorised.

        For explaining and comparing only; never use it to crawl.
        """
        source = self.sources[source_id]
        known = [self.authorisations[a] for a in source.authorisations if a in self.authorisations]
        known = [a for a in known if a.basis in self.legal_bases]
        return self._permit(source, known)
