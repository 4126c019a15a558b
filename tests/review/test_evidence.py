"""Evidence spans cut a field into plain and marked segments at their offsets."""

from __future__ import annotations

import pytest

from crawler.review.app import _context_rows
from crawler.review.evidence import Segment, evidence_view, segments


def indicator(field: str, start: object, end: object, category: str = "movement") -> dict:
    return {
        "category": category,
        "rule": f"{category}.nl.rule",
        "weight": 1.0,
        "evidence": {"field": field, "snippet": "...", "start": start, "end": end},
    }


def test_a_span_becomes_one_marked_segment_between_plain_ones() -> None:
    assert segments("net aangekomen in Utrecht", [(1, 4, 14)]) == [
        Segment("net "),
        Segment("aangekomen", (1,)),
        Segment(" in Utrecht"),
    ]


def test_overlapping_spans_share_the_overlap() -> None:
    cut = segments("abcdefgh", [(1, 1, 5), (2, 3, 7)])
    assert cut == [
        Segment("a"),
        Segment("bc", (1,)),
        Segment("de", (1, 2)),
        Segment("fg", (2,)),
        Segment("h"),
    ]
    assert "".join(s.text for s in cut) == "abcdefgh"


def test_text_without_spans_is_one_plain_segment() -> None:
    assert segments("", []) == [Segment("")]
    assert segments("plain", []) == [Segment("plain")]


def test_offsets_are_code_points_of_the_stored_text() -> None:
    text = "Hi 💋 Nieuw in Venlo"
    start = text.index("Nieuw")
    items, fields = evidence_view(
        {"text": text, "indicators": [indicator("text", start, start + 5)]}
    )
    marked = [s.text for s in fields["text"] if s.marks]
    assert marked == ["Nieuw"] and items[0].words == "Nieuw" and items[0].located


@pytest.mark.parametrize(
    ("start", "end"),
    [(-1, 3), (3, 3), (5, 2), (0, 999), ("0", 3), (None, None), (True, 3)],
)
def test_offsets_that_do_not_fit_mark_nothing(start: object, end: object) -> None:
    items, fields = evidence_view(
        {"text": "short text", "indicators": [indicator("text", start, end)]}
    )
    assert not items[0].located and fields["text"] == [Segment("short text")]


def test_evidence_in_a_field_not_stored_as_text_is_listed_with_its_snippet() -> None:
    items, fields = evidence_view(
        {"title": "Anna", "text": "x", "indicators": [indicator("age_text", 0, 2, "youth")]}
    )
    assert items[0].field == "age_text" and not items[0].located
    assert "young" in items[0].meaning
    assert all(not s.marks for s in fields["title"] + fields["text"])


def test_malformed_indicators_are_skipped_not_fatal() -> None:
    doc = {"text": "abc", "title": None, "indicators": ["junk", {"evidence": "junk"}, None]}
    items, fields = evidence_view(doc)
    assert [i.number for i in items] == [2]
    assert fields["title"] == [Segment("")]


def test_many_spans_stay_fast() -> None:
    text = "word " * 20_000
    spans = [(n, 5 * n, 5 * n + 4) for n in range(1, 5000)]
    assert len(segments(text, spans)) > 9000


def test_the_ad_context_decision_reads_as_a_verdict_with_its_cues() -> None:
    rows = _context_rows(
        {
            "service": True,
            "score": 2.5,
            "threshold": 1.0,
            "cues": [
                {
                    "cue": "service",
                    "weight": 1.0,
                    "rule": "ad_context.nl.escort",
                    "evidence": {"field": "text", "snippet": "escort", "start": 0, "end": 6},
                },
                {"cue": "stated_age", "weight": 0.5},
            ],
        }
    )
    assert rows[0] == ("verdict", "offers sexual, escort or erotic-massage services")
    assert rows[1] == ("score", "2.5 (in context from 1)")
    assert rows[2] == ("cue service", "ad_context.nl.escort · escort")
    assert rows[3] == ("cue stated_age", "0.5")
    assert _context_rows(None) == [] and _context_rows("in context") == [("decision", "in context")]
