"""Reporting cues: the verbs, phrases and punctuation that introduce speech, and what they govern.

``find_cues(doc)`` reads the dependency parse and yields one ``CueRelation`` per reporting cue: the cue's
words, the token that is its source (subject of the verb, object of "according to", ...), and the span
of what was reported.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token

from quotes.extract.doccache import sent_of
from quotes.extract.words import (
    ADDRESSEE_VERBS,
    CONTENT_PREPS,
    NOMINAL_CONTENT,
    PHRASAL_CUES,
    RELATIVE_PRONOUNS,
    REPORTING_SUBJECTS,
    SPEECH_VERBS,
)

SUBJECT_CLIMB = 6   # heads climbed from a reporting verb to find its subject (participles, conjuncts)


@dataclass(frozen=True)
class CueRelation:
    """A reporting cue in the parse: its words, its source token and the reported span (char offsets)."""

    cue_start: int
    cue_end: int
    source: Token | None
    content_start: int
    content_end: int
    verb: Token | None          # the reporting verb (None for "according to" and colons)
    nominal: bool = False       # the content is a noun phrase ("called for a ceasefire")

    @property
    def content_len(self) -> int:
        return self.content_end - self.content_start


def _span_chars(tokens: list[Token]) -> tuple[int, int] | None:
    tokens = [t for t in tokens if not t.is_space]
    while tokens and (tokens[0].is_punct or tokens[0].dep_ == "mark" and tokens[0].lower_ in {"that", "as"}):
        tokens = tokens[1:]
    while tokens and tokens[-1].is_punct and tokens[-1].text not in {"\u201d", '"', "\u00bb", "\u2019", "'", ")"}:
        tokens = tokens[:-1]
    if not tokens:
        return None
    return tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)


def _subtree(token: Token) -> list[Token]:
    return list(token.subtree)


def find_subject(verb: Token) -> Token | None:
    """The source of a reporting verb: its subject, climbing through participles, conjuncts and
    passives ("was quoted as saying"), and through relative pronouns to the noun they stand for."""
    frame = reporting_frame(verb)
    if frame is not None:
        return find_subject(frame)       # "Lukashenko has been cited as saying"
    prev = verb.doc[verb.i - 1] if verb.i > 0 else None
    if verb.tag_ == "VBG" and prev is not None and prev.ent_type_ == "PERSON" and prev.dep_ in {"pobj", "dobj"} \
            and not any(c.dep_ in {"nsubj", "nsubjpass"} for c in verb.children):
        return prev                      # "the ad uses footage of Ana Ruiz asking, …": she asks, not the ad
    seen = 0
    tok: Token | None = verb
    while tok is not None and seen < SUBJECT_CLIMB:
        seen += 1
        # of two subjects (a misparse: "The Latest: Trump urges …", "THE BORROWING Back when he wrote his
        # book, Mr. Reyes said", "Paul Ryan, despite admitting …, the victims do need"), a name or a pronoun
        # before a common noun, then the one nearest the verb
        here = tok.i
        subjects = sorted((c for c in tok.children if c.dep_ in {"nsubj", "nsubjpass", "csubj"}),
                          key=lambda c: (not _names_someone(c), abs(c.i - here)))
        if subjects and subjects[0].lower_ == "it" and tok.pos_ == "ADJ" and tok.dep_ in {"ccomp", "xcomp", "oprd"}:
            subjects = []                # "Berg will find it difficult to repeat …": the finder is the source
        for child in subjects[:1]:
            if child.dep_ in {"nsubj", "nsubjpass", "csubj"}:
                if child.lower_ in RELATIVE_PRONOUNS and tok.dep_ in {"relcl", "acl"}:
                    return tok.head
                return child
        if tok.dep_ in {"agent"}:
            return None
        # "..., saying that"; "declined to comment and said"; "was cited as saying"; "was able to tout"
        if tok.dep_ in {"advcl", "xcomp", "conj", "pcomp", "prep", "acl", "dep", "acomp", "ccomp"} and tok.head.i != tok.i \
                and (tok.dep_ != "ccomp" or tok.pos_ == "ADJ"):
            if tok.dep_ == "acl" and tok.head.pos_ in {"NOUN", "PROPN"} and tok.tag_ == "VBG" \
                    and _name_before(tok.head) is None:
                return tok.head            # "a statement saying that"
            tok = tok.head
            continue
        if (name := _name_before(tok)) is not None:
            return name
        break
    # passive with agent: "it was announced by the ministry"
    for child in verb.children:
        if child.dep_ == "agent":
            for pobj in child.children:
                if pobj.dep_ == "pobj":
                    return pobj
    return None


def _names_someone(tok: Token) -> bool:
    """A named entity that can speak, a proper noun or a personal pronoun."""
    return tok.ent_type_ in {"PERSON", "ORG", "NORP", "GPE"} or tok.pos_ in {"PROPN", "PRON"}


def _name_before(tok: Token) -> Token | None:
    """In "Berg avoids condemning …" parsed as a noun phrase or as a verb with "Berg" for a compound, the
    capitalised word before the root is its subject."""
    if tok.dep_ != "ROOT" or tok.tag_ not in {"NNS", "VBZ", "VBD"}:
        return None
    name = next((c for c in tok.children if c.dep_ == "compound" and c.text[:1].isupper() and c.i == tok.i - 1),
                None)
    if name is None:
        return None
    first = next((t for t in sent_of(tok.doc, name.i) if not t.is_space), None)
    return name if first is not None and first.i == name.i else None   # the sentence opens with the name


def document_source(subject: Token) -> Token | None:
    """For "a statement from the ministry", the ministry; for "Xinhua's report", Xinhua; for "the Council
    issued a statement calling ...", the Council."""
    if subject.lemma_.lower() not in REPORTING_SUBJECTS:
        return None
    if subject.dep_ == "pobj" and subject.head.lower_ == "of" and subject.head.head.pos_ == "NOUN" \
            and subject.head.head.dep_ == "dobj":
        subject = subject.head.head      # "Berg unleashed a series of tweets criticizing …": the series' sender
    if subject.dep_ in {"dobj", "pobj"} and subject.head.pos_ == "VERB":
        for child in subject.head.children:
            if child.dep_ == "nsubj":
                return child
    for child in subject.children:
        if child.dep_ == "poss":
            return child
        if child.dep_ == "relcl":       # "a speech Mrs. Ruiz delivered at the university"
            said_by = next((c for c in child.children if c.dep_ == "nsubj" and c.ent_type_ in {"PERSON", "ORG"}), None)
            if said_by is not None:
                return said_by
        if child.dep_ == "prep" and child.lower_ in {"from", "by", "of"}:
            for pobj in child.children:
                if pobj.dep_ == "pobj":
                    return pobj
    return None


def _verb_cue_span(verb: Token) -> tuple[int, int]:
    """The cue's words: the verb with its particle/preposition ("called for"), and the passive frame
    of "was quoted as saying"."""
    start, end = verb.idx, verb.idx + len(verb.text)
    lemma = verb.lemma_.lower()
    for child in verb.children:
        if child.i == verb.i + 1 and (child.dep_ == "prt" and lemma == "call" or child.dep_ == "prep" and (
                lemma, child.lower_) in PHRASAL_CUES):
            end = max(end, child.idx + len(child.text))
    frame = reporting_frame(verb)
    if frame is not None:
        start = frame.idx
    return start, end


def reporting_frame(verb: Token) -> Token | None:
    """For "was cited as saying" / "is quoted as saying", the verb "cited"/"quoted"."""
    head = verb.head
    if head.lower_ == "as" and head.dep_ == "prep":
        head = head.head
    elif verb.dep_ not in {"advcl", "pcomp", "xcomp"}:
        return None
    if head.i != verb.i and head.lemma_ in {"quote", "cite", "report", "hear"} and head.i < verb.i:
        return head
    return None


def _content_tokens(verb: Token) -> tuple[list[Token], bool]:
    """The tokens a reporting verb governs as content, and whether that content is nominal."""
    lemma = verb.lemma_.lower()
    clauses = [c for c in verb.children if c.dep_ in {"ccomp", "parataxis"}]
    if clauses:
        toks = [t for c in clauses for t in _subtree(c)]
        return toks, False
    right = [c for c in verb.children if c.i > verb.i]
    phrasal = any(c.dep_ in {"prep", "prt"} and c.lower_ in {"for", "on"} for c in right)
    if lemma in {"call", "describe", "label", "brand", "dub"} and not phrasal and (
            any(c.dep_ == "oprd" for c in right) or any(c.dep_ == "dobj" for c in right)
            and any(c.dep_ == "xcomp" for c in right)):
        # "called Trump's supporters 'deplorables'": the naming is the content
        return [t for c in right if c.dep_ in {"dobj", "oprd", "xcomp", "prep"} for t in _subtree(c)], False
    if lemma == "call" and not phrasal:
        return [], False          # "called the police" is no speech; "called for talks" is
    if verb.i + 1 < len(verb.doc) and verb.doc[verb.i + 1].lower_ == "that":
        # a that-clause the parser did not attach as ccomp: everything to the right
        return [t for c in right if c.dep_ not in {"punct", "cc", "conj"} for t in _subtree(c)], False
    parts: list[Token] = []
    nominal = False
    # "urged Russia to withdraw", "called on Moscow to stop"
    xcomps = [c for c in right if c.dep_ == "xcomp" or (c.dep_ == "advcl" and c.lemma_ in SPEECH_VERBS)]
    for c in xcomps:
        parts.extend(_subtree(c))
    for c in right:
        if c.dep_ in {"dobj", "dative"} and lemma in ADDRESSEE_VERBS and xcomps and c.i < xcomps[0].i:
            parts.extend(_subtree(c))
        elif lemma in NOMINAL_CONTENT and c.dep_ == "dobj" and lemma not in {"tell", "ask", "inform", "brief"}:
            parts.extend(_subtree(c))
            nominal = True
        elif lemma in NOMINAL_CONTENT and c.dep_ in {"prep", "prt"} and c.lower_ in CONTENT_PREPS | {"on"}:
            parts.extend(t for t in _subtree(c) if t.i != c.i or c.lower_ not in {"for", "on"})
            nominal = True
    if parts:
        return sorted(set(parts), key=lambda t: t.i), nominal and not xcomps
    return [], False


def find_cues(doc: Doc) -> list[CueRelation]:
    """Every reporting cue in ``doc`` with its source and content."""
    out: list[CueRelation] = []
    for tok in doc:
        if tok.pos_ in {"VERB", "AUX"} and tok.lemma_.lower() in SPEECH_VERBS \
                and tok.dep_ not in {"amod", "compound", "acomp"} \
                and not any(c.dep_ == "neg" for c in tok.children):
            rel = _verb_relation(tok)
            if rel is not None:
                out.append(rel)
        elif tok.lower_ == "according" and tok.i + 1 < len(doc) and doc[tok.i + 1].lower_ == "to":
            rel = _according_relation(doc, tok)
            if rel is not None:
                out.append(rel)
    return out


def _verb_relation(verb: Token) -> CueRelation | None:
    if verb.lemma_ in {"cite", "quote", "report"} and any(
            t.lemma_ == "say" and (frame := reporting_frame(t)) is not None and frame.i == verb.i
            for t in verb.subtree if t.i != verb.i):
        return None              # "was cited as saying": the cue is "saying", handled there
    content, nominal = _content_tokens(verb)
    cue_start, cue_end = _verb_cue_span(verb)
    subject = find_subject(verb)
    if subject is not None:
        subject = document_source(subject) or subject
    span = _span_chars(content) if content else None
    if span is None:
        # No governed content: the quote may sit beside the cue (handled with the quotation marks).
        return CueRelation(cue_start, cue_end, subject, cue_end, cue_end, verb, False)
    return CueRelation(cue_start, cue_end, subject, span[0], span[1], verb, nominal)


def _according_relation(doc: Doc, according: Token) -> CueRelation | None:
    to = doc[according.i + 1]
    source = next((c for c in to.children if c.dep_ == "pobj"), None)
    if source is None:
        return None
    source = document_source(source) or source    # "according to a speech Mrs. Ruiz delivered"
    sent: Span = sent_of(doc, according.i)
    phrase = set(t.i for t in according.subtree) | set(t.i for t in to.subtree) | {according.i, to.i}
    rest = [t for t in sent if t.i not in phrase]
    span = _span_chars(rest)
    if span is None:
        return None
    return CueRelation(according.idx, to.idx + len(to.text), source, span[0], span[1], None, False)
