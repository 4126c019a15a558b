"""What other women do, quoted words of other ads, emoji before a number, durations.

The second read of 2026.12.15: each way of setting a cue aside keeps doing so, and the
ads it took by mistake flag again: a comparison with other women ("unlike other girls"),
the ad's own other women ("my other girls", "two other girls"), a new clause, line or
emoji sentence after the subject, the ad-context cues of such an ad, the ad's own ads
("mis anuncios"), a label emoji before hours ("🌙 24h"), an age before "marriage" in a new
clause. Also: the matches near a place are found by bisection, the same as a full scan.
Invented ads only.
"""

from __future__ import annotations

import random

import pytest

from pipelines.engine.indicators import IndicatorEngine, _ByStart, _Match
from pipelines.engine.lexicon import Rule
from tests.support.engine import categories

SET_ASIDE = [
    ("en", "Some girls on here have bookers and drivers. I work alone, incall Leeds £150/hr.",
     "third_party"),
    ("en", "Other girls have a manager who takes the money. Mia, incall Leeds, £150/hr, GFE.",
     "third_party"),
    ("de", "Viele Frauen auf dieser Seite haben im Hintergrund einen Zuhälter. Ich arbeite "
     "allein, Escort Berlin, 200 € pro Stunde.", "third_party"),
    ("es", "Muchos anuncios prometen «disponible 24 horas». Yo atiendo con cita, escort en "
     "Madrid, 150 €/h.", "availability_24_7"),
    ("es", "No estoy disponible 🕐 24 horas, solo con cita. Escort en Madrid, 150 €/h.",
     "availability_24_7"),
    ("pl", "Nie pracuję 🌙 24h, tylko umówione wizyty. Roksa, Kraków, 300 zł/h.",
     "availability_24_7"),
    ("en", "I don't work 🌙 24/7, appointments only. Incall Leeds, £150/hr.",
     "availability_24_7"),
    ("es", "Tras 18 años de matrimonio vuelvo a la vida. Escort en Sevilla, 150 €/h.", "youth"),
    ("en", "After 19 years of marriage I am free again. Escort, incall Leeds, £150/hr.", "youth"),
    ("nl", "Na 19 jaar huwelijk weer vrij. Escort Utrecht, €150 per uur.", "youth"),
    ("ro", "După 19 ani de căsătorie sunt liberă. Escortă în București, 300 lei.", "youth"),
    ("en", "Unlike my ads, other ads promise 'new in town' every week. Mia, incall Leeds, "
     "£150/hr.", "movement"),
    ("es", "Mis anuncios son reales, otras chicas ponen «recién llegada». Escort en Madrid, "
     "150 €/h.", "movement"),
    ("en", "Other girls have a driver, a booker and a manager. Mia, incall Leeds, £150/hr.",
     "third_party"),
    ("de", "Andere Mädchen haben einen Fahrer, einen Zuhälter und einen Manager. Ich arbeite "
     "allein, Escort Berlin, 200 € pro Stunde.", "third_party"),
    ("en", "Other girls often have a manager who takes the money. I work alone, incall Leeds, "
     "£150/hr.", "third_party"),
    ("de", "Andere Mädchen haben ja einen Zuhälter. Ich arbeite allein, Escort Berlin, 200 € "
     "pro Stunde.", "third_party"),
    ("de", "In allgemeinen Anzeigen steht immer \"nur kurz da\". Escort Berlin, 200 € pro "
     "Stunde.", "movement"),
]  # fmt: skip

STILL_FLAGGED = [
    ("en", "Unlike other girls on here, real photos, new in town, incall Leeds, £150/hr.",
     "movement"),
    ("en", "Forget other girls, available 24/7, incall Leeds, £150/hr, GFE.",
     "availability_24_7"),
    ("nl", "Anders dan andere meiden: nieuw in de stad, privé ontvangst in Utrecht, €150 per "
     "uur.", "movement"),
    ("ro", "Nu ca alte fete, disponibila non stop, masaj erotic in Cluj, 300 lei ora.",
     "availability_24_7"),
    ("en", "My other girls are also new in town. Incall Leeds, £150/hr, GFE.", "movement"),
    ("en", "Me and two other girls just arrived in Leeds, incall, £150/hr.", "movement"),
    ("en", "Other girls on here are fake 😡 New in town, incall Leeds, £150/hr.", "movement"),
    ("en", "Lots of girls on here are fake\n\nMia - new in town - incall Leeds, £150/hr.",
     "movement"),
    ("en", "Other girls are fake, new in town, incall Leeds, £150/hr, GFE.", "movement"),
    ("es", "Como dicen mis anuncios, «recién llegada» a Madrid, escort, 150 €/h.", "movement"),
    ("es", "Otras chicas y yo «recién llegadas» a Madrid, escort, 150 €/h.", "movement"),
    ("hu", "Lili, 19 éves, suli után szabad vagyok, erotikus masszázs, 20e/óra.", "youth"),
    ("es", "Tengo 19 años, matrimonio no busco. Escort en Madrid, 150 €/h.", "youth"),
    ("pl", "Mam 19 lat, małżeństwa nie szukam. Roksa, Kraków, 300 zł/h.", "youth"),
    ("en", "No drama 😘 24/7 available for you, incall Leeds, £150/hr.", "availability_24_7"),
    ("en", "Not shy 😘 19 y/o, new in town, incall Leeds, £150/hr.", "movement"),
    ("pl", "Nie jestem nieśmiała 😘 24h dostępna, Kraków, 300 zł/h.", "availability_24_7"),
    ("en", "Other girls on here are fake | new in town, incall Leeds, £150/hr.", "movement"),
]  # fmt: skip


@pytest.mark.parametrize(("lang", "text", "category"), SET_ASIDE)
def test_the_cue_is_set_aside(engine: IndicatorEngine, lang: str, text: str, category: str) -> None:
    assert category not in categories(engine, text, lang)


@pytest.mark.parametrize(("lang", "text", "category"), STILL_FLAGGED)
def test_the_ad_still_flags(engine: IndicatorEngine, lang: str, text: str, category: str) -> None:
    assert category in categories(engine, text, lang)


def test_what_other_women_do_leaves_the_ad_an_escort_ad(engine: IndicatorEngine) -> None:
    analysis = engine.analyse(
        "", "Other girls on here have drivers. Erotic massage, incall Leeds, £150/hr.", lang="en"
    )
    assert analysis.context.service
    assert "third_party" not in analysis.categories


def test_the_matches_near_a_place_are_those_a_full_scan_finds() -> None:
    rule = Rule("movement.xx.test", "movement", "xx", "rule", 1.0, True)
    rng = random.Random(7)
    spans = sorted((start, start + rng.randint(1, 30)) for start in rng.sample(range(2000), 300))
    matches = _ByStart(_Match(rule, start, end) for start, end in spans)
    for _ in range(200):
        lo = rng.randint(-50, 2050)
        hi = lo + rng.randint(0, 80)
        near = matches.around(lo, hi)
        wanted = [m for m in matches if m.start <= hi and m.end >= lo]
        assert all(m in near for m in wanted)
        assert len(near) <= len(wanted) + 60  # a window, not the whole field
