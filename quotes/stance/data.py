"""Labelled stance examples: read and validate JSONL/CSV files, split off a dev set, build model inputs.

Each example has ``text``, ``topic`` (the topic phrase) and ``label`` (favor, against or none), and
optionally ``speaker``, ``cue``, ``context``, ``topic_id``, ``id`` and ``opposite`` (a phrase for the opposite
position: favor on the topic is against it; used by :func:`add_opposite_pairs`). The classifier reads the pair
``(topic, statement)`` built by :func:`format_pair`, both in training and in prediction.
"""

from __future__ import annotations

import csv
import json
import random
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quotes.stance.labelstudio import NotUsed, is_csv_export, read_csv_export, read_export
from quotes.types import STANCE_LABELS

if TYPE_CHECKING:
    # datasets (with pandas and pyarrow, ~0.4 s) is imported where a Dataset is built: the command line imports
    # this module for the options of `quotes train`, and every command and the stance child would pay for it.
    from datasets import Dataset

REQUIRED_FIELDS: tuple[str, ...] = ("text", "topic", "label")
COLUMNS: tuple[str, ...] = ("id", "text", "topic", "topic_id", "label", "speaker", "cue", "context", "opposite")
FLIPPED: dict[str, str] = {"favor": "against", "against": "favor", "none": "none"}
JSONL_SUFFIXES: tuple[str, ...] = (".jsonl", ".ndjson", ".json")
CSV_SUFFIXES: tuple[str, ...] = (".csv",)


class DataError(ValueError):
    """Invalid stance data; the message names the file, the line and the problem."""


def format_pair(topic: str, text: str, context: str | None = None) -> tuple[str, str]:
    """The classifier input for one example: ``(topic, statement)``.

    The statement is ``text``, preceded by ``context`` when one is given. Used by training and prediction.
    """
    text = " ".join(text.split())
    context = " ".join(context.split()) if context else ""
    return " ".join(topic.split()), f"{context} {text}" if context else text


def example_pair(example: Mapping[str, Any]) -> tuple[str, str]:
    """:func:`format_pair` applied to a record with ``topic``, ``text`` and optional ``context``."""
    return format_pair(example["topic"], example["text"], example.get("context") or None)


def topic_key(example: Mapping[str, Any]) -> str:
    """The key that groups examples by topic: ``topic_id`` when present, else the ``topic`` phrase."""
    return str(example.get("topic_id") or example["topic"])


# -- reading -----------------------------------------------------------------------------------------


def read_records(path: Path, *, require_label: bool = True,
                 not_used: list[NotUsed] | None = None) -> list[dict[str, str]]:
    """Read and validate the records of one JSONL, CSV or Label Studio export file, recognised by content.

    A ``.json`` file holding a JSON array is a Label Studio export (full or min JSON,
    :mod:`quotes.stance.labelstudio`), and so is a CSV whose header has Label Studio's export columns
    (:func:`~quotes.stance.labelstudio.is_csv_export`); another CSV with a ``pair`` column is a sheet written by
    ``quotes sample``, whose rows without a label are not answered yet. Tasks and rows that give no example (skipped, not
    answered, conflicting annotations) are appended to ``not_used`` when given. Every record has all
    :data:`COLUMNS` as strings (``""`` where absent) plus ``file`` (the file name) and ``line``. With
    ``require_label=False`` the label may be missing (for prediction). The whole file is read before anything
    is returned: :class:`DataError` names the file, the line or task, and the first problem.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"data file {path} not found")
    unused: list[NotUsed] = []
    if path.suffix.lower() == ".json" and _starts_with_array(path):
        exported, unused = read_export(_json_document(path), str(path))
        records = [_validate(raw, path, n, require_label=require_label) for n, raw in enumerate(exported, 1)]
    elif (header := label_studio_csv_header(path)) is not None:
        exported, unused = read_csv_export(header, _csv_records(path, required=(), strict=True), str(path))
        records = [_validate(raw, path, n, require_label=require_label) for n, raw in enumerate(exported, 1)]
    else:
        records = []
        for line, raw in _raw_records(path):
            if require_label and _unanswered_sheet_row(path, raw):
                unused.append(NotUsed(f"{path} line {line}", "no answer"))
                continue
            if isinstance(raw, dict) and raw.get("pair") and not raw.get("id"):
                raw = {**raw, "id": raw["pair"]}
            records.append(_validate(raw, path, line, require_label=require_label))
    if not_used is not None:
        not_used.extend(unused)
    if not records:
        why = f" ({len(unused)} tasks without a usable answer)" if unused else ""
        raise DataError(f"no examples in {path}{why}")
    return records


def _starts_with_array(path: Path) -> bool:
    with path.open(encoding="utf-8-sig", errors="replace") as fh:
        while chunk := fh.read(4096):
            stripped = chunk.lstrip()
            if stripped:
                return stripped.startswith("[")
    return False


def _json_document(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path} is not UTF-8 text: {exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"bad JSON in {path} line {exc.lineno} column {exc.colno}: {exc.msg}; nothing was "
                        "read from this file") from None


def label_studio_csv_header(path: Path) -> list[str] | None:
    """The header of ``path`` when it is a Label Studio CSV export, else ``None`` (also for other files)."""
    if path.suffix.lower() not in CSV_SUFFIXES:
        return None
    try:
        header = next(csv.reader(_open_text(path)), [])
    except csv.Error as exc:
        raise DataError(f"bad CSV in {path} line 1: {exc}") from None
    return header if is_csv_export(header) else None


def label_studio_csv_rows(path: Path) -> list[dict[str, str]] | None:
    """Every row of a Label Studio CSV export (answered or not, empty cells left out); ``None`` for other files."""
    if label_studio_csv_header(path) is None:
        return None
    return [row for _, row in _csv_records(path, required=("text", "topic"), strict=True)]


def _unanswered_sheet_row(path: Path, raw: Any) -> bool:
    """A row of a ``quotes sample`` CSV sheet (it has a ``pair`` column) whose label is still empty."""
    return (path.suffix.lower() in CSV_SUFFIXES and isinstance(raw, dict) and bool(raw.get("pair"))
            and not str(raw.get("label") or "").strip())


def load_examples(paths: Path | Sequence[Path], not_used: list[NotUsed] | None = None) -> Dataset:
    """Load labelled examples from one or more JSONL/CSV/Label Studio files into a :class:`datasets.Dataset`.

    Tasks that give no example are appended to ``not_used`` (see :func:`read_records`). Raises
    :class:`DataError` for invalid records or when the files hold fewer than two distinct labels.
    """
    paths = [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]
    if not paths:
        raise DataError("no data files given")
    records: list[dict[str, str]] = []
    for path in paths:
        records.extend(read_records(path, not_used=not_used))
    names = ", ".join(str(p) for p in paths)
    check_labels(records, names)
    return records_to_dataset(records)


def check_labels(records: Sequence[Mapping[str, Any]], source: str) -> None:
    """Raise :class:`DataError` when ``records`` hold fewer than two distinct labels."""
    labels = sorted({r["label"] for r in records})
    if len(labels) < 2:
        found = f"only the label '{labels[0]}'" if labels else "no labels"
        raise DataError(
            f"{source} has {found}; a stance classifier needs examples of at least two of "
            f"{', '.join(STANCE_LABELS)}"
        )


def records_to_dataset(records: Iterable[Mapping[str, Any]]) -> Dataset:
    """A :class:`datasets.Dataset` with the string columns :data:`COLUMNS`.

    A record without an ``id`` gets ``"<file>:<line>"`` when it came from :func:`read_records`.
    """
    rows = [dict(r) for r in records]
    for r in rows:
        if not r.get("id") and r.get("file"):
            r["id"] = f"{r['file']}:{r['line']}"
    from datasets import Dataset

    return Dataset.from_dict({col: [str(r.get(col) or "") for r in rows] for col in COLUMNS})


def _raw_records(path: Path) -> Iterator[tuple[int, Any]]:
    suffix = path.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        yield from _jsonl_records(path)
    elif suffix in CSV_SUFFIXES:
        yield from _csv_records(path)
    else:
        raise DataError(
            f"cannot read {path}: unknown file type '{suffix}'; expected "
            f"{', '.join(JSONL_SUFFIXES + CSV_SUFFIXES)}"
        )


def _open_text(path: Path) -> Iterator[str]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            yield from fh
    except UnicodeDecodeError as exc:
        raise DataError(f"{path} is not UTF-8 text: {exc}") from None


def _jsonl_records(path: Path) -> Iterator[tuple[int, Any]]:
    for line_no, line in enumerate(_open_text(path), start=1):
        if not line.strip():
            continue
        try:
            yield line_no, json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"bad JSON in {path} line {line_no}: {exc.msg} (column {exc.colno})") from None


def _csv_records(path: Path, required: Sequence[str] = ("text", "topic"),
                 strict: bool = False) -> Iterator[tuple[int, Any]]:
    """``(line, row)`` of a CSV file with a header, empty cells left out. ``strict``: bad quoting and a row
    with fewer cells than the header (a file cut short) are errors, as for a file a program wrote."""
    lines = _open_text(path)
    reader = csv.DictReader(lines, strict=strict)
    try:
        header = reader.fieldnames or []
        missing = [f for f in required if f not in header]
        if missing:
            raise DataError(
                f"missing field '{missing[0]}' in {path} header; the header must name "
                f"{', '.join(REQUIRED_FIELDS)}"
            )
        for row in reader:
            if not any((v or "").strip() for k, v in row.items() if k is not None):
                continue
            if None in row:
                raise DataError(f"too many columns in {path} line {reader.line_num}")
            if strict and None in row.values():
                raise DataError(f"too few columns in {path} line {reader.line_num} (is the file cut short?)")
            yield reader.line_num, {k: v for k, v in row.items() if v not in (None, "")}
    except csv.Error as exc:
        raise DataError(f"bad CSV in {path} line {reader.reader.line_num}: {exc}") from None


def _validate(raw: Any, path: Path, line: int, *, require_label: bool) -> dict[str, str]:
    where = f"{path} line {line}"
    if not isinstance(raw, dict):
        raise DataError(f"expected a JSON object in {where}, got {type(raw).__name__}")
    fields = REQUIRED_FIELDS if require_label else ("text", "topic")
    for name in fields:
        if raw.get(name) is None:
            raise DataError(f"missing field '{name}' in {where}")
    record: dict[str, str] = {}
    for name in COLUMNS:
        value = raw.get(name)
        if value is None:
            record[name] = ""
        elif isinstance(value, str) or (name == "id" and isinstance(value, int) and not isinstance(value, bool)):
            record[name] = str(value)
        else:
            raise DataError(f"field '{name}' must be a string in {where}, got {type(value).__name__}")
    if not record["text"].strip():
        raise DataError(f"empty text in {where}")
    if not record["topic"].strip():
        raise DataError(f"empty topic in {where}")
    label = record["label"].strip().lower()
    if label or require_label:
        if label not in STANCE_LABELS:
            raise DataError(f"unknown label '{record['label']}' in {where}; expected {', '.join(STANCE_LABELS)}")
        record["label"] = label
    record["file"] = path.name
    record["line"] = str(line)
    return record


# -- dev split ---------------------------------------------------------------------------------------


def split_by_topics(data: Dataset, dev_topics: Sequence[str]) -> tuple[Dataset, Dataset]:
    """Hold out every example whose :func:`topic_key` is in ``dev_topics``: returns ``(train, dev)``."""
    wanted = {t.strip() for t in dev_topics if t.strip()}
    if not wanted:
        raise DataError("no dev topics given")
    keys = [topic_key(row) for row in data]
    present = set(keys)
    unknown = sorted(wanted - present)
    if unknown:
        shown = ", ".join(sorted(present)[:20]) + (", ..." if len(present) > 20 else "")
        raise DataError(f"dev topic(s) {', '.join(unknown)} not in the data; topics are: {shown}")
    dev_idx = [i for i, k in enumerate(keys) if k in wanted]
    train_idx = [i for i, k in enumerate(keys) if k not in wanted]
    if not train_idx:
        raise DataError("the dev topics cover every example; nothing is left to train on")
    return data.select(train_idx), data.select(dev_idx)


def load_split(
    data: Sequence[Path], dev: Path | None = None, dev_topics: Sequence[str] = (),
    not_used: list[NotUsed] | None = None,
) -> tuple[Dataset, Dataset | None]:
    """Load training data and its dev split: from the file ``dev``, or by held-out ``dev_topics``.

    Returns ``(train, dev)``; ``dev`` is ``None`` when neither is given. Training tasks that give no example
    are appended to ``not_used``.
    """
    if dev is not None and dev_topics:
        raise DataError("give either a dev file or dev topics, not both")
    train = load_examples(data, not_used=not_used)
    if dev is not None:
        return train, records_to_dataset(read_records(dev))
    if dev_topics:
        train, dev_set = split_by_topics(train, dev_topics)
        check_labels(list(train), "the training split")
        return train, dev_set
    return train, None


# -- augmentation ------------------------------------------------------------------------------------

_STOP = frozenset({
    "about", "above", "after", "again", "against", "also", "among", "been", "before", "being",
    "between", "both", "could", "does", "doing", "down", "during", "each", "from", "further", "have",
    "having", "here", "into", "more", "most", "other", "over", "same", "should", "some", "such", "than",
    "that", "their", "them", "then", "there", "these", "they", "this", "those", "through", "under",
    "until", "very", "what", "when", "where", "which", "while", "will", "with", "would", "your"
})
_WORD = re.compile(r"[^\W\d_]{4,}", re.UNICODE)


def _stems(text: str) -> set[str]:
    return {w[:5] for w in (m.group().lower() for m in _WORD.finditer(text)) if w not in _STOP}


def add_none_pairs(data: Dataset, ratio: float, seed: int = 0) -> Dataset:
    """Augment ``data`` with cross-topic ``none`` examples: a statement paired with another topic's phrase.

    Adds about ``ratio * len(data)`` examples. A statement is only paired with a topic whose content
    words (4+ letters, compared by their first five letters) do not occur in it, so that the new pair
    is very unlikely to carry a stance. Deterministic for a given ``seed``.
    """
    if ratio <= 0 or len(data) == 0:
        return data
    phrases: dict[str, str] = {}
    for row in data:
        phrases.setdefault(topic_key(row), row["topic"])
    if len(phrases) < 2:
        return data
    topics = sorted(phrases.items())
    topic_stems = {key: _stems(phrase) for key, phrase in topics}
    rng = random.Random(seed)
    target = round(ratio * len(data))
    order = list(range(len(data)))
    rng.shuffle(order)
    added: list[dict[str, str]] = []
    for i in order * 2:  # a second pass if too many candidates were skipped
        if len(added) >= target:
            break
        row = data[i]
        own = topic_key(row)
        text_stems = _stems(f"{row['context']} {row['text']}")
        for _ in range(5):
            key, phrase = topics[rng.randrange(len(topics))]
            if key != own and not (topic_stems[key] & text_stems):
                added.append({**row, "id": f"{row['id']}+none:{key}", "topic": phrase, "topic_id": key,
                              "label": "none"})
                break
    rows = list(data) + added
    return records_to_dataset(rows)


def add_speaker_pairs(data: Dataset, ratio: float, seed: int = 0) -> Dataset:
    """Augment ``data`` with ``none`` examples whose topic is the statement's own speaker.

    A speaker who attacks or defends something takes no stance on themselves by saying so, yet a classifier
    trained only on (statement, topic) pairs where the named topic is the target learns that a name in a
    critical sentence is its target: on real news it read "Clinton called half of Trump's supporters
    deplorables" as against Clinton. For about ``ratio`` of the favor/against examples that name a speaker,
    this adds the statement paired with the speaker's name, labelled ``none``. Examples whose topic shares
    a content word with the speaker (a speaker on their own party or country) are left out. Deterministic
    for a given ``seed``.
    """
    if ratio <= 0 or len(data) == 0 or "speaker" not in data.column_names:
        return data
    rng = random.Random(seed)
    added: list[dict[str, str]] = []
    for row in data:
        speaker = (row.get("speaker") or "").strip()
        if row["label"] == "none" or not speaker or rng.random() >= ratio:
            continue
        if _stems(speaker) & _stems(row["topic"]) or not _stems(speaker):
            continue
        added.append({**row, "id": f"{row['id']}+speaker", "topic": speaker, "topic_id": f"speaker:{speaker}",
                      "label": "none"})
    return records_to_dataset(list(data) + added) if added else data


def add_opposite_pairs(data: Dataset, ratio: float, seed: int = 0) -> Dataset:
    """Augment ``data`` with topic-flipped copies: the statement paired with its ``opposite`` phrase and the
    opposite label (favor and against swap, none stays none).

    "X rejected calls for a ceasefire" is against "a ceasefire" and so favor "fighting on"; training on both
    pairs makes the model read the topic phrase for the direction of a stance instead of guessing it from
    what the topic's words suggest. Adds about ``ratio`` times the number of examples that have an
    ``opposite``; examples without one are left alone. Deterministic for a given ``seed``.
    """
    eligible = [i for i, row in enumerate(data) if row.get("opposite")]
    if ratio <= 0 or not eligible:
        return data
    rng = random.Random(seed)
    chosen = sorted(rng.sample(eligible, min(len(eligible), round(ratio * len(eligible)))))
    added = []
    for i in chosen:
        row = data[i]
        added.append({**row, "id": f"{row['id']}+opposite", "topic": row["opposite"], "opposite": row["topic"],
                      "topic_id": f"{topic_key(row)}~opposite", "label": FLIPPED[row["label"]]})
    return records_to_dataset(list(data) + added)


def label_counts(data: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """How many examples carry each label, in :data:`STANCE_LABELS` order."""
    counts = Counter(row["label"] for row in data)
    return {label: counts.get(label, 0) for label in STANCE_LABELS}
