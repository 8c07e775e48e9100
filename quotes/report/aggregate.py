"""Aggregate stored quotes per speaker and topic, in SQL (GROUP BY and window functions).

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

from quotes.store import Store
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
        key = name.strip().casefold()
        exact = {r[0] for r in store.conn.execute(
            """SELECT id FROM speakers WHERE lower(name) = ? UNION
               SELECT speaker_id FROM speaker_aliases WHERE lower(alias) = ?""", (key, key))}
        if not exact:
            exact = {r[0] for r in store.conn.execute("SELECT id, name FROM speakers")
                     if key in r[1].casefold()}
        ids |= exact
    return sorted(ids)


def _where(filters: ReportFilter, speaker_ids: list[int] | None) -> tuple[str, list[Any], bool]:
    """SQL conditions over ``s`` (stance), ``q`` (quotes), ``a`` (articles); and whether ``a`` is used."""
    clauses = ["q.speaker_id IS NOT NULL"]
    params: list[Any] = []
    if filters.topics:
        clauses.append(f"s.topic IN ({','.join('?' * len(filters.topics))})")
        params += filters.topics
    if speaker_ids is not None:
        clauses.append(f"q.speaker_id IN ({','.join('?' * len(speaker_ids))})")
        params += speaker_ids
    if filters.since:
        clauses.append("a.date >= ?")
        params.append(filters.since)
    if filters.until:
        clauses.append("substr(a.date, 1, ?) <= ?")
        params += [len(filters.until), filters.until]
    return " AND ".join(clauses), params, bool(filters.since or filters.until)


def build_report(store: Store, filters: ReportFilter, *, top_k: int = 3, timeline: bool = False,
                 details: bool = False, max_quotes_per_speaker: int = 50) -> Report:
    """Aggregate the store; ``timeline``/``details`` add what the HTML report shows."""
    speaker_ids = resolve_speakers(store, filters.speakers) if filters.speakers else None
    report = Report(str(store.path), filters, list(filters.topics), [])
    if speaker_ids == []:
        return report
    where, params, uses_articles = _where(filters, speaker_ids)
    join_a = "JOIN articles a ON a.id = q.article_id" if uses_articles else ""
    groups = store.conn.execute(
        f"""SELECT q.speaker_id, s.topic, COUNT(*),
                   SUM(s.label = 'favor'), SUM(s.label = 'against'), SUM(s.label = 'none'),
                   AVG(CASE WHEN s.label != 'none' THEN s.score END), AVG(q.confidence)
            FROM stance s JOIN quotes q ON q.id = s.quote_id {join_a}
            WHERE {where} GROUP BY q.speaker_id, s.topic HAVING COUNT(*) >= ?""",
        [*params, max(filters.min_quotes, 1)]).fetchall()
    if not groups:
        return report
    speakers = {r[0]: (r[1], r[2]) for r in store.conn.execute("SELECT id, name, kind FROM speakers")}

    top: dict[tuple[int, str], dict[str, list[TopQuote]]] = {}
    if top_k > 0:
        rows = store.conn.execute(
            f"""SELECT t.speaker_id, t.topic, t.label, t.score, q.article_id, q.idx, q.text,
                       a.title, a.date, a.url
                FROM (SELECT q.speaker_id, s.topic, s.label, s.score, s.quote_id,
                             ROW_NUMBER() OVER (PARTITION BY q.speaker_id, s.topic, s.label
                                                ORDER BY s.score DESC, s.quote_id) AS rn
                      FROM stance s JOIN quotes q ON q.id = s.quote_id {join_a} WHERE {where}) t
                JOIN quotes q ON q.id = t.quote_id JOIN articles a ON a.id = q.article_id
                WHERE t.rn <= ? ORDER BY t.speaker_id, t.topic, t.label, t.rn""",
            [*params, top_k])
        for r in rows:
            per = top.setdefault((r[0], r[1]), {label: [] for label in STANCE_LABELS})
            per.setdefault(r[2], []).append(
                TopQuote(f"{r[4]}#{r[5]}", r[6], r[2], r[3], r[4], r[7], r[8], r[9]))

    # speakers who take a position (a favor or against quote) first, then by how much they said
    totals: dict[int, int] = {}
    positions: dict[int, int] = {}
    for g in groups:
        totals[g[0]] = totals.get(g[0], 0) + g[2]
        positions[g[0]] = positions.get(g[0], 0) + g[3] + g[4]
    for g in sorted(groups, key=lambda g: (positions[g[0]] == 0, -totals[g[0]], speakers[g[0]][0], g[1])):
        sid, topic, n, favor, against, none, conf, attribution = g
        name, kind = speakers[sid]
        report.rows.append(ReportRow(
            sid, name, kind, topic, n, favor, against, none, round((favor - against) / n, 4),
            round(conf, 4) if conf is not None else None, round(attribution, 4),
            top.get((sid, topic), {label: [] for label in STANCE_LABELS})))
    report.topics = list(filters.topics) or sorted({r.topic for r in report.rows})
    if timeline or details:
        per_speaker = _add_timeline(store, report, where, params)
        if details:
            _add_details(store, report, where, params, max_quotes_per_speaker, per_speaker)
    return report


def _point(period: str, n: int, favor: int, against: int, none: int) -> TimePoint:
    return TimePoint(period, n, favor, against, none, round((favor - against) / n, 4) if n else 0.0)


def _add_timeline(store: Store, report: Report, where: str, params: list[Any]
                  ) -> dict[tuple[int, str], list[TimePoint]]:
    """Fill ``report.timeline`` (per topic); return the per (speaker, topic) series."""
    span = store.conn.execute(
        f"""SELECT MIN(substr(a.date, 1, 10)), MAX(substr(a.date, 1, 10)) FROM stance s
            JOIN quotes q ON q.id = s.quote_id JOIN articles a ON a.id = q.article_id
            WHERE {where} AND a.date IS NOT NULL""", params).fetchone()
    report.timeline = {}
    if span[0] is None:
        return {}
    try:
        days = (date.fromisoformat(span[1]) - date.fromisoformat(span[0])).days
    except ValueError:
        days = 10_000
    width, report.granularity = (10, "day") if days <= 92 else (7, "month")
    keep = {(r.speaker_id, r.topic) for r in report.rows}
    per: dict[tuple[int, str], list[TimePoint]] = {}
    overall: dict[tuple[str, str], list[int]] = {}
    for sid, topic, period, n, favor, against, none in store.conn.execute(
            f"""SELECT q.speaker_id, s.topic, substr(a.date, 1, {width}) AS period, COUNT(*),
                       SUM(s.label = 'favor'), SUM(s.label = 'against'), SUM(s.label = 'none')
                FROM stance s JOIN quotes q ON q.id = s.quote_id JOIN articles a ON a.id = q.article_id
                WHERE {where} AND a.date IS NOT NULL
                GROUP BY q.speaker_id, s.topic, period ORDER BY period""", params):
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


def _add_details(store: Store, report: Report, where: str, params: list[Any], limit: int,
                 per_timeline: dict[tuple[int, str], list[TimePoint]]) -> None:
    ids = sorted({r.speaker_id for r in report.rows})
    topics = sorted({r.topic for r in report.rows})
    aliases: dict[int, list[str]] = {}
    for sid, alias in store.conn.execute("SELECT speaker_id, alias FROM speaker_aliases ORDER BY alias"):
        aliases.setdefault(sid, []).append(alias)
    sid_list = ",".join(str(i) for i in ids)
    topic_marks = ",".join("?" * len(topics))
    chosen = store.conn.execute(
        f"""SELECT id, speaker_id, total FROM (
                SELECT q.id, q.speaker_id, COUNT(*) OVER (PARTITION BY q.speaker_id) AS total,
                       ROW_NUMBER() OVER (PARTITION BY q.speaker_id
                                          ORDER BY a.date IS NULL, a.date DESC, q.article_id, q.idx) AS rn
                FROM quotes q JOIN articles a ON a.id = q.article_id
                WHERE q.id IN (SELECT DISTINCT s.quote_id FROM stance s JOIN quotes q ON q.id = s.quote_id
                               JOIN articles a ON a.id = q.article_id WHERE {where}
                               AND q.speaker_id IN ({sid_list}) AND s.topic IN ({topic_marks})))
            WHERE rn <= ?""", [*params, *topics, limit]).fetchall()
    totals = {r[1]: r[2] for r in chosen}
    quote_ids = [r[0] for r in chosen]
    stance: dict[int, dict[str, tuple[str, float]]] = {}
    rows: list[Any] = []
    texts: dict[str, str] = {}
    for chunk in range(0, len(quote_ids), 900):
        part = quote_ids[chunk:chunk + 900]
        marks = ",".join("?" * len(part))
        for qid, topic, label, score in store.conn.execute(
                f"SELECT quote_id, topic, label, score FROM stance WHERE quote_id IN ({marks})", part):
            if topic in topics:
                stance.setdefault(qid, {})[topic] = (label, round(score, 4))
        rows += store.conn.execute(
            f"""SELECT q.id, q.speaker_id, q.article_id, q.idx, q.text, q.start, q."end", q.mention_start,
                       q.mention_end, a.title, a.date, a.url FROM quotes q
                JOIN articles a ON a.id = q.article_id WHERE q.id IN ({marks})""", part).fetchall()
    for article_id in {r[2] for r in rows}:
        texts[article_id] = store.conn.execute("SELECT text FROM articles WHERE id = ?",
                                               (article_id,)).fetchone()[0]
    by_speaker: dict[int, list[QuoteDetail]] = {}
    for r in sorted(rows, key=lambda r: (r[10] is not None, r[10] or "", r[2], r[3])):
        text = texts[r[2]]
        start, end = max(0, min(r[5], len(text))), max(0, min(r[6], len(text)))
        paragraph, offset = paragraph_around(text, start, end)
        mention = None
        if r[7] is not None and r[8] is not None and offset <= r[7] and r[8] <= offset + len(paragraph):
            mention = (r[7] - offset, r[8] - offset)
        by_speaker.setdefault(r[1], []).append(QuoteDetail(
            f"{r[2]}#{r[3]}", r[2], r[9], r[10], r[11], r[4], paragraph,
            (start - offset, min(end - offset, len(paragraph))), mention, stance.get(r[0], {})))
    names = {r.speaker_id: (r.speaker, r.kind) for r in report.rows}
    order = list(dict.fromkeys(r.speaker_id for r in report.rows))
    report.details = []
    for sid in order:
        quotes = by_speaker.get(sid, [])
        quotes.reverse()  # newest first
        report.details.append(SpeakerDetail(
            sid, names[sid][0], names[sid][1], tuple(aliases.get(sid, ())), totals.get(sid, len(quotes)),
            quotes, {t: per_timeline.get((sid, t), []) for t in topics if (sid, t) in per_timeline}))
