"""``quotes extract --engine ray`` on a real Ray cluster this test starts on localhost (a head node with no CPU
and two worker nodes of one CPU each) and stops: the same quotes as the local engine, stored the same way."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO, make_articles

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
