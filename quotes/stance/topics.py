"""Stance topics: read the ``[[topic]]`` tables of a TOML file into :class:`~quotes.types.Topic` records."""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from quotes.types import Topic

TOPIC_KEYS: tuple[str, ...] = ("id", "phrase", "description")
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class TopicsError(ValueError):
    """A topics file cannot be read; the message names the file and the problem."""


def default_topics_path() -> Path:
    """The topics file shipped in the package, ``quotes/data/topics.toml``."""
    return Path(str(resources.files("quotes") / "data" / "topics.toml"))


def load_topics(path: Path | None = None) -> list[Topic]:
    """Read the topics defined in ``path`` (the shipped default file when ``None``), in file order."""
    path = default_topics_path() if path is None else Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TopicsError(f"topics file {path} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TopicsError(f"cannot read topics file {path}: {exc}") from None
    return parse_topics(text, source=str(path))


def parse_topics(text: str, source: str = "<string>") -> list[Topic]:
    """Parse TOML ``text``; ``source`` names it in error messages."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TopicsError(f"{source} is not valid TOML: {exc}") from None
    tables = doc.get("topic")
    if tables is None:
        raise TopicsError(f"{source} defines no topics; add one [[topic]] table per topic with id and phrase")
    if not isinstance(tables, list):
        raise TopicsError(f"{source}: 'topic' must be an array of tables written [[topic]], not a single table")
    other = sorted(set(doc) - {"topic"})
    if other:
        raise TopicsError(f"{source}: unexpected top-level key(s) {', '.join(other)}; expected only [[topic]] tables")
    topics: list[Topic] = []
    seen: dict[str, int] = {}
    for n, table in enumerate(tables, start=1):
        topic = _topic_from_table(table, f"{source} topic #{n}")
        if topic.id in seen:
            raise TopicsError(f"{source}: duplicate topic id '{topic.id}' (topics #{seen[topic.id]} and #{n})")
        seen[topic.id] = n
        topics.append(topic)
    return topics


def _topic_from_table(table: Any, where: str) -> Topic:
    if not isinstance(table, dict):
        raise TopicsError(f"{where}: expected a table with id and phrase")
    unknown = sorted(set(table) - set(TOPIC_KEYS))
    if unknown:
        raise TopicsError(f"{where}: unknown key(s) {', '.join(unknown)}; expected {', '.join(TOPIC_KEYS)}")
    values: dict[str, str] = {}
    for key in TOPIC_KEYS:
        value = table.get(key, "")
        if not isinstance(value, str):
            raise TopicsError(f"{where}: '{key}' must be a string, got {type(value).__name__}")
        values[key] = value.strip()
    for key in ("id", "phrase"):
        if not values[key]:
            raise TopicsError(f"{where}: missing '{key}'")
    if not _ID_RE.match(values["id"]):
        raise TopicsError(
            f"{where}: invalid id '{values['id']}'; use letters, digits, '_', '-' or '.' with no spaces"
        )
    return Topic(id=values["id"], phrase=values["phrase"], description=values["description"])
