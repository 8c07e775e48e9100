"""Render a :class:`~quotes.report.aggregate.Report` as a rich table, JSON, CSV or one HTML file.

The HTML page is self-contained and works offline: inline CSS, JS and SVG, no network. Article text
never becomes markup: the data travels as JSON in a ``<script type="application/json">`` element with
``<``, ``>`` and ``&`` escaped, the page script only ever sets ``textContent``, and a
Content-Security-Policy allows no script but the page's own (by hash).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import html
import io
import json
import re
from importlib import resources
from pathlib import Path

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from quotes.io.writers import atomic_output
from quotes.report.aggregate import Report, ReportRow, TopQuote
from quotes.types import STANCE_LABELS

FORMATS: tuple[str, ...] = ("table", "json", "csv", "html")
_MARKER = re.compile(r"/\*@(STYLE|SCRIPT)@\*/|@(CSP|TITLE|DATA)@")


def write_atomic(path: str | Path, data: str) -> None:
    """Write ``data`` to ``path`` atomically (a temp file in the same folder, then ``os.replace``)."""
    with atomic_output(Path(path)) as fh:
        fh.write(data)


def snippet(text: str, width: int = 90) -> str:
    """One line of at most ``width`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _confidence(value: float | None, digits: int, missing: str = "") -> str:
    """Mean stance confidence as text; ``missing`` for a row without favor or against quotes."""
    return missing if value is None else f"{value:.{digits}f}"


def _net_style(net: float) -> str:
    return "green" if net > 0.2 else "red" if net < -0.2 else "yellow"


def _top_line(label: str, quotes: list[TopQuote], width: int) -> Text | None:
    if not quotes:
        return None
    q = quotes[0]
    colour = {"favor": "green", "against": "red"}.get(label, "dim")
    line = Text()
    line.append(f"{'for' if label == 'favor' else label}: ", style=f"bold {colour}")
    line.append(f"“{snippet(q.text, width)}”")
    source = q.title or q.article
    line.append(f" ({snippet(source, 40)}{', ' + q.date[:10] if q.date else ''})", style="dim")
    return line


def build_table(report: Report, snippet_width: int = 70) -> Table:
    """The terminal table a journalist reads: one row per speaker and topic, with top quotes."""
    table = Table(title="Who stands where", box=box.SIMPLE_HEAVY, show_lines=False, expand=False)
    # no_wrap everywhere: cropping is much cheaper than wrapping for rich on large reports.
    table.add_column("Speaker", style="bold", no_wrap=True, max_width=28, overflow="ellipsis")
    table.add_column("Topic", no_wrap=True, max_width=22, overflow="ellipsis")
    # explicit minimum widths: with a ratio column beside them rich would otherwise squeeze these to nothing
    table.add_column("n", justify="right", no_wrap=True, min_width=3)
    table.add_column("for", justify="right", no_wrap=True, style="green", min_width=3)
    table.add_column("against", justify="right", no_wrap=True, style="red", min_width=7)
    table.add_column("none", justify="right", no_wrap=True, style="dim", min_width=4)
    table.add_column("net", justify="right", no_wrap=True, min_width=5)
    table.add_column("conf", justify="right", no_wrap=True, min_width=4)
    table.add_column("Most confident for / against", max_width=snippet_width + 30, no_wrap=True, overflow="ellipsis")
    previous: int | None = None
    for i, row in enumerate(report.rows):
        lines = [line for label in ("favor", "against")
                 if (line := _top_line(label, row.top.get(label, []), snippet_width)) is not None]
        quotes = Text("\n").join(lines) if lines else Text("")
        last = i + 1 == len(report.rows) or report.rows[i + 1].speaker_id != row.speaker_id
        table.add_row(
            Text(row.speaker) if row.speaker_id != previous else Text(""), Text(row.topic),
            str(row.quotes), str(row.favor), str(row.against), str(row.none),
            Text(f"{row.net:+.2f}", style=_net_style(row.net)), _confidence(row.mean_confidence, 2, "–"), quotes,
            end_section=last)
        previous = row.speaker_id
    return table


def render_table(report: Report, width: int = 160, color: bool = False) -> str:
    """The table as text (for ``-o FILE`` or tests)."""
    buf = io.StringIO()
    console = Console(file=buf, width=width, color_system="standard" if color else None,
                      force_terminal=color, legacy_windows=False)
    console.print(build_table(report))
    return buf.getvalue()


def render_json(report: Report) -> str:
    """Everything in the report as JSON."""
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n"


CSV_COLUMNS: tuple[str, ...] = (
    "speaker", "speaker_id", "kind", "topic", "quotes", "favor", "against", "none", "net",
    "mean_confidence", "mean_attribution", "top_favor", "top_favor_article", "top_against",
    "top_against_article", "top_none", "top_none_article")


def render_csv(report: Report) -> str:
    """One row per speaker and topic, with the most confident quote of each label."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in report.rows:
        top: list[str] = []
        for label in STANCE_LABELS:
            best = row.top.get(label) or []
            top += [best[0].text, best[0].article] if best else ["", ""]
        writer.writerow([row.speaker, row.speaker_id, row.kind, row.topic, row.quotes, row.favor,
                         row.against, row.none, f"{row.net:.4f}", _confidence(row.mean_confidence, 4),
                         f"{row.mean_attribution:.4f}", *top])
    return buf.getvalue()


def _asset(name: str) -> str:
    return resources.files("quotes.report").joinpath(name).read_text(encoding="utf-8")


def _json_for_html(data: object) -> str:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def render_html(report: Report, title: str = "Quotes report") -> str:
    """One self-contained HTML page: heatmap, stance over time, per-speaker drill-down."""
    script = _asset("report.js")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    csp = (f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; "
           "img-src data:; base-uri 'none'; form-action 'none'")
    values = {"STYLE": _asset("report.css"), "SCRIPT": script, "CSP": html.escape(csp, quote=False),
              "TITLE": html.escape(title), "DATA": _json_for_html(report.to_dict())}
    # One pass over the template: inserted values are never scanned for markers.
    return _MARKER.sub(lambda m: values[m.group(1) or m.group(2)], _asset("report.html"))


def render(report: Report, fmt: str) -> str:
    """Render ``report`` in ``fmt`` (table, json, csv or html)."""
    if fmt == "table":
        return render_table(report)
    if fmt == "json":
        return render_json(report)
    if fmt == "csv":
        return render_csv(report)
    if fmt == "html":
        return render_html(report)
    raise ValueError(f"unknown format {fmt!r}; expected {', '.join(FORMATS)}")


__all__ = ["FORMATS", "ReportRow", "build_table", "render", "render_csv", "render_html", "render_json",
           "render_table", "snippet", "write_atomic"]
