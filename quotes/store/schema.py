"""The store's tables, their version, and the migration of older stores; the store's errors.

:class:`quotes.store.Store` runs :func:`init_schema` when it opens a file: a new file gets every table, a
store of an older version is upgraded in place (every row kept), a newer one is refused.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SCHEMA_VERSION = 2  # 2: stance.relevance

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


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction: committed on success, rolled back on any exception."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def init_schema(conn: sqlite3.Connection, path: Path) -> None:
    """Create the tables of a new store, or upgrade an older one; refuse a newer one."""
    row = None
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name='meta'").fetchone():
        row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    if row is not None:
        if int(row[0]) > SCHEMA_VERSION:
            raise StoreError(f"store {path} has schema version {row[0]}; this version of quotes "
                             f"reads up to {SCHEMA_VERSION}; upgrade quotes")
        if int(row[0]) < 2:  # version 1 had no stance.relevance: add the column, keep every row
            with transaction(conn):
                conn.execute("ALTER TABLE stance ADD COLUMN relevance REAL")
                conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))
        return
    with transaction(conn):
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))


def schema_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    return int(row[0])
