"""The extraction driver (``quotes.driver``): what ``quotes extract`` runs, without the CLI."""

from __future__ import annotations

from pathlib import Path

from conftest import make_articles

from quotes.driver import Extraction, ParsePool, extract_safely
from quotes.pipeline import Pipeline
from quotes.store import Store
from quotes.types import Article, Quote


def test_a_failed_batch_is_redone_article_by_article(nlp) -> None:  # type: ignore[no-untyped-def]
    class Fragile(Pipeline):
        def extract_batch(self, batch: list[Article]) -> list[tuple[Article, list[Quote]]]:
            if any("BOOM" in a.text for a in batch):
                raise ValueError("bad article")
            return super().extract_batch(batch)

    batch = [Article("a", "“Yes,” said Ana Ruiz."), Article("b", "BOOM", path="b.txt"),
             Article("c", "“No,” said Tomas Berg.")]
    results, failed = extract_safely(Fragile(nlp=nlp), batch)
    assert [a.id for a, _ in results] == ["a", "c"]
    assert [q.speaker.name for _, qs in results for q in qs if q.speaker] == ["Ana Ruiz", "Tomas Berg"]
    assert len(failed) == 1 and failed[0].path == "b.txt" and "ValueError: bad article" in failed[0].reason


def test_driver_stores_per_batch_and_skips_unchanged_articles(tmp_path: Path) -> None:
    folder = make_articles(tmp_path / "in", 7)
    seen: list[tuple[str, int]] = []
    with Store(tmp_path / "q.db") as store:
        run = Extraction(None, store=store, workers=1, batch_size=2)
        first = run.run([folder], lambda a, qs: seen.append((a.id, len(qs))))
        assert (first.processed, first.unchanged, first.skipped) == (7, 0, [])
        assert [a for a, _ in seen] == [f"a{i:03d}" for i in range(7)]
        assert store.count_quotes() == first.quotes == sum(n for _, n in seen) > 0
        again: list[tuple[str, int]] = []
        second = run.run([folder], lambda a, qs: again.append((a.id, len(qs))))
        assert (second.processed, second.unchanged) == (0, 7)
        assert again == seen


def test_parse_pool_gives_what_this_process_gives(pipeline: Pipeline, tmp_path: Path) -> None:
    from quotes.io.readers import read_paths

    articles = [a for _, r in read_paths([make_articles(tmp_path / "in", 9)]) for a in r.articles]
    batches = [articles[:2], articles[2:6], articles[6:]]
    with ParsePool(2, batch_size=8) as pool:
        jobs = [pool.submit(b) for b in batches]
        pids = pool.pids
        assert len(pids) == 2
        got = [job.result() for job in jobs]
    assert [r for results, _ in got for r in results] == [r for b in batches for r in pipeline.extract_batch(b)]
    assert all(failed == [] for _, failed in got)
    import psutil

    assert not any(psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE for pid in pids)


def test_quote_record_round_trip(pipeline: Pipeline) -> None:
    quotes = pipeline.extract_one(Article("x", "“We will cut taxes,” the finance minister, Ana Ruiz, said. "
                                               "She said that the plan would work."))
    assert quotes
    for q in quotes:
        assert Quote.from_record(q.to_record()) == q
