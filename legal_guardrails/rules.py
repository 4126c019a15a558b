"""Rules that compare fields and files of a policy, applied at a given moment.

Each rule adds problems to :class:`~legal_guardrails.loader.PolicyFiles` with the file and
field that has to change. Rule ids are stable: tests, the README and the CLI refer to them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import PurePosixPath, PureWindowsPath
from zoneinfo import ZoneInfo

from legal_guardrails.loader import PolicyFiles
from legal_guardrails.model import (
    DEFAULT_STOP_STATUS_CODES,
    KNOWN_FIELDS,
    NEVER_STORED_FIELDS,
    PSEUDONYMISABLE_FIELDS,
    REDACTABLE_FIELDS,
    Approval,
    Authorisation,
    LegalBasis,
    RetentionDays,
)
from legal_guardrails.timeutil import calendar_days, end_of, local_date, start_of

BUNDLE = "bundle.yaml"
BASES = "legal_bases.yaml"
AUTHS = "authorisations.yaml"
DATA = "data_policy.yaml"


def _in_days(days: int) -> str:
    """'today', 'tomorrow' or 'in 6 days'."""
    return {0: "today", 1: "tomorrow"}.get(days, f"in {days} days")


def apply_rules(files: PolicyFiles, now: datetime) -> None:
    """Apply every cross-field and cross-file rule; ``files.complete`` must be true."""
    assert files.bundle and files.legal_bases and files.authorisations and files.data_policy
    tz = ZoneInfo(files.bundle.timezone)
    _bundle_rules(files, now, tz)
    bases = _basis_rules(files)
    auths = _authorisation_rules(files, bases, now, tz)
    _source_rules(files, auths, bases, now, tz)
    _data_rules(files, auths, bases)


def _approval_rules(
    files: PolicyFiles,
    rel: str,
    path: tuple[str, ...],
    approvals: Sequence[Approval],
    what: str,
    anchor: tuple[str, ...] | None = None,
) -> None:
    roles = {a.role.casefold() for a in approvals}
    names = {a.name.casefold() for a in approvals}
    if len(approvals) < 2:
        files.add(
            rel,
            path,
            "too_few_approvals" if what == "bundle" else "robots_too_few_approvals",
            f"{len(approvals)} approval(s) recorded; {_approval_purpose(what)} needs at least two",
            "Add the approval of a second person with a different role (name, role, date)."
            if approvals
            else f"Add {path[-1]}: the approvals (name, role, date) of two people in two "
            "different roles.",
            anchor=anchor,
        )
    elif len(roles) < 2:
        files.add(
            rel,
            path,
            "approvals_same_role",
            f"all approvals are by the same role ('{approvals[0].role}'); "
            f"{_approval_purpose(what)} needs two different roles",
            "Have a person in another role (for example legal counsel and the data "
            "protection officer) approve as well.",
        )
    elif len(names) < 2:
        files.add(
            rel,
            path,
            "approvals_same_person",
            "all approvals are by the same person; two different people must approve",
            "Add the approval of a second person.",
        )


def _approval_purpose(what: str) -> str:
    return "this policy version" if what == "bundle" else "ignoring robots.txt"


def _ends(valid_until: object, left: int) -> str:
    """'at the end of 2026-12-04 (in 5 days)' for a date, or the moment as written."""
    when = f"at the end of {valid_until}" if len(str(valid_until)) == 10 else f"at {valid_until}"
    return f"{when} ({_in_days(left)})"


def _bundle_rules(files: PolicyFiles, now: datetime, tz: ZoneInfo) -> None:
    bundle = files.bundle
    assert bundle is not None
    _approval_rules(files, BUNDLE, ("approvals",), bundle.approvals, "bundle")
    today = local_date(now, tz)
    if bundle.review_by < bundle.effective_from:
        files.add(
            BUNDLE,
            ("review_by",),
            "review_before_effective",
            f"review_by ({bundle.review_by}) is before effective_from ({bundle.effective_from})",
            "Set review_by to a date after effective_from.",
        )
    elif today > bundle.review_by:
        files.add(
            BUNDLE,
            ("review_by",),
            "review_overdue",
            f"the review date {bundle.review_by} has passed, so this version may no longer be used",
            "Review the policy, record the new approvals and set a new review_by date.",
        )
    elif (bundle.review_by - today).days < bundle.warning_days:
        files.add(
            BUNDLE,
            ("review_by",),
            "review_soon",
            f"the review date {bundle.review_by} is {_in_days((bundle.review_by - today).days)}; "
            "after it all crawling stops",
            "Plan the review now.",
            severity="warning",
        )
    if today < bundle.effective_from:
        files.add(
            BUNDLE,
            ("effective_from",),
            "not_yet_effective",
            f"this version takes effect only on {bundle.effective_from}",
            "Wait until that date, or check it for that date with --at.",
        )
    kill = bundle.kill_switch
    if kill.file is not None:
        posix, windows = PurePosixPath(kill.file), PureWindowsPath(kill.file)
        if not kill.file:
            files.add(
                BUNDLE,
                ("kill_switch", "file"),
                "kill_switch_file_empty",
                "the kill-switch file name is empty",
                "Write a file name, e.g. STOP.",
            )
        elif not posix.is_absolute() and (".." in posix.parts or windows.drive):
            files.add(
                BUNDLE,
                ("kill_switch", "file"),
                "kill_switch_outside_folder",
                f"the kill-switch file '{kill.file}' points outside the policy folder, so "
                "where it is depends on where the folder happens to be installed",
                "Use a name inside the policy folder (e.g. STOP) or a full path that starts "
                "with '/' (e.g. /run/lcom/STOP).",
            )
    if kill.engaged:
        files.add(
            BUNDLE,
            ("kill_switch", "engaged"),
            "kill_switch_engaged",
            "the kill switch is engaged: nothing will be crawled",
            "Set engaged: false when crawling may resume.",
            severity="warning",
        )
    if bundle.contact_url not in bundle.user_agent:
        files.add(
            BUNDLE,
            ("user_agent",),
            "user_agent_without_contact",
            "the user agent does not mention the contact_url, so site owners cannot tell "
            "who is crawling or how to object",
            f"Add {bundle.contact_url} to the user_agent text.",
            severity="warning",
        )


def _duplicates(files: PolicyFiles, rel: str, key: str, ids: list[str], what: str) -> None:
    seen: set[str] = set()
    for position, item_id in enumerate(ids):
        if item_id in seen:
            files.add(
                rel,
                (key, position, "id"),
                "duplicate_id",
                f"the {what} id '{item_id}' is used twice",
                "Give every entry its own id.",
            )
        seen.add(item_id)


def _basis_rules(files: PolicyFiles) -> dict[str, tuple[int, LegalBasis]]:
    assert files.legal_bases is not None
    bases = files.legal_bases.legal_bases
    _duplicates(files, BASES, "legal_bases", [b.id for b in bases], "legal basis")
    for position, basis in enumerate(bases):
        if basis.in_force_until is not None and basis.in_force_until < basis.in_force_from:
            files.add(
                BASES,
                ("legal_bases", position, "in_force_until"),
                "window_reversed",
                f"legal basis '{basis.id}' ends before it starts",
                "Make in_force_until later than in_force_from.",
            )
    return {b.id: (i, b) for i, b in enumerate(bases)}


def _authorisation_rules(
    files: PolicyFiles,
    bases: dict[str, tuple[int, LegalBasis]],
    now: datetime,
    tz: ZoneInfo,
) -> dict[str, tuple[int, Authorisation]]:
    assert files.authorisations is not None and files.bundle is not None
    auths = files.authorisations.authorisations
    _duplicates(files, AUTHS, "authorisations", [a.id for a in auths], "authorisation")
    longest = files.bundle.ceilings.longest_authorisation_days
    for position, auth in enumerate(auths):
        here = ("authorisations", position)
        start, end = start_of(auth.valid_from, tz), end_of(auth.valid_until, tz)
        if end <= start:
            files.add(
                AUTHS,
                (*here, "valid_until"),
                "window_reversed",
                f"authorisation '{auth.id}' ends ({auth.valid_until}) before it starts "
                f"({auth.valid_from})",
                "Correct valid_from or valid_until so that the period runs forwards.",
            )
            continue
        days = calendar_days(start, end, tz)
        if days > longest:
            files.add(
                AUTHS,
                (*here, "valid_until"),
                "duration_exceeds_ceiling",
                f"authorisation '{auth.id}' lasts {days} days, longer than the {longest} days "
                "this policy allows for any authorisation (ceilings.longest_authorisation_days)",
                "Shorten the authorisation, or have it renewed in parts.",
            )
        for source_id in auth.sources:
            if source_id not in files.sources and source_id not in files.source_files:
                files.add(
                    AUTHS,
                    (*here, "sources", auth.sources.index(source_id)),
                    "unknown_source",
                    f"authorisation '{auth.id}' covers source '{source_id}', which has no "
                    f"file sources/{source_id}.yaml",
                    "Add the source file, or remove the source from this authorisation.",
                    severity="warning",
                )
        entry = bases.get(auth.basis)
        if entry is None:
            files.add(
                AUTHS,
                (*here, "basis"),
                "unknown_basis",
                f"authorisation '{auth.id}' refers to legal basis '{auth.basis}', which is not "
                "in legal_bases.yaml",
                f"Use the id of a basis listed in legal_bases.yaml ({', '.join(bases) or 'none'}).",
            )
            continue
        _, basis = entry
        if auth.role.casefold() not in {r.casefold() for r in basis.who_may_authorise}:
            files.add(
                AUTHS,
                (*here, "role"),
                "issuer_role_not_allowed",
                f"the role '{auth.role}' may not authorise under legal basis '{basis.id}' "
                f"(allowed: {', '.join(basis.who_may_authorise)})",
                "Have the authorisation issued by someone in one of the allowed roles.",
            )
        if days > basis.maximum_duration_days:
            files.add(
                AUTHS,
                (*here, "valid_until"),
                "duration_exceeds_basis",
                f"authorisation '{auth.id}' lasts {days} days; legal basis '{basis.id}' allows "
                f"at most {basis.maximum_duration_days}",
                "Shorten the authorisation to the maximum the legal basis allows.",
            )
        if auth.status != "active":
            continue
        if basis.status == "proposed":
            files.add(
                AUTHS,
                (*here, "basis"),
                "basis_proposed",
                f"authorisation '{auth.id}' relies on legal basis '{basis.id}', which is only "
                "proposed, not in force",
                "Rely on a basis that is in force, or set this authorisation to suspended "
                "until the basis enters into force.",
            )
            continue
        basis_start = start_of(basis.in_force_from, tz)
        if start < basis_start:
            files.add(
                AUTHS,
                (*here, "valid_from"),
                "basis_not_in_force",
                f"authorisation '{auth.id}' starts on {auth.valid_from}, but legal basis "
                f"'{basis.id}' is in force only from {basis.in_force_from}",
                "Let the authorisation start on or after the day the basis enters into force.",
            )
        if basis.in_force_until is not None and end > end_of(basis.in_force_until, tz):
            files.add(
                AUTHS,
                (*here, "valid_until"),
                "basis_ends_first",
                f"legal basis '{basis.id}' ends on {basis.in_force_until}, before authorisation "
                f"'{auth.id}' does; crawling stops when the basis ends",
                "Shorten the authorisation or rely on the successor basis.",
                severity="warning",
            )
    return {a.id: (i, a) for i, a in enumerate(auths)}


def _source_rules(
    files: PolicyFiles,
    auths: dict[str, tuple[int, Authorisation]],
    bases: dict[str, tuple[int, LegalBasis]],
    now: datetime,
    tz: ZoneInfo,
) -> None:
    assert files.bundle is not None
    ceilings = files.bundle.ceilings
    if not files.sources and not files.source_files:
        files.add(
            "sources",
            (),
            "no_sources",
            "there are no source files, so nothing can be crawled",
            "Add a file sources/<id>.yaml for each site that is authorised.",
            severity="warning",
        )
    expired_reported: set[str] = set()
    ending_reported: set[str] = set()
    warning_days = files.bundle.warning_days
    for source_id, source in files.sources.items():
        rel = files.source_files[source_id]
        usable = 0
        for position, auth_id in enumerate(source.authorisations):
            here = ("authorisations", position)
            entry = auths.get(auth_id)
            if entry is None:
                files.add(
                    rel,
                    here,
                    "unknown_authorisation",
                    f"source '{source_id}' refers to authorisation '{auth_id}', which is not in "
                    "authorisations.yaml",
                    "Use the id of an authorisation listed in authorisations.yaml.",
                )
                continue
            auth_pos, auth = entry
            if source_id not in auth.sources:
                files.add(
                    rel,
                    here,
                    "authorisation_does_not_cover_source",
                    f"authorisation '{auth_id}' does not list source '{source_id}' under sources",
                    f"Add '{source_id}' to the sources of '{auth_id}' if it was authorised, or "
                    "remove the reference here.",
                )
                continue
            if auth.status != "active":
                files.add(
                    rel,
                    here,
                    "authorisation_inactive",
                    f"authorisation '{auth_id}' is {auth.status}; it allows nothing",
                    "Remove the reference once the authorisation will not be reinstated.",
                    severity="warning",
                )
                continue
            start, end = start_of(auth.valid_from, tz), end_of(auth.valid_until, tz)
            if end <= now:
                # A lapse stops only the sources it covers (reported per source below);
                # the policy itself stays usable for the others.
                if auth_id not in expired_reported:
                    expired_reported.add(auth_id)
                    files.add(
                        AUTHS,
                        ("authorisations", auth_pos, "valid_until"),
                        "authorisation_expired",
                        f"authorisation '{auth_id}' ended on {auth.valid_until}; source "
                        f"'{source_id}' still relies on it and is not crawled",
                        f"Record a renewed authorisation under a new id, or remove '{auth_id}' "
                        f"from the authorisations in {rel}; keep the expired entry here as "
                        "a record.",
                        severity="warning",
                    )
                continue
            left = (local_date(end - timedelta(microseconds=1), tz) - local_date(now, tz)).days
            if now >= start and left <= warning_days and auth_id not in ending_reported:
                ending_reported.add(auth_id)
                files.add(
                    AUTHS,
                    ("authorisations", auth_pos, "valid_until"),
                    "authorisation_ends_soon",
                    f"authorisation '{auth_id}' ends {_ends(auth.valid_until, left)}; after "
                    f"that source '{source_id}' is no longer crawled",
                    "Have the authorisation renewed in time (a new entry with a new id), "
                    f"and add its id to {rel}.",
                    severity="warning",
                )
            if now < start:
                files.add(
                    rel,
                    here,
                    "authorisation_not_yet_valid",
                    f"authorisation '{auth_id}' starts only on {auth.valid_from}",
                    "Nothing to do if that is intended; crawling starts then.",
                    severity="warning",
                )
                continue
            basis_entry = bases.get(auth.basis)
            if basis_entry is not None and basis_entry[1].status == "in_force":
                usable += 1
        if usable == 0 and source.authorisations:
            files.add(
                rel,
                ("authorisations",),
                "source_not_authorised",
                f"no authorisation allows crawling source '{source_id}' at this moment",
                "Nothing will be crawled on this source until an authorisation is valid.",
                severity="warning",
            )
        for name, ceiling_name in (
            ("requests_per_second", "requests_per_second_per_host"),
            ("concurrency", "concurrency"),
            ("pages_per_run", "pages_per_run"),
            ("max_depth", "max_depth"),
        ):
            value, ceiling = getattr(source, name), getattr(ceilings, ceiling_name)
            if value > ceiling:
                files.add(
                    rel,
                    (name,),
                    "ceiling_exceeded",
                    f"{name} is {value:g}, above the ceiling of {ceiling:g} in bundle.yaml "
                    f"(ceilings.{ceiling_name})",
                    f"Lower {name} to {ceiling:g} or less, or raise the ceiling in a reviewed "
                    "new version of bundle.yaml.",
                )
        if not source.obey_robots_txt:
            if not (source.robots_justification or "").strip():
                files.add(
                    rel,
                    ("obey_robots_txt",),
                    "robots_without_justification",
                    "robots.txt is switched off without a written justification",
                    "Add robots_justification explaining why ignoring the site's robots.txt is "
                    "necessary and proportionate, plus two approvals (robots_approvals), or "
                    "set obey_robots_txt: true.",
                )
            _approval_rules(
                files,
                rel,
                ("robots_approvals",),
                source.robots_approvals,
                "robots",
                anchor=("obey_robots_txt",),
            )
        for position, window in enumerate(source.crawl_hours):
            if window.start == window.end:
                files.add(
                    rel,
                    ("crawl_hours", position, "until"),
                    "empty_window",
                    f"the crawl window from {window.start} until {window.end} is empty",
                    'Give different times; for a whole day write from: "00:00" and until: "24:00".',
                )
        removed = sorted(set(DEFAULT_STOP_STATUS_CODES) - set(source.stop_status_codes))
        if removed:
            files.add(
                rel,
                ("stop_status_codes",),
                "stop_code_removed",
                f"the crawler will no longer stop on status {', '.join(map(str, removed))}; "
                "these mean the site refuses access or asks for a login or for legal reasons",
                "Keep 401, 403, 407 and 451 unless there is a documented reason.",
                severity="warning",
            )


def _data_rules(
    files: PolicyFiles,
    auths: dict[str, tuple[int, Authorisation]],
    bases: dict[str, tuple[int, LegalBasis]],
) -> None:
    data, bundle = files.data_policy, files.bundle
    assert data is not None and bundle is not None
    stored = set(data.stored_fields)
    for key in ("stored_fields", "pseudonymised", "redacted", "dropped"):
        for position, name in enumerate(getattr(data, key)):
            if name not in KNOWN_FIELDS:
                files.add(
                    DATA,
                    (key, position),
                    "unknown_stored_field",
                    f"'{name}' is not a field the crawler knows",
                    "Correct the spelling; the fields are listed in legal_guardrails/README.md.",
                )
    for position, name in enumerate(data.stored_fields):
        if name in NEVER_STORED_FIELDS:
            files.add(
                DATA,
                ("stored_fields", position),
                "field_never_stored",
                f"'{name}' is never stored, whatever the policy says",
                f"Remove '{name}' from stored_fields.",
            )
        if name in data.dropped:
            files.add(
                DATA,
                ("stored_fields", position),
                "field_stored_and_dropped",
                f"'{name}' is listed both as stored and as dropped",
                "Keep it in one of the two lists only.",
            )
    for key, allowed, verb in (
        ("pseudonymised", PSEUDONYMISABLE_FIELDS, "pseudonymise"),
        ("redacted", REDACTABLE_FIELDS, "redact"),
    ):
        for position, name in enumerate(getattr(data, key)):
            if name in KNOWN_FIELDS and name not in allowed:
                files.add(
                    DATA,
                    (key, position),
                    f"cannot_{verb}",
                    f"the crawler cannot {verb} '{name}'",
                    f"Only {', '.join(sorted(allowed))} can be listed here.",
                )
    for name in sorted(stored & PSEUDONYMISABLE_FIELDS - set(data.pseudonymised)):
        files.add(
            DATA,
            ("stored_fields", data.stored_fields.index(name)),
            "contacts_not_pseudonymised",
            f"'{name}' is stored but not listed under pseudonymised",
            f"Add '{name}' to pseudonymised; contact details are only ever stored as pseudonyms.",
        )
    for name in sorted(stored & REDACTABLE_FIELDS - set(data.redacted)):
        files.add(
            DATA,
            ("stored_fields", data.stored_fields.index(name)),
            "text_not_redacted",
            f"'{name}' is stored but not listed under redacted, so contact details in it "
            "would be kept in plain text",
            f"Add '{name}' to redacted.",
        )
    _retention_rules(files, data.retention_days, bundle.ceilings.retention_days, auths, bases)


def _retention_rules(
    files: PolicyFiles,
    retention: RetentionDays,
    ceiling: RetentionDays,
    auths: dict[str, tuple[int, Authorisation]],
    bases: dict[str, tuple[int, LegalBasis]],
) -> None:
    for name in RetentionDays.model_fields:
        value, limit = getattr(retention, name), getattr(ceiling, name)
        if value > limit:
            files.add(
                DATA,
                ("retention_days", name),
                "retention_exceeds_ceiling",
                f"{name} records would be kept {value} days, longer than the ceiling of {limit} "
                "days in bundle.yaml (ceilings.retention_days)",
                f"Lower retention_days.{name} to {limit} or less.",
            )
    used = {a.basis for _, a in auths.values() if a.status == "active" and a.basis in bases}
    if not used:
        return
    strictest = min((bases[b][1] for b in used), key=lambda b: b.retention_ceiling_days)
    for name in RetentionDays.HIT_STATES:
        value = getattr(retention, name)
        if value > strictest.retention_ceiling_days:
            files.add(
                DATA,
                ("retention_days", name),
                "retention_exceeds_basis",
                f"hits in state '{name}' would be kept {value} days; legal basis "
                f"'{strictest.id}' allows at most {strictest.retention_ceiling_days} days",
                f"Lower retention_days.{name} to {strictest.retention_ceiling_days} or less.",
            )
