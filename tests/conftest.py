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
