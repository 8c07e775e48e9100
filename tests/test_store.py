"""The SQLite results store: batches, skipping, rollback, concurrent readers, linking, readers."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import quotes
from quotes.linking import AliasEntry, Aliases, AliasesError
from quotes.store import SCHEMA_VERSION, Store, StoreError, StoreNotFoundError, open_store
from quotes.types import Article, Quote, Span, Speaker, Stance


@dataclass
class Q:
    """A quote to build by hand: who, how they are named here, what they said and its stance."""

    name: str
    content: str
    stance: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    mention: str | None = None
    kind: str = "person"
    confidence: float = 0.9


def make_article(aid: str, quotes: list[Q], *, date: str | None = None, title: str | None = None,
                 url: str | None = None, intro: str = "Officials met on Monday.") -> tuple[Article, list[Quote]]:
    """Real records: an article whose text holds each quote at the recorded offsets."""
    text = ""
    out: list[Quote] = []
    for i, q in enumerate(quotes):
        mention = q.mention or q.name
        para = f'{intro} "'
        start = len(text) + len(para)
        para += f'{q.content}," said {mention}.'
        end = start + len(q.content)
        cue_start = end + 3
        m_start = cue_start + 5
        out.append(Quote(
            aid, i, "direct", Span(start, end, q.content), Span(cue_start, cue_start + 4, "said"),
            Speaker(q.name, mention, m_start, m_start + len(mention), q.kind),  # type: ignore[arg-type]
            q.confidence, Span(start - 1, m_start + len(mention), ""),
            {t: Stance(*value) for t, value in q.stance.items()}))
        text += para + "\n\n"
    article = Article(aid, text, f"{aid}.txt", date, title, url)
    for q_ in out:
        assert text[q_.content.start:q_.content.end] == q_.content.text
        assert q_.speaker is not None and q_.speaker.start is not None
        assert text[q_.speaker.start:q_.speaker.end] == q_.speaker.mention
    return article, out


def item(aid: str, quotes: list[Q], key: str = "k1", **meta: Any) -> tuple[Article, str, str, list[Quote]]:
    article, qs = make_article(aid, quotes, **meta)
    return article, f"hash-{hash(article.text)}", key, qs


@pytest.fixture()
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "quotes.db")


def test_creates_schema_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "quotes.db"
    with Store(path) as s:
        assert s.schema_version == SCHEMA_VERSION
        assert s.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in s.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"articles", "speakers", "quotes", "stance", "runs", "meta"} <= tables
    assert path.exists()


def test_write_batch_round_trip(store: Store) -> None:
    run = store.begin_run("model-a", ["climate"])
    art, h, key, quotes = item("a1", [Q("Xi Jinping", "We back the deal", {"climate": ("favor", 0.91, 0.42)}),
                                      Q("Xi Jinping", "Not now", {"climate": ("against", 0.6)}, mention="he")],
                               date="2024-01-02", title="Talks", url="https://example.org/a1")
    store.write_batch(run, [(art, h, key, quotes)])
    store.finish_run(run, {"articles": 1, "quotes": 2})
    assert store.article("a1") == art
    back = store.quotes_for_article("a1")
    assert back == quotes  # every field of the extract schema survives
    assert [q.to_dict() for q in back] == [q.to_dict() for q in quotes]
    rows = store.articles()
    assert [(r.id, r.quotes, r.date, r.processing_key) for r in rows] == [("a1", 2, "2024-01-02", "k1")]
    (r,) = store.runs()
    assert (r.model, r.topics, r.counts) == ("model-a", ("climate",), {"articles": 1, "quotes": 2})
    assert r.finished_at is not None
    stance_model = store.conn.execute("SELECT DISTINCT model FROM stance").fetchall()
    assert [m[0] for m in stance_model] == ["model-a"]


def test_is_current_and_resume(tmp_path: Path) -> None:
    path = tmp_path / "quotes.db"
    first = item("a1", [Q("Ann Lee", "One")])
    second = item("a2", [Q("Ann Lee", "Two")])
    with Store(path) as s:
        run = s.begin_run(None, [])
        s.write_batch(run, [first])
        # interrupted: the run never finishes, the second batch never comes
    with Store(path) as s:
        assert s.is_current("a1", first[1], "k1")
        assert not s.is_current("a1", first[1], "k2")          # new model/topics -> redo
        assert not s.is_current("a1", "other-hash", "k1")      # changed text -> redo
        assert not s.is_current("a2", second[1], "k1")         # never stored
        assert s.runs()[0].finished_at is None
        todo = [it for it in (first, second) if not s.is_current(it[0].id, it[1], it[2])]
        assert [it[0].id for it in todo] == ["a2"]
        run = s.begin_run(None, [])
        s.write_batch(run, todo)
        s.finish_run(run, {"articles": 1, "skipped": 1})
        assert all(s.is_current(a.id, h, k) for a, h, k, _ in (first, second))
        assert s.count_quotes() == 2


def test_rewrite_replaces_previous_quotes_and_stance(store: Store) -> None:
    run = store.begin_run("m", ["t"])
    store.write_batch(run, [item("a1", [Q("Ann Lee", "One", {"t": ("favor", 0.9)}),
                                        Q("Bo Chan", "Two", {"t": ("none", 0.5)})])])
    store.write_batch(run, [item("a1", [Q("Ann Lee", "Only one", {"t": ("against", 0.7)})], key="k2")])
    assert [q.content.text for q in store.quotes_for_article("a1")] == ["Only one"]
    assert store.conn.execute("SELECT COUNT(*) FROM stance").fetchone()[0] == 1
    assert [s.name for s in store.speakers()] == ["Ann Lee"]   # Bo Chan no longer quoted
    assert store.is_current("a1", store.conn.execute("SELECT content_hash FROM articles").fetchone()[0], "k2")


def test_error_mid_batch_rolls_back_everything(store: Store) -> None:
    run = store.begin_run("m", ["t"])
    store.write_batch(run, [item("a1", [Q("Ann Lee", "Kept", {"t": ("favor", 0.9)})])])
    before = store.quotes_for_article("a1")
    bad = item("a3", [Q("Cy Dee", "Bad", {"t": ("pro", 0.9)})])  # not a stance label
    with pytest.raises(sqlite3.IntegrityError):
        store.write_batch(run, [item("a1", [Q("Ann Lee", "Changed")], key="k2"),
                                item("a2", [Q("Bo Chan", "New")]), bad])
    assert store.quotes_for_article("a1") == before
    assert [a.id for a in store.articles()] == ["a1"]
    assert store.is_current("a1", store.conn.execute("SELECT content_hash FROM articles").fetchone()[0], "k1")
    assert [s.name for s in store.speakers()] == ["Ann Lee"]
    store.write_batch(run, [item("a2", [Q("Bo Chan", "New")])])  # the store still works
    assert store.count_quotes() == 2


def test_quote_of_another_article_is_rejected(store: Store) -> None:
    run = store.begin_run(None, [])
    art, h, k, quotes = item("a1", [Q("Ann Lee", "x")])
    with pytest.raises(StoreError, match="does not belong"):
        store.write_batch(run, [(Article("other", art.text), h, k, quotes)])
    assert store.articles() == []


def test_unknown_run(store: Store) -> None:
    with pytest.raises(StoreError, match="begin_run"):
        store.write_batch(99, [item("a1", [])])
    with pytest.raises(StoreError, match="no run 99"):
        store.finish_run(99, {})


def test_reader_reads_while_writer_holds_transaction(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "quotes.db"
    writer = Store(path)
    run = writer.begin_run(None, [])
    writer.write_batch(run, [item("a1", [Q("Ann Lee", "Committed")])])
    reader = Store(path, timeout=0.1)
    seen: list[list[str]] = []
    original = Store._relink

    def relink_and_read(self: Store, conn: sqlite3.Connection, aliases: Aliases) -> bool:
        # the writer's transaction is open and has written a2: a reader sees the committed state only
        seen.append([a.id for a in reader.articles()])
        seen.append([s.name for s in reader.speakers()])
        assert reader.quotes_for_article("a1")[0].content.text == "Committed"
        return original(self, conn, aliases)

    monkeypatch.setattr(Store, "_relink", relink_and_read)
    writer.write_batch(run, [item("a2", [Q("Bo Chan", "Pending")])])
    assert seen == [["a1"], ["Ann Lee"]]
    assert [a.id for a in reader.articles()] == ["a1", "a2"]
    writer.close()
    reader.close()


def test_cross_article_linking_in_store(store: Store) -> None:
    run = store.begin_run("m", ["t"])
    store.write_batch(run, [item("a1", [Q("Xi", "Short form first", mention="President Xi"),
                                        Q("Clinton", "Ambiguous")])])
    assert {s.name for s in store.speakers()} == {"Xi", "Clinton"}
    store.write_batch(run, [item("a2", [Q("Xi Jinping", "Full name later"),
                                        Q("Hillary Clinton", "H"), Q("Bill Clinton", "B")])])
    speakers = {s.name: s for s in store.speakers()}
    assert set(speakers) == {"Xi Jinping", "Clinton", "Hillary Clinton", "Bill Clinton"}
    xi = speakers["Xi Jinping"]
    assert (xi.quotes, xi.articles, xi.kind) == (2, 2, "person")
    assert set(xi.aliases) == {"Xi", "President Xi"}
    assert store.quotes_for_article("a1")[0].speaker.name == "Xi Jinping"  # type: ignore[union-attr]
    assert store.quotes_for_article("a1")[0].speaker.mention == "President Xi"  # type: ignore[union-attr]


def test_pronoun_mentions_are_not_aliases(store: Store) -> None:
    run = store.begin_run(None, [])
    store.write_batch(run, [item("a1", [Q("Ann Lee", "x", mention="she"), Q("Ann Lee", "y", mention="Ms Lee")])])
    (ann,) = store.speakers()
    assert ann.aliases == ("Ms Lee",)


def test_aliases_file_next_to_store_and_relink(tmp_path: Path) -> None:
    path = tmp_path / "quotes.db"
    with Store(path) as s:
        run = s.begin_run(None, [])
        s.write_batch(run, [item("a1", [Q("Clinton", "x"), Q("Hillary Clinton", "y"), Q("Bill Clinton", "z")])])
        assert len(s.speakers()) == 3
        # a hand merge given in code
        assert s.relink(Aliases((AliasEntry("Hillary Clinton", ("Clinton",)),)))
        assert {sp.name: sp.quotes for sp in s.speakers()} == {"Hillary Clinton": 2, "Bill Clinton": 1}
        assert not s.relink()  # nothing changed: no write
    (tmp_path / "quotes-aliases.toml").write_text(
        '[[speaker]]\nname = "William J. Clinton"\naliases = ["Bill Clinton"]\n', encoding="utf-8")
    with open_store(path) as s:  # default file next to the store: a rename; the code-given merge is gone
        names = {sp.name: sp for sp in s.speakers()}
        assert set(names) == {"William J. Clinton", "Clinton", "Hillary Clinton"}
        assert names["William J. Clinton"].aliases == ("Bill Clinton",)
    other = tmp_path / "other.toml"
    other.write_text('[[speaker]]\nname = "Hillary Clinton"\naliases = ["Clinton"]\n', encoding="utf-8")
    with open_store(path, other) as s:
        assert {sp.name for sp in s.speakers()} == {"Hillary Clinton", "Bill Clinton"}


def test_bad_default_aliases_file_is_reported(tmp_path: Path) -> None:
    Store(tmp_path / "quotes.db").close()
    (tmp_path / "quotes-aliases.toml").write_text("[[speaker]]\nkind = 'person'\n", encoding="utf-8")
    with pytest.raises(AliasesError, match="quotes-aliases.toml"):
        open_store(tmp_path / "quotes.db")


def test_find_article_by_prefix(store: Store) -> None:
    run = store.begin_run(None, [])
    store.write_batch(run, [item("reuters-001", []), item("reuters-002", []), item("ap_100", [])])
    assert store.find_article("reuters-001").id == "reuters-001"
    assert store.find_article("ap").id == "ap_100"
    with pytest.raises(StoreError, match="ambiguous: reuters-001, reuters-002"):
        store.find_article("reuters")
    with pytest.raises(StoreError, match="no article 'zzz'"):
        store.find_article("zzz")
    with pytest.raises(StoreError, match="no article 'ap%'"):
        store.find_article("ap%")  # LIKE wildcards are literal
    with pytest.raises(StoreError, match="no article 'AP'"):
        store.find_article("AP")


def test_missing_store_and_not_a_store(tmp_path: Path) -> None:
    with pytest.raises(StoreNotFoundError, match="does not exist"):
        open_store(tmp_path / "missing.db")
    assert not (tmp_path / "missing.db").exists()
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="is not a quotes store"):
        Store(junk)


def test_version_1_store_is_upgraded_in_place(tmp_path: Path) -> None:
    """A store written before stance.relevance existed gets the column; its rows stay and read back."""
    path = tmp_path / "quotes.db"
    with Store(path) as s:
        run = s.begin_run("m", ["climate"])
        s.write_batch(run, [item("a1", [Q("Xi Jinping", "We back the deal", {"climate": ("favor", 0.9)})])])
    conn = sqlite3.connect(path)  # rebuild the version-1 stance table, as an older quotes wrote it
    conn.executescript("""
        CREATE TABLE stance_v1 (quote_id INTEGER NOT NULL, topic TEXT NOT NULL, label TEXT NOT NULL,
                                score REAL NOT NULL, model TEXT, PRIMARY KEY (quote_id, topic)) WITHOUT ROWID;
        INSERT INTO stance_v1 SELECT quote_id, topic, label, score, model FROM stance;
        DROP TABLE stance; ALTER TABLE stance_v1 RENAME TO stance;
        UPDATE meta SET value = '1' WHERE key = 'schema_version';""")
    conn.close()
    with Store(path) as s:
        assert s.schema_version == SCHEMA_VERSION == 2
        [quote] = s.quotes_for_article("a1")
        assert quote.stance["climate"] == Stance("favor", 0.9, None)
        run = s.begin_run("m", ["climate"])
        s.write_batch(run, [item("a2", [Q("Xi Jinping", "Yes", {"climate": ("favor", 0.8, 0.3)})])])
        assert s.quotes_for_article("a2")[0].stance["climate"].relevance == pytest.approx(0.3)


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "quotes.db"
    with Store(path) as s:
        s.conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match="schema version 99"):
        Store(path)


def test_new_quotes_of_a_linked_name_get_their_speaker(store: Store) -> None:
    run = store.begin_run(None, [])
    store.write_batch(run, [item("a1", [Q("Ana Ortiz", "First")])])
    store.write_batch(run, [item("a2", [Q("Ana Ortiz", "Second")])])   # same raw name, link unchanged
    (ana,) = store.speakers()
    assert (ana.quotes, ana.articles) == (2, 2)
    assert store.conn.execute("SELECT COUNT(*) FROM quotes WHERE speaker_id IS NULL").fetchone()[0] == 0


def test_a_new_article_merges_speakers_and_their_stance_follows(store: Store) -> None:
    run = store.begin_run("m", ["t"])
    store.write_batch(run, [item("a1", [Q("Ortiz", "Short", {"t": ("favor", 0.9)}),
                                        Q("Ortiz", "Short again", {"t": ("against", 0.8)})])])
    assert {s.name for s in store.speakers()} == {"Ortiz"}
    # the full name arrives later: the two speakers the store kept apart become one, stance rows with them
    store.write_batch(run, [item("a2", [Q("Ana Ortiz", "Full", {"t": ("favor", 0.7)})])])
    (ana,) = store.speakers()
    assert (ana.name, ana.quotes, ana.articles) == ("Ana Ortiz", 3, 2)
    labels = store.conn.execute("""SELECT s.label FROM stance s JOIN quotes q ON q.id = s.quote_id
                                   WHERE q.speaker_id = ? ORDER BY s.label""", (ana.id,)).fetchall()
    assert [r[0] for r in labels] == ["against", "favor", "favor"]


def test_unresolved_mentions_are_kept_but_are_no_speaker(store: Store) -> None:
    run = store.begin_run(None, [])
    store.write_batch(run, [item("a1", [Q("experts", "Growth will slow", kind="unresolved"),
                                        Q("Ana Ortiz", "It will not")])])
    assert {s.name for s in store.speakers()} == {"Ana Ortiz"}
    first = store.quotes_for_article("a1")[0]
    assert first.speaker is not None and (first.speaker.mention, first.speaker.kind) == ("experts", "unresolved")
    assert store.conn.execute("SELECT speaker_id FROM quotes WHERE idx = 0").fetchone()[0] is None


def test_aliases_file_still_overrides_the_dominant_surname(tmp_path: Path) -> None:
    path = tmp_path / "quotes.db"
    with Store(path) as s:
        run = s.begin_run(None, [])
        s.write_batch(run, [item("a1", [Q("Ana Ortiz", "a"), Q("Ana Ortiz", "b"), Q("Ana Ortiz", "c"),
                                        Q("Ortiz", "d"), Q("Luis Ortiz", "e")])])
        assert {sp.name: sp.quotes for sp in s.speakers()} == {"Ana Ortiz": 4, "Luis Ortiz": 1}
        assert s.relink(Aliases((AliasEntry("Luis Ortiz", ("Ortiz",)),)))
        assert {sp.name: sp.quotes for sp in s.speakers()} == {"Ana Ortiz": 3, "Luis Ortiz": 2}


def test_only_the_store_runs_sql() -> None:
    """The table layout has one owner: no module outside quotes/store/ runs a query or touches the connection."""
    package = Path(quotes.__file__).parent
    found = [f"{path.relative_to(package)}:{i}" for path in package.rglob("*.py")
             if path.parent.name != "store"
             for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if re.search(r"\.execute(many|script)?\(|\.conn\b|sqlite3", line)]
    assert not found, found


def test_speaker_ids_are_the_same_on_every_run(tmp_path: Path) -> None:
    """Python's string hashing changes from process to process; the store's speaker ids must not follow it."""
    import os
    import subprocess
    import sys

    seeds = Path(__file__).resolve().parents[1] / "seeds" / "articles"
    tables = []
    for hash_seed in ("1", "2"):
        db = tmp_path / f"run{hash_seed}.db"
        subprocess.run([sys.executable, "-m", "quotes", "extract", str(seeds), "--no-stance", "--store", str(db)],
                       check=True, capture_output=True, env={**os.environ, "PYTHONHASHSEED": hash_seed}, timeout=300)
        with sqlite3.connect(db) as conn:
            tables.append(conn.execute("SELECT id, name, kind FROM speakers ORDER BY id").fetchall())
    assert len(tables[0]) >= 5
    assert tables[0] == tables[1]
