"""Read articles from files and folders: .txt, .md, .html/.htm, .json, .jsonl and .parquet.

Reading never raises for a bad file: each input yields either an ``Article`` or a ``Skipped`` record that
names the file and the reason, so one broken article never stops a batch.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quotes.types import Article

TEXT_SUFFIXES = {".txt", ".md"}
HTML_SUFFIXES = {".html", ".htm"}
JSON_SUFFIXES = {".json", ".jsonl"}
PARQUET_SUFFIXES = {".parquet"}
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES | PARQUET_SUFFIXES
# Files that may hold any number of articles (one a line, one a row).
MANY_ARTICLES = {".jsonl"} | PARQUET_SUFFIXES
# The fields of a JSON record or Parquet row that make an article; only "text" is required.
RECORD_FIELDS = ("text", "id", "title", "date", "url", "source")

# "date 2023-03-02", "Title: ...", "source = BBC" at the top of a text file.
_META_LINE = re.compile(r"^[ \t]*(date|title|url|source)[ \t]*[:=]?[ \t]+(\S.*?)[ \t]*$", re.IGNORECASE)
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(\n|\Z)", re.DOTALL)


@dataclass(frozen=True)
class Skipped:
    """An input that produced no article, and why."""

    path: str
    reason: str


@dataclass
class ReadResult:
    """What reading one file gave: articles, skips, and warnings (e.g. a non-UTF-8 encoding)."""

    articles: list[Article] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def iter_files(paths: Iterable[Path], skipped: list[Skipped] | None = None) -> Iterator[tuple[Path, Path]]:
    """Yield ``(file, root)`` for every file under ``paths``; ``root`` is what ids are relative to.

    Folders are walked recursively in sorted order; hidden files and folders are ignored. What cannot be
    walked (a folder without permission) goes to ``skipped``; a dangling symbolic link is yielded, so that
    reading it says what is wrong.
    """
    for path in paths:
        if not path.is_dir():
            yield path, path.parent
            continue
        found: list[Path] = []

        def unwalkable(exc: OSError, top: Path = path) -> None:
            if skipped is not None:
                skipped.append(Skipped(str(exc.filename or top), f"folder not readable: {exc.strerror or exc}"))

        seen: set[str] = set()   # real paths walked: a link back up the tree is not walked twice
        for folder, dirs, names in os.walk(path, onerror=unwalkable, followlinks=True):
            real = os.path.realpath(folder)
            if real in seen:
                dirs[:] = []
                continue
            seen.add(real)
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            base = Path(folder)
            found += [base / n for n in names if not n.startswith(".")
                      and ((base / n).is_file() or (base / n).is_symlink())]
        for file in sorted(found):
            yield file, path


def article_id(file: Path, root: Path) -> str:
    """The path of ``file`` relative to ``root`` without its extension, with forward slashes."""
    try:
        rel = file.relative_to(root)
    except ValueError:
        rel = Path(file.name)
    return rel.with_suffix("").as_posix()


def decode(data: bytes, name: str) -> tuple[str, str | None]:
    """Decode bytes as UTF-8 (with or without BOM); fall back to cp1252/latin-1 with a warning."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        where = f"byte {exc.start}"
    for encoding in ("cp1252", "latin-1"):
        try:
            return data.decode(encoding), f"{name}: not valid UTF-8 ({where}); decoded as {encoding}"
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


def looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if b"\x00" in head:
        return True
    control = sum(1 for b in head if b < 9 or 13 < b < 32)
    return bool(head) and control / len(head) > 0.1


def parse_text_metadata(text: str) -> dict[str, str]:
    """Metadata from a leading block of ``key value`` lines or from YAML-like front matter."""
    meta: dict[str, str] = {}
    front = _FRONT_MATTER.match(text)
    lines = front.group(1).splitlines() if front else text.lstrip("\n").splitlines()[:8]
    for line in lines:
        if not line.strip():
            if meta and not front:
                break
            continue
        m = _META_LINE.match(line)
        if not m:
            if front:
                continue
            break
        meta.setdefault(m.group(1).lower(), m.group(2).strip().strip("\"'"))
    return meta


def _article(id_: str, text: str, path: str, meta: dict[str, Any]) -> Article:
    def field_(key: str) -> str | None:
        value = meta.get(key)
        return str(value) if value not in (None, "") else None

    return Article(id=id_, text=text, path=path, date=field_("date"), title=field_("title"),
                   url=field_("url"), source=field_("source"))


def _from_record(record: Any, default_id: str, path: str, where: str) -> Article | Skipped:
    """A JSON record or a Parquet row (``{"text": ..., "id": ..., ...}``) → an article, or why not."""
    if not isinstance(record, dict):
        return Skipped(path, f"{where}: expected a JSON object with a 'text' field")
    text = record.get("text")
    if not isinstance(text, str):
        return Skipped(path, f"{where}: missing 'text' field" if text is None else f"{where}: 'text' is not a string")
    if not text.strip():
        return Skipped(path, f"{where}: empty text")
    id_ = record.get("id")
    return _article(str(id_) if id_ not in (None, "") else default_id, text, path, record)


def read_file(file: Path, root: Path) -> ReadResult:
    """Read one file into articles; problems become ``Skipped`` records, never exceptions."""
    result = ReadResult()
    name = str(file)
    suffix = file.suffix.lower()
    if suffix not in SUPPORTED:
        result.skipped.append(Skipped(name, f"unsupported file type '{suffix or file.name}' "
                                            f"(expected one of {', '.join(sorted(SUPPORTED))})"))
        return result
    if file.is_symlink() and not file.exists():
        result.skipped.append(Skipped(name, f"broken symbolic link (to {os.readlink(file)})"))
        return result
    if suffix in PARQUET_SUFFIXES:
        return _read_parquet(file, article_id(file, root), name)
    try:
        data = file.read_bytes()
    except OSError as exc:
        result.skipped.append(Skipped(name, _unreadable(exc)))
        return result
    if not data.strip():
        result.skipped.append(Skipped(name, "empty file"))
        return result
    if looks_binary(data):
        result.skipped.append(Skipped(name, "binary file, not text"))
        return result
    text, warning = decode(data, name)
    if warning:
        result.warnings.append(warning)
    id_ = article_id(file, root)

    if suffix in TEXT_SUFFIXES:
        result.articles.append(_article(id_, text, name, parse_text_metadata(text)))
    elif suffix in HTML_SUFFIXES:
        item = _from_html(text, id_, name)
        (result.articles if isinstance(item, Article) else result.skipped).append(item)  # type: ignore[arg-type]
    elif suffix == ".json":
        try:
            record = json.loads(text)
        except json.JSONDecodeError as exc:
            result.skipped.append(Skipped(name, f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"))
            return result
        item = _from_record(record, id_, name, "JSON")
        (result.articles if isinstance(item, Article) else result.skipped).append(item)  # type: ignore[arg-type]
    else:  # .jsonl
        for lineno, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                result.skipped.append(Skipped(name, f"line {lineno}: invalid JSON: {exc.msg}"))
                continue
            item = _from_record(record, f"{id_}:{lineno}", name, f"line {lineno}")
            (result.articles if isinstance(item, Article) else result.skipped).append(item)  # type: ignore[arg-type]
    return result


def _unreadable(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "no such file (gone since the run started)"
    return f"unreadable: {exc.strerror or exc}"


def _read_parquet(file: Path, id_: str, name: str) -> ReadResult:
    """One article a row of a Parquet file: the columns of a JSONL record (``text`` required; ``id``,
    ``title``, ``date``, ``url``, ``source`` optional; others ignored). Rows are numbered from 1, as lines are."""
    result = ReadResult()
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        result.skipped.append(Skipped(name, "Parquet input needs pyarrow: pip install 'quotes[parquet]'"))
        return result
    rows = 0
    try:
        if file.stat().st_size == 0:
            result.skipped.append(Skipped(name, "empty file"))
            return result
        parquet = pq.ParquetFile(file)
        schema = parquet.schema_arrow
        if "text" not in schema.names:
            result.skipped.append(Skipped(name, f"no 'text' column (columns: {', '.join(schema.names) or 'none'})"))
            return result
        kind = schema.field("text").type
        if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
            result.skipped.append(Skipped(name, f"column 'text' is {kind}, not a string"))
            return result
        columns = [c for c in RECORD_FIELDS if c in schema.names]
        for batch in parquet.iter_batches(columns=columns, batch_size=1024):
            for record in batch.to_pylist():
                rows += 1
                item = _from_record(record, f"{id_}:{rows}", name, f"row {rows}")
                (result.articles if isinstance(item, Article) else result.skipped).append(item)  # type: ignore[arg-type]
    except (OSError, pa.ArrowException, ValueError) as exc:
        # A file-system error has an errno; Arrow's own errors (not Parquet, truncated, a corrupt page) do not.
        reason = _unreadable(exc) if isinstance(exc, OSError) and exc.errno is not None else f"invalid Parquet: {exc}"
        result.skipped.append(Skipped(name, f"after row {rows}: {reason}" if rows else reason))
        return result   # the rows read before the error are kept
    if rows == 0:
        result.skipped.append(Skipped(name, "no rows"))
    return result


def _from_html(html: str, id_: str, path: str) -> Article | Skipped:
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(html, with_metadata=True, favor_recall=True,
                                          include_comments=False, include_tables=False)
    except Exception as exc:  # trafilatura raises many kinds on broken markup
        return Skipped(path, f"HTML could not be parsed: {exc}")
    text = getattr(doc, "text", None) if doc is not None else None
    if not text or not text.strip():
        return Skipped(path, "no main text found in the HTML page")
    meta = {"date": doc.date, "title": doc.title, "url": doc.url, "source": doc.sitename}  # type: ignore[union-attr]
    return _article(id_, text, path, meta)


def read_paths(paths: Iterable[Path]) -> Iterator[tuple[Path, ReadResult]]:
    """Read every supported file under ``paths``, one ``ReadResult`` per file."""
    skipped: list[Skipped] = []
    for file, root in iter_files(paths, skipped):
        for problem in skipped:
            yield Path(problem.path), ReadResult(skipped=[problem])
        skipped.clear()
        if not file.exists() and not file.is_symlink():
            yield file, ReadResult(skipped=[Skipped(str(file), "no such file or folder")])
            continue
        yield file, read_file(file, root)
