"""Lexicon 2026.12.10, the kinds of the development set dev_2026_12m: refusals by a
cross mark, an idiom ("don't even ask", "dziękuję, postoję") or "instead of"; a negated
list that goes on after a comma; a young age denied without the real one in digits;
ranges of ages; someone who translates or is to be called instead; seasons and
weekends; only the mother tongue; and the ordinary ads and senses set aside with them
(news reports, job ads, "new in the business", "five days a week", a gym's hours).

Each rule is checked both ways: a set-aside rule sets aside and the positive ad still
flags; a new cue flags and the ordinary or negated ad does not.
"""

from __future__ import annotations

import pytest

from pipelines.engine.indicators import IndicatorEngine


def flagged(engine: IndicatorEngine, lang: str, text: str, category: str) -> bool:
    """Whether the engine flags ``category`` in an ad of ``lang`` with this text."""
    return category in engine.analyse("", text, lang=lang).categories


# (lang, text, category, flagged): each set-aside rule next to the ad it must not touch.
BOTH_WAYS = [
    # Money to the house's account; the house arranges.
    (
        "en",
        "Escort Lina, incall. Deposit first to our account, the house takes care of the rest.",
        "third_party",
        True,
    ),
    (
        "en",
        "Escort Lina, incall. No deposit, you pay me in person, nobody else involved.",
        "third_party",
        False,
    ),
    (
        "es",
        "Escort Lina. Primero una señal a nuestra cuenta, del resto se encarga la casa.",
        "third_party",
        True,
    ),
    (
        "bg",
        "Ескорт дами. Всяка седмица нови лица, момичетата се сменят между нашите къщи.",
        "third_party",
        True,
    ),
    # A list that a refusal ends after its colon.
    (
        "en",
        "Escort Kim, 41. Agencies, managers, drivers: none of that. Just me.",
        "third_party",
        False,
    ),
    (
        "en",
        "Escort Kim, 41. Agencies, managers, drivers: all welcome to book.",
        "third_party",
        True,
    ),
    ("de", "Escort Kim, 41. Agenturen, Manager, Fahrer: nichts davon.", "third_party", False),
    ("hu", "Escort Kim, 41. Ügynökség, menedzser, sofőr: semmi ilyesmi.", "third_party", False),
    ("bg", "Ескорт Ким, 41. Агенции, мениджъри, шофьори: нищо такова.", "third_party", False),
    # A cue asked about and answered by a refusal in a sentence of its own.
    ("en", "Escort Kim, 41. Agency? I don't need one.", "third_party", False),
    ("en", "Escort Kim, 41. Agency? Call them first.", "third_party", True),
    (
        "de",
        "Escort Kim, 41. Rund um die Uhr? Träum weiter, Di-Sa 11-19 Uhr.",
        "availability_24_7",
        False,
    ),
    ("de", "Escort Kim, 41. Rund um die Uhr? Na klar, ruf an.", "availability_24_7", True),
    ("pl", "Escort Kim, 41. Bez gumki? Nigdy w życiu.", "unsafe_services", False),
    ("pl", "Escort Kim, 41. Bez gumki? Jasne, za dopłatą.", "unsafe_services", True),
    ("hu", "Escort Kim, 41. Óvszer nélkül? Soha az életben.", "unsafe_services", False),
    (
        "en",
        "Escort Kim, 41. Bareback is a no-go, don't even think about it.",
        "unsafe_services",
        False,
    ),
    # Years of living here.
    ("es", "Escort Kim, 41. ¿Nueva en la ciudad? Llevo 15 años aquí.", "movement", False),
    ("es", "Escort Kim, 41. Nueva en la ciudad, solo esta semana.", "movement", True),
    ("ro", "Escortă Kim, 41. Nouă în oraș? Locuiesc aici de 15 ani.", "movement", False),
    ("ro", "Escortă Kim, 41. Nouă în oraș, doar câteva zile.", "movement", True),
    # No time limit is no service without limits.
    (
        "ro",
        "Fără grabă, fără limită de timp, dar cu prezervativ mereu. Escortă Ema, 36.",
        "unsafe_services",
        False,
    ),
    ("ro", "Fără limite, totul e posibil. Escortă Ema, 36.", "unsafe_services", True),
    (
        "es",
        "Sin prisas, sin límite de tiempo, siempre con protección. Escort Ema, 36.",
        "unsafe_services",
        False,
    ),
    ("es", "Sin límites, todo es posible. Escort Ema, 36.", "unsafe_services", True),
    # A cross mark after the cue refuses it; a tick does not.
    (
        "ro",
        "Gabriela, 36, Craiova. Ce NU fac: fara prezervativ ❌ nonstop ❌. 0751 774 402",
        "unsafe_services",
        False,
    ),
    (
        "ro",
        "Gabriela, 36, Craiova. Ce fac: fara prezervativ ✔️ nonstop ✔️. 0751 774 402",
        "unsafe_services",
        True,
    ),
    # A refusal idiom after the question.
    (
        "en",
        'If your first message is "bareback?" don\'t bother. Joanne 46, incall, GFE.',
        "unsafe_services",
        False,
    ),
    ("en", "Bareback? Of course, ask for it. Joanne 46, incall, GFE.", "unsafe_services", True),
    (
        "es",
        "¿Sin condón? Ni lo intentes. Soy Inma, 37, escort en Santander.",
        "unsafe_services",
        False,
    ),
    (
        "es",
        "¿Sin condón? Claro que sí. Soy Inma, 37, escort en Santander.",
        "unsafe_services",
        True,
    ),
    (
        "pl",
        "Agencja? Dziękuję, postoję 😄 Od 9 lat pracuję sama. Beata, 44, Wrocław.",
        "third_party",
        False,
    ),
    ("pl", "Agencja Diament 😄 Nasze panie czekają. Beata, 44, Wrocław.", "third_party", True),
    # "Instead of".
    ("de", "Privatwohnung statt Laufhaus. Claudia, 42, Escort, Hausbesuche.", "third_party", False),
    ("de", "Privatwohnung im Laufhaus. Claudia, 42, Escort, Hausbesuche.", "third_party", True),
    # A negated list goes on after its comma.
    (
        "bg",
        "Никога не съм имала агенция, шофьор или „приятел“. Росица, 44, ескорт.",
        "third_party",
        False,
    ),
    ("bg", "Имам агенция, шофьор и приятел. Росица, 44, ескорт.", "third_party", True),
    (
        "en",
        "Independent: no agency, driver or 'friend' who answers. Incall, GFE.",
        "third_party",
        False,
    ),
    ("en", "Ask our agency, our driver brings her. Incall, GFE.", "third_party", True),
    # A young age denied, with the real one in words the age finder does not read.
    ("hu", "Nem 18 vagyok, hanem 38 – érett nő, escort, fogadok.", "youth", False),
    ("pl", "Nie mam 19 lat, mam 49. Dojrzała, escort, przyjmuję u siebie.", "youth", False),
    ("pl", "Mam 19 lat, jestem studentką. Escort, przyjmuję u siebie.", "youth", True),
    # New in the business is no movement; new in town is.
    ("de", "Jule, gerade 18, bin neu im Business. Nur Hausbesuche Raum Kassel.", "movement", False),
    ("de", "Jule, 25, bin neu in Kassel. Nur Hausbesuche, Escort.", "movement", True),
    (
        "es",
        "Keyla, 21, muy dulce, nueva en esto. Escort en Lleida, piso tranquilo.",
        "movement",
        False,
    ),
    ("es", "Keyla, 25, muy dulce, nueva en Lleida. Escort, piso tranquilo.", "movement", True),
    # Days a week are working hours.
    (
        "en",
        "Van driver wanted, 5 days a week around Bristol. Agency staff welcome.",
        "movement",
        False,
    ),
    ("en", "Escort Mia, incall, only 5 days in Bristol, then Leeds.", "movement", True),
    # A job needs no language; an employment agency is no third party.
    (
        "pl",
        "Agencja pracy zatrudni pracowników, praca przez agencję. "
        "Znajomość języka nie jest wymagana.",
        "language_barrier",
        False,
    ),
    (
        "pl",
        "Agencja pracy zatrudni pracowników, praca przez agencję. "
        "Znajomość języka nie jest wymagana.",
        "third_party",
        False,
    ),
    ("pl", "Oksana, 25, escort, przyjmuję u siebie. Nie mówi po polsku.", "language_barrier", True),
    # Her own manager.
    (
        "bg",
        "Нямам мениджър – аз съм си мениджър и секретарка. Цвети, 37, ескорт.",
        "third_party",
        False,
    ),
    ("bg", "Мениджърът ми урежда срещите. Цвети, 37, ескорт.", "third_party", True),
    # An outfit of your choice is no choice of girls.
    (
        "ro",
        "Diana, 30, striptease la petreceri. Costum la alegere: politista, asistenta.",
        "third_party",
        False,
    ),
    ("ro", "Agentie escorte: fete la alegere, deplasari la hotel.", "third_party", True),
    # A natural look is no unprotected service.
    ("hu", "Bianka, 29, natúr szépség, escort, fogadok Debrecenben.", "unsafe_services", False),
    ("hu", "n4túr és 0-24, ha kell. Bianka, 29, escort, Debrecen.", "unsafe_services", True),
]


@pytest.mark.parametrize(("lang", "text", "category", "expected"), BOTH_WAYS)
def test_set_aside_rules_and_the_positive_ads_they_must_not_touch(
    engine: IndicatorEngine, lang: str, text: str, category: str, expected: bool
) -> None:
    assert flagged(engine, lang, text, category) is expected


NEW_CUES = [
    # Day, time and how long: a booking by the hour puts a bare barrier in context.
    (
        "nl",
        "Ik versta weinig. Schrijf kort in simpel Engels: dag, tijd, hoe lang.",
        "language_barrier",
    ),
    ("de", "Ich verstehe wenig Deutsch. Schreib kurz: Tag, Uhrzeit und Dauer.", "language_barrier"),
    # An erotic massage still flags next to a therapist's words it does not deny.
    (
        "en",
        "Erotic massage with happy ending, open 24/7, therapeutic oils. Incall.",
        "availability_24_7",
    ),
    ("en", "Sofia, 26, Bulgarian, touring the Netherlands, incall.", "origin"),
    ("en", "I'm Maria, 24, Spanish, just moved to Bristol, incall, GFE.", "origin"),
    ("en", "My name is Nicoleta, I come from a small town in Moldova. Incall, GFE.", "origin"),
    ("de", "Hübsche Thai-Frauen verwöhnen dich, Body-Massage, Extras nach Absprache.", "origin"),
    ("de", "Im Laufhaus neu: 4 junge Ungarinnen, 19 bis 23 Jahre! Zimmer 3-7.", "youth"),
    ("ro", "Agentia noastra de escorte: fete de la 19 la 32 de ani, deplasari la hotel.", "youth"),
    (
        "ro",
        "m1gn0n4 $tud3nt4 de 20 de anisori, Craiova, escorta, doar seara dupa cursuri.",
        "youth",
    ),
    (
        "de",
        "Teodora versteht kein Wort, bitte nicht direkt anschreiben. Escort, Hotel.",
        "third_party",
    ),
    (
        "nl",
        "Alina, 28, spreekt alleen Russisch, een vriendin vertaalt via whatsapp. Escort.",
        "third_party",
    ),
    (
        "ro",
        "Asiatica, 25, escorta. Raspunde colega mea la telefon, eu nu vorbesc romana.",
        "third_party",
    ),
    ("hu", "Vietnámi Linh, 22, escort. A nővérem veszi fel a telefont.", "third_party"),
    ("ro", "Doar vara asta in Mamaia: Juliana, escorta, apartament langa plaja.", "movement"),
    (
        "bg",
        "Само за ски сезона в Банско – до края на март, после се прибирам. Ели, ескорт.",
        "movement",
    ),
    ("hu", "Magyar lány, 22, egy hónapja jöttem ki Bécsbe, escort.", "movement"),
    ("pl", "Nowa Azjatka, Mei, 23 lata, przyjechała w poniedziałek, escort.", "movement"),
    (
        "de",
        "Die Damen sprechen nur ihre Muttersprache, Escort, Termine über die Hausdame.",
        "language_barrier",
    ),
    ("de", "Kasia, 21, Escort, Hotel. Deutsch kann ich nicht.", "language_barrier"),
    (
        "en",
        "Sasha 25, Newcastle. Day n night, whenever ur horny just call. Sexy slim.",
        "availability_24_7",
    ),
    (
        "es",
        "Disponible las 24 horas, salidas a hotel. Marta, 27, cuerpo de gimnasio.",
        "availability_24_7",
    ),
]


@pytest.mark.parametrize(("lang", "text", "category"), NEW_CUES)
def test_the_new_cues_flag(engine: IndicatorEngine, lang: str, text: str, category: str) -> None:
    assert flagged(engine, lang, text, category)


ORDINARY = [
    ("ro", "Salon de masaj terapeutic, fără servicii erotice, deschis non-stop, parcare."),
    ("hu", "Gyógymasszázs, erotika nélkül, nonstop nyitva, parkolás."),
    ("ro", "Caut colegă de apartament, fată tânără, nefumătoare, din provincie. 0740 000 000"),
    ("en", "Webcam models wanted, young girls 18+, high earnings, no experience needed."),
    ("de", "Webcam-Models gesucht, junge Frauen ab 18, hoher Verdienst, keine Erfahrung nötig."),
    ("en", "New in town? Our hotel offers 24/7 reception and a young, friendly team. Book now."),
    (
        "en",
        "Language exchange: I'm Maria, 24, Spanish, just moved to Bristol, looking for "
        "English speakers to practise with over coffee.",
    ),
    (
        "bg",
        "МВР: задържаха трима мъже, превозвали млади жени от Молдова с цел сексуална "
        "експлоатация. Разследването продължава.",
    ),
    (
        "en",
        "Police arrested three men suspected of bringing young women from Moldova for sexual "
        "exploitation; the investigation goes on.",
    ),
    ("es", "Gimnasio abierto 24 horas, cuota mensual 30 €, clases de spinning."),
    (
        "en",
        "Van driver wanted, must be 25+, full clean UK licence, 5 days a week. "
        "Agency staff welcome.",
    ),
]


@pytest.mark.parametrize(("lang", "text"), ORDINARY)
def test_ordinary_ads_that_share_the_words_are_no_hits(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert not engine.analyse("", text, lang=lang).hit
