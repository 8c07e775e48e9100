"""The store's read side: named queries for the extraction driver, ``show``, ``speakers`` and the reports.

Every query of the store's tables lives here (or in :mod:`quotes.store.writes`); callers get rows as
frozen records or named tuples and never see SQL.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, cast

from quotes.store.schema import StoreError
from quotes.types import Article, Quote, QuoteKind, Span, Speaker, SpeakerKind, Stance

_CHUNK = 900  # ids per ``IN (...)`` query: under SQLite's default limit of 999 parameters


@dataclass(frozen=True)
class ArticleRow:
    """An article as listed by :meth:`Store.articles` (no text)."""

    id: str
    path: str
    date: str | None
    title: str | None
    url: str | None
    source: str | None
    content_hash: str
    processing_key: str
    processed_at: str
    quotes: int


@dataclass(frozen=True)
class SpeakerRow:
    """A canonical speaker with its aliases and how much it says."""

    id: int
    name: str
    kind: str
    aliases: tuple[str, ...]
    articles: int
    quotes: int

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "kind": self.kind, "aliases": list(self.aliases),
                "articles": self.articles, "quotes": self.quotes}


@dataclass(frozen=True)
class RunRow:
    id: int
    started_at: str
    finished_at: str | None
    model: str | None
    topics: tuple[str, ...]
    counts: dict[str, int]


@dataclass(frozen=True)
class StanceFilter:
    """Which stance rows of linked speakers a report reads; empty ``topics`` means every topic, ``None``
    ``speaker_ids`` every speaker. Dates compare with the article's date; ``until`` by its prefix, so
    ``2024-05`` includes the whole month."""

    topics: tuple[str, ...] = ()
    speaker_ids: tuple[int, ...] | None = None
    since: str | None = None
    until: str | None = None

    def sql(self) -> tuple[str, list[Any], bool]:
        """Conditions over ``s`` (stance), ``q`` (quotes), ``a`` (articles), their parameters, and whether
        ``a`` is used."""
        clauses = ["q.speaker_id IS NOT NULL"]
        params: list[Any] = []
        if self.topics:
            clauses.append(f"s.topic IN ({','.join('?' * len(self.topics))})")
            params += self.topics
        if self.speaker_ids is not None:
            clauses.append(f"q.speaker_id IN ({','.join('?' * len(self.speaker_ids))})")
            params += self.speaker_ids
        if self.since:
            clauses.append("a.date >= ?")
            params.append(self.since)
        if self.until:
            clauses.append("substr(a.date, 1, ?) <= ?")
            params += [len(self.until), self.until]
        return " AND ".join(clauses), params, bool(self.since or self.until)


class StanceCounts(NamedTuple):
    """Stance labels of one speaker on one topic."""

    speaker_id: int
    topic: str
    quotes: int
    favor: int
    against: int
    none: int
    mean_score: float | None  # over the favor and against labels
    mean_attribution: float


class PeriodCounts(NamedTuple):
    speaker_id: int
    topic: str
    period: str
    quotes: int
    favor: int
    against: int
    none: int


class RankedQuote(NamedTuple):
    """A quote among a speaker's most confident for one topic and label."""

    speaker_id: int
    topic: str
    label: str
    score: float
    article_id: str
    idx: int
    text: str
    title: str | None
    date: str | None
    url: str | None


class ChosenQuote(NamedTuple):
    quote_id: int
    speaker_id: int
    speaker_total: int  # the speaker's quotes that match, of which the newest were chosen


class QuoteInArticle(NamedTuple):
    """A stored quote's offsets with its article's title, date and url."""

    quote_id: int
    speaker_id: int
    article_id: str
    idx: int
    text: str
    start: int
    end: int
    mention_start: int | None
    mention_end: int | None
    title: str | None
    date: str | None
    url: str | None


class Reads:
    """The read methods of :class:`quotes.store.Store` (which opens ``conn``)."""

    conn: sqlite3.Connection
    path: Path

    def is_current(self, article_id: str, content_hash: str, processing_key: str) -> bool:
        """True when the article is stored with this content hash and processing key (skip it)."""
        row = self.conn.execute("SELECT content_hash, processing_key FROM articles WHERE id = ?",
                                (article_id,)).fetchone()
        return row is not None and row[0] == content_hash and row[1] == processing_key

    def current_hashes(self, processing_key: str) -> dict[str, str]:
        """Content hash of every article stored with ``processing_key``: what :meth:`is_current` checks, for
        all articles at once (sent to workers that cannot open the store)."""
        rows = self.conn.execute("SELECT id, content_hash FROM articles WHERE processing_key = ?", (processing_key,))
        return {r[0]: r[1] for r in rows}

    def articles(self) -> list[ArticleRow]:
        """Every stored article (without text), by date then id, with its quote count."""
        rows = self.conn.execute(
            """SELECT a.id, a.path, a.date, a.title, a.url, a.source, a.content_hash, a.processing_key,
                      a.processed_at, (SELECT COUNT(*) FROM quotes q WHERE q.article_id = a.id)
               FROM articles a ORDER BY a.date IS NULL, a.date, a.id""").fetchall()
        return [ArticleRow(*r) for r in rows]

    def article(self, article_id: str) -> Article:
        """The stored article with this exact id; :class:`StoreError` if unknown."""
        row = self.conn.execute("SELECT id, text, path, date, title, url, source FROM articles WHERE id = ?",
                                (article_id,)).fetchone()
        if row is None:
            raise StoreError(f"no article {article_id!r} in store {self.path}")
        return Article(*row)

    def find_article(self, id_or_prefix: str) -> Article:
        """The article with this id, or the only one whose id starts with it; clear errors otherwise."""
        row = self.conn.execute("SELECT id FROM articles WHERE id = ?", (id_or_prefix,)).fetchone()
        if row is None:
            escaped = id_or_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            matches = [r[0] for r in self.conn.execute(
                "SELECT id FROM articles WHERE id LIKE ? ESCAPE '\\' ORDER BY id LIMIT 11", (escaped + "%",))]
            # LIKE is case-insensitive for ASCII; keep only true prefixes.
            matches = [m for m in matches if m.startswith(id_or_prefix)]
            if not matches:
                raise StoreError(f"no article {id_or_prefix!r} in store {self.path} "
                                 f"(ids: see `quotes report` or the extract output)")
            if len(matches) > 1:
                shown = ", ".join(matches[:10]) + (", ..." if len(matches) > 10 else "")
                raise StoreError(f"article id prefix {id_or_prefix!r} is ambiguous: {shown}")
            row = (matches[0],)
        return self.article(row[0])

    def quotes_for_article(self, article_id: str) -> list[Quote]:
        """The article's quotes in order; each speaker's ``name`` is the canonical store-wide name."""
        rows = self.conn.execute(
            """SELECT q.*, s.name AS canonical, s.kind AS canonical_kind FROM quotes q
               LEFT JOIN speakers s ON s.id = q.speaker_id WHERE q.article_id = ? ORDER BY q.idx""",
            (article_id,)).fetchall()
        stance: dict[int, dict[str, Stance]] = {}
        for r in self.conn.execute(
                """SELECT st.quote_id, st.topic, st.label, st.score, st.relevance FROM stance st
                   JOIN quotes q ON q.id = st.quote_id WHERE q.article_id = ? ORDER BY st.topic""",
                (article_id,)):
            stance.setdefault(r[0], {})[r[1]] = Stance(r[2], r[3], r[4])
        return [_quote_from_row(r, stance.get(r["id"], {})) for r in rows]

    def speakers(self, *, min_quotes: int = 0) -> list[SpeakerRow]:
        """Canonical speakers with aliases, article and quote counts, most quoted first."""
        aliases = self.aliases_by_speaker()
        rows = self.conn.execute(
            """SELECT s.id, s.name, s.kind, COUNT(DISTINCT q.article_id), COUNT(q.id) FROM speakers s
               LEFT JOIN quotes q ON q.speaker_id = s.id GROUP BY s.id
               HAVING COUNT(q.id) >= ? ORDER BY COUNT(q.id) DESC, s.name""", (min_quotes,)).fetchall()
        return [SpeakerRow(r[0], r[1], r[2], tuple(aliases.get(r[0], ())), r[3], r[4]) for r in rows]

    def runs(self) -> list[RunRow]:
        """Every run, oldest first."""
        rows = self.conn.execute("SELECT id, started_at, finished_at, model, topics, counts FROM runs ORDER BY id")
        return [RunRow(r[0], r[1], r[2], r[3], tuple(json.loads(r[4])), json.loads(r[5]) if r[5] else {})
                for r in rows]

    def topics(self) -> list[str]:
        """Every topic with at least one stance row."""
        return [r[0] for r in self.conn.execute("SELECT DISTINCT topic FROM stance ORDER BY topic")]

    def count_quotes(self) -> int:
        return cast(int, self.conn.execute("SELECT COUNT(*) FROM quotes").fetchone()[0])

    def count_raw_names(self) -> int:
        """Distinct (name, kind) pairs as extracted, before linking."""
        return cast(int, self.conn.execute("SELECT COUNT(*) FROM names").fetchone()[0])

    def quote_spans(self) -> list[tuple[str, int, int, str | None]]:
        """(article id, start, end, canonical speaker name or None) of every stored quote."""
        return self.conn.execute("""SELECT q.article_id, q.start, q."end", s.name FROM quotes q
                                    LEFT JOIN speakers s ON s.id = q.speaker_id""").fetchall()



    # -- what the reports read -------------------------------------------------------------------

    def speakers_named(self, name: str) -> set[int]:
        """Speaker ids whose canonical name or an alias is ``name`` (case-insensitive); when none is, those
        whose canonical name contains it."""
        key = name.strip().casefold()
        exact = {r[0] for r in self.conn.execute(
            """SELECT id FROM speakers WHERE lower(name) = ? UNION
               SELECT speaker_id FROM speaker_aliases WHERE lower(alias) = ?""", (key, key))}
        if not exact:
            exact = {r[0] for r in self.conn.execute("SELECT id, name FROM speakers")
                     if key in r[1].casefold()}
        return exact

    def speaker_names(self) -> dict[int, tuple[str, str]]:
        """Speaker id -> (canonical name, kind)."""
        return {r[0]: (r[1], r[2]) for r in self.conn.execute("SELECT id, name, kind FROM speakers")}

    def aliases_by_speaker(self) -> dict[int, list[str]]:
        """Speaker id -> its aliases, sorted."""
        aliases: dict[int, list[str]] = {}
        for sid, alias in self.conn.execute("SELECT speaker_id, alias FROM speaker_aliases ORDER BY alias"):
            aliases.setdefault(sid, []).append(alias)
        return aliases

    def stance_counts(self, where: StanceFilter, min_quotes: int) -> list[StanceCounts]:
        """Label counts per (speaker, topic) with at least ``min_quotes`` quotes."""
        cond, params, uses_articles = where.sql()
        join_a = "JOIN articles a ON a.id = q.article_id" if uses_articles else ""
        rows = self.conn.execute(
            f"""SELECT q.speaker_id, s.topic, COUNT(*),
                       SUM(s.label = 'favor'), SUM(s.label = 'against'), SUM(s.label = 'none'),
                       AVG(CASE WHEN s.label != 'none' THEN s.score END), AVG(q.confidence)
                FROM stance s JOIN quotes q ON q.id = s.quote_id {join_a}
                WHERE {cond} GROUP BY q.speaker_id, s.topic HAVING COUNT(*) >= ?""",
            [*params, min_quotes])
        return [StanceCounts(*r) for r in rows]

    def top_quotes(self, where: StanceFilter, k: int) -> list[RankedQuote]:
        """The ``k`` highest-scored quotes of each (speaker, topic, label), best first."""
        cond, params, uses_articles = where.sql()
        join_a = "JOIN articles a ON a.id = q.article_id" if uses_articles else ""
        rows = self.conn.execute(
            f"""SELECT t.speaker_id, t.topic, t.label, t.score, q.article_id, q.idx, q.text,
                       a.title, a.date, a.url
                FROM (SELECT q.speaker_id, s.topic, s.label, s.score, s.quote_id,
                             ROW_NUMBER() OVER (PARTITION BY q.speaker_id, s.topic, s.label
                                                ORDER BY s.score DESC, s.quote_id) AS rn
                      FROM stance s JOIN quotes q ON q.id = s.quote_id {join_a} WHERE {cond}) t
                JOIN quotes q ON q.id = t.quote_id JOIN articles a ON a.id = q.article_id
                WHERE t.rn <= ? ORDER BY t.speaker_id, t.topic, t.label, t.rn""",
            [*params, k])
        return [RankedQuote(*r) for r in rows]

    def date_span(self, where: StanceFilter) -> tuple[str | None, str | None]:
        """First and last article date (YYYY-MM-DD prefix) of the matching stance rows."""
        cond, params, _ = where.sql()
        first, last = self.conn.execute(
            f"""SELECT MIN(substr(a.date, 1, 10)), MAX(substr(a.date, 1, 10)) FROM stance s
                JOIN quotes q ON q.id = s.quote_id JOIN articles a ON a.id = q.article_id
                WHERE {cond} AND a.date IS NOT NULL""", params).fetchone()
        return first, last

    def counts_by_period(self, where: StanceFilter, width: int) -> list[PeriodCounts]:
        """Label counts per (speaker, topic, period), the period being the article date's first ``width``
        characters (10: day, 7: month); by period."""
        cond, params, _ = where.sql()
        rows = self.conn.execute(
            f"""SELECT q.speaker_id, s.topic, substr(a.date, 1, {int(width)}) AS period, COUNT(*),
                       SUM(s.label = 'favor'), SUM(s.label = 'against'), SUM(s.label = 'none')
                FROM stance s JOIN quotes q ON q.id = s.quote_id JOIN articles a ON a.id = q.article_id
                WHERE {cond} AND a.date IS NOT NULL
                GROUP BY q.speaker_id, s.topic, period ORDER BY period""", params)
        return [PeriodCounts(*r) for r in rows]

    def newest_quotes(self, where: StanceFilter, speaker_ids: Sequence[int], topics: Sequence[str],
                      limit: int) -> list[ChosenQuote]:
        """Up to ``limit`` newest matching quotes per speaker (on any of ``topics``), with the speaker's total."""
        cond, params, _ = where.sql()
        sid_list = ",".join(str(int(i)) for i in speaker_ids)
        topic_marks = ",".join("?" * len(topics))
        rows = self.conn.execute(
            f"""SELECT id, speaker_id, total FROM (
                    SELECT q.id, q.speaker_id, COUNT(*) OVER (PARTITION BY q.speaker_id) AS total,
                           ROW_NUMBER() OVER (PARTITION BY q.speaker_id
                                              ORDER BY a.date IS NULL, a.date DESC, q.article_id, q.idx) AS rn
                    FROM quotes q JOIN articles a ON a.id = q.article_id
                    WHERE q.id IN (SELECT DISTINCT s.quote_id FROM stance s JOIN quotes q ON q.id = s.quote_id
                                   JOIN articles a ON a.id = q.article_id WHERE {cond}
                                   AND q.speaker_id IN ({sid_list}) AND s.topic IN ({topic_marks})))
                WHERE rn <= ?""", [*params, *topics, limit])
        return [ChosenQuote(*r) for r in rows]

    def stance_of_quotes(self, quote_ids: Sequence[int]) -> list[tuple[int, str, str, float]]:
        """(quote id, topic, label, score) of every stance row of these quotes."""
        out: list[tuple[int, str, str, float]] = []
        for chunk in range(0, len(quote_ids), _CHUNK):
            part = quote_ids[chunk:chunk + _CHUNK]
            marks = ",".join("?" * len(part))
            out += self.conn.execute(
                f"SELECT quote_id, topic, label, score FROM stance WHERE quote_id IN ({marks})", part).fetchall()
        return out

    def quotes_in_articles(self, quote_ids: Sequence[int]) -> list[QuoteInArticle]:
        """These quotes' offsets with their article's title, date and url."""
        out: list[QuoteInArticle] = []
        for chunk in range(0, len(quote_ids), _CHUNK):
            part = quote_ids[chunk:chunk + _CHUNK]
            marks = ",".join("?" * len(part))
            out += (QuoteInArticle(*r) for r in self.conn.execute(
                f"""SELECT q.id, q.speaker_id, q.article_id, q.idx, q.text, q.start, q."end", q.mention_start,
                           q.mention_end, a.title, a.date, a.url FROM quotes q
                    JOIN articles a ON a.id = q.article_id WHERE q.id IN ({marks})""", part))
        return out

    def article_text(self, article_id: str) -> str:
        """The stored text of this article; :class:`StoreError` if unknown."""
        row = self.conn.execute("SELECT text FROM articles WHERE id = ?", (article_id,)).fetchone()
        if row is None:
            raise StoreError(f"no article {article_id!r} in store {self.path}")
        return cast(str, row[0])


def _quote_from_row(r: sqlite3.Row, stance: dict[str, Stance]) -> Quote:
    speaker = None
    if r["speaker_name"] is not None:
        speaker = Speaker(r["canonical"] or r["speaker_name"], r["mention"] or "", r["mention_start"],
                          r["mention_end"], cast(SpeakerKind, r["canonical_kind"] or r["speaker_kind"]))
    cue = Span(r["cue_start"], r["cue_end"], r["cue_text"]) if r["cue_text"] is not None else None
    statement = (Span(r["statement_start"], r["statement_end"], r["statement_text"])
                 if r["statement_text"] is not None else None)
    return Quote(r["article_id"], r["idx"], cast(QuoteKind, r["kind"]), Span(r["start"], r["end"], r["text"]),
                 cue, speaker, r["confidence"], statement, stance)
