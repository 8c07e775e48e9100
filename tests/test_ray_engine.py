"""``quotes extract --engine ray`` on a real Ray cluster this test starts on localhost (a head node with no CPU
and two worker nodes of one CPU each) and stops: the same quotes as the local engine, stored the same way, from
files and from Parquet input; a killed run keeps what it stored and the next run does only the rest."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO, count_stored_articles, make_articles

MiB = 2**20


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[str]:
    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0, "object_store_memory": 100 * MiB,
                                                             "include_dashboard": False})
    try:
        for _ in range(2):
            cluster.add_node(num_cpus=1, object_store_memory=100 * MiB)
        cluster.wait_for_nodes(timeout=120)
        yield cluster.address
    finally:
        cluster.shutdown()


def _extract(args: list[str]) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "quotes", "extract", *args], capture_output=True, text=True,
                            timeout=400)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def _records(text: str) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in text.splitlines()]


def test_ray_engine_gives_the_local_engines_quotes(ray_cluster: str, tmp_path: Path,
                                                   tiny_stance_model: Path) -> None:
    folder = make_articles(tmp_path / "in", 11)
    (folder / "seeds.txt").write_text((REPO / "seeds" / "articles" / "000_ce7ccf6783f2e522.txt")
                                      .read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "zz-broken.json").write_text("{\"text\": ", encoding="utf-8")
    topics = tmp_path / "topics.toml"
    topics.write_text('[[topic]]\nid = "tax"\nphrase = "tax cuts"\n', encoding="utf-8")
    common = [str(folder), "--model", str(tiny_stance_model), "--topics", str(topics), "--no-gate",
              "--batch-size", "4"]
    local = _extract([*common, "--workers", "1", "--store", str(tmp_path / "local.db")])
    ray = _extract([*common, "--engine", "ray", "--address", ray_cluster, "--store", str(tmp_path / "ray.db")])

    want, got = _records(local.stdout), _records(ray.stdout)
    assert len(got) == len(want) > 20
    strip = [{k: v for k, v in r.items() if k != "stance"} for r in want]
    assert [{k: v for k, v in r.items() if k != "stance"} for r in got] == strip   # same quotes, same order
    for g, w in zip(got, want, strict=True):   # stance: same labels, scores equal up to float rounding
        assert g["stance"]["tax"]["label"] == w["stance"]["tax"]["label"]
        assert g["stance"]["tax"]["score"] == pytest.approx(w["stance"]["tax"]["score"], abs=2e-3)
    assert "12 processed, 0 unchanged" in " ".join(ray.stderr.split())
    assert "zz-broken.json: invalid JSON" in ray.stderr

    query = "SELECT article_id, idx, kind, text, speaker_name, mention_start FROM quotes ORDER BY article_id, idx"
    with sqlite3.connect(tmp_path / "local.db") as a, sqlite3.connect(tmp_path / "ray.db") as b:
        assert a.execute(query).fetchall() == b.execute(query).fetchall()
        assert b.execute("SELECT count(*) FROM stance").fetchone()[0] == len(got)

    again = _extract([*common, "--engine", "ray", "--address", ray_cluster, "--store", str(tmp_path / "ray.db")])
    assert "0 processed, 12 unchanged" in " ".join(again.stderr.split())
    assert again.stdout == ray.stdout


def test_ray_engine_without_stance_is_byte_identical(ray_cluster: str, tmp_path: Path) -> None:
    folder = make_articles(tmp_path / "in", 9)
    out_local, out_ray = tmp_path / "local.jsonl", tmp_path / "ray.jsonl"
    _extract([str(folder), "--no-stance", "--no-store", "--workers", "1", "-o", str(out_local)])
    _extract([str(folder), "--no-stance", "--no-store", "--engine", "ray", "--address", ray_cluster,
              "-o", str(out_ray)])
    assert out_ray.read_bytes() == out_local.read_bytes()


def test_ray_engine_reads_parquet_input_as_the_local_engine_does(ray_cluster: str, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    texts = [f.read_text(encoding="utf-8") for f in sorted(make_articles(tmp_path / "txt", 7).glob("*.txt"))]
    folder = tmp_path / "in"
    folder.mkdir()
    pq.write_table(pa.table({"id": [f"p{i}" if i % 2 else None for i in range(len(texts))], "text": texts,
                             "date": [f"2024-01-{i + 1:02d}" for i in range(len(texts))]}),
                   folder / "news.parquet", row_group_size=3)
    (folder / "cut.parquet").write_bytes((folder / "news.parquet").read_bytes()[:-20])   # cut short
    out_local, out_ray = tmp_path / "local.jsonl", tmp_path / "ray.jsonl"
    common = [str(folder), "--no-stance", "--batch-size", "2"]
    local = _extract([*common, "--workers", "1", "--store", str(tmp_path / "local.db"), "-o", str(out_local)])
    ray = _extract([*common, "--engine", "ray", "--address", ray_cluster, "--store", str(tmp_path / "ray.db"),
                    "-o", str(out_ray)])
    assert out_ray.read_bytes() == out_local.read_bytes()
    articles = {r["article"] for r in _records(out_ray.read_text(encoding="utf-8"))}
    assert articles == {"news:1", "p1", "news:3", "p3", "news:5", "p5", "news:7"}
    for result in (local, ray):
        summary = " ".join(result.stderr.split())
        assert "7 processed" in summary and f"skipped {folder / 'cut.parquet'}: invalid Parquet" in summary
    query = "SELECT id, date, text FROM articles ORDER BY id"
    with sqlite3.connect(tmp_path / "local.db") as a, sqlite3.connect(tmp_path / "ray.db") as b:
        assert a.execute(query).fetchall() == b.execute(query).fetchall()


def test_killed_ray_run_keeps_its_stored_batches_and_the_next_run_does_the_rest(ray_cluster: str,
                                                                                tmp_path: Path) -> None:
    """The last input is a named pipe nobody writes to, so the run cannot finish: the batches before it are stored
    while it waits (not only at the end of the run). The driver is then killed (SIGKILL); the re-run, with the
    pipe made a file, processes only the rest, every article is stored once, and the output is an uninterrupted
    run's."""
    folder = tmp_path / "many"
    folder.mkdir()
    seed = (REPO / "seeds" / "articles" / "000_ce7ccf6783f2e522.txt").read_text(encoding="utf-8")
    n = 40
    for i in range(n):
        (folder / f"a{i:02d}.txt").write_text(seed.replace("Wednesday", f"day {i}"), encoding="utf-8")
    last = tmp_path / "last.txt"
    os.mkfifo(last)
    db, out = tmp_path / "ray.db", tmp_path / "ray.jsonl"
    args = [str(folder), str(last), "--no-stance", "--batch-size", "2", "--store", str(db), "-o", str(out)]
    proc = subprocess.Popen([sys.executable, "-m", "quotes", "extract", *args, "--engine", "ray",
                             "--address", ray_cluster], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # The files read in the pipe's Ray block (a few) wait with it; all the others can be stored.
        deadline = time.time() + 240
        while count_stored_articles(db) < n - 5 and time.time() < deadline and proc.poll() is None:
            time.sleep(0.1)
        assert proc.poll() is None, "the run cannot end: its last input never ends"
        done = count_stored_articles(db)
        assert n - 5 <= done < n, f"{done} of {n} stored while the run was waiting on its last input"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        _release(last)
    assert not out.exists()

    last.unlink()
    last.write_text("“We are not done,” the mayor, Ada Park, said on day 99.", encoding="utf-8")
    again = _extract([*args, "--engine", "ray", "--address", ray_cluster])
    assert f"{n + 1 - done} processed, {done} unchanged" in " ".join(again.stderr.split())
    whole = _extract([*args[:-4], "--workers", "1", "--store", str(tmp_path / "whole.db"),
                      "-o", str(tmp_path / "whole.jsonl")])
    assert f"{n + 1} processed, 0 unchanged" in " ".join(whole.stderr.split())
    assert out.read_bytes() == (tmp_path / "whole.jsonl").read_bytes()
    query = "SELECT article_id, idx, kind, text, speaker_name, mention_start FROM quotes ORDER BY article_id, idx"
    with sqlite3.connect(db) as a, sqlite3.connect(tmp_path / "whole.db") as b:
        assert a.execute("SELECT count(*), count(DISTINCT id) FROM articles").fetchone() == (n + 1, n + 1)
        assert a.execute(query).fetchall() == b.execute(query).fetchall()


def _release(fifo: Path) -> None:
    """Let a reader still blocked on the named pipe go (one would be left by a killed run's worker)."""
    try:
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    except OSError:   # no reader left
        return
    os.close(fd)
