"""Write quotes as JSONL, CSV or Parquet, atomically: a run that is interrupted leaves no half-written file."""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

FORMATS = ("jsonl", "csv", "parquet")
CSV_FIELDS = ["article", "id", "kind", "text", "start", "end", "cue", "cue_start", "cue_end", "speaker",
              "speaker_mention", "speaker_start", "speaker_end", "speaker_kind", "confidence"]


@contextmanager
def atomic_output(path: Path, binary: bool = False) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path`` (text, or ``binary``); it replaces ``path`` only if the block
    finishes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with (os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="")) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def csv_row(record: dict[str, Any], topics: list[str]) -> dict[str, Any]:
    cue = record.get("cue") or {}
    speaker = record.get("speaker") or {}
    row = {"article": record["article"], "id": record["id"], "kind": record["kind"], "text": record["text"],
           "start": record["start"], "end": record["end"], "cue": cue.get("text"), "cue_start": cue.get("start"),
           "cue_end": cue.get("end"), "speaker": speaker.get("name"), "speaker_mention": speaker.get("mention"),
           "speaker_start": speaker.get("start"), "speaker_end": speaker.get("end"),
           "speaker_kind": speaker.get("kind"), "confidence": record["confidence"]}
    for topic in topics:
        stance = record.get("stance", {}).get(topic) or {}
        row[f"stance_{topic}"] = stance.get("label")
        row[f"stance_{topic}_score"] = stance.get("score")
        row[f"stance_{topic}_relevance"] = stance.get("relevance")
    return row


def table_fields(topics: list[str]) -> list[str]:
    """The columns of the CSV and Parquet outputs: one row a quote, three columns a topic."""
    return CSV_FIELDS + [f for t in topics for f in (f"stance_{t}", f"stance_{t}_score", f"stance_{t}_relevance")]


def parquet_schema(topics: list[str]) -> Any:
    """The Parquet output's schema: the CSV's columns, typed."""
    import pyarrow as pa

    types = {"start": pa.int64(), "end": pa.int64(), "cue_start": pa.int64(), "cue_end": pa.int64(),
             "speaker_start": pa.int64(), "speaker_end": pa.int64(), "confidence": pa.float64()}
    for t in topics:
        types[f"stance_{t}_score"] = pa.float64()
        types[f"stance_{t}_relevance"] = pa.float64()
    return pa.schema([(name, types.get(name, pa.string())) for name in table_fields(topics)])


class QuoteWriter:
    """Streams quote records (``Quote.to_dict()``) to an open file as JSONL, CSV (header first) or Parquet (a
    binary file; rows are written in row groups of ``row_group`` quotes). Call :meth:`close` at the end (the
    Parquet footer)."""

    def __init__(self, fh: IO[Any], fmt: str, topics: list[str], row_group: int = 10_000) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format '{fmt}'; expected one of {', '.join(FORMATS)}")
        self.fh, self.fmt, self.topics = fh, fmt, topics
        self.csv: csv.DictWriter[str] | None = None
        self.parquet: Any = None
        self.rows: list[dict[str, Any]] = []
        self.row_group = row_group
        if fmt == "csv":
            self.csv = csv.DictWriter(fh, fieldnames=table_fields(topics))
            self.csv.writeheader()
        elif fmt == "parquet":
            import pyarrow.parquet as pq

            self.schema = parquet_schema(topics)
            self.parquet = pq.ParquetWriter(fh, self.schema)

    def write(self, records: Iterable[dict[str, Any]]) -> None:
        for record in records:
            if self.parquet is not None:
                self.rows.append(csv_row(record, self.topics))
            elif self.csv is not None:
                self.csv.writerow(csv_row(record, self.topics))
            else:
                self.fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        if self.parquet is not None and len(self.rows) >= self.row_group:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        if self.rows:
            self.parquet.write_table(pa.Table.from_pylist(self.rows, schema=self.schema))
            self.rows = []

    def close(self) -> None:
        """Finish the file (for Parquet: the last rows and the footer)."""
        if self.parquet is not None:
            self._flush()
            self.parquet.close()
            self.parquet = None
