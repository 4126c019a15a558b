"""Find contact details in ad text, identifiers and log lines.

Detection runs on the contact skeleton of the text (:mod:`pipelines.engine.skeleton`:
NFKC and digit maps, invisible characters removed, letters and number words read as
digits, separators between digit groups read as spaces), and every contact found is
mapped back to its span in the original text. Three kinds of contact:

- ``phone``: numbers found by ``phonenumbers`` in the source's region (national and
  international formats, ``"+31(0)6 ..."``, ``"0031 6 ..."``), WhatsApp links
  (``https://wa.me/<digits>``). Normalised to E.164.
- ``email``: plain addresses and obfuscations: ``@`` or ``.`` spelled out in any of the
  eight languages (``at``/``dot``, ``arroba``/``punto``, ``kukac``/``pont``, ``małpa``/
  ``kropka`` ...), bare, in brackets or between dashes (``-at-``), spaced out, or a
  provider named instead of a domain (``anna93 (gmail)``). Normalised to lower case.
- ``handle``: messenger and social-media names: links (Telegram, ``tg://resolve``,
  Instagram, Snapchat, TikTok, X/Twitter, OnlyFans, Line, Kik, Facebook, VK, Threema),
  ``telegram: @name``, ``Telegram name anna_x``, ``SC:``/👻 for Snapchat, Wickr, Line,
  any bare ``@name`` (fail closed), and Skype ``live:`` ids, whose WHOLE id is the
  value. Normalised to lower case without the ``@``; the service is kept in
  :attr:`Contact.service` but is not part of the value (people reuse a handle).

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
are taken for a phone number all the same (fail closed). In identifiers (URL paths and
queries, ad ids) a number counts with a prefix or a cue, or when it is a valid mobile
number of the source's region or a neighbouring one, or valid once read with its country
code ("anna-612345678", "ad/31612345678"). The scan is linear in the text: there is no
limit after which numbers are no longer looked for.

Nothing here logs: inputs and results are personal data.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

import ahocorasick
import phonenumbers
from phonenumbers import PhoneNumberFormat

from pipelines.engine.skeleton import NUMBER_WORDS, Skeleton, skeleton

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
#: Digit strings whose phone-number reading is kept (per region), most recent first.
PARSE_CACHE_SIZE = 4096


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

_LINK_MARKERS = (
    "wa.me", "whatsapp.com", "t.me", "telegram.", "tg://", "instagr", "snapchat.com",
    "tiktok.com", "twitter.com", "x.com", "onlyfans.com", "fansly.com", "line.me",
    "kik.me", "m.me", "facebook.com", "fb.com", "vk.com", "threema.id", "skype:",
    "signal.me", "viber:",
)  # fmt: skip

_NAME_TAIL = r"(?P<name>[A-Za-z0-9_](?:[A-Za-z0-9_.\-]{0,48}[A-Za-z0-9_])?)"


def _link(host: str, path: str = "") -> re.Pattern[str]:
    return re.compile(
        rf"(?<![\w.\-/])(?:https?://)?(?:www\.|m\.|mobile\.)?{host}/{path}{_NAME_TAIL}{_URL_TAIL}",
        re.IGNORECASE,
    )


_HANDLE_LINKS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("telegram", _link(r"(?:t|telegram)\.(?:me|dog)", r"(?:s/|joinchat/|\+)?")),
    (
        "telegram",
        re.compile(
            r"tg://(?:resolve|msg)\?(?:[^\s]*?&)?domain=" + _NAME_TAIL + _URL_TAIL, re.IGNORECASE
        ),
    ),
    ("instagram", _link(r"(?:instagram\.com|instagr\.am)")),
    ("snapchat", _link(r"snapchat\.com", r"(?:add/)?")),
    ("tiktok", _link(r"tiktok\.com", r"@?")),
    ("twitter", _link(r"(?:twitter|x)\.com", r"@?")),
    ("onlyfans", _link(r"(?:onlyfans|fansly)\.com")),
    ("line", _link(r"line\.me", r"(?:R/)?(?:ti/p/)?~?")),
    ("kik", _link(r"kik\.me")),
    ("facebook", _link(r"(?:m\.me|facebook\.com|fb\.com)")),
    ("vk", _link(r"vk\.com")),
    ("threema", _link(r"threema\.id")),
)

_SERVICES = {
    "telegram": "telegram",
    "teleg": "telegram",
    "telega": "telegram",
    "tg": "telegram",
    "tlg": "telegram",
    "телеграм": "telegram",
    "тг": "telegram",
    "snapchat": "snapchat",
    "snap": "snapchat",
    "sc": "snapchat",
    "\U0001f47b": "snapchat",
    "\U0001f4f7": "instagram",
    "\U0001f4f8": "instagram",
    "\u2708\ufe0f": "telegram",
    "\u2708": "telegram",
    "снап": "snapchat",
    "instagram": "instagram",
    "insta": "instagram",
    "ig": "instagram",
    "инстаграм": "instagram",
    "инста": "instagram",
    "kik": "kik",
    "signal": "signal",
    "skype": "skype",
    "скайп": "skype",
    "threema": "threema",
    "wechat": "wechat",
    "wickr": "wickr",
    "wickr me": "wickr",
    "wickrme": "wickr",
    "line": "line",
    "tiktok": "tiktok",
    "tik tok": "tiktok",
    "twitter": "twitter",
    "x": "twitter",
    "onlyfans": "onlyfans",
    "fansly": "onlyfans",
    "discord": "discord",
    "session": "session",
    "viber": "viber",
    "facebook": "facebook",
    "messenger": "facebook",
}
#: Service words that are everyday words too: they need a ":" (or "id", "name" ...).
_AMBIGUOUS_SERVICES = frozenset({"sc", "x", "line", "session", "signal", "messenger", "ig"})
_SERVICE_WORD = "|".join(sorted(map(re.escape, _SERVICES), key=len, reverse=True))
_QUALIFIERS = (
    r"(?:user\s?name|username|user|name|nick(?:name)?|handle|id|account|acc|naam|"
    r"gebruikersnaam|benutzername|benutzer|nume|utilizator|име|профил|nev|felhasznalo|"
    r"nazwa|nick|login|nombre|usuario|cuenta|me)"
)
_FILLERS = r"(?:is|ist|es|este|e|jest|to|van|де|е|:)"
_HANDLE_NAME = (
    r"(?P<name>(?:live:(?:\.cid\.)?)?[A-Za-z0-9_](?:[A-Za-z0-9_.\-]{0,48}[A-Za-z0-9_])?)"
    r"(?![A-Za-z0-9_])"
)
# "telegram: @name", "snap/insta: @name", "insta @name", "kik: name", "Telegram name
# anna_x", "skype: live:.cid.1a2b". Without "@", ":" or a word such as "name"/"id", the
# name must not be an everyday word ("telegram only", "snap me").
_HANDLE_MENTION = re.compile(
    rf"(?<![\w@])(?P<service>{_SERVICE_WORD})"
    rf"(?:\s*[/&,+|]\s*(?:{_SERVICE_WORD}))*"
    rf"(?:\s*[\-_]?\s*(?P<qual>{_QUALIFIERS}))?"
    r"(?:\s*(?P<sep>[:=]|-+>?|–|→|➡️?|👉)\s*"
    rf"|\s+(?:(?P<filler>{_FILLERS})\s+)?)"
    rf"(?P<at>@)?{_HANDLE_NAME}",
    re.IGNORECASE,
)
_LOOKS_LIKE_HANDLE = re.compile(r"[\d_.]")
#: Words after a service name that are not a handle.
_NOT_A_NAME = frozenset(
    [
        "only",
        "just",
        "me",
        "too",
        "also",
        "and",
        "or",
        "available",
        "here",
        "please",
        "pls",
        "ok",
        "okay",
        "for",
        "with",
        "contact",
        "chat",
        "msg",
        "message",
        "messages",
        "call",
        "calls",
        "video",
        "sms",
        "text",
        "app",
        "only.",
        "is",
        "are",
        "the",
        "a",
        "an",
        "my",
        "our",
        "your",
        "via",
        "on",
        "in",
        "at",
        "to",
        "of",
        "by",
        "from",
        "nur",
        "auch",
        "und",
        "oder",
        "bitte",
        "hier",
        "mit",
        "alleen",
        "ook",
        "en",
        "of",
        "beschikbaar",
        "alsjeblieft",
        "hier",
        "met",
        "op",
        "doar",
        "si",
        "sau",
        "aici",
        "disponibil",
        "cu",
        "pe",
        "solo",
        "tambien",
        "y",
        "o",
        "aqui",
        "disponible",
        "con",
        "por",
        "csak",
        "is",
        "es",
        "vagy",
        "itt",
        "elerheto",
        "tylko",
        "tez",
        "i",
        "lub",
        "tutaj",
        "dostepna",
        "dostepny",
        "само",
        "също",
        "или",
        "и",
        "тук",
        "на",
        "ми",
    ]
)
# "@name", "@name on Telegram": a bare mention is a handle (fail closed), unless it is
# only digits ("@150" is a price).
_BARE_MENTION = re.compile(
    r"(?<![\w@.])@(?P<name>[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,48}[A-Za-z0-9_])?)"
)
_SERVICE_AFTER = re.compile(
    rf"\s*(?:on|op|auf|pe|na|en|w|via|at|in|im|за|в|на|-|\()?\s*(?P<service>{_SERVICE_WORD})\b",
    re.IGNORECASE,
)
# A Skype id written on its own: the whole id is the handle.
_SKYPE_ID = re.compile(r"(?<![\w:])live:(?:\.cid\.)?[A-Za-z0-9_][A-Za-z0-9_.\-]{2,}", re.IGNORECASE)

_LOCAL = r"[A-Za-z0-9][A-Za-z0-9._%+\-]*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?"
_OPEN, _CLOSE = r"[\[\(\{<]", r"[\]\)\}>]"
#: "@" written as a word, in the eight languages (without accents: the skeleton drops them).
_AT_WORDS = (
    r"at|arroba|kukac|malpa|małpa|apenstaartje|klammeraffe|affenschwanz|arond|a\s?rond|"
    r"кльомба|маймунка|маимунка|ат|собака"
)
#: "." written as a word.
_DOT_WORDS = r"dot|punt|punkt|punto|pont|kropka|точка|punct|tochka|\."
# "@" as a sign or a word: bare (spaced), in brackets, or between dashes/underscores.
_AT = (
    rf"(?:@|\s+@\s+|\s*{_OPEN}\s*(?:{_AT_WORDS}|@)\s*{_CLOSE}\s*"
    rf"|\s*[\-_*]\s*(?:{_AT_WORDS})\s*[\-_*]\s*|\s+(?P<word_at>{_AT_WORDS})\s+)"
)
_DOT = (
    rf"(?:\s?\.\s?|\s*{_OPEN}\s*(?:{_DOT_WORDS})\s*{_CLOSE}\s*"
    rf"|\s*[\-_*]\s*(?:{_DOT_WORDS})\s*[\-_*]\s*|\s+(?:{_DOT_WORDS})\s+)"
)
# A dot spelled out inside the local part ("lena dot k at ...").
_LOCAL_DOT = (
    rf"(?:\s*{_OPEN}\s*(?:{_DOT_WORDS.removesuffix('|' + chr(92) + '.')})\s*{_CLOSE}\s*"
    rf"|\s+(?:{_DOT_WORDS.removesuffix('|' + chr(92) + '.')})\s+)"
)
_EMAIL = re.compile(
    rf"(?<![\w.%+\-])(?P<local>{_LOCAL}(?:{_LOCAL_DOT}{_LOCAL})*){_AT}"
    rf"(?P<domain>{_LABEL}(?:{_DOT}{_LABEL})*"
    rf"{_DOT}[A-Za-z]{{2,24}})(?![\w\-])",
    re.IGNORECASE,
)
_DOT_SPLIT = re.compile(_DOT, re.IGNORECASE)
_DOT_WORDS_ONLY = _DOT_WORDS.removesuffix("|\\.")
# An address with a spelled-out "at" counts only with a spelled-out or bracketed "dot",
# or a known top-level domain: "we meet at the station.Then" is no address.
_SPELLED_DOT = re.compile(
    rf"\s(?:{_DOT_WORDS_ONLY})\s|{_OPEN}|[\-_*]\s*(?:{_DOT_WORDS})\s*[\-_*]",
    re.IGNORECASE,
)
_KNOWN_TLD = re.compile(
    r"\.(?:com|net|org|info|eu|nl|de|ro|bg|hu|pl|es|be|at|ch|fr|it|uk|co\.uk|ru|me|io)$",
    re.IGNORECASE,
)
#: Mail providers named without a domain: "anna93 (gmail)", "anna93 at hotmail".
MAIL_PROVIDERS = {
    "gmail": "gmail.com", "googlemail": "googlemail.com", "hotmail": "hotmail.com",
    "outlook": "outlook.com", "live": "live.com", "yahoo": "yahoo.com", "icloud": "icloud.com",
    "aol": "aol.com", "gmx": "gmx.de", "protonmail": "protonmail.com", "proton": "proton.me",
    "yandex": "yandex.com", "abv": "abv.bg", "freemail": "freemail.hu", "citromail":
    "citromail.hu", "wp": "wp.pl", "onet": "onet.pl", "interia": "interia.pl", "o2": "o2.pl",
    "ziggo": "ziggo.nl", "kpnmail": "kpnmail.nl", "telenet": "telenet.be", "libero": "libero.it",
    "mail": "mail.com", "web": "web.de",
}  # fmt: skip
_PROVIDER_WORD = "|".join(sorted(MAIL_PROVIDERS, key=len, reverse=True))
#: Providers whose name is an everyday word: only "(mail)"-style hints in brackets count.
_AMBIGUOUS_PROVIDERS = frozenset({"mail", "web", "live", "wp", "o2", "aol", "onet", "proton"})
_PLAIN_PROVIDER_WORD = "|".join(
    sorted(set(MAIL_PROVIDERS) - _AMBIGUOUS_PROVIDERS, key=len, reverse=True)
)
_PROVIDER_HINT = re.compile(
    rf"(?<![\w.%+\-@])(?P<local>{_LOCAL}[A-Za-z0-9_])"
    rf"(?:\s*{_OPEN}\s*(?:@\s*)?(?P<p1>{_PROVIDER_WORD})\s*{_CLOSE}"
    rf"|{_AT}(?P<p2>{_PLAIN_PROVIDER_WORD})(?![\w.\-@]))",
    re.IGNORECASE,
)
# "gmail: anna93", "my gmail is anna93"
_PROVIDER_FIRST = re.compile(
    rf"(?<![\w.@])(?P<p3>{_PLAIN_PROVIDER_WORD})(?:\s*[:=]\s*|\s+(?:is|ist|es|este|jest)\s+)"
    rf"(?P<local>{_LOCAL}[A-Za-z0-9_])(?![\w@.%+\-])",
    re.IGNORECASE,
)

_DIGITS_3 = re.compile(r"\d\D*?\d\D*?\d")
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
    r"bel|bellen|telefoon|telefon|telefono|llama|llamame|anrufen|ruf|handy|"
    r"whats\s?app|wa|app|viber|signal|kontakt|contact|hivj(?:on|al)?|suna(?:ti)?|zadzwon|"
    r"тел|телефон|звънни|обади)\b\.?|[☎📞📱✆☏])"
    r"[\s:.\-–=>/()*]*$",
    re.IGNORECASE,
)


def normalise_email(value: str) -> str:
    """Lower-case an address and turn ``[at]``/``[dot]`` spellings into ``@``/``.``."""
    match = _EMAIL.fullmatch(value.strip())
    if match is None:
        return value.strip().lower()
    domain = ".".join(part for part in _DOT_SPLIT.split(match["domain"]) if part)
    local = ".".join(part for part in _DOT_SPLIT.split(match["local"]) if part)
    return f"{local}@{domain}".lower()


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
    sk = skeleton(text)
    scan = sk.text
    # The words of the text, once: most ads name no service and spell out no "at", and
    # the patterns that look for them run only when they can match.
    lower = scan.lower()
    words = frozenset(_LETTERS.findall(lower))
    candidates: list[Contact] = []
    candidates.extend(_links(scan, region))
    candidates.extend(_emails(scan, words))
    candidates.extend(_handle_mentions(scan, words))
    candidates.extend(_phones(scan, region, contact_field=contact_field, identifier=identifier))
    candidates.extend(_spelled_numbers(scan, lower))
    if scan is not text:
        candidates = [_mapped(contact, sk) for contact in candidates]
    return _without_overlaps(candidates, masked)


def _mapped(contact: Contact, sk: Skeleton) -> Contact:
    start, end = sk.span(contact.start, contact.end)
    return Contact(contact.kind, contact.value, start, end, contact.service)


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


def _emails(text: str, words: frozenset[str]) -> Iterable[Contact]:
    if "@" in text or not _AT_WORD_SET.isdisjoint(words):
        for match in _EMAIL.finditer(text):
            raw = match.group()
            if (
                match["word_at"] is not None
                and match["word_at"].lower() == "at"
                and _SPELLED_DOT.search(raw) is None
                and _KNOWN_TLD.search(raw) is None
            ):
                continue
            yield Contact(EMAIL, normalise_email(raw), match.start(), match.end())
    if "@" in text:
        # "anna@somewhere" without a top-level domain is an address all the same.
        for match in _AT_WITHOUT_TLD.finditer(text):
            yield Contact(EMAIL, match.group().lower(), match.start(), match.end())
    if not _PROVIDER_SET.isdisjoint(words):
        for match in _PROVIDER_HINT.finditer(text):
            provider = (match["p1"] or match["p2"]).lower()
            value = f"{match['local']}@{MAIL_PROVIDERS[provider]}".lower()
            yield Contact(EMAIL, value, match.start(), match.end())
        for match in _PROVIDER_FIRST.finditer(text):
            value = f"{match['local']}@{MAIL_PROVIDERS[match['p3'].lower()]}".lower()
            yield Contact(EMAIL, value, match.start(), match.end())


_LETTERS = re.compile(r"[^\W\d_]+")
_AT_WITHOUT_TLD = re.compile(rf"(?<![\w.%+\-@])(?:{_LOCAL})@{_LABEL}(?![\w.@\-])")
_PROVIDER_SET = frozenset(MAIL_PROVIDERS)
#: Single words that spell "@" (multi-word spellings start with one of them).
_AT_WORD_SET = frozenset(
    word.replace("\\s?", "") for word in _AT_WORDS.split("|") if "\\" not in word
) | {"rond"}
#: Words that name a messenger (the first word of a multi-word name).
_SERVICE_SET = frozenset(word.split()[0] for word in _SERVICES if word[0].isalpha())
_EMOJI_CUES = tuple(word for word in _SERVICES if not word[0].isalpha())
#: Emoji that also decorate ordinary words ("📷 real photos"): a plain word after them is
#: not taken for a handle.
_WEAK_EMOJI_CUES = frozenset({"\U0001f4f7", "\U0001f4f8", "\u2708\ufe0f", "\u2708"})


def _handle_mentions(text: str, words: frozenset[str]) -> Iterable[Contact]:
    mentions = (
        _HANDLE_MENTION.finditer(text)
        if not _SERVICE_SET.isdisjoint(words) or any(cue in text for cue in _EMOJI_CUES)
        else ()
    )
    for match in mentions:
        name = match["name"]
        word = match["service"].lower()
        explicit = match["at"] is not None or match["sep"] is not None
        if (
            not explicit
            and match["qual"] is None
            and (
                word in _AMBIGUOUS_SERVICES
                or name.lower() in _NOT_A_NAME
                or (match["filler"] is not None and not _LOOKS_LIKE_HANDLE.search(name))
                or (word in _WEAK_EMOJI_CUES and not _LOOKS_LIKE_HANDLE.search(name))
            )
        ):
            continue
        if match["at"] is None and name[0].isdigit() and not name.lower().startswith("live:"):
            # "whatsapp: 0612..." / "signal: 06..." is a number, found as a phone.
            continue
        if name.lower() in _NOT_A_NAME and match["at"] is None:
            continue
        start = match.start("at") if match["at"] else match.start("name")
        service = _SERVICES.get(word, _SERVICES.get(" ".join(word.split()), word))
        yield Contact(HANDLE, normalise_handle(name), start, match.end("name"), service)
    if "@" in text:
        for match in _BARE_MENTION.finditer(text):
            name = match["name"]
            if name.replace(".", "").replace("_", "").isdigit():
                continue  # "@150": a price
            after = _SERVICE_AFTER.match(text, match.end())
            service = _SERVICES.get(after["service"].lower()) if after else None
            yield Contact(HANDLE, normalise_handle(name), match.start(), match.end(), service)
    if "live:" in text.lower():
        for match in _SKYPE_ID.finditer(text):
            yield Contact(
                HANDLE, normalise_handle(match.group()), match.start(), match.end(), "skype"
            )


#: Stems of the numbers 10-90 in the eight languages (without accents), as whole words or
#: inside compounds ("vierendertig", "vierunddreissig", "veinticuatro", "harmincnegy").
_TENS_STEMS: tuple[str, ...] = (
    "ten", "eleven", "twelve", "teen", "twenty", "thirty", "forty", "fifty", "sixty",
    "seventy", "eighty", "ninety",
    "tien", "elf", "twaalf", "twintig", "dertig", "veertig", "vijftig", "zestig", "zeventig",
    "tachtig", "negentig",
    "zehn", "zwolf", "zwanzig", "dreissig", "dreißig", "vierzig", "funfzig", "sechzig",
    "siebzig", "achtzig", "neunzig",
    "zece", "sprezece", "zeci",
    "десет", "надесет", "десет",
    "tiz", "husz", "harminc", "negyven", "otven", "hatvan", "hetven", "nyolcvan", "kilencven",
    "dziesiec", "nascie", "dziesci", "dziesiat",
    "diez", "once", "doce", "trece", "catorce", "quince", "dieci", "veint", "treinta",
    "cuarenta", "cincuenta", "sesenta", "setenta", "ochenta", "noventa",
)  # fmt: skip
_DIGIT_WORDS = frozenset(word for words in NUMBER_WORDS.values() for word in words)
_SPELLED_TOKEN = re.compile(r"[^\W_]+")
_SPELLED_GAP = re.compile(
    r"[\s,.\-/:;|*]*(?:(?:and|en|und|y|si|и|es|i)[\s,.\-/]+)?[\s,.\-/:;|*]*", re.IGNORECASE
)
#: A run of number words and digits that stands for this many digits (a tens word counts
#: two) is a number written out (fail closed).
MIN_SPELLED_DIGITS = 8
_JOINING_WORDS = frozenset({"and", "en", "und", "y", "si", "и", "es", "i", "plus"})


def _tens_automaton() -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    for stem in _TENS_STEMS:
        automaton.add_word(stem, len(stem))
    automaton.make_automaton()
    return automaton


_TENS = _tens_automaton()


def _holds_tens(lower: str) -> bool:
    """Whether a word of ``lower`` (``_LETTERS``: its stems are letters) starts or ends
    with a stem of :data:`_TENS_STEMS`: one pass over the text, not one per word."""
    last = len(lower) - 1
    for end, length in _TENS.iter(lower):
        start = end - length + 1
        if start == 0 or end == last:
            return True
        before, after = lower[start - 1], lower[end + 1]
        # Not a letter: what [^\W\d_] leaves out (no word goes on past the stem).
        if not before.isalnum() or before.isdecimal() or not after.isalnum() or after.isdecimal():
            return True
    return False


def _spelled_numbers(text: str, lower: str) -> Iterable[Contact]:
    """Numbers written out with tens and teens ("nul zes twaalf vierendertig ..."): the
    skeleton reads single digits, not these, so a run of them is redacted as a phone
    (fail closed); the value is the run's words, lower case (``lower``: ``text`` so)."""
    if not _holds_tens(lower):
        return
    run: list[re.Match[str]] = []
    for token in [*_SPELLED_TOKEN.finditer(text), None]:
        if token is not None and run and token.group().lower() in _JOINING_WORDS:
            continue  # "treinta y cuatro": part of the run, not a digit
        numeric = token is not None and _is_number_token(token.group().lower())
        if numeric and token is not None and run:
            gap = text[run[-1].end() : token.start()]
            if _SPELLED_GAP.fullmatch(gap) is None or len(gap) > 8:
                yield from _spelled_run(run)
                run = []
        if numeric and token is not None:
            run.append(token)
        elif run:
            yield from _spelled_run(run)
            run = []


def _is_number_token(word: str) -> bool:
    return (
        word.isdigit()
        or word in _DIGIT_WORDS
        or word.startswith(_TENS_STEMS)
        or word.endswith(_TENS_STEMS)
    )


def _spelled_run(run: list[re.Match[str]]) -> Iterable[Contact]:
    words = [m.group().lower() for m in run]
    if not any(not w.isdigit() and w not in _DIGIT_WORDS for w in words):
        return  # digits and single-digit words only: the skeleton read them already
    digits = sum(len(w) if w.isdigit() else 1 if w in _DIGIT_WORDS else 2 for w in words)
    if digits < MIN_SPELLED_DIGITS:
        return
    yield Contact(PHONE, "spelled:" + " ".join(words), run[0].start(), run[-1].end())


def _phones(
    text: str, region: str, *, contact_field: bool, identifier: bool = False
) -> Iterable[Contact]:
    if _DIGITS_3.search(text) is None:
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
    # The best choice of non-overlapping windows of consecutive groups. A price, an age
    # or "24 uur" next to a number is not part of it, and two numbers side by side are
    # two numbers.
    if len(run) > _MAX_PRUNED_GROUPS:
        chosen = _best_windows(text, run, region, contact_field, identifier)
    else:
        chosen = _Windows(text, run, region, contact_field, identifier).best(0)[1]
    yield from chosen
    if identifier:
        return
    # Fail closed: digits in which no number was recognised but which are long enough
    # to be one are redacted all the same. A false positive hides a few digits; a miss
    # would store a phone number in plain text.
    leftover: list[_Group] = []
    # The chosen contacts are in text order and do not overlap: one walk over both finds
    # the contact each group may lie in (linear time however many numbers the run holds).
    at = 0
    for group in run:
        while at < len(chosen) and chosen[at].end <= group.start:
            at += 1
        if at < len(chosen) and chosen[at].start <= group.start and group.end <= chosen[at].end:
            yield from _fallback(text, leftover, region)
            leftover = []
        else:
            leftover.append(group)
    yield from _fallback(text, leftover, region)


#: Runs of at most this many groups choose their windows with bounds (:class:`_Windows`,
#: recursive); longer ones, which no ad writes, read every window (:func:`_best_windows`).
_MAX_PRUNED_GROUPS = 64


def _best_windows(
    text: str, run: list[_Group], region: str, contact_field: bool, identifier: bool
) -> tuple[Contact, ...]:
    """The best choice of windows of ``run`` (the greatest sum of :func:`_window`'s
    weights; of equals, the one found first), by dynamic programming from the right:
    every window is read."""
    count = len(run)
    best = [0] * (count + 1)  # the weight of the best choice from each group on
    #: The window chosen at each group (its contact and the group after it), or ``None``:
    #: the choice from there is the one from the next group. The choice is read by
    #: following them at the end (building it at each group cost a run of n numbers n²).
    steps: list[tuple[Contact, int] | None] = [None] * (count + 1)
    for first in range(count - 1, -1, -1):
        best[first] = best[first + 1]
        for last, digits in _window_ends(run, first):
            scored = _window(text, run[first], run[last], digits, region, contact_field, identifier)
            if scored is None:
                continue
            weight = scored[0] + best[last + 1]
            if weight > best[first]:
                best[first] = weight
                steps[first] = (scored[1], last + 1)
    chosen: list[Contact] = []
    at = 0
    while at < count:
        step = steps[at]
        if step is None:
            at += 1
        else:
            chosen.append(step[0])
            at = step[1]
    return tuple(chosen)


def _window_ends(run: list[_Group], first: int) -> Iterator[tuple[int, int]]:
    """The last group and the digits of each window of ``run`` from group ``first`` that
    may be a phone number (:data:`MIN_PHONE_DIGITS` to :data:`MAX_PHONE_DIGITS` digits)."""
    digits = 0
    for last in range(first, len(run)):
        digits += run[last].digits
        if digits > MAX_PHONE_DIGITS:
            return
        if digits >= MIN_PHONE_DIGITS:
            yield last, digits


def _weight_bound(text: str, group: _Group, digits: int) -> int:
    """The greatest weight :func:`_window` gives a window of ``digits`` digits from
    ``group``: a valid number with its prefix, or, without one, a valid number."""
    return (3000 if _starts_with_prefix(text[group.start]) else 1000) + digits


class _Windows:
    """:func:`_best_windows`'s choice, reading fewer windows: a window is read (parsing
    a number is most of the cost of finding contacts) only when the greatest weight it
    could give (:func:`_weight_bound`, plus the bound of the best choice after it) may
    beat or equal, found earlier, the best choice read so far. The choice is the same:
    of options of equal weight, the first in :func:`_best_windows`'s order (no window
    from this group, then windows by their last group)."""

    def __init__(
        self, text: str, run: list[_Group], region: str, contact_field: bool, identifier: bool
    ) -> None:
        self.text, self.run, self.region = text, run, region
        self.contact_field, self.identifier = contact_field, identifier
        count = len(run)
        #: The greatest weight a choice from each group on could have, read nothing.
        self.bound = [0] * (count + 1)
        #: The windows from each group that may be a number: (the greatest weight of a
        #: choice that starts with it, its last group, its digits).
        self.windows: list[list[tuple[int, int, int]]] = [[] for _ in range(count)]
        for first in range(count - 1, -1, -1):
            windows = self.windows[first] = [
                (_weight_bound(text, run[first], digits) + self.bound[last + 1], last, digits)
                for last, digits in _window_ends(run, first)
            ]
            self.bound[first] = max([self.bound[first + 1], *(w[0] for w in windows)])
        self.chosen: dict[int, tuple[int, tuple[Contact, ...]]] = {count: (0, ())}

    def best(self, first: int) -> tuple[int, tuple[Contact, ...]]:
        """The weight and the contacts of the best choice from group ``first`` on."""
        known = self.chosen.get(first)
        if known is not None:
            return known
        run, text = self.run, self.text
        # (bound, order, last group and digits or None for no window from ``first``)
        options: list[tuple[int, int, tuple[int, int] | None]] = [(self.bound[first + 1], 0, None)]
        for limit, last, digits in self.windows[first]:
            options.append((limit, len(options), (last, digits)))
        options.sort(key=lambda option: (-option[0], option[1]))
        winner: tuple[int, int, tuple[Contact, ...]] | None = None
        for limit, order, window in options:
            if winner is not None and (limit, -order) <= (winner[0], -winner[1]):
                break  # neither it nor any after it can beat the winner
            if window is None:
                weight, contacts = self.best(first + 1)
            else:
                last, digits = window
                scored = _window(
                    text, run[first], run[last], digits, self.region, self.contact_field,
                    self.identifier,
                )  # fmt: skip
                if scored is None:
                    continue
                rest = self.best(last + 1)
                weight, contacts = scored[0] + rest[0], (scored[1], *rest[1])
            if winner is None or (weight, -order) > (winner[0], -winner[1]):
                winner = (weight, order, contacts)
        assert winner is not None  # no window from ``first`` is always an option
        self.chosen[first] = result = (winner[0], winner[2])
        return result


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
        return _bare_identifier_number(text, start, end, digits, region)
    reading = _reading(text[start:end], region)
    number, valid = reading.number, reading.valid
    foreign_valid = False
    if (
        not valid
        and text[first.start] == "0"
        and digits >= MIN_DIGITS_WITHOUT_CUE
        and (number is None or not reading.possible or not reading.usual)
    ):
        # A national number of another country ("0151 ..." on a Dutch site).
        foreign = _valid_in_neighbour_region(text[start:end], region)
        if foreign is not None:
            number, valid, foreign_valid = foreign, True, True
    if number is None:
        return _bare_identifier_number(text, start, end, digits, region) if identifier else None
    if not valid:
        if not reading.possible:
            if identifier:
                return _bare_identifier_number(text, start, end, digits, region)
            return None
        if not (contact_field or digits >= MIN_DIGITS_WITHOUT_CUE or _cue_before(text, start)):
            return None
    # A number written with its trunk or international prefix ("06 ...", "+31 ...",
    # "0031 ...") beats one that borrows a price or an age in front of it; a valid
    # number beats a merely possible one; then the longer valid number, or the possible
    # number of the usual length.
    # Only a valid number earns the prefix bonus: two merely possible halves of one valid
    # number ("+44 7567" and "076013" in "+44 7567 076013") must not outweigh it.
    weight = 2000 if valid and _starts_with_prefix(text[first.start]) else 0
    if foreign_valid:
        weight += 500 + digits  # beats a possible number, never a valid one of the region
    elif valid:
        weight += 1000 + digits
    elif reading.usual:
        weight += 100
    else:
        weight += 50
    if foreign_valid:
        value = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    else:
        value = reading.e164
    return weight, Contact(PHONE, value, start, end)


#: Regions whose numbers an ad may carry without a trunk or international prefix: the
#: source's own and those of the languages lcom reads (a Polish number on a Dutch site).
NEIGHBOUR_REGIONS: tuple[str, ...] = ("NL", "BE", "DE", "AT", "RO", "BG", "HU", "PL", "ES", "GB")
_MOBILE_LIKE = frozenset(
    {
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        phonenumbers.PhoneNumberType.PERSONAL_NUMBER,
        phonenumbers.PhoneNumberType.PAGER,
        phonenumbers.PhoneNumberType.VOIP,
    }
)


def _valid_in_neighbour_region(raw: str, region: str) -> phonenumbers.PhoneNumber | None:
    for candidate in NEIGHBOUR_REGIONS:
        if candidate == region:
            continue
        number = _valid(raw, candidate)
        if number is not None:
            return number
    return None


def _bare_identifier_number(
    text: str, start: int, end: int, digits: int, region: str
) -> tuple[int, Contact] | None:
    """A number in a URL or an ad id written without any prefix ("anna-612345678",
    "ad/31612345678"): counts when it is a valid mobile number of the source's region or
    a neighbouring one, or a valid number once read with its country code."""
    if digits < 9:
        return None  # shorter ids are ids
    raw = "".join(ch for ch in text[start:end] if ch.isdecimal())
    for candidate in (region, *NEIGHBOUR_REGIONS):
        number = _valid(raw, candidate)
        if number is not None and phonenumbers.number_type(number) in _MOBILE_LIKE:
            value = phonenumbers.format_number(number, PhoneNumberFormat.E164)
            return 1000 + digits, Contact(PHONE, value, start, end)
    if digits >= 10:
        number = _valid("+" + raw, region)
        if number is not None:
            value = phonenumbers.format_number(number, PhoneNumberFormat.E164)
            return 1000 + digits, Contact(PHONE, value, start, end)
    return None


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
    reading = _reading(raw, region)
    if reading.number is not None:
        value = reading.e164
    else:
        value = ("+" if raw.startswith("+") else "") + "".join(
            str(int(ch)) for ch in raw if ch.isdecimal()
        )
    yield Contact(PHONE, value, start, end)


def _cue_before(text: str, start: int) -> bool:
    return _PHONE_CUE.search(text[max(0, start - CUE_WINDOW) : start]) is not None


def _valid(raw: str, region: str) -> phonenumbers.PhoneNumber | None:
    """The number ``raw`` reads as in ``region`` if that is a valid number, else ``None``."""
    reading = _reading(raw, region)
    return reading.number if reading.valid else None


class _Reading(NamedTuple):
    """What :func:`_window`, :func:`_fallback` and :func:`_valid` ask of one reading of a number
    (:func:`_reading`)."""

    number: phonenumbers.PhoneNumber | None
    valid: bool
    possible: bool
    #: Its national significant number has the usual length of its region.
    usual: bool
    e164: str


@functools.lru_cache(maxsize=PARSE_CACHE_SIZE)
def _reading(raw: str, region: str) -> _Reading:
    # Parsing is most of the cost of finding contacts, and an ad repeats its number (the
    # contact block, the text, a link) as a carousel repeats it across ads; the answers
    # asked after parsing cost most of the rest. The cache lives in this process's memory
    # only; callers never change the numbers it holds.
    try:
        number = phonenumbers.parse(raw.translate(_SEPARATORS_AS_SPACE), region)
    except phonenumbers.NumberParseException:
        return _Reading(None, False, False, False, "")
    return _Reading(
        number,
        phonenumbers.is_valid_number(number),
        phonenumbers.is_possible_number(number),
        len(phonenumbers.national_significant_number(number)) in _usual_lengths(number),
        phonenumbers.format_number(number, PhoneNumberFormat.E164),
    )


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
