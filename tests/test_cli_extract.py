"""``quotes extract`` through the CLI: outputs, formats, bad inputs, the store, resume and interruption."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from quotes.cli import _register, app

_register()
runner = CliRunner()
SEED = Path(__file__).resolve().parents[1] / "seeds" / "articles" / "000_ce7ccf6783f2e522.txt"


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    d = tmp_path / "articles"
    d.mkdir()
    (d / "seed.txt").write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    (d / "other.md").write_text("Title: Budget\n\n“We will cut taxes,” the finance minister, Ana Ruiz, said.\n",
                                encoding="utf-8")
    (d / "broken.json").write_text("{\"text\": ", encoding="utf-8")
    (d / "empty.txt").write_text("", encoding="utf-8")
    return d


def test_extract_jsonl_schema_and_summary(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "quotes.jsonl"
    result = runner.invoke(app, ["extract", str(corpus), "--no-stance", "--store", str(tmp_path / "q.db"),
                                 "-o", str(out)])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert {r["article"] for r in records} == {"seed", "other"}
    for r in records:
        assert set(r) == {"article", "id", "kind", "text", "start", "end", "cue", "speaker", "confidence", "stance"}
        assert r["id"].startswith(r["article"] + "#")
        assert r["kind"] in {"direct", "mixed", "indirect"}
        assert 0 <= r["confidence"] <= 1
    ruiz = next(r for r in records if r["article"] == "other")
    assert ruiz["speaker"]["name"] == "Ana Ruiz" and ruiz["speaker"]["kind"] == "person"
    assert "skipped: 2" in result.output
    assert "broken.json: invalid JSON" in result.output and "empty.txt: empty file" in result.output


def test_extract_stdout_and_csv(corpus: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["extract", str(corpus / "other.md"), "--no-stance", "--no-store", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows[0]["speaker"] == "Ana Ruiz" and rows[0]["kind"] == "direct"


def test_extract_with_a_stance_model_fills_every_topic(corpus: Path, tmp_path: Path,
                                                        tiny_stance_model: Path) -> None:
    topics = tmp_path / "topics.toml"
    topics.write_text('[[topic]]\nid = "tax"\nphrase = "tax cuts"\n\n[[topic]]\nid = "peace"\n'
                      'phrase = "a ceasefire in Ukraine"\n', encoding="utf-8")
    out = tmp_path / "q.jsonl"
    result = runner.invoke(app, ["extract", str(corpus / "other.md"), "--topics", str(topics), "--model",
                                 str(tiny_stance_model), "--no-store", "-o", str(out)])
    assert result.exit_code == 0, result.output
    for r in map(json.loads, out.read_text(encoding="utf-8").splitlines()):
        assert set(r["stance"]) == {"tax", "peace"}
        for s in r["stance"].values():
            assert s["label"] in {"favor", "against", "none"} and 0 <= s["score"] <= 1


def test_extract_errors(tmp_path: Path) -> None:
    only_bad = tmp_path / "bad"
    only_bad.mkdir()
    (only_bad / "x.json").write_text("nope", encoding="utf-8")
    result = runner.invoke(app, ["extract", str(only_bad), "--no-stance", "--no-store"])
    assert result.exit_code == 1 and "x.json: invalid JSON" in result.output
    result = runner.invoke(app, ["extract", str(only_bad), "--model", str(tmp_path / "no-model")])
    assert result.exit_code == 1 and "no-model" in result.output
    result = runner.invoke(app, ["extract", str(only_bad), "--format", "xml"])
    assert result.exit_code == 2


def test_rerun_skips_unchanged_articles_and_redoes_changed_ones(corpus: Path, tmp_path: Path) -> None:
    db = tmp_path / "q.db"
    args = ["extract", str(corpus), "--no-stance", "--store", str(db)]
    first = runner.invoke(app, args)
    assert "2 processed, 0 unchanged" in first.output
    second = runner.invoke(app, args)
    assert "0 processed, 2 unchanged" in second.output
    assert first.stdout == second.stdout          # the same quotes, read back from the store
    (corpus / "other.md").write_text("“Taxes will fall,” said Ana Ruiz.\n", encoding="utf-8")
    third = runner.invoke(app, args)
    assert "1 processed, 1 unchanged" in third.output


def _count_articles(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
    except sqlite3.Error:
        return 0


def test_killed_run_loses_nothing_committed_and_the_next_run_completes(tmp_path: Path) -> None:
    """A real ``quotes extract`` process killed mid-run (SIGKILL), then run again."""
    folder = tmp_path / "many"
    folder.mkdir()
    text = SEED.read_text(encoding="utf-8")
    for i in range(60):
        (folder / f"a{i:02d}.txt").write_text(text.replace("Wednesday", f"day {i}"), encoding="utf-8")
    db = tmp_path / "q.db"
    out = tmp_path / "out.jsonl"
    cmd = [sys.executable, "-m", "quotes", "extract", str(folder), "--no-stance", "--store", str(db),
           "--batch-size", "2", "-o", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while _count_articles(db) < 4 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = _count_articles(db)
    assert 4 <= done < 60, "the run should have been killed part-way"
    assert not out.exists(), "an interrupted run must not leave a (half-written) output file"

    result = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert _count_articles(db) == 60
    assert f"{60 - done} processed, {done} unchanged" in " ".join(result.stderr.split())
    assert len({json.loads(line)["article"] for line in out.read_text(encoding="utf-8").splitlines()}) == 60


def test_terminated_run_leaves_no_temporary_output(tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(40):
        (folder / f"a{i:02d}.txt").write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "out" / "q.jsonl"
    cmd = [sys.executable, "-m", "quotes", "extract", str(folder), "--no-stance", "--no-store", "--batch-size", "1",
           "-o", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None and not list(out.parent.glob(".q.jsonl.*")):
        time.sleep(0.05)
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)
    assert proc.returncode != 0
    assert not out.exists()
    assert list(out.parent.glob("*")) == []
    assert os.path.isdir(out.parent)


def test_broken_model_folder_fails_cleanly(corpus: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken-model"
    broken.mkdir()
    (broken / "config.json").write_text("{}", encoding="utf-8")
    out = tmp_path / "q.jsonl"
    result = runner.invoke(app, ["extract", str(corpus / "other.md"), "--model", str(broken), "--no-store",
                                 "-o", str(out)])
    assert result.exit_code == 1
    assert "broken-model" in result.output
    assert not out.exists()


def test_rerun_on_unchanged_articles_loads_no_model(corpus: Path, tmp_path: Path, tiny_stance_model: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "q.db"
    args = ["extract", str(corpus / "other.md"), "--model", str(tiny_stance_model), "--store", str(db)]
    assert runner.invoke(app, args).exit_code == 0
    import quotes.nlp
    import quotes.stance.classifier
    import quotes.stance.process

    def refuse(*a: object, **k: object) -> None:
        raise AssertionError("model work on an unchanged article")

    monkeypatch.setattr(quotes.stance.classifier.StanceClassifier, "load", refuse)
    monkeypatch.setattr(quotes.stance.process.StanceProcess, "start", refuse)
    monkeypatch.setattr(quotes.stance.process.StanceProcess, "warm_up", refuse)
    monkeypatch.setattr(quotes.stance.process.StanceProcess, "predict", refuse)
    monkeypatch.setattr(quotes.nlp, "load_nlp", refuse)
    again = runner.invoke(app, args)
    assert again.exit_code == 0, again.output
    assert "0 processed, 1 unchanged" in again.output
