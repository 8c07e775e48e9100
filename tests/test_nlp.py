"""The spaCy pipeline as quotes loads it: its cached attribute ruler annotates as spaCy's own ruler does."""

from __future__ import annotations

import spacy

from quotes.extract.nlp import MODEL, CachedAttributeRuler
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
