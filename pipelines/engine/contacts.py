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
plain form, while a false positive only hides a few digits. Numbers that ``phonenumbers``
finds *possible* but not *valid* (new or unallocated ranges, the invented numbers of test
data) therefore count when they are long enough or follow a contact cue ("tel", "bel",
"📞", "whatsapp" ...).

Nothing here logs: inputs and results are personal data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import phonenumbers
from phonenumbers import Leniency, PhoneNumberFormat, PhoneNumberMatcher

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
    text: str, region: str | None = DEFAULT_REGION, *, contact_field: bool = False
) -> list[Contact]:
    """Every contact in ``text``, sorted by position, spans not overlapping.

    ``region`` is the ISO 3166 alpha-2 region for numbers written in national format.
    ``contact_field=True`` says the text is a contact string (a ``tel:`` link, the
    phone field of an ad): every possible phone number in it counts.
    """
    if not text:
        return []
    region = _region(region)
    masked = [(m.start(), m.end()) for m in TOKEN_RE.finditer(text)]
    candidates: list[Contact] = []
    candidates.extend(_links(text, region))
    candidates.extend(_emails(text))
    candidates.extend(_handle_mentions(text))
    candidates.extend(_phones(text, region, contact_field=contact_field))
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


def _phones(text: str, region: str, *, contact_field: bool) -> Iterable[Contact]:
    if sum(ch.isdigit() for ch in text) < 3:
        return  # no phone number is shorter
    for match in PhoneNumberMatcher(text, region, leniency=Leniency.POSSIBLE):
        number = match.number
        accepted = (
            contact_field
            or phonenumbers.is_valid_number(number)
            or sum(ch.isdigit() for ch in match.raw_string) >= MIN_DIGITS_WITHOUT_CUE
            or _PHONE_CUE.search(text[max(0, match.start - CUE_WINDOW) : match.start]) is not None
        )
        if accepted:
            value = phonenumbers.format_number(number, PhoneNumberFormat.E164)
            yield Contact(PHONE, value, match.start, match.end)


def _without_overlaps(candidates: list[Contact], masked: list[tuple[int, int]]) -> list[Contact]:
    # Earliest first, longest first at the same position: a wa.me link wins over the
    # number inside it, an e-mail address over digits in its local part.
    chosen: list[Contact] = []
    taken = list(masked)
    for contact in sorted(candidates, key=lambda c: (c.start, -(c.end - c.start))):
        if any(contact.start < end and start < contact.end for start, end in taken):
            continue
        chosen.append(contact)
        taken.append((contact.start, contact.end))
    return chosen
