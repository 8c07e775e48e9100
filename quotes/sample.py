"""Pick (quote, topic) pairs from the store for people to label, and write them for Label Studio or a sheet.

``uncertain`` takes the pairs with the smallest margin between the model's two most likely labels, ``random`` a
seeded random draw, ``diverse`` spreads the picks over speakers, articles and dates (round robin over speakers,
preferring articles and dates not picked yet). Pairs already labelled in the given files (matched by pair id,
else by statement and topic) are never picked again::

    with open_store("quotes.db") as store:
        candidates = candidates_from_store(store, topics, since="2024-01")
    picked = choose(candidates, "uncertain", 100, classifier=StanceClassifier.load())
    write_tasks(picked, "tasks.json")
"""

from __future__ import annotations

import csv
import io
import json
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quotes.pipeline import statement_text
from quotes.stance.data import DataError, label_studio_csv_rows, read_records, topic_key
from quotes.stance.labelstudio import PAIR_KEY, labeling_config, marked_paragraph, task
from quotes.types import Article, Prediction, Quote, Topic

if TYPE_CHECKING:
    from quotes.stance.classifier import StanceClassifier
    from quotes.store import Store

STRATEGIES: tuple[str, ...] = ("uncertain", "random", "diverse")
SHEET_COLUMNS: tuple[str, ...] = ("pair", "text", "topic", "topic_id", "label", "prediction", "score", "speaker",
                                  "quote", "paragraph", "article", "title", "date")


class SampleError(ValueError):
    """Sampling cannot run as asked (unknown strategy, no candidates); the message says why."""


@dataclass(frozen=True)
class Candidate:
    """One (quote, topic) pair that could be labelled, with what a labeller needs to see."""

    pair: str                   # "<article>#<n>@<topic id>"
    statement: str              # the quote as reported: what the classifier reads and the label is about
    topic: Topic
    quote: str
    paragraph: str              # HTML, the quote in <mark>
    speaker: str
    article: str
    title: str
    date: str
    prediction: Prediction | None = None
    mention: str | None = None  # the speaker as the statement writes them (the relevance gate leaves it out)

    @property
    def margin(self) -> float:
        """The gap between the model's two most likely labels (1 without a prediction)."""
        if self.prediction is None:
            return 1.0
        top = sorted(self.prediction.probs.values(), reverse=True)
        return top[0] - top[1]

    def data(self) -> dict[str, Any]:
        """The task's ``data`` for Label Studio."""
        source = " · ".join(p for p in (self.speaker, self.title, self.date, self.article) if p)
        return {PAIR_KEY: self.pair, "text": self.statement, "topic": self.topic.phrase, "topic_id": self.topic.id,
                "quote": self.quote, "paragraph": self.paragraph, "speaker": self.speaker,
                "article": self.article, "title": self.title, "date": self.date, "source": source}


PARAGRAPH_CHARS = 800  # a longer paragraph (or an article without breaks) is cut to the sentences around the quote


def paragraph_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The paragraph around ``text[start:end]`` (between line breaks); when longer than :data:`PARAGRAPH_CHARS`,
    the whole sentences within about ``PARAGRAPH_CHARS / 2`` characters either side of the span."""
    left, right = text.rfind("\n", 0, start), text.find("\n", end)
    lo, hi = left + 1, len(text) if right < 0 else right
    if hi - lo <= PARAGRAPH_CHARS:
        return lo, hi
    reach = PARAGRAPH_CHARS // 2
    window_lo, window_hi = max(lo, start - reach), min(hi, end + reach)
    cut = text.find(". ", window_lo, start)
    lo = cut + 2 if window_lo > lo and cut >= 0 else window_lo
    cut = text.rfind(". ", end, window_hi)
    hi = cut + 1 if window_hi < hi and cut >= 0 else window_hi
    return lo, hi


def quote_candidates(article: Article, quotes: Iterable[Quote], topics: Sequence[Topic]) -> list[Candidate]:
    """Every (quote, topic) pair of one article."""
    out = []
    for quote in quotes:
        span = quote.statement or quote.content
        lo, hi = paragraph_bounds(article.text, span.start, span.end)
        paragraph = marked_paragraph(article.text, lo, hi, quote.content.start, quote.content.end)
        speaker = quote.speaker.name if quote.speaker else ""
        for topic in topics:
            out.append(Candidate(f"{quote.id}@{topic.id}", statement_text(quote), topic, quote.content.text,
                                 paragraph, speaker, article.id, article.title or "", article.date or "",
                                 mention=quote.speaker.mention if quote.speaker else None))
    return out


def in_dates(date: str | None, since: str | None, until: str | None) -> bool:
    """``quotes report``'s date filter: ``since`` <= date, and the date's first characters <= ``until``."""
    if not since and not until:
        return True
    if not date:
        return False
    return (not since or date >= since) and (not until or date[: len(until)] <= until)


def candidates_from_store(store: Store, topics: Sequence[Topic], *, since: str | None = None,
                          until: str | None = None) -> list[Candidate]:
    """Every (quote, topic) pair in the store whose article is dated within ``since``/``until``."""
    out: list[Candidate] = []
    for row in store.articles():
        if in_dates(row.date, since, until) and row.quotes:
            out.extend(quote_candidates(store.article(row.id), store.quotes_for_article(row.id), topics))
    return out


def labelled_keys(paths: Sequence[Path]) -> set[str]:
    """The pairs labelled in ``paths`` (JSONL, CSV or Label Studio exports): pair ids and (statement, topic) keys.

    Every task in an export counts, answered or not: a task that is already out for labelling is not sampled twice.
    """
    keys: set[str] = set()
    for path in paths:
        for record in _all_records(Path(path)):
            if record.get("id"):
                keys.add(record["id"])
            keys.add(_text_key(record["text"], topic_key(record)))
            keys.add(_text_key(record["text"], record["topic"]))
    return keys


def _all_records(path: Path) -> list[dict[str, str]]:
    """Pair id, statement and topic of every task or row in ``path``, labelled or not."""
    if path.suffix.lower() == ".json" and path.is_file():
        try:
            items = json.loads(path.read_text(encoding="utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise DataError(f"cannot read {path} as JSON: {exc}") from None
        if isinstance(items, list):  # Label Studio tasks or an export of them
            out = []
            for n, item in enumerate(items, start=1):
                data = item.get("data", item) if isinstance(item, dict) else None
                if not isinstance(data, dict) or not data.get("text") or not data.get("topic"):
                    raise DataError(f"task {n} in {path} has no 'text' and 'topic'")
                out.append({"id": str(data.get(PAIR_KEY) or ""), "text": str(data["text"]),
                            "topic": str(data["topic"]), "topic_id": str(data.get("topic_id") or "")})
            return out
    if (rows := label_studio_csv_rows(path)) is not None:  # Label Studio's CSV export: one row per annotation
        return [{"id": row.get(PAIR_KEY, ""), "text": row.get("text", ""), "topic": row.get("topic", ""),
                 "topic_id": row.get("topic_id", "")} for row in rows]
    return read_records(path, require_label=False)


def _text_key(text: str, topic: str) -> str:
    return f"{' '.join(text.split()).lower()}\x00{' '.join(topic.split()).lower()}"


def exclude(candidates: Sequence[Candidate], keys: set[str]) -> list[Candidate]:
    """The candidates whose pair is not in ``keys`` (see :func:`labelled_keys`)."""
    return [c for c in candidates if c.pair not in keys and _text_key(c.statement, c.topic.id) not in keys
            and _text_key(c.statement, c.topic.phrase) not in keys]


def predict(candidates: Sequence[Candidate], classifier: StanceClassifier, batch_size: int = 32) -> list[Candidate]:
    """The candidates with the classifier's prediction on each."""
    predictions = classifier.predict([(c.topic.phrase, c.statement) for c in candidates], batch_size=batch_size,
                                     speakers=[c.mention for c in candidates])
    return [replace(c, prediction=p) for c, p in zip(candidates, predictions, strict=True)]


def choose(candidates: Sequence[Candidate], strategy: str, n: int, *, classifier: StanceClassifier | None = None,
           seed: int = 0, batch_size: int = 32) -> list[Candidate]:
    """Pick ``n`` candidates by ``strategy``; with a ``classifier`` every pick carries its prediction."""
    if strategy not in STRATEGIES:
        raise SampleError(f"unknown strategy {strategy!r}; expected {', '.join(STRATEGIES)}")
    if n < 1:
        raise SampleError(f"the number of pairs to pick must be at least 1, got {n}")
    if strategy == "uncertain":
        if classifier is None:
            raise SampleError("the uncertain strategy needs a model")
        scored = predict(candidates, classifier, batch_size)
        order = sorted(range(len(scored)), key=lambda i: (scored[i].margin, i))
        return [scored[i] for i in order[:n]]
    rng = random.Random(seed)
    picked = (rng.sample(list(candidates), min(n, len(candidates))) if strategy == "random"
              else spread(candidates, n, rng))
    return predict(picked, classifier, batch_size) if classifier is not None else picked


def spread(candidates: Sequence[Candidate], n: int, rng: random.Random) -> list[Candidate]:
    """Round robin over speakers (in random order); each speaker's next pick prefers an article and a date, then
    a topic, picked least so far."""
    by_speaker: dict[str, list[Candidate]] = defaultdict(list)
    for c in candidates:
        by_speaker[c.speaker].append(c)
    speakers = list(by_speaker)
    rng.shuffle(speakers)
    for name in speakers:
        rng.shuffle(by_speaker[name])
    used: Counter[str] = Counter()
    picked: list[Candidate] = []
    while len(picked) < n and speakers:
        for name in list(speakers):
            pool = by_speaker[name]
            best = min(range(len(pool)), key=lambda i: (used["a:" + pool[i].article] + used["d:" + pool[i].date],
                                                        used["t:" + pool[i].topic.id], i))
            c = pool.pop(best)
            picked.append(c)
            used.update(("a:" + c.article, "d:" + c.date, "t:" + c.topic.id))
            if not pool:
                speakers.remove(name)
            if len(picked) >= n:
                break
    return picked


def sample_pairs(store: Store, topics: Sequence[Topic], strategy: str, n: int, *, since: str | None = None,
                 until: str | None = None, labelled: Sequence[Path] = (),
                 classifier: StanceClassifier | None = None, seed: int = 0) -> tuple[list[Candidate], int]:
    """Pick ``n`` pairs to label: returns the picks and how many candidates there were to pick from."""
    candidates = exclude(candidates_from_store(store, topics, since=since, until=until), labelled_keys(labelled))
    if not candidates:
        raise SampleError("no quotes to sample: the store has none for these topics and dates, or all are labelled")
    return choose(candidates, strategy, n, classifier=classifier, seed=seed), len(candidates)


def tasks_json(picked: Sequence[Candidate], model_version: str = "") -> str:
    """Label Studio tasks to import, the model's label as a pre-annotation."""
    tasks = [task(c.data(), c.prediction.label if c.prediction else None,
                  c.prediction.score if c.prediction else None, model_version) for c in picked]
    return json.dumps(tasks, ensure_ascii=False, indent=1) + "\n"


def sheet_csv(picked: Sequence[Candidate]) -> str:
    """A CSV sheet with an empty ``label`` column to fill (``quotes train`` reads it back)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=SHEET_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for c in picked:
        data = c.data()
        writer.writerow({**{k: data.get(k, "") for k in SHEET_COLUMNS}, "label": "",
                         "prediction": c.prediction.label if c.prediction else "",
                         "score": f"{c.prediction.score:.4f}" if c.prediction else ""})
    return buffer.getvalue()


__all__ = ["STRATEGIES", "Candidate", "SampleError", "candidates_from_store", "choose", "exclude",
           "labeling_config", "labelled_keys", "sample_pairs", "sheet_csv", "tasks_json"]
