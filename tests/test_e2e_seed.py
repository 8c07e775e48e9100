"""The shipped path end to end: the seed article through `quotes extract` with the default stance model and
the default topics, into the store, then `quotes report`. Slow: it needs models/stance-minilm (built by
scripts/train_default_model.py, which the README's commands run)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from quotes.cli import app
from quotes.stance.classifier import default_model_path

runner = CliRunner()
SEEDS = Path(__file__).resolve().parents[1] / "seeds" / "articles"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (default_model_path() / "config.json").is_file(),
                       reason=f"the default model is not built at {default_model_path()}; "
                              "run `python scripts/train_default_model.py`"),
]


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[dict], Path]:
    tmp = tmp_path_factory.mktemp("e2e")
    out, db = tmp / "quotes.jsonl", tmp / "quotes.db"
    result = runner.invoke(app, ["extract", str(SEEDS), "--store", str(db), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()], db


def stance_of(records: list[dict], speaker: str, topic: str) -> list[str]:
    return [r["stance"][topic]["label"] for r in records if r["speaker"] and r["speaker"]["name"] == speaker]


def test_every_quote_has_stance_on_every_default_topic(seed_run) -> None:  # type: ignore[no-untyped-def]
    records, _ = seed_run
    assert records
    for r in records:
        assert set(r["stance"]) == {"ukraine_ceasefire", "china_peace_plan", "russia_sanctions"}


def test_beijing_favors_a_ceasefire(seed_run) -> None:  # type: ignore[no-untyped-def]
    records, _ = seed_run
    assert stance_of(records, "Beijing", "ukraine_ceasefire") == ["favor"]


def test_lukashenko_favors_chinas_peace_proposal(seed_run) -> None:  # type: ignore[no-untyped-def]
    records, _ = seed_run
    assert "favor" in stance_of(records, "Alexander Lukashenko", "china_peace_plan")
    assert "against" not in stance_of(records, "Alexander Lukashenko", "china_peace_plan")


def test_report_shows_where_they_stand(seed_run) -> None:  # type: ignore[no-untyped-def]
    _, db = seed_run
    result = runner.invoke(app, ["report", "--store", str(db), "-f", "json"])
    assert result.exit_code == 0, result.output
    rows = {(r["speaker"], r["topic"]): r for r in json.loads(result.stdout)["rows"]}
    assert rows[("Beijing", "ukraine_ceasefire")]["favor"] == 1
    assert rows[("Alexander Lukashenko", "china_peace_plan")]["favor"] >= 1
