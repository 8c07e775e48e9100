"""Report aggregation, the output formats, and the report / speakers / show commands."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from test_store import Q, item
from typer.testing import CliRunner, Result

from quotes.cli import app
from quotes.report.aggregate import ReportFilter, ReportRow, build_report, paragraph_around, parse_date_bound
from quotes.report.render import render_csv, render_html, render_json, render_table
from quotes.store import Store

runner = CliRunner()


def err(result: Result) -> str:
    """stderr with the console's line wrapping undone."""
    return " ".join(result.stderr.split())

XSS_SCRIPT = "<script>document.title='pwned'</script>"
XSS_IMG = "<img src=x onerror=\"document.title='pwned-img'\">"


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    """A small hand-built store: Xi across two articles (one under a short name), two Clintons."""
    path = tmp_path / "quotes.db"
    with Store(path) as s:
        run = s.begin_run("m1", ["climate", "trade"])
        s.write_batch(run, [
            item("a1", [Q("Xi Jinping", "We support the climate deal", {"climate": ("favor", 0.9),
                                                                         "trade": ("none", 0.5)}),
                        Q("Xi Jinping", "Tariffs hurt everyone", {"climate": ("against", 0.6),
                                                                  "trade": ("against", 0.8)}),
                        Q("Hillary Clinton", "Climate action now", {"climate": ("favor", 0.95)})],
                 date="2024-01-10", title="Summit opens", url="https://example.org/a1"),
            item("a2", [Q("Xi", "The deal is good", {"climate": ("favor", 0.8), "trade": ("favor", 0.7)},
                          mention="President Xi"),
                        Q("Bill Clinton", "I doubt the deal", {"climate": ("against", 0.7)})],
                 date="2024-03-05", title="Deal signed"),
        ])
        s.finish_run(run, {"articles": 2})
    return path


def rows_by_key(report_rows: list[ReportRow]) -> dict[tuple[str, str], ReportRow]:
    return {(r.speaker, r.topic): r for r in report_rows}


def test_aggregation_numbers(db: Path) -> None:
    with Store(db) as s:
        report = build_report(s, ReportFilter())
    rows = rows_by_key(report.rows)
    assert report.topics == ["climate", "trade"]
    xi = rows[("Xi Jinping", "climate")]
    assert (xi.quotes, xi.favor, xi.against, xi.none) == (3, 2, 1, 0)
    assert xi.net == pytest.approx(1 / 3, abs=1e-4)
    assert xi.mean_confidence == pytest.approx((0.9 + 0.6 + 0.8) / 3, abs=1e-4)
    trade = rows[("Xi Jinping", "trade")]
    assert (trade.quotes, trade.favor, trade.against, trade.none, trade.net) == (3, 1, 1, 1, 0.0)
    assert trade.mean_confidence == pytest.approx((0.7 + 0.8) / 2, abs=1e-4)  # the `none` (0.5) left out
    bill = rows[("Bill Clinton", "climate")]
    assert (bill.quotes, bill.net) == (1, -1.0)
    # the most confident quotes per label, best first, with their article
    top = xi.top
    assert [q.text for q in top["favor"]] == ["We support the climate deal", "The deal is good"]
    assert top["favor"][0].article == "a1" and top["favor"][0].title == "Summit opens"
    assert [q.text for q in top["against"]] == ["Tariffs hurt everyone"]
    assert top["none"] == []
    # most quoted speaker first
    assert report.rows[0].speaker == "Xi Jinping"


def test_top_k_limits_quotes(db: Path) -> None:
    with Store(db) as s:
        report = build_report(s, ReportFilter(topics=("climate",)), top_k=1)
    xi = rows_by_key(report.rows)[("Xi Jinping", "climate")]
    assert [q.score for q in xi.top["favor"]] == [0.9]


@pytest.mark.parametrize(("filters", "expected"), [
    (ReportFilter(topics=("trade",)), {("Xi Jinping", "trade")}),
    (ReportFilter(speakers=("xi",)), {("Xi Jinping", "climate"), ("Xi Jinping", "trade")}),
    (ReportFilter(speakers=("President Xi",), topics=("climate",)), {("Xi Jinping", "climate")}),
    (ReportFilter(speakers=("Clinton",)), {("Hillary Clinton", "climate"), ("Bill Clinton", "climate")}),
    (ReportFilter(speakers=("Nobody",)), set()),
    (ReportFilter(min_quotes=2), {("Xi Jinping", "climate"), ("Xi Jinping", "trade")}),
    (ReportFilter(since="2024-02"), {("Xi Jinping", "climate"), ("Xi Jinping", "trade"),
                                     ("Bill Clinton", "climate")}),
    (ReportFilter(until="2024-01-10"), {("Xi Jinping", "climate"), ("Xi Jinping", "trade"),
                                        ("Hillary Clinton", "climate")}),
    (ReportFilter(since="2025-01-01"), set()),
])
def test_filters(db: Path, filters: ReportFilter, expected: set[tuple[str, str]]) -> None:
    with Store(db) as s:
        assert set(rows_by_key(build_report(s, filters).rows)) == expected


def test_date_filter_numbers(db: Path) -> None:
    with Store(db) as s:
        report = build_report(s, ReportFilter(since="2024-03-01", topics=("climate",)))
    xi = rows_by_key(report.rows)[("Xi Jinping", "climate")]
    assert (xi.quotes, xi.favor, xi.net) == (1, 1, 1.0)


@pytest.mark.parametrize(("value", "ok"), [("2024-01-02", True), ("2024-01", True), ("2024", True),
                                           ("2024-13-01", False), ("yesterday", False), ("2024/01/02", False)])
def test_parse_date_bound(value: str, ok: bool) -> None:
    if ok:
        assert parse_date_bound(value, "--since") == value
    else:
        with pytest.raises(ValueError, match="--since"):
            parse_date_bound(value, "--since")


def test_timeline_and_details(db: Path) -> None:
    with Store(db) as s:
        report = build_report(s, ReportFilter(), timeline=True, details=True)
    assert report.granularity == "day"
    assert [(p.period, p.quotes, p.net) for p in report.timeline["climate"]] == [  # type: ignore[index]
        ("2024-01-10", 3, pytest.approx(1 / 3, abs=1e-4)), ("2024-03-05", 2, 0.0)]
    xi = next(d for d in report.details or [] if d.name == "Xi Jinping")
    assert xi.total == 3 and set(xi.aliases) == {"Xi", "President Xi"}
    assert [q.article for q in xi.quotes] == ["a2", "a1", "a1"]  # newest first
    q = xi.quotes[0]
    assert q.paragraph[q.highlight[0]:q.highlight[1]] == "The deal is good"
    assert q.mention is not None and q.paragraph[q.mention[0]:q.mention[1]] == "President Xi"
    assert q.stance == {"climate": ("favor", 0.8), "trade": ("favor", 0.7)}
    assert set(xi.timeline) == {"climate", "trade"}


def test_paragraph_around() -> None:
    text = "First para.\n\nSecond \"quote here\" para.\n\nThird."
    start = text.index("quote here")
    para, offset = paragraph_around(text, start, start + 10)
    assert para == 'Second "quote here" para.' and offset == text.index("Second")
    long = "x" * 5000 + "NEEDLE" + "y" * 5000
    para, offset = paragraph_around(long, 5000, 5006, limit=400)
    assert "NEEDLE" in para and len(para) <= 420 and long[offset:offset + len(para)] == para


def test_render_formats(db: Path) -> None:
    with Store(db) as s:
        report = build_report(s, ReportFilter())
    table = render_table(report)
    assert "Xi Jinping" in table and "+0.33" in table and "We support the climate deal" in table
    header = next(line for line in table.splitlines() if "Speaker" in line)
    assert header.split()[:8] == ["Speaker", "Topic", "n", "for", "against", "none", "net", "conf"]
    data = json.loads(render_json(report))
    assert data["topics"] == ["climate", "trade"]
    first = data["rows"][0]
    assert {"speaker", "topic", "quotes", "favor", "against", "none", "net", "mean_confidence", "top"} <= set(first)
    assert first["top"]["favor"][0]["article"] == "a1"
    rows = list(csv.DictReader(io.StringIO(render_csv(report))))
    xi = next(r for r in rows if r["speaker"] == "Xi Jinping" and r["topic"] == "climate")
    assert (xi["quotes"], xi["favor"], xi["against"], xi["net"]) == ("3", "2", "1", "0.3333")
    assert xi["top_favor"] == "We support the climate deal" and xi["top_favor_article"] == "a1"
    page = render_html(build_report(Store(db), ReportFilter(), timeline=True, details=True))
    assert page.startswith("<!DOCTYPE html>") and "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert "<script src" not in page and "<link" not in page


@pytest.fixture()
def evil_db(tmp_path: Path) -> Path:
    """Injected markup in the article text, title, url and speaker name."""
    path = tmp_path / "evil.db"
    with Store(path) as s:
        run = s.begin_run(None, ["climate"])
        s.write_batch(run, [item(
            "evil", [Q(f"Eve {XSS_IMG}", f"Hi {XSS_SCRIPT} {XSS_IMG} </script><b>bold</b>",
                       {"climate": ("favor", 0.9)})],
            title=f"Title {XSS_SCRIPT}{XSS_IMG}", date="2024-05-01", url="javascript:alert(1)",
            intro=f"Intro {XSS_SCRIPT} {XSS_IMG} /*@SCRIPT@*/ @DATA@.")])
    return path


def test_html_escapes_everything(evil_db: Path) -> None:
    with Store(evil_db) as s:
        page = render_html(build_report(s, ReportFilter(), timeline=True, details=True))
    assert page.count("<script") == 2  # the JSON data block and the page script, nothing injected
    assert "<img" not in page and "<b>bold" not in page and "javascript:alert" in page  # only as data
    data = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page, re.S)
    assert data is not None
    payload = json.loads(data.group(1))
    assert payload["details"][0]["name"].startswith("Eve <img")  # intact once decoded
    assert "script-src 'sha256-" in page and "'unsafe-inline'" not in page.split("script-src")[1].split(";")[0]


# -- the CLI -------------------------------------------------------------------------------------

def test_cli_report_table(db: Path) -> None:
    result = runner.invoke(app, ["report", "--store", str(db)])
    assert result.exit_code == 0, result.output
    assert "Xi Jinping" in result.stdout and "Hillary Clinton" in result.stdout


def test_cli_table_hides_rows_without_stance_unless_asked(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    with Store(path) as s:
        run = s.begin_run("m1", ["climate"])
        s.write_batch(run, [item("a1", [Q("Ana Ruiz", "Cut the tax", {"climate": ("against", 0.9)}),
                                        Q("Tom Baker", "Nice weather", {"climate": ("none", 0.9)})])])
    default = runner.invoke(app, ["report", "--store", str(path)])
    assert "Ana Ruiz" in default.stdout and "Tom Baker" not in default.stdout
    assert "1 speaker-topic rows with no stance" in default.output
    everything = runner.invoke(app, ["report", "--store", str(path), "--all-rows"])
    assert "Tom Baker" in everything.stdout
    as_json = runner.invoke(app, ["report", "--store", str(path), "-f", "json"])
    assert "Tom Baker" in as_json.stdout
    # a row with no favor or against has no mean stance confidence (not its `none` scores)
    tom = next(r for r in json.loads(as_json.stdout)["rows"] if r["speaker"] == "Tom Baker")
    assert tom["mean_confidence"] is None
    assert "–" in next(line for line in everything.stdout.splitlines() if "Tom Baker" in line)
    as_csv = runner.invoke(app, ["report", "--store", str(path), "-f", "csv"])
    tom_csv = next(r for r in csv.DictReader(io.StringIO(as_csv.stdout)) if r["speaker"] == "Tom Baker")
    assert tom_csv["mean_confidence"] == ""


@pytest.mark.parametrize("fmt", ["json", "csv", "html", "table"])
def test_cli_report_formats_to_file(db: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"report.{fmt}"
    result = runner.invoke(app, ["report", "--store", str(db), "--format", fmt, "-o", str(out), "--topic", "climate"])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "Xi Jinping" in text
    assert not list(tmp_path.glob(".report*.tmp"))  # the temp file was renamed away
    if fmt == "json":
        assert {r["topic"] for r in json.loads(text)["rows"]} == {"climate"}


def test_cli_report_json_to_stdout(db: Path) -> None:
    result = runner.invoke(app, ["report", "--store", str(db), "-f", "json", "--speaker", "Bill Clinton"])
    assert result.exit_code == 0, result.output
    assert [r["speaker"] for r in json.loads(result.stdout)["rows"]] == ["Bill Clinton"]


def test_cli_report_no_match_and_errors(db: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", "--store", str(db), "--topic", "nuclear"])
    assert result.exit_code == 0 and "no quotes match" in err(result)
    assert "climate, trade" in err(result)
    assert result.stdout == ""
    missing = runner.invoke(app, ["report", "--store", str(tmp_path / "none.db")])
    assert missing.exit_code == 1 and "does not exist" in err(missing)
    assert not (tmp_path / "none.db").exists()
    bad = runner.invoke(app, ["report", "--store", str(db), "--since", "last week"])
    assert bad.exit_code == 2 and "--since" in err(bad)
    for command in ("report", "sample"):   # one rule for the date range of every command that has one
        backwards = runner.invoke(app, [command, "--store", str(db), "--since", "2024-05", "--until", "2023"])
        assert backwards.exit_code == 2 and "--since 2024-05 is after --until 2023" in err(backwards)
    empty = tmp_path / "empty.db"
    Store(empty).close()
    result = runner.invoke(app, ["report", "--store", str(empty)])
    assert result.exit_code == 0 and "no quotes yet" in err(result)


def test_cli_aliases_option(db: Path, tmp_path: Path) -> None:
    aliases = tmp_path / "my-aliases.toml"
    aliases.write_text('[[speaker]]\nname = "President Clinton"\naliases = ["Bill Clinton"]\n', encoding="utf-8")
    result = runner.invoke(app, ["speakers", "--store", str(db), "--aliases", str(aliases), "-f", "json"])
    assert result.exit_code == 0, result.output
    names = {s["name"]: s for s in json.loads(result.stdout)}
    assert "President Clinton" in names and names["President Clinton"]["aliases"] == ["Bill Clinton"]
    aliases.write_text("[[speaker]]\nname = 3\n", encoding="utf-8")
    bad = runner.invoke(app, ["report", "--store", str(db), "--aliases", str(aliases)])
    assert bad.exit_code == 1 and "my-aliases.toml" in err(bad) and "'name'" in err(bad)


def test_cli_speakers(db: Path) -> None:
    result = runner.invoke(app, ["speakers", "--store", str(db), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    xi = data[0]
    assert (xi["name"], xi["quotes"], xi["articles"], sorted(xi["aliases"])) == (
        "Xi Jinping", 3, 2, ["President Xi", "Xi"])
    table = runner.invoke(app, ["speakers", "--store", str(db)])
    assert table.exit_code == 0 and "Xi Jinping" in table.stdout and "President Xi" in table.stdout
    rows = list(csv.DictReader(io.StringIO(runner.invoke(app, ["speakers", "--store", str(db), "-f", "csv"]).stdout)))
    assert rows[0]["name"] == "Xi Jinping" and set(rows[0]["aliases"].split("|")) == {"Xi", "President Xi"}


def test_cli_show(db: Path) -> None:
    result = runner.invoke(app, ["show", "a2", "--store", str(db)])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Deal signed" in out and "The deal is good" in out and "Xi Jinping" in out
    assert "favor 0.80" in out and "[0]" in out
    unknown = runner.invoke(app, ["show", "zzz", "--store", str(db)])
    assert unknown.exit_code == 1 and "no article 'zzz'" in err(unknown)
    ambiguous = runner.invoke(app, ["show", "a", "--store", str(db)])
    assert ambiguous.exit_code == 1 and "ambiguous" in err(ambiguous)


def test_cli_show_does_not_interpret_markup(evil_db: Path) -> None:
    result = runner.invoke(app, ["show", "evil", "--store", str(evil_db)])
    assert result.exit_code == 0, result.output
    assert "<b>bold</b>" in result.stdout


# -- a real browser ------------------------------------------------------------------------------

def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.slow
@pytest.mark.skipif(_chromium() is None, reason="chromium is not installed (apt-get install chromium)")
def test_html_in_headless_chromium(evil_db: Path, db: Path, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    with Store(evil_db) as s:
        evil = build_report(s, ReportFilter(), timeline=True, details=True)
    with Store(db) as s:
        good = build_report(s, ReportFilter(), timeline=True, details=True)
    # one page with both stores' rows: real data and the injection attempts
    good.rows += evil.rows
    good.details = (good.details or []) + (evil.details or [])
    good.topics = sorted(set(good.topics) | set(evil.topics))
    page.write_text(render_html(good, title=f"Report {XSS_SCRIPT}"), encoding="utf-8")
    cmd = [_chromium() or "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=3000",
           "--dump-dom", page.as_uri()]
    dom = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True).stdout
    assert 'data-rendered="1"' in dom, dom[:2000]          # the page script ran to the end
    assert 'id="heatmap-svg"' in dom and dom.count('class="cell"') >= 4
    assert dom.count('class="speaker"') == 4 and "Xi Jinping" in dom
    assert "<mark>We support the climate deal</mark>" in dom
    assert 'class="timeline-chart"' in dom and "<polyline" in dom
    # injected markup stayed text: no side effect, no element
    title = re.search(r"<title>(.*?)</title>", dom, re.S)
    assert title is not None and "pwned" not in title.group(1).replace("document.title='pwned'", "")
    assert "<img" not in dom and "<b>bold" not in dom and 'href="javascript' not in dom
    assert dom.count("<script") == 2
    assert "&lt;script&gt;document.title='pwned'&lt;/script&gt;" in dom
    assert "&lt;img src=x onerror=" in dom


@pytest.fixture()
def quiet_db(tmp_path: Path) -> Path:
    """A speaker who says the most but takes no position, and two who take one."""
    path = tmp_path / "quiet.db"
    with Store(path) as s:
        run = s.begin_run("m1", ["climate"])
        s.write_batch(run, [item("a1", [
            *(Q("Nora Quiet", f"Weather report {k}", {"climate": ("none", 0.9)}) for k in range(5)),
            Q("Ada Small", "Act now", {"climate": ("favor", 0.9)}),
            Q("Ben Loud", "Too costly", {"climate": ("against", 0.8)}),
            Q("Ben Loud", "Far too costly", {"climate": ("against", 0.7)}),
            Q("experts", "It is warming", {"climate": ("favor", 0.9)}, kind="unresolved")])])
    return path


def test_speakers_with_a_position_come_first_and_unresolved_is_left_out(quiet_db: Path) -> None:
    with Store(quiet_db) as s:
        report = build_report(s, ReportFilter())
    assert [r.speaker for r in report.rows] == ["Ben Loud", "Ada Small", "Nora Quiet"]


@pytest.mark.slow
@pytest.mark.skipif(_chromium() is None, reason="chromium is not installed (apt-get install chromium)")
def test_html_hides_all_none_speakers_behind_a_toggle(quiet_db: Path, tmp_path: Path) -> None:
    page = tmp_path / "quiet.html"
    with Store(quiet_db) as s:
        page.write_text(render_html(build_report(s, ReportFilter(), timeline=True, details=True)), encoding="utf-8")
    cmd = [_chromium() or "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=3000", "--dump-dom", page.as_uri()]
    dom = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True).stdout
    assert 'data-rendered="1"' in dom
    heat = dom[dom.index('id="heatmap-svg"'):dom.index("</svg>", dom.index('id="heatmap-svg"'))]
    assert "Ben Loud" in heat and "Ada Small" in heat and "Nora Quiet" not in heat
    assert heat.index("Ben Loud") < heat.index("Ada Small")
    assert "also show the 1 speaker with no stance" in dom
    assert re.search(r'<p id="all-rows-toggle"(?! hidden)', dom)
    cmd[-1] = page.as_uri() + "#all-rows"   # the toggle on: every speaker
    dom = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True).stdout
    heat = dom[dom.index('id="heatmap-svg"'):dom.index("</svg>", dom.index('id="heatmap-svg"'))]
    assert "Nora Quiet" in heat and heat.index("Ada Small") < heat.index("Nora Quiet")
