"""Shared fixtures: the real spaCy pipeline and the extraction pipeline, loaded once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from quotes.nlp import load_nlp
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
