"""Lexicon 2026.12.9, the kinds of phrasing found on ``dev_2026_12k``: itineraries (the
next town, a weekend stay, a summer by months), languages spoken at home or with good
English, young ages sought by others or written in words, refusals that end in
"nothing", and the ordinary ads and hours that share their words.

Every new cue has a test that it flags and one that an ordinary or negated ad with the
same words does not; every new set-aside rule has a test that it sets aside and one that
the positive ad still flags.
"""

from __future__ import annotations

import pytest

from pipelines.engine.extract import find_ages
from pipelines.engine.indicators import IndicatorEngine
from pipelines.engine.normalize import normalize
from tests.support.engine import categories

# ----------------------------------------------------- movement: itineraries and stays

ITINERARIES = [
    ("nl", "Sofia, escort, privé ontvangst. Van 10 tot 17 maart ben ik hier, daarna Nijmegen."),
    ("en", "Zsófi, escort, incall. In Cardiff until Friday, then Bristol next week."),
    ("pl", "Alena, escort, przyjmuję u siebie. We Wrocławiu jestem do 11 maja, potem Kraków."),
    ("hu", "Irina, escort, nálam fogadok. Szegeden vendégeskedem március 17-ig, utána Budapest."),
    ("de", "Carla, 29, Escort. Fr bis So in Freiburg, Hotel am Bahnhof."),
    ("es", "Tamara, 29, escort. De viernes a lunes estoy en Benidorm, hotel en la playa."),
    ("pl", "Kamila, 29, escort. Od piątku do niedzieli jestem w Zakopanem, pensjonat."),
    ("hu", "Kitti, escort. Csütörtöktől vasárnapig Siófokon vagyok, hotelben fogadok."),
    ("en", "Jasmine, 28, escort. Only in Brighton Fri–Sun, incall in my hotel."),
    ("bg", "Ива, ескорт, приемам в хотел. Целия юни съм в Несебър, през юли в Златни пясъци."),
    ("hu", "Vanda, escort. Júniusban Siófokon, júliusban Balatonfüreden leszek, hotelben fogadok."),
    (
        "es",
        "Vero, 30, escort. Desde el lunes hago plaza de 21 días en Alicante, "
        "y luego cambio de ciudad.",
    ),
]


@pytest.mark.parametrize(("lang", "text"), ITINERARIES)
def test_the_next_town_a_weekend_stay_or_a_summer_by_months_is_movement(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "movement" in categories(engine, text, lang)


AT_HOME_ALL_WEEK = [
    ("nl", "Sofia, escort, privé ontvangst in Utrecht, daarna douchen en relaxen."),
    ("en", "Amy, escort, incall in Leeds, then we relax with a drink."),
    ("es", "Pilar, 48, escort. Recibo de martes a sábado, de 10 a 18 h."),
    ("pl", "Gośka, 48, escort. Przyjmuję od wtorku do soboty, 10–18."),
    ("hu", "Szalon a József körút közelében, erotikus masszázs, hölgyek 22 és 38 év között."),
    ("pl", "Sklep z produktami z Gruzji – nowy w Warszawie. Wina, przyprawy, sery."),
]


@pytest.mark.parametrize(("lang", "text"), AT_HOME_ALL_WEEK)
def test_what_follows_at_home_weekly_hours_boulevards_and_new_shops_are_no_movement(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "movement" not in categories(engine, text, lang)


# ---------------------------------------- language_barrier: good English, or at home

GOOD_ENGLISH_OR_AT_HOME = [
    ("ro", "Denisa, escortă în Rotterdam, primesc la mine. Vorbesc engleză și puțin olandeză."),
    ("pl", "Alena, escort, przyjmuję u siebie. Języki: rosyjski, angielski, trochę polski."),
    ("de", "Kasia, Escort, Hausbesuche. Ich spreche Englisch und ein bisschen Deutsch."),
    ("bg", "Ная, ескорт, приемам при мен. Говоря английски и малко български."),
    ("hu", "Irina, escort, nálam fogadok. Angolul jól beszélek, magyarul csak pár szót."),
    ("bg", "Румяна, 47, ескорт, приемам при мен. Говоря само български и това ми стига."),
    ("es", "Pilar, 48, escort, recibo en mi piso. Hablo solo español y con eso me basta."),
    (
        "hu",
        "Erzsi, 49, escort, nálam fogadok. Csak magyarul beszélek, más nyelvre nincs szükségem.",
    ),
    ("pl", "Gośka, 48, escort. Mówię tylko po polsku i to mi w zupełności wystarcza."),
    (
        "de",
        "Petra, 52, Escort, Hausbesuche. Ich spreche nur Deutsch, Englisch kann ich kaum, "
        "aber das braucht man bei mir ja auch nicht.",
    ),
]


@pytest.mark.parametrize(("lang", "text"), GOOD_ENGLISH_OR_AT_HOME)
def test_good_english_or_only_the_local_language_at_home_is_no_barrier(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "language_barrier" not in categories(engine, text, lang)


BARRIERS = [
    (
        "en",
        "Sara, escort, incall Glasgow. Hello, sorry my english is very small. Please only text.",
    ),
    (
        "de",
        "Olena, Escort, Hausbesuche. Deutsch fast nichts und Englisch auch kaum, bitte nur SMS.",
    ),
    ("es", "Oksana, escort, recibo en hotel. Español entiendo muy poquito e inglés casi nada."),
    (
        "bg",
        "Надя, ескорт, приемам в хотел. Български разбирам съвсем малко, английски почти никак.",
    ),
    ("ro", "Elena, escortă, primesc la mine. Vorbesc doar rusă, puțin engleză."),
    # Only the ad's own language, abroad.
    ("ro", "Fata vorbește doar română, nu olandeză și nici engleză. Rotterdam, 100€ per half uur."),
]


@pytest.mark.parametrize(("lang", "text"), BARRIERS)
def test_little_of_the_language_said_in_other_words_is_a_barrier(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "language_barrier" in categories(engine, text, lang)


# ------------------------------------ youth: sought by others, or written in words

SOUGHT_BY_OTHERS = [
    (
        "ro",
        "Nu am 19 ani, am 42. Cine caută tinere de 19 ani a greșit adresa. Doamnă independentă.",
    ),
    ("bg", "Който търси млади момичета на 19, е сбъркал адреса – аз съм на 45. Ескорт, приемам."),
    (
        "hu",
        "Aki tizenkilenc éves lányt keres, rossz helyen jár: én 46 vagyok. Escort, nálam fogadok.",
    ),
    ("bg", "Ралица, на двайсет и осем, млада по душа. Ескорт, само с уговорка."),
]


@pytest.mark.parametrize(("lang", "text"), SOUGHT_BY_OTHERS)
def test_a_young_age_others_look_for_or_an_adult_age_in_words_is_no_youth(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "youth" not in categories(engine, text, lang)


IN_WORDS = [
    ("bg", "На осемнайсет съм, от Шумен. Без граници, може и без предпазни средства."),
    ("bg", "Двайсетгодишна Деница, винаги на линия, ескорт. 0877 330 915"),
    ("hu", "Kitti, húszéves, Székesfehérvár. Mindig elérhető vagyok, escort."),
    ("bg", "Здрасти, аз съм Мира, на 19, студентка съм в София. Приемам само следобед."),
]


@pytest.mark.parametrize(("lang", "text"), IN_WORDS)
def test_an_age_of_18_to_20_in_words_or_after_na_is_youth(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "youth" in categories(engine, text, lang)


@pytest.mark.parametrize(
    ("text", "ages"),
    [
        ("Tamara, 29. 697 701 442", [29]),
        ("Аз съм на 45 и знам", [45]),
        ("– на 37 съм и го казвам", [37]),
        ("én 46 vagyok, és", [46]),
        ("eu am 42 și multă experiență", [42]),
        # Prices, dates and street numbers are no ages.
        ("Am 20 de lei", []),
        ("на 20 юли", []),
        ("Calle Mayor, 25. Madrid", []),
    ],
)
def test_ages_at_the_end_of_a_signature_and_after_am_na_vagyok(text: str, ages: list[int]) -> None:
    assert [a.age for a in find_ages(normalize(text))] == ages


# ------------------------------------------- negation: a refusal that ends in "nothing"

REFUSED = [
    ("pl", "Gośka, 48, escort, przyjmuję u siebie. Bez zabezpieczenia nic, nigdy."),
    ("hu", "Erzsi, 49, escort, nálam fogadok. Védekezés nélkül semmi, soha."),
    ("ro", "Ana, 45, escortă, primesc la mine. Fără protecție nimic, niciodată."),
    (
        "hu",
        "Erzsi, escort, nálam fogadok. Éjjel-nappal sem vagyok elérhető, csak keddtől szombatig.",
    ),
]


@pytest.mark.parametrize(("lang", "text"), REFUSED)
def test_a_cue_followed_by_nothing_or_not_either_is_negated(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert categories(engine, text, lang) == []


# ------------------------------------------ third_party: who is called, and a visit cue

OTHERS_CALLED = [
    ("ro", "Elena nu vorbește română. Sună-mi prietena, Alina, ea traduce. Oradea, 300 lei/oră."),
    (
        "hu",
        "Thai masszázs, két kedves lány, 30 perc 14 000 Ft. "
        "Mindig a vezetőnket, Editet hívd, ő veszi át a fizetést.",
    ),
    (
        "en",
        "For bookings with Lola call my driver Tony, he will bring me to your hotel in Cardiff.",
    ),
    ("nl", "Voor mijn meiden bel je mij. Alles is bespreekbaar, ook zonder, jij vraagt."),
]


@pytest.mark.parametrize(("lang", "text"), OTHERS_CALLED)
def test_a_friend_or_manager_who_is_called_or_without_on_request_flags(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert categories(engine, text, lang) != []


# ------------------------------------------------- set aside: looks, firms and hours

ORDINARY = [
    ("nl", "unsafe_services", "Kasia uit Polen, 20 jaartjes, slank en naturel. Ontvang in Venlo."),
    (
        "nl",
        "availability_24_7",
        "Taxi Haarlem naar Schiphol, vaste prijs. Onze chauffeur wacht. Dag en nacht te boeken.",
    ),
    (
        "ro",
        "availability_24_7",
        "Relax Lounge Cluj, masaj erotic, 6 maseuze. Program zilnic 12:00-24:00.",
    ),
    ("ro", "third_party", "Valentina, columbiancă pasională cu forme latine, 31 de ani, escortă."),
    (
        "bg",
        "third_party",
        "Фитнес 24/7 – нов клуб в Младост. Месечна карта 35 €, треньори на място.",
    ),
    (
        "hu",
        "availability_24_7",
        "Elite escort, hölgyek. Foglalni hétfőtől szombatig 12 és 24 óra között.",
    ),
    (
        "es",
        "availability_24_7",
        "Masajes Jade, dos chicas. Llama siempre a la encargada, ella te da la cita.",
    ),
]


@pytest.mark.parametrize(("lang", "category", "text"), ORDINARY)
def test_looks_firms_and_hours_that_share_the_words_are_set_aside(
    engine: IndicatorEngine, lang: str, category: str, text: str
) -> None:
    assert category not in categories(engine, text, lang)


DRIVEN_AROUND = [
    (
        "hu",
        "Viki és Bogi vagyunk, a sofőrünk visz minket körbe a tavon. "
        "A helyet és az árat ő beszéli meg.",
    ),
    (
        "ro",
        "Suntem Laura și Denisa, stăm pe litoral doar în iulie. "
        "Nea Costel ne duce cu mașina și tot el răspunde la telefon.",
    ),
    ("en", "Two sweet girls, escort. Our driver takes us from town to town, he answers the phone."),
]


@pytest.mark.parametrize(("lang", "text"), DRIVEN_AROUND)
def test_driven_from_town_to_town_by_someone_else_is_movement(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "movement" in categories(engine, text, lang)


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("de", "Hochzeitsfotografin, Reportagen in ganz Bayern. Nur noch wenige Samstage frei."),
        ("en", "Evening lads, Kev here with this week's list of girls, escort, outcall only."),
    ],
)
def test_few_dates_left_and_a_weekly_list_are_no_short_stay(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "movement" not in categories(engine, text, lang)
