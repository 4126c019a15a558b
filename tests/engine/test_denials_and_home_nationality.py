"""Lexicon 2026.12.9: a young age denied or only supposed before the real one; the
ad's own nationality at home and abroad; a cue answered no after its quotes or
inverted ("de novedad nada", "nouă în oraș nu sunt"); "24" written with its digits apart.

Every new cue has a test that it flags and one that an ordinary or negated ad with the
same words does not; every new set-aside rule has a test that it sets aside and one that
the positive ad still flags.
"""

from __future__ import annotations

import pytest

from pipelines.engine.indicators import IndicatorEngine
from pipelines.engine.normalize import normalize
from tests.support.engine import categories

# ------------------------------------------------ youth: a young age denied or supposed

DENIED_AGES = [
    ("en", "Tina, not 19, a proper 43 years old. Incall only, £120/hr, GFE."),
    ("en", "If you want a 19-year-old, scroll on: I'm 43. Incall, GFE, £120/hr."),
    ("ro", "Dacă vrei o fată de 20, nu e anunțul potrivit; am 41 de ani, masaj erotic."),
    ("de", "Nicht 19, sondern 42: erfahrene Escort, Hausbesuche, 150€/h."),
    ("de", "Wenn du eine 19-Jährige suchst, bist du falsch: ich bin 44, Escort, Hausbesuche."),
    ("nl", "Niet 19, maar 45: ervaren escort, privé ontvangst, 150€/u."),
    ("nl", "Als je een meisje van 19 zoekt, zit je fout: ik ben 45. Escort, privé ontvangst."),
    ("es", "No tengo 19, tengo 43. Escort, recibo en mi piso, 100€/h."),
    ("es", "Si buscas una chica de 19, sigue mirando: tengo 43 años. Escort, recibo en mi piso."),
    ("pl", "Jeśli szukasz 19-latki, to nie tutaj: mam 43 lata. Escort, przyjmuję u siebie."),
    ("hu", "Nem vagyok 19, hanem 43 éves. Escort, nálam fogadok, 25 000 Ft/óra."),
    ("hu", "Ha 19 éves lányt keresel, lapozz tovább: 43 éves vagyok. Escort, nálam fogadok."),
    ("bg", "Не съм на 19, на 43 съм. Ескорт, приемам при мен, 150 лв на час."),
]


@pytest.mark.parametrize(("lang", "text"), DENIED_AGES)
def test_a_denied_or_supposed_young_age_before_the_real_one_is_no_youth(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "youth" not in categories(engine, text, lang)


YOUNG_AGES = [
    ("en", "Tina, 19, GFE, incall, £120/hr. My friend Kate is 25."),
    ("ro", "Ioana, 20 de ani, escortă, primesc la mine; prietena mea are 26 de ani."),
    ("de", "Lena, 19, Escort, Hausbesuche, 150€/h. Ihre Freundin Mia ist 27."),
    ("es", "Lara, 19 años, escort, recibo en mi piso; mi amiga tiene 28 años."),
]


@pytest.mark.parametrize(("lang", "text"), YOUNG_AGES)
def test_a_young_age_beside_an_older_person_still_counts(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "youth" in categories(engine, text, lang)


# -------------------------------------------- origin: the ad's own nationality at home

AT_HOME = [
    ("ro", "Sunt Irina, 38 de ani, româncă, plinuță. Masaj erotic, primesc la mine în București."),
    ("ro", "Fetele sunt românce, 24-35 de ani, deplasări la hotel în Cluj și Turda."),
    ("pl", "Jestem Ewa, Polka, 35 lat, masaż erotyczny, przyjmuję u siebie w Krakowie."),
    ("hu", "Magyar lány vagyok, 35 éves, erotikus masszázs, nálam fogadok Budapesten."),
    ("bg", "Българка съм, на 35 години, еротичен масаж, приемам при мен в София."),
    ("es", "Soy española, 35 años, masaje erótico, recibo en mi piso de Madrid."),
    ("en", "Proper English girl, 35, sensual massage, incall in Leeds."),
    ("de", "Deutsche Frau, 35, erotische Massage, Hausbesuche in Köln."),
    ("nl", "Nederlandse vrouw, 35, erotische massage, privé ontvangst in Utrecht."),
]


@pytest.mark.parametrize(("lang", "text"), AT_HOME)
def test_the_ads_own_nationality_at_home_is_no_origin(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "origin" not in categories(engine, text, lang)


ABROAD = [
    ("ro", "Irina, româncă, acum în Amsterdam, masaj erotic, primesc la mine."),
    ("pl", "Ewa, Polka, teraz w Amsterdamie, masaż erotyczny, przyjmuję u siebie."),
    ("hu", "Magyar Bea most Delftben, erotikus masszázs, nálam fogadok."),
    ("bg", "Българката Гери сега в Апелдорн, еротичен масаж, приемам при мен."),
    ("bg", "Българка в Солун, 33 г., еротичен масаж, приемам при мен."),
    ("es", "Española en Londres, 35 años, masaje erótico, recibo en mi piso."),
    ("en", "Proper English girl in Amsterdam, 35, sensual massage, incall."),
    ("de", "Deutsche Frau, 35, jetzt in Amsterdam, erotische Massage, Hausbesuche."),
    ("nl", "Nederlandse meid, 35, nu in Berlijn, erotische massage, privé ontvangst."),
]


@pytest.mark.parametrize(("lang", "text"), ABROAD)
def test_the_ads_own_nationality_abroad_is_origin(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "origin" in categories(engine, text, lang)


def test_a_foreign_nationality_at_home_is_still_origin(engine: IndicatorEngine) -> None:
    text = "Fată bulgăroaică, 25 de ani, masaj erotic, primesc la mine în București."
    assert "origin" in categories(engine, text, "ro")


# --------------------------------------- negation: answered after quotes, or inverted

ANSWERED_OR_INVERTED = [
    (
        "en",
        "Escort in Leeds, incall. People ask if I'm \"new in town\". No, I've been here ten years.",
    ),
    ("es", 'Escort en Madrid, incall. De "novedad" nada y de "estar de paso" menos.'),
    ("es", "Escort en Madrid, incall. ¿Nueva en la ciudad? Qué va, llevo diez años aquí."),
    ("ro", "Escortă în Cluj, primesc la mine. Nouă în oraș nu sunt, locuiesc aici de ani de zile."),
    ("pl", "Escort w Krakowie, przyjmuję u siebie. Nowa w mieście nie jestem, mieszkam tu od lat."),
    ("hu", "Escort Szegeden, nálam fogadok. Új a városban nem vagyok, évek óta itt élek."),
    ("bg", "Ескорт в Пловдив, приемам при мен. Нова в града не съм, живея тук от години."),
    ("en", "Escort in Leeds, incall. Bareback no and anal no, always safe."),
]


@pytest.mark.parametrize(("lang", "text"), ANSWERED_OR_INVERTED)
def test_a_cue_answered_no_after_its_quotes_or_inverted_is_negated(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert categories(engine, text, lang) == []


STILL_SAID = [
    ("en", "movement", 'Escort in Leeds, incall. I\'m "new in town". Call me, incall only.'),
    ("es", "movement", "Escort en Madrid. Nueva en Madrid, recibo en mi piso. Nada de prisas."),
    ("en", "unsafe_services", "Escort in Leeds, incall. Bareback and anal, no rush."),
]


@pytest.mark.parametrize(("lang", "category", "text"), STILL_SAID)
def test_a_quoted_or_coordinated_cue_without_a_refusal_still_counts(
    engine: IndicatorEngine, lang: str, category: str, text: str
) -> None:
    assert category in categories(engine, text, lang)


# ------------------------------------------------------- "24" with its digits apart


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        ("disponible las 2 4 horas", "disponible las 24 horas"),
        ("available 2 4 / 7", "available 24/7"),
        ("open 2 4x7", "open 24x7"),
        ("bel 2 4 uur", "bel 24 uur"),
        # Phone numbers, lists and other spaced digits stay as they are.
        ("tel 06 12 34 2 4 h", "tel 06 12 34 2 4 h"),
        ("rooms 2 4 6", "rooms 2 4 6"),
    ],
)
def test_the_digits_of_24_written_apart_are_joined(original: str, expected: str) -> None:
    assert normalize(original).text == expected


def test_24_hours_with_the_digits_apart_is_round_the_clock(engine: IndicatorEngine) -> None:
    text = "Masajes eróticos en Nervión, disponible las 2 4 h0ras, llamas y vienes. 50€/45 min."
    assert "availability_24_7" in categories(engine, text, "es")


# ---------------------------------------------------------- youth: just turned 19

TURNED = [
    ("en", "Escort Jess, incall Leeds, GFE. Just turned 19 last month."),
    ("nl", "Escort Sophie, privé ontvangst. Ik ben vorige maand 19 geworden."),
    ("de", "Escort Lena, Hausbesuche. Ich bin letzten Monat 19 geworden."),
    ("es", "Escort Lucía, recibo en mi piso. Cumplí 19 el mes pasado."),
    ("bg", "Ескорт Ива, приемам при мен. Навърших 19 миналия месец."),
    ("hu", "Escort Nóri, nálam fogadok. Tavasszal töltöttem a húszat, friss húszas vagyok."),
]


@pytest.mark.parametrize(("lang", "text"), TURNED)
def test_having_just_turned_18_to_20_is_youth(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "youth" in categories(engine, text, lang)


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "Escort Jess, incall. I turned 35 this year, mature and fun."),
        ("nl", "Escort Sophie, privé ontvangst. Ik ben 45 geworden en geniet ervan."),
    ],
)
def test_having_turned_an_adult_age_is_no_youth(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "youth" not in categories(engine, text, lang)


# ----------------------------------------- availability_24_7: a house that never closes

NEVER_CLOSED = [
    ("en", "Club Velvet, escort, incall. We never close."),
    ("nl", "Club Velvet, escort, privé ontvangst. Wij sluiten nooit, ook op zondag open."),
    ("de", "Club Venus, Escort, Hausbesuche. Wir schließen nie."),
    ("es", "Club Venus, escorts, recibimos. Nunca cerramos."),
    ("ro", "Club Venus, escorte, primim la noi. Nu închidem niciodată."),
    ("pl", "Agencja Venus, escort, przyjmujemy u siebie. Nigdy nie zamykamy."),
    ("hu", "Escort klub, nálunk fogadunk. Soha nem zárunk."),
    ("bg", "Ескорт клуб, приемаме при нас. Никога не затваряме."),
]


@pytest.mark.parametrize(("lang", "text"), NEVER_CLOSED)
def test_a_house_that_never_closes_is_round_the_clock(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "availability_24_7" in categories(engine, text, lang)


def test_a_shop_that_never_closes_is_no_hit(engine: IndicatorEngine) -> None:
    text = "Corner shop on Main St: we never close, milk, bread, papers."
    assert categories(engine, text, "en") == []


# ------------------------------- unsafe_services: "do you do it without?" answered yes

ASKED_WITHOUT = [
    ("en", "Amy, escort, incall. Do you do it without? Yes, for extra."),
    ("es", "Bea, Murcia, escort. „¿Lo haces sin?” – Sí, con suplemento."),
    ("de", "Lena, Escort, Hausbesuche. Machst du es ohne? Ja, gegen Aufpreis."),
    ("nl", "Eva, escort, privé ontvangst. Doe je het zonder? Ja, tegen meerprijs."),
    ("en", "Roxy, Cardiff. B/b available, r@w for extra 😈 nothing off the menu."),
    ("bg", "Теди, 28, ескорт. Бeз гyми, всичко става. 0877 402 338"),
]


@pytest.mark.parametrize(("lang", "text"), ASKED_WITHOUT)
def test_without_asked_and_granted_is_unsafe(engine: IndicatorEngine, lang: str, text: str) -> None:
    assert "unsafe_services" in categories(engine, text, lang)


REFUSED_WITHOUT = [
    ("en", "Amy, escort, incall. Do you do it without? No. Never."),
    ("es", "Bea, Murcia, escort. „¿Lo haces sin?” – No, nunca."),
    ("de", "Lena, Escort, Hausbesuche. Machst du es ohne? Nein, niemals."),
    # Tyres are no condoms.
    ("bg", "Продавам зимни гуми за кола, 4 броя, 16 цола, почти нови."),
]


@pytest.mark.parametrize(("lang", "text"), REFUSED_WITHOUT)
def test_without_refused_or_tyres_are_not_unsafe(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "unsafe_services" not in categories(engine, text, lang)


# ------------------------------- negation: "does not exist here", and weekly hours

DOES_NOT_EXIST = [
    ("ro", "Lavinia, Timișoara, escortă. „Non-stop” nu există la mine: doar luni-vineri 11-19."),
    ("en", 'Sam, Leicester, escort. "24/7" doesn\'t exist here: Tue-Sat 12-9pm.'),
]


@pytest.mark.parametrize(("lang", "text"), DOES_NOT_EXIST)
def test_a_cue_that_does_not_exist_here_and_weekly_hours_are_no_indicator(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert categories(engine, text, lang) == []


def test_only_one_weekday_in_a_city_is_still_movement(engine: IndicatorEngine) -> None:
    text = "Lavinia, escortă, primesc la mine. Doar luni în Timișoara, apoi plec."
    assert "movement" in categories(engine, text, "ro")


# ------------------------------------- third_party and language_barrier: other forms


@pytest.mark.parametrize(
    ("lang", "category", "text"),
    [
        (
            "de",
            "third_party",
            "Masseurin in Nürnberg, erotische Massage. Termine bitte über ihren Bekannten Marco.",
        ),
        (
            "bg",
            "language_barrier",
            "Катя и Лора, ескорт, приемам при мен. Не говорят английски, звънете на мен.",
        ),
    ],
)
def test_an_acquaintance_books_and_they_speak_no_english(
    engine: IndicatorEngine, lang: str, category: str, text: str
) -> None:
    assert category in categories(engine, text, lang)


# ------------------------------------ ad context: a short ad signed with name and town

SIGNED = [
    ("pl", "🕛 Zawsze dostępna, w dzień i w nocy, weekendy też. Paulina, Toruń. +48 516 224 903"),
    ("es", "🌙☀️ Siempre disponible, de día y de noche, fines de semana incluidos. Noelia, Gijón."),
    ("hu", "0-24 🕛 hívj bármikor, hétvégén és ünnepnap is. Dalma, Nyíregyháza. +36 20 640 1195"),
    ("bg", "Винаги на линия, д е н и н о щ 🌙☀️ Кристи, Бургас, Меден рудник. 0876 221 904"),
]


@pytest.mark.parametrize(("lang", "text"), SIGNED)
def test_a_short_ad_signed_with_a_name_and_a_town_is_in_context(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "availability_24_7" in categories(engine, text, lang)


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("nl", "Fiets te koop, 100 euro, altijd bereikbaar. Bel Jan, Utrecht. 06-1234 5678"),
        ("en", "Corner shop, open 24/7 for you, milk and bread. Escort, Amsterdam."),
    ],
)
def test_a_signature_with_a_lexicon_word_or_in_a_sale_is_no_person(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert categories(engine, text, lang) == []


# --------------------------- third_party: "call me, I translate and arrange" for them

TRANSLATES_AND_ARRANGES = [
    ("en", "Two sweet girls, incall. They speak no English, call me, I translate and arrange."),
    ("de", "Zwei süße Mädchen, Hausbesuche. Ruf mich an, ich übersetze und vereinbare."),
    ("pl", "U nas: Lena i Maja, młode i słodkie 💕 Dzwoń do mnie, ja tłumaczę i umawiam."),
    ("bg", "Катя и Лора, сладки момичета 💕 Звънете на мен, аз превеждам и уговарям."),
]


@pytest.mark.parametrize(("lang", "text"), TRANSLATES_AND_ARRANGES)
def test_someone_who_translates_and_arranges_for_them_is_a_third_party(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "third_party" in categories(engine, text, lang)


def test_a_translation_office_that_arranges_documents_is_no_hit(engine: IndicatorEngine) -> None:
    text = "Translation agency: I translate and arrange your documents, certified."
    assert categories(engine, text, "en") == []


def test_a_nationality_in_the_diminutive_is_origin(engine: IndicatorEngine) -> None:
    text = "Valery, colombianita de 24 añitos, cariñosa. Barcelona, Sants. 633 412 908"
    assert "origin" in categories(engine, text, "es")
