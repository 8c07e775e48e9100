"""Measure `quotes train --from` on a topic the model never saw: that topic's macro-F1 before and after, the
training time, and the other dev sets' change, for labels picked by uncertainty or at random.

The model to adapt must not have seen the topic. The default model never saw the six held-out topics of
seeds/stance/dev.jsonl; for a real-statement topic of seeds/stance/ungdc/, build a model without it first
(scripts/train_default_model.py with the topic's pairs removed from its data and dev files). The new labels
come from the topic's pairs in seeds/stance/ungdc/train.jsonl and the held-out pairs from ungdc/dev.jsonl (other
countries' speeches), or, with --source FILE, from a seeded split of the topic's pairs in FILE. Prints one line
per run and appends them as JSON lines to --out.

    python scripts/bench_adapt.py --model models/stance-minilm --topic rent_control \
        --source seeds/stance/dev.jsonl --held-out 25 --sizes 15 30 45 \
        --eval seeds/stance/dev.jsonl seeds/stance/ungdc/dev.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UNGDC = ROOT / "seeds" / "stance" / "ungdc"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, required=True, help="the model to adapt (one that never saw --topic)")
    parser.add_argument("--topic", default="us_gov", help="topic_id in seeds/stance/ungdc/")
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 100, 200])
    parser.add_argument("--strategies", nargs="+", default=["uncertain", "random"], choices=["uncertain", "random"])
    parser.add_argument("--eval", type=Path, nargs="*", default=[],
                        help="other dev sets to score before and after (the topic's own pairs are left out of them)")
    parser.add_argument("--source", type=Path, default=None,
                        help="take the topic's pairs from this one file instead, holding out --held-out of them")
    parser.add_argument("--held-out", type=int, default=25)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--replay", type=float, default=2.0)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--head-lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("bench_adapt.jsonl"))
    args = parser.parse_args(argv)

    from quotes.stance.classifier import StanceClassifier
    from quotes.stance.data import example_pair
    from quotes.stance.train import TrainingConfig, train

    def topic_rows(path: Path) -> list[dict]:
        return [r for r in map(json.loads, path.open(encoding="utf-8")) if r["topic_id"] == args.topic]

    if args.source is not None:
        rows = topic_rows(args.source)
        random.Random(args.seed).shuffle(rows)
        held, pool = rows[: args.held_out], rows[args.held_out:]
    else:
        pool, held = topic_rows(UNGDC / "train.jsonl"), topic_rows(UNGDC / "dev.jsonl")
    if not pool or not held:
        print(f"error: topic {args.topic} has {len(pool)} training and {len(held)} held-out pairs", file=sys.stderr)
        return 1
    work = Path(tempfile.mkdtemp(prefix="bench-adapt-"))
    held_file = work / f"{args.topic}_held_out.jsonl"
    held_file.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in held), encoding="utf-8")
    others = []
    for path in args.eval:  # the other dev sets, without the topic's pairs
        other = work / f"{path.parent.name}_{path.stem}_without_{args.topic}.jsonl"
        lines = [line for line in path.open(encoding="utf-8") if json.loads(line)["topic_id"] != args.topic]
        other.write_text("".join(lines), encoding="utf-8")
        others.append(other)
    classifier = StanceClassifier.load(args.model, precision="fp32")
    probs = classifier.predict_proba([example_pair(r) for r in pool])
    margin = [float(sorted(p)[-1] - sorted(p)[-2]) for p in probs]
    print(f"{args.topic}: {len(pool)} labelled pairs to pick from, {len(held)} held-out pairs", file=sys.stderr)
    with args.out.open("a", encoding="utf-8") as results:
        for size in args.sizes:
            n = min(size, len(pool))
            for strategy in args.strategies:
                if strategy == "uncertain":
                    chosen = [pool[i] for i in sorted(range(len(pool)), key=lambda i: margin[i])[:n]]
                else:
                    chosen = random.Random(args.seed).sample(pool, n)
                data = work / f"{strategy}-{n}.jsonl"
                data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in chosen), encoding="utf-8")
                out = work / f"model-{strategy}-{n}"
                config = TrainingConfig(data=[data], out=out, from_model=args.model, epochs=args.epochs,
                                        replay=args.replay, holdout=0.0, eval_data=[held_file, *others],
                                        lr=args.lr, head_lr=args.head_lr, seed=args.seed)
                train(config, progress_bar=False)
                metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
                scores = metrics["adaptation"]["scores"]
                row = {"topic": args.topic, "strategy": strategy, "labels": n, "epochs": args.epochs,
                       "replayed": metrics["adaptation"]["replayed"], "train_seconds": metrics["train"]["seconds"],
                       "scores": {Path(k).name: {w: scores[k][w]["macro_f1"] for w in ("before", "after")}
                                  for k in scores}}
                results.write(json.dumps(row) + "\n")
                results.flush()
                parts = [f"{k} {v['before']:.3f}->{v['after']:.3f}" for k, v in row["scores"].items()]
                print(f"{strategy:9} {n:4} labels  train {row['train_seconds']:.0f}s  " + "  ".join(parts), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
