"""The store's write side: runs, batches of processed articles, and the linking of speakers.

Every write is one transaction (:meth:`Writes.transaction`), so an interrupted run keeps every batch it
committed. ``write_batch`` replaces each article's previous quotes and stance, records the raw speaker names
and re-links speakers across the whole store (:mod:`quotes.linking`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from quotes.linking import Aliases, is_name_form, link_names, name_tokens
from quotes.store.schema import StoreError, transaction
from quotes.types import Article, Quote

BatchItem = tuple[Article, str, str, Sequence[Quote]]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Writes:
    """The write methods of :class:`quotes.store.Store` (which opens ``conn``)."""

    conn: sqlite3.Connection
    path: Path
    aliases: Aliases
    # incremental linking: the raw-name key -> speaker id of the last full linking, and the quotes then
    _link_keys: dict[tuple[str, ...], int] | None
    _linked_quotes: int

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed on success, rolled back on any exception."""
        with transaction(self.conn) as conn:
            yield conn

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
        for name, kind in sorted(set(new.values())):   # sorted: the same ids on every run
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

