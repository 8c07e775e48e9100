"""Per-document caches of sentences and entities: spaCy recomputes ``token.sent`` and ``doc.ents`` on
every access, which made attribution cost more than the parse itself."""

from __future__ import annotations

from bisect import bisect_left, bisect_right

from spacy.tokens import Doc, Span

_KEY = "quotes_cache"


def _cache(doc: Doc) -> dict:
    cache = doc.user_data.get(_KEY)
    if cache is None:
        sents = list(doc.sents)
        ents_ = list(doc.ents)
        cache = {"sents": sents, "starts": [s.start for s in sents], "ents": ents_, "text": doc.text,
                 "ent_starts": [e.start for e in ents_], "ent_chars": [e.start_char for e in ents_]}
        doc.user_data[_KEY] = cache
    return cache


def sent_of(doc: Doc, i: int) -> Span:
    """The sentence holding token ``i``."""
    c = _cache(doc)
    return c["sents"][bisect_right(c["starts"], i) - 1]


def ents(doc: Doc) -> list[Span]:
    """The named entities of ``doc`` (computed once)."""
    return _cache(doc)["ents"]


def ents_starting_in(doc: Doc, start: int, end: int) -> list[Span]:
    """The entities whose first token is in ``[start, end)``."""
    c = _cache(doc)
    return c["ents"][bisect_left(c["ent_starts"], start):bisect_left(c["ent_starts"], end)]


def ent_at(doc: Doc, i: int) -> Span | None:
    """The entity holding token ``i``, if any."""
    c = _cache(doc)
    k = bisect_right(c["ent_starts"], i) - 1
    return c["ents"][k] if k >= 0 and i < c["ents"][k].end else None


def ents_overlapping_chars(doc: Doc, start: int, end: int) -> list[Span]:
    """The entities that overlap the characters ``[start, end)``."""
    c = _cache(doc)
    lo = max(0, bisect_right(c["ent_chars"], start) - 1)
    hi = bisect_left(c["ent_chars"], end)
    return [e for e in c["ents"][lo:hi] if e.start_char < end and start < e.end_char]


def text_of(doc: Doc) -> str:
    """``doc.text`` (which spaCy rebuilds from the tokens on every access)."""
    return _cache(doc)["text"]
