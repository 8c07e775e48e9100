"""Benchmark the stance classifier: prediction (quote, topic) pairs per second and training examples per second.

Prediction: ``StanceClassifier.predict`` on --n pairs (length-sorted batches, dynamic padding), after one
warm-up batch; with --compare-fixed also the same pairs padded to max_length, to show what dynamic padding
saves. With --topics K each statement is paired with K topics (its own and K-1 others from the data), as
``quotes extract`` pairs every quote with every topic: a model that reads a statement once for all topics (one
way, see quotes.stance.modeling) pays for the statement once per K pairs. Training: a short ``quotes.stance.train.train`` run (one epoch over --train-n examples, no dev
split), reporting examples per second. The first lines printed are the command line and the machine.

    python scripts/bench_stance.py                       # default model (or the untrained base), repo data
    python scripts/bench_stance.py --model models/x --data seeds/stance/train.jsonl --n 2000 --compare-fixed

Data: --data (JSONL with text, topic, label), default seeds/stance/train.jsonl, else synthetic news-like
sentences. Model: --model, default models/stance-minilm; if it is not built the base encoder with an
untrained head is used (same architecture, so the same speed).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shlex
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import transformers

from quotes.stance.classifier import (
    PRECISIONS,
    StanceClassifier,
    default_model_path,
    encode_pairs,
)
from quotes.stance.data import example_pair, load_examples
from quotes.stance.runtime import length_batches, quiet_transformers
from quotes.stance.train import ID2LABEL, LABEL2ID, TrainingConfig, default_base_path, train

ROOT = Path(__file__).resolve().parents[1]


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{platform.node()} | {cpu} | {os.cpu_count()} cores, torch {torch.__version__} with "
            f"{torch.get_num_threads()} threads | transformers {transformers.__version__} | "
            f"Python {platform.python_version()}")


def synthetic_rows(n: int, seed: int = 0) -> list[dict[str, str]]:
    """News-like quotes of 10-60 words on a few topics, with random labels."""
    rng = random.Random(seed)
    topics = ["a ceasefire in the Russia–Ukraine war", "Western sanctions on Russia", "military aid to Ukraine"]
    words = ("the minister said talks government war peace must should never support oppose people country "
             "weeks months plan proposal sanctions economy ceasefire aid weapons").split()
    rows = []
    for _ in range(n):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(10, 60))).capitalize() + "."
        rows.append({"text": text, "topic": rng.choice(topics), "label": rng.choice(list(LABEL2ID))})
    return rows


def load_rows(path: Path | None, n: int) -> tuple[list[dict[str, str]], str]:
    if path is not None and path.is_file():
        rows = list(load_examples(path))
        source = str(path)
    else:
        rows, source = synthetic_rows(max(n, 64)), "synthetic sentences"
    while len(rows) < n:
        rows = rows + rows
    return rows[:n], source


def with_topics(pairs: list[tuple[str, str]], k: int) -> list[tuple[str, str]]:
    """Each statement with its own topic and the next ``k - 1`` distinct topics of the data, in a row."""
    topics = list(dict.fromkeys(t for t, _ in pairs))
    out = []
    for topic, statement in pairs:
        start = topics.index(topic)
        out += [(topics[(start + j) % len(topics)], statement) for j in range(min(max(1, k), len(topics)))]
    return out


def load_classifier(path: Path, precision: str, gate: bool = True) -> tuple[StanceClassifier, str]:
    if (path / "config.json").is_file():
        classifier = StanceClassifier.load(path, precision=precision, gate=gate)
        gated = (f"relevance gate at {classifier.gate.threshold:.4f}" if classifier.gate is not None
                 else "no relevance gate")
        return classifier, f"{path} in {classifier.precision}, {gated}"
    from transformers import AutoTokenizer

    from quotes.stance.modeling import new_stance_model

    base = default_base_path()
    with quiet_transformers():
        model = new_stance_model(base, 3, ID2LABEL, LABEL2ID)
    note = f"{base} with an untrained head ({path} is not built)"
    return StanceClassifier(model, AutoTokenizer.from_pretrained(str(base))), note


def predict_fixed(classifier: StanceClassifier, pairs: list[tuple[str, str]], batch_size: int) -> None:
    """The slow alternative, for comparison: every pair read whole (as in training), batches padded to the
    longest possible input."""
    width = classifier.max_length * (2 if classifier.segmented else 1)  # a segmented model: statement + topic
    with torch.inference_mode():
        for start in range(0, len(pairs), batch_size):
            encoded = encode_pairs(classifier.tokenizer, pairs[start : start + batch_size], classifier.max_length,
                                   split=classifier.segmented)
            features = [{k: v[i] for k, v in encoded.items()} for i in range(len(encoded["input_ids"]))]
            inputs = classifier.tokenizer.pad(features, padding="max_length", max_length=width,
                                              return_tensors="pt")
            classifier.model(**inputs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=default_model_path())
    parser.add_argument("--data", type=Path, default=ROOT / "seeds" / "stance" / "train.jsonl")
    parser.add_argument("--n", type=int, default=1000, help="pairs to predict (default 1000)")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--topics", type=int, default=1,
                        help="topics per statement: each statement with its own topic and K-1 others (default 1)")
    parser.add_argument("--precision", default="auto", choices=PRECISIONS,
                        help="number format of the model (as quotes extract --precision)")
    parser.add_argument("--no-gate", dest="gate", action="store_false",
                        help="classify every pair (no relevance gate), as quotes extract --no-gate")
    parser.add_argument("--compare-fixed", action="store_true", help="also time padding to max_length")
    parser.add_argument("--train-n", type=int, default=256, help="examples in the training run (0 to skip)")
    parser.add_argument("--train-batch-size", type=int, default=32)
    args = parser.parse_args(argv)

    print("command: " + " ".join(shlex.quote(a) for a in [sys.executable, *sys.argv]))
    print("machine: " + machine())
    classifier, model_note = load_classifier(args.model, args.precision, args.gate)
    rows, source = load_rows(args.data, max(1, args.n // max(1, args.topics)))
    pairs = with_topics([example_pair(r) for r in rows], args.topics)[: args.n]
    lengths = [len(ids) for ids in encode_pairs(classifier.tokenizer, pairs, classifier.max_length)["input_ids"]]
    print(f"model: {model_note}; max_length {classifier.max_length}")
    print(f"data: {len(pairs)} pairs ({len({s for _, s in pairs})} statements, {args.topics} topic(s) each) from "
          f"{source}; tokens per pair mean {np.mean(lengths):.0f}, "
          f"max {max(lengths)}; {len(length_batches(lengths, args.batch_size))} batches of {args.batch_size}")

    classifier.predict(pairs[: args.batch_size], batch_size=args.batch_size)  # warm-up
    start = time.perf_counter()
    predictions = classifier.predict(pairs, batch_size=args.batch_size)
    seconds = time.perf_counter() - start
    gated = ""
    if classifier.gate is not None:
        n_gated = sum(p.relevance is not None and p.relevance < classifier.gate.threshold for p in predictions)
        gated = f"; {n_gated} of them gated as unrelated"
    print(f"predict (dynamic padding): {len(pairs) / seconds:.1f} pairs/s ({seconds:.2f}s for {len(pairs)}{gated})")
    if args.compare_fixed:
        start = time.perf_counter()
        predict_fixed(classifier, pairs, args.batch_size)
        fixed = time.perf_counter() - start
        print(f"predict (padded to {classifier.max_length}): {len(pairs) / fixed:.1f} pairs/s "
              f"({fixed / seconds:.1f}x slower)")

    if args.train_n > 0:
        train_rows, _ = load_rows(args.data, args.train_n)
        with tempfile.TemporaryDirectory() as tmp:
            data_file = Path(tmp) / "train.jsonl"
            data_file.write_text("".join(json.dumps(r) + "\n" for r in train_rows), encoding="utf-8")
            config = TrainingConfig(data=[data_file], out=Path(tmp) / "model", epochs=1,
                                    batch_size=args.train_batch_size)
            out = train(config, progress_bar=False)
            stats = json.loads((out / "metrics.json").read_text())["train"]
        print(f"train: {stats['examples_per_s']} examples/s ({stats['examples']} examples incl. cross-topic none "
              f"pairs, 1 epoch, batch {args.train_batch_size}, {stats['seconds']}s, {stats['threads']} threads"
              f"{', bf16 mixed precision' if stats.get('bf16') else ''})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
