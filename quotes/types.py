"""Frozen records passed between the stages of the pipeline.

Every span is a pair of character offsets into ``Article.text`` exactly as read (the decoded file, the
extracted text of an HTML page, or the JSON ``text`` field), plus the text it covers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, get_args

QuoteKind = Literal["direct", "mixed", "indirect"]
SpeakerKind = Literal["person", "organization", "place", "other", "unresolved"]
# "unresolved": a description that names no one ("experts", "a statement"); kept as the mention, never a speaker
StanceLabel = Literal["favor", "against", "none"]

SPEAKER_KINDS: tuple[str, ...] = get_args(SpeakerKind)
# the kinds of a speaker who is someone: what the store links across articles and an aliases file may set
NAMED_SPEAKER_KINDS: tuple[str, ...] = tuple(k for k in SPEAKER_KINDS if k != "unresolved")
STANCE_LABELS: tuple[str, ...] = get_args(StanceLabel)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class Article:
    """One article as read from disk: its id, text and metadata."""

    id: str
    text: str
    path: str = ""
    date: str | None = None
    title: str | None = None
    url: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class Speaker:
    """Who said a quote: the canonical ``name`` and the ``mention`` that names them for this quote."""

    name: str
    mention: str
    start: int | None
    end: int | None
    kind: SpeakerKind = "other"

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "mention": self.mention, "start": self.start, "end": self.end,
                "kind": self.kind}


@dataclass(frozen=True)
class Stance:
    label: str
    score: float
    # cosine similarity of statement and topic, when the model has a relevance gate; a pair below the gate's
    # threshold is "none" with score 1.0 without being classified
    relevance: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"label": self.label, "score": round(self.score, 4)}
        if self.relevance is not None:
            out["relevance"] = round(self.relevance, 4)
        return out


@dataclass(frozen=True)
class Prediction:
    """The stance of one (topic, statement) pair: the ``label``, its probability ``score`` and all ``probs``.

    What the classifier returns; it lives here, with no torch, so that a process that only receives
    predictions (the pipeline beside a stance child process) never imports the model's libraries."""

    label: str
    score: float
    probs: dict[str, float] = field(hash=False)
    # cosine similarity of topic and statement when the model has a relevance gate (see quotes.stance.relevance)
    relevance: float | None = None

    def to_stance(self) -> Stance:
        """The stance a quote records: label, score and relevance, without the other labels' probabilities."""
        return Stance(label=self.label, score=float(self.score), relevance=self.relevance)

    def to_dict(self) -> dict[str, Any]:
        out = {"label": self.label, "score": round(self.score, 4),
               "probs": {k: round(v, 4) for k, v in self.probs.items()}}
        if self.relevance is not None:
            out["relevance"] = round(self.relevance, 4)
        return out


@dataclass(frozen=True)
class Quote:
    """A piece of reported speech in an article.

    ``text``/``start``/``end`` is the content; ``statement`` is the covering span of content, cue and
    speaker mention as written (what the stance classifier reads).
    """

    article: str
    index: int
    kind: QuoteKind
    content: Span
    cue: Span | None
    speaker: Speaker | None
    confidence: float
    statement: Span | None = None
    stance: dict[str, Stance] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.article}#{self.index}"

    def to_dict(self) -> dict[str, Any]:
        """The ``quotes extract`` output schema."""
        return {
            "article": self.article,
            "id": self.id,
            "kind": self.kind,
            "text": self.content.text,
            "start": self.content.start,
            "end": self.content.end,
            "cue": self.cue.to_dict() if self.cue else None,
            "speaker": self.speaker.to_dict() if self.speaker else None,
            "confidence": round(self.confidence, 3),
            "stance": {topic: s.to_dict() for topic, s in self.stance.items()},
        }

    def to_record(self) -> dict[str, Any]:
        """Every field, unrounded (JSON-safe): what crosses a process or a Parquet shard; see
        :meth:`from_record`."""
        def span(s: Span | None) -> list[Any] | None:
            return [s.start, s.end, s.text] if s is not None else None

        sp = self.speaker
        return {"article": self.article, "index": self.index, "kind": self.kind, "content": span(self.content),
                "cue": span(self.cue), "statement": span(self.statement), "confidence": self.confidence,
                "speaker": [sp.name, sp.mention, sp.start, sp.end, sp.kind] if sp is not None else None,
                "stance": {t: [s.label, s.score, s.relevance] for t, s in self.stance.items()}}

    @classmethod
    def from_record(cls, r: dict[str, Any]) -> Quote:
        """The quote :meth:`to_record` describes, equal to the original."""
        def span(v: list[Any] | None) -> Span | None:
            return Span(v[0], v[1], v[2]) if v is not None else None

        sp = r["speaker"]
        content = span(r["content"])
        assert content is not None
        return cls(article=r["article"], index=r["index"], kind=r["kind"], content=content, cue=span(r["cue"]),
                   speaker=Speaker(sp[0], sp[1], sp[2], sp[3], sp[4]) if sp is not None else None,
                   confidence=r["confidence"], statement=span(r["statement"]),
                   stance={t: Stance(v[0], v[1], v[2]) for t, v in r["stance"].items()})


@dataclass(frozen=True)
class Topic:
    """A user-defined stance topic: ``phrase`` is what the classifier reads."""

    id: str
    phrase: str
    description: str = ""
