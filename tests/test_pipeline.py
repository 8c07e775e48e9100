"""The pipeline's batching and its stance worker: order kept, stance overlapped with parsing, the classifier in
a child process giving the same results as in this one."""

from __future__ import annotations

import gc
import time
from collections.abc import Sequence
from itertools import islice
from pathlib import Path
from typing import Any

import pytest

from quotes.pipeline import Pipeline, StanceWorker, first_batch_sizes
from quotes.stance.classifier import Prediction, StanceClassifier
from quotes.stance.process import StanceProcess
from quotes.types import Article, Topic
from tests.conftest import SEED

TOPICS = [Topic("tax", "tax cuts"), Topic("peace", "a ceasefire in Ukraine")]


def articles(n: int) -> list[Article]:
    return [Article(id=f"a{i}", text=f"“We will cut taxes by {i} percent,” the finance minister, Ana Ruiz, said. "
                                      f"The opposition leader, Tom Berg, said a ceasefire was {i} weeks away.")
            for i in range(n)]


class SlowClassifier:
    """Answers every pair with ``none`` after a pause, and records what the worker tells it."""

    def __init__(self) -> None:
        self.calls: list[int] = []
        self.busy: list[bool] = []

    def predict(self, pairs: Sequence[tuple[str, str]], batch_size: int = 32, progress: Any = None,
                speakers: Any = None) -> list[Any]:
        time.sleep(0.2)
        self.calls.append(len(pairs))
        return [Prediction("none", 1.0, {"favor": 0.0, "against": 0.0, "none": 1.0}) for _ in pairs]

    def set_parent_busy(self, busy: bool) -> None:
        self.busy.append(busy)


def test_first_batch_is_small_then_full() -> None:
    assert list(islice(first_batch_sizes(16), 6)) == [2, 4, 8, 16, 16, 16]
    assert list(islice(first_batch_sizes(6), 4)) == [2, 4, 6, 6]
    assert list(islice(first_batch_sizes(1), 2)) == [1, 1]
    assert list(islice(first_batch_sizes(0), 2)) == [1, 1]


def test_stance_worker_keeps_order_and_lends_the_cores_while_it_waits(pipeline: Pipeline) -> None:
    classifier = SlowClassifier()
    run = Pipeline(nlp=pipeline.nlp, classifier=classifier, topics=TOPICS, batch_size=3)
    docs = articles(8)
    results = list(run.run(docs))
    assert [a.id for a, _ in results] == [a.id for a in docs]
    assert all(set(q.stance) == {"tax", "peace"} for _, quotes in results for q in quotes)
    assert sum(len(quotes) for _, quotes in results) * len(TOPICS) == sum(classifier.calls)
    assert classifier.calls == [8, 12, 12]  # batches of 2, 3 and 3 articles, two quotes each, two topics
    # every wait for the classifier is bracketed: cores lent (False), then taken back (True)
    assert classifier.busy and classifier.busy[0] is False and classifier.busy[-1] is True
    assert classifier.busy == [False, True] * (len(classifier.busy) // 2)


def test_stance_worker_lets_parsing_run_ahead(pipeline: Pipeline) -> None:
    """``done`` hands back finished batches only, until more than ``max_in_flight`` are queued."""
    run = Pipeline(nlp=pipeline.nlp, classifier=SlowClassifier(), topics=TOPICS)
    extracted = run.extract_batch(articles(1))
    assert extracted[0][1]
    with StanceWorker(run, max_in_flight=2) as worker:
        for i in range(2):
            worker.submit(extracted, tag=i)
        assert list(worker.done()) == []  # nothing finished yet, two in flight: keep parsing
        worker.submit(extracted, tag=2)
        assert [tag for tag, _ in worker.done()][:1] == [0]  # three in flight: wait for the oldest
        assert [tag for tag, _ in worker.done(wait_all=True)] in ([1, 2], [2])


def test_stance_process_in_the_pipeline_gives_the_in_process_results(pipeline: Pipeline,
                                                                     tiny_stance_model: Path) -> None:
    docs = articles(6)
    local = Pipeline(nlp=pipeline.nlp, topics=TOPICS, batch_size=4,
                     classifier=StanceClassifier.load(tiny_stance_model, precision="fp32", gate=False))
    expected = [[q.stance for q in quotes] for _, quotes in local.run(docs)]
    with StanceProcess(tiny_stance_model, precision="fp32", gate=False, cores=2) as remote:
        child = Pipeline(nlp=pipeline.nlp, topics=TOPICS, batch_size=4, classifier=remote)
        got = [[q.stance for q in quotes] for _, quotes in child.run(docs)]
    assert len(got) == len(expected) and sum(map(len, got)) > 0
    for g_article, e_article in zip(got, expected, strict=True):
        for g, e in zip(g_article, e_article, strict=True):
            for topic in e:
                assert g[topic].label == e[topic].label
                assert g[topic].score == pytest.approx(e[topic].score, abs=1e-5)


def test_a_spawned_child_does_not_run_the_main_script_again(tmp_path: Path) -> None:
    """Start-up: ``spawn`` would run the program's script again in each child (the ``quotes`` console script
    imports the whole command line) before the child's own work; the stance and parse children skip it."""
    import subprocess
    import sys

    script = tmp_path / "main_script.py"
    script.write_text(
        "import multiprocessing, sys\n"
        "from quotes.stance.process import available_cores, main_script_hidden\n"
        "print('script ran in', multiprocessing.current_process().name, flush=True)\n"
        "if __name__ == '__main__':\n"
        "    hide = len(sys.argv) > 1\n"
        "    child = multiprocessing.get_context('spawn').Process(target=available_cores, name='child')\n"
        "    with main_script_hidden() if hide else open(__file__):\n"
        "        child.start()\n"
        "    child.join()\n"
        "    assert child.exitcode == 0 and __file__.endswith('main_script.py')\n", encoding="utf-8")
    shown = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=True)
    assert "script ran in child" in shown.stdout   # what spawn does by itself: the check can fail
    hidden = subprocess.run([sys.executable, str(script), "hide"], capture_output=True, text=True, timeout=120,
                            check=True)
    assert hidden.stdout.splitlines() == ["script ran in MainProcess"], hidden.stdout + hidden.stderr


def test_a_pipeline_it_loaded_itself_is_reloaded_and_gives_the_same_quotes(pipeline: Pipeline) -> None:
    text = SEED.read_text(encoding="utf-8")
    articles = [Article(f"a{i}", text) for i in range(5)]
    fresh = Pipeline(reload_after=2)
    got, loaded = [], []
    for i in range(0, 5, 2):
        got.extend(fresh.extract_batch(articles[i:i + 2]))
        loaded.append(fresh.nlp)
    assert loaded[0] is not loaded[1] and loaded[1] is not loaded[2]   # reloaded after every 2 articles
    assert got == pipeline.extract_batch(articles)
    given = Pipeline(nlp=pipeline.nlp, reload_after=1)
    given.extract_batch(articles[:2])
    given.extract_batch(articles[2:3])
    assert given.nlp is pipeline.nlp   # a pipeline the caller gave is never replaced


def test_no_parsed_doc_outlives_its_batch_without_the_cycle_collector(pipeline: Pipeline) -> None:
    """Each Doc is freed when its batch is done (reference counting), not left for the cycle collector: dozens of
    them, tensors included, were alive at a time in long runs and fragmented the C heap (docs/benchmarks.md)."""
    from spacy.tokens import Doc

    text = SEED.read_text(encoding="utf-8")
    gc.collect()
    gc.disable()
    try:
        results = pipeline.extract_batch([Article(f"a{i}", text) for i in range(3)])
        alive = sum(1 for o in gc.get_objects() if type(o) is Doc)  # not isinstance: it wakes lazy modules
    finally:
        gc.enable()
    assert results and all(quotes for _, quotes in results)
    assert alive == 0


def test_a_reload_frees_the_old_pipeline_before_loading_the_new_one() -> None:
    """The old pipeline's vocabulary, lemmatizer tables and models are reference cycles: the reload collects them
    at once, so that two pipelines are never held together waiting for the cycle collector (docs/benchmarks.md)."""
    from spacy.vocab import Vocab

    from quotes.extract.nlp import load_nlp

    text = SEED.read_text(encoding="utf-8")
    articles = [Article(f"a{i}", text) for i in range(2)]
    load_nlp.cache_clear()   # a pipeline of its own, not the one the other tests share
    fresh = Pipeline(reload_after=1)

    def vocabularies() -> int:
        return sum(1 for o in gc.get_objects() if type(o) is Vocab)

    fresh.extract_batch(articles[:1])
    gc.collect()
    gc.disable()
    try:
        loaded = vocabularies()
        fresh.extract_batch(articles[1:])   # reloads first
        after = vocabularies()
    finally:
        gc.enable()
    assert after == loaded, (loaded, after)
