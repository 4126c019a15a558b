"""A generated corpus of the ways ads write contact details, in the eight languages.

Every form is built by code from a few facts per language (a phone number, its country
code, the words for the digits, "and", "at" and "dot", a sentence to put it in), so a
new trick is one generator, not one line per language. Each :class:`ContactForm` knows
the secrets that must never survive redaction; :func:`leaks` looks for them in any text,
after undoing the same tricks (so a redaction that leaves ``O6I2 345 678`` behind is
caught as well as one that leaves ``0612345678``).

A regression set: the detector was written knowing these forms. The forms of the hidden
evaluation are different.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Language:
    code: str
    region: str
    country_code: str
    #: The national number as written at home (with its trunk prefix where there is one).
    national: str
    digits: tuple[str, ...]  # words for 0..9
    and_word: str
    at_word: str
    dot_word: str
    #: A sentence with ``{c}`` where the contact goes; it holds indicator words, so the
    #: ad is a hit and its text is stored.
    sentence: str


LANGUAGES: tuple[Language, ...] = (
    Language("nl", "NL", "31", "0612345678",
             ("nul", "één", "twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen"),
             "en", "apenstaartje", "punt",
             "Net aangekomen in de stad, 24/7 beschikbaar. Contact {c} schat"),
    Language("en", "GB", "44", "07911123456",
             ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),
             "and", "at", "dot", "Just arrived in town, available 24/7. Contact {c} honey"),
    Language("de", "DE", "49", "015123456789",
             ("null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun"),
             "und", "klammeraffe", "punkt",
             "Neu in der Stadt, 24/7 erreichbar. Kontakt {c} Schatz"),
    Language("ro", "RO", "40", "0721234567",
             ("zero", "unu", "două", "trei", "patru", "cinci", "șase", "șapte", "opt", "nouă"),
             "și", "arond", "punct", "Nouă în oraș, disponibilă 24/7. Contact {c} dragă"),
    Language("bg", "BG", "359", "0888123456",
             ("нула", "едно", "две", "три", "четири", "пет", "шест", "седем", "осем", "девет"),
             "и", "маймунка", "точка", "Току-що пристигнах в града, 24/7. Контакт {c} скъпи"),
    Language("hu", "HU", "36", "06301234567",
             ("nulla", "egy", "kettő", "három", "négy", "öt", "hat", "hét", "nyolc", "kilenc"),
             "és", "kukac", "pont", "Új a városban, 0-24 elérhető. Kapcsolat {c} drágám"),
    Language("pl", "PL", "48", "512345678",
             ("zero", "jeden", "dwa", "trzy", "cztery", "pięć", "sześć", "siedem", "osiem",
              "dziewięć"),
             "i", "małpa", "kropka", "Nowa w mieście, dostępna 24/7. Kontakt {c} kochanie"),
    Language("es", "ES", "34", "612345678",
             ("cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve"),
             "y", "arroba", "punto", "Recién llegada a la ciudad, 24/7. Contacto {c} cariño"),
)  # fmt: skip


@dataclass(frozen=True)
class ContactForm:
    lang: str
    kind: str  # phone, email or handle
    form: str  # which trick
    written: str
    region: str
    #: Strings (lower case) none of which may appear in a redacted text.
    secrets: tuple[str, ...] = field(default=())

    @property
    def id(self) -> str:
        return f"{self.lang}-{self.kind}-{self.form}"

    def sentence(self) -> str:
        language = next(lang for lang in LANGUAGES if lang.code == self.lang)
        return language.sentence.format(c=self.written)


ZWNJ, ZWJ, WORD_JOINER, SOFT_HYPHEN, BOM = "\u200c", "\u200d", "\u2060", "\u00ad", "\ufeff"
NARROW_NBSP, IDEOGRAPHIC_SPACE = "\u202f", "\u3000"


def _groups(number: str) -> list[str]:
    """A number cut into groups of 3-4 digits, as ads print them."""
    head, rest = number[:4], number[4:]
    return [head] + [rest[i : i + 3] for i in range(0, len(rest), 3)]


def _circled(d: str) -> str:
    return "⓪" if d == "0" else chr(0x2460 + int(d) - 1)


_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_DINGBAT = {str(d): chr(0x2775 + d) for d in range(1, 10)} | {"0": "⓿"}


def _phone_forms(lang: Language) -> Iterator[tuple[str, str]]:
    n = lang.national
    groups = _groups(n)
    for name, sep in [
        ("comma", ","), ("colon", ":"), ("pipe", " | "), ("star", "*"), ("x", "x"),
        ("emoji", " 💋 "), ("bullet", "•"), ("dash_spaces", " - "), ("slash", "/"),
        ("dots", "."), ("spaces", " "),
    ]:  # fmt: skip
        yield f"sep_{name}", sep.join(groups)
    for name, char in [
        ("zwnj", ZWNJ), ("zwj", ZWJ), ("word_joiner", WORD_JOINER), ("soft_hyphen", SOFT_HYPHEN),
        ("bom", BOM), ("narrow_nbsp", NARROW_NBSP), ("ideographic_space", IDEOGRAPHIC_SPACE),
    ]:  # fmt: skip
        yield f"invisible_{name}", char.join(groups)
    yield "invisible_every_digit", ZWNJ.join(n)
    yield "letters_for_digits", n.replace("0", "O").replace("1", "l")
    yield "letters_for_digits_upper", " ".join(_groups(n.replace("0", "o").replace("1", "I")))
    yield "keycap", "".join(f"{d}\ufe0f\u20e3" for d in n)
    yield "circled", "".join(_circled(d) for d in n)
    yield "dingbat", "".join(_DINGBAT[d] for d in n)
    yield "superscript", n.translate(_SUPERSCRIPT)
    yield "fullwidth", " ".join(_groups(n.translate(_FULLWIDTH)))
    yield "words", " ".join(lang.digits[int(d)] for d in n)
    yield "words_commas", ", ".join(lang.digits[int(d)] for d in n)
    half = len(n) // 2
    yield "split_word", f"{n[:half]} {lang.and_word} {n[half:]}"
    yield "wide_gap", f"{n[:half]}          {n[half:]}"
    yield "line_break", f"{n[:half]}\n{n[half:]}"
    national = n[1:] if n.startswith("0") else n
    if lang.code == "hu":
        national = n[2:]
    yield "international", f"+{lang.country_code} {' '.join(_groups(national))}"
    yield "international_00", f"00{lang.country_code}{national}"
    yield "no_country_code", f"{lang.country_code}{national}"
    yield "no_trunk", national
    yield "wa_link", f"https://wa.me/{lang.country_code}{national}"


def _email_forms(lang: Language, local: str) -> Iterator[tuple[str, str]]:
    yield "plain", f"{local}@example.com"
    yield "fullwidth_at", f"{local}＠example.com"
    yield "spaced_signs", f"{local} @ example . com"
    yield "spaced_letters", " ".join(f"{local}@example.com")
    yield "words", f"{local} {lang.at_word} example {lang.dot_word} com"
    yield "english_words", f"{local} at example dot com"
    yield "brackets", f"{local} [{lang.at_word}] example [{lang.dot_word}] com"
    yield "brackets_at", f"{local}(at)example(dot)com"
    yield "dashes", f"{local}-at-example-dot-com"
    yield "provider_hint", f"{local} (gmail)"
    yield "provider_word", f"{local} at hotmail"
    yield "percent_encoded", f"https://contact.example.net/form?mail={local}%40example.com&x=1"
    yield "mailto", f"mailto:{local}@example.com"


def _handle_forms(name: str, skype: str) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    yield "at_on_telegram", f"@{name} on Telegram", (name,)
    yield "at_on_insta", f"@{name} on insta", (name,)
    yield "bare_at", f"@{name}", (name,)
    yield "snapchat_sc", f"SC: {name}", (name,)
    yield "snapchat_ghost", f"👻 {name}", (name,)
    yield "snapchat_ghost_colon", f"👻: {name}", (name,)
    yield "wickr", f"Wickr: {name}", (name,)
    yield "wickr_me", f"wickr me {name}", (name,)
    yield "line", f"Line: {name}", (name,)
    yield "line_id", f"LINE ID {name}", (name,)
    yield "skype_live", f"Skype: {skype}", (skype.removeprefix("live:"), skype)
    yield "skype_bare", skype, (skype.removeprefix("live:"),)
    yield "tiktok_link", f"https://www.tiktok.com/@{name}", (name,)
    yield "x_link", f"https://x.com/{name}", (name,)
    yield "twitter_link", f"twitter.com/{name}", (name,)
    yield "onlyfans_link", f"https://onlyfans.com/{name}", (name,)
    yield "tg_resolve", f"tg://resolve?domain={name}", (name,)
    yield "telegram_link", f"t.me/{name}", (name,)
    yield "telegram_name", f"Telegram name {name}", (name,)
    yield "telegram_colon", f"telegram: {name}", (name,)
    yield "insta_link", f"instagram.com/{name}", (name,)
    yield "snapchat_link", f"snapchat.com/add/{name}", (name,)


def _secrets_of_phone(lang: Language) -> tuple[str, ...]:
    national = lang.national.lstrip("0")
    if lang.code == "hu":
        national = lang.national[2:]
    return (national,)


def contact_forms() -> list[ContactForm]:
    """Every form, in every language."""
    forms: list[ContactForm] = []
    for index, lang in enumerate(LANGUAGES):
        for form, written in _phone_forms(lang):
            forms.append(
                ContactForm(lang.code, "phone", form, written, lang.region, _secrets_of_phone(lang))
            )
        local = f"lena.{lang.code}{index + 71}"
        for form, written in _email_forms(lang, local):
            forms.append(ContactForm(lang.code, "email", form, written, lang.region, (local,)))
        name = f"mira_{lang.code}{index + 52}"
        skype = f"live:.cid.{lang.code}{index}9f3e2a71c"
        for form, written, secrets in _handle_forms(name, skype):
            forms.append(ContactForm(lang.code, "handle", form, written, lang.region, secrets))
    return forms


# -- finding what survived ----------------------------------------------------------
_TOKEN = re.compile(r"\[(?:phone|email|handle|name)(?::[0-9a-f]{8})?\]")
_LOOKALIKE = str.maketrans("oOlI", "0011")


def _plain(text: str) -> str:
    """Text with the tricks undone the simple way (independent of the product's code)."""
    text = _TOKEN.sub(" ", text)
    folded = "".join(
        str(int(unicodedata.numeric(ch)))
        if not ch.isascii() and unicodedata.numeric(ch, -1) in range(10)
        else ch
        for ch in unicodedata.normalize("NFKC", text)
    )
    return "".join(ch for ch in folded if unicodedata.category(ch) not in ("Cf", "Mn", "Me"))


def _digit_stream(text: str) -> str:
    """Every digit in the text (number words and look-alike letters too), in order."""
    out: list[str] = []
    for token in re.findall(r"\w+", text):
        lowered = unicodedata.normalize("NFKD", token.lower())
        lowered = "".join(ch for ch in lowered if not unicodedata.combining(ch))
        if lowered in _WORDS:
            out.append(_WORDS[lowered])
        elif any(ch.isdigit() for ch in token) and re.fullmatch(r"[0-9oOlI]+", token):
            out.append(token.translate(_LOOKALIKE))
        else:
            out.extend(ch for ch in token if ch.isdigit())
    return "".join(out)


def _strip_accents(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_WORDS = {_strip_accents(word): str(d) for lang in LANGUAGES for d, word in enumerate(lang.digits)}


#: A date and time as logs and stats write them ("2026-12-07 16:12:34,567",
#: "2026-12-07T16:12:34.567890+00:00"): its digits are no contact, but joined with the
#: digits around them they could read as a piece of one (16:12:34,56 holds "123456").
_TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?"
)


@dataclass(frozen=True)
class Reading:
    """A text as the leak search reads it, made once however many forms are looked for:
    the tricks undone, without spaces and lower-cased, and its stream of digits."""

    squeezed: str
    digits: str


def reading(text: str) -> Reading:
    """``text`` read for the leak search (dates and times left out)."""
    plain = _plain(_TIMESTAMP.sub(" ", text))
    return Reading(re.sub(r"\s+", "", plain).lower(), _digit_stream(plain))


def leaks(form: ContactForm, text: str | Reading) -> list[str]:
    """The secrets of ``form`` that survive in ``text`` (dates and times left out)."""
    read = text if isinstance(text, Reading) else reading(text)
    found: list[str] = []
    for secret in form.secrets:
        if form.kind == "phone":
            # Any 6 consecutive digits of the number is too much of it.
            windows = {secret[i : i + 6] for i in range(len(secret) - 5)}
            if any(window in read.digits for window in windows):
                found.append(secret)
        elif secret.lower() in read.squeezed:
            found.append(secret)
    return found
