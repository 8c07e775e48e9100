"""Per-document caches of sentences and entities: spaCy recomputes ``token.sent`` and ``doc.ents`` on
every access, which made attribution cost more than the parse itself."""

from __future__ import annotations

from bisect import bisect_right

from spacy.tokens import Doc, Span

_KEY = "quotes_cache"


def _cache(doc: Doc) -> dict:
    cache = doc.user_data.get(_KEY)
    if cache is None:
        sents = list(doc.sents)
        cache = {"sents": sents, "starts": [s.start for s in sents], "ents": list(doc.ents), "text": doc.text}
        doc.user_data[_KEY] = cache
    return cache


def sent_of(doc: Doc, i: int) -> Span:
    """The sentence holding token ``i``."""
    c = _cache(doc)
    return c["sents"][bisect_right(c["starts"], i) - 1]


def ents(doc: Doc) -> list[Span]:
    """The named entities of ``doc`` (computed once)."""
    return _cache(doc)["ents"]


def text_of(doc: Doc) -> str:
    """``doc.text`` (which spaCy rebuilds from the tokens on every access)."""
    return _cache(doc)["text"]
