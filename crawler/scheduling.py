"""When a scheduled source may be crawled: its cron expression inside the policy's limits.

A source config may carry ``schedule: {cron: '0 */6 * * *'}``. A cron time is a *fire
time* only when the policy allows a crawl at that moment: inside one of the source's
crawl hours (in the policy's time zone for the source) and inside the window of an
active authorisation whose legal basis is in force, within the policy version's own
period. Cron expressions are evaluated by ``cronsim`` in the schedule's time zone (the
policy's one by default), so daylight-saving changes follow cron's own rules: a time
that does not exist (02:30 on the spring-forward day) fires at the first minute after
the gap, a time that exists twice fires once. Whether a fire time is allowed is then
decided on the instant, never on the wall clock.

Nothing here decides a crawl may start: ``lcom schedule`` asks the shared admission
check (``crawler.runtime.admit_crawl``) right before it starts one. This module only
says when to ask, and why a source will not run. No Scrapy import.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

from cronsim import CronSim

from legal_guardrails import Policy
from legal_guardrails.model import WEEKDAYS
from legal_guardrails.permit import Window
from legal_guardrails.problems import Problem
from legal_guardrails.timeutil import describe, require_aware

#: Cron times examined before giving up (a year of a once-a-minute schedule is 525,600).
MAX_CRON_STEPS = 600_000
#: How far ahead fire times are looked for.
HORIZON = timedelta(days=400)
#: How far back ``previous_fire`` looks.
LOOKBACK = timedelta(days=8)


@dataclass(frozen=True)
class Interval:
    """A period in which an authorisation covers the source: ``[start, end)``."""

    start: datetime
    end: datetime
    authorisation_id: str

    def contains(self, when: datetime) -> bool:
        return self.start <= when < self.end


@dataclass(frozen=True)
class SourceSchedule:
    """One source's cron expression, read against one policy."""

    source_id: str
    cron: str
    tz: ZoneInfo
    hours_tz: ZoneInfo
    windows: tuple[Window, ...]
    intervals: tuple[Interval, ...]

    @classmethod
    def build(
        cls, source_id: str, cron: str, policy: Policy, timezone: str | None = None
    ) -> SourceSchedule:
        """``KeyError`` when the policy has no such source."""
        source = policy.sources[source_id]
        hours_tz = ZoneInfo(source.timezone)
        return cls(
            source_id=source_id,
            cron=cron,
            tz=ZoneInfo(timezone) if timezone else hours_tz,
            hours_tz=hours_tz,
            windows=tuple(Window.from_model(w) for w in source.crawl_hours),
            intervals=tuple(authorised_intervals(policy, source_id)),
        )

    # -- the two limits ----------------------------------------------------------
    def within_hours(self, when: datetime) -> bool:
        """Same rule as ``SourcePermit.within_hours``, on the instant."""
        local = when.astimezone(self.hours_tz)
        minute = local.hour * 60 + local.minute
        return any(w.contains(local.weekday(), minute) for w in self.windows)

    def authorised(self, when: datetime) -> bool:
        return any(i.contains(when) for i in self.intervals)

    def allowed(self, when: datetime) -> bool:
        return self.within_hours(when) and self.authorised(when)

    def why_not(self, when: datetime) -> str | None:
        """Why no crawl may start at ``when``, in plain words; None when it may."""
        if not self.authorised(when):
            return authorisation_reason(self.intervals, when, self.hours_tz)
        if not self.within_hours(when):
            return (
                f"{describe(when, self.hours_tz)} is outside the crawl hours "
                f"({describe_hours(self.windows)}, {self.hours_tz.key})"
            )
        return None

    # -- cron times --------------------------------------------------------------
    def cron_times(self, after: datetime, *, reverse: bool = False) -> Iterator[datetime]:
        """Cron times strictly after (or, reversed, at or before) ``after``."""
        require_aware(after, "after")
        start = after.astimezone(self.tz)
        if reverse:
            start += timedelta(microseconds=1)
        yield from islice(CronSim(self.cron, start, reverse=reverse), MAX_CRON_STEPS)

    def next_fires(self, after: datetime, count: int = 3) -> list[datetime]:
        """The next ``count`` fire times after ``after`` (fewer when the horizon ends first)."""
        fires: list[datetime] = []
        ahead = [i for i in self.intervals if i.end > after]
        if not ahead:
            return fires
        begin = max(after, min(i.start for i in ahead) - timedelta(microseconds=1))
        limit = min(max(i.end for i in ahead), after + HORIZON)
        for moment in self.cron_times(begin):
            if moment >= limit:
                break
            if self.allowed(moment):
                fires.append(moment)
                if len(fires) >= count:
                    break
        return fires

    def previous_fire(self, now: datetime) -> datetime | None:
        """The latest fire time at or before ``now`` (looking back at most ``LOOKBACK``)."""
        for moment in self.cron_times(now, reverse=True):
            if moment < now - LOOKBACK:
                return None
            if self.allowed(moment):
                return moment
        return None

    def due(self, now: datetime, last_fire: datetime | None, grace: timedelta) -> datetime | None:
        """The fire time to run at ``now``, or None.

        The latest fire time at or before ``now``, if it is newer than ``last_fire`` (the
        last one handled) and at most ``grace`` old, and ``now`` itself is still allowed
        (a run that starts late must still start inside the hours and the authorisation).
        """
        fire = self.previous_fire(now)
        if fire is None or now - fire > grace:
            return None
        if last_fire is not None and fire <= last_fire:
            return None
        return fire if self.allowed(now) else None

    def never_fires(self, now: datetime) -> bool:
        """True when no cron time from ``now`` to the end of the authorisations is allowed.

        Sources without any authorisation window ahead are not judged here: the policy
        check reports the authorisation itself.
        """
        if not any(i.end > now for i in self.intervals):
            return False
        return not self.next_fires(now, count=1)


def authorised_intervals(policy: Policy, source_id: str) -> list[Interval]:
    """Where an active authorisation covers ``source_id`` under a basis in force, within
    the policy version's own period (what ``Policy.permit_for`` checks, as periods)."""
    source = policy.sources.get(source_id)
    if source is None:
        return []
    policy_start, policy_end = policy.policy_window()
    intervals = []
    for auth_id in source.authorisations:
        auth = policy.authorisations.get(auth_id)
        if auth is None or auth.status != "active" or source_id not in auth.sources:
            continue
        basis = policy.legal_bases.get(auth.basis)
        if basis is None or basis.status != "in_force":
            continue
        start, end = policy.authorisation_window(auth)
        basis_start, basis_end = policy.basis_window(basis)
        start = max(start, basis_start, policy_start)
        end = min(end, policy_end, *([basis_end] if basis_end else []))
        if start < end:
            intervals.append(Interval(start, end, auth_id))
    return intervals


def authorisation_reason(intervals: tuple[Interval, ...], when: datetime, tz: ZoneInfo) -> str:
    if not intervals:
        return "no active authorisation under a legal basis in force covers this source"
    later = [i for i in intervals if i.start > when]
    if later:
        first = min(later, key=lambda i: i.start)
        return (
            f"no authorisation covers {describe(when, tz)}; "
            f"{first.authorisation_id} starts {describe(first.start, tz)}"
        )
    last = max(intervals, key=lambda i: i.end)
    return f"authorisation {last.authorisation_id} expired {describe(last.end, tz)}"


def describe_hours(windows: tuple[Window, ...]) -> str:
    def hhmm(minute: int) -> str:
        return f"{minute // 60:02d}:{minute % 60:02d}"

    parts = []
    for window in windows:
        days = ",".join(WEEKDAYS[d] for d in sorted(window.days))
        parts.append(f"{days} {hhmm(window.start)}-{hhmm(window.end or 24 * 60)}")
    return "; ".join(parts) or "none"


def describe_intervals(intervals: tuple[Interval, ...], tz: ZoneInfo) -> str:
    return "; ".join(
        f"{i.authorisation_id} {i.start.astimezone(tz):%Y-%m-%d %H:%M}"
        f"-{i.end.astimezone(tz):%Y-%m-%d %H:%M}"
        for i in intervals
    )


def schedule_problems(
    policy: Policy, sources: list[tuple[str, str, str, str | None]], now: datetime
) -> list[Problem]:
    """Warnings for schedules that can never fire inside the policy's limits.

    ``sources`` holds ``(source config path, source id, cron, time zone)`` of every source
    config with a schedule. Each warning names both sides: the schedule (and its file)
    and the crawl hours and authorisation windows of the policy's source file.
    """
    problems = []
    for path, source_id, cron, timezone in sources:
        if source_id not in policy.sources:
            continue
        schedule = SourceSchedule.build(source_id, cron, policy, timezone)
        if not schedule.never_fires(now):
            continue
        problems.append(
            Problem(
                severity="warning",
                file=f"sources/{source_id}.yaml",
                line=None,
                field="crawl_hours",
                message=(
                    f"the schedule '{cron}' ({schedule.tz.key}) of source {source_id} in {path} "
                    f"never fires inside this source's crawl hours "
                    f"({describe_hours(schedule.windows)}, {schedule.hours_tz.key}) and "
                    f"authorisation windows "
                    f"({describe_intervals(schedule.intervals, schedule.hours_tz)}): "
                    "`lcom schedule` will never crawl it"
                ),
                fix=(
                    f"Change the cron expression in {path} so that it fires inside the crawl "
                    "hours, or have the crawl hours or authorisation changed."
                ),
                rule="schedule_never_fires",
            )
        )
    return problems
