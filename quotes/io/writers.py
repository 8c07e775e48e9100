"""Write quotes as JSONL or CSV, atomically: a run that is interrupted leaves no half-written file."""

from __future__ import annotations

import csv
import io
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
    return row


def write_records(fh: IO[str], records: Iterable[dict[str, Any]], fmt: str, topics: list[str]) -> int:
    """Write quote records to ``fh`` in ``fmt``; returns how many were written."""
    n = 0
    if fmt == "jsonl":
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            n += 1
    elif fmt == "csv":
        fields = CSV_FIELDS + [f for t in topics for f in (f"stance_{t}", f"stance_{t}_score")]
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        for record in records:
            writer.writerow(csv_row(record, topics))
            n += 1
    else:
        raise ValueError(f"unknown format '{fmt}'; expected one of {', '.join(FORMATS)}")
    return n


def records_to_string(records: Iterable[dict[str, Any]], fmt: str, topics: list[str]) -> str:
    buf = io.StringIO()
    write_records(buf, records, fmt, topics)
    return buf.getvalue()
