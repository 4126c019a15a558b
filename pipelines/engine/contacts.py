"""Find contact details in ad text and contact strings.

Three kinds of contact, each found with its span in the text:

- ``phone``: numbers found by ``phonenumbers`` in the source's default region
  (national and international formats, spaced, dotted or dashed digits,
  ``"+31(0)6 ..."``, ``"0031 6 ..."``), WhatsApp links (``https://wa.me/<digits>``).
  Normalised to E.164.
- ``email``: plain addresses and the usual obfuscations (``name [at] domain [dot] com``,
  ``name (at) domain.com``, ``name at domain dot com``). Normalised to lower case.
- ``handle``: messenger and social-media names: Telegram, Instagram and Snapchat links
  and ``telegram: @name``, ``snap/insta: @name`` style mentions. Normalised to lower
  case without the ``@``; the service is kept in :attr:`Contact.service` but is not part
  of the value (people reuse a handle across services).

Recall matters more than precision here: a missed contact stays in the stored text in
plain form, while a false positive only hides a few digits. Phones are found in runs of
digit groups (digits with only spaces, dots, dashes, slashes or brackets between them):
within a run the best choice of windows of consecutive groups is parsed by
``phonenumbers``, preferring numbers written with a trunk or international prefix and
valid numbers, so a price, age or room number written next to a number is neither glued
to it nor makes it stay in plain text, and "24/7" is never part of a number. Numbers that
are *possible* but not *valid* (new or unallocated ranges, the invented numbers of test
data) count when they are long enough or follow a contact cue ("tel", "bel", "📞",
"whatsapp" ...). Whatever digits are left in a run, 8 or more of them (dates aside),
are taken for a phone number all the same (fail closed). The scan is linear in the
text: there is no limit after which numbers are no longer looked for.

Nothing here logs: inputs and results are personal data.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

import phonenumbers
from phonenumbers import PhoneNumberFormat

PHONE = "phone"
EMAIL = "email"
HANDLE = "handle"
KINDS: tuple[str, ...] = (PHONE, EMAIL, HANDLE)

#: Region used when the source gives none (or an unknown one).
DEFAULT_REGION = "NL"

#: A possible-but-not-valid number counts when it has at least this many digits.
MIN_DIGITS_WITHOUT_CUE = 9
#: How far before a number a contact cue may end (characters).
CUE_WINDOW = 24
#: Fewer digits are never taken for a phone number in ad text.
MIN_PHONE_DIGITS = 6
#: More digits are never one phone number (E.164 allows 15, plus a "00" or trunk "0").
MAX_PHONE_DIGITS = 17
#: Digits no phone number was recognised in are redacted all the same from this many on
#: (fail closed), unless they are a date.
FAIL_CLOSED_DIGITS = 8


@dataclass(frozen=True, slots=True)
class Contact:
    """One contact occurrence: ``text[start:end]`` is what it replaces."""

    kind: str
    value: str
    start: int
    end: int
    service: str | None = None


# Tokens written by the pseudonymiser: never look inside them again (re-processing).
TOKEN_RE = re.compile(r"\[(?:phone|email|handle):[0-9a-f]{8}\]")

_URL_TAIL = r"[^\s<>\"'()\[\]{}]*"

_WHATSAPP_LINK = re.compile(
    r"(?:https?://)?(?:www\.)?"
    r"(?:wa\.me/|(?:api\.)?whatsapp\.com/send/?\?(?:[^\s]*?&)?phone=)"
    r"(?P<number>\+?\d[\d\-]{5,20}\d)" + _URL_TAIL,
    re.IGNORECASE,
)

_LINK_MARKERS = ("wa.me", "whatsapp.com", "t.me", "telegram.", "instagr", "snapchat.com")

_HANDLE_LINKS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "telegram",
        re.compile(
            r"(?:https?://)?(?:www\.)?(?:t|telegram)\.(?:me|dog)/(?:s/|joinchat/|\+)?"
            r"(?P<name>[A-Za-z0-9_\-]{3,64})" + _URL_TAIL,
            re.IGNORECASE,
        ),
    ),
    (
        "instagram",
        re.compile(
            r"(?:https?://)?(?:www\.)?(?:instagram\.com|instagr\.am)/"
            r"(?P<name>[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?)" + _URL_TAIL,
            re.IGNORECASE,
        ),
    ),
    (
        "snapchat",
        re.compile(
            r"(?:https?://)?(?:www\.)?snapchat\.com/add/"
            r"(?P<name>[A-Za-z][A-Za-z0-9_.\-]{1,30}[A-Za-z0-9])" + _URL_TAIL,
            re.IGNORECASE,
        ),
    ),
)

_SERVICES = {
    "telegram": "telegram",
    "tg": "telegram",
    "tlg": "telegram",
    "snapchat": "snapchat",
    "snap": "snapchat",
    "instagram": "instagram",
    "insta": "instagram",
    "ig": "instagram",
    "kik": "kik",
    "signal": "signal",
    "skype": "skype",
    "threema": "threema",
    "wechat": "wechat",
    "tiktok": "tiktok",
    "twitter": "twitter",
    "onlyfans": "onlyfans",
}
_SERVICE_WORD = "|".join(sorted(_SERVICES, key=len, reverse=True))
# "telegram: @name", "snap/insta: @name", "insta @name", "kik: name". Without an "@"
# a separator is required, so "telegram only" or "snap me" are not handles.
_HANDLE_MENTION = re.compile(
    rf"(?<![\w@])(?P<service>{_SERVICE_WORD})"
    rf"(?:\s*[/&,+|]\s*(?:{_SERVICE_WORD}))*"
    r"(?:\s*(?P<sep>[:=]|-+>?|–|→)\s*|\s+)"
    r"(?P<at>@)?(?P<name>[A-Za-z0-9_](?:[A-Za-z0-9_.]{1,30}[A-Za-z0-9_])?)",
    re.IGNORECASE,
)

_LOCAL = r"[A-Za-z0-9][A-Za-z0-9._%+\-]*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?"
_OPEN, _CLOSE = r"[\[\(\{<]", r"[\]\)\}>]"
_AT = rf"(?:@|\s+@\s+|\s*{_OPEN}\s*(?:at|@)\s*{_CLOSE}\s*|\s+(?P<word_at>at)\s+)"
_DOT_WORDS = r"dot|punt|punkt|punto|pont|kropka|точка|\."
_DOT = rf"(?:\.|\s*{_OPEN}\s*(?:{_DOT_WORDS})\s*{_CLOSE}\s*|\s+(?:dot|punt|punkt)\s+)"
_EMAIL = re.compile(
    rf"(?<![\w.%+\-])(?P<local>{_LOCAL}){_AT}(?P<domain>{_LABEL}(?:{_DOT}{_LABEL})*"
    rf"{_DOT}[A-Za-z]{{2,24}})(?![\w\-])",
    re.IGNORECASE,
)
_DOT_SPLIT = re.compile(_DOT, re.IGNORECASE)

# A word that, right before a number, says "this is a phone number".
_DIGIT_GROUP = re.compile(r"\+?\d+")
# What may stand between the digit groups of one number: spaces, dots, dashes, slashes,
# brackets, underscores (at most a few of them, on at most one line break).
_GROUP_GAP = re.compile(
    r"[ \t\r\n\u00a0\u2009\u200b.\-/()_~\u2010-\u2015\u2212\uff08\uff09\uff0d\uff0e\uff0f]{1,4}"
)
_SEPARATORS_AS_SPACE = str.maketrans({ch: " " for ch in "_~\u200b"})
# Availability ("24/7", "7/24", "24/24") is never part of a phone number.
_NOT_A_NUMBER = re.compile(r"(?<!\d)(?:24|7)\s?/\s?(?:24|7)(?!\d)")
# Dates are left alone by the fail-closed rule: 2024-11-20, 20.11.2024, 20/11/2024.
_DATE = re.compile(
    r"(?:19|20)\d\d[-./](?:0?[1-9]|1[0-2])[-./](?:0?[1-9]|[12]\d|3[01])"
    r"|(?:0?[1-9]|[12]\d|3[01])[-./](?:0?[1-9]|1[0-2])[-./](?:19|20)\d\d"
)


class _Group(NamedTuple):
    """A group of digits in a text: ``text[start:end]``, ``digits`` of them."""

    start: int
    end: int
    digits: int


_PHONE_CUE = re.compile(
    r"(?:\b(?:tel|telf|tlf|phone|call|ring|text|sms|mobile?|mob|gsm|nr|no|num(?:ber|mer)?|"
    r"bel|bellen|telefoon|telefon|telefono|teléfono|telefonu|llama|llámame|anrufen|ruf|handy|"
    r"whats\s?app|wa|app|viber|signal|kontakt|contact|hívj(?:on|ál)?|sun[aă]|zadzwoń|"
    r"тел|телефон|звънни)\b\.?|[☎📞📱✆☏])"
    r"[\s:.\-–=>/()*]*$",
    re.IGNORECASE,
)


def normalise_email(value: str) -> str:
    """Lower-case an address and turn ``[at]``/``[dot]`` spellings into ``@``/``.``."""
    match = _EMAIL.fullmatch(value.strip())
    if match is None:
        return value.strip().lower()
    domain = ".".join(part for part in _DOT_SPLIT.split(match["domain"]) if part)
    return f"{match['local']}@{domain}".lower()


def normalise_handle(value: str) -> str:
    """Lower-case a handle and drop a leading ``@``."""
    return value.strip().lstrip("@").lower()


def normalise_phone(value: str, region: str | None = DEFAULT_REGION) -> str | None:
    """E.164 form of a phone number, or None if ``phonenumbers`` cannot parse it."""
    try:
        number = phonenumbers.parse(value, _region(region))
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def normalise(kind: str, value: str) -> str:
    """Normalise a value of ``kind`` as pseudonyms expect it (phones must be E.164)."""
    if kind == EMAIL:
        return normalise_email(value)
    if kind == HANDLE:
        return normalise_handle(value)
    if kind == PHONE:
        return value.strip()
    raise ValueError(f"unknown contact kind {kind!r}")


def extract_contacts(
    text: str,
    region: str | None = DEFAULT_REGION,
    *,
    contact_field: bool = False,
    identifier: bool = False,
) -> list[Contact]:
    """Every contact in ``text``, sorted by position, spans not overlapping.

    ``region`` is the ISO 3166 alpha-2 region for numbers written in national format.
    ``contact_field=True`` says the text is a contact string (a ``tel:`` link, the
    phone field of an ad): every possible phone number in it counts.
    ``identifier=True`` says the text is a URL path or query or an ad id, where long
    numbers are usually ids: a phone number counts only when written with its trunk or
    international prefix ("anna-0612345678", "tel=+31...") or after a contact cue
    ("tel=", "phone/"), and other runs of digits are not redacted (no fail-closed rule).
    """
    if not text:
        return []
    region = _region(region)
    masked = [(m.start(), m.end()) for m in TOKEN_RE.finditer(text)]
    candidates: list[Contact] = []
    candidates.extend(_links(text, region))
    candidates.extend(_emails(text))
    candidates.extend(_handle_mentions(text))
    candidates.extend(_phones(text, region, contact_field=contact_field, identifier=identifier))
    return _without_overlaps(candidates, masked)


def extract_from_contact_strings(
    values: Iterable[str], region: str | None = DEFAULT_REGION
) -> list[list[Contact]]:
    """:func:`extract_contacts` for each contact string (``contacts_raw``)."""
    return [extract_contacts(value, region, contact_field=True) for value in values]


def _region(region: str | None) -> str:
    if region:
        upper = region.strip().upper()
        if upper in phonenumbers.SUPPORTED_REGIONS:
            return upper
    return DEFAULT_REGION


def _links(text: str, region: str) -> Iterable[Contact]:
    lowered = text.lower()
    if not any(marker in lowered for marker in _LINK_MARKERS):
        return  # most ads have no links: skip the (slower) link patterns
    for match in _WHATSAPP_LINK.finditer(text):
        digits = re.sub(r"\D", "", match["number"])
        value = normalise_phone("+" + digits, region) or "+" + digits
        yield Contact(PHONE, value, match.start(), _trim_url_end(text, match), "whatsapp")
    for service, pattern in _HANDLE_LINKS:
        for match in pattern.finditer(text):
            yield Contact(
                HANDLE,
                normalise_handle(match["name"]),
                match.start(),
                _trim_url_end(text, match),
                service,
            )


def _trim_url_end(text: str, match: re.Match[str]) -> int:
    # A URL at the end of a sentence: the final full stop or comma is not part of it.
    end = match.end()
    while end > match.start() and text[end - 1] in ".,;:!?":
        end -= 1
    return end


def _emails(text: str) -> Iterable[Contact]:
    for match in _EMAIL.finditer(text):
        raw = match.group()
        if match["word_at"] is not None and not re.search(
            rf"\s(?:dot|punt|punkt)\s|{_OPEN}", raw, re.IGNORECASE
        ):
            # "we meet at the station.Then" is not an address: a spelled-out "at"
            # counts only with a spelled-out or bracketed "dot".
            continue
        yield Contact(EMAIL, normalise_email(raw), match.start(), match.end())


def _handle_mentions(text: str) -> Iterable[Contact]:
    for match in _HANDLE_MENTION.finditer(text):
        if match["at"] is None and match["sep"] is None:
            continue
        name = match["name"]
        if match["at"] is None and (name.isdigit() or name[0].isdigit()):
            # "whatsapp: 0612..." / "signal: 06..." is a number, found as a phone.
            continue
        start = match.start("at") if match["at"] else match.start("name")
        service = _SERVICES[match["service"].lower()]
        yield Contact(HANDLE, normalise_handle(name), start, match.end("name"), service)


def _phones(
    text: str, region: str, *, contact_field: bool, identifier: bool = False
) -> Iterable[Contact]:
    if sum(ch.isdigit() for ch in text) < 3:
        return  # no phone number is shorter
    scan = _masked_for_phones(text)
    for run in _digit_runs(scan):
        yield from _phones_in_run(
            text, run, region, contact_field=contact_field, identifier=identifier
        )


def _masked_for_phones(text: str) -> str:
    # Tokens and "24/7" are never part of a number: blank them with a letter (same
    # length, so offsets stay those of ``text``), which also ends a run of digits.
    if "[" not in text and "/" not in text:
        return text
    chars = list(text)
    for pattern in (TOKEN_RE, _NOT_A_NUMBER):
        for match in pattern.finditer(text):
            chars[match.start() : match.end()] = "x" * (match.end() - match.start())
    return "".join(chars)


def _digit_runs(scan: str) -> Iterable[list[_Group]]:
    """Runs of digit groups with only separators (spaces, dots, dashes ...) between."""
    run: list[_Group] = []
    for match in _DIGIT_GROUP.finditer(scan):
        start = match.start()
        if run and _GROUP_GAP.fullmatch(scan, run[-1].end, start) is None:
            yield run
            run = []
        plus = scan[start] == "+"
        run.append(_Group(start, match.end(), match.end() - start - plus))
    if run:
        yield run


def _phones_in_run(
    text: str, run: list[_Group], region: str, *, contact_field: bool, identifier: bool
) -> Iterable[Contact]:
    if sum(group.digits for group in run) < MIN_PHONE_DIGITS:
        return
    # The best choice of non-overlapping windows of consecutive groups (dynamic
    # programming from the right). A price, an age or "24 uur" next to a number is not
    # part of it, and two numbers side by side are two numbers.
    count = len(run)
    best: list[tuple[int, tuple[Contact, ...]]] = [(0, ())] * (count + 1)
    for first in range(count - 1, -1, -1):
        best[first] = best[first + 1]
        digits = 0
        for last in range(first, count):
            digits += run[last].digits
            if digits > MAX_PHONE_DIGITS:
                break
            if digits < MIN_PHONE_DIGITS:
                continue
            scored = _window(text, run[first], run[last], digits, region, contact_field, identifier)
            if scored is None:
                continue
            weight = scored[0] + best[last + 1][0]
            if weight > best[first][0]:
                best[first] = (weight, (scored[1], *best[last + 1][1]))
    chosen = best[0][1]
    yield from chosen
    if identifier:
        return
    # Fail closed: digits in which no number was recognised but which are long enough
    # to be one are redacted all the same. A false positive hides a few digits; a miss
    # would store a phone number in plain text.
    leftover: list[_Group] = []
    for group in run:
        if any(c.start <= group.start and group.end <= c.end for c in chosen):
            yield from _fallback(text, leftover, region)
            leftover = []
        else:
            leftover.append(group)
    yield from _fallback(text, leftover, region)


def _window(
    text: str,
    first: _Group,
    last: _Group,
    digits: int,
    region: str,
    contact_field: bool,
    identifier: bool,
) -> tuple[int, Contact] | None:
    """Weight and contact of ``text[first.start:last.end]`` if it is a phone number."""
    start, end = _with_brackets(text, first.start, last.end)
    if identifier and not (_starts_with_prefix(text[first.start]) or _cue_before(text, start)):
        return None
    number = _parse(text[start:end], region)
    if number is None:
        return None
    valid = phonenumbers.is_valid_number(number)
    if not valid:
        if not phonenumbers.is_possible_number(number):
            return None
        if not (contact_field or digits >= MIN_DIGITS_WITHOUT_CUE or _cue_before(text, start)):
            return None
    # A number written with its trunk or international prefix ("06 ...", "+31 ...",
    # "0031 ...") beats one that borrows a price or an age in front of it; a valid
    # number beats a merely possible one; then the longer valid number, or the possible
    # number of the usual length.
    weight = 2000 if _starts_with_prefix(text[first.start]) else 0
    if valid:
        weight += 1000 + digits
    elif len(phonenumbers.national_significant_number(number)) in _usual_lengths(number):
        weight += 100
    else:
        weight += 50
    value = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    return weight, Contact(PHONE, value, start, end)


def _fallback(text: str, groups: list[_Group], region: str) -> Iterable[Contact]:
    digits = sum(group.digits for group in groups)
    if digits < FAIL_CLOSED_DIGITS:
        return
    # Leave a price or an age in front of the number when the digits from a trunk or
    # international prefix on are long enough on their own.
    for index, group in enumerate(groups):
        if _starts_with_prefix(text[group.start]) and digits >= FAIL_CLOSED_DIGITS:
            yield from _fallback(text, groups[:index], region)
            groups = groups[index:]
            break
        digits -= group.digits
    start, end = _with_brackets(text, groups[0].start, groups[-1].end)
    raw = text[start:end]
    if _DATE.fullmatch(raw) is not None:
        return
    number = _parse(raw, region)
    if number is not None:
        value = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    else:
        value = ("+" if raw.startswith("+") else "") + "".join(
            str(int(ch)) for ch in raw if ch.isdecimal()
        )
    yield Contact(PHONE, value, start, end)


def _cue_before(text: str, start: int) -> bool:
    return _PHONE_CUE.search(text[max(0, start - CUE_WINDOW) : start]) is not None


def _parse(raw: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(raw.translate(_SEPARATORS_AS_SPACE), region)
    except phonenumbers.NumberParseException:
        return None


def _with_brackets(text: str, start: int, end: int) -> tuple[int, int]:
    # "(06) 12345678": the opening bracket belongs to the number.
    opened = text.count("(", start, end) - text.count(")", start, end)
    if opened < 0 and start > 0 and text[start - 1] == "(":
        start -= 1
    elif opened > 0 and end < len(text) and text[end] == ")":
        end += 1
    return start, end


def _starts_with_prefix(char: str) -> bool:
    return char == "+" or (char.isdecimal() and int(char) == 0)


@functools.cache
def _usual_lengths_of_region(region: str | None) -> frozenset[int]:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region or "")
    if metadata is None:
        return frozenset()
    lengths: set[int] = set()
    for desc in (metadata.mobile, metadata.fixed_line):
        known = [n for n in (desc.possible_length if desc else ()) if n > 0]
        if known:
            lengths.add(min(known))
    return frozenset(lengths)


def _usual_lengths(number: phonenumbers.PhoneNumber) -> frozenset[int]:
    return _usual_lengths_of_region(
        phonenumbers.region_code_for_country_code(number.country_code or 0)
    )


def _without_overlaps(candidates: list[Contact], masked: list[tuple[int, int]]) -> list[Contact]:
    # Earliest first, longest first at the same position: a wa.me link wins over the
    # number inside it, an e-mail address over digits in its local part. One sweep:
    # a candidate overlaps a chosen one only if it starts before the furthest end so far.
    chosen: list[Contact] = []
    starts = [start for start, _ in masked]  # tokens: sorted, never overlapping
    reach = 0
    for contact in sorted(candidates, key=lambda c: (c.start, -(c.end - c.start))):
        if contact.start < reach:
            continue
        index = bisect.bisect_right(starts, contact.start) - 1
        if index >= 0 and masked[index][1] > contact.start:
            continue
        if index + 1 < len(masked) and masked[index + 1][0] < contact.end:
            continue
        chosen.append(contact)
        reach = contact.end
    return chosen
