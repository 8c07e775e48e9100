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

The tables and their migrations are in :mod:`quotes.store.schema`, the writes (and the linking of
speakers, with the aliases file given to ``Store`` or ``quotes-aliases.toml`` next to the store) in
:mod:`quotes.store.writes`, every read in :mod:`quotes.store.reads`. ``open_store(path, aliases_path)``
opens an existing store for reading and re-links speakers.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from types import TracebackType

from quotes.linking import Aliases, default_aliases_path, load_aliases
from quotes.store.reads import Reads
from quotes.store.schema import StoreError, StoreNotFoundError, init_schema, schema_version
from quotes.store.writes import Writes

DEFAULT_STORE = "quotes.db"


class Store(Reads, Writes):
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
        self._link_keys = None
        self._linked_quotes = 0
        self.conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        try:
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA foreign_keys=ON")
            init_schema(self.conn, self.path)
        except sqlite3.DatabaseError as exc:
            self.conn.close()
            raise StoreError(f"{self.path} is not a quotes store: {exc}") from None
        except BaseException:
            self.conn.close()
            raise

    def __enter__(self) -> Store:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (committed batches are already on disk)."""
        self.conn.close()

    @property
    def schema_version(self) -> int:
        return schema_version(self.conn)


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
