"""The spaCy pipeline as quotes loads it: its cached attribute ruler and lemmatizer annotate as spaCy's own do."""

from __future__ import annotations

import spacy

from quotes.extract.nlp import MODEL, CachedAttributeRuler, CachedLemmatizer
from tests.conftest import SEED

# Text that exercises the ruler's one-token rules (tags, "nothin'"), its two-token rules ("gonna", "y'all",
# "ain't", "let's", "there's") and whitespace tokens.
TRICKY = ("Y'all gonna see it, ain't nothin' gotta stop us. Let's go! There's a man, there are two. "
          "C'mon, he said: \u201cWe got ta win.\u201d  \n\n  She gets it; they got it.\n")


def _annotation(doc):  # type: ignore[no-untyped-def]
    return [(t.text, t.tag_, t.pos_, str(t.morph), t.lemma_, t.dep_) for t in doc]


def test_cached_ruler_replaces_spacys_and_annotates_the_same(nlp) -> None:  # type: ignore[no-untyped-def]
    assert "attribute_ruler" not in nlp.pipe_names
    assert isinstance(nlp.get_pipe("cached_attribute_ruler"), CachedAttributeRuler)
    reference = spacy.load(MODEL)
    texts = [TRICKY, SEED.read_text(encoding="utf-8")]
    ours = [_annotation(doc) for doc in nlp.pipe(texts)]
    theirs = [_annotation(doc) for doc in reference.pipe(texts)]
    assert ours == theirs
    # the rules that matter here did fire: a two-token rule's lemma and a one-token rule's part of speech
    tricky = {t[0].lower(): t for t in ours[0]}
    assert tricky["gon"][4] == "go" and tricky["na"][4] == "to"
    assert tricky["'s"][2] in {"VERB", "AUX", "PRON"}


def test_cached_lemmatizer_replaces_spacys_and_lemmatizes_the_same(nlp) -> None:  # type: ignore[no-untyped-def]
    assert "lemmatizer" not in nlp.pipe_names
    lemmatizer = nlp.get_pipe("cached_lemmatizer")
    assert isinstance(lemmatizer, CachedLemmatizer)
    reference = spacy.load(MODEL)
    texts = [SEED.read_text(encoding="utf-8"), TRICKY, "Their leaders were meeting; better days are coming, "
             "she said, as the wolves ran faster than the geese. " * 2]
    for _ in range(2):   # cold, then from the cache
        ours = [[t.lemma_ for t in doc] for doc in nlp.pipe(texts)]
        assert ours == [[t.lemma_ for t in doc] for doc in reference.pipe(texts)]
    assert [t.lemma_ for t in nlp("the wolves ran")] == ["the", "wolf", "run"]
    # the cache is bounded: at the limit it starts again, and lemmas stay right
    limit, lemmatizer.LIMIT = lemmatizer.LIMIT, 5
    try:
        assert [t.lemma_ for t in nlp("Geese were flying over the meeting rooms.")] == [
            t.lemma_ for t in reference("Geese were flying over the meeting rooms.")]
        assert len(lemmatizer._cache) <= 5 + len("Geese were flying over the meeting rooms.".split()) + 1
    finally:
        lemmatizer.LIMIT = limit
