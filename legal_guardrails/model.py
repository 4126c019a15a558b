"""The policy model: one pydantic class per YAML file, every class frozen and strict.

Checks that concern a single value (a time zone name, a regular expression, a host
name) live here, next to the field. Checks that compare fields or files (an
authorisation against its legal basis, a source against the ceilings) live in
:mod:`legal_guardrails.rules`, so that every problem can name its own field.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import date, datetime
from ipaddress import ip_address
from typing import Annotated, Any, ClassVar, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

DEFAULT_STOP_STATUS_CODES: tuple[int, ...] = (401, 403, 407, 451)
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

#: Every field the crawler can extract or derive (docs/data-model.md, sections 1 and 3).
KNOWN_FIELDS: frozenset[str] = frozenset(
    {
        "doc_id", "source", "source_ad_id", "url", "title", "text", "city", "posted",
        "price_text", "age_text", "name", "contacts_raw", "image_urls", "image_phash",
        "source_country", "fetched_at", "body_sha256", "http_status", "rendered_js",
        "policy_version", "policy_hash", "authorisation_id", "legal_basis_id", "run_id",
        "lang", "lang_confidence", "contacts", "contact_pseudonyms", "name_pseudonyms",
        "indicators", "categories", "context", "score", "hit", "lexicon_version",
        "stated_age", "price", "source_kind",
        "evidence", "policy", "first_seen", "last_seen", "seen_count", "review",
        "links",
    }
)  # fmt: skip
#: Fields that are never stored, whatever a policy says (data-model section 3).
NEVER_STORED_FIELDS: frozenset[str] = frozenset({"name", "contacts_raw"})
#: Fields whose contact details the pipeline replaces by keyed pseudonyms.
PSEUDONYMISABLE_FIELDS: frozenset[str] = frozenset(
    {"contacts", "contact_pseudonyms", "name_pseudonyms"}
)
#: Free-text fields in which contact details are replaced by tokens.
REDACTABLE_FIELDS: frozenset[str] = frozenset({"title", "text"})

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
_SOURCE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_TIME = re.compile(r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$")


def _id(value: Any) -> str:
    if not isinstance(value, str) or not _ID.match(value):
        raise PydanticCustomError(
            "bad_id",
            "'{value}' is not a usable id",
            {
                "value": value,
                "fix": "Use letters, digits, '.', '_' or '-' only (no spaces), "
                "starting with a letter or digit, at most 80 characters.",
            },
        )
    return value


def _source_id(value: Any) -> str:
    if not isinstance(value, str) or not _SOURCE_ID.match(value):
        raise PydanticCustomError(
            "bad_id",
            "'{value}' is not a usable source id",
            {
                "value": value,
                "fix": "Use lower-case letters, digits, '_' or '-' only, at most 40 "
                "characters; the file must be called sources/<id>.yaml.",
            },
        )
    return value


def _moment(value: Any) -> date | datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            raise PydanticCustomError(
                "bad_date",
                "'{value}' is not a date or a date and time",
                {
                    "value": value,
                    "fix": "Write a date as 2026-01-31, or a moment as "
                    "2026-01-31T18:00:00+01:00 (with the offset from UTC).",
                },
            ) from None
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise PydanticCustomError(
                "naive_datetime",
                "the moment '{value}' has no time zone, so it is ambiguous",
                {
                    "value": value.isoformat(),
                    "fix": "Add the offset from UTC, for example "
                    "2026-01-31T18:00:00+01:00, or give only the date (2026-01-31).",
                },
            )
        return value
    if isinstance(value, date):
        return value
    raise PydanticCustomError(
        "bad_date",
        "'{value}' is not a date",
        {"value": value, "fix": "Write a date as 2026-01-31."},
    )


def _plain_date(value: Any) -> date:
    if isinstance(value, datetime):
        raise PydanticCustomError(
            "bad_date",
            "'{value}' must be a date without a time",
            {"value": value.isoformat(), "fix": "Write only the date, for example 2026-01-31."},
        )
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    if isinstance(value, date):
        return value
    raise PydanticCustomError(
        "bad_date",
        "'{value}' is not a date",
        {"value": value, "fix": "Write a date as 2026-01-31."},
    )


def _timezone(value: Any) -> str:
    try:
        if not isinstance(value, str) or not value:
            raise ValueError(value)
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise PydanticCustomError(
            "bad_timezone",
            "'{value}' is not a known time zone name",
            {
                "value": value,
                "fix": "Use a name from the IANA time zone list, for example "
                "Europe/Amsterdam or Europe/Brussels (not 'CET' or 'UTC+1').",
            },
        ) from None
    return value


def _time(value: Any) -> str:
    if not isinstance(value, str) or not _TIME.match(value):
        raise PydanticCustomError(
            "bad_time",
            "'{value}' is not a time of day in the form HH:MM",
            {
                "value": value,
                "fix": "Write the time with two digits each, between quotes: "
                '"08:00", "22:30"; use "24:00" for the end of the day.',
            },
        )
    return value


def _host(value: Any) -> str:
    if not isinstance(value, str):
        raise PydanticCustomError(
            "bad_host",
            "'{value}' is not a host name",
            {"value": value, "fix": "Write a host name."},
        )
    if "*" in value or "?" in value or value.startswith("."):
        raise PydanticCustomError(
            "wildcard_host",
            "'{value}' is a wildcard; only exact host names may be allowed",
            {
                "value": value,
                "fix": "List every host name in full, for example "
                "www.example.nl and example.nl, each approved on its own.",
            },
        )
    host = value.strip().lower().rstrip(".")
    try:
        ip_address(host)
        return host
    except ValueError:
        pass
    labels = host.split(".")
    if host != value.lower().rstrip(".") or not all(_HOST_LABEL.match(label) for label in labels):
        raise PydanticCustomError(
            "bad_host",
            "'{value}' is not a plain host name",
            {
                "value": value,
                "fix": "Write only the host name, without http://, a port, a path "
                "or spaces: for example www.example.nl or 127.0.0.1.",
            },
        )
    return host


def _regex(value: Any) -> str:
    if not isinstance(value, str):
        raise PydanticCustomError(
            "bad_regex",
            "'{value}' is not text",
            {"value": value, "fix": "Write the pattern as text."},
        )
    try:
        re.compile(value)
    except re.error as exc:
        raise PydanticCustomError(
            "bad_regex",
            "the pattern '{value}' is not a valid regular expression ({reason})",
            {
                "value": value,
                "reason": str(exc),
                "fix": "Correct the pattern; put it between "
                "single quotes, and write a literal '.', '?', '(' or '[' as '\\.', '\\?', '\\(' "
                "or '\\['.",
            },
        ) from None
    return value


def _url(value: Any) -> str:
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise PydanticCustomError(
            "bad_url",
            "'{value}' is not a web address",
            {"value": value, "fix": "Write a full address starting with https://."},
        )
    return str(value)


def _str_schema(**extra: Any) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", **extra})


Id = Annotated[str, PlainValidator(_id), _str_schema(pattern=_ID.pattern)]
SourceId = Annotated[str, PlainValidator(_source_id), _str_schema(pattern=_SOURCE_ID.pattern)]
Moment = Annotated[
    date | datetime,
    PlainValidator(_moment),
    WithJsonSchema(
        {"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}]}
    ),
]
PlainDate = Annotated[date, PlainValidator(_plain_date), _str_schema(format="date")]
TimeZoneName = Annotated[str, PlainValidator(_timezone), _str_schema()]
TimeOfDay = Annotated[str, PlainValidator(_time), _str_schema(pattern=_TIME.pattern)]
Host = Annotated[str, PlainValidator(_host), _str_schema()]
Pattern = Annotated[str, PlainValidator(_regex), _str_schema(format="regex")]
WebAddress = Annotated[str, PlainValidator(_url), _str_schema(format="uri")]
Text = Annotated[str, Field(min_length=1)]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        str_strip_whitespace=True,
        allow_inf_nan=False,
        populate_by_name=False,
    )


class Approval(_Model):
    """A named person who approved this version, in a named role."""

    name: Text = Field(description="Full name of the person who approved.")
    role: Text = Field(description="Their role, e.g. 'legal counsel' or 'data protection officer'.")
    date: PlainDate = Field(description="Date of the approval (YYYY-MM-DD).")


class RetentionDays(_Model):
    """How many days each kind of record may be kept, by review state of a hit."""

    new: int = Field(gt=0, description="Hits nobody has reviewed yet.")
    relevant: int = Field(gt=0, description="Hits an investigator marked relevant.")
    not_relevant: int = Field(gt=0, description="Hits an investigator marked not relevant.")
    logs: int = Field(gt=0, description="Operational logs (ids and pseudonyms only).")
    audit: int = Field(gt=0, description="The audit trail of what was crawled under which policy.")

    HIT_STATES: ClassVar[tuple[str, ...]] = ("new", "relevant", "not_relevant")

    def for_state(self, state: str) -> int:
        """Days a hit in review ``state`` may be kept (unknown states get the shortest)."""
        if state in self.HIT_STATES:
            return int(getattr(self, state))
        return min(self.new, self.relevant, self.not_relevant)


class Ceilings(_Model):
    """Upper limits that no source may exceed."""

    requests_per_second_per_host: float = Field(
        gt=0, description="Most requests per second to one host."
    )
    concurrency: int = Field(ge=1, description="Most requests in flight at once, per source.")
    pages_per_run: int = Field(ge=1, description="Most pages fetched from one source in one run.")
    max_depth: int = Field(ge=0, description="Most links followed away from a start page.")
    longest_authorisation_days: int = Field(
        ge=1, description="Longest allowed authorisation, in days."
    )
    retention_days: RetentionDays = Field(description="Longest retention per kind of record.")


class KillSwitch(_Model):
    """Stops every crawl at once."""

    engaged: bool = Field(description="true stops all crawling until it is set back to false.")
    file: str | None = Field(
        default=None,
        description="Crawling stops while this file exists (relative to the policy folder "
        "unless it starts with '/').",
    )


class Bundle(_Model):
    """bundle.yaml: the version, its approvals and the global ceilings."""

    version: Text = Field(description="Version label of this policy, e.g. 2026.11-1.")
    change_reason: Text = Field(description="Why this version was made, in plain words.")
    effective_from: PlainDate = Field(description="First day this version may be used.")
    review_by: PlainDate = Field(description="Last day this version may be used without a review.")
    timezone: TimeZoneName = Field(
        default="Europe/Amsterdam",
        description="Time zone in which dates without a time (valid_from, review_by...) are read.",
    )
    approvals: list[Approval] = Field(description="At least two approvals by different roles.")
    warning_days: int = Field(
        default=30,
        ge=0,
        description="How many days before an authorisation, a legal basis or this version's "
        "review date ends the check, explain and every crawl start warning about it "
        "(0: no early warning).",
    )
    ceilings: Ceilings
    user_agent: Text = Field(description="How the crawler introduces itself to web sites.")
    contact_url: WebAddress = Field(description="Page where site owners can reach us.")
    kill_switch: KillSwitch


class LegalBasis(_Model):
    """One legal instrument that can justify crawling."""

    id: Id
    instrument: Text = Field(description="The law or regulation, in words.")
    article: Text = Field(description="The article(s) relied on.")
    status: Literal["proposed", "in_force"] = Field(
        description="'proposed' bases cannot be used; only 'in_force' ones."
    )
    in_force_from: PlainDate = Field(description="First day the instrument is in force.")
    in_force_until: PlainDate | None = Field(
        default=None, description="Last day the instrument is in force, if it ends."
    )
    who_may_authorise: list[Text] = Field(min_length=1, description="Roles that may authorise.")
    maximum_duration_days: int = Field(ge=1, description="Longest authorisation under this basis.")
    retention_ceiling_days: int = Field(
        ge=1, description="Longest retention of hits under this basis."
    )


class LegalBases(_Model):
    """legal_bases.yaml"""

    legal_bases: list[LegalBasis]


class Authorisation(_Model):
    """One written authorisation to crawl named sources for a purpose."""

    id: Id
    basis: Id = Field(description="id of the legal basis in legal_bases.yaml.")
    purpose: Text
    offence_scope: Text
    issued_by: Text = Field(description="Name of the person who authorised.")
    role: Text = Field(description="Their role; must be allowed by the legal basis.")
    valid_from: Moment = Field(description="A date (from the start of that day) or a moment.")
    valid_until: Moment = Field(description="A date (to the end of that day) or a moment.")
    necessity_and_proportionality: Text
    sources: list[SourceId] = Field(min_length=1, description="Source ids this covers.")
    status: Literal["active", "suspended", "revoked"]


class Authorisations(_Model):
    """authorisations.yaml"""

    authorisations: list[Authorisation]


class CrawlWindow(_Model):
    """On these days, from one time to another (past midnight when 'until' is earlier)."""

    days: list[Weekday] = Field(min_length=1)
    start: TimeOfDay = Field(alias="from")
    end: TimeOfDay = Field(alias="until")

    @field_validator("start")
    @classmethod
    def _not_end_of_day(cls, value: str) -> str:
        if value == "24:00":
            raise PydanticCustomError(
                "bad_time",
                "a window cannot start at 24:00",
                {"fix": 'Start the window at "00:00" of the next day instead.'},
            )
        return value


class Source(_Model):
    """sources/<id>.yaml: what the crawler may do on one web site."""

    id: SourceId
    description: str | None = Field(default=None, description="A readable name for the site.")
    authorisations: list[Id] = Field(min_length=1, description="ids of authorisations covering it.")
    allowed_hosts: list[Host] = Field(min_length=1, description="Exact host names, no wildcards.")
    allow_url_patterns: list[Pattern] = Field(
        default_factory=list,
        description="If any are given, only addresses whose path matches one may be fetched.",
    )
    deny_url_patterns: list[Pattern] = Field(
        default_factory=list, description="Addresses whose path matches one are never fetched."
    )
    deny_url_patterns_case_sensitive: bool = Field(
        default=False,
        description=(
            "Whether upper and lower case differ in deny_url_patterns. By default they do "
            "not: '/members' also blocks '/Members' and '/MEMBERS'."
        ),
    )
    max_depth: int = Field(ge=0)
    pages_per_run: int = Field(ge=1)
    requests_per_second: float = Field(gt=0)
    concurrency: int = Field(ge=1)
    timezone: TimeZoneName = Field(description="Time zone of crawl_hours (IANA name).")
    crawl_hours: list[CrawlWindow] = Field(min_length=1)
    obey_robots_txt: bool = True
    robots_justification: str | None = None
    robots_approvals: list[Approval] = Field(default_factory=list)
    honour_crawl_delay: bool = True
    javascript_rendering: bool = False
    media: Literal["none", "hash"] = "none"
    stop_status_codes: list[int] = Field(default_factory=lambda: list(DEFAULT_STOP_STATUS_CODES))

    @field_validator("stop_status_codes")
    @classmethod
    def _status_codes(cls, value: list[int]) -> list[int]:
        for code in value:
            if not 100 <= code <= 599:
                raise PydanticCustomError(
                    "bad_status_code",
                    "{code} is not an HTTP status code",
                    {"code": code, "fix": "Use numbers between 100 and 599, e.g. 403."},
                )
        return value


#: Longest time the link store may keep what it notes about an ad without a signal.
MAX_NON_HIT_OBSERVATION_DAYS = 30


class Linking(_Model):
    """How ads may be linked into cases (the link store, docs/linking.md)."""

    keep_non_hit_observations: bool = Field(
        default=False,
        description=(
            "May the link store note, for an ad WITHOUT a trafficking signal, only its contact "
            "pseudonym, city, date and document id (never its text, name or contact details), "
            "so that a person advertised in one city after another is seen even when each ad "
            "is weak on its own? false: ads without a signal leave no trace at all."
        ),
    )
    non_hit_observation_days: int = Field(
        default=14,
        ge=1,
        le=MAX_NON_HIT_OBSERVATION_DAYS,
        description=(
            "Days such a note is kept (1 to 30), counted from the last time the ad was seen; "
            "it has this retention of its own, shorter than that of hits."
        ),
    )


class DataPolicy(_Model):
    """data_policy.yaml: what may be stored about a hit, and for how long."""

    stored_fields: list[Text] = Field(min_length=1)
    pseudonymised: list[Text] = Field(default_factory=list)
    redacted: list[Text] = Field(default_factory=list)
    dropped: list[Text] = Field(default_factory=list)
    derive_origin: bool = Field(description="May the 'origin' indicator be derived?")
    retention_days: RetentionDays
    linking: Linking = Field(
        default_factory=Linking,
        description="Linking ads into cases: what the link store may note about ads "
        "without a signal. Leave out to keep nothing of them.",
    )


#: File name (relative to the policy folder) -> the model of that file.
FILE_MODELS: dict[str, type[_Model]] = {
    "bundle.yaml": Bundle,
    "legal_bases.yaml": LegalBases,
    "authorisations.yaml": Authorisations,
    "data_policy.yaml": DataPolicy,
}
SOURCES_FOLDER = "sources"
