"""The results store: one embedded SQLite file (``quotes.db`` by default) in WAL mode.

Readers work while a batch is being written; every batch is one transaction, so an interrupted run
keeps every batch it committed, and a re-run skips articles whose content and processing key did not
change.

The API ``quotes extract`` calls::

    with Store(path) as store:                       # creates or opens; also store.close()
        run_id = store.begin_run(model, topics)      # model: str | None, topics: list[str]
        for batch in batches:
            todo = [a for a in batch if not store.is_current(a.id, content_hash, processing_key)]
            ...                                      # model work on ``todo`` only
            store.write_batch(run_id, [(article, content_hash, processing_key, quotes), ...])
        store.finish_run(run_id, {"articles": n, "quotes": m, "skipped": k})

``write_batch`` replaces each article's previous quotes and stance, records the raw speaker names and
re-links speakers across the whole store (:mod:`quotes.linking`, with the aliases file given to
``Store`` or ``quotes-aliases.toml`` next to the store), all in one transaction.

Readers (``open_store(path, aliases_path)`` opens an existing store and re-links speakers):
:meth:`Store.articles`, :meth:`Store.article`, :meth:`Store.find_article`,
:meth:`Store.quotes_for_article`, :meth:`Store.speakers`, :meth:`Store.runs`, :meth:`Store.topics`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, cast

from quotes.linking import Aliases, default_aliases_path, is_name_form, link_names, load_aliases, name_tokens
from quotes.types import Article, Quote, QuoteKind, Span, Speaker, SpeakerKind, Stance

SCHEMA_VERSION = 2  # 2: stance.relevance
DEFAULT_STORE = "quotes.db"

BatchItem = tuple[Article, str, str, Sequence[Quote]]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    model TEXT,
    topics TEXT NOT NULL,            -- JSON list
    counts TEXT                      -- JSON object
);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    path TEXT NOT NULL DEFAULT '',
    content_hash TEXT NOT NULL,
    processing_key TEXT NOT NULL,    -- model key + topics key the article was processed with
    date TEXT, title TEXT, url TEXT, source TEXT,
    text TEXT NOT NULL,
    run_id INTEGER REFERENCES runs(id),
    processed_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_date ON articles(date);
CREATE TABLE IF NOT EXISTS speakers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,              -- canonical across the store
    kind TEXT NOT NULL,
    UNIQUE (name, kind)
);
CREATE TABLE IF NOT EXISTS speaker_aliases (
    speaker_id INTEGER NOT NULL REFERENCES speakers(id) ON DELETE CASCADE,
    alias TEXT NOT NULL,
    PRIMARY KEY (speaker_id, alias)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS names (     -- raw (name, kind) as extracted, and the speaker it links to
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    speaker_id INTEGER REFERENCES speakers(id),
    PRIMARY KEY (name, kind)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS name_forms (  -- every mention form seen for a raw name
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    form TEXT NOT NULL,
    PRIMARY KEY (name, kind, form)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS quotes (
    id INTEGER PRIMARY KEY,
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
    cue_text TEXT, cue_start INTEGER, cue_end INTEGER,
    statement_text TEXT, statement_start INTEGER, statement_end INTEGER,
    speaker_id INTEGER REFERENCES speakers(id),
    speaker_name TEXT, speaker_kind TEXT,
    mention TEXT, mention_start INTEGER, mention_end INTEGER,
    confidence REAL NOT NULL,
    UNIQUE (article_id, idx)
);
CREATE INDEX IF NOT EXISTS quotes_speaker ON quotes(speaker_id, article_id);
CREATE INDEX IF NOT EXISTS quotes_name ON quotes(speaker_name, speaker_kind);
CREATE TABLE IF NOT EXISTS stance (
    quote_id INTEGER NOT NULL REFERENCES quotes(id) ON DELETE CASCADE,
    topic TEXT NOT NULL,
    label TEXT NOT NULL CHECK (label IN ('favor', 'against', 'none')),
    score REAL NOT NULL,
    model TEXT,
    relevance REAL,                  -- the relevance gate's similarity (null: model without a gate)
    PRIMARY KEY (quote_id, topic)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS stance_topic ON stance(topic, label, score);
"""


class StoreError(Exception):
    """A store problem worth a clear message (missing file, unknown article, newer schema)."""


class StoreNotFoundError(StoreError, FileNotFoundError):
    """The store file does not exist (and was opened with ``create=False``)."""


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


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Store:
    """The SQLite results store; see the module docstring for the write API."""

    def __init__(self, path: str | Path = DEFAULT_STORE, *, aliases: Aliases | None = None,
                 create: bool = True, timeout: float = 30.0) -> None:
        """Open (or create) the store at ``path``.

        ``aliases`` defaults to ``quotes-aliases.toml`` next to the store when that file exists
        (an invalid file raises :class:`quotes.linking.AliasesError`).
        """
        self.path = Path(path)
        if not create and not self.path.exists():
            raise StoreNotFoundError(f"store {self.path} does not exist; run `quotes extract` first")
        if aliases is None:
            default = default_aliases_path(self.path)
            aliases = load_aliases(default) if default.is_file() else Aliases()
        self.aliases = aliases
        # incremental linking: the raw-name key -> speaker id of the last full linking, and the quotes then
        self._link_keys: dict[tuple[str, ...], int] | None = None
        self._linked_quotes = 0
        self.conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        try:
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA foreign_keys=ON")
            self._init_schema()
        except sqlite3.DatabaseError as exc:
            self.conn.close()
            raise StoreError(f"{self.path} is not a quotes store: {exc}") from None
        except BaseException:
            self.conn.close()
            raise

    # -- lifecycle -------------------------------------------------------------------------------

    def __enter__(self) -> Store:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (committed batches are already on disk)."""
        self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed on success, rolled back on any exception."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def _init_schema(self) -> None:
        row = None
        if self.conn.execute("SELECT 1 FROM sqlite_master WHERE name='meta'").fetchone():
            row = self.conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        if row is not None:
            if int(row[0]) > SCHEMA_VERSION:
                raise StoreError(f"store {self.path} has schema version {row[0]}; this version of quotes "
                                 f"reads up to {SCHEMA_VERSION}; upgrade quotes")
            if int(row[0]) < 2:  # version 1 had no stance.relevance: add the column, keep every row
                with self.transaction() as conn:
                    conn.execute("ALTER TABLE stance ADD COLUMN relevance REAL")
                    conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))
            return
        with self.transaction() as conn:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))

    @property
    def schema_version(self) -> int:
        row = self.conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        return int(row[0])

    # -- writing ---------------------------------------------------------------------------------

    def begin_run(self, model: str | None, topics: Sequence[str]) -> int:
        """Record the start of a processing run; return its id."""
        with self.transaction() as conn:
            cur = conn.execute("INSERT INTO runs (started_at, model, topics) VALUES (?, ?, ?)",
                               (_now(), model, json.dumps(list(topics))))
        return cast(int, cur.lastrowid)

    def finish_run(self, run_id: int, counts: dict[str, int]) -> None:
        """Mark the run finished with its counts (articles, quotes, skipped, ...); link the whole store."""
        with self.transaction() as conn:
            if self._relink(conn, self.aliases):
                self._remember_links(conn, cast(int, conn.execute("SELECT COUNT(*) FROM quotes").fetchone()[0]))
            cur = conn.execute("UPDATE runs SET finished_at = ?, counts = ? WHERE id = ?",
                               (_now(), json.dumps(counts), run_id))
            if cur.rowcount == 0:
                raise StoreError(f"no run {run_id} in store {self.path}")

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

    def write_batch(self, run_id: int, items: Sequence[BatchItem]) -> None:
        """Store a batch of processed articles in ONE transaction.

        Each item is ``(article, content_hash, processing_key, quotes)``; the article's previous
        quotes and stance are replaced and speakers are re-linked. On any error nothing of the
        batch is kept.
        """
        with self.transaction() as conn:
            run = conn.execute("SELECT model FROM runs WHERE id = ?", (run_id,)).fetchone()
            if run is None:
                raise StoreError(f"no run {run_id} in store {self.path}; call begin_run first")
            model = run[0]
            now = _now()
            replaced = 0
            for article, content_hash, processing_key, quotes in items:
                replaced += conn.execute("DELETE FROM quotes WHERE article_id = ?", (article.id,)).rowcount
                conn.execute(
                    """INSERT INTO articles (id, path, content_hash, processing_key, date, title, url,
                           source, text, run_id, processed_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)
                       ON CONFLICT(id) DO UPDATE SET path=excluded.path, content_hash=excluded.content_hash,
                           processing_key=excluded.processing_key, date=excluded.date, title=excluded.title,
                           url=excluded.url, source=excluded.source, text=excluded.text,
                           run_id=excluded.run_id, processed_at=excluded.processed_at""",
                    (article.id, article.path, content_hash, processing_key, article.date, article.title,
                     article.url, article.source, article.text, run_id, now))
                stance_rows: list[tuple[Any, ...]] = []
                forms: set[tuple[str, str, str]] = set()
                for q in quotes:
                    if q.article != article.id:
                        raise StoreError(f"quote {q.id} does not belong to article {article.id!r}")
                    sp = q.speaker
                    cur = conn.execute(
                        """INSERT INTO quotes (article_id, idx, kind, text, start, "end", cue_text,
                               cue_start, cue_end, statement_text, statement_start, statement_end,
                               speaker_name, speaker_kind, mention, mention_start, mention_end, confidence)
                           VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)""",
                        (article.id, q.index, q.kind, q.content.text, q.content.start, q.content.end,
                         q.cue.text if q.cue else None, q.cue.start if q.cue else None,
                         q.cue.end if q.cue else None,
                         q.statement.text if q.statement else None,
                         q.statement.start if q.statement else None,
                         q.statement.end if q.statement else None,
                         sp.name if sp else None, sp.kind if sp else None, sp.mention if sp else None,
                         sp.start if sp else None, sp.end if sp else None, q.confidence))
                    stance_rows.extend((cur.lastrowid, topic, s.label, s.score, model, s.relevance)
                                       for topic, s in q.stance.items())
                    if sp and sp.kind != "unresolved":
                        forms.add((sp.name, sp.kind, sp.name))
                        if is_name_form(sp.mention):
                            forms.add((sp.name, sp.kind, " ".join(sp.mention.split())))
                conn.executemany("INSERT INTO stance (quote_id, topic, label, score, model, relevance) "
                                 "VALUES (?,?,?,?,?,?)", stance_rows)
                conn.executemany("INSERT OR IGNORE INTO names (name, kind) VALUES (?, ?)",
                                 {(n, k) for n, k, _ in forms})
                conn.executemany("INSERT OR IGNORE INTO name_forms VALUES (?, ?, ?)", forms)
            self._link_batch(conn, {(n, k) for _, _, _, qs in items for q in qs if q.speaker
                                    for n, k in [(q.speaker.name, q.speaker.kind)] if k != "unresolved"},
                             full=replaced > 0)
            # the new quotes of names the store already linked: _relink only touches names whose link changed
            for article, *_ in items:
                conn.execute("""UPDATE quotes SET speaker_id = (SELECT n.speaker_id FROM names n
                                    WHERE n.name = quotes.speaker_name AND n.kind = quotes.speaker_kind)
                                WHERE article_id = ? AND speaker_name IS NOT NULL""", (article.id,))

    def _link_batch(self, conn: sqlite3.Connection, raw: set[tuple[str, str]], full: bool = False) -> None:
        """Link a batch's speaker names. The whole store is re-linked when it has grown by a twentieth since
        the last full linking (so its total cost stays proportional to the store's size); in between, a new
        name joins the speaker of a name with the same key (case, spacing, titles, initials) or becomes a
        speaker of its own. :meth:`finish_run` and :func:`open_store` link the whole store again."""
        quotes = cast(int, conn.execute("SELECT COUNT(*) FROM quotes").fetchone()[0])
        alias_forms = {name_tokens(f, "other") for e in self.aliases.entries for f in (e.name, *e.aliases)}
        if full or self._link_keys is None or quotes >= self._linked_quotes * 1.05 \
                or any(name_tokens(n, "other") in alias_forms for n, _ in raw):
            self._relink(conn, self.aliases)
            self._remember_links(conn, quotes)
            return
        known = {(r[0], r[1]) for r in conn.execute(
            "SELECT name, kind FROM names WHERE speaker_id IS NOT NULL")} if raw else set()
        for name, kind in sorted(raw - known):
            key = (kind, *name_tokens(name, kind))
            sid = self._link_keys.get(key)
            if sid is None:
                conn.execute("INSERT INTO speakers (name, kind) VALUES (?, ?) ON CONFLICT(name, kind) DO NOTHING",
                             (name, kind))
                sid = conn.execute("SELECT id FROM speakers WHERE name = ? AND kind = ?", (name, kind)).fetchone()[0]
                self._link_keys[key] = sid
            conn.execute("UPDATE names SET speaker_id = ? WHERE name = ? AND kind = ?", (sid, name, kind))
            conn.execute("""INSERT OR IGNORE INTO speaker_aliases SELECT ?, form FROM name_forms
                            WHERE name = ? AND kind = ? AND form != (SELECT name FROM speakers WHERE id = ?)""",
                         (sid, name, kind, sid))

    def _remember_links(self, conn: sqlite3.Connection, quotes: int) -> None:
        self._link_keys = {}
        for name, kind, sid in conn.execute("SELECT name, kind, speaker_id FROM names WHERE speaker_id IS NOT NULL"):
            self._link_keys.setdefault((kind, *name_tokens(name, kind)), sid)
        self._linked_quotes = quotes

    def relink(self, aliases: Aliases | None = None) -> bool:
        """Re-link speakers with ``aliases`` (default: the store's); return True if anything changed.

        Reads first and only takes the write lock when the linking differs from what is stored.
        """
        if aliases is not None:
            self.aliases = aliases
        if self._linking(self.conn, self.aliases) == self._stored_linking(self.conn):
            return False
        with self.transaction() as conn:
            return self._relink(conn, self.aliases)

    @staticmethod
    def _linking(conn: sqlite3.Connection, aliases: Aliases) -> dict[tuple[str, str], tuple[str, str]]:
        uses = conn.execute("""SELECT speaker_name, speaker_kind, COUNT(*) FROM quotes
                               WHERE speaker_name IS NOT NULL GROUP BY speaker_name, speaker_kind""").fetchall()
        mapping = link_names(((r[0], r[1], r[2]) for r in uses), aliases)
        return {raw: (c.name, c.kind) for raw, c in mapping.items()}

    @staticmethod
    def _stored_linking(conn: sqlite3.Connection) -> dict[tuple[str, str], tuple[str, str]]:
        rows = conn.execute("""SELECT n.name, n.kind, s.name, s.kind FROM names n
                               JOIN speakers s ON s.id = n.speaker_id""").fetchall()
        return {(r[0], r[1]): (r[2], r[3]) for r in rows}

    def _relink(self, conn: sqlite3.Connection, aliases: Aliases) -> bool:
        new = self._linking(conn, aliases)
        old = self._stored_linking(conn)
        if new == old:
            return False
        for name, kind in {c for c in new.values()}:
            conn.execute("""INSERT INTO speakers (name, kind) VALUES (?, ?)
                            ON CONFLICT(name, kind) DO NOTHING""", (name, kind))
        ids = {(r[0], r[1]): r[2] for r in conn.execute("SELECT name, kind, id FROM speakers")}
        for raw, canon in new.items():
            if old.get(raw) != canon:
                sid = ids[canon]
                conn.execute("UPDATE names SET speaker_id = ? WHERE name = ? AND kind = ?", (sid, *raw))
                conn.execute("UPDATE quotes SET speaker_id = ? WHERE speaker_name = ? AND speaker_kind = ?",
                             (sid, *raw))
        stale = [raw for raw in old if raw not in new]
        for raw in stale:  # names no quote uses any more
            conn.execute("DELETE FROM names WHERE name = ? AND kind = ?", raw)
            conn.execute("DELETE FROM name_forms WHERE name = ? AND kind = ?", raw)
        conn.execute("DELETE FROM names WHERE speaker_id IS NULL")
        conn.execute("DELETE FROM speakers WHERE id NOT IN (SELECT speaker_id FROM names)")
        conn.execute("DELETE FROM speaker_aliases")
        conn.execute("""INSERT OR IGNORE INTO speaker_aliases
                        SELECT n.speaker_id, f.form FROM names n JOIN name_forms f
                          ON f.name = n.name AND f.kind = n.kind
                        JOIN speakers s ON s.id = n.speaker_id WHERE f.form != s.name""")
        return True

    # -- reading ---------------------------------------------------------------------------------

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
        aliases: dict[int, list[str]] = {}
        for sid, alias in self.conn.execute("SELECT speaker_id, alias FROM speaker_aliases ORDER BY alias"):
            aliases.setdefault(sid, []).append(alias)
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


def open_store(path: str | Path, aliases_path: str | Path | None = None) -> Store:
    """Open an existing store for reading and link speakers with ``aliases_path`` (default: the
    ``quotes-aliases.toml`` next to the store, if any). Raises :class:`StoreNotFoundError`,
    :class:`StoreError` or :class:`quotes.linking.AliasesError`."""
    aliases = load_aliases(aliases_path) if aliases_path is not None else None
    store = Store(path, aliases=aliases, create=False)
    try:
        store.relink()
    except BaseException:
        store.close()
        raise
    return store


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
