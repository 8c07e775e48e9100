"""quotes sample (tasks, sheet, strategies, exclusion) and reading Label Studio exports back for training.

The exports under tests/data/label_studio/ (JSON, JSON_MIN and CSV, all three from one project) were produced
by a real Label Studio 1.23.2 server (scripts/label_studio_roundtrip.py, as tests/test_label_studio.py runs it)
from tasks.json and ls.xml, which `quotes sample` wrote from the seed article, with the answers in answers.json
(test answers, not gold labels): favor, against, none, skipped, unanswered, two annotators who disagree, two who
agree, favor.
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from quotes.cli import app
from quotes.sample import Candidate, choose, labelled_keys, paragraph_bounds, spread
from quotes.stance.data import DataError, read_records
from quotes.stance.labelstudio import CHOICE_NAME, labeling_config, read_export
from quotes.stance.train import ADAPT_LEARNING_RATES, LEARNING_RATES, TrainingConfig
from quotes.types import STANCE_LABELS, Prediction, Topic

REPO = Path(__file__).resolve().parents[1]
LS = REPO / "tests" / "data" / "label_studio"
FULL, MIN, CSV, TASKS = LS / "export-full.json", LS / "export-min.json", LS / "export.csv", LS / "tasks.json"
DEFAULT_MODEL = REPO / "models" / "stance-minilm"
runner = CliRunner()

ANSWERED = {1: "favor", 2: "against", 3: "none", 7: "none", 8: "favor"}  # LS task id -> label (answers.json)


def pairs_of_tasks() -> dict[int, str]:
    """LS task id -> the pair id quotes sample gave it (tasks are imported in order, ids 1..8)."""
    tasks = json.loads(TASKS.read_text(encoding="utf-8"))
    return {i: t["data"]["pair"] for i, t in enumerate(tasks, start=1)}


@pytest.mark.parametrize("path", [FULL, MIN, CSV])
def test_exports_give_the_answered_pairs(path: Path) -> None:
    not_used: list = []
    records = read_records(path, not_used=not_used)
    pairs = pairs_of_tasks()
    assert {(r["id"], r["label"]) for r in records} == {(pairs[i], label) for i, label in ANSWERED.items()}
    assert all(r["text"] and r["topic"] and r["topic_id"] for r in records)
    reasons = {str(n).split(" in ")[0]: n.reason for n in not_used}
    expected = {"task 5": "no answer", "task 6": "conflicting annotations (against, favor)"}
    if path == FULL:  # the min and CSV exports leave cancelled (skipped) tasks out altogether
        expected["task 4"] = "skipped"
    assert reasons == expected


def _mutated(tmp_path: Path, source: Path, change) -> Path:  # type: ignore[no-untyped-def]
    items = json.loads(source.read_text(encoding="utf-8"))
    change(items)
    out = tmp_path / source.name
    out.write_text(json.dumps(items), encoding="utf-8")
    return out


def _set_full_label(items: list, task_id: int, label: str) -> None:
    task = next(t for t in items if t["id"] == task_id)
    task["annotations"][0]["result"][0]["value"]["choices"] = [label]


@pytest.mark.parametrize(("source", "change", "message"), [
    (FULL, lambda items: _set_full_label(items, 2, "pro"),
     r"unknown label 'pro' in task 2 in .*export-full.json \(annotation 2\); expected favor, against, none"),
    (MIN, lambda items: items[1].update({CHOICE_NAME: "maybe"}),
     r"unknown label 'maybe' in task 2 in .*export-min.json; expected favor, against, none"),
    (FULL, lambda items: items[2]["data"].pop("topic"), r"missing field 'topic' in task 3 in .*export-full.json"),
    (MIN, lambda items: items[0].pop("text"), r"missing field 'text' in task 1 in .*export-min.json"),
    (FULL, lambda items: items[0]["annotations"][0].pop("result"),
     r"missing field 'result' in task 1 in .*export-full.json \(annotation 1\)"),
    (FULL, lambda items: items.append({"foo": 1}), r"not a Label Studio export"),
])
def test_malformed_exports_name_the_task_and_problem(tmp_path: Path, source: Path, change, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DataError, match=message):
        read_records(_mutated(tmp_path, source, change))


def _csv_rows() -> tuple[list[str], list[dict[str, str]]]:
    with CSV.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def _mutated_csv(tmp_path: Path, change) -> Path:  # type: ignore[no-untyped-def]
    header, rows = _csv_rows()
    header = change(header, rows) or header
    out = tmp_path / "export.csv"
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, quoting=csv.QUOTE_NONNUMERIC, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return out


def _drop_column(name: str):  # type: ignore[no-untyped-def]
    return lambda header, rows: [h for h in header if h != name]


def test_csv_export_is_label_studios_own() -> None:
    header, rows = _csv_rows()
    assert {"id", "annotator", "annotation_id", CHOICE_NAME, "text", "topic", "pair"} <= set(header)
    assert len(rows) == 9  # one row per annotation (two for tasks 6 and 7), one for task 5 (none), none for 4
    assert [r["id"] for r in rows].count("6") == 2 and "4" not in {r["id"] for r in rows}


@pytest.mark.parametrize(("change", "message"), [
    (lambda header, rows: rows[1].update({CHOICE_NAME: "pro"}),
     r"unknown label 'pro' in task 2 in .*export.csv line 3; expected favor, against, none"),
    (lambda header, rows: rows[5].update({CHOICE_NAME: '[{"choices": ["favor", "against"]}]'}),
     r"'stance' must hold one choice in task 6 in .*export.csv line 7"),
    (_drop_column("topic"), r"missing column 'topic' in .*export.csv, a Label Studio CSV export"),
    (_drop_column("text"), r"missing column 'text' in .*export.csv, a Label Studio CSV export"),
    (lambda header, rows: rows[2].update({"id": ""}), r"missing task id \(column 'id'\) in .*export.csv line 4"),
    (lambda header, rows: rows[2].update({"text": ""}), r"missing field 'text' in task 3 in .*export.csv line 4"),
])
def test_malformed_csv_exports_name_the_task_and_problem(tmp_path: Path, change, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DataError, match=message):
        read_records(_mutated_csv(tmp_path, change))


def test_bad_or_cut_csv_export_names_the_line(tmp_path: Path) -> None:
    text = CSV.read_text(encoding="utf-8")
    cut = tmp_path / "cut.csv"
    cut.write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(DataError, match=r"(too few columns|bad CSV) in .*cut.csv line \d+"):
        read_records(cut)
    bad = tmp_path / "bad.csv"
    lines = text.splitlines(keepends=True)
    bad.write_text(lines[0] + lines[1].replace('"favor"', '"fav"or"', 1) + "".join(lines[2:]), encoding="utf-8")
    with pytest.raises(DataError, match=r"bad CSV in .*bad.csv line 2"):
        read_records(bad)


def test_csv_export_excludes_every_task_it_holds() -> None:
    keys = labelled_keys([CSV])
    pairs = pairs_of_tasks()
    assert {pairs[i] for i in (1, 2, 3, 5, 6, 7, 8)} <= keys  # answered or not; the skipped task 4 is not in it


def test_bad_json_names_the_line(tmp_path: Path) -> None:
    text = FULL.read_text(encoding="utf-8")
    bad = tmp_path / "export.json"
    bad.write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(DataError, match=r"bad JSON in .*export.json line \d+ column \d+"):
        read_records(bad)


@pytest.mark.parametrize("kind", ["json", "csv"])
def test_train_stops_on_a_malformed_export_before_writing_anything(tmp_path: Path, kind: str) -> None:
    # the last task's label made unknown, in Label Studio's full JSON export or its CSV export
    if kind == "json":
        good, bad = FULL, _mutated(tmp_path, FULL, lambda items: _set_full_label(items, 8, "pro"))
    else:
        good, bad = CSV, _mutated_csv(tmp_path, lambda header, rows: rows[-1].update({CHOICE_NAME: "pro"}))
    out = tmp_path / "model"
    result = runner.invoke(app, ["train", str(good), str(bad), "--out", str(out), "--epochs", "1"])
    assert result.exit_code == 1
    assert "unknown label 'pro' in task 8" in result.output
    assert not out.exists()


def test_labeling_config_matches_the_tasks() -> None:
    config = labeling_config()
    root = ET.fromstring(config)
    choices = root.find("Choices")
    assert choices is not None and choices.get("name") == CHOICE_NAME and choices.get("toName") == "text"
    assert [c.get("value") for c in choices.findall("Choice")] == list(STANCE_LABELS)
    assert (LS / "ls.xml").read_text(encoding="utf-8") == config  # what the server was given
    for task in json.loads(TASKS.read_text(encoding="utf-8")):
        assert set(re.findall(r"\$(\w+)", config)) <= set(task["data"])
        assert "<mark>" in task["data"]["paragraph"]
        assert task["predictions"][0]["result"][0]["value"]["choices"][0] in STANCE_LABELS


def test_read_export_rejects_arrays_of_other_things() -> None:
    with pytest.raises(DataError, match="not a Label Studio export"):
        read_export([1, 2], "x.json")


def test_paragraph_is_cut_to_sentences_around_a_long_quote() -> None:
    text = " ".join(f"Sentence number {i} is here." for i in range(200))
    start = text.index("Sentence number 100")
    lo, hi = paragraph_bounds(text, start, start + 10)
    assert text[lo:].startswith("Sentence number") and text[:hi].endswith(".")
    assert lo < start < hi and hi - lo <= 820
    assert paragraph_bounds("a\nb said x\nc", 2, 10) == (2, 10)


def _candidate(i: int, speaker: str, article: str, probs: tuple[float, float, float]) -> Candidate:
    prediction = Prediction("favor", max(probs), dict(zip(STANCE_LABELS, probs, strict=True)))
    return Candidate(f"a{i}#0@t", f"statement {i}", Topic("t", "a topic"), "q", "<p>q</p>", speaker, article, "",
                     f"2024-01-0{1 + i % 3}", prediction)


def test_diverse_goes_round_the_speakers_and_articles() -> None:
    import random

    pool = [_candidate(i, "A" if i < 6 else "B" if i < 9 else "C", f"art{i % 4}", (0.4, 0.3, 0.3))
            for i in range(10)]
    picked = spread(pool, 3, random.Random(0))
    assert {c.speaker for c in picked} == {"A", "B", "C"}
    assert len({c.article for c in spread(pool, 4, random.Random(1))}) >= 3


def test_excluded_pairs_and_csv_sheet_round_trip(tmp_path: Path, seed_store: Path) -> None:
    sheet = tmp_path / "sheet.csv"
    result = runner.invoke(app, ["sample", "--store", str(seed_store), "-n", "5", "--strategy", "random",
                                 "--format", "csv", "-o", str(sheet), "--model", str(DEFAULT_MODEL),
                                 "--exclude", str(TASKS)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(sheet.read_text(encoding="utf-8"))))
    assert len(rows) == 5 and not {r["pair"] for r in rows} & set(pairs_of_tasks().values())
    assert all(r["prediction"] in STANCE_LABELS and r["label"] == "" for r in rows)
    rows[0]["label"], rows[1]["label"] = "favor", "none"  # two answered in the spreadsheet, three not yet
    with sheet.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    not_used: list = []
    records = read_records(sheet, not_used=not_used)
    assert [(r["id"], r["label"]) for r in records] == [(rows[0]["pair"], "favor"), (rows[1]["pair"], "none")]
    assert [n.reason for n in not_used] == ["no answer"] * 3
    assert {rows[0]["pair"], rows[4]["pair"]} <= labelled_keys([sheet])


def test_sample_cli_writes_tasks_and_config(tmp_path: Path, seed_store: Path) -> None:
    tasks, config = tmp_path / "tasks.json", tmp_path / "ls.xml"
    result = runner.invoke(app, ["sample", "--store", str(seed_store), "-n", "4", "--topic", "ukraine_ceasefire",
                                 "-o", str(tasks), "--ls-config", str(config), "--model", str(DEFAULT_MODEL)])
    assert result.exit_code == 0, result.output
    assert "picked 4 of 9" in result.output  # 9 quotes in the seed article, one topic
    items = json.loads(tasks.read_text(encoding="utf-8"))
    margins = []
    for item in items:
        data = item["data"]
        assert data["topic_id"] == "ukraine_ceasefire" and data["pair"].endswith("@ukraine_ceasefire")
        assert data["date"] == "2023-03-02" and data["article"].startswith("000_")
        assert item["predictions"][0]["model_version"] == "stance-minilm"
        margins.append(item["predictions"][0]["score"])
    assert config.read_text(encoding="utf-8") == labeling_config()
    none = runner.invoke(app, ["sample", "--store", str(seed_store), "--since", "2024", "--model",
                               str(DEFAULT_MODEL)])
    assert none.exit_code == 1 and "no quotes to sample" in none.output
    bad = runner.invoke(app, ["sample", "--store", str(seed_store), "--topic", "nope"])
    assert bad.exit_code == 2 and "unknown topic(s) nope" in bad.output


def test_uncertain_takes_the_smallest_margins(seed_store: Path) -> None:
    from quotes.sample import candidates_from_store, predict
    from quotes.stance.classifier import StanceClassifier
    from quotes.stance.topics import load_topics
    from quotes.store import open_store

    classifier = StanceClassifier.load(DEFAULT_MODEL, precision="fp32")
    with open_store(seed_store) as store:
        candidates = candidates_from_store(store, load_topics())
    assert len(candidates) == 27
    picked = choose(candidates, "uncertain", 5, classifier=classifier)
    every = sorted(c.margin for c in predict(candidates, classifier))
    assert [round(c.margin, 6) for c in picked] == [round(m, 6) for m in every[:5]]
    assert len(choose(candidates, "random", 5, seed=3)) == 5
    assert choose(candidates, "random", 5, seed=3) == choose(candidates, "random", 5, seed=3)


@pytest.fixture(scope="module")
def seed_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (DEFAULT_MODEL / "config.json").is_file():
        pytest.skip("the default model is built by scripts/test.sh (scripts/train_default_model.py)")
    db = tmp_path_factory.mktemp("seed-store") / "quotes.db"
    result = runner.invoke(app, ["extract", str(REPO / "seeds" / "articles"), "--store", str(db), "--no-stance"])
    assert result.exit_code == 0, result.output
    return db


def test_train_from_adapts_a_model_with_replay_and_scores_before_after(tmp_path: Path,
                                                                      tiny_stance_model: Path) -> None:
    first = tmp_path / "first"
    original = REPO / "tests" / "data" / "stance_tiny.jsonl"
    trained = runner.invoke(app, ["train", str(original), "--base", str(tiny_stance_model), "--out", str(first),
                                  "--epochs", "1", "--relevance-quantile", "0", "--split-layers", "1", "--no-bf16"])
    assert trained.exit_code == 0, trained.output
    adapted = tmp_path / "adapted"
    result = runner.invoke(app, ["train", str(FULL), "--from", str(first), "--out", str(adapted), "--epochs", "1",
                                 "--replay", "2", "--holdout", "0.2", "--eval", str(original), "--no-bf16"])
    assert result.exit_code == 0, result.output
    assert "macro-F1 before -> after" in result.output and "held-out new labels (1 pairs)" in result.output
    metrics = json.loads((adapted / "metrics.json").read_text(encoding="utf-8"))
    adaptation = metrics["adaptation"]
    assert adaptation["new_labels"] == 4 and adaptation["held_out"] == 1  # 5 answered tasks, 20 % held out
    assert adaptation["replayed"] == 8 and adaptation["replay_sources"] == [str(original)]
    assert set(adaptation["scores"]) == {"held-out new labels", str(original)}
    for row in adaptation["scores"].values():
        assert 0 <= row["before"]["macro_f1"] <= 1 and 0 <= row["after"]["macro_f1"] <= 1
    assert metrics["train"]["labelled_examples"] == 12
    args = json.loads((adapted / "training_args.json").read_text(encoding="utf-8"))
    assert args["from_model"] == str(first)
    assert (args["lr"], args["head_lr"]) == ADAPT_LEARNING_RATES  # --from without --lr: the adaptation rates
    assert "adapted" in (adapted / "README.md").read_text(encoding="utf-8")
    same = runner.invoke(app, ["train", str(FULL), "--from", str(first), "--out", str(first), "--force"])
    assert same.exit_code == 1 and "another folder" in same.output


def test_adaptation_has_its_own_learning_rates_unless_given() -> None:
    full = TrainingConfig(data=[FULL])
    adapting = TrainingConfig(data=[FULL], from_model=Path("models/any"))
    assert (full.lr, full.head_lr) == LEARNING_RATES
    assert (adapting.lr, adapting.head_lr) == ADAPT_LEARNING_RATES != LEARNING_RATES
    given = TrainingConfig(data=[FULL], from_model=Path("models/any"), lr=3e-5, head_lr=3e-4)
    assert (given.lr, given.head_lr) == (3e-5, 3e-4)
