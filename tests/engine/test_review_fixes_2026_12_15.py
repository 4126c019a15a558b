"""Review fixes of lexicon round 2026.12.15: ordinary senses made narrow again.

Each set-aside sense (service names that are nationality words, things that arrived,
"everything goes" through someone, a partner who keeps out of it, a hotel's reception, a
tour of the town's sights, back from a holiday, "luego a" an activity, no working hours by
appointment, where she never sleeps, her own bookings, hostels and removals, massage
techniques, another page) with the ad that still flags, plus positives of the round.
Invented ads only.
"""

from __future__ import annotations

import pytest

from pipelines.engine.indicators import IndicatorEngine
from tests.support.engine import categories

SUPPRESSED = [
    # Service names that are nationality words: only as neighbours in a list of services.
    (
        "es",
        "Francés, griego y cubana incluidos. Sexy Carla, escort en Madrid, 100 euros la hora.",
        "origin",
    ),
    # A thing right before "arrived"; photos beside a woman who just arrived are none.
    ("en", "My new boots have just arrived! Sexy Mia, incall Leeds, GFE, £150/hr.", "movement"),
    # Everything goes through a person or a channel; to the end or over the top is a service.
    (
        "en",
        "Everything goes through my manager, call him first. Sexy Mia, incall Leeds, £150/hr.",
        "unsafe_services",
    ),
    # A partner who keeps out of it; one who makes the bookings first is a third party.
    (
        "ro",
        "Iubitul meu nu se amestecă, sunt independentă. Masaj erotic, 300 lei ora, Cluj.",
        "third_party",
    ),
    # A hotel's or apartment building's reception round the clock; a club's or parlour's counts.
    (
        "en",
        "Incall in a quiet aparthotel, 24-hour reception, discreet entrance. Sexy Mia, £150/hr.",
        "availability_24_7",
    ),
    (
        "es",
        "Hotel céntrico, recepción 24 horas, habitación discreta. Sexy Carla, escort, "
        "100 euros la hora.",
        "availability_24_7",
    ),
    (
        "pl",
        "Spotkania w hotelu przy dworcu, recepcja całodobowa, dyskretnie. Sexy Mia, 300 "
        "zł za godzinę.",
        "availability_24_7",
    ),
    # A tour of her own town's sights; touring the area is movement.
    (
        "es",
        "Tour por el casco antiguo y tapas conmigo antes de la cita. Carla, escort en "
        "Toledo, 100 euros.",
        "movement",
    ),
    # Back from a holiday; arrived from a journey abroad is movement.
    (
        "es",
        "Recién llegada de vacaciones, morena y con ganas. Escort en Madrid, 100 euros.",
        "movement",
    ),
    # What the date goes on to after 'luego a'; the next town of any name is movement.
    (
        "es",
        "Cena romántica y luego a la cama. Sexy Carla, escort en Madrid, 150 euros.",
        "movement",
    ),
    # No working hours, by appointment ('always', 'late'); beside night or any-hour words it counts.
    (
        "nl",
        "Geen vaste werktijden, ik werk altijd op afspraak. Sexy Mia, €150 per uur.",
        "availability_24_7",
    ),
    (
        "de",
        "Keine festen Arbeitszeiten, bitte immer vorher anrufen. Sexy Mia, 150 € pro Stunde.",
        "availability_24_7",
    ),
    (
        "en",
        "No set hours, by appointment, please don't arrive late. Sexy Mia, incall Leeds, £150/hr.",
        "availability_24_7",
    ),
    # Where she never sleeps is no availability; never sleeping is.
    ("nl", "Ik slaap nooit bij een klant thuis. Sexy Mia, €150 per uur.", "availability_24_7"),
    ("de", "Wir schlafen nie beim Kunden. Sexy Mia, 150 € pro Stunde.", "availability_24_7"),
    (
        "en",
        "I never sleep over at a client's place. Sexy Mia, incall Leeds, £150/hr.",
        "availability_24_7",
    ),
    # She makes her own bookings; someone else making them is a third party.
    ("nl", "Afspraken maak ik altijd zelf, via whatsapp. Sexy Mia, €150 per uur.", "third_party"),
    ("de", "Termine mache ich immer selbst, per SMS. Sexy Mia, 150 € pro Stunde.", "third_party"),
    ("en", "I do all my own bookings, text me. Sexy Mia, incall Leeds, £150/hr.", "third_party"),
    # Hostels and removals are ordinary businesses.
    (
        "nl",
        "Hostel in Amsterdam: bed in de slaapzaal vanaf €25, receptie dag en nacht open.",
        "availability_24_7",
    ),
    (
        "nl",
        "Woningontruiming en verhuizingen, dag en nacht bereikbaar, vaste prijs.",
        "availability_24_7",
    ),
    (
        "de",
        "Jugendherberge Köln: Mehrbettzimmer ab 25 €, Tag und Nacht geöffnet.",
        "availability_24_7",
    ),
    (
        "de",
        "Entrümpelung und Haushaltsauflösung, rund um die Uhr erreichbar, faire Preise.",
        "availability_24_7",
    ),
    # A massage technique named after its country; a woman of that country is origin.
    (
        "de",
        "Sinnliche Massage mit thailändischen Massagetechniken, 60 Minuten 90 €, privat in Köln.",
        "origin",
    ),
    # Sent to another page; the ad that offers it flags.
    (
        "nl",
        "Zoek je iemand die 24/7 klaarstaat? Dan zit je op de verkeerde pagina. Mia, 45, "
        "privé in Breda, €150 per uur.",
        "availability_24_7",
    ),
    (
        "de",
        "Rund um die Uhr verfügbar? Falsche Seite. Mia, 45, privat in Köln, 150 € pro Stunde.",
        "availability_24_7",
    ),
]

STILL_FLAGGED = [
    # Service names that are nationality words: only as neighbours in a list of services.
    ("es", "Rusa de 23 años, francés natural, escort en Madrid, 100 euros.", "origin"),
    ("es", "Cubana cariñosa y muy completa, escort en Valencia, 90 euros la hora.", "origin"),
    ("es", "Masaje erótico con rusa de ojos azules, Sevilla, 80 euros la hora.", "origin"),
    # A thing right before "arrived"; photos beside a woman who just arrived are none.
    ("en", "Fresh photos, just arrived in Bristol. Sexy Mia, incall, £150/hr.", "movement"),
    ("en", "Recent pics - just arrived in Leeds! Sexy Mia, incall, £150/hr.", "movement"),
    # Everything goes through a person or a channel; to the end or over the top is a service.
    (
        "en",
        "Everything goes to the very end, GFE. Sexy Mia, incall Leeds, £150/hr.",
        "unsafe_services",
    ),
    (
        "en",
        "Everything goes over the top with me. Sexy Mia, incall Leeds, £150/hr.",
        "unsafe_services",
    ),
    # A partner who keeps out of it; one who makes the bookings first is a third party.
    (
        "ro",
        "Partenerul meu stabilește programările, altfel nu se bagă. Masaj erotic, 300 "
        "lei ora, Cluj.",
        "third_party",
    ),
    # A hotel's or apartment building's reception round the clock; a club's or parlour's counts.
    (
        "en",
        "Sauna club, 24 hour reception, new Polish girls each week. Incall Leeds, £80.",
        "availability_24_7",
    ),
    (
        "es",
        "Casa de masajes, recepción 24 horas, chicas nuevas cada semana, 60 euros.",
        "availability_24_7",
    ),
    (
        "es",
        "Casa de masajes, recepción 24 horas, chicas nuevas cada semana, 60 euros.",
        "third_party",
    ),
    (
        "pl",
        "Salon masażu erotycznego, recepcja całodobowa, nowe dziewczyny co tydzień, 200 zł.",
        "availability_24_7",
    ),
    (
        "hu",
        "Erotikus masszázsszalon, 0-24 órás recepció, új lányok minden héten.",
        "availability_24_7",
    ),
    (
        "bg",
        "Еротичен масажен салон, денонощна рецепция, нови момичета всяка седмица.",
        "availability_24_7",
    ),
    # A tour of her own town's sights; touring the area is movement.
    ("es", "Estoy de gira por la zona, escort en Bilbao, 120 euros la hora.", "movement"),
    # Back from a holiday; arrived from a journey abroad is movement.
    ("es", "Recién llegada de viaje desde Colombia, escort en Valencia, 100 euros.", "movement"),
    # What the date goes on to after 'luego a'; the next town of any name is movement.
    ("es", "Hasta el jueves en Valladolid, luego a Segovia. Escort, 100 euros.", "movement"),
    # No working hours, by appointment ('always', 'late'); beside night or any-hour words it counts.
    (
        "nl",
        "Geen vaste werktijden, ook midden in de nacht. Sexy Mia, €150 per uur.",
        "availability_24_7",
    ),
    (
        "de",
        "Keine festen Arbeitszeiten, auch mitten in der Nacht. Sexy Mia, 150 € pro Stunde.",
        "availability_24_7",
    ),
    (
        "en",
        "No fixed hours, ring me anytime. Sexy Mia, incall Leeds, £150/hr.",
        "availability_24_7",
    ),
    # Where she never sleeps is no availability; never sleeping is.
    ("nl", "Wij slapen nooit, bel gerust. Sexy Mia, €150 per uur.", "availability_24_7"),
    ("de", "Ich schlafe nie, ruf einfach an. Sexy Mia, 150 € pro Stunde.", "availability_24_7"),
    ("en", "Night owl Mia: I never sleep! Incall Leeds, £150/hr.", "availability_24_7"),
    # She makes her own bookings; someone else making them is a third party.
    ("nl", "Afspraken maakt mijn vriend, bel hem. Sexy Mia, €150 per uur.", "third_party"),
    ("de", "Termine macht mein Freund, ruf ihn an. Sexy Mia, 150 € pro Stunde.", "third_party"),
    (
        "en",
        "My booker does all my bookings, text him. Sexy Mia, incall Leeds, £150/hr.",
        "third_party",
    ),
    # Hostels and removals are ordinary businesses.
    ("nl", "Sexy Mia, dag en nacht bereikbaar, privé in Breda, €150 per uur.", "availability_24_7"),
    (
        "de",
        "Sexy Mia, rund um die Uhr erreichbar, Hausbesuche in Köln, 150 € pro Stunde.",
        "availability_24_7",
    ),
    # A massage technique named after its country; a woman of that country is origin.
    ("de", "Sinnliche Massage von einer Thailänderin, 60 Minuten 90 €, privat in Köln.", "origin"),
    # Sent to another page; the ad that offers it flags.
    (
        "nl",
        "Ik ben dag en nacht bereikbaar. Mia, 45, privé in Breda, €150 per uur.",
        "availability_24_7",
    ),
    (
        "de",
        "Ich bin rund um die Uhr für dich da. Mia, 45, privat in Köln, 150 € pro Stunde.",
        "availability_24_7",
    ),
    # Never unstaffed, up whenever the client is.
    ("en", "Our parlour is never unstaffed, come by. Incall Leeds, £150/hr.", "availability_24_7"),
    ("en", "Sexy Mia, I'm up whenever you are. Incall Leeds, £150/hr.", "availability_24_7"),
]


@pytest.mark.parametrize(("lang", "text", "category"), SUPPRESSED)
def test_the_cue_is_set_aside(engine: IndicatorEngine, lang: str, text: str, category: str) -> None:
    assert category not in categories(engine, text, lang)


@pytest.mark.parametrize(("lang", "text", "category"), STILL_FLAGGED)
def test_the_positive_ad_still_flags(
    engine: IndicatorEngine, lang: str, text: str, category: str
) -> None:
    assert category in categories(engine, text, lang)
