"""The results store: one embedded SQLite file; the only place that knows its tables."""

from quotes.store.db import (
    DEFAULT_STORE,
    SCHEMA_VERSION,
    ArticleRow,
    RunRow,
    SpeakerRow,
    Store,
    StoreError,
    StoreNotFoundError,
    open_store,
)

__all__ = ["DEFAULT_STORE", "SCHEMA_VERSION", "ArticleRow", "RunRow", "SpeakerRow", "Store", "StoreError",
           "StoreNotFoundError", "open_store"]
