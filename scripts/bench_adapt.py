"""Measure `quotes train --from` on a topic the model never saw: that topic's macro-F1 before and after, the
training time, and the other dev sets' change, for labels picked by uncertainty or at random.

The model to adapt must not have seen the topic. The default model never saw the six held-out topics of
seeds/stance/dev.jsonl; for a real-statement topic of seeds/stance/ungdc/, build a model without it first
(scripts/train_default_model.py with the topic's pairs removed from its data and dev files). The new labels
come from the topic's pairs in seeds/stance/ungdc/train.jsonl and the held-out pairs from ungdc/dev.jsonl (other
countries' speeches), or, with --source FILE..., from a seeded split of the topic's pairs in those files: single
pairs, or with --split-by speech/country whole speeches/countries, so that no held-out statement comes from a
speech (country) whose pairs can be labelled. Training settings not given are those of `quotes train --from`
(the TrainingConfig defaults). Prints one line per run and appends them as JSON lines to --out.

    python scripts/bench_adapt.py --model models/stance-minilm --topic rent_control \
        --source seeds/stance/dev.jsonl --held-out 25 --sizes 15 30 45 \
        --eval seeds/stance/dev.jsonl seeds/stance/ungdc/dev.jsonl
    python scripts/bench_adapt.py --model models/base-no-russia_sanctions --topic russia_sanctions \
        --source seeds/stance/ungdc/train.jsonl seeds/stance/ungdc/dev.jsonl --split-by country --held-out 100 \
        --eval seeds/stance/dev.jsonl seeds/stance/ungdc/dev.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections import Counter
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
    parser.add_argument("--source", type=Path, nargs="+", default=None,
                        help="take the topic's pairs from these files instead, holding out --held-out of them")
    parser.add_argument("--held-out", type=int, default=25,
                        help="with --source: pairs held out (with --split-by speech/country: at least this many)")
    parser.add_argument("--split-by", choices=["pair", "speech", "country"], default="pair",
                        help="with --source: hold out single pairs, or whole speeches or countries (the pairs' "
                             "'speech' / 'country' fields), drawn in a seeded order until --held-out pairs are held")
    parser.add_argument("--epochs", type=int, default=None, help="default: that of `quotes train --from`")
    parser.add_argument("--replay", type=float, default=None, help="default: that of `quotes train --from`")
    parser.add_argument("--lr", type=float, default=None, help="default: that of `quotes train --from`")
    parser.add_argument("--head-lr", type=float, default=None, help="default: that of `quotes train --from`")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads (default: all cores; 1 where another job shares the cores, since two "
                             "jobs each running one thread per core slow each other down several times)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seeds the split (with --source), the random sample and the training")
    parser.add_argument("--out", type=Path, default=Path("bench_adapt.jsonl"))
    args = parser.parse_args(argv)

    from quotes.stance.classifier import StanceClassifier
    from quotes.stance.data import example_pair
    from quotes.stance.train import TrainingConfig, train

    settings = {name: getattr(args, name) for name in ("epochs", "replay", "lr", "head_lr", "threads")
                if getattr(args, name) is not None}

    def topic_rows(path: Path) -> list[dict]:
        return [r for r in map(json.loads, path.open(encoding="utf-8")) if r["topic_id"] == args.topic]

    if args.source is not None:
        rows = [r for path in args.source for r in topic_rows(path)]
        if args.split_by == "pair":
            random.Random(args.seed).shuffle(rows)
            held, pool = rows[: args.held_out], rows[args.held_out:]
        else:
            lacking = [r.get("id", "?") for r in rows if not r.get(args.split_by)]
            if lacking:
                print(f"error: --split-by {args.split_by}: pair {lacking[0]} has no '{args.split_by}' field",
                      file=sys.stderr)
                return 1
            groups = sorted({r[args.split_by] for r in rows})
            random.Random(args.seed).shuffle(groups)
            held_groups: set[str] = set()
            for group in groups:
                if sum(r[args.split_by] in held_groups for r in rows) >= args.held_out:
                    break
                held_groups.add(group)
            held = [r for r in rows if r[args.split_by] in held_groups]
            pool = [r for r in rows if r[args.split_by] not in held_groups]
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

    def labels(rows: list[dict]) -> str:
        return ", ".join(f"{k} {v}" for k, v in sorted(Counter(r["label"] for r in rows).items()))

    print(f"{args.topic}: {len(pool)} labelled pairs to pick from ({labels(pool)}), {len(held)} held-out pairs "
          f"({labels(held)})", file=sys.stderr)
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
                config = TrainingConfig(data=[data], out=out, from_model=args.model, holdout=0.0,
                                        eval_data=[held_file, *others], seed=args.seed, **settings)
                start = time.perf_counter()
                train(config, progress_bar=False)
                wall = time.perf_counter() - start
                metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
                scores = metrics["adaptation"]["scores"]
                row = {"topic": args.topic, "strategy": strategy, "labels": n, "epochs": config.epochs,
                       "lr": config.lr, "head_lr": config.head_lr, "replay": config.replay,
                       "threads": metrics["train"].get("threads"),
                       "replayed": metrics["adaptation"]["replayed"], "train_seconds": metrics["train"]["seconds"],
                       "wall_seconds": round(wall, 1),
                       "scores": {Path(k).name: {w: scores[k][w]["macro_f1"] for w in ("before", "after")}
                                  for k in scores}}
                results.write(json.dumps(row) + "\n")
                results.flush()
                parts = [f"{k} {v['before']:.3f}->{v['after']:.3f}" for k, v in row["scores"].items()]
                print(f"{strategy:9} {n:4} labels  train {row['train_seconds']:.0f}s (all {wall:.0f}s)  "
                      + "  ".join(parts), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
