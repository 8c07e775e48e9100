"""Quotation marks: find the quoted stretches of an article's text.

A pure, text-level pass (no parse): it pairs opening and closing marks of every common style (straight and
curly double quotes, guillemets, low-high quotes, single quotes that are not apostrophes), joins a quotation
that runs over several paragraphs when each paragraph reopens it, and confines an unbalanced mark to its
own paragraph so that it costs at most that one quotation.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from quotes.extract.words import NOT_POSSESSED

# opening mark -> closing marks that may end it
_DOUBLE_PAIRS: dict[str, str] = {
    "\u201c": "\u201d\u201c",   # “ ” (and “ “ typed by mistake)
    "\u201e": "\u201c\u201d",   # „ “ (German) or „ ” (Polish)
    "\u00ab": "\u00bb",         # « »
    "\u201f": "\u201d",         # ‟ ”
    "\u301d": "\u301e\u301f",   # 〝 〞
    "\u300c": "\u300d",         # 「 」
}
_DOUBLE_CLOSERS = set("\u201d\u00bb\u301e\u301f\u300d")
_SINGLE_OPEN = "\u2018\u2039\u201a"      # ‘ ‹ ‚
_SINGLE_CLOSE = "\u2019\u203a"           # ’ ›
_OPEN_CONTEXT = set(" \t\n([{\u2014\u2013-/:;")
_CLOSE_CONTEXT = set(" \t\n)]}.,;:!?\u2014\u2013-/\u2026")

_PARA_BREAK = re.compile(r"\n[ \t\u00a0]*\n")


@dataclass(frozen=True)
class MarkSpan:
    """A quoted stretch: ``start``/``end`` are the offsets of its content (marks excluded)."""

    start: int
    end: int
    open_mark: str
    paragraphs: int = 1          # > 1 when the quotation runs over several paragraphs
    nested_in: int | None = None  # index of the enclosing MarkSpan for single quotes inside double ones


class Intervals:
    """Sorted, non-overlapping ``(start, end)`` spans (top-level quotations, paragraphs) with lookups in
    logarithmic time, so that an article of thousands of quotes costs linear time, not quadratic."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self.spans = sorted(spans)
        self.starts = [s for s, _ in self.spans]

    def index_at(self, pos: int, before: int = 0, after: int = 0) -> int | None:
        """The index of a span with ``start - before <= pos < end + after``, else None."""
        k = bisect_right(self.starts, pos + before) - 1
        for j in (k, k + 1, k - 1):   # padding can make a neighbour qualify
            if 0 <= j < len(self.spans):
                s, e = self.spans[j]
                if s - before <= pos < e + after:
                    return j
        return None

    def covers(self, pos: int, before: int = 0, after: int = 0) -> bool:
        return self.index_at(pos, before, after) is not None

    def overlapping(self, start: int, end: int) -> range:
        """Indices of the spans that overlap ``[start, end)``."""
        lo = max(0, bisect_right(self.starts, start) - 1)
        if lo < len(self.spans) and self.spans[lo][1] <= start:
            lo += 1
        return range(lo, bisect_left(self.starts, end))


class Coverage:
    """The union of spans added so far, kept as sorted disjoint spans: does a new span touch any of them?"""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []

    def _overlapping(self, start: int, end: int) -> tuple[int, int]:
        lo = bisect_right(self._ends, start)   # the first span ending after ``start``
        hi = bisect_left(self._starts, end)    # the spans starting before ``end``
        return lo, max(lo, hi)

    def add(self, start: int, end: int) -> None:
        if end <= start:
            return
        lo, hi = self._overlapping(start, end)
        if hi > lo:
            start, end = min(start, self._starts[lo]), max(end, self._ends[hi - 1])
        self._starts[lo:hi] = [start]
        self._ends[lo:hi] = [end]

    def touches(self, start: int, end: int) -> bool:
        lo, hi = self._overlapping(start, end)
        return end > start and hi > lo


def top_level(marks: list[MarkSpan]) -> list[MarkSpan]:
    """The quotations not nested in another one (by ``nested_in`` or by their spans)."""
    out: list[MarkSpan] = []
    max_end = -1
    for m in sorted(marks, key=lambda m: (m.start, -m.end)):
        if m.nested_in is None and m.end > max_end:
            out.append(m)
        max_end = max(max_end, m.end)
    return sorted(out, key=lambda m: m.start)


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Paragraphs as ``(start, end)``: blocks between blank lines, or single lines if there are none."""
    breaker = _PARA_BREAK if _PARA_BREAK.search(text) else re.compile(r"\n")
    spans: list[tuple[int, int]] = []
    pos = 0
    for m in breaker.finditer(text):
        if text[pos:m.start()].strip():
            spans.append(_strip(text, pos, m.start()))
        pos = m.end()
    if text[pos:].strip():
        spans.append(_strip(text, pos, len(text)))
    return spans


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _char(text: str, i: int) -> str:
    return text[i] if 0 <= i < len(text) else " "


def find_quote_marks(text: str) -> list[MarkSpan]:
    """All quoted stretches in ``text``, in order; single-quoted ones nested in double ones included."""
    paragraphs = paragraph_spans(text)
    spans: list[MarkSpan] = []
    open_at: int | None = None     # offset of the opening mark of the current quotation
    open_mark = ""
    n_paras = 1
    for p, (pstart, pend) in enumerate(paragraphs):
        i = pstart
        if open_at is not None:
            # A quotation left open at the end of the previous paragraph continues only if this
            # paragraph reopens it with the same kind of mark.
            if text[pstart] == open_mark or (open_mark == '"' and text[pstart] == '"'):
                i = pstart + 1
                n_paras += 1
            else:
                open_at = None
        while i < pend:
            c = text[i]
            if open_at is None:
                if c in _DOUBLE_PAIRS or (c == '"' and not _char(text, i + 1).isspace()):
                    open_at, open_mark, n_paras = i, c, 1
            else:
                closes = c in _DOUBLE_PAIRS.get(open_mark, "") if open_mark != '"' else c == '"'
                if open_mark == '"' and c == '"' and _char(text, i - 1).isspace() \
                        and not _char(text, i + 1).isspace():
                    open_at, n_paras = i, 1        # a fresh opening: the earlier mark was stray
                elif closes:
                    if i > open_at + 1:
                        spans.append(MarkSpan(open_at + 1, i, open_mark, n_paras))
                    open_at = None
                elif c in _DOUBLE_PAIRS and c == open_mark:
                    open_at, n_paras = i, 1        # reopened before closing: drop the broken one
            i += 1
        if open_at is not None:
            nxt = paragraphs[p + 1][0] if p + 1 < len(paragraphs) else None
            if nxt is None or text[nxt] != open_mark:
                open_at = None                    # unbalanced: lose only this quotation
            else:
                # Content runs to the end of this paragraph; the next paragraph reopens it.
                pass
    doubles = sorted(spans, key=lambda s: s.start)
    singles = _find_single_quotes(text, paragraphs, doubles)
    return sorted(doubles + singles, key=lambda s: (s.start, -s.end))


def _find_single_quotes(text: str, paragraphs: list[tuple[int, int]],
                        doubles: list[MarkSpan]) -> list[MarkSpan]:
    """Single-quoted stretches, telling quotes from apostrophes (``China’s``, ``don't``, ``leaders’``)."""
    out: list[MarkSpan] = []
    for pstart, pend in paragraphs:
        open_at: int | None = None
        for i in range(pstart, pend):
            c = text[i]
            prev, nxt = _char(text, i - 1), _char(text, i + 1)
            if c in _SINGLE_OPEN or c == "'":
                is_open = (prev in _OPEN_CONTEXT or prev in _DOUBLE_PAIRS or prev == '"' or i == pstart) \
                    and (nxt.isalnum() or nxt in "\u2026.") \
                    and not re.match(r"\d\ds\b", text[i + 1:i + 4])   # '90s is an elision
                if is_open and open_at is None:
                    open_at = i
                    continue
            if open_at is not None and (c in _SINGLE_CLOSE or c == "'"):
                if prev.isalpha() and nxt.isalpha():
                    continue                      # apostrophe inside a word
                if prev.isspace():
                    continue
                if nxt in _CLOSE_CONTEXT or nxt in _DOUBLE_CLOSERS or nxt == '"' or i + 1 >= pend:
                    if prev == "s" and text[i - 2:i].lower() != "ss" and _plural_possessive(text, i):
                        continue
                    if i > open_at + 1:
                        parent = next((k for k, d in enumerate(doubles) if d.start <= open_at and i <= d.end),
                                      None)
                        out.append(MarkSpan(open_at + 1, i, text[open_at], 1, parent))
                    open_at = None
    return out


def _plural_possessive(text: str, i: int) -> bool:
    """``leaders’ meeting``: an apostrophe after a plural -s followed by a lower-case noun."""
    rest = text[i + 1:i + 20]
    m = re.match(r" ([a-z]+)", rest)
    return m is not None and m.group(1) not in NOT_POSSESSED
