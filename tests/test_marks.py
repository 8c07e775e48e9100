"""Quotation marks: every style, apostrophes, nesting, multi-paragraph quotes and unbalanced marks."""

from __future__ import annotations

import pytest

from quotes.extract.marks import find_quote_marks, paragraph_spans


def quoted(text: str) -> list[str]:
    return [text[m.start:m.end] for m in find_quote_marks(text) if m.nested_in is None]


@pytest.mark.parametrize(("text", "expected"), [
    ("He said “we will win” today.", ["we will win"]),
    ('He said "we will win" today.', ["we will win"]),
    ("Il a dit «nous gagnerons» hier.", ["nous gagnerons"]),
    ("Er sagte „wir gewinnen“ gestern.", ["wir gewinnen"]),
    ("She said ‘we will not go’ and left.", ["we will not go"]),
    ("She said 'we will not go' and left.", ["we will not go"]),
    ("China’s position and the leaders’ meeting were discussed.", []),
    ("They don't know what the '90s were like, he said 'no way'.", ["no way"]),
    ("“Outer ‘inner’ text,” she said.", ["Outer ‘inner’ text,"]),
    ('"A b," he said. "C d."', ["A b,", "C d."]),
])
def test_quote_mark_styles(text: str, expected: list[str]) -> None:
    assert quoted(text) == expected


def test_nested_single_quote_is_kept_inside_its_double_quote() -> None:
    text = "“Outer ‘inner’ text,” she said."
    marks = find_quote_marks(text)
    inner = [m for m in marks if m.nested_in is not None]
    assert [text[m.start:m.end] for m in inner] == ["inner"]


def test_multi_paragraph_quote_reopened_each_paragraph() -> None:
    text = "“First paragraph of the speech.\n\n“Second paragraph,” he said.\n\nNarration."
    marks = find_quote_marks(text)
    assert len(marks) == 1
    assert marks[0].paragraphs == 2
    assert text[marks[0].start:marks[0].end].startswith("First paragraph")
    assert text[marks[0].start:marks[0].end].endswith("Second paragraph,")


def test_unbalanced_mark_costs_only_its_own_quote() -> None:
    text = "“This one never closes.\n\nThen “a fine quote here” she said.\n\n“And another one,” he added."
    assert quoted(text) == ["a fine quote here", "And another one,"]


@pytest.mark.parametrize(("text", "n"), [
    ("one\n\ntwo\n\nthree", 3),
    ("one\ntwo\nthree", 3),
    ("one wrapped\nline\n\ntwo", 2),
])
def test_paragraphs(text: str, n: int) -> None:
    assert len(paragraph_spans(text)) == n


def test_intervals_find_spans_by_position() -> None:
    from quotes.extract.marks import Intervals

    spans = Intervals([(20, 30), (0, 10), (40, 50)])
    assert spans.spans == [(0, 10), (20, 30), (40, 50)]
    assert [spans.index_at(p) for p in (0, 9, 10, 25, 39, 49, 50)] == [0, 0, None, 1, None, 2, None]
    assert spans.index_at(19, before=1) == 1 and spans.index_at(30, after=1) == 1   # padded bounds
    assert list(spans.overlapping(5, 25)) == [0, 1] and list(spans.overlapping(10, 20)) == []
    assert list(spans.overlapping(0, 100)) == [0, 1, 2] and Intervals([]).index_at(3) is None


def test_coverage_merges_what_it_is_given() -> None:
    import random

    from quotes.extract.marks import Coverage

    rng = random.Random(0)
    cover, added = Coverage(), []
    for _ in range(300):
        s = rng.randrange(0, 1000)
        e = s + rng.randrange(0, 40)
        cover.add(s, e)
        added.append((s, e))
        a = rng.randrange(0, 1000)
        b = a + rng.randrange(1, 30)
        assert cover.touches(a, b) == any(s < b and a < e for s, e in added if e > s)
