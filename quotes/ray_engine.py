"""The Ray engine: the work of :class:`quotes.driver.Extraction` on a Ray cluster (``pip install 'quotes[ray]'``).

    quotes extract articles/ --engine ray --address ray://head:10001 -o quotes.parquet --format parquet

1. The files to read become a Ray dataset (one row a file); workers read them (``.txt .md .html .json .jsonl
   .parquet``, with :func:`quotes.io.readers.read_file`, as the local engine does) into one row an article.
   Articles the store already has unchanged are marked so, without their text: no worker extracts them.
2. Each worker is an actor that loads the spaCy pipeline and the stance model once and extracts batches of
   articles (a failed batch is redone article by article, as the local engine does).
3. The results (Arrow tables: one row an article, its quotes as records) stream back to this process in input
   order; each batch is stored in one transaction as it arrives and handed to the output. An interrupted run
   keeps every batch stored so far, and the next run skips those articles.

The files, and the model folder, must be at the same path on every node (a shared file system). See
docs/scale-out.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quotes.driver import extract_safely
from quotes.io.readers import read_file
from quotes.pipeline import Pipeline, Results, content_hash
from quotes.types import Article, Quote

if TYPE_CHECKING:
    from quotes.driver import Extraction, RunReport

ARTICLE_FIELDS = ("id", "text", "path", "date", "title", "url", "source")
# The shared-memory object store of the Ray instance started for a run without --address. Ray's default is 30 %
# of the machine's memory, and each actor's resident memory counts the pages of the store it has touched: new
# batches keep landing on pages not touched before until the whole store has been used, so an actor's RSS climbs
# by a few KB an article until then (docs/benchmarks.md, 2026-12-05 11:43). The pages are shared, not the actor's
# own, and the store's size is their bound; the batches in flight need a few MiB of it.
LOCAL_OBJECT_STORE_BYTES = 512 * 2**20


def _row(order: int, sub: int, status: str, article: Article | None = None, reason: str | None = None,
         path: str | None = None) -> dict[str, Any]:
    row: dict[str, Any] = {"order": order, "sub": sub, "status": status, "reason": reason, "quotes": None}
    for name in ARTICLE_FIELDS:
        row[name] = getattr(article, name) if article is not None else None
    if path is not None:
        row["path"] = path
    return row


def read_articles(row: dict[str, Any], known: dict[str, str]) -> list[dict[str, Any]]:
    """One file of the dataset → one row an article (status ``todo``, or ``unchanged`` without its text: the
    store has it), a skipped input (``skipped``, with the reason) or a reading warning (``warning``)."""
    file, root, order = Path(row["file"]), Path(row["root"]), int(row["order"])
    if not file.exists() and not file.is_symlink():
        return [_row(order, 0, "skipped", reason="no such file or folder", path=str(file))]
    result = read_file(file, root)
    out = [_row(order, i, "warning", reason=w) for i, w in enumerate(result.warnings)]
    base = len(out)
    for i, article in enumerate(result.articles):
        if known.get(article.id) == content_hash(article):
            out.append(dict(_row(order, base + i, "unchanged", article), text=None))
        else:
            out.append(_row(order, base + i, "todo", article))
    base = len(out)
    out += [_row(order, base + i, "skipped", reason=s.reason, path=s.path) for i, s in enumerate(result.skipped)]
    return out


class ExtractActor:
    """A Ray actor: loads the spaCy pipeline and (with stance) the stance model once, then extracts the
    ``todo`` articles of every batch it is given; other rows pass through."""

    def __init__(self, batch_size: int, model: str | None, precision: str, gate: bool,
                 topics: list[tuple[str, str]]) -> None:
        from quotes.types import Topic

        classifier = None
        if model is not None:
            import torch

            from quotes.stance.classifier import StanceClassifier

            torch.set_num_threads(1)  # one core an actor: Ray gives each actor one CPU
            classifier = StanceClassifier.load(Path(model), precision=precision, gate=gate)
        self.pipeline = Pipeline(classifier=classifier, topics=[Topic(i, p) for i, p in topics],
                                 batch_size=batch_size)
        self.pipeline.nlp  # noqa: B018 - load spaCy now, once

    def __call__(self, batch: Any) -> Any:
        import pyarrow as pa

        rows = batch.to_pylist()
        todo = [Article(**{k: r[k] for k in ARTICLE_FIELDS}) for r in rows if r["status"] == "todo"]
        if todo:
            results, failed = extract_safely(self.pipeline, todo)
            results = self.pipeline.classify(results)
            found = {a.id: qs for a, qs in results}
            reasons = {s.path: s.reason for s in failed}
            for r in rows:
                if r["status"] != "todo":
                    continue
                quotes = found.get(r["id"])
                if quotes is None:
                    r["status"], r["reason"] = "skipped", reasons.get(r["path"] or r["id"], "processing failed")
                    r["path"] = r["path"] or r["id"]
                else:
                    r["status"], r["quotes"] = "done", json.dumps([q.to_record() for q in quotes])
        return pa.Table.from_pylist(rows, schema=_schema())


def _schema() -> Any:
    import pyarrow as pa

    fields = [("order", pa.int64()), ("sub", pa.int64()), ("status", pa.string()), ("reason", pa.string()),
              ("quotes", pa.string())] + [(name, pa.string()) for name in ARTICLE_FIELDS]
    return pa.schema(fields)


def import_ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise ImportError("--engine ray needs Ray: pip install 'quotes[ray]' (or -e '.[ray]' in a clone)") from exc
    return ray


def run_on_ray(run: Extraction, files: list[tuple[Path, Path]], finish: Callable[[bool, Results], None],
               report: RunReport, *, on_file: Callable[[], None] = lambda: None,
               warn: Callable[[str], None] = lambda message: None) -> None:
    """Extract ``files`` on the Ray cluster at ``run.address`` (default: start a local one with ``run.cores``
    CPUs); store and output the results through ``finish`` as they arrive, in input order, as the local engine
    does."""
    ray = import_ray()
    import logging

    connected_here = not ray.is_initialized()
    if connected_here:
        quiet = {"log_to_driver": False, "logging_level": logging.WARNING}
        if run.address is None:
            # "local": a new instance of our own, even when another Ray cluster runs on this machine
            ray.init(address="local", num_cpus=run.cores, object_store_memory=LOCAL_OBJECT_STORE_BYTES,
                     include_dashboard=False, **quiet)
        else:
            ray.init(address=run.address, **quiet)
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    ctx = ray.data.DataContext.get_current()
    saved = ctx.enable_progress_bars, ctx.execution_options.preserve_order
    try:
        ctx.enable_progress_bars = False
        # Results come back in input order: the store then commits batches in the order the local engine does,
        # and the output needs no sorting at the end (nor the whole run in memory).
        ctx.execution_options.preserve_order = True
        known = run.store.current_hashes(run.key) if run.store is not None and not run.force else {}
        items = [{"file": str(f.absolute()), "root": str(r.absolute()), "order": i} for i, (f, r) in enumerate(files)]
        actors = max(1, int(ray.cluster_resources().get("CPU", 1)))
        stance = run.stance
        told = 0   # files on_file was told about
        if items:
            ds = ray.data.from_items(items, override_num_blocks=min(len(items), 8 * actors))
            # Reading asks for no CPU: the actors hold every CPU of the cluster, and tasks that waited for one
            # would never run.
            ds = ds.flat_map(read_articles, fn_kwargs={"known": known}, num_cpus=0)
            ds = ds.map_batches(
                ExtractActor, batch_format="pyarrow", batch_size=run.batch_size, concurrency=actors, num_cpus=1,
                fn_constructor_kwargs={"batch_size": run.batch_size,
                                       "model": str(stance.model.resolve()) if stance is not None else None,
                                       "precision": stance.precision if stance is not None else "auto",
                                       "gate": stance.gate if stance is not None else True,
                                       "topics": [(t.id, t.phrase) for t in run.topics]})
            told = load_results(run, ds.iter_batches(batch_size=None, batch_format="pyarrow"), finish, report,
                                warn=warn, on_file=on_file)
        for _ in range(len(files) - told):
            on_file()
    finally:
        ctx.enable_progress_bars, ctx.execution_options.preserve_order = saved
        if connected_here:
            ray.shutdown()


def load_results(run: Extraction, tables: Iterable[Any], finish: Callable[[bool, Results], None],
                 report: RunReport, *, warn: Callable[[str], None], on_file: Callable[[], None]) -> int:
    """Take the workers' result tables as they arrive (in input order): warnings and skips to ``report``,
    unchanged articles from the store, processed ones stored a table (one batch) a transaction. Returns how
    many files ``on_file`` was told about (those before the last row's file: it may go on in the next table)."""
    from quotes.io.readers import Skipped

    told = 0
    for table in tables:
        batch: Results = []
        for r in table.to_pylist():
            for _ in range(told, r["order"]):   # the files before this row's are done
                on_file()
            told = max(told, r["order"])
            status = r["status"]
            if status == "warning":
                warn(r["reason"])
            elif status == "skipped":
                report.skipped.append(Skipped(r["path"], r["reason"]))
            elif status == "unchanged":
                if batch:
                    finish(True, batch)
                    batch = []
                assert run.store is not None
                article = _article(dict(r, text=run.store.article_text(r["id"])))
                finish(False, [(article, run.store.quotes_for_article(r["id"]))])
            else:
                batch.append((_article(r), [Quote.from_record(q) for q in json.loads(r["quotes"])]))
        if batch:
            finish(True, batch)
    return told


def _article(r: dict[str, Any]) -> Article:
    return Article(**{k: r[k] for k in ARTICLE_FIELDS})
