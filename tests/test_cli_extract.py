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
from conftest import count_stored_articles
from typer.testing import CliRunner

from quotes.cli import app

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


def _children(pid: int) -> list[int]:
    import psutil

    try:
        return [c.pid for c in psutil.Process(pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _assert_gone(pids: list[int], within: float = 20) -> None:
    """Every process in ``pids`` has ended (a zombie waiting for its reaper counts as ended)."""
    import psutil

    deadline = time.time() + within
    alive = pids
    while time.time() < deadline:
        alive = []
        for pid in pids:
            try:
                if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                    alive.append(pid)
            except psutil.NoSuchProcess:
                pass
        if not alive:
            return
        time.sleep(0.2)
    raise AssertionError(f"child processes left behind: {alive}")


@pytest.mark.parametrize("workers", [1, 2])
def test_killed_run_loses_nothing_committed_and_the_next_run_completes(tmp_path: Path, workers: int) -> None:
    """A real ``quotes extract`` process killed mid-run (SIGKILL), then run again; its parse workers end with
    it."""
    folder = tmp_path / "many"
    folder.mkdir()
    text = SEED.read_text(encoding="utf-8")
    for i in range(60):
        (folder / f"a{i:02d}.txt").write_text(text.replace("Wednesday", f"day {i}"), encoding="utf-8")
    db = tmp_path / "q.db"
    out = tmp_path / "out.jsonl"
    cmd = [sys.executable, "-m", "quotes", "extract", str(folder), "--no-stance", "--store", str(db),
           "--batch-size", "2", "--workers", str(workers), "-o", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    children: set[int] = set()
    while count_stored_articles(db) < 4 and time.time() < deadline and proc.poll() is None:
        children.update(_children(proc.pid))
        time.sleep(0.05)
    children.update(_children(proc.pid))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    if workers > 1:
        assert len(children) >= workers, "the parse workers should have been running"
    _assert_gone(sorted(children))
    done = count_stored_articles(db)
    assert 4 <= done < 60, "the run should have been killed part-way"
    assert not out.exists(), "an interrupted run must not leave a (half-written) output file"

    result = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert count_stored_articles(db) == 60
    assert f"{60 - done} processed, {done} unchanged" in " ".join(result.stderr.split())
    assert len({json.loads(line)["article"] for line in out.read_text(encoding="utf-8").splitlines()}) == 60


@pytest.mark.parametrize("workers", [1, 2])
def test_terminated_run_leaves_no_temporary_output(tmp_path: Path, workers: int) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(40):
        (folder / f"a{i:02d}.txt").write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "out" / "q.jsonl"
    cmd = [sys.executable, "-m", "quotes", "extract", str(folder), "--no-stance", "--no-store", "--batch-size", "1",
           "--workers", str(workers), "-o", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    children: set[int] = set()
    while time.time() < deadline and proc.poll() is None and not list(out.parent.glob(".q.jsonl.*")):
        time.sleep(0.05)
    time.sleep(0.5)
    children.update(_children(proc.pid))
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)
    assert proc.returncode != 0
    if workers > 1:
        assert len(children) >= workers
    _assert_gone(sorted(children), within=5)
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
    import quotes.extract.nlp
    import quotes.stance.classifier
    import quotes.stance.process

    def refuse(*a: object, **k: object) -> None:
        raise AssertionError("model work on an unchanged article")

    monkeypatch.setattr(quotes.stance.classifier.StanceClassifier, "load", refuse)
    monkeypatch.setattr(quotes.stance.process.StanceProcess, "start", refuse)
    monkeypatch.setattr(quotes.stance.process.StanceProcess, "warm_up", refuse)
    monkeypatch.setattr(quotes.stance.process.StanceProcess, "predict", refuse)
    monkeypatch.setattr(quotes.extract.nlp, "load_nlp", refuse)
    again = runner.invoke(app, args)
    assert again.exit_code == 0, again.output
    assert "0 processed, 1 unchanged" in again.output


def _run_bytes(args: list[str]) -> bytes:
    result = subprocess.run([sys.executable, "-m", "quotes", "extract", *args], capture_output=True, timeout=300)
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout


def test_several_workers_give_byte_identical_output_in_the_same_order(tmp_path: Path,
                                                                       tiny_stance_model: Path) -> None:
    """--workers 2 against --workers 1, on more articles than batches of the first sizes, with stance."""
    from conftest import make_articles

    folder = make_articles(tmp_path / "in", 23)
    topics = tmp_path / "topics.toml"
    topics.write_text('[[topic]]\nid = "tax"\nphrase = "tax cuts"\n', encoding="utf-8")
    common = [str(folder), "--model", str(tiny_stance_model), "--topics", str(topics), "--batch-size", "4",
              "--no-gate"]
    one = _run_bytes([*common, "--workers", "1", "--store", str(tmp_path / "one.db")])
    two = _run_bytes([*common, "--workers", "2", "--store", str(tmp_path / "two.db")])
    assert one == two
    articles = [json.loads(line)["article"] for line in one.decode().splitlines()]
    assert articles == sorted(articles) and len(set(articles)) == 23
    assert all(json.loads(line)["stance"] for line in one.decode().splitlines())
    # the stores hold the same quotes
    with sqlite3.connect(tmp_path / "one.db") as a, sqlite3.connect(tmp_path / "two.db") as b:
        q = "SELECT article_id, idx, text, speaker_name FROM quotes ORDER BY article_id, idx"
        assert a.execute(q).fetchall() == b.execute(q).fetchall()


def test_parquet_output_has_the_csv_columns_and_rows(corpus: Path, tmp_path: Path, tiny_stance_model: Path) -> None:
    import pyarrow.parquet as pq

    topics = tmp_path / "topics.toml"
    topics.write_text('[[topic]]\nid = "tax"\nphrase = "tax cuts"\n', encoding="utf-8")
    common = ["extract", str(corpus), "--model", str(tiny_stance_model), "--topics", str(topics), "--no-store"]
    csv_out, pq_out = tmp_path / "q.csv", tmp_path / "q.parquet"
    assert runner.invoke(app, [*common, "--format", "csv", "-o", str(csv_out)]).exit_code == 0
    result = runner.invoke(app, [*common, "--format", "parquet", "-o", str(pq_out)])
    assert result.exit_code == 0, result.output
    table = pq.read_table(pq_out)
    rows = list(csv.DictReader(io.StringIO(csv_out.read_text(encoding="utf-8"))))
    assert table.column_names == list(rows[0]) and "stance_tax" in table.column_names
    assert table.num_rows == len(rows) > 1
    assert str(table.schema.field("start").type) == "int64"
    assert str(table.schema.field("stance_tax_score").type) == "double"
    for got, want in zip(table.to_pylist(), rows, strict=True):
        assert {k: "" if v is None else str(v) for k, v in got.items()} == want
    assert not list(tmp_path.glob(".q.parquet.*"))


def test_parquet_needs_an_output_file(corpus: Path) -> None:
    result = runner.invoke(app, ["extract", str(corpus), "--no-stance", "--no-store", "--format", "parquet"])
    assert result.exit_code == 2 and "--output" in result.output


def test_parquet_input_gives_the_quotes_of_the_same_jsonl(tmp_path: Path) -> None:
    """The same articles as Parquet rows and as JSONL lines: the same quotes; a bad Parquet file beside them is
    skipped with its reason and the run goes on."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    records = [{"id": "seed", "text": SEED.read_text(encoding="utf-8"), "date": "2023-03-01", "source": "Wire"},
               {"text": "“We will cut taxes,” the finance minister, Ana Ruiz, said.", "title": "Budget"},
               {"text": "Mr. Lee said on Monday that the talks had failed. “It is over,” he added."}]
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "news.jsonl").write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    (tmp_path / "pq").mkdir()
    columns = {k: [r.get(k) for r in records] for k in ("id", "text", "title", "date", "source")}
    pq.write_table(pa.table(columns), tmp_path / "pq" / "news.parquet")
    bad = tmp_path / "pq" / "zz-bad.parquet"
    bad.write_bytes(b"PAR1 not really")
    out = {}
    for name in ("js", "pq"):
        result = runner.invoke(app, ["extract", str(tmp_path / name), "--no-stance", "--store",
                                     str(tmp_path / f"{name}.db"), "-o", str(tmp_path / f"{name}.jsonl")])
        assert result.exit_code == 0, result.output
        out[name] = (tmp_path / f"{name}.jsonl").read_text(encoding="utf-8")
    assert out["pq"] == out["js"]
    assert {json.loads(line)["article"] for line in out["pq"].splitlines()} == {"seed", "news:2", "news:3"}
    assert "skipped: 1" in result.output and f"{bad}: invalid Parquet" in " ".join(result.output.split())
    with sqlite3.connect(tmp_path / "js.db") as a, sqlite3.connect(tmp_path / "pq.db") as b:
        query = "SELECT id, date, title, source FROM articles ORDER BY id"
        assert a.execute(query).fetchall() == b.execute(query).fetchall()
