"""Say in plain language what the crawler may do on a source, and why."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from legal_guardrails.errors import NotAuthorisedError
from legal_guardrails.model import WEEKDAYS, CrawlWindow, Linking
from legal_guardrails.policy import Policy, SourcePermit
from legal_guardrails.timeutil import aware_now, describe, describe_date

_DAY_NAMES = dict(
    zip(
        WEEKDAYS,
        ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
        strict=True,
    )
)
_STATE_NAMES = {
    "new": "hits nobody has reviewed yet",
    "relevant": "hits marked relevant",
    "not_relevant": "hits marked not relevant",
    "logs": "operational logs",
    "audit": "the audit trail",
}


def _days(days: list[str]) -> str:
    if set(days) == set(WEEKDAYS):
        return "every day"
    ordered = [d for d in WEEKDAYS if d in days]
    return "on " + ", ".join(_DAY_NAMES[d] for d in ordered)


def _window(window: CrawlWindow) -> str:
    overnight = " (into the next morning)" if window.end <= window.start else ""
    return f"{_days(list(window.days))} from {window.start} to {window.end}{overnight}"


def _moment(value: date | datetime, tz: ZoneInfo, end: bool = False) -> str:
    if isinstance(value, datetime):
        return describe(value, tz)
    return f"the end of {describe_date(value)}" if end else describe_date(value)


def _number(value: float) -> str:
    return f"{value:g}"


def explain_source(
    policy: Policy,
    source_id: str,
    now: datetime | None = None,
    *,
    policy_errors: Sequence[str] = (),
) -> str:
    """A plain-language account of what the crawler may do on ``source_id`` at ``now``.

    It answers one question first, honestly: may the crawler crawl this source now? If
    not, it lists every reason (``policy_errors`` are problems of the policy folder found
    by the check, when the policy was read without passing it).
    """
    when = aware_now(now)
    tz = policy.tz
    source = policy.sources.get(source_id)
    if source is None:
        known = ", ".join(sorted(policy.sources)) or "none"
        return (
            f"Policy version {policy.version} has no source '{source_id}', so the crawler may "
            f"not visit it. Sources in this policy: {known}.\n"
        )
    lines: list[str] = []
    title = f"Source '{source.id}'" + (f" ({source.description})" if source.description else "")
    lines.append(
        f"{title}, under policy version {policy.version} "
        f"(fingerprint {policy.content_hash[:12]}), as of {describe(when, tz)}."
    )
    lines.append("")
    reasons = [*policy_errors, *policy.refusal_reasons(source_id, when)]
    try:
        permit: SourcePermit = policy.permit_for(source_id, when)
    except NotAuthorisedError:
        permit = policy.limits_for(source_id)
    if reasons:
        lines.append("May the crawler crawl this source now? NO. Every reason:")
        lines.extend(f"  - {reason}." for reason in reasons)
        lines.append("Nothing is fetched until all of these are resolved.")
        lines.append("The limits below would apply once it may crawl.")
    else:
        lines.append("May the crawler crawl this source now? YES.")
    warnings = policy.warnings_for(source_id, when)
    if warnings:
        lines.append("")
        lines.append(f"Coming to an end (within {policy.bundle.warning_days} days):")
        lines.extend(f"  - {warning}." for warning in warnings)
    if not reasons:
        lines.append("")
        lines.append("Why:")
        for auth_id in permit.authorisation_ids:
            auth = policy.authorisations[auth_id]
            basis = policy.legal_bases[auth.basis]
            lines.append(
                f"  - Authorisation {auth.id}, issued by {auth.issued_by} ({auth.role}), "
                f"valid from {_moment(auth.valid_from, tz)} "
                f"until {_moment(auth.valid_until, tz, end=True)}."
            )
            lines.append(f"    Purpose: {auth.purpose}")
            lines.append(f"    Offences: {auth.offence_scope}")
            lines.append(f"    Necessity and proportionality: {auth.necessity_and_proportionality}")
            lines.append(
                f"    Legal basis '{basis.id}': {basis.instrument}; {basis.article} "
                f"(in force since {describe_date(basis.in_force_from)})."
            )
        lines.append(
            f"  This permission ends at {describe(permit.valid_until, tz)} at the latest: the "
            "earliest of the end of the authorisation(s), of the legal basis and of the "
            f"policy's review date ({describe_date(policy.bundle.review_by)})."
        )
    lines.append("")
    lines.append("Where:")
    lines.append(
        "  - Only these host names: " + ", ".join(sorted(permit.allowed_hosts)) + ". Any other "
        "host, including another name for the same site, is refused."
    )
    if permit.deny_url_patterns:
        lines.append(
            "  - Never addresses whose path matches: "
            + ", ".join(f"'{p.pattern}'" for p in permit.deny_url_patterns)
            + "."
        )
    if permit.allow_url_patterns:
        lines.append(
            "  - Only addresses whose path matches: "
            + ", ".join(f"'{p.pattern}'" for p in permit.allow_url_patterns)
            + "."
        )
    else:
        lines.append("  - Any other address on those hosts may be fetched.")
    lines.append("")
    lines.append(f"When (time zone {source.timezone}):")
    for window in source.crawl_hours:
        lines.append(f"  - {_window(window)}.")
    current = "inside" if permit.within_hours(when) else "outside"
    lines.append(f"  It is now {describe(when, ZoneInfo(source.timezone))}: {current} these hours.")
    lines.append("")
    lines.append("How fast and how much (the lower of this source's limit and the global ceiling):")
    lines.append(
        f"  - At most {_number(permit.requests_per_second)} requests per second, "
        f"{permit.concurrency} at the same time."
    )
    lines.append(
        f"  - At most {permit.pages_per_run} pages per run, following links at most "
        f"{permit.max_depth} steps away from a start page."
    )
    lines.append("")
    lines.append("Manners:")
    if permit.obey_robots_txt:
        lines.append("  - The site's robots.txt is obeyed: pages it excludes are not fetched.")
    else:
        lines.append(
            "  - The site's robots.txt is NOT obeyed. Justification: "
            f"{source.robots_justification}. Approved by: "
            + ", ".join(f"{a.name} ({a.role}, {a.date})" for a in source.robots_approvals)
            + "."
        )
    lines.append(
        "  - A crawl delay asked for in robots.txt is "
        + ("honoured." if permit.honour_crawl_delay else "NOT honoured.")
    )
    lines.append(
        "  - Pages may be opened in a browser that runs their JavaScript."
        if permit.javascript_rendering
        else "  - Pages are read as sent; their JavaScript is never run."
    )
    lines.append(
        "  - Images are never downloaded."
        if permit.media == "none"
        else "  - Images are downloaded only to compute a fingerprint (hash); the image "
        "itself is not kept."
    )
    lines.append(
        "  - The crawler stops on this source at once when the site answers with status "
        + ", ".join(map(str, sorted(permit.stop_status_codes)))
        + "."
    )
    lines.append(f"  - It introduces itself as: {permit.user_agent}")
    lines.append("")
    data = policy.data_policy
    retention = data.retention_days
    lines.append("What is stored, and for how long:")
    lines.append(
        "  - Only ads with a trafficking signal (hits). Ads without one are never stored"
        + (
            " (see 'Linking ads' below for the one note the link store may make of them)."
            if data.linking.keep_non_hit_observations
            else "."
        )
    )
    lines.append("  - Fields kept: " + ", ".join(data.stored_fields) + ".")
    if data.pseudonymised:
        lines.append(
            "  - Contact details only as keyed pseudonyms (in "
            + ", ".join(data.pseudonymised)
            + "), never in plain text."
        )
    if data.redacted:
        lines.append(
            "  - Contact details inside " + ", ".join(data.redacted) + " are replaced by tokens."
        )
    dropped = sorted({"name", "contacts_raw", *data.dropped})
    lines.append("  - Always dropped: " + ", ".join(dropped) + ".")
    lines.append(
        "  - The 'origin' indicator (where a person is said to come from) "
        + ("may be derived." if data.derive_origin else "is never derived.")
    )
    for name, label in _STATE_NAMES.items():
        lines.append(f"  - {label.capitalize()}: kept {getattr(retention, name)} days.")
    lines.extend(_linking_lines(data.linking))
    lines.append("")
    switch = policy.bundle.kill_switch
    state = "ENGAGED: nothing is crawled" if policy.kill_switch_engaged() else "not engaged"
    where = (
        f"; crawling also stops while the file {policy.kill_switch_path} exists"
        if (switch.file)
        else ""
    )
    lines.append(f"Kill switch: {state}{where}.")
    return "\n".join(lines) + "\n"


def _linking_lines(linking: Linking) -> list[str]:
    """What the data policy's ``linking`` block means, in plain words."""
    lines = [
        "",
        "Linking ads (the same contact in several ads, cities or sites):",
        "  - Hits are linked by their contact pseudonyms and by near-identical texts; an "
        "investigator sees which hits belong together and why.",
    ]
    if linking.keep_non_hit_observations:
        days = linking.non_hit_observation_days
        lines += [
            "  - ON: for an ad WITHOUT a signal, the link store notes only its contact "
            "pseudonym, its city, the date and a document id; never its text, the name, a "
            "phone number or any other detail, and the ad itself is not stored.",
            f"  - Such a note is erased {days} days after the ad was last seen.",
            "  - Why: a person moved from city to city often shows only across several ads "
            "that are each weak on their own. A note can turn an ad into a hit when it "
            "completes such a pattern (for example the same contact in three cities within "
            "a month); only then is that ad stored, like any other hit.",
        ]
    else:
        lines.append(
            "  - OFF: ads without a signal leave no trace at all, not even in the link "
            "store; only hits are linked."
        )
    return lines
