"""The committed stance sets are the build scripts' output: rebuilding them from the sources under seeds/stance/
(written statements, real pairs, the reviews with both labellings) gives the same bytes, so nobody edits them by
hand and the default model's figures stay tied to its sources."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
STANCE = REPO / "seeds" / "stance"


def build(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(REPO / "scripts" / script), *args], cwd=REPO, capture_output=True,
                          text=True, timeout=120)


def test_written_statements_rebuild_train_and_dev_byte_for_byte(tmp_path: Path) -> None:
    done = build("build_stance_data.py", "--data", str(STANCE), "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "relabelled by adjudication 1" in done.stdout
    for name in ("train.jsonl", "dev.jsonl"):
        assert (tmp_path / name).read_bytes() == (STANCE / name).read_bytes(), name


def test_real_pairs_rebuild_ungdc_and_news_dev_byte_for_byte(tmp_path: Path) -> None:
    done = build("build_real_stance_data.py", "--data", str(STANCE), "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    for name in ("ungdc/train.jsonl", "ungdc/dev.jsonl", "news_dev/labels.jsonl"):
        assert (tmp_path / name).read_bytes() == (STANCE / name).read_bytes(), name


def test_written_rows_and_their_review_agree() -> None:
    rows = [json.loads(line) for line in (STANCE / "written.jsonl").open(encoding="utf-8")]
    assert all(r["round"] and r["labeller"] and r["topic"] and r["id"].startswith(f"{r['labeller']}:") for r in rows)
    review = [json.loads(line) for line in (STANCE / "review.jsonl").open(encoding="utf-8")]
    shown = [json.loads(line) for line in (STANCE / "review_input.jsonl").open(encoding="utf-8")]
    # the blind labeller's input is the review's items, in the same order, without any label
    assert [(r["review_round"], r["id"]) for r in shown] == [(r["review_round"], r["id"]) for r in review]
    assert all(set(r) == {"review_round", "id", "topic", "text"} for r in shown)
    by_id = {r["id"]: r for r in rows}
    assert all((r["topic"], r["text"]) == (by_id[r["id"]]["topic"], by_id[r["id"]]["text"]) for r in shown)


@pytest.mark.parametrize(("row", "message"), [
    ({"id": "nowhere:1", "review_round": 1, "first": "favor", "second": "favor"}, "not in the written statements"),
    ({"id": "ceasefires:1", "review_round": 5, "first": "against", "second": "favor"}, "differs from the written one"),
    ({"id": "ceasefires:1", "review_round": 5, "first": "favor", "second": "none", "final": "pro"},
     "unknown label 'pro'"),
])
def test_a_bad_review_row_is_named(tmp_path: Path, row: dict[str, object], message: str) -> None:
    data = tmp_path / "data"
    data.mkdir()
    written = (STANCE / "written.jsonl").read_text(encoding="utf-8").splitlines()[:40]
    assert json.loads(written[0])["id"] == "ceasefires:1" and json.loads(written[0])["label"] == "favor"
    (data / "written.jsonl").write_text("\n".join(written) + "\n", encoding="utf-8")
    (data / "review.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
    done = build("build_stance_data.py", "--data", str(data), "--out", str(tmp_path))
    assert done.returncode != 0
    assert str(data / "review.jsonl") in done.stderr and message in done.stderr
