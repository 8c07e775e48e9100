"""Shared fixtures: the real spaCy pipeline and the extraction pipeline, loaded once per session."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from quotes.extract.nlp import load_nlp
from quotes.pipeline import Pipeline

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "seeds" / "articles" / "000_ce7ccf6783f2e522.txt"


@pytest.fixture(scope="session")
def nlp():  # type: ignore[no-untyped-def]
    return load_nlp()


@pytest.fixture(scope="session")
def pipeline(nlp) -> Pipeline:  # type: ignore[no-untyped-def]
    return Pipeline(nlp=nlp)


@pytest.fixture(scope="session")
def tiny_stance_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An untrained 2-layer BERT stance classifier (random weights) with the base encoder's tokenizer:
    enough to run the stance stage end to end in seconds."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    from quotes.stance.train import ID2LABEL, LABEL2ID, default_base_path

    path = tmp_path_factory.mktemp("tiny-stance")
    tokenizer = AutoTokenizer.from_pretrained(str(default_base_path()))
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=512, num_labels=3, id2label=ID2LABEL,
                        label2id=LABEL2ID)
    torch.manual_seed(0)
    BertForSequenceClassification(config).save_pretrained(str(path))
    tokenizer.save_pretrained(str(path))
    return path


_NAMES = ["Ana Ruiz", "Tomas Berg", "Leila Haddad", "Kofi Mensah", "Ines Duarte", "Pavel Novak", "Mei Tanaka",
          "Omar Farouk"]
_ROLES = ["the finance minister", "a union leader", "the mayor", "an opposition lawmaker"]
_CLAIMS = ["We will cut taxes next year", "The plan is a mistake", "Talks must start at once",
           "Nobody asked the farmers", "The budget adds up", "This law protects workers"]


def make_articles(folder: Path, n: int, with_seed: bool = True) -> Path:
    """``n`` distinct small articles in ``folder`` (generated text with direct, mixed and indirect quotes), plus
    the seed article's text in a few dated variants: enough articles for several batches, made in no time."""
    folder.mkdir(parents=True, exist_ok=True)
    seed = SEED.read_text(encoding="utf-8")
    for i in range(n):
        if with_seed and i % 5 == 0:
            text = seed.replace("Wednesday", f"day {i}")
        else:
            a, b = _NAMES[i % len(_NAMES)], _NAMES[(i * 3 + 1) % len(_NAMES)]
            role = _ROLES[i % len(_ROLES)]
            c1, c2 = _CLAIMS[i % len(_CLAIMS)], _CLAIMS[(i + 2) % len(_CLAIMS)]
            text = (f"Title: Story {i}\n\n“{c1},” {role}, {a}, said on day {i}. {b} disagreed. "
                    f"“{c2},” {b} told reporters, adding that the vote {i} was “{c1.lower()}.”\n\n"
                    f"{a} said that the council would meet again in week {i % 7}.\n")
        (folder / f"a{i:03d}.txt").write_text(text, encoding="utf-8")
    return folder


def count_stored_articles(db: Path) -> int:
    """How many articles a store holds, read without a write lock (0 while it cannot be read): for tests that
    watch a running extraction commit its batches."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
    except sqlite3.Error:
        return 0
