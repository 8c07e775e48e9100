"""Attribute each detected quote to its speaker.

The source token found by detection is turned into a mention (the words that name the speaker) and a
canonical name. Pronouns ("he", "she", "they") and descriptions ("the president", "the ministry") are
resolved on the parse and the named entities: gender from honorifics, first names and pronouns; number and
entity type; recency; and the preference of reported speech for the previous speaker. Quotes with no cue
continue the previous speaker where the context carries it.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token

from quotes.detect import Candidate
from quotes.doccache import ent_at, ents, ents_overlapping_chars, ents_starting_in, sent_of, text_of
from quotes.marks import Intervals, find_quote_marks, paragraph_spans, top_level
from quotes.speakers import NameIndex, clean_name, title_gender
from quotes.types import Quote, Speaker, SpeakerKind
from quotes.types import Span as TextSpan

ENTITY_KIND: dict[str, SpeakerKind] = {"PERSON": "person", "ORG": "organization", "NORP": "organization",
                                       "GPE": "place", "LOC": "place", "FAC": "place"}
PERSON_NOUNS = frozenset("""
president minister leader official spokesman spokeswoman spokesperson senator governor mayor candidate
nominee chairman chairwoman chair secretary ambassador diplomat general commander chief director adviser
advisor aide analyst expert economist professor doctor lawyer attorney judge source sources officer man
woman resident voter supporter critic activist lawmaker congressman congresswoman premier chancellor king
queen prince envoy negotiator manager executive ceo founder author researcher scientist witness
""".split())
ORG_NOUNS = frozenset("""
ministry government agency company campaign committee department council commission party kremlin
administration office bank union group medium organization organisation newspaper paper media network
army military court parliament congress senate white house police embassy firm university institute team
""".split())
ABBREVIATIONS = {"sen": "senator", "rep": "representative", "gov": "governor", "pres": "president",
                 "gen": "general", "lt": "lieutenant", "col": "colonel", "amb": "ambassador", "sec": "secretary"}
NOT_SPEAKERS = frozenset({"TIME", "DATE", "CARDINAL", "PERCENT", "MONEY", "QUANTITY", "ORDINAL"})
MALE_PRONOUNS = frozenset({"he", "him", "his", "himself"})
FEMALE_PRONOUNS = frozenset({"she", "her", "hers", "herself"})
PLURAL_PRONOUNS = frozenset({"they", "them", "their"})
NEUTER_PRONOUNS = frozenset({"it", "its"})

CONFIDENCE = {"cue": 0.95, "adjacent": 0.92, "dash": 0.9, "according": 0.88, "transcript": 0.85, "colon": 0.8,
              "continuation": 0.72, "embedded": 0.5}


@dataclass
class _Mention:
    start: int
    end: int
    name: str
    kind: SpeakerKind
    descriptors: frozenset[str]
    gender: str | None
    subject: bool


class Attributor:
    """Resolves the speakers of one article's candidates."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self.names = NameIndex()
        self.mentions: list[_Mention] = []
        self.recent_speakers: list[str] = []
        self.last_speaker_at = -1
        self.quoted = Intervals([(m.start, m.end) for m in top_level(find_quote_marks(text_of(doc)))])
        self._index_entities()
        self.mention_starts = [m.start for m in self.mentions]   # in text order, as the entities come
        self._infer_gender()

    def mentions_in(self, start: int, end: int) -> list[_Mention]:
        """The entity mentions that start in ``[start, end)``, in text order."""
        return self.mentions[bisect_left(self.mention_starts, start):bisect_left(self.mention_starts, end)]

    # -- the entities of the article -------------------------------------------------------------
    def _index_entities(self) -> None:
        for ent in ents(self.doc):
            kind = ENTITY_KIND.get(ent.label_)
            if kind is None:
                continue
            if ent.label_ == "NORP" and ent.root.dep_ in {"amod", "compound"}:
                continue  # "Chinese leader": an adjective, not a speaker
            name = clean_name(ent.text)
            if not name:
                continue
            descriptors = self._descriptors(ent)
            gender = title_gender(text_of(self.doc)[max(0, ent.start_char - 12):ent.end_char]) if kind == "person" \
                else None
            if self.quoted.covers(ent.start_char):
                continue  # a name inside a quotation is what someone said, not a speaker in the story
            if kind == "person":
                self.names.add(name, gender)
            self.mentions.append(_Mention(ent.start_char, ent.end_char, name, kind, descriptors, gender,
                                          ent.root.dep_ in {"nsubj", "nsubjpass"}))

    def _infer_gender(self) -> None:
        """Gender of people from the pronouns that follow them: "Lynch said her department ..." ."""
        votes: dict[str, list[str]] = {}
        for m in self.mentions:
            if m.kind != "person" or not m.subject:
                continue
            span = self.doc.char_span(m.start, m.end, alignment_mode="expand")
            if span is None:
                continue
            sent = sent_of(self.doc, span.start)
            others = [e for e in ents_starting_in(self.doc, sent.start, sent.end)
                      if e.label_ == "PERSON" and e.start_char != m.start]
            if others:
                continue
            window = list(sent[span.end - sent.start:]) if span.end < sent.end else []
            nxt = self.doc[sent.end:min(len(self.doc), sent.end + 3)]
            for t in window + list(nxt):
                low = t.lower_
                if low in MALE_PRONOUNS:
                    votes.setdefault(self.names.canonical(m.name), []).append("m")
                    break
                if low in FEMALE_PRONOUNS:
                    votes.setdefault(self.names.canonical(m.name), []).append("f")
                    break
        for name, vs in votes.items():
            if name not in self.names.gender and vs:
                # the majority; on a tie the first vote (a set's order would change from run to run)
                self.names.gender[name] = max(dict.fromkeys(vs), key=vs.count)

    def _descriptors(self, ent: Span) -> frozenset[str]:
        return frozenset(ABBREVIATIONS.get(d.rstrip("."), d.rstrip(".")) for d in self._raw_descriptors(ent))

    def _raw_descriptors(self, ent: Span) -> frozenset[str]:
        """Nouns that describe an entity: "Chinese leader Xi Jinping" → leader; "Alexander Lukashenko,
        president of Belarus" → president; an organisation's own head noun ("Foreign Ministry")."""
        out: set[str] = set()
        root = ent.root
        for t in root.lefts:
            if t.i < ent.start and t.pos_ in {"NOUN", "PROPN"}:
                out.add(t.lemma_.lower())
        for child in root.children:
            if child.dep_ == "appos":
                out.add(child.lemma_.lower())
                out.update(c.lemma_.lower() for c in child.children if c.dep_ == "conj")
        if root.dep_ == "appos" and root.head.pos_ == "NOUN":
            out.add(root.head.lemma_.lower())
        if ent.label_ in {"ORG", "GPE", "NORP", "FAC"}:
            out.update(t.lemma_.lower() for t in ent if t.pos_ in {"NOUN", "PROPN"})
        return frozenset(out)

    # -- one source token ------------------------------------------------------------------------
    def mention_span(self, source: Token) -> tuple[int, int]:
        """The words naming the speaker: the noun phrase of ``source`` without appositives or clauses."""
        if source.pos_ == "PRON":
            return source.idx, source.idx + len(source.text)
        ent = ent_at(self.doc, source.i)
        left = source.left_edge.i
        right = source.i
        for child in source.rights:
            if child.dep_ in {"prep", "cc", "conj"} and source.ent_type_ == "" and (
                    child.dep_ != "prep" or child.lower_ in {"of", "for", "at", "from"}):
                right = max(right, child.right_edge.i)
            elif child.dep_ in {"compound", "flat"} or (ent is not None and child.i < ent.end):
                right = max(right, child.i)
        if ent is not None:
            left, right = min(left, ent.start), max(right, ent.end - 1)
        toks = [t for t in self.doc[left:right + 1]]
        while toks and (toks[0].is_punct or toks[0].dep_ in {"cc", "prep"}):
            toks = toks[1:]
        while toks and (toks[-1].is_punct or toks[-1].dep_ in {"case"}):
            toks = toks[:-1]
        if not toks:
            return source.idx, source.idx + len(source.text)
        return toks[0].idx, toks[-1].idx + len(toks[-1].text)

    def resolve(self, source: Token) -> tuple[Speaker | None, float]:
        """Speaker for a source token, and a confidence factor for how it was found."""
        if source.ent_type_ in NOT_SPEAKERS or source.like_num:
            return None, 0.5
        start, end = self.mention_span(source)
        mention = text_of(self.doc)[start:end]
        lower = source.lower_
        if source.pos_ == "PRON" or lower in MALE_PRONOUNS | FEMALE_PRONOUNS | PLURAL_PRONOUNS | NEUTER_PRONOUNS:
            target = self._resolve_pronoun(lower, start)
            if target is None:
                return None, 0.5
            return Speaker(target.name, mention, start, end, target.kind), 0.85
        # a description with a named appositive: "the mayor of Kharkiv, Ihor Terekhov"
        if source.pos_ == "NOUN":
            holders = [source] + [p for c in source.children if c.dep_ == "prep" for p in c.children
                                  if p.dep_ == "pobj"]
            for h in holders:
                app = next((c for c in h.children if c.dep_ == "appos" and c.pos_ == "PROPN"), None)
                if app is not None:
                    toks = [t for t in app.subtree if t.dep_ in {"compound", "flat"} or t.i == app.i]
                    name = clean_name(" ".join(t.text for t in toks))
                    kind_a: SpeakerKind = "person" if source.lemma_.lower() in PERSON_NOUNS else "organization"
                    if kind_a == "person":
                        self.names.add(name)
                        name = self.names.canonical(name, self.recent_speakers)
                    a_start = min(start, toks[0].idx)
                    a_end = max(end, toks[-1].idx + len(toks[-1].text))
                    return Speaker(name, text_of(self.doc)[a_start:a_end], a_start, a_end, kind_a), 1.0
        # a named entity in the phrase (the one holding the head, else an appositive, else the last)
        found = [e for e in ents_overlapping_chars(self.doc, start, end)
                 if e.label_ in ENTITY_KIND and not (e.label_ == "NORP" and e.root.dep_ in {"amod", "compound"})]
        for child in source.children:
            if child.dep_ == "appos":
                found += [e for e in [ent_at(self.doc, child.i)] if e is not None and e.label_ == "PERSON"]
        head_ent = next((e for e in found if e.start <= source.i < e.end), None) or (
            next((e for e in found if e.label_ == "PERSON"), None))
        if head_ent is not None:
            kind = ENTITY_KIND[head_ent.label_]
            name = clean_name(head_ent.text)
            if kind == "person":
                name = self.names.canonical(name, self.recent_speakers)
            return Speaker(name, mention, start, end, kind), 1.0
        # a description: "the president", "the ministry", "a spokesman for the Kremlin"
        head = source.lemma_.lower()
        if head in PERSON_NOUNS | ORG_NOUNS and source.tag_ in {"NN", "NNP"} \
                and any(t.lower_ in {"the", "this", "that"} for t in source.lefts) \
                and not any(c.dep_ in {"prep", "conj"} for c in source.children):
            target = self._resolve_description(head, start)
            if target is not None:
                return Speaker(target.name, mention, start, end, target.kind), 0.85
        kind_: SpeakerKind = "person" if head in PERSON_NOUNS else "organization" if head in ORG_NOUNS else "other"
        return Speaker(_description_name(mention), mention, start, end, kind_), 0.75

    def _resolve_pronoun(self, pronoun: str, pos: int) -> _Mention | None:
        if pronoun in MALE_PRONOUNS | FEMALE_PRONOUNS:
            want = "m" if pronoun in MALE_PRONOUNS else "f"
            kinds: set[str] = {"person"}
        elif pronoun in PLURAL_PRONOUNS | NEUTER_PRONOUNS:
            want, kinds = "", {"organization", "place"}
        else:
            return None   # "I", "we", "you": the writer or the quoted speaker themselves
        best: tuple[float, _Mention] | None = None
        for m in self.mentions_in(pos - 1500, pos):
            if m.kind not in kinds:
                continue
            gender = self.names.gender.get(self.names.canonical(m.name)) if m.kind == "person" else None
            if want and gender and gender != want:
                continue
            score = -(pos - m.start) / 250.0
            if m.subject:
                score += 0.6
            if self.recent_speakers and self.names.canonical(m.name) == self.recent_speakers[-1] \
                    and pos - self.last_speaker_at < 600:
                score += 0.8
            if best is None or score > best[0]:
                best = (score, m)
        if best is None:
            return None
        m = best[1]
        name = self.names.canonical(m.name, self.recent_speakers) if m.kind == "person" else m.name
        return _Mention(m.start, m.end, name, m.kind, m.descriptors, m.gender, m.subject)

    def _resolve_description(self, head: str, pos: int) -> _Mention | None:
        for m in reversed(self.mentions):
            if m.start < pos and head in m.descriptors:
                name = self.names.canonical(m.name, self.recent_speakers) if m.kind == "person" else m.name
                return _Mention(m.start, m.end, name, m.kind, m.descriptors, m.gender, m.subject)
        return None


def attribute(doc: Doc, article_id: str, candidates: list[Candidate]) -> list[Quote]:
    """Turn candidates into ``Quote`` records with speakers, canonical names and confidences."""
    text = text_of(doc)
    attributor = Attributor(doc)
    paragraph_index = Intervals(paragraph_spans(text))
    paragraphs = paragraph_index.spans

    def para_of(pos: int) -> int:
        k = paragraph_index.index_at(pos, after=1)   # a paragraph's end belongs to it
        return -1 if k is None else k

    quotes: list[Quote] = []
    last: tuple[int, Speaker] | None = None        # paragraph index and speaker of the last quote
    for cand in candidates:
        speaker: Speaker | None = None
        factor = 1.0
        how = cand.how
        if cand.source is not None:
            speaker, factor = attributor.resolve(cand.source)
        elif cand.source_text is not None:
            s, e = cand.source_text
            name = clean_name(text[s:e])
            mention = text[s:e].rstrip(" .,")
            speaker = Speaker(attributor.names.canonical(name, attributor.recent_speakers), mention, s,
                              s + len(mention), "person")
        elif how == "continuation":
            p = para_of(cand.start)
            starts_para = p >= 0 and cand.start - paragraphs[p][0] <= 1
            if last is not None and (last[0] == p or (starts_para and last[0] >= p - 2)):
                speaker = last[1]
                factor = 1.0 if last[0] == p else 0.9
            elif starts_para and p > 0:
                speaker = _named_in_paragraph(attributor, paragraphs[p - 1])
                factor = 0.8
        if speaker is None:
            factor = min(factor, 0.55)
        confidence = CONFIDENCE.get(how, 0.6) * factor
        if cand.kind == "indirect":
            confidence *= 0.8 if cand.nominal else 0.9
        content = TextSpan(cand.start, cand.end, text[cand.start:cand.end])
        cue = TextSpan(cand.cue[0], cand.cue[1], text[cand.cue[0]:cand.cue[1]]) if cand.cue else None
        statement = _statement(content, cue, speaker, text)
        quotes.append(Quote(article_id, len(quotes), cand.kind, content, cue, speaker,
                            round(max(0.0, min(1.0, confidence)), 3), statement))
        if speaker is not None:
            last = (para_of(cand.start), speaker)
            attributor.recent_speakers.append(speaker.name)
            attributor.last_speaker_at = cand.start
    return quotes


def _description_name(mention: str) -> str:
    """An unresolved description is its own name, lower-cased after a leading article: "the plan"."""
    name = " ".join(mention.split()).strip(" ,.;:")
    first, _, rest = name.partition(" ")
    if first.lower() in {"the", "a", "an"} and rest:
        return f"{first.lower()} {rest}"
    return name


def _named_in_paragraph(attributor: Attributor, para: tuple[int, int]) -> Speaker | None:
    """The last person (else organisation) named in a paragraph: the speaker of a quote-only paragraph
    that follows it."""
    inside = attributor.mentions_in(para[0], para[1])
    for kinds in ({"person"}, {"organization"}):
        for m in reversed(inside):
            if m.kind in kinds:
                name = attributor.names.canonical(m.name, attributor.recent_speakers) if m.kind == "person" \
                    else m.name
                return Speaker(name, text_of(attributor.doc)[m.start:m.end], m.start, m.end, m.kind)
    return None


def _statement(content: TextSpan, cue: TextSpan | None, speaker: Speaker | None, text: str) -> TextSpan:
    """The quote as reported (content, cue and speaker mention together) when they are close by:
    what the stance classifier reads."""
    start, end = content.start, content.end
    for span in ([cue.start, cue.end] if cue else [], [speaker.start, speaker.end] if speaker and
                 speaker.start is not None and speaker.end is not None else []):
        if span and abs(span[0] - content.start) < 300 or span and abs(span[1] - content.end) < 300:
            start, end = min(start, span[0]), max(end, span[1])
    if start > 0 and text[start - 1] in "\"“«„‘'":
        start -= 1
    if end < len(text) and text[end] in "\"”»’'":
        end += 1
    return TextSpan(start, end, text[start:end])
