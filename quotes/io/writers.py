"""Write quotes as JSONL or CSV, atomically: a run that is interrupted leaves no half-written file."""

from __future__ import annotations

import csv
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

FORMATS = ("jsonl", "csv")
CSV_FIELDS = ["article", "id", "kind", "text", "start", "end", "cue", "cue_start", "cue_end", "speaker",
              "speaker_mention", "speaker_start", "speaker_end", "speaker_kind", "confidence"]


@contextmanager
def atomic_output(path: Path) -> Iterator[IO[str]]:
    """Open a temporary file beside ``path``; it replaces ``path`` only if the block finishes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
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


class QuoteWriter:
    """Streams quote records (``Quote.to_dict()``) to an open file as JSONL or CSV (header first)."""

    def __init__(self, fh: IO[str], fmt: str, topics: list[str]) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format '{fmt}'; expected one of {', '.join(FORMATS)}")
        self.fh, self.fmt, self.topics = fh, fmt, topics
        self.csv: csv.DictWriter[str] | None = None
        if fmt == "csv":
            fields = CSV_FIELDS + [f for t in topics for f in (f"stance_{t}", f"stance_{t}_score", f"stance_{t}_relevance")]
            self.csv = csv.DictWriter(fh, fieldnames=fields)
            self.csv.writeheader()

    def write(self, records: Iterable[dict[str, Any]]) -> None:
        for record in records:
            if self.csv is not None:
                self.csv.writerow(csv_row(record, self.topics))
            else:
                self.fh.write(json.dumps(record, ensure_ascii=False) + "\n")
