"""Drive a running Label Studio server through label-studio-sdk: project, import, annotate, export.

Runs with the Python of the Label Studio environment (``.venv-ls``, made by scripts/setup_label_studio.sh; its
pins conflict with quotes' own). Used by tests/test_label_studio.py, which starts and stops the server, and to
regenerate the export files under tests/data/label_studio/:

    .venv-ls/bin/python scripts/label_studio_roundtrip.py --url http://localhost:PORT --token TOKEN \
        --config ls.xml --tasks tasks.json --answers answers.json --out DIR

``answers.json`` lists one entry per imported task, in order: a label ("favor"), a list of labels (one
annotation each, e.g. ["favor", "against"] for two annotators who disagree), "skip" (a cancelled annotation) or
null (left unanswered). Writes ``export-full.json``, ``export-min.json`` and ``export.csv`` (Label Studio's JSON,
JSON_MIN and CSV exports of every task) and ``project.json`` (the project id and task ids) to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from label_studio_sdk import LabelStudio

CHOICE_NAME, TEXT_NAME = "stance", "text"   # as in quotes.stance.labelstudio.labeling_config
EXPORTS = (("JSON", "export-full.json"), ("JSON_MIN", "export-min.json"), ("CSV", "export.csv"))


def choice(label: str) -> list[dict[str, Any]]:
    return [{"from_name": CHOICE_NAME, "to_name": TEXT_NAME, "type": "choices", "value": {"choices": [label]}}]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--config", type=Path, required=True, help="labeling interface XML (quotes sample --ls-config)")
    parser.add_argument("--tasks", type=Path, required=True, help="tasks JSON (quotes sample)")
    parser.add_argument("--answers", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--title", default="quotes stance")
    args = parser.parse_args(argv)

    tasks = json.loads(args.tasks.read_text(encoding="utf-8"))
    answers = json.loads(args.answers.read_text(encoding="utf-8"))
    if len(answers) != len(tasks):
        print(f"error: {len(answers)} answers for {len(tasks)} tasks", file=sys.stderr)
        return 2
    client = LabelStudio(base_url=args.url, api_key=args.token)
    project = client.projects.create(title=args.title, label_config=args.config.read_text(encoding="utf-8"))
    assert project.id is not None
    imported = client.projects.import_tasks(id=project.id, request=tasks, return_task_ids=True)
    task_ids = list(imported.task_ids or [])
    if len(task_ids) != len(tasks):
        print(f"error: imported {len(task_ids)} of {len(tasks)} tasks", file=sys.stderr)
        return 1
    for task_id, answer in zip(task_ids, answers, strict=True):
        if answer is None:
            continue
        if answer == "skip":
            client.annotations.create(id=task_id, result=[], was_cancelled=True)
            continue
        for label in [answer] if isinstance(answer, str) else answer:
            client.annotations.create(id=task_id, result=choice(label), was_cancelled=False)
    args.out.mkdir(parents=True, exist_ok=True)
    for export_type, name in EXPORTS:
        data = b"".join(client.projects.exports.download_sync(project.id, export_type=export_type,
                                                              download_all_tasks=True))
        (args.out / name).write_bytes(data)
    (args.out / "project.json").write_text(json.dumps({"project": project.id, "tasks": task_ids}) + "\n",
                                           encoding="utf-8")
    print(f"project {project.id}: {len(task_ids)} tasks; exports in {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
