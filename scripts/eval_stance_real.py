"""Stance on real text: the news dev set (quotes found in PolNeAR's dev articles, labelled blind) and the
off-topic rate (favor/against on those articles, which say nothing about the default topics).

    python scripts/eval_stance_real.py ../shared/data/polnear-dev.jsonl [--model DIR] [--precision auto]

Extracts the articles once (no stance), rebuilds the labelled statements of
``seeds/stance/news_dev/labels.jsonl`` from them (the project keeps offsets and labels, never the text),
scores the model on them, then classifies every quote against the default topics and prints the share of
pairs labelled favor or against. The UN General Debate dev set needs no article: ``quotes evaluate
seeds/stance/ungdc/dev.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from quotes.io.readers import read_paths
from quotes.pipeline import Pipeline, statement_text
from quotes.stance.classifier import StanceClassifier, default_model_path
from quotes.stance.evaluate import compute_metrics
from quotes.stance.topics import load_topics

sys.path.insert(0, str(Path(__file__).parent))
from build_news_dev import NEWS_TOPICS  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def statements_of(polnear: Path) -> dict[tuple[str, int, int], tuple[str, str | None]]:
    """What the classifier reads for every quote `quotes extract` finds, and the speaker's mention (which the
    relevance gate leaves out), by (article, start, end)."""
    articles = [a for _, r in read_paths([polnear]) for a in r.articles]
    statements: dict[tuple[str, int, int], tuple[str, str | None]] = {}
    for article, quotes in Pipeline().run(articles):
        for q in quotes:
            span = q.statement or q.content
            statements[(article.id, span.start, span.end)] = (statement_text(q),
                                                              q.speaker.mention if q.speaker else None)
    return statements


def news_pairs(gold: list[dict], statements: dict[tuple[str, int, int], tuple[str, str | None]],
               ) -> list[tuple[dict, tuple[str, str], str | None]]:
    """The labelled news dev pairs whose statement was found again, as (gold record, (topic, statement),
    speaker mention)."""
    phrases = {t[0]: t[1] for t in NEWS_TOPICS}
    found = [(g, statements.get((g["article"], g["start"], g["end"]))) for g in gold]
    return [(g, (phrases[g["topic_id"]], text), speaker) for g, (text, speaker) in
            ((g, f) for g, f in found if f is not None)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("polnear", type=Path)
    ap.add_argument("--labels", type=Path, default=ROOT / "seeds" / "stance" / "news_dev" / "labels.jsonl")
    ap.add_argument("--model", type=Path, default=None)
    ap.add_argument("--precision", default="auto")
    ap.add_argument("--output", "-o", type=Path, help="write the metrics here as JSON")
    args = ap.parse_args()

    gold = [json.loads(line) for line in args.labels.open(encoding="utf-8") if line.strip()]
    statements = statements_of(args.polnear)
    rows = news_pairs(gold, statements)
    missing = len(gold) - len(rows)

    model = args.model or default_model_path()
    classifier = StanceClassifier.load(model, precision=args.precision)
    predictions = classifier.predict([pair for _, pair, _ in rows], speakers=[speaker for *_, speaker in rows])
    news = compute_metrics([g["label"] for g, *_ in rows], [p.label for p in predictions],
                           [g["topic_id"] for g, *_ in rows])

    topics = load_topics(None)
    found = list(statements.values())
    pairs = [(t.phrase, text) for text, _ in found for t in topics]
    off = Counter(p.label for p in classifier.predict(pairs, speakers=[speaker for _, speaker in found
                                                                       for _ in topics]))
    off_rate = (off["favor"] + off["against"]) / max(1, len(pairs))

    print(f"model: {model} ({classifier.precision})")
    print(f"news dev: {len(rows)} pairs ({missing} not found again)  macro-F1 {news['macro_f1']:.3f}  "
          f"F_avg {news['f_avg']:.3f}  accuracy {news['accuracy']:.3f}")
    print("  per label F1: " + "  ".join(f"{k} {v['f1']:.3f}" for k, v in news["per_label"].items()))
    print(f"off-topic: {off['favor'] + off['against']} of {len(pairs)} (quote, default topic) pairs favor/against "
          f"= {off_rate:.2%} ({off['favor']} favor, {off['against']} against)")
    if args.output:
        args.output.write_text(json.dumps({"news_dev": news, "off_topic": {
            "pairs": len(pairs), "favor": off["favor"], "against": off["against"], "rate": off_rate}}, indent=2))


if __name__ == "__main__":
    main()
