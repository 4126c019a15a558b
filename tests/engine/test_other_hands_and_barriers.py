"""Lexicon 2026.12.8: someone else answers, books or is paid; little of the local
language; protection made optional; arriving days ago; and the ordinary ads, weekly
hours and denials that share their words.

Every new cue has a test that it flags and one that an ordinary or negated ad with the
same words does not; every new set-aside rule has a test that it sets aside and one that
the positive ad still flags.
"""

from __future__ import annotations

import pytest

from pipelines.engine.indicators import IndicatorEngine
from tests.support.engine import categories

# ------------------------------------------------- third_party: another person handles it

OTHER_HANDS = [
    ("en", "Two sexy ladies, incall. A man at the door collects the cash before you go up."),
    ("en", "Mia, 25, GFE, outcall. Text me, not the girls: I send you the address and time."),
    ("en", "Busty Kira, 27, incall £120/hr. Please don't contact the ladies directly."),
    ("nl", "Sexy Nina, 26, privé ontvangst. Haar neef neemt op en plant je afspraak."),
    ("nl", "Sexy Eva, 30, escort. App mij, niet de meiden: hij vertelt je het adres."),
    ("de", "Sexy Mira, 24, Hausbesuche. Termine vereinbart ihr Freund, er nennt euch den Preis."),
    ("de", "Zärtliche Alina, 27, privat. Der Fahrer kassiert das Geld, bezahlt an ihn vorher."),
    ("ro", "Sexy Ioana, 25, masaj erotic. Programările le face colegul meu, lui îi dați banii."),
    ("ro", "Escorte sexy, deplasări la hotel. Scrieți-mi mie, nu fetelor; eu vă spun ora."),
    ("bg", "Секси Мира, 26, ескорт. На телефона отговаря приятелят ѝ, той ще ви каже часа."),
    ("bg", "Секси Ева, 28, масаж с завършек. Капарото се изпраща по банка на брат ми."),
    ("hu", "Szexi Dóra, 25. Nem én kezelem a telefont: a sofőröm egyezteti az időpontot."),
    ("hu", "Szexi Lili, 24, lakáson fogadok. A foglalót előre neki kell kifizetni."),
    ("pl", "Seksowna Ola, 26, masaż erotyczny. Terminami zajmuje się kolega, on umawia wizyty."),
    ("pl", "Zmysłowa Kasia, 29, dojazdy. Płatność z góry kierowcy, pisz do niego."),
    ("es", "Sexy Lara, 26, masaje erótico. Su hermana contesta los mensajes y os da la hora."),
    ("es", "Chicas sexy, salidas. Citas llamando a la central, las chicas no dan su número."),
]


@pytest.mark.parametrize(("lang", "text"), OTHER_HANDS)
def test_someone_else_answers_books_or_takes_the_money(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "third_party" in categories(engine, text, lang)


ORDINARY_HANDS = [
    # A licensed practice with a reception and receipts.
    ("en", "Licensed massage clinic, Leeds. Bookings through the reception, sensual massage too."),
    ("ro", "Cabinet autorizat de masaj senzual, Iași. Recepția face programările, bon fiscal."),
    ("de", "Zertifizierte Massagepraxis in Graz, sinnliche Massage. Termine über die Rezeption."),
    # The advertised woman answers herself.
    ("es", "Masaje sensual en Málaga, 60 min 70€. Escribe a Nora, ella responde enseguida."),
    # A question answered no, then a dash.
    ("pl", "Ewa, 41, masaż, GFE, 350 zł/h. Agencja? Nie – pracuję sama od lat."),
    ("en", "Jade, 38, GFE, £140/hr. Agency? No - I work alone and answer my own phone."),
]


@pytest.mark.parametrize(("lang", "text"), ORDINARY_HANDS)
def test_licensed_practices_her_own_phone_and_a_denied_agency_are_no_third_party(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "third_party" not in categories(engine, text, lang)


def test_a_hyphen_after_no_is_not_an_answer(engine: IndicatorEngine) -> None:
    text = "Jade, 38, GFE, £140/hr. Agency? No-nonsense agency ladies, our agency books."
    assert "third_party" in categories(engine, text, "en")


# ------------------------------------------------- language_barrier: little of the language

BARRIERS = [
    ("en", "Sexy Lin, 24, massage with happy end. I understand very little, text simple words."),
    ("nl", "Sexy Mei, 25, erotische massage. Nederlands versta ik niet, alleen sms."),
    ("de", "Sexy Yuki, 26, erotische Massage. Sie versteht weder Deutsch noch Englisch."),
    ("ro", "Sexy Mai, 27, masaj erotic. Nu înțelege nimic în română, doar mesaje."),
    ("ro", "Sexy Ana, 24, escortă. Din română știu doar câteva cuvinte, scrieți simplu."),
    ("bg", "Секси Лин, 25, еротичен масаж. Не знае български, само есемеси."),
    ("hu", "Szexi Mai, 24, erotikus masszázs. Csak néhány szót értek magyarul."),
    ("pl", "Seksowna Lin, 25, masaż erotyczny. Znam tylko kilka słów po polsku."),
    ("es", "Sexy Lin, 25, masaje erótico. Solo sé unas palabras de español, escríbeme."),
]


@pytest.mark.parametrize(("lang", "text"), BARRIERS)
def test_understanding_little_of_the_language_is_a_barrier(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "language_barrier" in categories(engine, text, lang)


ORDINARY_BARRIERS = [
    ("de", "Entspannung in Linz, Ganzkörpermassage 60 Min 80€. Nur wenige Termine frei."),
    ("bg", "Релакс масаж в Русе, 60 мин 80 лв. Говоря добре английски и малко руски."),
    ("en", "Sensual massage in Hull, £70. I understand English perfectly, call any time."),
]


@pytest.mark.parametrize(("lang", "text"), ORDINARY_BARRIERS)
def test_few_appointments_and_good_languages_are_no_barrier(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "language_barrier" not in categories(engine, text, lang)
    assert "movement" not in categories(engine, text, lang)


# ------------------------------------------------- unsafe_services: protection optional

OPTIONAL = [
    ("en", "Sexy Zoe, 30, incall. Condoms optional, ask me on the phone."),
    ("nl", "Sexy Kim, 31, privé. Met condoom, zonder kan ook tegen meerprijs."),
    ("de", "Sexy Ina, 33, Hausbesuche. Gummi kein Muss, ohne gegen Aufpreis."),
    ("ro", "Sexy Dana, 29, la mine. Prezervativul nu e obligatoriu, întreabă."),
    ("bg", "Секси Ани, 30, ескорт. Презервативът не е задължителен."),
    ("hu", "Szexi Réka, 28, lakáson. Az óvszer nem kötelező, megbeszéljük."),
    ("pl", "Seksowna Iza, 31, u mnie. Gumki możesz zostawić w domu."),
    ("es", "Sexy Nuria, 30, en mi piso. El condón es opcional, pregúntame."),
]


@pytest.mark.parametrize(("lang", "text"), OPTIONAL)
def test_protection_made_optional_is_unsafe(engine: IndicatorEngine, lang: str, text: str) -> None:
    assert "unsafe_services" in categories(engine, text, lang)


REFUSED = [
    ("hu", "Szexi Réka, 28, lakáson. Óvszer nélkül nem vállalok semmit, köszönöm."),
    ("ro", "Sexy Dana, 29, la mine. Prezervativul e obligatoriu, fără excepție."),
    ("pl", "Seksowna Iza, 31, u mnie. Zabezpieczenie obowiązkowe, zawsze."),
]


@pytest.mark.parametrize(("lang", "text"), REFUSED)
def test_a_refusal_after_the_cue_or_a_required_condom_is_not_unsafe(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "unsafe_services" not in categories(engine, text, lang)


# ------------------------------------------------- movement: days ago, moving on

ARRIVALS = [
    ("en", "Sexy Kate, 28, incall. Only since Monday in Bath, still getting to know the city."),
    ("de", "Sexy Jana, 27, privat. Erst seit gestern in Kiel, danach geht es weiter nach Hamburg."),
    ("pl", "Seksowna Ala, 27, u mnie. Od wczoraj w Opolu, dopiero poznaję miasto."),
    ("es", "Sexy Ada, 27, en mi piso. Desde ayer en Cádiz, luego me voy a Huelva."),
    ("bg", "Секси Ели, 26, апартамент. От вчера съм в Русе, после заминавам за Варна."),
    ("hu", "Szexi Emma, 26, lakáson. Tegnap óta vagyok Pécsen, utána megyek tovább."),
]


@pytest.mark.parametrize(("lang", "text"), ARRIVALS)
def test_arriving_days_ago_or_moving_on_is_movement(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "movement" in categories(engine, text, lang)


SETTLED = [
    # Weekly hours are no stay.
    ("ro", "Sexy Dana, 39, masaj erotic. Program de luni până vineri, 10-18."),
    ("es", "Sexy Carmen, 40, masaje erótico. De lunes a viernes de 10 a 18."),
    ("en", "Sexy Kate, 44, local girl, GFE. Days only, evenings are for my family."),
    # A question the writer answers no.
    ("hu", "Szexi Kata, 45, masszázs. Aki azt hiszi, hogy új vagyok itt, téved: 15 éve itt élek."),
    # A pop-up shop that is new in town.
    ("hu", "Pop-up bolt: új a városban! Csak ezen a héten, nyitókedvezmény 20%."),
    ("en", "Pop-up shop new in town this week only: candles, soaps, opening discount 20%."),
]


@pytest.mark.parametrize(("lang", "text"), SETTLED)
def test_weekly_hours_denials_and_pop_up_shops_are_no_movement(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "movement" not in categories(engine, text, lang)


# ------------------------------------------------- origin: a field, more nationalities

ORIGINS = [
    ("pl", "Seksowna Aruzhan, 25, Kazaszka, masaż erotyczny, u mnie."),
    ("pl", "Sexy Nino jest młodą Gruzinką, 24 lata, masaż erotyczny."),
    ("de", "Sexy Aigerim, 26, Kasachin, erotische Massage, privat."),
    ("en", "Sexy Dana, 26, Kazakh beauty, incall and outcall."),
]


@pytest.mark.parametrize(("lang", "text"), ORIGINS)
def test_nationalities_in_their_cases_are_origin(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "origin" in categories(engine, text, lang)


def test_a_kazakh_restaurant_is_no_origin(engine: IndicatorEngine) -> None:
    assert "origin" not in categories(engine, "Kazakh restaurant in Leeds, menu of the day.", "en")


def test_a_romanian_shift_is_no_hungarian_tour(engine: IndicatorEngine) -> None:
    text = "Casa Ana, masaj erotic, deschis non-stop. Vă spun ce fete sunt în tură azi."
    assert "movement" not in categories(engine, text, "ro")
    hu = "Szexi Bea, 26, masszázs. Vidéki túra: hétfőn Győr, kedden Sopron."
    assert "movement" in categories(engine, hu, "hu")


GOOD_AND_A_LITTLE = [
    ("en", "Sensual massage in Hull, £70. She speaks good English and a little Dutch."),
    ("bg", "Релакс масаж в Русе, 60 мин 80 лв. Говоря добре английски и малко руски."),
    ("pl", "Masaż relaksacyjny, Opole, 150 zł. Mówię dobrze po angielsku i trochę po polsku."),
]


@pytest.mark.parametrize(("lang", "text"), GOOD_AND_A_LITTLE)
def test_good_english_and_a_little_of_another_language_is_set_aside(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "language_barrier" not in categories(engine, text, lang)


def test_a_little_of_the_language_alone_still_flags(engine: IndicatorEngine) -> None:
    text = "Sexy Lin, 25, erotic massage, incall. I speak very little English, text me."
    assert "language_barrier" in categories(engine, text, "en")


# ------------------------------------------------- ad context: a happy ending in other words

ENDINGS = [
    ("bg", "Тайландка Лин, 30, масаж с приятен завършек, 120 лв."),
    ("de", "Ukrainerin Oksana, 33, Massage mit Entspannung zum Schluss, 120€."),
    ("es", "Rumana Ana, 30, masaje con final especial, 80€."),
]


@pytest.mark.parametrize(("lang", "text"), ENDINGS)
def test_a_happy_ending_in_other_words_puts_the_ad_in_context(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "origin" in categories(engine, text, lang)


def test_a_pleasant_finish_to_a_meal_is_no_service(engine: IndicatorEngine) -> None:
    text = "Romanian restaurant in Leeds: a three-course menu with a pleasant finish, £25."
    assert not engine.analyse("", text, lang="en").hit


# ------------------------------------------------- availability_24_7: answers at any hour

ANY_HOUR = [
    ("en", "Sexy Gina, 30, incall. I answer any time, text me at 4 am if you like."),
    ("ro", "Sexy Ema, 27, la mine. Răspund oricând, sună-mă la 3 noaptea."),
    ("de", "Sexy Ria, 29, privat. Ich gehe auch nachts ran."),
    ("pl", "Seksowna Ewa, 28, u mnie. Odbieram o każdej porze."),
    ("es", "Sexy Eva, 28, en mi piso. Contesto a cualquier hora."),
    ("bg", "Секси Ева, 28, апартамент. Отговарям по всяко време."),
    ("hu", "Szexi Eszter, 28, lakáson. Éjjel is felveszem, bármikor hívhatsz."),
    ("nl", "Sexy Roos, 28, privé. Ik neem op elk uur op."),
]


@pytest.mark.parametrize(("lang", "text"), ANY_HOUR)
def test_answering_at_any_hour_is_round_the_clock(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "availability_24_7" in categories(engine, text, lang)


DAY_HOURS = [
    ("en", "Sexy Gina, 30, incall 10-18. I always answer within ten minutes."),
    ("ro", "Sexy Ema, 27, la mine, 10-18. Răspund repede la mesaje."),
    ("pl", "Seksowna Ewa, 28, u mnie 10-18. Odbieram tylko w dzień, nie odpisuję w nocy."),
]


@pytest.mark.parametrize(("lang", "text"), DAY_HOURS)
def test_answering_quickly_in_the_day_is_not_round_the_clock(
    engine: IndicatorEngine, lang: str, text: str
) -> None:
    assert "availability_24_7" not in categories(engine, text, lang)


ORIGIN_FIELDS = [
    ("en", "Sexy Lin, 24, incall. Origin: Thailand. Slim, 160 cm."),
    ("hu", "Szexi Lin, 24, masszázs. Származás: Kína. Vékony, 160 cm."),
    ("de", "Sexy Lin, 24, Hausbesuche. Herkunft: Thailand. Schlank."),
    ("es", "Sexy Lin, 24, masaje erótico. Nacionalidad: rumana. Delgada."),
]


@pytest.mark.parametrize(("lang", "text"), ORIGIN_FIELDS)
def test_origin_as_a_profile_field_is_origin(engine: IndicatorEngine, lang: str, text: str) -> None:
    assert "origin" in categories(engine, text, lang)


def test_an_origin_field_of_a_product_is_no_origin(engine: IndicatorEngine) -> None:
    text = "Green tea, 100 g, £4. Origin: China. Free delivery over £20."
    assert "origin" not in categories(engine, text, "en")
