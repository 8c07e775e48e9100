"""Reading articles: formats, metadata, encodings and bad inputs (each skipped with a reason)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from quotes.io.readers import iter_files, parse_text_metadata, read_file, read_paths


def write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")
    return path


@pytest.mark.parametrize(("text", "expected"), [
    (" date 2023-03-02 \n\n\nBody text.", {"date": "2023-03-02"}),
    ("Title: Talks in Beijing\nDate: 2024-01-05\nSource: Reuters\n\nBody.",
     {"title": "Talks in Beijing", "date": "2024-01-05", "source": "Reuters"}),
    ("---\ntitle: \"A title\"\nurl: https://example.org/a\n---\nBody.", {"title": "A title", "url": "https://example.org/a"}),
    ("The date of the summit was not set.\n\nBody.", {}),
])
def test_text_metadata(text: str, expected: dict[str, str]) -> None:
    assert parse_text_metadata(text) == expected


def test_txt_md_ids_are_relative_paths_without_extension(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "One article.")
    write(tmp_path / "sub" / "b.md", "Another article.")
    write(tmp_path / ".hidden" / "c.txt", "Ignored.")
    ids = [a.id for _, r in read_paths([tmp_path]) for a in r.articles]
    assert ids == ["a", "sub/b"]


def test_text_is_kept_exactly_as_read_and_bom_is_removed(tmp_path: Path) -> None:
    f = write(tmp_path / "bom.txt", b"\xef\xbb\xbf\xe2\x80\x9cHi,\xe2\x80\x9d she said.\r\n")
    r = read_file(f, tmp_path)
    assert r.articles[0].text == "\u201cHi,\u201d she said.\r\n"
    assert r.warnings == []


def test_non_utf8_is_decoded_with_a_warning_naming_the_file(tmp_path: Path) -> None:
    f = write(tmp_path / "latin.txt", "Caf\u00e9 owners said prices would rise.".encode("cp1252"))
    r = read_file(f, tmp_path)
    assert r.articles[0].text.startswith("Café")
    assert len(r.warnings) == 1 and "latin.txt" in r.warnings[0] and "cp1252" in r.warnings[0]


def test_json_and_jsonl(tmp_path: Path) -> None:
    write(tmp_path / "one.json", json.dumps({"id": "x1", "text": "Body.", "title": "T", "date": "2024-02-02"}))
    write(tmp_path / "many.jsonl", "\n".join([
        json.dumps({"text": "First."}),
        "{not json",
        json.dumps({"id": "k", "text": "Second.", "url": "https://e.org"}),
        json.dumps({"title": "no text"}),
        json.dumps({"text": "   "}),
    ]))
    results = {f.name: r for f, r in read_paths([tmp_path])}
    one = results["one.json"].articles[0]
    assert (one.id, one.title, one.date) == ("x1", "T", "2024-02-02")
    many = results["many.jsonl"]
    assert [a.id for a in many.articles] == ["many:1", "k"]
    reasons = [s.reason for s in many.skipped]
    assert reasons == ["line 2: invalid JSON: Expecting property name enclosed in double quotes",
                       "line 4: missing 'text' field", "line 5: empty text"]


def test_html_goes_through_the_main_text_extractor(tmp_path: Path) -> None:
    html = ("<html><head><title>Summit</title></head><body><nav>Home | World | Sport</nav><article>"
            "<h1>Leaders meet</h1><p>“We want peace,” the envoy said on Monday after a long meeting in the "
            "capital, where talks lasted more than six hours.</p><p>The two sides agreed to meet again next "
            "month, officials said, to discuss trade and security.</p></article><footer>© News</footer>"
            "<script>alert(1)</script></body></html>")
    f = write(tmp_path / "page.html", html)
    r = read_file(f, tmp_path)
    text = r.articles[0].text
    assert "We want peace" in text and "alert(1)" not in text and "Home | World" not in text


@pytest.mark.parametrize(("name", "data", "reason"), [
    ("empty.txt", b"", "empty file"),
    ("blank.txt", b"  \n\n ", "empty file"),
    ("binary.txt", b"\x00\x01\x02PNG\x00\x00", "binary file, not text"),
    ("bad.json", b"{\"text\": ", "invalid JSON"),
    ("list.json", b"[1, 2]", "expected a JSON object"),
    ("image.png", b"\x89PNG", "unsupported file type '.png'"),
    ("nobody.html", b"<html><head><title>x</title></head><body><script>var a;</script></body></html>", "no main text"),
])
def test_bad_inputs_are_skipped_with_a_reason(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    f = write(tmp_path / name, data)
    r = read_file(f, tmp_path)
    assert r.articles == []
    assert len(r.skipped) == 1 and r.skipped[0].path == str(f) and reason in r.skipped[0].reason


def test_missing_path_is_reported(tmp_path: Path) -> None:
    [(f, r)] = list(read_paths([tmp_path / "nope.txt"]))
    assert r.skipped[0].reason == "no such file or folder"


def test_iter_files_single_file_root_is_its_folder(tmp_path: Path) -> None:
    f = write(tmp_path / "x.txt", "x")
    assert list(iter_files([f])) == [(f, tmp_path)]


def test_every_input_is_accounted_for(tmp_path: Path) -> None:
    """A dangling link, a file gone since the walk and an unreadable folder are each listed with a reason."""
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "good.txt").write_text("Mr. Smith said: “This works.”", encoding="utf-8")
    (folder / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    (folder / "sub" / "gone.txt").write_text("x", encoding="utf-8")
    (folder / "loop").symlink_to(folder)   # a link back up the tree is walked once
    locked = folder / "locked"
    locked.mkdir()
    (locked / "secret.txt").write_text("x", encoding="utf-8")
    locked.chmod(0)
    try:
        skipped: list = []
        files = list(iter_files([folder], skipped))
        (folder / "sub" / "gone.txt").unlink()   # vanishes between the walk and the read
        results = {str(f): read_file(f, r) for f, r in files}
    finally:
        locked.chmod(0o755)
    names = sorted(Path(f).name for f in results)
    root = os.geteuid() == 0   # root reads any folder
    assert names == sorted(["dangling.txt", "gone.txt", "good.txt"] + (["secret.txt"] if root else []))
    reasons = {Path(k).name: [s.reason for s in v.skipped] for k, v in results.items()}
    assert reasons["good.txt"] == [] and len(results[str(folder / "good.txt")].articles) == 1
    assert reasons["dangling.txt"] == [f"broken symbolic link (to {tmp_path / 'nowhere.txt'})"]
    assert reasons["gone.txt"] == ["no such file (gone since the run started)"]
    if not root:
        assert [(Path(s.path).name, s.reason) for s in skipped] == [("locked", "folder not readable: Permission denied")]
    # read_paths reports the same, in one stream
    listed = [s for _, r in read_paths([folder]) for s in r.skipped]
    assert any("broken symbolic link" in s.reason for s in listed)


RECORDS = [
    {"id": "x1", "text": "“We will cut taxes,” the minister, Ana Ruiz, said.", "title": "Budget",
     "date": "2024-02-02", "url": "https://e.org/a", "source": "Wire", "extra": 7},
    {"text": "Second story.", "title": None},
    {"title": "no text"},
    {"id": 42, "text": "   "},
    {"id": 43, "text": "Third story."},
]


def write_parquet(path: Path, records: list[dict]) -> Path:  # type: ignore[type-arg]
    import pyarrow as pa
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    names = list(dict.fromkeys(k for r in records for k in r))   # every record's keys, not the first's only
    pq.write_table(pa.table({k: [r.get(k) for r in records] for k in names}), path, row_group_size=2)
    return path


def test_parquet_rows_are_read_as_jsonl_records_are(tmp_path: Path) -> None:
    """One article a row, the same fields, ids, skips and reasons as the same records in a JSONL file."""
    rows = [dict(r, id=str(r["id"])) if "id" in r else r for r in RECORDS]   # one type a Parquet column
    parquet = read_file(write_parquet(tmp_path / "pq" / "news.parquet", rows), tmp_path / "pq")
    jsonl = read_file(write(tmp_path / "js" / "news.jsonl", "\n".join(json.dumps(r) for r in RECORDS)),
                      tmp_path / "js")
    assert [a.id for a in parquet.articles] == ["x1", "news:2", "43"]
    first = parquet.articles[0]
    assert (first.title, first.date, first.url, first.source) == ("Budget", "2024-02-02", "https://e.org/a", "Wire")
    assert [a.path for a in parquet.articles] == [str(tmp_path / "pq" / "news.parquet")] * 3
    strip = [dict(vars(a), path="") for a in parquet.articles]
    assert strip == [dict(vars(a), path="") for a in jsonl.articles]
    assert [s.reason for s in parquet.skipped] == ["row 3: missing 'text' field", "row 4: empty text"]
    assert [s.reason for s in jsonl.skipped] == ["line 3: missing 'text' field", "line 4: empty text"]


def _truncated(path: Path) -> bytes:
    data = write_parquet(path, RECORDS[:2]).read_bytes()
    return data[: len(data) // 2]


@pytest.mark.parametrize(("name", "make", "reason"), [
    ("text.parquet", lambda p: write(p, "text, not Parquet\n"), "invalid Parquet"),
    ("zero.parquet", lambda p: write(p, b""), "empty file"),
    ("cut.parquet", lambda p: write(p, _truncated(p)), "invalid Parquet"),
    ("notext.parquet", lambda p: write_parquet(p, [{"body": "x", "id": "1"}]), "no 'text' column (columns: body, id)"),
    ("inttext.parquet", lambda p: write_parquet(p, [{"text": 3}]), "column 'text' is int64, not a string"),
    ("norows.parquet", lambda p: _empty_parquet(p), "no rows"),
])
def test_bad_parquet_is_skipped_with_a_reason_naming_it(tmp_path: Path, name: str, make, reason: str) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / name
    make(f)
    r = read_file(f, tmp_path)
    assert r.articles == []
    assert len(r.skipped) == 1 and r.skipped[0].path == str(f) and reason in r.skipped[0].reason, r.skipped


def _empty_parquet(path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"text": pa.array([], pa.string())}), path)


def test_parquet_without_pyarrow_is_skipped_not_a_crash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    f = write_parquet(tmp_path / "news.parquet", RECORDS[:1])
    for module in ("pyarrow", "pyarrow.parquet"):
        monkeypatch.setitem(sys.modules, module, None)   # what `import pyarrow` does when it is not installed
    r = read_file(f, tmp_path)
    assert r.articles == []
    assert [(s.path, s.reason) for s in r.skipped] == [
        (str(f), "Parquet input needs pyarrow: pip install 'quotes[parquet]'")]
