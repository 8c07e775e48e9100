"""Label Studio's formats: the labeling interface, tasks to import, and the exports that come back.

``quotes sample`` writes tasks whose ``data`` holds the statement as reported (``text``, what the classifier
reads), the topic phrase, the quote, its paragraph with the quote marked, the speaker and the article; the
model's label is a pre-annotation (``predictions``). :func:`labeling_config` is the interface that shows them:
one single choice named ``stance`` on ``text``.

An export is recognised by its content: a JSON array whose items have ``data`` and ``annotations`` is the full
JSON export; one whose items have ``id`` and the task's fields at the top level is the min JSON export
(``JSON_MIN``, one item per annotation, the choice under ``stance``). :func:`read_export` maps it to
(statement, topic, label) records; tasks that were skipped, not answered, or answered differently by
different annotators are returned apart, never guessed. Label Studio's CSV export holds the rows of the min
export (a CSV whose header has the columns :data:`CSV_EXPORT_COLUMNS`, :func:`is_csv_export`) and is read by
:func:`read_csv_export` the same way. A malformed export raises :class:`~quotes.stance.data.DataError`
naming the file, the task and the problem.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from quotes.types import STANCE_LABELS

CHOICE_NAME = "stance"      # the <Choices name=...> of the interface; the key of the label in a min export
TEXT_NAME = "text"          # the object the choice is about: the statement as reported
TASK_FIELDS: tuple[str, ...] = ("text", "topic", "topic_id", "speaker", "cue", "context")
PAIR_KEY = "pair"            # the (quote, topic) pair a task is about: ``<article>#<n>@<topic id>``
# Columns every row of Label Studio's CSV export has (its converter writes them for each annotation).
CSV_EXPORT_COLUMNS: tuple[str, ...] = ("id", "annotator", "annotation_id", "created_at", "updated_at", "lead_time")
LABEL_HINTS: dict[str, str] = {
    "favor": "favor: the speaker supports the topic",
    "against": "against: the speaker opposes the topic",
    "none": "none: no position on the topic",
}


@dataclass(frozen=True)
class NotUsed:
    """A task of an export that gives no training example, and why (skipped, no answer, conflicting)."""

    task: str
    reason: str

    def __str__(self) -> str:
        return f"{self.task}: {self.reason}"


def labeling_config(labels: Sequence[str] = STANCE_LABELS) -> str:
    """The labeling interface (Label Studio XML) for the tasks :func:`task` builds."""
    choices = "\n".join(
        f'    <Choice value="{label}" hint="{html.escape(LABEL_HINTS.get(label, label))}"/>' for label in labels)
    return f"""<View>
  <Header value="Stance on: $topic"/>
  <Text name="meta" value="$source"/>
  <HyperText name="paragraph" value="$paragraph"/>
  <Header value="The statement as reported" size="5"/>
  <Text name="{TEXT_NAME}" value="${TEXT_NAME}"/>
  <Choices name="{CHOICE_NAME}" toName="{TEXT_NAME}" choice="single" showInLine="true" required="true">
{choices}
  </Choices>
</View>
"""


def marked_paragraph(text: str, start: int, end: int, quote_start: int, quote_end: int) -> str:
    """The paragraph ``text[start:end]`` as HTML with the quote ``text[quote_start:quote_end]`` in ``<mark>``."""
    quote_start, quote_end = max(start, quote_start), min(end, quote_end)
    before, quote, after = text[start:quote_start], text[quote_start:quote_end], text[quote_end:end]
    return f"<p>{html.escape(before)}<mark>{html.escape(quote)}</mark>{html.escape(after)}</p>"


def task(data: Mapping[str, Any], label: str | None = None, score: float | None = None,
         model_version: str = "") -> dict[str, Any]:
    """One task to import: ``data`` as given, and the model's ``label`` as a pre-annotation when given."""
    out: dict[str, Any] = {"data": dict(data)}
    if label is not None:
        out["predictions"] = [{
            "model_version": model_version,
            "score": round(float(score), 4) if score is not None else None,
            "result": [{"from_name": CHOICE_NAME, "to_name": TEXT_NAME, "type": "choices",
                        "value": {"choices": [label]}}],
        }]
    return out


# -- exports -----------------------------------------------------------------------------------------


def export_kind(items: Any) -> str | None:
    """``"full"`` or ``"min"`` for a parsed Label Studio export (a JSON array), else ``None``."""
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        return None
    if all("data" in i and "annotations" in i for i in items):
        return "full"
    if all("id" in i and not ("data" in i and "annotations" in i) for i in items):
        return "min"
    return None


def read_export(items: Any, source: str) -> tuple[list[dict[str, str]], list[NotUsed]]:
    """Records (``text``, ``topic``, ``label`` and the task's other fields) and the tasks not used.

    ``source`` names the file in messages. Raises :class:`~quotes.stance.data.DataError` for an array that is
    not an export, a task without ``text`` or ``topic``, or an answer that is not one of the stance labels.
    """
    from quotes.stance.data import DataError

    kind = export_kind(items)
    if kind is None:
        raise DataError(
            f"{source} holds a JSON array that is not a Label Studio export: expected every item to have "
            f"'data' and 'annotations' (the JSON export) or an 'id' and the task's fields (the JSON_MIN export)")
    tasks = _full_tasks(items, source) if kind == "full" else _min_tasks(items, source)
    return _records(tasks)


def _records(tasks: list[_Task]) -> tuple[list[dict[str, str]], list[NotUsed]]:
    records: list[dict[str, str]] = []
    not_used: list[NotUsed] = []
    for where, data, answers in tasks:
        fields = _task_fields(data, where)
        if isinstance(answers, NotUsed):
            not_used.append(answers)
            continue
        labels = sorted(set(answers))
        if not labels:
            not_used.append(NotUsed(where, "no answer"))
        elif len(labels) > 1:
            not_used.append(NotUsed(where, f"conflicting annotations ({', '.join(sorted(answers))})"))
        else:
            records.append({**fields, "label": labels[0]})
    return records, not_used


def is_csv_export(header: Sequence[str]) -> bool:
    """Whether a CSV header is that of Label Studio's CSV export (it has every :data:`CSV_EXPORT_COLUMNS`)."""
    return set(CSV_EXPORT_COLUMNS) <= set(header)


def read_csv_export(header: Sequence[str], rows: Iterable[tuple[int, Mapping[str, str]]],
                    source: str) -> tuple[list[dict[str, str]], list[NotUsed]]:
    """Records and the tasks not used from the rows of a Label Studio CSV export, as :func:`read_export`.

    ``rows`` are ``(line, row)`` with the empty cells left out. The export has one row per annotation (a task
    without one has a row with an empty ``stance``; a task whose every annotation was cancelled has none, as in
    the min export), the task's data in columns of their own and the choice in the ``stance`` column. Raises
    :class:`~quotes.stance.data.DataError` for a missing column, a row without a task id or an unknown label.
    """
    from quotes.stance.data import DataError

    for name in ("text", "topic"):
        if name not in header:
            raise DataError(f"missing column '{name}' in {source}, a Label Studio CSV export: the tasks must "
                            f"have the fields of quotes sample ({', '.join(TASK_FIELDS[:3])}, ...)")
    items: list[dict[str, Any]] = []
    lines: list[int] = []
    for line, row in rows:
        task_id = (row.get("id") or "").strip()
        if not task_id:
            raise DataError(f"missing task id (column 'id') in {source} line {line}")
        item: dict[str, Any] = dict(row)
        if CHOICE_NAME in item:
            item[CHOICE_NAME] = _csv_choice(item[CHOICE_NAME], f"task {task_id} in {source} line {line}")
        lines.append(line)
        items.append(item)
    if not items:
        raise DataError(f"no tasks in {source}, a Label Studio CSV export")
    tasks = _min_tasks(items, source, lines)
    return _records(tasks)


def _csv_choice(value: str, where: str) -> str | list[Any]:
    """The ``stance`` cell: a label, or (for several choices) the JSON list Label Studio writes instead."""
    from quotes.stance.data import DataError

    if not value.lstrip().startswith(("[", "{")):
        return value
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        return value  # not JSON after all: reported as an unknown label
    regions = parsed if isinstance(parsed, list) else [parsed]
    choices = [c for r in regions if isinstance(r, dict) for c in (r.get("choices") or [])]
    if len(choices) != 1:
        raise DataError(f"'{CHOICE_NAME}' must hold one choice in {where}, got {value!r}")
    return [choices[0]]


_Task = tuple[str, Mapping[str, Any], "list[str] | NotUsed"]


def _full_tasks(items: list[dict[str, Any]], source: str) -> list[_Task]:
    from quotes.stance.data import DataError

    tasks: list[_Task] = []
    for n, item in enumerate(items, start=1):
        where = f"task {item.get('id', f'#{n}')} in {source}"
        data, annotations = item["data"], item["annotations"]
        if not isinstance(data, dict):
            raise DataError(f"'data' must be an object in {where}")
        if not isinstance(annotations, list):
            raise DataError(f"'annotations' must be a list in {where}")
        kept = [a for a in annotations if isinstance(a, dict) and not a.get("was_cancelled")]
        if annotations and not kept:
            tasks.append((where, data, NotUsed(where, "skipped")))
            continue
        answers: list[str] = []
        for a in kept:
            answer = _full_answer(a, f"{where} (annotation {a.get('id', '?')})")
            if answer is not None:
                answers.append(answer)
        tasks.append((where, data, answers))
    return tasks


def _full_answer(annotation: Mapping[str, Any], where: str) -> str | None:
    from quotes.stance.data import DataError

    result = annotation.get("result")
    if not isinstance(result, list):
        raise DataError(f"missing field 'result' in {where}")
    found = [r for r in result if isinstance(r, dict) and r.get("from_name") == CHOICE_NAME]
    if not found:
        return None
    value = found[0].get("value")
    choices = value.get("choices") if isinstance(value, dict) else None
    if not isinstance(choices, list) or len(choices) != 1:
        raise DataError(f"'{CHOICE_NAME}' must hold one choice in {where}, got {choices!r}")
    return _label(choices[0], where)


def _min_tasks(items: list[dict[str, Any]], source: str, lines: Sequence[int] | None = None) -> list[_Task]:
    """Tasks of a min export, or of the rows of a CSV export (``lines``: the line of each item)."""
    grouped: dict[str, tuple[str, dict[str, Any], list[str]]] = {}
    for n, item in enumerate(items):
        key = str(item["id"]).strip()
        where = f"task {key} in {source}" + (f" line {lines[n]}" if lines is not None else "")
        answer = item.get(CHOICE_NAME)
        _, _, answers = grouped.setdefault(key, (where, item, []))
        if answer is None or answer == "":
            continue
        if isinstance(answer, list) and len(answer) == 1:  # a multiple-choice field exported as a list
            answer = answer[0]
        answers.append(_label(answer, where))
    return [(where, data, answers) for where, data, answers in grouped.values()]


def _label(value: Any, where: str) -> str:
    from quotes.stance.data import DataError

    label = value.strip().lower() if isinstance(value, str) else None
    if label not in STANCE_LABELS:
        raise DataError(f"unknown label {value!r} in {where}; expected {', '.join(STANCE_LABELS)}")
    return label


def _task_fields(data: Mapping[str, Any], where: str) -> dict[str, str]:
    from quotes.stance.data import DataError

    fields: dict[str, str] = {}
    for name in ("text", "topic"):
        value = data.get(name)
        if not isinstance(value, str) or not value.strip():
            problem = "missing field" if value is None else "empty or non-text field"
            raise DataError(f"{problem} '{name}' in {where}")
    for name in TASK_FIELDS:
        value = data.get(name)
        if value is not None and not isinstance(value, dict | list):
            fields[name] = str(value)
    if data.get(PAIR_KEY):
        fields["id"] = str(data[PAIR_KEY])
    return fields
