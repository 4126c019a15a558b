"""Per-site extraction configs.

A source is a YAML file in this folder (or in ``LCOM_SOURCES_DIR``): start URLs,
which pages are listings and which are ads, the selectors that find links and
fields, which pages need JavaScript, and the source's country for phone
parsing. Adding a site needs no Python. See ``crawler/sources/README.md``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

BUNDLED_DIR = Path(__file__).resolve().parent

FIELD_NAMES = ("title", "text", "city", "posted", "price_text", "age_text", "name")


class SourceConfigError(ValueError):
    """A source config file is missing or invalid."""

    def __init__(self, path: Path | str, problems: list[str]) -> None:
        self.path = str(path)
        self.problems = problems
        located = all(p.startswith(f"{path}:") for p in problems)
        super().__init__(("" if located else f"{path}: ") + "; ".join(problems))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PageType(_Model):
    """One kind of page on the site, recognised by its URL path (and query)."""

    url_pattern: str = Field(description="regular expression searched in the URL path+query")
    javascript: bool = Field(
        False, description="render through Chromium (only if the policy allows)"
    )
    wait_for: str | None = Field(None, description="CSS selector to wait for when rendering")
    follow: list[str] = Field(
        default_factory=list,
        description="selectors (CSS ending in ::attr(href), or XPath) whose links are followed",
    )
    ad: bool = Field(False, description="this page is one ad: extract the fields")

    @field_validator("url_pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from exc
        return value


class AdFields(_Model):
    """Selectors for the ad fields; each is CSS (``::text``/``::attr()``) or XPath."""

    id_from_url: str = Field(description="regex with a named group 'id' applied to the URL path")
    id_selector: str | None = Field(None, description="selector for the ad id; wins over the URL")
    title: str
    text: str
    city: str | None = None
    posted: str | None = None
    price_text: str | None = None
    age_text: str | None = None
    name: str | None = None
    contacts: list[str] = Field(
        default_factory=list, description="selectors for contact hrefs/text"
    )
    images: list[str] = Field(default_factory=list, description="selectors for image URLs")

    @field_validator("id_from_url")
    @classmethod
    def _has_id_group(cls, value: str) -> str:
        try:
            pattern = re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from exc
        if "id" not in pattern.groupindex:
            raise ValueError("needs a named group (?P<id>...)")
        return value


class Schedule(_Model):
    """When the source is crawled: a cron expression, always inside the policy's crawl hours
    and authorisation windows (``crawler/scheduling.py``)."""

    cron: str = Field(description="five-field cron expression, e.g. '0 */6 * * *'")
    timezone: str | None = Field(
        None,
        description="IANA time zone of the cron expression (default: the policy's, "
        "for this source's crawl hours)",
    )

    @field_validator("cron")
    @classmethod
    def _cron_parses(cls, value: str) -> str:
        from datetime import UTC, datetime

        from cronsim import CronSim, CronSimError

        try:
            CronSim(value, datetime.now(UTC))
        except CronSimError as exc:
            raise ValueError(
                f"not a valid cron expression ({exc}); write five fields: minute hour "
                "day-of-month month day-of-week, e.g. '0 */6 * * *'"
            ) from exc
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        import zoneinfo

        if value is None:
            return value
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"{value!r} is not a known time zone name (use e.g. Europe/Amsterdam)"
            ) from exc
        return value


class Incremental(_Model):
    """How a recrawl recognises unchanged ads on a listing page (``crawler/incremental.py``)."""

    card: str = Field(description="selector of one ad's card on a listing page")
    link: str = Field(description="selector, inside the card, of the ad's link (::attr(href))")


class SourceConfig(_Model):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166 code for phone parsing")
    base_url: str = Field(description="default base URL; '{base_url}' in start_urls is replaced")
    start_urls: list[str] = Field(min_length=1)
    pages: dict[str, PageType] = Field(min_length=1)
    ad: AdFields
    language_hint: str | None = None
    kind: Literal["classifieds", "escort", "dating", "massage", "other"] = "classifieds"
    #: When ``lcom schedule`` crawls this source (none: only by hand).
    schedule: Schedule | None = None
    #: Listing signals that let a recrawl skip unchanged ads (none: every ad is fetched).
    incremental: Incremental | None = None

    def resolved_start_urls(self, base_url: str | None = None) -> list[str]:
        base = (base_url or self.base_url).rstrip("/")
        return [url.replace("{base_url}", base) for url in self.start_urls]

    def page_type_for(self, path_and_query: str) -> tuple[str, PageType] | None:
        """First page type whose pattern matches, in file order."""
        for name, page in self.pages.items():
            if re.search(page.url_pattern, path_and_query):
                return name, page
        return None


def sources_dir(setting: str | None = None) -> Path:
    """``LCOM_SOURCES_DIR``, else ``<LCOM_HOME>/sources`` when it exists, else the bundled."""
    from pipelines.home import home_sources_dir

    if setting:
        return Path(setting)
    return home_sources_dir() or BUNDLED_DIR


def load_source(source: str, directory: str | Path | None = None) -> SourceConfig:
    """Load a source by id (``demo``) or by path to a YAML file.

    An id is looked up in ``directory`` (``LCOM_SOURCES_DIR``); without one, in
    ``<LCOM_HOME>/sources`` and then among the bundled sources.
    """
    path = Path(source)
    if path.suffix not in (".yaml", ".yml"):
        path = sources_dir(str(directory) if directory else None) / f"{source}.yaml"
        if not directory and not path.is_file() and (BUNDLED_DIR / f"{source}.yaml").is_file():
            path = BUNDLED_DIR / f"{source}.yaml"
    if not path.is_file():
        available = sorted(p.stem for p in path.parent.glob("*.yaml"))
        raise SourceConfigError(
            path, [f"no such source config (available: {', '.join(available)})"]
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SourceConfigError(path, [f"not UTF-8 text (byte {exc.start})"]) from exc
    except OSError as exc:
        raise SourceConfigError(path, [f"cannot be read: {exc.strerror or exc}"]) from exc
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SourceConfigError(path, [f"not valid YAML: {exc}"]) from exc
    try:
        return SourceConfig.model_validate(data)
    except ValidationError as exc:
        positions = _positions(text)
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            line = next(
                (positions[loc[:end]] for end in range(len(loc), -1, -1) if loc[:end] in positions),
                None,
            )
            where = f"{path}:{line}: " if line else f"{path}: "
            field = ".".join(str(p) for p in loc) or "(top)"
            message = err["msg"]
            if err["type"] == "extra_forbidden":
                message = f"'{loc[-1]}' is not a known field (a typing error?)"
            problems.append(f"{where}{field}: {message}")
        raise SourceConfigError(path, problems) from exc


def _positions(text: str) -> dict[tuple[Any, ...], int]:
    """1-based line of every key and list item, by its path (``('pages', 'ad', 'url')``)."""
    positions: dict[tuple[Any, ...], int] = {}

    def walk(node: yaml.Node, path: tuple[Any, ...]) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                here = (*path, str(key.value))
                positions[here] = key.start_mark.line + 1
                walk(value, here)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                positions[(*path, index)] = item.start_mark.line + 1
                walk(item, (*path, index))

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return positions
    if root is not None:
        positions[()] = root.start_mark.line + 1
        walk(root, ())
    return positions
