"""The parse-derived facts of one document, computed once and passed to every stage.

:func:`read_document` makes the :class:`Document` that detection and attribution both read: the text, its
paragraphs, its top-level quotations and its sentence starts. The helpers below (``sent_of``, ``ents`` ...)
cache sentences and entities on the ``Doc`` itself, for code that holds only a token or a span: spaCy
recomputes ``token.sent`` and ``doc.ents`` on every access, which made attribution cost more than the parse.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from spacy.tokens import Doc, Span

from quotes.extract.marks import Intervals, MarkSpan, find_quote_marks, paragraph_spans, top_level


@dataclass(frozen=True)
class Document:
    """A parsed article and the facts of it that more than one stage reads."""

    doc: Doc
    text: str
    paragraphs: Intervals           # the paragraphs, split at blank lines
    quotations: list[MarkSpan]      # the top-level quotations, in text order
    quoted: Intervals               # their spans, in the same order as ``quotations``
    sentence_starts: list[int]      # character offset of each sentence


def read_document(doc: Doc) -> Document:
    """The :class:`Document` of a parse: its paragraphs, quotations and sentences, each found once."""
    text = text_of(doc)
    quotations = top_level(find_quote_marks(text))
    return Document(doc, text, Intervals(paragraph_spans(text)), quotations,
                    Intervals([(m.start, m.end) for m in quotations]),
                    [s.start_char for s in _cache(doc)["sents"]])


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


def forget(doc: Doc) -> None:
    """Drop what :func:`_cache` keeps on ``doc``. Its spans refer back to the ``Doc``: while they are kept, the
    ``Doc`` (its tokens and its tensor) is freed only by Python's cycle collector, which left dozens of parsed
    documents alive at a time and fragmented the C heap (docs/benchmarks.md, 2026-12-05)."""
    doc.user_data.pop(_KEY, None)


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
