"""Aggregate stored quotes per speaker and topic, from the store's named queries (:mod:`quotes.store.reads`).

A row per (speaker, topic): quotes, favor / against / none counts, net stance
``(favor - against) / quotes``, mean stance confidence (the classifier's score for the favor and against
labels it gave: ``none`` is left out, the relevance gate's included, whose score of 1.0 is a rule and not a
confidence), mean attribution confidence, and the most confident quotes for each label with their article.
For the HTML report also: net stance over time by article date, and each speaker's quotes with the
paragraph they appear in.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from quotes.store import StanceFilter, Store
from quotes.types import STANCE_LABELS

_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def parse_date_bound(value: str, option: str) -> str:
    """Validate a ``--since``/``--until`` value: YYYY, YYYY-MM or YYYY-MM-DD."""
    value = value.strip()
    if not _DATE.match(value):
        raise ValueError(f"{option} {value!r} is not a date; expected YYYY-MM-DD, YYYY-MM or YYYY")
    parts = [int(p) for p in value.split("-")] + [1, 1]
    try:
        date(parts[0], parts[1], parts[2])
    except ValueError as exc:
        raise ValueError(f"{option} {value!r} is not a valid date: {exc}") from None
    return value


@dataclass(frozen=True)
class ReportFilter:
    """What to report on; empty tuples mean everything. Dates compare with the article's date."""

    topics: tuple[str, ...] = ()
    speakers: tuple[str, ...] = ()
    min_quotes: int = 1
    since: str | None = None
    until: str | None = None


@dataclass(frozen=True)
class TopQuote:
    quote_id: str
    text: str
    label: str
    score: float
    article: str
    title: str | None
    date: str | None
    url: str | None


@dataclass(frozen=True)
class ReportRow:
    speaker_id: int
    speaker: str
    kind: str
    topic: str
    quotes: int
    favor: int
    against: int
    none: int
    net: float
    mean_confidence: float | None  # over the favor/against quotes; None when the row has none
    mean_attribution: float
    top: dict[str, list[TopQuote]] = field(default_factory=dict)


@dataclass(frozen=True)
class TimePoint:
    period: str
    quotes: int
    favor: int
    against: int
    none: int
    net: float


@dataclass(frozen=True)
class QuoteDetail:
    """A quote in its paragraph: ``highlight``/``mention`` are offsets into ``paragraph``."""

    quote_id: str
    article: str
    title: str | None
    date: str | None
    url: str | None
    text: str
    paragraph: str
    highlight: tuple[int, int]
    mention: tuple[int, int] | None
    stance: dict[str, tuple[str, float]]


@dataclass(frozen=True)
class SpeakerDetail:
    id: int
    name: str
    kind: str
    aliases: tuple[str, ...]
    total: int
    quotes: list[QuoteDetail]
    timeline: dict[str, list[TimePoint]]


@dataclass
class Report:
    store: str
    filters: ReportFilter
    topics: list[str]
    rows: list[ReportRow]
    generated_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    granularity: str | None = None
    timeline: dict[str, list[TimePoint]] | None = None  # topic -> all matched speakers together
    details: list[SpeakerDetail] | None = None

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        if self.timeline is None:
            del out["timeline"], out["granularity"]
        if self.details is None:
            del out["details"]
        return out


def resolve_speakers(store: Store, names: tuple[str, ...]) -> list[int]:
    """Speaker ids matching any of ``names``: canonical name or alias, case-insensitive; a name with
    no exact match matches canonical names containing it."""
    ids: set[int] = set()
    for name in names:
        ids |= store.speakers_named(name)
    return sorted(ids)


def build_report(store: Store, filters: ReportFilter, *, top_k: int = 3, timeline: bool = False,
                 details: bool = False, max_quotes_per_speaker: int = 50) -> Report:
    """Aggregate the store; ``timeline``/``details`` add what the HTML report shows."""
    speaker_ids = resolve_speakers(store, filters.speakers) if filters.speakers else None
    report = Report(str(store.path), filters, list(filters.topics), [])
    if speaker_ids == []:
        return report
    where = StanceFilter(filters.topics, None if speaker_ids is None else tuple(speaker_ids),
                         filters.since, filters.until)
    groups = store.stance_counts(where, max(filters.min_quotes, 1))
    if not groups:
        return report
    speakers = store.speaker_names()

    top: dict[tuple[int, str], dict[str, list[TopQuote]]] = {}
    if top_k > 0:
        for r in store.top_quotes(where, top_k):
            per = top.setdefault((r.speaker_id, r.topic), {label: [] for label in STANCE_LABELS})
            per.setdefault(r.label, []).append(
                TopQuote(f"{r.article_id}#{r.idx}", r.text, r.label, r.score, r.article_id, r.title, r.date,
                         r.url))

    # speakers who take a position (a favor or against quote) first, then by how much they said
    totals: dict[int, int] = {}
    positions: dict[int, int] = {}
    for g in groups:
        totals[g.speaker_id] = totals.get(g.speaker_id, 0) + g.quotes
        positions[g.speaker_id] = positions.get(g.speaker_id, 0) + g.favor + g.against
    for g in sorted(groups, key=lambda g: (positions[g.speaker_id] == 0, -totals[g.speaker_id],
                                           speakers[g.speaker_id][0], g.topic)):
        sid, topic, n, favor, against, none, conf, attribution = g
        name, kind = speakers[sid]
        report.rows.append(ReportRow(
            sid, name, kind, topic, n, favor, against, none, round((favor - against) / n, 4),
            round(conf, 4) if conf is not None else None, round(attribution, 4),
            top.get((sid, topic), {label: [] for label in STANCE_LABELS})))
    report.topics = list(filters.topics) or sorted({r.topic for r in report.rows})
    if timeline or details:
        per_speaker = _add_timeline(store, report, where)
        if details:
            _add_details(store, report, where, max_quotes_per_speaker, per_speaker)
    return report


def _point(period: str, n: int, favor: int, against: int, none: int) -> TimePoint:
    return TimePoint(period, n, favor, against, none, round((favor - against) / n, 4) if n else 0.0)


def _add_timeline(store: Store, report: Report, where: StanceFilter) -> dict[tuple[int, str], list[TimePoint]]:
    """Fill ``report.timeline`` (per topic); return the per (speaker, topic) series."""
    first, last = store.date_span(where)
    report.timeline = {}
    if first is None or last is None:
        return {}
    try:
        days = (date.fromisoformat(last) - date.fromisoformat(first)).days
    except ValueError:
        days = 10_000
    width, report.granularity = (10, "day") if days <= 92 else (7, "month")
    keep = {(r.speaker_id, r.topic) for r in report.rows}
    per: dict[tuple[int, str], list[TimePoint]] = {}
    overall: dict[tuple[str, str], list[int]] = {}
    for sid, topic, period, n, favor, against, none in store.counts_by_period(where, width):
        if (sid, topic) not in keep:
            continue
        per.setdefault((sid, topic), []).append(_point(period, n, favor, against, none))
        acc = overall.setdefault((topic, period), [0, 0, 0, 0])
        for i, v in enumerate((n, favor, against, none)):
            acc[i] += v
    for (topic, period), (n, favor, against, none) in sorted(overall.items()):
        report.timeline.setdefault(topic, []).append(_point(period, n, favor, against, none))
    return per


def paragraph_around(text: str, start: int, end: int, limit: int = 1200) -> tuple[str, int]:
    """The paragraph (blank-line or line separated) holding ``text[start:end]``, trimmed to about
    ``limit`` characters around it; returns the paragraph and its offset in ``text``."""
    sep = "\n\n" if "\n\n" in text else "\n"
    lo = text.rfind(sep, 0, start)
    lo = 0 if lo < 0 else lo + len(sep)
    hi = text.find(sep, end)
    hi = len(text) if hi < 0 else hi
    if hi - lo > limit:
        room = max((limit - (end - start)) // 2, 80)
        lo, hi = max(lo, start - room), min(hi, end + room)
    while lo < start and text[lo].isspace():
        lo += 1
    return text[lo:hi].rstrip(), lo


def _add_details(store: Store, report: Report, where: StanceFilter, limit: int,
                 per_timeline: dict[tuple[int, str], list[TimePoint]]) -> None:
    ids = sorted({r.speaker_id for r in report.rows})
    topics = sorted({r.topic for r in report.rows})
    aliases = store.aliases_by_speaker()
    chosen = store.newest_quotes(where, ids, topics, limit)
    totals = {r.speaker_id: r.speaker_total for r in chosen}
    quote_ids = [r.quote_id for r in chosen]
    stance: dict[int, dict[str, tuple[str, float]]] = {}
    for qid, topic, label, score in store.stance_of_quotes(quote_ids):
        if topic in topics:
            stance.setdefault(qid, {})[topic] = (label, round(score, 4))
    rows = store.quotes_in_articles(quote_ids)
    texts = {article_id: store.article_text(article_id) for article_id in {r.article_id for r in rows}}
    by_speaker: dict[int, list[QuoteDetail]] = {}
    for r in sorted(rows, key=lambda r: (r.date is not None, r.date or "", r.article_id, r.idx)):
        text = texts[r.article_id]
        start, end = max(0, min(r.start, len(text))), max(0, min(r.end, len(text)))
        paragraph, offset = paragraph_around(text, start, end)
        mention = None
        if (r.mention_start is not None and r.mention_end is not None and offset <= r.mention_start
                and r.mention_end <= offset + len(paragraph)):
            mention = (r.mention_start - offset, r.mention_end - offset)
        by_speaker.setdefault(r.speaker_id, []).append(QuoteDetail(
            f"{r.article_id}#{r.idx}", r.article_id, r.title, r.date, r.url, r.text, paragraph,
            (start - offset, min(end - offset, len(paragraph))), mention, stance.get(r.quote_id, {})))
    names = {r.speaker_id: (r.speaker, r.kind) for r in report.rows}
    order = list(dict.fromkeys(r.speaker_id for r in report.rows))
    report.details = []
    for sid in order:
        quotes = by_speaker.get(sid, [])
        quotes.reverse()  # newest first
        report.details.append(SpeakerDetail(
            sid, names[sid][0], names[sid][1], tuple(aliases.get(sid, ())), totals.get(sid, len(quotes)),
            quotes, {t: per_timeline.get((sid, t), []) for t in topics if (sid, t) in per_timeline}))
