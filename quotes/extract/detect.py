"""Detect quoted speech: direct, mixed and indirect quotes with their cues and source tokens.

``detect(document)`` combines the quotation marks of the text (``marks.py``) with the reporting cues of the
parse (``cues.py``):

* a cue whose content lies within quotation marks gives a **direct** quote (the quoted text);
* a cue whose content holds quoted fragments among reported words gives a **mixed** quote (the clause);
* a cue whose content has no quotation marks gives an **indirect** quote;
* quotation marks right before or after a cue ("..., he said", "she said: ...") attach to that cue;
* speech-like quotations with no cue continue the previous speaker (``Candidate.source is None``) and
  short or title-like quotations with no cue (titles, names, scare quotes) are not speech.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from spacy.tokens import Doc, Token

from quotes.extract.cues import CueRelation, find_cues
from quotes.extract.doccache import Document, ents, sent_of, text_of
from quotes.extract.marks import Coverage, Intervals, MarkSpan
from quotes.extract.words import (
    CLAIM_NOUNS,
    EDITORIAL_LABELS,
    RELATIVE_PRONOUNS,
    SPEAKER_PRONOUNS,
    SPEAKER_SUBJECT_NOUNS,
    SPEECH_VERBS,
    TITLE_SMALL_WORDS,
)
from quotes.types import QuoteKind

_WORD = re.compile(r"[^\W_]+(?:[’'\-][^\W_]+)*")
_DASH_SOURCE = re.compile(r"[ \t\u00a0]*([\u2015\u2014\u2013]|--?)[ \t\u00a0]*((?:[A-Z][\w.\u2019'\-]*[ \t]?){1,5})")
# Thresholds of the passes; words are counted by ``words()``.
COLON_LOOKBACK = 200              # characters before a quotation searched for the colon that introduces it
ADJACENT_REACH = 600              # characters around a quotation searched for its cue (cue, speaker and gap)
ADJACENT_GAP_CHARS = 4            # characters, none a word, between a closing mark and the cue after it (",” ")
ADJACENT_LEAD_WORDS = 4           # words between a cue and the opening mark after it ("she said on Monday: “")
DIRECT_MAX_OUTSIDE_WORDS = 1      # words of a cue's content outside its quotations that still leave it direct
TRANSCRIPT_MAX_NAME_WORDS = 4     # words of a transcript's speaker label ("SEN. TIM KAINE:")
TRANSCRIPT_MIN_WORDS = 3          # words a transcript paragraph says after the label
ATTRIBUTED_MIN_WORDS = 2          # words a quotation needs to take a dash or colon attribution
LEAD_IN_MIN_WORDS = 2             # a cue-less quotation after a lead-in of 2-6 words in its sentence is mixed,
LEAD_IN_MAX_WORDS = 6             # with the lead-in; after a longer one it is narration, not reported
INTERRUPTION_MAX_CHARS = 80       # “A,” she said. “B.”: the most characters of attribution between A and B ...
INTERRUPTION_MAX_WORDS = 6        # ... and the most words, for B to continue A
GOVERNING_VERB_HOPS = 5           # heads climbed from a quoted fragment to the verb that governs it
INDIRECT_MIN_CLAUSE_TOKENS = 3    # tokens reported speech without marks needs as a clause (with a verb) ...
INDIRECT_MIN_NOMINAL_TOKENS = 2   # ... and as a noun phrase ("called for a ceasefire")
TITLE_MAX_WORDS_WITH_STOP = 6     # a title-like quotation may end in "." or "," only up to this many words
SPEECH_MIN_WORDS = 6              # a cue-less quotation this long reads as speech ...
SPEECH_MIN_SENTENCE_WORDS = 3     # ... and one this long when it is a capitalised sentence with its punctuation
_TRANSCRIPT = re.compile(r"[\"\u201c]?([A-Z][A-Z.'\- ]{1,40}[A-Z.]):[ \t]+(?=\S)")


@dataclass
class Candidate:
    """A detected quote before attribution: content, cue and the token that names its source."""

    kind: QuoteKind
    start: int
    end: int
    cue: tuple[int, int] | None
    source: Token | None
    how: str                        # "cue", "adjacent", "colon", "transcript", "continuation", "according"
    nominal: bool = False
    source_text: tuple[int, int] | None = None   # a source given as raw text (transcripts)
    marks: list[MarkSpan] = field(default_factory=list)


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def is_title_like(text: str) -> bool:
    """“China-Belarus All-Weather Strategic Partnership”: every content word capitalised, no sentence."""
    ws = words(text)
    if not ws or text.rstrip()[-1:] in {"!", "?"} or (text.rstrip()[-1:] in {".", ","} and len(ws) > TITLE_MAX_WORDS_WITH_STOP):
        return False
    content = [w for w in ws if w.lower() not in TITLE_SMALL_WORDS]
    return bool(content) and all(w[0].isupper() or w[0].isdigit() for w in content)


def is_speech_like(text: str) -> bool:
    """Whether a quotation with no cue reads as speech rather than a title, name or scare quote."""
    ws = words(text)
    if is_title_like(text):
        return False
    if len(ws) >= SPEECH_MIN_WORDS:
        return True
    return len(ws) >= SPEECH_MIN_SENTENCE_WORDS and text.rstrip()[-1:] in {".", "!", "?", ",", "\u2026"} and text.lstrip()[:1].isupper()


def _outside_words(text: str, start: int, end: int, marks: list[MarkSpan]) -> int:
    """Number of words in ``text[start:end]`` that are not inside any of ``marks``."""
    pieces = []
    pos = start
    for m in sorted(marks, key=lambda m: m.start):
        if m.start > pos:
            pieces.append(text[pos:max(pos, m.start - 1)])
        pos = max(pos, m.end + 1)
    if pos < end:
        pieces.append(text[pos:end])
    return sum(len(words(p)) for p in pieces)


@dataclass
class _Passes:
    """What the passes share: the document, its reporting cues (outside quotation marks, content clipped to
    the cue's paragraph) and which quotations a candidate has taken so far."""

    document: Document
    cues: list[CueRelation]
    used: set[int] = field(default_factory=set)   # indices into ``document.quotations`` taken by a candidate


def detect(document: Document) -> list[Candidate]:
    """All quote candidates of a document, in text order: four passes, each over what the earlier ones left."""
    doc, quoted, paragraphs = document.doc, document.quoted, document.paragraphs
    d = _Passes(document, [_clip_to_paragraph(_outside_source(doc, r, quoted), paragraphs) for r in find_cues(doc)
                           if not quoted.covers(r.cue_start)])
    candidates = _cued_content(d)
    candidates = _transcripts(d, candidates)
    _beside_cues(d, candidates)
    _without_cue(d, candidates)
    candidates = _drop_nested(sorted(candidates, key=lambda c: c.start))
    return _merge_interrupted(candidates, document.text, paragraphs)


def _cued_content(d: _Passes) -> list[Candidate]:
    """Pass 1: cues whose governed content is known from the parse (direct, mixed or indirect)."""
    text, top, used = d.document.text, d.document.quotations, d.used
    candidates: list[Candidate] = []
    for rel in d.cues:
        if rel.content_len == 0:
            continue
        inside = [k for k in d.document.quoted.overlapping(rel.content_start, rel.content_end)
                  if k not in used and not is_title_like(text[top[k].start:top[k].end])]
        if inside:
            ms = [top[k] for k in inside]
            start = min(rel.content_start, ms[0].start)
            end = max(rel.content_end, ms[-1].end)
            if _outside_words(text, start, end, ms) <= DIRECT_MAX_OUTSIDE_WORDS:
                cand = Candidate("direct", ms[0].start, ms[-1].end, (rel.cue_start, rel.cue_end), rel.source,
                                 "cue", marks=ms)
            else:
                if ms[-1].end >= end and ms[-1].end < len(text):
                    end = ms[-1].end + 1            # keep the closing mark of the last fragment
                if ms[0].start <= start:
                    start = ms[0].start - 1
                cand = Candidate("mixed", start, end, (rel.cue_start, rel.cue_end), rel.source, "cue",
                                 marks=ms)
            used.update(inside)
            candidates.append(cand)
        elif _indirect_ok(d.document.doc, rel):
            how = "according" if rel.verb is None else "cue"
            candidates.append(Candidate("indirect", rel.content_start, rel.content_end,
                                        (rel.cue_start, rel.cue_end), rel.source, how, nominal=rel.nominal))
    return candidates


def _transcripts(d: _Passes, candidates: list[Candidate]) -> list[Candidate]:
    """Pass 2: transcripts, "PENCE: Gennifer Flowers will not be attending ..."; the whole paragraph is the
    quote and replaces what pass 1 found in it."""
    text, paragraphs = d.document.text, d.document.paragraphs
    transcript: list[Candidate] = []
    for pstart, pend in paragraphs.spans:
        tm = _TRANSCRIPT.match(text, pstart, pend)
        if tm and len(words(tm.group(1))) <= TRANSCRIPT_MAX_NAME_WORDS \
                and not set(words(tm.group(1).casefold())) <= EDITORIAL_LABELS \
                and len(words(text[tm.end():pend])) >= TRANSCRIPT_MIN_WORDS:
            transcript.append(Candidate("direct", tm.end(), pend, (tm.end(1), tm.end(1) + 1), None, "transcript",
                                        source_text=(tm.start(1), tm.end(1))))
            taken = d.document.quoted.overlapping(pstart, pend)
            d.used.update(k for k in taken if d.document.quotations[k].start >= pstart)
    if not transcript:
        return candidates
    replaced = Intervals([paragraphs.spans[k] for t in transcript
                          if (k := paragraphs.index_at(t.start)) is not None])
    return [c for c in candidates if not replaced.covers(c.start)] + transcript


def _beside_cues(d: _Passes, candidates: list[Candidate]) -> None:
    """Pass 3: quotation marks beside a cue, "...," he said / she said: "..." / "A," he said, "B."; adds to
    ``candidates``."""
    direct_by_cue: dict[tuple[int, int] | None, Candidate] = {}
    for c in candidates:
        if c.kind == "direct":
            direct_by_cue.setdefault(c.cue, c)
    by_position = CuesByPosition(d.cues)
    for k, m in enumerate(d.document.quotations):
        if k in d.used:
            continue
        rel = _adjacent_cue(d.document.doc, m, by_position, d.document.paragraphs)
        if rel is None or _fragment_of_another_clause(d.document.doc, m, rel):
            continue
        d.used.add(k)
        prev = direct_by_cue.get((rel.cue_start, rel.cue_end))
        if prev is not None and prev.marks and _same_paragraph(d.document.paragraphs, prev.start, m.end):
            prev.start, prev.end = min(prev.start, m.start), max(prev.end, m.end)
            prev.marks.append(m)
            continue
        candidates.append(Candidate("direct", m.start, m.end, (rel.cue_start, rel.cue_end), rel.source,
                                    "adjacent", marks=[m]))
        direct_by_cue.setdefault(candidates[-1].cue, candidates[-1])


def _without_cue(d: _Passes, candidates: list[Candidate]) -> None:
    """Pass 4: the remaining quotations, speech with no cue: a dash or colon attribution, a quoted fragment in a
    speaker's clause, or a continuation of the last speaker; adds to ``candidates``."""
    doc, text = d.document.doc, d.document.text
    covered = Coverage()
    for c in candidates:
        covered.add(c.start, c.end)

    def keep(c: Candidate) -> None:
        candidates.append(c)
        covered.add(c.start, c.end)

    for k, m in enumerate(d.document.quotations):
        if k in d.used:
            continue
        quoted = text[m.start:m.end]
        dash = _DASH_SOURCE.match(text, m.end + 1)
        if dash and len(words(quoted)) >= ATTRIBUTED_MIN_WORDS:
            keep(Candidate("direct", m.start, m.end, (dash.start(1), dash.end(1)), None, "dash",
                           source_text=(dash.start(2), dash.end(2)), marks=[m]))
            continue
        lo = max(0, m.start - 1 - COLON_LOOKBACK)
        before = text[lo:m.start - 1].rstrip()
        if before.endswith(":") and len(words(quoted)) >= ATTRIBUTED_MIN_WORDS and not is_title_like(quoted):
            colon = lo + len(before) - 1
            keep(Candidate("direct", m.start, m.end, (colon, colon + 1), _colon_source(doc, colon),
                           "colon", marks=[m]))
            continue
        if covered.touches(m.start, m.end):
            continue
        gov = _governing_verb(doc, m)
        if gov is not None and not is_title_like(quoted):
            # a quoted fragment in a clause whose subject is a speaker: "admires Putin as a “strong leader”"
            verb, subj = gov
            right = [t for t in verb.subtree if t.i > verb.i]
            s_, e_ = (right[0].idx if right else m.start - 1), max(m.end + 1, right[-1].idx + len(right[-1].text)
                                                                   if right else m.end + 1)
            e_ = min(e_, len(text))
            while e_ > s_ and text[e_ - 1] in ".,;: ":
                e_ -= 1
            keep(Candidate("mixed", min(s_, m.start - 1), e_, (verb.idx, verb.idx + len(verb.text)),
                           subj, "embedded", marks=[m]))
            continue
        if not is_speech_like(quoted):
            continue
        start, end, how = m.start, m.end, "continuation"
        kind: QuoteKind = "direct"
        source: Token | None = None
        span = doc.char_span(m.start, m.end, alignment_mode="expand")
        if span is not None:
            s = sent_of(doc, span[0].i)
            lead = text[s.start_char:max(s.start_char, m.start - 1)]
            if LEAD_IN_MIN_WORDS <= len(words(lead)) <= LEAD_IN_MAX_WORDS:
                # "China and Belarus “should support each other ...”": the lead-in is reported too
                kind, start, end = "mixed", s.start_char, min(len(text), m.end + 1)
            elif len(words(lead)) > LEAD_IN_MAX_WORDS:
                continue   # a quotation inside narration with no cue and no speaker: not attributable
        keep(Candidate(kind, start, end, None, source, how, marks=[m]))


def _merge_interrupted(cands: list[Candidate], text: str, paragraphs: Intervals) -> list[Candidate]:
    """“A,” she said. “B.” is one quote interrupted by its attribution: join a cue-less quotation to the
    direct quote just before it in the same paragraph when only the attribution stands between them."""
    out: list[Candidate] = []
    for c in cands:
        prev = out[-1] if out else None
        if prev is not None and c.how == "continuation" and c.kind == "direct" and prev.kind == "direct" \
                and prev.how in {"cue", "adjacent", "continuation"} and _same_paragraph(paragraphs, prev.start, c.end):
            gap = text[prev.end:c.start]
            if len(gap) <= INTERRUPTION_MAX_CHARS and len(words(gap)) <= INTERRUPTION_MAX_WORDS and (
                    prev.cue is None or prev.end <= prev.cue[0] < c.start or len(words(gap)) == 0):
                prev.end = c.end
                prev.marks.extend(c.marks)
                continue
        out.append(c)
    return out


def _clip_to_paragraph(rel: CueRelation, paragraphs: Intervals) -> CueRelation:
    """Reported content stays in the cue's paragraph (the parser sometimes runs a sentence across a
    heading or a blank line)."""
    k = paragraphs.index_at(rel.cue_start)
    ps, pe = paragraphs.spans[k] if k is not None else (0, 1 << 30)
    start, end = max(rel.content_start, ps), min(rel.content_end, pe)
    if (start, end) == (rel.content_start, rel.content_end):
        return rel
    if end <= start:
        start = end = rel.cue_end
    return CueRelation(rel.cue_start, rel.cue_end, rel.source, start, end, rel.verb, rel.nominal)


def _outside_source(doc: Doc, rel: CueRelation, quoted: Intervals) -> CueRelation:
    """A source inside quotation marks is the parser's mistake (“My reaction, that was outrageous,” the
    strategist said): take the nearest noun phrase beside the cue outside the quotation instead."""
    src = rel.source
    if src is None or not quoted.covers(src.idx) or rel.verb is None:
        return rel
    verb = rel.verb
    sent = sent_of(doc, verb.i)
    def outside(t: Token) -> bool:
        return not quoted.covers(t.idx, before=1, after=1)
    before = [t for t in sent if t.i < verb.i and outside(t) and t.pos_ in {"PROPN", "NOUN", "PRON"}
              and t.dep_ not in {"compound", "poss", "amod"}]
    after = [t for t in sent if t.i > verb.i and outside(t) and t.pos_ in {"PROPN", "NOUN"}
             and t.dep_ not in {"compound", "poss", "amod"}]
    new = before[-1] if before else (after[0] if after else None)
    return CueRelation(rel.cue_start, rel.cue_end, new, rel.content_start, rel.content_end, rel.verb, rel.nominal)


def _governing_verb(doc: Doc, m: MarkSpan) -> tuple[Token, Token] | None:
    """The verb that governs a quoted fragment, when its subject can be a speaker (a person or
    organisation, a pronoun, or a speaker noun)."""
    span = doc.char_span(m.start, m.end, alignment_mode="expand")
    if span is None:
        return None
    tok: Token = span.root
    for _ in range(GOVERNING_VERB_HOPS):
        if tok.head.i == tok.i:
            break
        came_from, tok = tok, tok.head
        if tok.lemma_.lower() in CLAIM_NOUNS and tok.pos_ == "NOUN" and came_from.dep_ in {"acl", "ccomp", "appos"}:
            # "a fact-check on Berg's claim that there were “thousands”": the claim's holder said it
            holder = next((c for c in tok.children if c.dep_ == "poss" and _can_speak(c)), None)
            if holder is not None:
                return tok, holder
        if tok.pos_ in {"VERB", "AUX"} and not (m.start <= tok.idx < m.end):
            subj = next((c for c in tok.children if c.dep_ in {"nsubj", "nsubjpass"}), None)
            if subj is None:
                continue
            if subj.lower_ in RELATIVE_PRONOUNS and tok.dep_ in {"relcl", "acl"}:
                subj = tok.head
            if _can_speak(subj):
                # "Berg tweeted that Holm was “disgusting”": the clause is what the verb of saying reports
                head = tok.head
                if tok.dep_ in {"ccomp", "advcl"} and head.pos_ == "VERB" and head.lemma_.lower() in SPEECH_VERBS \
                        and head.i < tok.i:
                    said_by = next((c for c in head.children if c.dep_ == "nsubj" and _can_speak(c)), None)
                    if said_by is not None:
                        return head, said_by
                return tok, subj
            return None
    return None


def _can_speak(tok: Token) -> bool:
    """Whether a subject can be a speaker: a person or organisation, a pronoun, or a speaker noun."""
    return tok.ent_type_ in {"PERSON", "ORG", "NORP", "GPE"} or tok.lower_ in SPEAKER_PRONOUNS \
        or tok.pos_ == "PROPN" or tok.lemma_ in SPEAKER_SUBJECT_NOUNS


def _indirect_ok(doc: Doc, rel: CueRelation) -> bool:
    """Reported speech without quotation marks must say something: a clause, or a noun phrase after
    a verb such as "call for" or "deny"."""
    span = doc.char_span(rel.content_start, rel.content_end, alignment_mode="expand")
    if span is None:
        return False
    n = sum(1 for t in span if not t.is_punct and not t.is_space)
    if rel.nominal:
        return n >= INDIRECT_MIN_NOMINAL_TOKENS and any(t.pos_ in {"NOUN", "PROPN"} for t in span)
    has_verb = any(t.pos_ in {"VERB", "AUX"} for t in span)
    return n >= INDIRECT_MIN_CLAUSE_TOKENS and has_verb


def _same_paragraph(paragraphs: Intervals, a: int, b: int) -> bool:
    k = paragraphs.index_at(a)
    return k is not None and b <= paragraphs.spans[k][1]


class CuesByPosition:
    """The cues of a document, found by position: those near a quotation, in the order ``find_cues`` gave."""

    def __init__(self, cues: list[CueRelation]) -> None:
        self.order = sorted(range(len(cues)), key=lambda k: cues[k].cue_start)
        self.starts = [cues[k].cue_start for k in self.order]
        self.cues = cues

    def near(self, start: int, end: int) -> list[CueRelation]:
        ks = self.order[bisect_left(self.starts, start):bisect_right(self.starts, end)]
        return [self.cues[k] for k in sorted(ks)]


def _adjacent_cue(doc: Doc, mark: MarkSpan, cues: CuesByPosition,
                  paragraphs: Intervals) -> CueRelation | None:
    """A cue right after the closing mark (", he said") or right before the opening one ("said:")."""
    text = text_of(doc)
    k = paragraphs.index_at(mark.start)
    para = paragraphs.spans[k] if k is not None else (0, len(text))
    best: CueRelation | None = None
    for rel in cues.near(mark.start - ADJACENT_REACH, mark.end + ADJACENT_REACH):
        if rel.verb is None or not (para[0] <= rel.cue_start < para[1]):
            continue
        # the speaker's whole name: "…,” Quina Jones, 25, said" starts at "Quina", not at the head "Jones"
        left = min(rel.cue_start, rel.source.left_edge.idx if rel.source is not None else rel.cue_start)
        if rel.cue_start > mark.end:
            gap = text[mark.end + 1:left]
            if any(ch in gap for ch in ".!?;"):
                continue   # "… of the two countries”. Xinhua said …": the cue opens the next sentence
            # "…,” Xi told Lukashenko" / "…,” said Hugh Hill"
            if len(words(gap)) == 0 and len(gap) <= ADJACENT_GAP_CHARS and rel.content_len == 0 or \
                    len(words(gap)) == 0 and len(gap) <= ADJACENT_GAP_CHARS and rel.content_start >= mark.start - 1:
                return rel
            if len(words(gap)) == 0 and len(gap) <= ADJACENT_GAP_CHARS:
                best = best or rel
        elif rel.cue_end <= mark.start:
            right = max(rel.cue_end, rel.source.idx + len(rel.source.text) if rel.source is not None else 0)
            gap = text[right:mark.start - 1]
            if rel.content_len == 0 and (len(words(gap)) <= ADJACENT_LEAD_WORDS and gap.rstrip().endswith((":", ","))
                                         or not gap.strip()):
                best = rel   # "she said: “…”", "…, saying “…”"
    return best


def _fragment_of_another_clause(doc: Doc, m: MarkSpan, rel: CueRelation) -> bool:
    """Whether a quotation before a cue, inside its sentence, is a fragment that a clause before it governs (in
    "as Berg went on about “our own struggling citizens,” Holm said yes", the words are Berg's, not Holm's) or
    a title that a phrase holds ("a broadcast of “Fox News Sunday,”")."""
    if rel.verb is None or rel.cue_start < m.end:
        return False
    span = doc.char_span(m.start, m.end, alignment_mode="expand")
    if span is None:
        return False
    sent = sent_of(doc, span[0].i)
    if not words(text_of(doc)[sent.start_char:m.start]) or not sent.start <= rel.verb.i < sent.end:
        return False   # the quotation opens its sentence (“…,” Holm said), or the cue opens the next one
    quoted = text_of(doc)[m.start:m.end]
    if is_title_like(quoted):
        # "On this weekend's broadcast of “Fox News Sunday,” Gov. Holm said": a title a phrase holds
        return len(words(quoted)) >= 2 and span.root.head.pos_ in {"ADP", "NOUN", "PROPN"} \
            and not (m.start <= span.root.head.idx < m.end)
    gov = _governing_verb(doc, m)
    return gov is not None and gov[0].i < span[0].i and gov[0].i != rel.verb.i and \
        (rel.source is None or gov[1].i != rel.source.i)


def _colon_source(doc: Doc, colon: int) -> Token | None:
    """The speaker introduced before a colon: the subject of that clause, or the last name before it."""
    span = doc.char_span(max(0, colon - 1), colon, alignment_mode="expand")
    if span is None:
        return None
    sent = sent_of(doc, span[0].i)
    subj = [t for t in sent if t.i <= span[-1].i and t.dep_ in {"nsubj", "nsubjpass"}
            and (t.ent_type_ in {"PERSON", "ORG", "GPE", "NORP"} or t.pos_ == "PRON" or t.lemma_ in SPEAKER_SUBJECT_NOUNS)]
    if subj:
        return subj[-1]
    ents_ = [e for e in ents(doc) if e.label_ in {"PERSON", "ORG"} and sent.start <= e.start
            and e.end_char <= colon]
    return ents_[-1].root if ents_ else None


def _drop_nested(cands: list[Candidate]) -> list[Candidate]:
    """Drop an indirect quote whose cue sits inside another quote's content ("X said Y was reiterating
    Z"): the outer report is the attribution; also drop exact duplicates."""
    starts = sorted(c.start for c in cands)
    ends = sorted(c.end for c in cands)

    def covering(pos: int) -> int:   # how many candidates hold ``pos``
        return bisect_right(starts, pos) - bisect_right(ends, pos)

    out: list[Candidate] = []
    seen: set[tuple[int, int]] = set()
    for c in cands:
        if c.kind == "indirect" and c.cue is not None and \
                covering(c.cue[0]) - (c.start <= c.cue[0] < c.end) > 0:
            continue
        if (c.start, c.end) in seen:
            continue
        seen.add((c.start, c.end))
        out.append(c)
    return out
