"""``lcom schedule``: crawl every scheduled source when its cron expression says, never
outside the policy's crawl hours and authorisation windows.

- ``lcom schedule --once``: run what is due now and exit (for cron, systemd timers and
  Kubernetes CronJobs); the exit code is the worst of its runs (``crawler/exitcodes.py``).
- ``lcom schedule``: a long-lived service; SIGTERM (or Ctrl-C) lets a running crawl stop
  gracefully (its job folder resumes it) and then exits 0.
- ``lcom schedule --list``: the next runs of each scheduled source, and why a source
  will not run (kill switch, authorisation, crawl hours, a schedule that never fires).

A source is *due* when its latest fire time (``crawler/scheduling.py``) is newer than
the last one handled and at most ``--grace`` seconds old. Each run is ``lcom crawl
SOURCE --jobdir <var>/jobs/SOURCE`` in a child process (one Twisted reactor per
process), under the source's lock (``crawler/locks.py``): a second scheduler finds the
lock held and refuses. Before a crawl starts the shared admission check
(``crawler.runtime.admit_crawl``) must pass; a refusal is printed and audited before
Scrapy starts. Run monitoring (``crawler/monitoring.py``) runs after each crawl and, for
what needs no run (authorisations ending, the spool growing), on each pass.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from crawler.exitcodes import ExitCode
from crawler.jobstate import read_json, write_json

if TYPE_CHECKING:
    from crawler.scheduling import SourceSchedule

STATE_FILE = "lcom-schedule.json"
#: Longest sleep of the service between two looks at the clock.
MAX_SLEEP = 60.0
#: A standing alert (no run needed) is repeated at most this often.
STANDING_REPEAT = timedelta(hours=24)
#: Which exit code wins when several runs end differently (first wins).
SEVERITY = (
    ExitCode.FAILED,
    ExitCode.USAGE,
    ExitCode.REFUSED,
    ExitCode.INTERRUPTED,
    ExitCode.ALERTS,
    ExitCode.OK,
)


def register(subparsers: Any) -> None:
    from crawler.cli.crawl import add_set_option
    from crawler.cli.options import deprecated_alias

    parser = subparsers.add_parser(
        "schedule",
        help="crawl scheduled sources inside the policy's hours (service, --once or --list)",
        description="Crawl every source whose config has a schedule, at its cron times, "
        "never outside the policy's crawl hours and authorisation windows. --once runs what "
        "is due and exits; without it the command runs as a service until SIGTERM.",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--once", action="store_true", help="run what is due now, then exit")
    mode.add_argument("--list", action="store_true", help="show next runs and blockers; exit")
    parser.add_argument(
        "--sources-dir",
        dest="sources",
        metavar="DIR",
        help="source configs (default: LCOM_SOURCES_DIR, else the bundled ones)",
    )
    parser.add_argument(
        "--policy-dir",
        dest="policy",
        metavar="DIR",
        help="guardrail policy folder (default: LCOM_POLICY_DIR, else the demo policy)",
    )
    deprecated_alias(parser, "--policy", "--policy-dir", "policy", metavar="DIR")
    parser.add_argument(
        "--grace",
        type=float,
        default=3600.0,
        metavar="SECONDS",
        help="run a fire time missed by at most this long (3600)",
    )
    parser.add_argument(
        "--at", type=_moment, help=argparse.SUPPRESS
    )  # a fixed "now" for --list (ISO 8601 with offset)
    add_set_option(parser)  # passed to each crawl
    parser.set_defaults(func=run)


def _moment(text: str) -> datetime:
    when = datetime.fromisoformat(text)
    if when.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no time zone offset")
    return when


def _rank(code: int) -> int:
    try:
        return SEVERITY.index(ExitCode(code))
    except ValueError:
        return 0  # an unknown code counts as a failure


def worst(codes: list[int]) -> int:
    return int(min(codes, key=_rank)) if codes else int(ExitCode.OK)


@dataclass
class Plan:
    """One scheduled source as seen at one moment."""

    source_id: str
    cron: str = ""
    timezone: str = ""
    next_fires: list[datetime] = field(default_factory=list)
    previous_fire: datetime | None = None
    #: Why it will not run now, or at all.
    blockers: list[str] = field(default_factory=list)
    #: A source config problem (the source cannot be scheduled at all).
    problem: str | None = None
    schedule: SourceSchedule | None = None


class Scheduler:
    def __init__(self, args: argparse.Namespace) -> None:
        from crawler.cli.crawl import overrides_from
        from crawler.jobs import project_settings

        args.jobdir = None
        args.spool = None
        self.args = args
        self.overrides = overrides_from(args)
        if args.sources:
            self.overrides["LCOM_SOURCES_DIR"] = args.sources
        elif os.environ.get("LCOM_SOURCES_DIR"):
            self.overrides["LCOM_SOURCES_DIR"] = os.environ["LCOM_SOURCES_DIR"]
        self.settings = project_settings(self.overrides)
        self.var_dir = Path(self.settings.get("LCOM_VAR_DIR") or "var")
        self.stop = threading.Event()
        self.child: subprocess.Popen[bytes] | None = None
        self.grace = timedelta(seconds=max(args.grace, 0))

    # -- what is scheduled --------------------------------------------------------
    def source_files(self) -> list[Path]:
        from crawler.sources import sources_dir

        return sorted(sources_dir(self.settings.get("LCOM_SOURCES_DIR")).glob("*.yaml"))

    def plans(self, now: datetime) -> list[Plan]:
        from crawler.runtime import policy_dir_from
        from crawler.scheduling import SourceSchedule
        from crawler.sources import SourceConfigError, load_source
        from legal_guardrails import GuardrailError, load_policy

        policy_dir = policy_dir_from(self.settings)
        policy = None
        policy_problem = None
        try:
            policy = load_policy(policy_dir, now=now)
        except GuardrailError as exc:
            policy_problem = (
                f"policy {policy_dir} cannot be used ({exc}); run `lcom guardrails check`"
            )
        kill = self.kill_switch(policy)
        plans = []
        for path in self.source_files():
            try:
                config = load_source(str(path))
            except SourceConfigError as exc:
                plans.append(Plan(path.stem, problem=f"source config problem: {exc}"))
                continue
            if config.schedule is None:
                continue
            plan = Plan(config.id, cron=config.schedule.cron)
            plans.append(plan)
            if policy is None:
                plan.blockers.append(policy_problem or "no policy")
                continue
            if config.id not in policy.sources:
                plan.blockers.append(
                    f"policy {policy_dir} has no source {config.id} (sources/{config.id}.yaml)"
                )
                continue
            schedule = SourceSchedule.build(
                config.id, config.schedule.cron, policy, config.schedule.timezone
            )
            plan.timezone = schedule.tz.key
            plan.schedule = schedule
            if kill:
                plan.blockers.append(kill)
            plan.next_fires = schedule.next_fires(now, count=3)
            plan.previous_fire = schedule.previous_fire(now)
            reason = schedule.why_not(now)
            if reason:
                plan.blockers.append(f"not now: {reason}")
            if not plan.next_fires:
                from crawler.scheduling import describe_hours, describe_intervals

                plan.blockers.append(
                    f"the schedule '{schedule.cron}' ({schedule.tz.key}) never fires inside "
                    f"the crawl hours ({describe_hours(schedule.windows)}, "
                    f"{schedule.hours_tz.key}) and authorisation windows "
                    f"({describe_intervals(schedule.intervals, schedule.hours_tz) or 'none'}) "
                    "ahead"
                )
        return plans

    def kill_switch(self, policy: Any) -> str | None:
        from legal_guardrails.policy import switch_file_present

        extra = self.settings.get("LCOM_KILL_SWITCH_FILE")
        if switch_file_present(extra):
            return f"kill switch file {extra} exists (LCOM_KILL_SWITCH_FILE)"
        if policy is not None and policy.kill_switch_engaged():
            return f"kill switch engaged in policy {policy.path}"
        return None

    # -- state per source ----------------------------------------------------------
    def jobdir(self, source_id: str) -> Path:
        return self.var_dir / "jobs" / source_id

    def read_state(self, source_id: str) -> dict[str, Any]:
        return read_json(self.jobdir(source_id) / STATE_FILE)

    def write_state(self, source_id: str, state: dict[str, Any]) -> None:
        write_json(self.jobdir(source_id) / STATE_FILE, state)

    def is_due(self, plan: Plan, now: datetime) -> bool:
        if plan.schedule is None:
            return False
        last = self.read_state(plan.source_id).get("last_fire")
        last_fire = datetime.fromisoformat(last) if isinstance(last, str) else None
        plan.previous_fire = plan.schedule.due(now, last_fire, self.grace)
        return plan.previous_fire is not None

    # -- running ---------------------------------------------------------------------
    def run_due(self, now: datetime) -> list[int]:
        from crawler.locks import LockHeld, source_lock

        codes: list[int] = []
        for plan in self.plans(now):
            if self.stop.is_set():
                break
            if plan.problem:
                print(f"lcom schedule: {plan.problem}", file=sys.stderr)
                codes.append(ExitCode.USAGE)
                continue
            lock = source_lock(self.jobdir(plan.source_id), plan.source_id)
            try:
                lock.acquire()
            except LockHeld as exc:
                print(f"lcom schedule: refusing to start: {exc}", file=sys.stderr)
                codes.append(ExitCode.REFUSED)
                continue
            try:
                if self.is_due(plan, now):
                    codes.append(self.run_source(plan, now))
            finally:
                lock.release()
        return codes

    def run_source(self, plan: Plan, now: datetime) -> int:
        assert plan.previous_fire is not None
        state = self.read_state(plan.source_id)
        state["last_fire"] = plan.previous_fire.isoformat()
        state["started_at"] = now.isoformat()
        fire = plan.previous_fire.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        now_blockers = [b for b in plan.blockers if not b.startswith("the schedule '")]
        reasons = now_blockers + self.admission_problems(plan.source_id, now)
        if reasons:
            self.refuse(plan.source_id, reasons)
            state["last_exit"] = int(ExitCode.REFUSED)
            self.write_state(plan.source_id, state)
            return ExitCode.REFUSED
        self.write_state(plan.source_id, state)
        print(f"lcom schedule: source {plan.source_id}: run for {fire}", flush=True)
        code = self.crawl(plan.source_id)
        state["last_exit"] = code
        state["finished_at"] = datetime.now(UTC).isoformat()
        self.write_state(plan.source_id, state)
        print(f"lcom schedule: source {plan.source_id}: exit {code}", flush=True)
        return code

    def admission_problems(self, source_id: str, now: datetime) -> list[str]:
        """Every reason the shared admission check gives (``crawler.runtime.admit_crawl``)."""
        from crawler import runtime

        try:
            result = runtime.admit_crawl(self.settings, source_id, now)
        except runtime.REFUSALS as exc:
            return [str(exc)]
        refusals = getattr(result, "refusals", None)  # an admission that lists every reason
        return [str(getattr(r, "reason", r)) for r in refusals or ()]

    def refuse(self, source_id: str, reasons: list[str]) -> None:
        from crawler.extensions.audit import record_refusal
        from crawler.runtime import new_run_id, policy_dir_from

        print(
            f"lcom schedule: refusing to crawl source {source_id}; nothing was fetched:",
            file=sys.stderr,
        )
        for reason in reasons:
            print(f"  - {reason}", file=sys.stderr)
        record_refusal(
            self.settings,
            source_id,
            policy_dir_from(self.settings),
            "ScheduleRefused: " + "; ".join(reasons),
            new_run_id(),
        )

    def crawl(self, source_id: str) -> int:
        cmd = [sys.executable, "-m", "crawler.cli", "crawl", source_id]
        cmd += ["--jobdir", str(self.jobdir(source_id))]
        if self.args.policy:
            cmd += ["--policy-dir", self.args.policy]
        for pair in self.args.set:
            cmd += ["-s", pair]
        env = dict(os.environ)
        if self.overrides.get("LCOM_SOURCES_DIR"):
            env["LCOM_SOURCES_DIR"] = str(self.overrides["LCOM_SOURCES_DIR"])
        self.child = subprocess.Popen(cmd, env=env)
        try:
            while True:
                try:
                    return self.child.wait()
                except KeyboardInterrupt:  # pragma: no cover - Ctrl-C reaches the child too
                    continue
        finally:
            self.child = None

    def on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.stop.set()
        child = self.child
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGTERM)  # Scrapy stops gracefully; the job resumes

    # -- standing checks ---------------------------------------------------------------
    def standing_checks(self, plans: list[Plan], now: datetime) -> list[int]:
        from crawler import monitoring
        from crawler.extensions.audit import audit_log_path

        if not monitoring.enabled():
            return []
        try:
            config = monitoring.load_config(self.settings.get("LCOM_MONITORING_CONFIG"))
        except monitoring.MonitoringConfigError as exc:
            print(f"lcom schedule: {exc}", file=sys.stderr)
            return [ExitCode.USAGE]
        sources = [p.source_id for p in plans if not p.problem]
        alerts = monitoring.standing_checks(self.settings, sources, config, now)
        state = monitoring.read_state(self.var_dir)
        stored = state.get("standing_alerts")
        sent: dict[str, Any] = stored if isinstance(stored, dict) else {}
        fresh = []
        for alert in alerts:
            key = f"{alert.alert}:{alert.source}"
            last = sent.get(key)
            if isinstance(last, str) and now - datetime.fromisoformat(last) < STANDING_REPEAT:
                continue
            sent[key] = now.isoformat()
            fresh.append(alert)
        state["standing_alerts"] = sent
        monitoring.write_state(self.var_dir, state)
        monitoring.raise_alerts(fresh, config, audit_log_path(self.settings), now)
        return [ExitCode.ALERTS] if fresh else []

    # -- modes -----------------------------------------------------------------------------
    def once(self) -> int:
        now = self.args.at or datetime.now(UTC)
        codes = self.run_due(now)
        if not codes:
            print("lcom schedule: nothing is due", flush=True)
        if not self.stop.is_set():
            codes += self.standing_checks(self.plans(now), now)
        if self.stop.is_set():
            codes.append(ExitCode.INTERRUPTED)
        return worst(codes)

    def serve(self) -> int:
        print("lcom schedule: running; SIGTERM or Ctrl-C stops", flush=True)
        last_standing: datetime | None = None
        while not self.stop.is_set():
            now = datetime.now(UTC)
            self.run_due(now)
            if last_standing is None or now - last_standing >= timedelta(hours=1):
                self.standing_checks(self.plans(now), now)
                last_standing = now
            fires = [f for p in self.plans(now) for f in p.next_fires[:1]]
            wait = MAX_SLEEP
            if fires:
                wait = min(MAX_SLEEP, max((min(fires) - datetime.now(UTC)).total_seconds(), 0.5))
            self.stop.wait(wait)
        print("lcom schedule: stopped", flush=True)
        return int(ExitCode.OK)

    def list(self) -> int:
        now = self.args.at or datetime.now(UTC)
        plans = self.plans(now)
        if not plans:
            print("No source has a schedule (add `schedule: {cron: ...}` to its source config).")
        code = ExitCode.OK
        for plan in plans:
            if plan.problem:
                print(f"{plan.source_id}: {plan.problem}")
                code = ExitCode.USAGE
                continue
            print(f"{plan.source_id}: cron '{plan.cron}' ({plan.timezone or '-'})")
            for fire in plan.next_fires:
                print(f"  next: {fire:%a %Y-%m-%d %H:%M %Z} ({fire.astimezone(UTC):%H:%M} UTC)")
            if not plan.next_fires:
                print("  next: never")
            for blocker in plan.blockers:
                print(f"  will not run: {blocker}")
        return int(code)


def run(args: argparse.Namespace) -> int:
    scheduler = Scheduler(args)
    if args.list:
        return scheduler.list()
    previous = {
        sig: signal.signal(sig, scheduler.on_signal) for sig in (signal.SIGTERM, signal.SIGINT)
    }
    try:
        return scheduler.once() if args.once else scheduler.serve()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
