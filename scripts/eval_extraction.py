"""Evaluate quote detection and attribution against gold data.

Usage:
    python scripts/eval_extraction.py GOLD.jsonl [--limit N] [--errors FILE]

GOLD.jsonl has one article per line in the PolNeAR format of ../shared/data/polnear-dev.jsonl (`id`, `text`,
`quotes` with `start`, `end`, `kind`, `speaker`, `speaker_start`, `speaker_end`, `speaker_canonical`,
`cue_is_speech`). It runs the extraction pipeline (no stance) and prints:
  * precision, recall and F1 of quote detection, where a predicted quote matches a gold one when their
    character overlap is at least 50 % of the shorter span (one-to-one, greedy by overlap);
  * the same for direct + mixed quotes, and for speech (direct + mixed + indirect with a verb of saying);
  * recall per kind;
  * speaker accuracy on matched quotes that have a gold speaker: the predicted mention overlaps the gold
    source span, or the predicted canonical name names the same person; a gold pronoun counts only when
    the predicted canonical name agrees with the gold canonical name.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from quotes.pipeline import Pipeline  # noqa: E402
from quotes.types import Article, Quote  # noqa: E402

RELATIVE = {"who", "which", "that", "whom"}
PRONOUNS = {"he", "she", "they", "it", "we", "i", "him", "her", "them", "you"}
STOP = {"the", "a", "an", "of", "mr", "mrs", "ms", "dr", "president", "sen", "gov", "senator", "s"}


def overlap(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = min(a[1], b[1]) - max(a[0], b[0])
    shorter = min(a[1] - a[0], b[1] - b[0])
    return inter / shorter if inter > 0 and shorter > 0 else 0.0


def match(preds: list[Quote], golds: list[dict]) -> list[tuple[int, int]]:
    pairs = []
    for i, p in enumerate(preds):
        for j, g in enumerate(golds):
            a, b = (p.content.start, p.content.end), (g["start"], g["end"])
            o = overlap(a, b)
            if o >= 0.5:
                union = max(a[1], b[1]) - min(a[0], b[0])
                jaccard = (min(a[1], b[1]) - max(a[0], b[0])) / union
                pairs.append((round(o, 2), jaccard, i, j))
    pairs.sort(reverse=True)
    used_p, used_g, out = set(), set(), []
    for _, _, i, j in pairs:
        if i not in used_p and j not in used_g:
            used_p.add(i)
            used_g.add(j)
            out.append((i, j))
    return out


def name_tokens(text: str | None) -> set[str]:
    return {t for t in re.findall(r"[a-z]+", (text or "").lower()) if t not in STOP}


def usable_referent(g: dict) -> bool:
    """PolNeAR's canonical names come from CoreNLP coreference and are often wrong ("in meetings early in
    her career"). A gold pronoun is scored only when its canonical name looks like a name: capitalised,
    at most five words, not a pronoun."""
    canon = (g.get("speaker_canonical") or "").strip()
    ws = canon.split()
    return bool(ws) and len(ws) <= 5 and canon.lower() not in PRONOUNS and canon[:1].isupper() \
        and sum(w[:1].islower() for w in ws) <= 1


def speaker_correct(p: Quote, g: dict) -> bool:
    sp = p.speaker
    if sp is None:
        return False
    gold_mention = (g.get("speaker") or "").strip()
    gold_canon = g.get("speaker_canonical") or gold_mention
    pred_names = name_tokens(sp.name)
    is_pronoun = gold_mention.lower() in PRONOUNS
    if gold_mention.lower() in RELATIVE:
        # "X, who said ...": right when the predicted mention is the antecedent just before "who"
        return sp.end is not None and 0 <= g["speaker_start"] - sp.end <= 40 or \
            sp.start is not None and sp.start <= g["speaker_start"] < (sp.end or 0)
    if is_pronoun:
        return bool(pred_names & name_tokens(gold_canon))
    if sp.start is not None and g.get("speaker_start") is not None and sp.end is not None and \
            min(sp.end, g["speaker_end"]) > max(sp.start, g["speaker_start"]):
        return True
    return bool(pred_names & (name_tokens(gold_mention) | name_tokens(gold_canon)))


def prf(tp_p: int, n_p: int, tp_g: int, n_g: int) -> tuple[float, float, float]:
    p = tp_p / n_p if n_p else 0.0
    r = tp_g / n_g if n_g else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("gold", type=Path)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--errors", type=Path, help="write missed / spurious / wrong-speaker cases here")
    args = ap.parse_args()

    records = [json.loads(line) for line in args.gold.open(encoding="utf-8") if line.strip()]
    if args.limit:
        records = records[:args.limit]
    pipeline = Pipeline()
    articles = [Article(id=r["id"], text=r["text"]) for r in records]

    n_pred = n_pred_match = 0
    n_dm_pred = n_dm_pred_match = 0
    gold_by_kind: Counter[str] = Counter()
    hit_by_kind: Counter[str] = Counter()
    n_speech = hit_speech = 0
    n_dm = hit_dm = 0
    spk_total = spk_ok = 0
    errors = []
    for (article, quotes), rec in zip(pipeline.run(articles), records, strict=True):
        golds = rec["quotes"]
        pairs = match(quotes, golds)
        matched_p = {i for i, _ in pairs}
        matched_g = {j: i for i, j in pairs}
        n_pred += len(quotes)
        n_pred_match += len(matched_p)
        for i, q in enumerate(quotes):
            if q.kind in {"direct", "mixed"}:
                n_dm_pred += 1
                n_dm_pred_match += i in matched_p
            if i not in matched_p:
                errors.append({"type": "spurious", "article": article.id, "kind": q.kind, "text": q.content.text,
                               "speaker": q.speaker.name if q.speaker else None})
        for j, g in enumerate(golds):
            kind = g["kind"]
            gold_by_kind[kind] += 1
            hit = j in matched_g
            hit_by_kind[kind] += hit
            if kind in {"direct", "mixed"}:
                n_dm += 1
                hit_dm += hit
            if kind in {"direct", "mixed"} or g.get("cue_is_speech"):
                n_speech += 1
                hit_speech += hit
            if not hit:
                errors.append({"type": "missed", "article": article.id, "kind": kind, "text": g["text"],
                               "cue": g.get("cue"), "speaker": g.get("speaker")})
            elif g.get("speaker") and g["speaker"].strip().lower() != (g.get("cue") or "").strip().lower() \
                    and (g["speaker"].strip().lower() not in PRONOUNS or usable_referent(g)):
                # not scored: a gold source equal to its cue ("said", an annotation slip) and a gold
                # pronoun whose automatic canonical name is unusable (see usable_referent)
                spk_total += 1
                p = quotes[matched_g[j]]
                ok = speaker_correct(p, g)
                spk_ok += ok
                if not ok:
                    errors.append({"type": "speaker", "article": article.id, "kind": kind,
                                   "text": g["text"][:200], "gold": g.get("speaker"),
                                   "gold_canonical": g.get("speaker_canonical"),
                                   "pred": p.speaker.name if p.speaker else None,
                                   "pred_mention": p.speaker.mention if p.speaker else None})

    n_gold = sum(gold_by_kind.values())
    print(f"articles: {len(records)}  gold quotes: {n_gold}  predicted: {n_pred}")
    p, r, f = prf(n_pred_match, n_pred, sum(hit_by_kind.values()), n_gold)
    print(f"all attributions (reference)   P={p:.3f} R={r:.3f} F1={f:.3f}")
    p, r, f = prf(n_dm_pred_match, n_dm_pred, hit_dm, n_dm)
    print(f"direct + mixed                 P={p:.3f} R={r:.3f} F1={f:.3f}  (gold {n_dm}, predicted {n_dm_pred})")
    p, r, f = prf(n_pred_match, n_pred, hit_speech, n_speech)
    print(f"speech (d+m+indirect saying)   P={p:.3f} R={r:.3f} F1={f:.3f}  (gold {n_speech})")
    for kind in ("direct", "mixed", "indirect"):
        n = gold_by_kind[kind]
        print(f"recall {kind:<9} {hit_by_kind[kind] / n if n else 0:.3f}  ({hit_by_kind[kind]}/{n})")
    print(f"speaker accuracy on matched    {spk_ok / spk_total if spk_total else 0:.3f}  ({spk_ok}/{spk_total})")
    if args.errors:
        with args.errors.open("w", encoding="utf-8") as fh:
            for e in errors:
                fh.write(json.dumps(e, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
