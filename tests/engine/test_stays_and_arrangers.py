"""Lexicon 2026.12.7: stays with an end, a man who arranges the meetings, and the
ordinary ads that share their words.

Every new cue has a test that it flags and one that the same words in an ordinary
classified (a sale, a package holiday, a cleaning firm, a food stall) do not; every new
set-aside rule has a test that it sets aside and one that the positive ad still flags.
"""

from __future__ import annotations

import pytest

from pipelines.engine.indicators import IndicatorEngine
from tests.support.engine import categories

# ------------------------------------------------------------------ movement: a stay with an end

STAYS = [
    # Dates of a short stay ("only 13-15 March"), then home or back.
    ("en", "Amy, 24, sexy. Only 13-15 March in Leeds, then I fly home. Incall."),
    ("nl", "Lisa, 27, sexy. Alleen 6-9 mei in Leiden, daarna ga ik terug naar huis. Ontvangst."),
    ("de", "Anja, 29, sexy. Nur 10-12 Mai in Köln, danach fahre ich zurück. Hausbesuche."),
    ("ro", "Bianca, 24, sexy. Suntem în Suceava doar 13–15 martie, apoi ne întoarcem acasă."),
    ("bg", "Ива, 25, секси. В Бургас съм само от 8 до 10 юли, после се връщам в София."),
    ("pl", "Ola, 24, sexy. W Sopocie jestem tylko 17–19 sierpnia, potem wracam do Warszawy."),
    ("es", "Lucía, 25, sexy. Solo 3-5 de mayo en Valencia, después me toca Sevilla. Salidas."),
    # A hotel stay of a few nights.
    ("en", "Natasha, 35, brunette. Staying at a city-centre hotel for 3 nights, outcall too."),
    ("de", "Eva, 38, stilvoll. Ich wohne drei Nächte in einem Hotel am Bahnhof. Hotelbesuche."),
    ("hu", "Ildikó, 38, nőies. Három éjszakát hotelben töltök a városban, hotelbe is megyek."),
    # Back in town for a week; from city to city; until the end of the season.
    ("bg", "Силвия, 34, секси. Отново съм в Пловдив за една седмица. Апартамент."),
    ("pl", "Sylwia, 34, sexy. Wróciłam do Łodzi na tydzień! Mieszkanie w centrum."),
    ("es", "Sara, 33, sexy. ¡He vuelto a Palma una semana! Apartamento céntrico."),
    ("hu", "Niki, 29, szexi. Városról városra utazom, mindenhol csak 2-3 napot töltök."),
    ("hu", "Luca vagyok, 27, szexi. Augusztus végéig vagyok itt, szállodába is megyek."),
    ("hu", "Bea, 34, nőies. Jövő héten Egerben leszek, utána hazautazom. Diszkrét lakás."),
]


@pytest.mark.parametrize(("lang", "text"), STAYS)
def test_a_stay_with_an_end_is_movement(engine: IndicatorEngine, lang: str, text: str) -> None:
    assert "movement" in categories(engine, text, lang)


ORDINARY_STAYS = [
    # A package holiday: nights in a hotel, breakfast, a guide, a price per person.
    ("en", "Spring coach tour: 4 nights at a hotel with breakfast, guided tours. £450 per person."),
    (
        "nl",
        "Busreis naar Praag: 4 nachten in een hotel met ontbijt, met gids. 399 euro per persoon.",
    ),
    ("de", "Busreise nach Prag: 4 Nächte im Hotel mit Frühstück, Reiseleitung. 399 € pro Person."),
    ("ro", "Agenția noastră de turism: 3 nopți la hotel cu mic dejun. Doar 189 € de persoană!"),
    ("bg", "Екскурзия до Виена: 4 нощувки в хотел със закуска, екскурзовод. 399 лв на човек."),
    (
        "pl",
        "Wycieczka do Wiednia: 4 noce w hotelu ze śniadaniem, pilot wycieczki. 999 zł za osobę.",
    ),
    ("es", "Viaje a Roma: 4 noches en hotel con desayuno, visitas guiadas. 599 € por persona."),
    ("hu", "Utazási irodánk körutazása: 4 éjszaka hotelben, reggelivel. Ár: 189 000 Ft/fő."),
    # A band from city to city; a food stall's offer that lasts until Sunday.
    ("en", "Our band is touring from city to city this summer, tickets at the venue."),
    ("hu", "Hétvégén a piacon áll a food truckunk, új lángosok. Csak vasárnapig tart az akció!"),
]


@pytest.mark.parametrize(("lang", "text"), ORDINARY_STAYS)
def test_holidays_tours_and_offers_until_sunday_are_no_movement(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    found = engine.analyse("", text, lang=lang)
    assert found.categories == [] and found.hit is False


def test_an_offer_until_sunday_is_set_aside_but_a_stay_until_sunday_flags(
    engine: IndicatorEngine,
) -> None:
    offer = engine.analyse("", "Kata, 25, szexi, incall. Csak vasárnapig tart az akció!", lang="hu")
    stay = engine.analyse("", "Kata, 25, szexi, incall. Csak vasárnapig vagyok itt!", lang="hu")
    assert "movement" not in offer.categories
    assert "benign" in {s.reason for s in offer.suppressed if s.category == "movement"}
    assert "movement" in stay.categories


# ------------------------------------------------------------------ third party: who arranges

ARRANGERS = [
    # "Ask for Marco, he tells you which girl is free."
    ("en", "Sexy girls in a discreet flat. Ask for Mark, he tells you which girl is free."),
    ("nl", "Mooie meiden, discreet. Vraag naar Marco, hij plant je afspraak in."),
    ("de", "Schöne Damen, diskret. Frag nach Ivo, er sagt dir welche Dame frei ist."),
    ("ro", "Fete frumoase, discret. Întreabă de Ionuț, el îți spune ce fată e liberă."),
    ("bg", "Красиви момичета, дискретно. Попитай за Иво, той ще ти каже коя е свободна."),
    ("pl", "Piękne dziewczyny, dyskretnie. Zapytaj o Piotra, on ci powie która jest wolna."),
    ("es", "Chicas guapas, piso discreto. Pregunta por Toni, él te dice qué chica está libre."),
    # Her boyfriend or the driver arranges (the verb first).
    ("pl", "Sexy dziewczyna, spotkania umawia i tłumaczy jej chłopak. Dzwoń."),
    ("es", "Chica sexy, las citas las concierta y traduce su novio. Llama."),
    ("nl", "Sexy dames. De chauffeur regelt de afspraak, bel."),
    ("hu", "Szexi lányok, diszkrét lakás. Foglalás és info a barátunknál."),
    # Two persons, together or separately.
    ("en", "Mia and Lola, sexy duo, together or separately. Outcall only."),
    ("de", "Lena und Mia, sexy, zusammen oder einzeln. Hausbesuche."),
    ("bg", "Ива и Деси, секси, поотделно или заедно. Апартамент."),
    ("hu", "Lara és Jázmin, szexi, együtt vagy külön. Diszkrét lakás."),
]


@pytest.mark.parametrize(("lang", "text"), ARRANGERS)
def test_someone_who_arranges_or_two_persons_are_third_party(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "third_party" in categories(engine, text, lang)


ORDINARY_ARRANGERS = [
    # Furniture sold together or separately.
    ("en", "Chairs for sale, together or separately, 20 euro each."),
    ("nl", "Stoelen te koop, samen of apart, 20 euro per stuk."),
    ("de", "Stühle zu verkaufen, zusammen oder einzeln, 20 Euro."),
    ("ro", "Vând scaune, împreună sau separat, 50 lei bucata."),
    ("bg", "Продавам столове, заедно или поотделно, 20 лв."),
    ("pl", "Sprzedam krzesła, razem lub osobno, 50 zł."),
    ("es", "Vendo sillas, juntas o por separado, 20 euros."),
    # A cleaning firm's "reliable ladies".
    ("hu", "Takarítócégünk megbízható hölgyei takarítják irodáját. Számlával, referenciákkal."),
]


@pytest.mark.parametrize(("lang", "text"), ORDINARY_ARRANGERS)
def test_sales_and_cleaning_firms_are_no_third_party(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    found = engine.analyse("", text, lang=lang)
    assert found.categories == [] and found.hit is False


def test_a_club_with_private_rooms_is_in_context(engine: IndicatorEngine) -> None:
    text = "Megnyitottunk! Klubunkban 10 csinos hölgy, 8 privát szoba, bár és tánc show vár."
    assert "third_party" in categories(engine, text, "hu")


def test_a_private_room_to_let_stays_out_of_context(engine: IndicatorEngine) -> None:
    text = "Kiadó privát szoba a belvárosban, rezsi 20 ezer. Együtt vagy külön is bérelhető."
    assert engine.analyse("", text, lang="hu").context.service is False


# ------------------------------------------------------------------ language barrier


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "Kim, 23, sexy. I speak English very little. Incall."),
        ("de", "Kim, 23, sexy. Ich spreche Deutsch nur sehr wenig. Termine diskret."),
        ("ro", "Ana, 22, sexy. Vorbesc engleza foarte puțin. Incall."),
        ("bg", "Ани, 22, секси. Говоря английски много малко. Апартамент."),
        ("pl", "Oksana, 29 lat, sexy. Po polsku mówię bardzo mało. Tylko SMS."),
        ("es", "Ana, 22, sexy. Hablo inglés muy poco. Salidas."),
    ],
)
def test_speaking_a_language_very_little_is_a_barrier(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "language_barrier" in categories(engine, text, lang)


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("hu", "Kriszti, szexi, privát lakás. Hollandul nem, de angolul jól beszélek."),
        ("en", "Kim, 23, sexy, incall. Dutch no, but English fluent."),
        ("pl", "Ola, 24, sexy, mieszkanie. Po holendersku nie, ale po angielsku dobrze."),
    ],
)
def test_no_local_language_but_good_english_is_set_aside(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    found = engine.analyse("", text, lang=lang)
    assert found.context.service is True
    assert "language_barrier" not in found.categories


def test_no_local_language_and_little_english_still_flags(engine: IndicatorEngine) -> None:
    text = "Kriszti, szexi, privát lakás. Hollandul nem, angolul is csak keveset."
    assert "language_barrier" in categories(engine, text, "hu")


# ------------------------------------------------------------------ a date is no age


def test_a_day_of_the_month_with_a_suffix_is_no_stated_age(engine: IndicatorEngine) -> None:
    text = "Kriszti, szexi, pár napra jöttem Amszterdamba, 20-án már utazom haza. Privát szoba."
    found = engine.analyse("", text, lang="hu")
    assert found.stated_age is None and "youth" not in found.categories


def test_a_name_comma_age_dash_is_still_a_stated_age(engine: IndicatorEngine) -> None:
    found = engine.analyse("", "Chloe, 19 - sexy blonde, incall.", lang="en")
    assert found.stated_age == 19 and "youth" in found.categories
