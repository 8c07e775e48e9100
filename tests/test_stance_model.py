"""The stance classifier on a tiny BERT: batching, overfit -> save -> load, and the CLI commands.

The tiny model is built from a ``BertConfig`` with the installed base encoder's tokenizer, so these
tests need no network and run in seconds. The test marked ``slow`` uses the real default model.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

import quotes.cli.classify
import quotes.cli.evaluate
import quotes.cli.train  # noqa: F401  (the command modules register themselves on the app)
from quotes.cli import app
from quotes.stance.classifier import (
    MODEL_ENV,
    ModelError,
    ModelNotFoundError,
    StanceClassifier,
    default_model_path,
)
from quotes.stance.data import example_pair
from quotes.stance.process import StanceProcess
from quotes.stance.runtime import length_batches
from quotes.stance.train import ID2LABEL, LABEL2ID, TrainingConfig, TrainingError, default_base_path, train
from quotes.types import Topic

ROWS = [
    {"text": "We need a ceasefire now, the killing must stop.", "topic": "a ceasefire", "topic_id": "ceasefire",
     "label": "favor"},
    {"text": "A truce today would only reward the invader.", "topic": "a ceasefire", "topic_id": "ceasefire",
     "label": "against"},
    {"text": "The minister opened a new bridge in the north.", "topic": "a ceasefire", "topic_id": "ceasefire",
     "label": "none"},
    {"text": "The sanctions are working and must be tightened.", "topic": "sanctions on Russia",
     "topic_id": "sanctions", "label": "favor"},
    {"text": "These sanctions hurt our own farmers more than Moscow.", "topic": "sanctions on Russia",
     "topic_id": "sanctions", "label": "against"},
    {"text": "Parliament will sit again on Tuesday.", "topic": "sanctions on Russia", "topic_id": "sanctions",
     "label": "none"},
    {"text": "A tax on sugary drinks will save children's teeth.", "topic": "a sugar tax", "topic_id": "sugar",
     "label": "favor"},
    {"text": "The sugar levy is a tax on the poor.", "topic": "a sugar tax", "topic_id": "sugar",
     "label": "against"},
    {"text": "The football final ended in a draw.", "topic": "a sugar tax", "topic_id": "sugar", "label": "none"},
]
# fp32 training (bf16 only where the CPU has it would make the result depend on the machine)
FAST: dict[str, Any] = {"epochs": 20, "lr": 1e-2, "batch_size": 9, "warmup": 0.0, "weight_decay": 0.0, "max_length": 48,
                         "none_augment": 0.0, "bf16": False}
# A tiny model trained for seconds learns the nine rows' signal but need not fit every row on every CPU: the
# tests ask for most rows, and compare a model's outputs with themselves, never with an exact fit.
LEARNED = 7


def learned(labels: list[str]) -> int:
    """How many of ROWS' labels a prediction gets right."""
    return sum(label == r["label"] for label, r in zip(labels, ROWS, strict=True))


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An untrained 3-layer BERT (hidden size 32) with the base encoder's tokenizer (3 layers: the default
    recipe splits 2 of them)."""
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    path = tmp_path_factory.mktemp("tiny-base")
    tokenizer = AutoTokenizer.from_pretrained(str(default_base_path()))
    config = BertConfig(
        vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=3, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=128, id2label=ID2LABEL, label2id=LABEL2ID,
    )
    torch.manual_seed(0)
    BertForSequenceClassification(config).save_pretrained(str(path))
    tokenizer.save_pretrained(str(path))
    return path


@pytest.fixture(scope="module")
def data_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_jsonl(tmp_path_factory.mktemp("data") / "train.jsonl", ROWS)


@pytest.fixture(scope="module")
def overfit_model(tiny_base: Path, data_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny model trained until it fits the nine training rows (dev = the same rows)."""
    out = tmp_path_factory.mktemp("models") / "overfit"
    return train(TrainingConfig(data=[data_file], dev=data_file, base=tiny_base, out=out, **FAST),
                 progress_bar=False)


# -- batching ----------------------------------------------------------------------------------------


def test_length_batches_cover_every_index_once() -> None:
    lengths = [5, 1, 9, 3, 7, 2, 8]
    batches = length_batches(lengths, 3)
    assert sorted(i for b in batches for i in b) == list(range(7))
    assert [len(b) for b in batches] == [3, 3, 1]
    assert [[lengths[i] for i in b] for b in batches] == [[9, 8, 7], [5, 3, 2], [1]]
    with pytest.raises(ValueError):
        length_batches(lengths, 0)


def test_a_long_statement_does_not_make_short_ones_pad_to_its_length() -> None:
    lengths = [20] * 10 + [120, 100, 24]
    batches = length_batches(lengths, 32)
    assert [[lengths[i] for i in b] for b in batches] == [[120, 100], [24] + [20] * 10]
    assert sum(len(b) * lengths[b[0]] for b in batches) < 1.2 * sum(lengths)


def test_predictions_keep_input_order_and_pad_dynamically(overfit_model: Path) -> None:
    classifier = StanceClassifier.load(overfit_model, precision="fp32")
    pairs = [example_pair(r) for r in ROWS]
    shapes: list[tuple[int, int]] = []  # (pairs, statement + topic width) of each batch the classifier reads
    read = classifier.model.read_topics

    def recording(topics: torch.Tensor, topic_mask: torch.Tensor, statement_mask: torch.Tensor, *rest: Any) -> Any:
        shapes.append((topics.shape[0] * topics.shape[1], statement_mask.shape[1] + topic_mask.shape[2]))
        return read(topics, topic_mask, statement_mask, *rest)

    classifier.model.read_topics = recording
    batched = classifier.predict_proba(pairs, batch_size=4)
    classifier.model.read_topics = read
    single = np.vstack([classifier.predict_proba([p]) for p in pairs])
    np.testing.assert_allclose(batched, single, atol=1e-5)
    assert [s[0] for s in shapes] == [4, 4, 1]
    widths = [s[1] for s in shapes]
    assert widths == sorted(widths, reverse=True) and widths[0] < classifier.max_length  # padded per batch
    assert classifier.predict([]) == []


def test_statements_with_different_numbers_of_topics_read_in_one_batch(overfit_model: Path) -> None:
    """A batch of statements holds each one's topics side by side; a slot must not read another's topic."""
    classifier = StanceClassifier.load(overfit_model, precision="fp32")
    topics = ["a ceasefire", "sanctions on Russia against the war", "a sugar tax"]
    texts = [r["text"] for r in ROWS[:4]]
    pairs = [(topics[0], texts[0]), (topics[1], texts[1]), (topics[2], texts[0]), (topics[1], texts[0]),
             (topics[2], texts[2]), (topics[0], texts[3]), (topics[0], texts[0])]
    batched = classifier.predict_proba(pairs, batch_size=8)
    single = np.vstack([classifier.predict_proba([p]) for p in pairs])
    np.testing.assert_allclose(batched, single, atol=1e-5)
    np.testing.assert_allclose(batched[0], batched[6], atol=1e-6)  # the same pair twice


# -- overfit, save, load -----------------------------------------------------------------------------


def test_overfit_save_load_same_predictions(overfit_model: Path) -> None:
    files = {p.name for p in overfit_model.iterdir()}
    assert {"model.safetensors", "config.json", "tokenizer.json", "training_args.json", "metrics.json",
            "training.log", "README.md"} <= files
    assert "checkpoints" not in files and not any(name.endswith((".bin", ".pkl", ".pt")) for name in files)
    config = json.loads((overfit_model / "config.json").read_text())
    assert config["id2label"] == {"0": "favor", "1": "against", "2": "none"}
    assert config["label2id"] == {"favor": 0, "against": 1, "none": 2}

    pairs = [example_pair(r) for r in ROWS]
    first = StanceClassifier.load(overfit_model).predict(pairs)
    assert learned([p.label for p in first]) >= LEARNED
    second = StanceClassifier.load(overfit_model).predict(pairs)
    assert [p.probs for p in first] == [p.probs for p in second]
    for p in first:
        assert set(p.probs) == {"favor", "against", "none"}
        assert sum(p.probs.values()) == pytest.approx(1.0, abs=1e-5)
        assert p.score == p.probs[p.label] == max(p.probs.values())
        assert p.to_stance().label == p.label


@pytest.mark.parametrize("precision", ["bf16", "int8"])
def test_lower_precisions_agree_with_fp32(overfit_model: Path, precision: str) -> None:
    pairs = [example_pair(r) for r in ROWS]
    full = StanceClassifier.load(overfit_model, precision="fp32").predict_proba(pairs)
    low = StanceClassifier.load(overfit_model, precision=precision)
    assert low.precision == precision
    probs = low.predict_proba(pairs)
    assert probs.argmax(axis=1).tolist() == full.argmax(axis=1).tolist()
    np.testing.assert_allclose(probs, full, atol=0.05)


def test_precision_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    from quotes.cli._common import Precision
    from quotes.stance import paths

    assert tuple(p.value for p in Precision) == paths.PRECISIONS

    monkeypatch.setattr(paths, "cpu_has_native_bf16", lambda: True)
    assert paths.resolve_precision("auto", "cpu") == "bf16"
    assert paths.resolve_precision("auto", "cuda") == "fp32"
    assert paths.resolve_precision("int8", "cpu") == "int8"
    monkeypatch.setattr(paths, "cpu_has_native_bf16", lambda: False)
    assert paths.resolve_precision("auto", "cpu") == "fp32"
    assert paths.resolve_precision("bf16", "cpu") == "bf16"  # asked for explicitly: emulated, but honoured
    with pytest.raises(ModelError, match="CPU only"):
        paths.resolve_precision("int8", "cuda")
    with pytest.raises(ModelError, match="unknown precision"):
        paths.resolve_precision("fp16", "cpu")


def test_training_outputs(overfit_model: Path) -> None:
    metrics = json.loads((overfit_model / "metrics.json").read_text())
    assert metrics["dev"]["macro_f1"] >= 0.7
    assert set(metrics["dev"]["per_topic"]) == {"ceasefire", "sanctions", "sugar"}
    matrix = metrics["dev"]["confusion"]["matrix"]
    assert [sum(row) for row in matrix] == [3, 3, 3] and sum(matrix[i][i] for i in range(3)) >= LEARNED
    losses = [e["train_loss"] for e in metrics["epochs"]]
    assert losses[-1] < 0.8 * losses[0]  # training lowers the loss
    assert metrics["train"]["examples"] == 9 and metrics["train"]["examples_per_s"] > 0
    assert 1 <= metrics["best_epoch"] <= FAST["epochs"]
    assert len(metrics["epochs"]) == FAST["epochs"]
    args = json.loads((overfit_model / "training_args.json").read_text())
    assert args["epochs"] == FAST["epochs"] and args["max_length"] == 48
    log = (overfit_model / "training.log").read_text()
    assert f"epoch 1/{FAST['epochs']}" in log and "dev_macro_f1" in log
    card = (overfit_model / "README.md").read_text()
    for heading in ("## Training data", "## Evaluation", "## Intended use", "## Limits"):
        assert heading in card
    assert "| sugar |" in card and "| favor |" in card
    assert StanceClassifier.load(overfit_model).max_length == 48


def test_predict_topics(overfit_model: Path) -> None:
    from quotes.types import Topic

    classifier = StanceClassifier.load(overfit_model)
    topics = [Topic("ceasefire", "a ceasefire"), Topic("sugar", "a sugar tax")]
    statements = [ROWS[0]["text"], ROWS[6]["text"]]
    result = classifier.predict_topics(statements, topics)
    assert [list(r) for r in result] == [["ceasefire", "sugar"], ["ceasefire", "sugar"]]
    pairs = [(t.phrase, s) for s in statements for t in topics]
    assert [r[t.id].label for r in result for t in topics] == [p.label for p in classifier.predict(pairs)]


def test_training_is_reproducible(tiny_base: Path, data_file: Path, tmp_path: Path) -> None:
    settings = {**FAST, "epochs": 2}
    probs = []
    for name in ("a", "b"):
        out = train(TrainingConfig(data=[data_file], base=tiny_base, out=tmp_path / name, **settings),
                    progress_bar=False)
        probs.append(StanceClassifier.load(out).predict_proba([example_pair(r) for r in ROWS]))
    np.testing.assert_array_equal(probs[0], probs[1])


def test_training_refuses_to_overwrite(tiny_base: Path, data_file: Path, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("keep me")
    with pytest.raises(TrainingError, match="not empty; use --force"):
        train(TrainingConfig(data=[data_file], base=tiny_base, out=tmp_path, **FAST), progress_bar=False)
    with pytest.raises(TrainingError, match="does not hold a model"):
        train(TrainingConfig(data=[data_file], base=tiny_base, out=tmp_path, overwrite=True, **FAST),
              progress_bar=False)
    assert (tmp_path / "notes.txt").exists()


def test_invalid_settings(data_file: Path, tmp_path: Path) -> None:
    with pytest.raises(TrainingError, match="epochs must be at least 1, got 0; lr must be positive, got 0.0"):
        train(TrainingConfig(data=[data_file], out=tmp_path / "m", epochs=0, lr=0.0))
    with pytest.raises(TrainingError, match="opposite augmentation must be a fraction"):
        train(TrainingConfig(data=[data_file], out=tmp_path / "m", opposite_augment=1.5))
    with pytest.raises(TrainingError, match="attention dropout must be in"):
        train(TrainingConfig(data=[data_file], out=tmp_path / "m", attention_dropout=1.0))
    assert TrainingConfig.help("dev_topics").startswith("Hold out these topics")


# -- loading errors ----------------------------------------------------------------------------------


def test_default_model_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(MODEL_ENV, raising=False)
    assert default_model_path().parts[-2:] == ("models", "stance-minilm")
    assert (default_model_path().parents[1] / "quotes" / "__init__.py").is_file()
    monkeypatch.setenv(MODEL_ENV, str(tmp_path / "mine"))
    assert default_model_path() == tmp_path / "mine"


def test_missing_model_says_how_to_build_it(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="python scripts/train_default_model.py"):
        StanceClassifier.load(tmp_path / "absent")


def test_model_with_other_labels_is_rejected(tmp_path: Path) -> None:
    from transformers import BertConfig, BertForSequenceClassification

    config = BertConfig(vocab_size=100, hidden_size=16, num_hidden_layers=1, num_attention_heads=1,
                        intermediate_size=16, id2label={0: "pos", 1: "neg"})
    model = BertForSequenceClassification(config)
    with pytest.raises(ModelError, match="has labels pos, neg; expected favor, against, none"):
        StanceClassifier(model, tokenizer=None)


# -- CLI ---------------------------------------------------------------------------------------------

runner = CliRunner()


def test_cli_train(tiny_base: Path, data_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "cli-model"
    args = ["train", str(data_file), "--base", str(tiny_base), "--out", str(out), "--epochs", "2",
            "--batch-size", "4", "--lr", "1e-3", "--max-length", "48", "--dev-topics", "sugar"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "dev macro-F1" in result.stderr
    assert (out / "model.safetensors").is_file()
    args_json = json.loads((out / "training_args.json").read_text())
    assert args_json["dev_topics"] == ["sugar"] and args_json["lr"] == 1e-3
    # a second run refuses to overwrite without --force
    result = runner.invoke(app, args)
    assert result.exit_code == 1 and "--force" in result.stderr
    assert runner.invoke(app, [*args, "--force", "--epochs", "1"]).exit_code == 0


def test_cli_train_layers_and_no_gate(tiny_base: Path, data_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "one-layer"
    result = runner.invoke(app, ["train", str(data_file), "--base", str(tiny_base), "--out", str(out), "--epochs",
                                 "1", "--max-length", "48", "--layers", "1", "--split-layers", "0",
                                 "--relevance-quantile", "0"])
    assert result.exit_code == 0, result.output
    assert json.loads((out / "config.json").read_text())["num_hidden_layers"] == 1  # the base has 3
    assert json.loads((out / "config.json").read_text())["gate_threshold"] is None
    assert StanceClassifier.load(out).gate is None
    assert "no relevance gate" in (out / "README.md").read_text(encoding="utf-8")


def test_cli_train_frozen_embeddings_and_attention_dropout(tiny_base: Path, data_file: Path, tmp_path: Path) -> None:
    from safetensors.torch import load_file

    name = "bert.embeddings.word_embeddings.weight"
    before = load_file(str(tiny_base / "model.safetensors"))[name]
    trained = {}
    for how, extra in (("frozen", ["--freeze-embeddings", "--attention-dropout", "0"]), ("trained", [])):
        out = tmp_path / how
        result = runner.invoke(app, ["train", str(data_file), "--base", str(tiny_base), "--out", str(out),
                                     "--epochs", "2", "--max-length", "48", "--relevance-quantile", "0",
                                     "--no-bf16", *extra])
        assert result.exit_code == 0, result.output
        trained[how] = load_file(str(out / "model.safetensors"))[name]
        dropout = json.loads((out / "config.json").read_text())["attention_probs_dropout_prob"]
        assert dropout == (0.0 if how == "frozen" else 0.1)
    assert torch.equal(trained["frozen"], before)
    assert not torch.equal(trained["trained"], before)   # the words of the nine rows moved


@pytest.mark.parametrize(
    ("extra", "code", "message"),
    [
        (["--dev-topics", "nope"], 1, "dev topic(s) nope not in the data"),
        (["--dev", "DATA", "--dev-topics", "sugar"], 2, "either --dev or --dev-topics"),
        (["--epochs", "0"], 2, "epochs"),
    ],
)
def test_cli_train_errors(tiny_base: Path, data_file: Path, tmp_path: Path, extra: list[str], code: int,
                          message: str) -> None:
    extra = [str(data_file) if e == "DATA" else e for e in extra]
    result = runner.invoke(app, ["train", str(data_file), "--base", str(tiny_base), "--out",
                                 str(tmp_path / "m"), *extra])
    assert result.exit_code == code
    assert message in " ".join(result.stderr.split())


def test_cli_train_bad_data(tmp_path: Path) -> None:
    bad = write_jsonl(tmp_path / "bad.jsonl", [{**ROWS[0], "label": "pro"}])
    result = runner.invoke(app, ["train", str(bad), "--out", str(tmp_path / "m")])
    assert result.exit_code == 1
    assert "unknown label 'pro'" in result.stderr and "line 1" in result.stderr
    result = runner.invoke(app, ["train", str(tmp_path / "missing.jsonl"), "--out", str(tmp_path / "m")])
    assert result.exit_code == 1 and "not found" in result.stderr


def test_cli_evaluate(overfit_model: Path, data_file: Path, tmp_path: Path) -> None:
    output = tmp_path / "metrics.json"
    result = runner.invoke(app, ["evaluate", str(data_file), "--model", str(overfit_model), "--output", str(output)])
    assert result.exit_code == 0, result.output
    for text in ("macro-F1", "F_avg", "Per label", "Per topic", "Confusion", "sanctions"):
        assert text in result.stdout
    metrics = json.loads(output.read_text())
    from quotes.stance.evaluate import compute_metrics

    predicted = StanceClassifier.load(overfit_model, precision=metrics["precision"]).predict(
        [example_pair(r) for r in ROWS])
    expected = compute_metrics([r["label"] for r in ROWS], [p.label for p in predicted])
    assert metrics["macro_f1"] == pytest.approx(expected["macro_f1"]) and metrics["n"] == 9
    assert metrics["precision"] in ("fp32", "bf16") and metrics["precision"] in result.stderr
    assert metrics["per_label"]["favor"]["support"] == 3


def test_cli_evaluate_errors(tmp_path: Path, data_file: Path) -> None:
    result = runner.invoke(app, ["evaluate", str(data_file), "--model", str(tmp_path / "none")])
    assert result.exit_code == 1 and "train_default_model.py" in " ".join(result.stderr.split())
    result = runner.invoke(app, ["evaluate", str(data_file), "--precision", "fp16"])
    assert result.exit_code == 2 and "fp16" in result.stderr


def test_cli_evaluate_int8(overfit_model: Path, data_file: Path) -> None:
    result = runner.invoke(app, ["evaluate", str(data_file), "--model", str(overfit_model), "--precision", "int8"])
    assert result.exit_code == 0, result.output
    assert "macro-F1" in result.stdout and "in int8" in result.stderr


def test_cli_classify(overfit_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    records = [{"id": "q1", "text": ROWS[1]["text"], "topic": ROWS[1]["topic"]},
               {"text": ROWS[3]["text"], "topic": ROWS[3]["topic"]}]
    path = write_jsonl(tmp_path / "in.jsonl", records)
    out = tmp_path / "preds.jsonl"
    result = runner.invoke(app, ["classify", str(path), "--model", str(overfit_model), "-o", str(out)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [p["id"] for p in lines] == ["q1", 2]
    direct = StanceClassifier.load(overfit_model).predict([(r["topic"], r["text"]) for r in records])
    assert [p["label"] for p in lines] == [p.label for p in direct]
    assert set(lines[0]) == {"id", "label", "score", "probs", "relevance"}  # the model has a relevance gate
    assert set(lines[0]["probs"]) == {"favor", "against", "none"}
    # stdout, with the model from $QUOTES_MODEL
    monkeypatch.setenv(MODEL_ENV, str(overfit_model))
    result = runner.invoke(app, ["classify", str(path)])
    assert result.exit_code == 0
    assert [json.loads(line) for line in result.stdout.splitlines()] == lines


def test_cli_classify_errors(overfit_model: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x", "topic": "t"}\n{"text": \n', encoding="utf-8")
    result = runner.invoke(app, ["classify", str(bad), "--model", str(overfit_model)])
    assert result.exit_code == 1 and "bad JSON" in result.stderr and "line 2" in result.stderr
    no_topic = write_jsonl(tmp_path / "nt.jsonl", [{"text": "x"}])
    result = runner.invoke(app, ["classify", str(no_topic), "--model", str(overfit_model)])
    assert result.exit_code == 1 and "missing field 'topic'" in result.stderr
    assert runner.invoke(app, ["classify", str(bad), "--batch-size", "0"]).exit_code == 2


# -- the real default model --------------------------------------------------------------------------


@pytest.mark.slow
def test_default_model_predicts_favor_for_a_ceasefire_call() -> None:
    path = default_model_path()
    if not (path / "config.json").is_file():
        pytest.skip(f"the default model is not built at {path}; run `python scripts/train_default_model.py`")
    classifier = StanceClassifier.load(path)
    [prediction] = classifier.predict([(
        "a ceasefire in the Russia–Ukraine war",
        "Beijing called for a ceasefire and peace talks to end the war between Russia and Ukraine.",
    )])
    assert prediction.label == "favor", prediction



def test_trained_model_is_by_default_a_mean_pooling_one_way_model(overfit_model: Path) -> None:
    from quotes.stance.modeling import MeanPoolingBertForSequenceClassification

    config = json.loads((overfit_model / "config.json").read_text(encoding="utf-8"))
    assert config["pooling"] == "mean"
    assert config["split_layers"] == 2 and config["one_way"] is True  # the default recipe
    assert config["architectures"] == ["MeanPoolingBertForSequenceClassification"]
    assert isinstance(StanceClassifier.load(overfit_model).model, MeanPoolingBertForSequenceClassification)


# -- the relevance gate ------------------------------------------------------------------------------


def test_fit_threshold_reads_only_favor_and_against() -> None:
    from quotes.stance.relevance import fit_threshold

    sims = np.array([0.9, 0.1, 0.5, -0.3, 0.7])
    labels = ["favor", "against", "favor", "none", "against"]
    assert fit_threshold(sims, labels, 0.0) == pytest.approx(0.1)  # the none pair at -0.3 does not count
    assert fit_threshold(sims, labels, 0.3) == pytest.approx(0.1)  # an observed value, the lower one
    assert fit_threshold(sims, labels, 0.5) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="no favor or against"):
        fit_threshold(sims[:1], ["none"])


def test_gate_scores_related_pairs_above_unrelated_ones() -> None:
    from quotes.stance.relevance import RelevanceGate

    gate = RelevanceGate.load()  # the installed all-MiniLM-L6-v2
    topic = "Western sanctions on Russia"
    related = "The EU agreed to tighten the embargo on Russian oil and to freeze more of Moscow's assets."
    unrelated = "The football final ended in a draw after extra time."
    sims = gate.similarity([(topic, related), (topic, unrelated), (topic, related)])
    assert sims[0] > sims[1] + 0.3
    assert sims[0] == pytest.approx(sims[2])
    assert sims.min() >= -1.0 and sims.max() <= 1.0 + 1e-5
    assert gate.similarity([]).shape == (0,)


def test_the_gate_reads_a_statement_without_its_speakers_name() -> None:
    from quotes.stance.relevance import RelevanceGate, gate_pairs, without_speaker

    said = "Clinton said the plan would fail, and Clinton's aides agreed."
    assert without_speaker(said, "Clinton") == " said the plan would fail, and 's aides agreed."
    assert without_speaker("Clintonism is dead, Clinton said.", "Clinton") == "Clintonism is dead,  said."
    assert without_speaker("He said he would go.", "He") == "He said he would go."   # function words stay
    assert without_speaker(said, None) == said and without_speaker(said, "Obama") == said
    with pytest.raises(ValueError):
        gate_pairs([("t", said)], [])

    gate = RelevanceGate.load(scoring="token-maxsim")  # the installed all-MiniLM-L6-v2
    topic = "Hillary Clinton"
    only_speaker = "Hillary Clinton said the tax plan would cost jobs in every state."
    about_her = "Donald Trump said Hillary Clinton would cost jobs in every state."
    whole, spoken, named = gate.similarity([(topic, only_speaker), *gate_pairs(
        [(topic, only_speaker), (topic, about_her)], ["Hillary Clinton", "Donald Trump"])])
    assert spoken < whole - 0.2      # her name as the speaker no longer makes the quote about her
    assert named > spoken + 0.2      # named by another speaker, she still is what the quote is about


def test_the_stance_process_and_the_pipeline_give_the_gate_the_speaker(overfit_model: Path) -> None:
    from quotes.pipeline import Pipeline
    from quotes.stance.process import StanceProcess
    from quotes.stance.relevance import RelevanceGate
    from quotes.types import Article, Topic

    pairs = [("Hillary Clinton", "Hillary Clinton said the tax plan would cost jobs in every state.")] * 2
    speakers = ["Hillary Clinton", None]
    classifier = StanceClassifier.load(overfit_model, precision="fp32")
    classifier.gate = RelevanceGate.load(threshold=-1.0, precision="fp32", scoring="token-maxsim")  # gates nothing
    classifier.one_way = False   # the two-way path computes relevance for every pair
    local = classifier.predict(pairs, speakers=speakers)
    assert local[0].relevance is not None and local[1].relevance is not None
    assert local[0].relevance < local[1].relevance - 0.2
    with StanceProcess(overfit_model, precision="fp32") as served:
        remote = served.predict(pairs, speakers=speakers)
        unread = served.predict(pairs)
    assert [p.label for p in remote] == [p.label for p in unread]

    seen: list[list[str | None] | None] = []

    class Recorder:
        def predict(self, pairs: Any, batch_size: int = 32, progress: Any = None, speakers: Any = None) -> Any:
            seen.append(speakers)
            return classifier.predict(pairs, speakers=speakers)

    article = Article(id="a", text='"The tax plan will cost jobs," Hillary Clinton said on Monday.')
    pipeline = Pipeline(classifier=Recorder(), topics=[Topic("clinton", "Hillary Clinton"), Topic("tax", "taxes")])
    quotes = list(pipeline.run([article]))[0][1]   # run classifies each batch
    assert len(quotes) == 1 and seen == [["Hillary Clinton", "Hillary Clinton"]]
    assert quotes[0].stance["clinton"].relevance < 0.3 < quotes[0].stance["tax"].relevance


def test_training_saves_a_gate_and_loading_applies_it(split_model: Path) -> None:
    # a two-way model gates first (a one-way model classifies first: see the one-way tests)
    from quotes.stance.relevance import read_gate_settings

    settings = read_gate_settings(split_model)
    assert settings is not None
    assert settings["encoder"] == "all-MiniLM-L6-v2"
    assert settings["fit"] == "off-topic" and settings["scoring"] == "token-maxsim"  # the defaults
    # fitted on the nine rows and the same statements with unrelated topics: the model, which fits the rows,
    # takes stances on unrelated pairs until the gate drops them, and keeps every real one
    assert settings["off_topic_pairs"] >= 1 and settings["off_topic"]["stance_ungated"] > 0
    assert settings["off_topic"]["stance_gated"] < settings["off_topic"]["stance_ungated"]
    assert settings["train"]["favor_against_gated"] == 0.0
    assert "Relevance gate" in (split_model / "README.md").read_text(encoding="utf-8")

    gated = StanceClassifier.load(split_model)
    ungated = StanceClassifier.load(split_model, gate=False)
    assert gated.gate is not None and gated.gate.threshold == pytest.approx(settings["threshold"], abs=1e-4)
    assert ungated.gate is None
    pairs = [example_pair(r) for r in ROWS] + [("a sugar tax", "The orchestra tuned up before the concerto.")]
    done: list[int] = []
    with_gate = gated.predict(pairs, batch_size=4, progress=done.append)
    without = ungated.predict(pairs)
    assert done[-1] == len(pairs)
    assert all(p.relevance is not None for p in with_gate) and all(p.relevance is None for p in without)
    n_gated = 0
    for g, u in zip(with_gate, without, strict=True):
        assert g.relevance is not None
        if g.relevance < gated.gate.threshold:
            n_gated += 1
            assert g.label == "none" and g.probs == {"favor": 0.0, "against": 0.0, "none": 1.0}
        else:
            assert g.probs == pytest.approx(u.probs, abs=1e-5)
    assert n_gated >= 1  # the concert is not about a sugar tax
    assert "relevance" in with_gate[0].to_dict() and "relevance" not in without[0].to_dict()


def test_gate_off_and_broken_gate_file(tiny_base: Path, data_file: Path, tmp_path: Path) -> None:
    out = train(TrainingConfig(data=[data_file], base=tiny_base, out=tmp_path / "m", relevance_quantile=0.0,
                               **{**FAST, "epochs": 1}), progress_bar=False)
    assert json.loads((out / "config.json").read_text())["gate_threshold"] is None
    assert StanceClassifier.load(out).gate is None
    (out / "relevance.json").write_text("{not json", encoding="utf-8")   # an older folder's gate file
    with pytest.raises(ModelError, match="relevance.json"):
        StanceClassifier.load(out)
    assert StanceClassifier.load(out, gate=False).gate is None
    with pytest.raises(TrainingError, match="relevance_quantile"):
        TrainingConfig(data=[data_file], relevance_quantile=0.7).validate()
    with pytest.raises(TrainingError, match="gate_fit"):
        TrainingConfig(data=[data_file], gate_fit="median").validate()
    with pytest.raises(TrainingError, match="gate_scoring"):
        TrainingConfig(data=[data_file], gate_scoring="jaccard").validate()


def test_quantile_fit_of_a_cosine_gate(tiny_base: Path, data_file: Path, tmp_path: Path) -> None:
    from quotes.stance.relevance import read_gate_settings

    out = train(TrainingConfig(data=[data_file], base=tiny_base, out=tmp_path / "m", gate_fit="quantile",
                               gate_scoring="cosine", **{**FAST, "epochs": 1}), progress_bar=False)
    settings = read_gate_settings(out)
    assert settings is not None and settings["fit"] == "quantile" and settings["scoring"] == "cosine"
    assert settings["quantile"] == 0.01
    assert settings["train"]["favor_against_gated"] == 0.0  # the lowest stance pair sets the threshold
    gate = StanceClassifier.load(out).gate
    assert gate is not None and gate.scoring == "cosine"
    assert "sentence embeddings" in (out / "README.md").read_text(encoding="utf-8")


def test_fit_off_topic_threshold_trades_unrelated_stances_against_real_ones() -> None:
    from quotes.stance.relevance import fit_off_topic_threshold

    # two real stances (scores 0.6, 0.5), one real none, and three unrelated pairs the model wrongly labels
    scores = np.array([0.6, 0.5, 0.55, 0.2, 0.3, 0.45])
    gold = ["favor", "against", "none", "none", "none", "none"]
    predicted = ["favor", "against", "none", "favor", "against", "against"]
    assert fit_off_topic_threshold(scores, gold, predicted) == pytest.approx(0.455, abs=1e-9)  # first above 0.45
    assert fit_off_topic_threshold(scores, gold, ["none"] * 6) == 0.0  # nothing to gate
    assert fit_off_topic_threshold(scores[:3], gold[:3], predicted[:3]) == 0.0  # no unrelated stance: no gate


def test_token_maxsim_gate_reads_a_named_topic_in_a_long_statement() -> None:
    from quotes.stance.relevance import RelevanceGate

    gate = RelevanceGate.load(scoring="token-maxsim")
    topic = "Western sanctions on Russia"
    long_related = ("The minister spoke for an hour about the harvest, the new bridge over the river, school "
                    "meals, pensions and the price of bread, and said the sanctions on Russia must stay.")
    unrelated = "The football final ended in a draw after extra time."
    sims = gate.similarity([(topic, long_related), (topic, unrelated)])
    assert sims[0] > sims[1] + 0.2
    gate.scoring = "cosine"  # the sentence embedding of the long statement is diluted by all the rest
    cos = gate.similarity([(topic, long_related), (topic, unrelated)])
    assert sims[0] - sims[1] > cos[0] - cos[1]


def test_cli_classify_and_evaluate_report_the_gate(overfit_model: Path, data_file: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["classify", str(data_file), "--model", str(overfit_model)])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    # a one-way model gates the pairs it labels favor or against, and gives their relevance
    stances = [r for r in records if r["label"] != "none"]
    assert stances and all("relevance" in r for r in stances)
    result = runner.invoke(app, ["classify", str(data_file), "--model", str(overfit_model), "--no-gate"])
    assert result.exit_code == 0, result.output
    assert not any("relevance" in json.loads(line) for line in result.stdout.splitlines())
    out = tmp_path / "metrics.json"
    result = runner.invoke(app, ["evaluate", str(data_file), "--model", str(overfit_model), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["relevance_threshold"] is not None
    result = runner.invoke(app, ["evaluate", str(data_file), "--model", str(overfit_model), "--no-gate", "-o",
                                 str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["relevance_threshold"] is None


# -- the classifier in a child process (quotes.stance.process) -----------------------------------------


def test_stance_process_predicts_what_the_classifier_predicts(overfit_model: Path) -> None:
    pairs = [example_pair(r) for r in ROWS] + [("a sugar tax", "The orchestra tuned up before the concerto.")]
    expected = StanceClassifier.load(overfit_model, precision="fp32").predict(pairs, batch_size=4)
    done: list[int] = []
    with StanceProcess(overfit_model, precision="fp32", cores=2) as remote:
        assert not remote.running  # the model loads on first use
        got = remote.predict(pairs, batch_size=4, progress=done.append)
        assert remote.running and remote.precision == "fp32" and remote.threshold is not None
        assert remote.predict([]) == []
    assert not remote.running and remote.pid is None
    assert done[-1] == len(pairs)
    for g, e in zip(got, expected, strict=True):
        assert g.label == e.label and g.relevance == pytest.approx(e.relevance, abs=1e-6)
        assert g.probs == pytest.approx(e.probs, abs=1e-5)


def test_stance_process_errors_name_the_model(overfit_model: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken-model"
    broken.mkdir()
    (broken / "config.json").write_text("{}", encoding="utf-8")
    with pytest.raises(ModelError, match="broken-model"):
        StanceProcess(broken).start()
    with pytest.raises(ModelNotFoundError):
        StanceProcess(tmp_path / "missing").start()

    remote = StanceProcess(overfit_model, precision="fp32").start()
    assert remote.pid is not None
    os.kill(remote.pid, signal.SIGKILL)
    with pytest.raises(ModelError, match="ended unexpectedly"):
        remote.predict([example_pair(ROWS[0])])
    assert not remote.running
    remote.close()  # closing twice is harmless


# -- split layers: statement and topic read apart below, together above ------------------------------


@pytest.fixture(scope="module")
def split_model(tiny_base: Path, data_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny model with its first layer split and the others reading the pair both ways (two-way), trained
    until it fits the nine rows."""
    out = tmp_path_factory.mktemp("models") / "split"
    return train(TrainingConfig(data=[data_file], dev=data_file, base=tiny_base, out=out, split_layers=1,
                                one_way=False, **FAST), progress_bar=False)


def test_split_model_fits_and_reads_each_statement_once(split_model: Path) -> None:
    from quotes.stance.classifier import encode_pairs

    config = json.loads((split_model / "config.json").read_text(encoding="utf-8"))
    assert config["split_layers"] == 1 and config["one_way"] is False
    classifier = StanceClassifier.load(split_model, precision="fp32", gate=False)
    assert classifier.split_layers == 1 and not classifier.one_way
    pairs = [example_pair(r) for r in ROWS]
    predictions = classifier.predict(pairs)
    assert learned([p.label for p in predictions]) >= LEARNED
    assert "split" in (split_model / "README.md").read_text(encoding="utf-8")

    # The prediction path (lower layers per statement and per topic, then the pair) computes what the model
    # computes on the concatenated input with attention blocked between the segments, as it was trained.
    encoded = encode_pairs(classifier.tokenizer, pairs, classifier.max_length, split=True)
    assert all(ids.count(classifier.tokenizer.cls_token_id) == 2 for ids in encoded["input_ids"])
    features = [{k: v[i] for k, v in encoded.items()} for i in range(len(pairs))]
    inputs = classifier.tokenizer.pad(features, padding=True, return_tensors="pt")
    with torch.inference_mode():
        full = torch.softmax(classifier.model(**inputs).logits, dim=-1).numpy()[:, classifier._order]
    np.testing.assert_allclose(classifier.predict_proba(pairs, batch_size=4), full, atol=1e-5)

    # Every statement's lower layers run once, whatever the number of topics; topics are kept between calls.
    calls: list[tuple[int, int]] = []
    encode = classifier.model.encode_segment

    def counting(input_ids: torch.Tensor, attention_mask: torch.Tensor, segment: int) -> torch.Tensor:
        calls.append((segment, input_ids.shape[0]))
        return encode(input_ids, attention_mask, segment)

    classifier.model.encode_segment = counting
    topics = ["a ceasefire", "sanctions on Russia", "a sugar tax"]
    statements = [r["text"] for r in ROWS]
    classifier.predict_topics(statements, [Topic(id=str(i), phrase=t) for i, t in enumerate(topics)])
    assert sum(n for segment, n in calls if segment == 0) == len(statements)
    assert sum(n for segment, n in calls if segment == 1) == 0  # the three topics were read in the first call


@pytest.mark.parametrize("split", [0, 1])
def test_one_way_model_reads_each_statement_once_for_all_topics(tiny_base: Path, data_file: Path, tmp_path: Path,
                                                                split: int) -> None:
    from quotes.stance.classifier import encode_pairs

    out = train(TrainingConfig(data=[data_file], dev=data_file, base=tiny_base, out=tmp_path / "one-way",
                               split_layers=split, one_way=True, **FAST), progress_bar=False)
    assert json.loads((out / "config.json").read_text(encoding="utf-8"))["one_way"] is True
    classifier = StanceClassifier.load(out, precision="fp32", gate=False)
    assert classifier.one_way and classifier.segmented
    pairs = [example_pair(r) for r in ROWS]
    assert learned([p.label for p in classifier.predict(pairs)]) >= LEARNED

    # as trained: the concatenated pair, the statement's tokens blocked from the topic's
    encoded = encode_pairs(classifier.tokenizer, pairs, classifier.max_length, split=True)
    features = [{k: v[i] for k, v in encoded.items()} for i in range(len(pairs))]
    inputs = classifier.tokenizer.pad(features, padding=True, return_tensors="pt")
    with torch.inference_mode():
        full = torch.softmax(classifier.model(**inputs).logits, dim=-1).numpy()[:, classifier._order]
    np.testing.assert_allclose(classifier.predict_proba(pairs, batch_size=4), full, atol=1e-5)

    calls: list[int] = []
    read = classifier.model.read_statements

    def counting(input_ids: torch.Tensor, attention_mask: torch.Tensor) -> Any:
        calls.append(input_ids.shape[0])
        return read(input_ids, attention_mask)

    classifier.model.read_statements = counting
    topics = [Topic(id=str(i), phrase=t) for i, t in enumerate(["a ceasefire", "sanctions on Russia", "a sugar tax"])]
    classifier.predict_topics([r["text"] for r in ROWS], topics)
    assert sum(calls) == len(ROWS)


def test_one_way_model_gates_after_classifying_with_the_labels_of_gating_first(tiny_base: Path, data_file: Path,
                                                                              tmp_path: Path) -> None:
    from quotes.stance.relevance import RelevanceGate

    out = train(TrainingConfig(data=[data_file], base=tiny_base, out=tmp_path / "one-way", one_way=True,
                               relevance_quantile=0, **FAST), progress_bar=False)
    classifier = StanceClassifier.load(out, precision="fp32")
    pairs = [example_pair(r) for r in ROWS] + [("a sugar tax", r["text"]) for r in ROWS[:6]]
    ungated = classifier.predict(pairs)
    gate = RelevanceGate.load(precision="fp32")
    similarity = gate.similarity(pairs)
    stance = [i for i, p in enumerate(ungated) if p.label != "none"]
    gate.threshold = float(np.median(similarity[stance]))  # gates about half of the classifier's stances
    classifier.gate = gate
    gated = classifier.predict(pairs)
    expected = ["none" if similarity[i] < gate.threshold else p.label for i, p in enumerate(ungated)]
    assert [p.label for p in gated] == expected
    assert 0 < sum(a.label != b.label for a, b in zip(gated, ungated, strict=True)) < len(stance)
    for i, p in enumerate(gated):
        if i in stance:
            assert p.relevance == pytest.approx(float(similarity[i]), abs=1e-4)
            if p.label == "none":
                assert p.score == 1.0
        else:
            assert p.relevance is None and p.probs == ungated[i].probs


def test_split_layers_must_leave_a_layer_to_read_the_pair(tiny_base: Path, data_file: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["train", str(data_file), "--base", str(tiny_base), "--out", str(tmp_path / "m"),
                                 "--epochs", "1", "--split-layers", "3"])
    assert result.exit_code == 1
    assert "split_layers must be from 0 to 2, got 3" in result.output


# -- no process outlives `quotes extract` ------------------------------------------------------------


def _set_subreaper(on: bool) -> None:
    """Make this process the one that orphans of its descendants are given to (Linux), so that a process
    the command leaves behind shows up among our children instead of vanishing under PID 1."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    assert libc.prctl(36, int(on), 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses Linux's child subreaper")
@pytest.mark.parametrize("ending", ["normal", "sigterm"])
def test_extract_leaves_no_process_behind(overfit_model: Path, tmp_path: Path, ending: str) -> None:
    import subprocess
    import time

    import psutil

    article = tmp_path / "a.txt"
    article.write_text("Talks\n\n" + " ".join(f"“We need a ceasefire now, the killing must stop,” said Jane Doe {i}."
                                              for i in range(40 if ending == "normal" else 4000)), encoding="utf-8")
    me = psutil.Process()
    before = {p.pid for p in me.children(recursive=True)}
    _set_subreaper(True)
    try:
        cmd = [sys.executable, "-m", "quotes", "extract", str(article), "--model", str(overfit_model),
               "--no-store", "-o", str(tmp_path / "out.jsonl"), "--precision", "fp32"]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if ending == "sigterm":
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and proc.poll() is None:
                try:
                    if psutil.Process(proc.pid).children():   # the stance child (and its helpers) started
                        break
                except psutil.NoSuchProcess:
                    break
                time.sleep(0.05)
            proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=180)
        if ending == "normal":
            assert proc.returncode == 0, stderr.decode()
        time.sleep(0.5)
        # the command itself was reaped above: any other new child of ours outlived it (running or defunct)
        left = [p for p in me.children(recursive=True) if p.pid not in before]
        described = [(p.pid, p.status(), p.name()) for p in left]
        for p in left:   # do not leave them behind this test either
            with contextlib.suppress(psutil.Error):
                p.kill()
                p.wait(timeout=5)
        assert not left, described
    finally:
        _set_subreaper(False)


# -- a Hugging Face model folder ---------------------------------------------------------------------


def test_auto_classes_load_the_model_and_predict_what_classify_predicts(overfit_model: Path, data_file: Path) -> None:
    from transformers import AutoConfig, AutoModelForSequenceClassification

    from quotes.stance.classifier import encode_pairs

    config = AutoConfig.from_pretrained(str(overfit_model))
    assert config.model_type == "quotes-stance" and config.pooling == "mean"
    assert config.one_way is True and config.split_layers == 2 and config.max_seq_length == 48
    assert config.gate_threshold is not None and config.gate["fit"] == "off-topic"
    model = AutoModelForSequenceClassification.from_pretrained(str(overfit_model)).eval()
    classifier = StanceClassifier.load(overfit_model, precision="fp32", gate=False)
    pairs = [example_pair(r) for r in ROWS]
    encoded = encode_pairs(classifier.tokenizer, pairs, classifier.max_length, split=True)
    inputs = classifier.tokenizer.pad([{k: v[i] for k, v in encoded.items()} for i in range(len(pairs))],
                                      padding=True, return_tensors="pt")
    with torch.inference_mode():
        probs = torch.softmax(model(**inputs).logits, dim=-1).numpy()[:, classifier._order]
    np.testing.assert_allclose(classifier.predict_proba(pairs), probs, atol=1e-5)
    result = runner.invoke(app, ["classify", str(data_file), "--model", str(overfit_model), "--precision", "fp32",
                                 "--no-gate"])
    assert result.exit_code == 0, result.output
    labels = [json.loads(line)["label"] for line in result.stdout.splitlines()]
    assert labels == [("favor", "against", "none")[k] for k in probs.argmax(axis=1)]


def test_importing_quotes_registers_the_auto_classes_when_transformers_loads(overfit_model: Path) -> None:
    import subprocess

    code = ("import sys, quotes; assert 'torch' not in sys.modules; "
            "from transformers import AutoModelForSequenceClassification as A; "
            f"print(type(A.from_pretrained({str(overfit_model)!r})).__name__)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "MeanPoolingBertForSequenceClassification"


def test_cli_train_fits_the_gate_on_its_own_file(tiny_base: Path, data_file: Path, tmp_path: Path) -> None:
    gate_rows = write_jsonl(tmp_path / "gate.jsonl", ROWS[:2] + ROWS[3:5])   # 4 favor/against rows
    out = tmp_path / "gated"
    result = runner.invoke(app, ["train", str(data_file), "--base", str(tiny_base), "--out", str(out), "--epochs",
                                 "1", "--max-length", "48", "--gate-data", str(gate_rows), "--no-bf16"])
    assert result.exit_code == 0, result.output
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert config["gate"]["fitted_on"] == 4 and config["gate_threshold"] is not None
    assert "gate.jsonl" in (out / "README.md").read_text(encoding="utf-8")


# -- the torch-only reading of the stance child (quotes.stance.inference) ----------------------------------

# text a tokenizer may get wrong: curly quotes, dashes, accents, other scripts, emoji, odd spaces, a long statement
TRICKY = [
    "“We oppose this,” said Jane Doe — firmly – and ‘twice’…",
    "Café naïve résumé ÅNGSTRÖM l'État don't WON'T",
    "東京 Москва 😀 ﬁ ½ non\u00a0breaking\u200bzero width\ttab",
    "The minister spoke for an hour about the harvest, the new bridge over the river, school meals, pensions, "
    "the price of bread and the sanctions on Russia, which must stay. " * 3,
]


@pytest.fixture(scope="module")
def cross_model(tiny_base: Path, data_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny model as a full cross-encoder (no split, both ways)."""
    out = tmp_path_factory.mktemp("models") / "cross"
    return train(TrainingConfig(data=[data_file], dev=data_file, base=tiny_base, out=out, split_layers=0,
                                one_way=False, **FAST), progress_bar=False)


@pytest.mark.parametrize("kind", ["one-way", "two-way split", "cross"])
@pytest.mark.parametrize(("precision", "atol"), [("fp32", 1e-5), ("bf16", 1e-2), ("int8", 1e-5)])
def test_torch_only_reading_gives_the_transformers_probabilities(overfit_model: Path, split_model: Path,
                                                                 cross_model: Path, kind: str, precision: str,
                                                                 atol: float) -> None:
    from quotes.stance.inference import TorchStanceModel

    path = {"one-way": overfit_model, "two-way split": split_model, "cross": cross_model}[kind]
    pairs = [example_pair(r) for r in ROWS] + [(t, s) for t in ("a sugar tax", "Western sanctions on Russia")
                                               for s in TRICKY]
    reference = StanceClassifier.load(path, precision=precision, gate=False)
    fast = StanceClassifier.load(path, precision=precision, gate=False, torch_only=True)
    assert fast.precision == precision and fast.max_length == reference.max_length
    assert isinstance(fast.model, TorchStanceModel) if precision != "int8" else True
    expected = reference.predict_proba(pairs, batch_size=4)
    got = fast.predict_proba(pairs, batch_size=4)
    np.testing.assert_allclose(got, expected, atol=atol, rtol=0)
    if precision == "fp32":
        assert got.argmax(axis=1).tolist() == expected.argmax(axis=1).tolist()


@pytest.mark.parametrize("scoring", ["cosine", "token-maxsim"])
@pytest.mark.parametrize(("precision", "atol"), [("fp32", 1e-5), ("bf16", 1e-2)])
def test_torch_only_gate_gives_the_transformers_scores(scoring: str, precision: str, atol: float) -> None:
    from quotes.stance.inference import BertEncoder
    from quotes.stance.relevance import RelevanceGate

    reference = RelevanceGate.load(0.3, scoring=scoring, precision=precision)
    fast = RelevanceGate.load(0.3, scoring=scoring, precision=precision, torch_only=True)
    assert isinstance(fast.model, BertEncoder)
    topics = ["Western sanctions on Russia", "a ceasefire in Ukraine", "the EU’s “green deal”"]
    pairs = [(t, s) for t in topics for s in TRICKY + [r["text"] for r in ROWS]]
    np.testing.assert_allclose(fast.similarity(pairs, batch_size=4), reference.similarity(pairs, batch_size=4),
                               atol=atol, rtol=0)
    for content_only in (False, True):
        for got, expected in zip(fast.token_vectors(topics + TRICKY, content_only=content_only),
                                 reference.token_vectors(topics + TRICKY, content_only=content_only), strict=True):
            assert got.shape == expected.shape
            np.testing.assert_allclose(got, expected, atol=atol * 10, rtol=0)


def test_torch_only_tokenizer_tokenizes_as_transformers(overfit_model: Path) -> None:
    from transformers import AutoTokenizer

    from quotes.stance.classifier import encode_pairs, encode_segments
    from quotes.stance.inference import FastTokenizer
    from quotes.stance.paths import installed_encoder_path

    topics = ["a sugar tax", "the EU’s “green deal” — again", "Café naïve"]
    statements = [TRICKY[i % len(TRICKY)] for i in range(len(topics))]
    for folder in (overfit_model, installed_encoder_path(), default_model_path()):
        if not (folder / "tokenizer.json").is_file():
            continue  # the default model is not built
        hf, fast = AutoTokenizer.from_pretrained(str(folder)), FastTokenizer(folder)
        for length in (24, 48, 256):
            assert encode_segments(fast, TRICKY + topics, length) == encode_segments(hf, TRICKY + topics, length)
            for split in (False, True):
                pairs = list(zip(topics, statements, strict=True))
                assert encode_pairs(fast, pairs, length, split) == encode_pairs(hf, pairs, length, split)
            got, expected = fast(TRICKY[1], truncation=True, max_length=length), hf(TRICKY[1], truncation=True,
                                                                                  max_length=length)
            assert got == dict(expected)
            assert fast.convert_ids_to_tokens(got["input_ids"]) == hf.convert_ids_to_tokens(expected["input_ids"])
        encoded = hf(TRICKY, truncation=True, max_length=48)
        mine = fast.pad({k: encoded[k] for k in encoded}, padding=True, return_tensors="pt")
        theirs = hf.pad({k: encoded[k] for k in encoded}, padding=True, return_tensors="pt")
        assert set(mine) == set(theirs) and all(torch.equal(mine[k], theirs[k]) for k in mine)
        only_ids = {"input_ids": encoded["input_ids"]}
        mine, theirs = fast.pad(only_ids), hf.pad(only_ids, padding=True, return_tensors="pt")
        assert set(mine) == set(theirs) and all(torch.equal(mine[k], theirs[k]) for k in mine)


def test_stance_child_never_imports_transformers(overfit_model: Path) -> None:
    # the child reads the model and the gate's encoder in plain torch: transformers' import is most of its start
    with StanceProcess(overfit_model, precision="fp32", cores=1) as remote:
        remote.predict([example_pair(ROWS[0]), ("a sugar tax", TRICKY[0])])
        assert remote.threshold is not None   # the gate was loaded too
        assert remote.child_imported_transformers is False


def test_torch_only_load_leaves_what_it_cannot_read_to_transformers(overfit_model: Path, tmp_path: Path) -> None:
    import shutil

    from quotes.stance.inference import TorchStanceModel, torch_unreadable

    older = tmp_path / "older"
    shutil.copytree(overfit_model, older)
    config = json.loads((older / "config.json").read_text(encoding="utf-8"))
    config["model_type"] = "bert"   # a folder saved before the stance config class
    (older / "config.json").write_text(json.dumps(config), encoding="utf-8")
    assert torch_unreadable(overfit_model) is None and torch_unreadable(older) == "model type 'bert'"
    classifier = StanceClassifier.load(older, precision="fp32", gate=False, torch_only=True)
    assert not isinstance(classifier.model, TorchStanceModel)
    (overfit_model / "model.safetensors").stat()  # the tested folder itself is untouched
    broken = tmp_path / "broken"
    shutil.copytree(overfit_model, broken)
    (broken / "model.safetensors").write_bytes(b"not weights")
    with pytest.raises(ModelError, match="broken"):
        StanceClassifier.load(broken, precision="fp32", torch_only=True)
