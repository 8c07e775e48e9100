"""The model card (``README.md``) written next to every trained stance model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from quotes.types import STANCE_LABELS

MAX_TOPICS_SHOWN = 40


def _table(header: list[str], rows: list[list[Any]]) -> str:
    def cell(value: Any) -> str:
        return f"{value:.3f}" if isinstance(value, float) else str(value).replace("|", "\\|")

    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _shown(path: str) -> str:
    """A data file as a reader can find it: relative to the working folder when under it, else its last parts."""
    p = Path(path)
    try:
        return p.resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return "/".join(p.parts[-3:])


def _data_section(settings: dict[str, Any], metrics: dict[str, Any]) -> str:
    data = metrics.get("data", {})
    train, dev = data.get("train"), data.get("dev")
    files = ", ".join(f"`{_shown(p)}`" for p in settings.get("data", [])) or "(none)"
    lines = [f"Training files: {files}."]
    rows = []
    for name, part in (("train", train), ("dev", dev)):
        if part:
            rows.append([name, part["examples"], part["topics"], *(part["labels"][lb] for lb in STANCE_LABELS)])
    if rows:
        lines += ["", _table(["split", "examples", "topics", *STANCE_LABELS], rows)]
    flipped = metrics.get("train", {}).get("opposite_pairs_added", 0)
    if flipped:
        lines += ["", f"The training split includes {flipped} topic-flipped pairs (a statement paired with the "
                      "phrase of the opposite position, favor and against swapped) added by augmentation."]
    added = metrics.get("train", {}).get("none_pairs_added", 0)
    if added:
        lines += ["", f"The training split includes {added} cross-topic `none` pairs (a statement paired with "
                      "another topic's phrase) added by augmentation."]
    if settings.get("dev_topics"):
        lines += ["", "Dev split: the held-out topics " + ", ".join(f"`{t}`" for t in settings["dev_topics"])
                  + " (never seen in training, so dev scores measure transfer to new topics)."]
    elif settings.get("dev"):
        lines += ["", f"Dev split: `{_shown(settings['dev'])}`."]
    else:
        lines += ["", "No dev split was used: the model is the last epoch and has no dev scores."]
    return "\n".join(lines)


def _metrics_section(metrics: dict[str, Any]) -> str:
    dev = metrics.get("dev")
    if not dev:
        return "No dev evaluation."
    lines = [
        f"Best epoch {metrics.get('best_epoch')} on the dev split ({dev['n']} examples): "
        f"**macro-F1 {dev['macro_f1']:.3f}**, F_avg (favor/against) {dev['f_avg']:.3f}, "
        f"accuracy {dev['accuracy']:.3f}.",
        "",
        _table(["label", "precision", "recall", "F1", "support"],
               [[lb, v["precision"], v["recall"], v["f1"], v["support"]] for lb, v in dev["per_label"].items()]),
        "",
        "Confusion matrix (rows gold, columns predicted):",
        "",
        _table(["gold \\ pred", *dev["confusion"]["labels"]],
               [[lb, *row] for lb, row in zip(dev["confusion"]["labels"], dev["confusion"]["matrix"], strict=True)]),
    ]
    per_topic = dev.get("per_topic") or {}
    if per_topic:
        shown = list(per_topic.items())[:MAX_TOPICS_SHOWN]
        lines += ["", "Per topic (precision, recall and F1 macro-averaged over the labels present):", "",
                  _table(["topic", "n", "precision", "recall", "F1", "accuracy"],
                         [[t, v["n"], v["precision"], v["recall"], v["f1"], v["accuracy"]] for t, v in shown])]
        if len(per_topic) > len(shown):
            lines.append(f"\n({len(per_topic) - len(shown)} smaller topics omitted; see metrics.json.)")
    return "\n".join(lines)


def _adaptation_section(metrics: dict[str, Any]) -> str:
    """With ``--from``: what the model was adapted from, on what, and its scores before and after."""
    adaptation = metrics.get("adaptation")
    if not adaptation:
        return ""
    rows = [[_shown(name) if "/" in name else name, row["n"], row["before"]["macro_f1"], row["after"]["macro_f1"],
             round(row["after"]["macro_f1"] - row["before"]["macro_f1"], 3)]
            for name, row in adaptation["scores"].items()]
    sources = ", ".join(f"`{_shown(p)}`" for p in adaptation.get("replay_sources", [])) or "nothing"
    note = f" ({adaptation['replay_note']})" if adaptation.get("replay_note") else ""
    lines = [
        "", "## Adaptation", "",
        f"Adapted from `{_shown(adaptation['from'])}` on {adaptation['new_labels']} new labelled pairs, with "
        f"{adaptation['replayed']} pairs of its original training data replayed (from {sources}{note}); "
        f"{adaptation['held_out']} new pairs were held out. The relevance gate is the original model's.",
    ]
    if rows:
        lines += ["", _table(["evaluation set", "pairs", "macro-F1 before", "after", "change"], rows)]
    return "\n".join(lines)


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def _gate_section(gate: dict[str, Any] | None, one_way: bool = False, source: str = "the training data") -> str:
    if not gate:
        return "This model has no relevance gate: every (topic, statement) pair is classified."
    scoring = gate.get("scoring", "cosine")
    how = (f"each content word of the topic finds its closest token of the statement in `{gate.get('encoder')}`, "
           "and the pair scores the mean of those cosine similarities" if scoring == "token-maxsim" else
           f"cosine similarity of `{gate.get('encoder')}` sentence embeddings")
    if gate.get("fit") == "off-topic":
        off = gate.get("off_topic") or {}
        fitted = (f"the threshold under which this model's labels best match the gold labels (macro-F1) on "
                  f"{gate.get('fitted_on', '?')} pairs of {source} and the same statements paired with "
                  f"{gate.get('off_topic_pairs', '?')} unrelated topics (gold `none`); on those unrelated pairs "
                  f"the model takes a stance on {_share(off.get('stance_ungated'))} without the gate and "
                  f"{_share(off.get('stance_gated'))} with it")
    else:
        fitted = (f"the score that {gate.get('quantile', 0):.1%} of the favor/against pairs of {source} fall below "
                  f"(fitted on {gate.get('fitted_on', '?')} of them)")
    lines = [
        f"Before classifying, the model's relevance gate (`gate_threshold` in `config.json`) scores how related "
        f"statement and topic are ({how}) and labels a pair `none` unclassified below **{gate['threshold']:.4f}**: "
        f"{fitted}. The gate reads a statement without its speaker's name, where the speaker is known (a quote "
        f"is about a topic for what it says, not for who says it). `--no-gate` classifies every pair."]
    if one_way:
        lines[0] += (" This one-way model classifies every pair first (its per-pair cost is smaller than the gate's "
                     "reading of a statement) and then gates the pairs it labelled favor or against: the same "
                     "labels as gating first, and `relevance` is computed for those pairs only.")
    rows = [[split, _share(gate[split].get("favor_against_gated")), _share(gate[split].get("none_gated"))]
            for split in ("train", "dev") if split in gate]
    if rows:
        lines += ["", _table(["split", "favor/against gated", "none gated"], rows)]
    return "\n".join(lines)


def _reading_section(settings: dict[str, Any]) -> str:
    """How a segmented model reads a pair (see quotes.stance.modeling); empty for a full cross-encoder."""
    split, one_way = int(settings.get("split_layers") or 0), bool(settings.get("one_way"))
    if not split and not one_way:
        return ""
    lines = ["It reads `[CLS] statement [SEP]` and `[CLS] topic [SEP]` as two segments (token types 0 and 1)."]
    if split:
        lines.append(f"Its first {split} layer(s) read the two apart, each as a sentence of its own.")
    if one_way:
        lines.append(("Above them" if split else "In every layer") + ", the topic's tokens read the statement but "
                     "the statement's never read the topic, and the pair is pooled over the topic's tokens: a "
                     "statement is read once for all topics, and each topic costs only its own few tokens.")
    else:
        lines.append("The layers above them read the pair together; a statement's lower layers are computed once "
                     "for all topics.")
    return "\n\n" + " ".join(lines)


def _gate_source(settings: dict[str, Any]) -> str:
    files = settings.get("gate_data") or []
    return ", ".join(f"`{_shown(p)}`" for p in files) if files else "the training data"


def render_card(settings: dict[str, Any], metrics: dict[str, Any], base_name: str,
                gate: dict[str, Any] | None = None) -> str:
    """The model card text for a model trained with ``settings`` that scored ``metrics``."""
    train = metrics.get("train", {})
    hyper = _table(
        ["setting", "value"],
        [[k, f"{settings[k]:g}" if isinstance(settings[k], float) else settings[k]]
         for k in ("epochs", "lr", "head_lr", "batch_size", "max_length", "warmup", "weight_decay", "label_smoothing",
                   "none_augment", "speaker_augment", "opposite_augment", "relevance_quantile", "gate_fit", "gate_scoring", "layers", "split_layers", "one_way", "bf16", "seed")
         if k in settings],
    )
    reading = _reading_section(settings)
    return f"""---
library_name: transformers
pipeline_tag: text-classification
language: en
base_model: {base_name}
tags: [stance-detection, quotes]
---

# Stance classifier ({Path(settings.get('out', 'model')).name})

A `{base_name}` encoder fine-tuned by `quotes train` as a sequence-pair classifier: it reads
`(topic phrase, statement)` and predicts whether the statement is in **favor** of the topic,
**against** it, or takes **none** (no stance, or not about the topic). Labels are in `config.json`
(`id2label`); use it with `quotes classify --model PATH` or
`quotes.stance.classifier.StanceClassifier.load(path)`.{reading}

## Training data

{_data_section(settings, metrics)}

## Training

{hyper}

Trained for {train.get('seconds', '?')} s on {train.get('threads', '?')} CPU threads
({train.get('examples_per_s', '?')} examples/s); the epoch with the best dev macro-F1 was kept.

## Relevance gate

{_gate_section(gate, bool(settings.get("one_way")), _gate_source(settings))}

## Evaluation

{_metrics_section(metrics)}
{_adaptation_section(metrics)}

## Intended use

Classifying the stance of quotes and reported statements from news articles on topics named by a short
phrase ("Western sanctions on Russia"), to aggregate where speakers stand. Scores are probabilities
from a softmax; treat low-score predictions as uncertain.

## Limits

- Measure it on text like yours: scores on the dev split above need not carry over to other genres, topics
  or speakers (the project's figures on real news and speeches are in its `docs/benchmarks.md`).
- English only; trained on news-style quotes, mostly one or two sentences long. Longer argumentative
  texts (reader comments, op-eds) are truncated to {settings.get('max_length', '?')} tokens and are harder.
- Irony, hedging, conditional and reported (second-hand) stances are frequent errors: check the
  per-topic scores above and spot-check predictions before drawing conclusions.
- The relevance gate labels `none`, unclassified, a statement that argues about a topic without naming or
  evoking it in words the sentence encoder relates to the topic phrase; `--no-gate` classifies every pair.
- A topic phrase must name something one can be for or against; stance on a bare subject ("Russia")
  is ill-defined. Topics far from the training topics score lower (see the held-out dev topics).
- The model reports the stance expressed in the text, not the speaker's true position, and must not
  be used on its own to make decisions about people.
"""


def write_card(out: Path, settings: dict[str, Any], metrics: dict[str, Any], base_name: str) -> Path:
    """Write ``README.md`` into the model folder ``out`` (with its relevance gate, if any); returns its path."""
    from quotes.stance.relevance import read_gate_settings

    path = Path(out) / "README.md"
    path.write_text(render_card(settings, metrics, base_name, read_gate_settings(out)), encoding="utf-8")
    return path
