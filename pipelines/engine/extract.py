"""Stated age and price, read from normalised ad text.

Both work on :class:`pipelines.engine.normalize.Normalized` text (lower case, no
diacritics), so ``19 ÉVES``, ``19 éves`` and ``19 eves`` read the same, and report
spans in the ORIGINAL text.

Age: a number 18-99 written as a person's age: ``19 jaar``, ``19 y.o.``, ``19yo``,
``(19)``, ``Chloe, 19,``, ``19 ani``, ``19 éves``, ``19 lat``, ``19 años``,
``19 години``, ``19 г.``, ``20 J.``, ``age: 19``. Numbers below 18 are never reported.
A number that is a duration (``for 20 years``, ``seit 20 Jahren``, ``20 years of
experience``, ``20 jaar geleden``) or the age of an object (``bike 3 years old``,
``Fahrrad, 2 Jahre alt``) is not an age.

Price: an amount with a currency (EUR by default when the amount is written as
``150/h``), and, when given, the time it buys (``30 min``, ``half uur``, ``1 Std``,
``/2h``). :class:`PriceTracker` keeps a running median of the hourly EUR price per
source and tells when a price is far below it.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

from pipelines.engine.normalize import Normalized, normalize

__all__ = [
    "AgeMatch",
    "Price",
    "PriceTracker",
    "find_ages",
    "find_price",
    "find_prices",
    "parse_age_text",
    "parse_price_text",
]

#: Most readings of one pattern looked at per text: no ad states a hundred ages or prices,
#: and a hostile one that repeats them must not cost time per repetition.
MAX_MATCHES = 100

MIN_AGE = 18
MAX_AGE = 99
_AGE_NUMBER = r"(?P<age>1[89]|[2-9]\d)"
_AGE_UNIT = (
    r"(?:jaar|jaartjes?|jr|years?|yrs?|y\.o\b\.?|y\. ?o\.?|y/o|yo|jahren?|jahre|j\b\.?"
    r"|jahrige[nrs]?|jarige|letni[aej]?|de anisori|de ani|ani|anisori|годинки|години|годишна|г\b\.?"
    r"|eves|evesen|lat|lata|latka|latek|anos|anitos)"
)
_AGE_PATTERNS = (
    # 19 jaar, 19 y.o., 20 J., 19-year-old, 19 de ani
    # (The digits first, the character before them looked back at: the look-back is
    # tried only where an age's two digits are, not at every position.)
    re.compile(rf"{_AGE_NUMBER}(?<![\w.,/+]..)(?: ?- ?| ?)(?P<unit>{_AGE_UNIT})(?![\w/])"),
    # (19)
    re.compile(rf"\({_AGE_NUMBER}\)"),
    # Chloe, 19 -  /  Kim, 31, ...  (not a date with a suffix: "Amszterdamba, 20-án", nor
    # hours: "evenings, 18-24")
    # (The comma first, the two letters before it looked back at: a pattern that starts
    # with a character is searched for that character: thirteen times faster here.)
    re.compile(
        rf", (?<=[^\W\d_]{{2}}, ){_AGE_NUMBER}"
        r"(?=,|\.(?!\d)| ?-(?![^\W_])| ?\)| ?$| (?:and|en|und|si|es|i|y|и|&) )"
    ),
    # age: 19, ik ben 19, I'm 19
    re.compile(
        r"(?:\b(?:age|aged|ages|leeftijd|alter|im alter von|varsta|възраст|kor|wiek|w wieku|edad)"
        r" ?:? ?"
        r"|\b(?:ik ben|i'm|i am|im|ich bin|sunt|jestem|tengo|soy) )"
        rf"{_AGE_NUMBER}(?![\d.,]?\d)(?! ?(?:€|eur|euro|min|uur|uhr|h\b|cm|kg|%))"
    ),
    # just turned 19, cumplí 19, навърших 19, betöltöttem a 19-et; 19 geworden
    re.compile(
        r"\b(?:turned|cumpli|he cumplido|acabo de cumplir|am implinit|skonczylam|навърших"
        r"|навършила|(?:be)?toltottem a) "
        rf"{_AGE_NUMBER}(?![\d.,]?\d)(?! ?(?:€|eur|euro|min|uur|uhr|h\b|cm|kg|%))"
    ),
    re.compile(rf"(?<![\w.,/+]){_AGE_NUMBER} geworden\b"),
    # съм на 19, Мира, на 19; 46 vagyok; eu am 42
    re.compile(
        r"(?:\bсъм на|(?<=[^\W\d_]), на|\beu am|\bam) "
        rf"{_AGE_NUMBER}(?![\d.,:]?\d)(?! ?(?:€|eur|euro|lei|ron|лв|min|мин|км|km|%|ч\b|часа"
        r"|de (?:lei|euro|minute|min|ore|km)|ян|фев|мар|апр|май|юни|юли|авг|сеп|окт|ное|дек))"
    ),
    re.compile(rf"(?<![\w.,/+])(?:на )?{_AGE_NUMBER} (?:vagyok|съм)\b"),
    # A range of ages from a young one: "19 bis 23 Jahre", "de la 19 la 32 de ani",
    # "между 19 и 25 години", "19-24 évesek" (the lower bound is the one that counts).
    re.compile(
        r"(?<![\w.,/+])(?:(?:between|from|zwischen|von|tussen|van|intre|de la|между|от|miedzy"
        r"|od|entre|de) )?(?P<age>1[89]|20) ?(?:-|to|and|und|bis|en|tot|la|si|и|до|es|do|a|y)"
        rf" ?(?:2[1-9]|[3-9]\d) (?:de )?(?:{_AGE_UNIT}|evesek|годишни)(?![\w/])"
    ),
    # An age spelled to evade a filter: its digits apart ("1 9 lat") or glued to the
    # word before it ("Studentica19ani").
    # (It starts with its digits, which the regular-expression engine looks for first;
    # what comes before them is checked in ``find_ages``.)
    re.compile(rf"(?P<age>1 ?[89]|2 ?0) ?(?:de )?{_AGE_UNIT}(?![\w/])"),
)
_EVASIVE_AGE = len(_AGE_PATTERNS) - 1
# What every age pattern holds: its two digits, side by side or a space apart ("1 9").
_TWO_DIGITS = re.compile(r"[1-9] ?\d")
_BEFORE_AGE = re.compile(r"[\w.,/+]")
_LETTER = re.compile(r"[^\W\d_]")
# An age and its unit: what the patterns "19 jaar", "19-24 évesek" and "1 9 lat" need.
_AGE_AND_UNIT = re.compile(rf"\d(?: ?- ?| ?)(?:de )?(?:{_AGE_UNIT}|evesek|годишни)")
# What a pattern needs (by its index in _AGE_PATTERNS), found much faster than the
# pattern: a pattern is not searched in a text without it (most texts have none).
_AGE_PATTERN_GATES: dict[int, re.Pattern[str]] = {
    0: _AGE_AND_UNIT,
    4: re.compile("turned|cumpli|implinit|skonczylam|навърш|toltottem"),
    5: re.compile("geworden"),
    6: re.compile("(?:на|am) [1-9]"),
    7: re.compile("vagyok|съм"),
    8: _AGE_AND_UNIT,
    _EVASIVE_AGE: _AGE_AND_UNIT,
}
# A duration, not an age: "for 20 years", "al 20 jaar", "seit 20 Jahren".
_DURATION_BEFORE = frozenset(
    [
        "for",
        "over",
        "since",
        "almost",
        "nearly",
        "than",
        "al",
        "sinds",
        "ruim",
        "bijna",
        "dan",
        "seit",
        "uber",
        "vor",
        "fast",
        "als",
        "peste",
        "acum",
        "timp",
        "вече",
        "от",
        "преди",
        "над",
        "почти",
        "mar",
        "od",
        "przez",
        "ponad",
        "prawie",
        "desde",
        "hace",
        "durante",
        "llevo",
        "mas",
        "casi",
        # "after 18 years": "tras 18 años casada", "след 18 години брак".
        "tras",
        "despues",
        "след",
    ]
)
# A minimum age of a job or an event, not the person's: "minimum age 18", "ab 21",
# "vârsta minimă 18 ani", "legalább 18 éves".
_MINIMUM_BEFORE = frozenset(
    [
        "minimum",
        "min",
        "minimal",
        "minimaal",
        "minstens",
        "vanaf",
        "ab",
        "mindestens",
        "mindestalter",
        "minim",
        "minima",
        "минимум",
        "минимална",
        "legalabb",
        "minimalny",
        "minimalna",
        "minimo",
    ]
)
# An age limit said as "over": "mayor de 25 años", "powyżej 25 lat", "над 25 години"
# (a job's or a club's requirement, not the person's age).
_OVER_BEFORE = frozenset(["powyzej", "над"])
_OVER_PAIR = frozenset(["mayor", "mayores"])
_AGE_WORDS = frozenset(
    ["age", "leeftijd", "alter", "varsta", "възраст", "kor", "korhatar", "wiek", "edad"]
)
_DURATION_AFTER = frozenset(
    [
        "ervaring",
        "experience",
        "erfahrung",
        "experienta",
        "опит",
        "tapasztalat",
        "doswiadczenia",
        "doswiadczenie",
        "experiencia",
        "geleden",
        "ago",
        "temu",
        "atras",
        "lang",
        "long",
        "garantie",
        "warranty",
        "gwarancji",
        "vak",
        "business",
    ]
)
# Right after the number (or its unit), a marriage or "after": a duration ("18 años de
# matrimonio", "19 years of marriage", "18 év után"), unlike an age then a new clause
# ("Tengo 19 años, matrimonio no busco", "19 éves, suli után").
_DURATION_NEXT = re.compile(
    r" (?:(?:anos|ani|years|jaar|jahre|jahren|lat|години|ev|eves) )?(?:(?:de|of|van|w) )?"
    r"(?:matrimonio|hazassag[^\W_]*|malzenstwa|malzenstwie|брак|huwelijk|ehe|casnicie|casatorie"
    r"|marriage|utan)(?![^\W_])"
)
# Nouns whose age is not a person's (the ad sells or looks for one of these).
_OBJECTS = frozenset(
    [
        "bike",
        "fiets",
        "fahrrad",
        "rad",
        "mountainbike",
        "bicycle",
        "bicicleta",
        "bicicleta",
        "велосипед",
        "kerekpar",
        "rower",
        "car",
        "auto",
        "wagen",
        "masina",
        "кола",
        "auto",
        "samochod",
        "coche",
        "house",
        "huis",
        "haus",
        "casa",
        "къща",
        "haz",
        "dom",
        "building",
        "gebouw",
        "gebaude",
        "cladire",
        "сграда",
        "epulet",
        "budynek",
        "edificio",
        "dog",
        "hond",
        "hund",
        "caine",
        "куче",
        "kutya",
        "pies",
        "perro",
        "puppy",
        "cat",
        "kat",
        "katze",
        "pisica",
        "котка",
        "macska",
        "kot",
        "gato",
        "kater",
        "laptop",
        "phone",
        "telefoon",
        "handy",
        "telefon",
        "телефон",
        "movil",
        "sofa",
        "bank",
        "couch",
        "tv",
        "frame",
        "rahmen",
        "rama",
        "cadru",
        "рамка",
        "keret",
        "cuadro",
        "boat",
        "boot",
        "scooter",
        "motor",
        "motorbike",
    ]
)
_WORD = re.compile(r"[^\W_]+")
_STREET = frozenset(
    [
        "calle",
        "avenida",
        "avda",
        "straat",
        "str",
        "ul",
        "ulica",
        "utca",
        "strada",
        "str",
        "бул",
        "ул",
        "via",
        "plaza",
        "plein",
        "weg",
        "laan",
        "road",
        "street",
        "st",
        "gasse",
        "platz",
        "ut",
        "ter",
    ]
)


@dataclass(frozen=True, slots=True)
class AgeMatch:
    age: int
    start: int  # offsets in the ORIGINAL text
    end: int


def find_ages(norm: Normalized) -> list[AgeMatch]:
    """All stated ages in ``norm`` (18-99), in text order."""
    text = norm.text
    if _TWO_DIGITS.search(text) is None:
        return []  # every pattern needs an age of two digits (most titles have none)
    found: dict[int, AgeMatch] = {}
    open_gates: dict[re.Pattern[str], bool] = {}  # a gate several patterns share, once
    for index, pattern in enumerate(_AGE_PATTERNS):
        gate = _AGE_PATTERN_GATES.get(index)
        if gate is not None:
            if gate not in open_gates:
                open_gates[gate] = gate.search(text) is not None
            if not open_gates[gate]:
                continue
        for match in itertools.islice(pattern.finditer(text), MAX_MATCHES):
            if index == _EVASIVE_AGE and not _evasive_age(text, match.start("age"), match["age"]):
                continue
            age = int(match.group("age").replace(" ", ""))
            if not MIN_AGE <= age <= MAX_AGE:
                continue
            start, end = match.span("age") if index != 0 else match.span()
            if _not_a_person_age(text, match.start(), match.end(), street=index == 2):
                continue
            if start not in found:
                found[start] = AgeMatch(age, *norm.span(start, end))
    return [found[k] for k in sorted(found)]


def _evasive_age(text: str, start: int, digits: str) -> bool:
    """Whether the age at ``start`` is spelled to evade a filter: its digits apart after
    a space or the text's start ("1 9 lat"), or glued to a word ("Studentica19ani")."""
    before = text[start - 1] if start else ""
    if " " in digits:
        return not before or _BEFORE_AGE.match(before) is None
    return bool(before) and _LETTER.match(before) is not None


def _not_a_person_age(text: str, start: int, end: int, *, street: bool) -> bool:
    # Only the last 60 characters count: never search further back (linear time).
    window = max(0, start - 61)
    sentence_start = max(text.rfind(".", window, start - 1), text.rfind("!", window, start), 0)
    before = _WORD.findall(text[max(sentence_start, start - 60) : start])
    after = _WORD.findall(text[end : end + 30])[:2]
    last = before[-1] if before else ""
    if last in _DURATION_BEFORE or last in _MINIMUM_BEFORE or last in _OVER_BEFORE:
        return True
    if len(before) > 1 and before[-2] in _OVER_PAIR and before[-1] == "de":
        return True
    if len(before) > 1 and before[-2] in _MINIMUM_BEFORE and before[-1] in _AGE_WORDS:
        return True
    if len(before) > 1 and before[-2] in _DURATION_BEFORE and before[-1] in {"de", "than", "als"}:
        return True
    if any(word in _DURATION_AFTER for word in after):
        return True
    if _DURATION_NEXT.match(text, end, end + 40) is not None:
        return True
    if any(word in _OBJECTS for word in before[-6:]):
        return True
    return street and any(word in _STREET for word in before[-3:])


def parse_age_text(value: str | int | None) -> int | None:
    """The age in a dedicated age field ("19", "19 jaar"); ``None`` when not 18-99."""
    if value is None:
        return None
    digits = re.search(r"\d{1,3}", str(value))
    if digits is None:
        return None
    age = int(digits.group())
    return age if MIN_AGE <= age <= MAX_AGE else None


# -------------------------------------------------------------------------------- price

_CURRENCIES: Mapping[str, str] = {
    "€": "EUR",
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "lei": "RON",
    "ron": "RON",
    "лв": "BGN",
    "лева": "BGN",
    "bgn": "BGN",
    "ft": "HUF",
    "huf": "HUF",
    "forint": "HUF",
    "zl": "PLN",
    "pln": "PLN",
    "zlotych": "PLN",
    "zloty": "PLN",
    "£": "GBP",
    "gbp": "GBP",
    "pounds": "GBP",
    "$": "USD",
    "usd": "USD",
}
_HOUR_UNITS = (
    "uur|uren|hours|hour|hrs|hr|h|u|stunden|stunde|std|ore|ora|часа|час|godziny|godzine|"
    "godzina|godz|horas|hora"
)
_MINUTE_UNITS = "minuten|minutes|minute|minutos|minuty|minut|mins|min|perc|минути|мин"
_HALF = (
    r"half uur|half hour|halbe std|halbe stunde|1/2 ?(?:h|uur|std|ora|час|godz|hora)|"
    r"media hora|jumatate de ora|pol godziny|fel ora|половин час"
)
_DURATION = (
    rf"(?P<half>{_HALF})|(?:(?P<count>\d+(?:[.,]\d)?) ?)?"
    rf"(?:(?P<hours>{_HOUR_UNITS})|(?P<minutes>{_MINUTE_UNITS}))(?![^\W\d_])\.?"
)
# At most five digit groups (999 999 999 999 999): an unbounded chain of groups would be
# scanned again from every group in it, which is quadratic in a long run of "000 000 ...".
_AMOUNT = r"(?P<amount>\d{1,3}(?:[ .]\d{3}){1,4}|\d+)(?:[.,](?P<cents>\d{1,2}))?(?![\d])"


def _amount_after(not_after: str) -> str:
    """``_AMOUNT`` not preceded by a character of ``not_after``, written to start with a
    digit: the regular expression engine then skips to the next digit at C speed instead
    of trying the look-behind at every position of the text."""
    return (
        rf"(?P<amount>\d(?<!{not_after}\d)(?:\d{{0,2}}(?:[ .]\d{{3}}){{1,4}}|\d*))"
        r"(?:[.,](?P<cents>\d{1,2}))?(?![\d])"
    )


_AMOUNT_NOT_AFTER_WORD = _amount_after(r"[\w.,]")
_AMOUNT_NOT_AFTER_SLASH = _amount_after(r"[\w.,/]")
_CUR = "|".join(sorted((re.escape(k) for k in _CURRENCIES), key=len, reverse=True))
_PER = r"(?: ?(?:/|per|pro|la|a|za|на|за|por|pe|each) ?| )"
_PRE = r"(?P<pre>€|£|\$|eur|euro)"
#: Text that every match of ``_PRE`` / ``_CUR`` contains.
_PRE_TEXT = ("€", "£", "$", "eur")
_CUR_TEXT = tuple(_CURRENCIES)
# Each pattern with the text one of whose pieces any match of it contains, and whether
# it needs a duration (every duration has a letter). A pattern that cannot match is not
# run: each scan of a 100,000-character ad costs 10-30 ms, even where nothing matches.
_PRICE_PATTERNS = (
    # € 150 per hour
    (re.compile(rf"(?<![\w.,]){_PRE} ?{_AMOUNT}(?:{_PER}(?:{_DURATION}))?"), _PRE_TEXT, False),
    # 150€/u, 100 euro half uur, 300 lei/ora, 250 zl
    (
        re.compile(rf"{_AMOUNT_NOT_AFTER_WORD} ?(?P<cur>{_CUR})(?!\w)(?:{_PER}(?:{_DURATION}))?"),
        _CUR_TEXT,
        False,
    ),
    # 150/h, 250/2h (currency left out: the default currency)
    (re.compile(rf"{_AMOUNT_NOT_AFTER_SLASH} ?/ ?(?:{_DURATION})"), ("/",), True),
    # 30 min 80€, 1 Std 150€
    (
        re.compile(rf"(?<!\w)(?:{_DURATION}) ?[:=-]? ?{_AMOUNT} ?(?P<cur>{_CUR})(?!\w)"),
        _CUR_TEXT,
        True,
    ),
    (re.compile(rf"(?<!\w)(?:{_DURATION}) ?[:=-]? ?{_PRE} ?{_AMOUNT}"), _PRE_TEXT, True),
)
_LETTER = re.compile(r"[^\W\d_]")
_DIGIT = re.compile(r"\d")  # what every amount (_AMOUNT) holds


@dataclass(frozen=True, slots=True)
class Price:
    amount: float
    currency: str
    per_hours: float | None
    start: int = 0  # offsets in the ORIGINAL text
    end: int = 0

    def to_dict(self) -> dict[str, object]:
        return {"amount": self.amount, "currency": self.currency, "per_hours": self.per_hours}

    def hourly_eur(self, rates: Mapping[str, float]) -> float | None:
        """The price of one hour in EUR; ``None`` without a duration or a known rate."""
        if not self.per_hours or self.currency not in rates:
            return None
        return self.amount * rates[self.currency] / self.per_hours


def find_prices(norm: Normalized, default_currency: str = "EUR") -> list[Price]:
    """All prices in ``norm``, in text order (of overlapping readings, the one with a
    duration, then the longest, wins)."""
    text = norm.text
    if _DIGIT.search(text) is None:
        return []  # every pattern needs an amount (most titles have none)
    candidates: list[tuple[int, int, Price]] = []
    has_letter = _LETTER.search(text) is not None
    present: dict[tuple[str, ...], bool] = {}
    for pattern, needs, duration in _PRICE_PATTERNS:
        if duration and not has_letter:
            continue
        if needs not in present:
            present[needs] = any(piece in text for piece in needs)
        if not present[needs]:
            continue
        for match in itertools.islice(pattern.finditer(text), MAX_MATCHES):
            groups = match.groupdict()
            amount = _amount(groups["amount"], groups.get("cents"))
            currency_word = groups.get("pre") or groups.get("cur")
            if currency_word is None:
                if amount < 20:
                    continue
                currency = default_currency
            else:
                currency = _CURRENCIES[currency_word]
            start, end = match.span()
            price = Price(amount, currency, _hours(groups), *norm.span(start, end))
            candidates.append((start, end, price))
    candidates.sort(key=lambda c: (c[2].per_hours is None, c[0] - c[1], c[0]))
    # The chosen spans never overlap, so sorted by start they are sorted by end too: a
    # new span overlaps one only if it overlaps its neighbours (log time, not a scan).
    starts: list[int] = []
    chosen: list[tuple[int, int, Price]] = []
    for start, end, price in candidates:
        at = bisect.bisect_left(starts, start)
        if at < len(starts) and chosen[at][0] < end:
            continue
        if at > 0 and chosen[at - 1][1] > start:
            continue
        starts.insert(at, start)
        chosen.insert(at, (start, end, price))
    return [price for _, _, price in chosen]


def find_price(norm: Normalized, default_currency: str = "EUR") -> Price | None:
    """The ad's price: the first one with a duration, else the first one."""
    prices = find_prices(norm, default_currency)
    for price in prices:
        if price.per_hours:
            return price
    return prices[0] if prices else None


def parse_price_text(value: str | None, default_currency: str = "EUR") -> Price | None:
    """The price in a dedicated price field ("150€/u"); a bare number is an amount."""
    if not value:
        return None
    norm = normalize(str(value))
    price = find_price(norm, default_currency)
    if price is None:
        bare = re.fullmatch(r"\s*(\d+)(?:[.,](\d{1,2}))?\s*", norm.text)
        if bare:
            return Price(_amount(bare.group(1), bare.group(2)), default_currency, None, 0, 0)
    return price


def _amount(whole: str, cents: str | None) -> float:
    value = float(re.sub(r"[ .]", "", whole))
    if cents:
        value += float(f"0.{cents}")
    return value


def _hours(groups: Mapping[str, str | None]) -> float | None:
    if groups.get("half"):
        return 0.5
    count = groups.get("count")
    number = float(count.replace(",", ".")) if count else 1.0
    if number <= 0:
        return None
    if groups.get("hours"):
        return number
    if groups.get("minutes"):
        return number / 60 if count else None
    return None


class PriceTracker:
    """Running median of the hourly EUR price per source.

    :meth:`observe` compares a price with the median of the prices seen *before* it
    (at least ``min_samples`` of them) and then adds it; only the last
    ``max_samples`` prices of a source count.
    """

    def __init__(self, factor: float = 0.5, min_samples: int = 20, max_samples: int = 1000):
        self.factor = factor
        self.min_samples = min_samples
        self.max_samples = max_samples
        self._recent: dict[str, deque[float]] = {}
        self._sorted: dict[str, list[float]] = {}

    def median(self, source: str) -> float | None:
        values = self._sorted.get(source)
        if not values:
            return None
        mid = len(values) // 2
        return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2

    def samples(self, source: str) -> int:
        return len(self._sorted.get(source, ()))

    def observe(self, source: str, hourly_eur: float) -> bool:
        """Record a price; ``True`` when it is far below the source's running median."""
        median = self.median(source)
        low = (
            median is not None
            and self.samples(source) >= self.min_samples
            and hourly_eur < median * self.factor
        )
        recent = self._recent.setdefault(source, deque())
        ordered = self._sorted.setdefault(source, [])
        recent.append(hourly_eur)
        bisect.insort(ordered, hourly_eur)
        if len(recent) > self.max_samples:
            old = recent.popleft()
            del ordered[bisect.bisect_left(ordered, old)]
        return low
