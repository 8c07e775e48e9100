"""The seed article, annotated by hand (tests/data/seed_gold.jsonl): every quote found with its speaker."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from quotes.io.readers import read_file
from quotes.pipeline import Pipeline

SEED = Path(__file__).resolve().parents[1] / "seeds" / "articles" / "000_ce7ccf6783f2e522.txt"

GOLD = [json.loads(line) for line in (Path(__file__).parent / "data" / "seed_gold.jsonl").open(encoding="utf-8")]


@pytest.fixture(scope="module")
def seed_quotes(pipeline: Pipeline):  # type: ignore[no-untyped-def]
    article = read_file(SEED, SEED.parent).articles[0]
    return article, pipeline.extract_one(article)


def overlap(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = min(a[1], b[1]) - max(a[0], b[0])
    return inter / min(a[1] - a[0], b[1] - b[0]) if inter > 0 else 0.0


def test_seed_metadata_and_text_as_read(seed_quotes) -> None:  # type: ignore[no-untyped-def]
    article, _ = seed_quotes
    assert article.id == "000_ce7ccf6783f2e522"
    assert article.date == "2023-03-02"
    assert article.text == SEED.read_text(encoding="utf-8")


@pytest.mark.parametrize("gold", GOLD, ids=[g["text"][:30] for g in GOLD])
def test_seed_quote_found_with_its_speaker(seed_quotes, gold: dict) -> None:  # type: ignore[no-untyped-def]
    article, quotes = seed_quotes
    hits = [q for q in quotes if overlap((q.content.start, q.content.end), (gold["start"], gold["end"])) >= 0.5]
    assert hits, f"missed: {gold['text']}"
    q = hits[0]
    assert q.speaker is not None and q.speaker.name == gold["speaker"]
    if gold["cue"]:
        assert q.cue is not None and q.cue.text == gold["cue"]
    if gold["mention"]:
        assert q.speaker.mention == gold["mention"]
        assert article.text[q.speaker.start:q.speaker.end] == gold["mention"]


def test_seed_has_no_spurious_quotes(seed_quotes) -> None:  # type: ignore[no-untyped-def]
    _, quotes = seed_quotes
    spurious = [q.content.text for q in quotes
                if not any(overlap((q.content.start, q.content.end), (g["start"], g["end"])) >= 0.5 for g in GOLD)]
    assert spurious == []


def test_seed_names_are_not_speech(seed_quotes) -> None:  # type: ignore[no-untyped-def]
    _, quotes = seed_quotes
    assert not any("All-Weather Strategic Partnership" in q.content.text for q in quotes)
    assert not any(q.content.text.strip() == "unbreakable" for q in quotes)
