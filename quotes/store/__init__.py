"""The results store: one embedded SQLite file, and the only code that knows its tables.

``schema`` (tables, version, migrations), ``writes`` (runs, batches, speaker linking), ``reads`` (every
query), and ``db`` (:class:`Store`, which opens the file and has both sides' methods).
"""

from quotes.store.db import DEFAULT_STORE, Store, open_store
from quotes.store.reads import ArticleRow, RunRow, SpeakerRow, StanceFilter
from quotes.store.schema import SCHEMA_VERSION, StoreError, StoreNotFoundError
from quotes.store.writes import BatchItem

__all__ = ["DEFAULT_STORE", "SCHEMA_VERSION", "ArticleRow", "BatchItem", "RunRow", "SpeakerRow", "StanceFilter",
           "Store", "StoreError", "StoreNotFoundError", "open_store"]
