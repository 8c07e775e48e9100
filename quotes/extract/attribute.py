"""Attribute each detected quote to its speaker.

The source token found by detection is turned into a mention (the words that name the speaker) and a
canonical name. Pronouns ("he", "she", "they") and descriptions ("the president", "the ministry") are
resolved on the parse and the named entities: gender from honorifics, first names and pronouns; number and
entity type; recency; and the preference of reported speech for the previous speaker. Quotes with no cue
continue the previous speaker where the context carries it.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from spacy.tokens import Span, Token

from quotes.extract.detect import Candidate
from quotes.extract.doccache import (
    Document,
    ent_at,
    ents,
    ents_overlapping_chars,
    ents_starting_in,
    sent_of,
    text_of,
)
from quotes.extract.marks import Intervals
from quotes.extract.speakers import NameIndex, clean_name, title_gender
from quotes.extract.words import (
    ABBREVIATIONS,
    FEMALE_PRONOUNS,
    HEADLINE_SMALL_WORDS,
    ISSUE_VERBS,
    ISSUED_DOCUMENTS,
    MALE_PRONOUNS,
    MENTION_TITLES,
    NEUTER_PRONOUNS,
    NOUN_GENDER,
    ORG_NOUNS,
    PARTY_FORMS,
    PERSON_NOUNS,
    PLURAL_PRONOUNS,
    ROLE_NOUNS,
)
from quotes.types import Quote, Speaker, SpeakerKind
from quotes.types import Span as TextSpan

ENTITY_KIND: dict[str, SpeakerKind] = {"PERSON": "person", "ORG": "organization", "NORP": "organization",
                                       "GPE": "place", "LOC": "place", "FAC": "place"}
NOT_SPEAKERS = frozenset({"TIME", "DATE", "CARDINAL", "PERCENT", "MONEY", "QUANTITY", "ORDINAL"})

# -- confidence of a quote: CONFIDENCE[how it was detected] x the trust in how its speaker was found ---------
CONFIDENCE = {"cue": 0.95, "adjacent": 0.92, "dash": 0.9, "according": 0.88, "transcript": 0.85, "colon": 0.8,
              "continuation": 0.72, "embedded": 0.5}
DEFAULT_CONFIDENCE = 0.6          # a detection method CONFIDENCE does not list
INDIRECT_CLAUSE = 0.9             # indirect speech reported as a clause ("said that ...") is less certain ...
INDIRECT_NOMINAL = 0.8            # ... and reported as a noun phrase ("called for a ceasefire") less still
NO_SPEAKER_CAP = 0.55             # the most trust in a quote whose speaker was not found
# trust in a speaker found from the cue's source token, by how it was found
TRUST_NAMED = 1.0                 # a named entity holds the source, or a description has a named appositive
TRUST_OWNED_ORG = 0.9             # an organisation noun that a name modifies: "the Lindqvist campaign"
TRUST_ARTICLE_PERSON = 0.9        # a proper noun the recogniser missed that names a person of the article
TRUST_PRONOUN = 0.85              # a pronoun resolved to an earlier mention
TRUST_DESCRIPTION = 0.85          # a description ("the president") resolved to the entity it was given to
TRUST_NAMED_ISSUER = 0.85         # a document whose issuer is named with it: "China's plan"
TRUST_ARTICLE_ORG = 0.85          # a proper noun that names an organisation the article names elsewhere
TRUST_EARLIER_ISSUER = 0.8        # a document whose issuer an earlier sentence names
TRUST_OTHER_NAME = 0.8            # a capitalised name of no known kind
TRUST_UNRESOLVED = 0.75           # a description or common noun that names no one (kind "unresolved")
TRUST_NONE = 0.5                  # no speaker: a number, a date, or a pronoun with no antecedent
# trust in the speaker of a quotation with no cue
TRUST_SAME_PARAGRAPH = 1.0        # the last quote's speaker, whose quote is in the same paragraph
TRUST_CONTINUED = 0.9             # the last quote's speaker, whose quote was a paragraph or two before
TRUST_PREVIOUS_PARAGRAPH = 0.8    # the person (or organisation) the paragraph before names last
CONTINUATION_PARAGRAPHS = 2       # paragraphs back a quotation opening a paragraph may continue a speaker

# -- pronouns: every earlier mention of the right kind and gender gets a score; the highest wins ------------
PRONOUN_REACH = 1500              # characters before a pronoun searched for the person it stands for
RECENCY_SCALE = 250.0             # characters of distance that cost a mention one point
SUBJECT_BONUS = 0.6               # the mention is a clause's subject, which a pronoun tends to take up
OUTRANKED_PENALTY = 1.0           # not a subject, while another fitting mention is its sentence's subject
LAST_SPEAKER_NEAR = 600           # characters since the last quote within which its speaker is the topic
LAST_SPEAKER_BONUS = 0.8          # the last quote's speaker, within LAST_SPEAKER_NEAR
LAST_SPEAKER_UNRIVALLED = 2.5     # the last quote's speaker, farther back, when no other fitting subject since

# -- windows of text read around a mention ---------------------------------------------------------------
HONORIFIC_REACH = 12              # characters before a name searched for an honorific ("Mrs.", "Sen.")
GENDER_TOKENS_AFTER = 3           # tokens after a person's sentence searched for a pronoun telling gender
MENTION_LOOKBACK = 200            # characters before a position searched for the mention that covers it
DOCUMENT_LOOKBACK = 80            # tokens before the sentence of "the plan" searched for the plan's issuer
MODIFIER_WINDOW = 60              # characters before a mention read for the words the article puts there
STATEMENT_REACH = 300             # characters from a quote within which its cue and speaker join its statement
HEADLINE_MIN_WORDS = 3            # words (not small ones) a Title-Case line needs to be a headline
HEADLINE_CAPITALISED = 0.85       # share of those words capitalised in a headline

# -- the person a description with modifiers takes up ("the GOP nominee") -----------------------------------
MAIN_PERSON_MENTIONS = 3          # mentions before a person can be the one the article is about ...
MAIN_PERSON_LEAD = 2              # ... and how many times as often as anyone else they must be named
ROLE_OVERRIDE_MENTIONS = 3        # mentions after which a person introduced in another role still fits
SUBJECT_PARAGRAPHS_BACK = 2       # paragraphs before the description's own searched for that person


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

    def __init__(self, document: Document) -> None:
        self.doc = document.doc
        self.names = NameIndex()
        self.mentions: list[_Mention] = []
        self.recent_speakers: list[str] = []
        self.last_speaker_at = -1
        self.quoted = document.quoted
        self.headlines = Intervals(headline_spans(document.text))
        self.body_name_tokens: set[str] = set()
        self.org_names: set[str] = set()   # the organisations the article names, for their short forms
        self._index_entities()
        self._index_surnames()
        for m in self.mentions:   # "Holm" tagged as an organisation where the article names Gen. Sarah Holm
            if m.kind != "person" and self.is_person_surname(m.name):
                m.kind = "person"
            elif m.kind == "organization":
                m.name = self.long_form(m.name)
        self.mention_starts = [m.start for m in self.mentions]   # in text order, as the entities come
        self.sent_starts = document.sentence_starts
        self._infer_gender()

    def mentions_in(self, start: int, end: int) -> list[_Mention]:
        """The entity mentions that start in ``[start, end)``, in text order."""
        return self.mentions[bisect_left(self.mention_starts, start):bisect_left(self.mention_starts, end)]

    # -- the entities of the article -------------------------------------------------------------
    def in_headline(self, pos: int) -> bool:
        return self.headlines.covers(pos)

    def headline_name(self, name: str) -> str | None:
        """A name read in a Title-Case headline, cut to the words the body also uses in names:
        "Lindqvist Says" → "Lindqvist", "Marta Lindqvist Drops" → "Marta Lindqvist"; None when nothing is left."""
        words = name.split()
        k = 0
        while k < len(words) and words[k].casefold().strip(".,’'") in self.body_name_tokens:
            k += 1
        return " ".join(words[:k]) or None

    def long_form(self, name: str) -> str:
        """An organisation's one-word name is the article's longer name that ends with it, when it names one
        ("Times" of "The New York Times"; "Okafor" tagged as an organisation where the article names "Keith
        Okafor" so)."""
        if " " in name:
            return name
        low = name.casefold()
        longer = {n for n in self.org_names if " " in n and n.split()[-1].casefold() == low}
        return longer.pop() if len(longer) == 1 else name

    def is_person_surname(self, name: str) -> bool:
        """One word that ends a person's name in this article."""
        low = name.casefold()
        return " " not in name and any(f.split()[-1].casefold() == low for f in self.names.full if " " in f)

    def is_dateline(self, ent: Span) -> bool:
        """"WASHINGTON (AFP) –", "BEIJING --": a place opening a paragraph before an agency tag or a dash."""
        text = text_of(self.doc)
        line_start = text.rfind("\n", 0, ent.start_char) + 1
        return not text[line_start:ent.start_char].strip() and bool(_DATELINE_TAIL.match(text, ent.end_char))

    def _index_entities(self) -> None:
        for ent in ents(self.doc):
            if ent.label_ in ENTITY_KIND and not self.in_headline(ent.end_char - 1) and not self.is_dateline(ent):
                self.body_name_tokens.update(t.casefold().strip(".,’'") for t in clean_name(_last_line(ent.text)).split())
        for ent in ents(self.doc):
            kind = ENTITY_KIND.get(ent.label_)
            if kind == "organization" and ent.label_ == "ORG" and not self.in_headline(ent.start_char):
                self.org_names.add(clean_name(_last_line(ent.text), titles=False))
            if ent.label_ not in NOT_SPEAKERS | {"PERSON"} and not self.in_headline(ent.start_char) \
                    and not self.is_dateline(ent):
                other = clean_name(_last_line(ent.text), titles=False)
                if not {w.casefold() for w in other.split()} & (ORG_NOUNS | PERSON_NOUNS):
                    self.names.add_other(other)   # "the police shot Marcus Dwayne Okafor" tagged otherwise
            if kind is None:
                continue
            if ent.label_ == "NORP" and ent.root.dep_ in {"amod", "compound"}:
                continue  # "Chinese leader": an adjective, not a speaker
            if self.is_dateline(ent):
                continue
            name = clean_name(_last_line(ent.text), titles=kind == "person")
            if name and self.in_headline(ent.start_char):
                name = self.headline_name(name) or ""
            if not name:
                continue
            descriptors = self._descriptors(ent)
            gender = title_gender(text_of(self.doc)[max(0, ent.start_char - HONORIFIC_REACH):ent.end_char]) if kind == "person" \
                else None
            if self.quoted.covers(ent.start_char):
                continue  # a name inside a quotation is what someone said, not a speaker in the story
            if kind == "person":
                self.names.add(name, gender)
            self.mentions.append(_Mention(ent.start_char, ent.end_char, name, kind, descriptors, gender,
                                          ent.root.dep_ in {"nsubj", "nsubjpass"}))

    def _index_surnames(self) -> None:
        """A proper noun the recogniser left untagged that ends a person's name of the article ("Ham" of
        "Gen. Norman Ham") is a mention of that person, subject or not, for pronouns to find."""
        surnames = {f.split()[-1] for f in self.names.full if " " in f}
        if not surnames:
            return
        added = False
        for t in self.doc:
            if t.pos_ == "PROPN" and t.text in surnames and not t.ent_type_ and not self.quoted.covers(t.idx) \
                    and not self.in_headline(t.idx) \
                    and not any(c.dep_ in {"compound", "flat"} and c.pos_ == "PROPN" for c in t.children):
                self.mentions.append(_Mention(t.idx, t.idx + len(t.text), t.text, "person", frozenset(), None,
                                              t.dep_ in {"nsubj", "nsubjpass"}))
                added = True
        if added:
            self.mentions.sort(key=lambda m: m.start)

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
            nxt = self.doc[sent.end:min(len(self.doc), sent.end + GENDER_TOKENS_AFTER)]
            for t in window + list(nxt):
                low = t.lower_
                if t.dep_ in {"dobj", "dative"} and t.head.i == span.root.head.i:
                    break   # "Berg blasted him": the object of the subject's own verb is someone else
                if low in MALE_PRONOUNS:
                    votes.setdefault(self.names.canonical(m.name), []).append("m")
                    break
                if low in FEMALE_PRONOUNS:
                    votes.setdefault(self.names.canonical(m.name), []).append("f")
                    break
        for name, vs in votes.items():
            if name not in self.names.gender and vs and vs.count("m") != vs.count("f"):   # a tie tells nothing
                self.names.gender[name] = "m" if vs.count("m") > vs.count("f") else "f"

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
        if ent is not None and "\n" in text_of(self.doc)[ent.start_char:source.idx]:
            ent = None   # "11:05 a.m.\n\nAna Ruiz" read as one entity: the name is the last line's
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
        # a phrase the parse ran across a line break ("11:05 a.m.\n\nAna Ruiz") starts on the source's line
        toks = [t for t in toks if t.i >= source.i or "\n" not in text_of(self.doc)[t.idx:source.idx]]
        while toks and (toks[0].is_punct or toks[0].dep_ in {"cc", "prep"}):
            toks = toks[1:]
        while toks and (toks[-1].is_punct or toks[-1].dep_ in {"case"}):
            toks = toks[:-1]
        if not toks:
            return source.idx, source.idx + len(source.text)
        return toks[0].idx, toks[-1].idx + len(toks[-1].text)

    def resolve(self, source: Token) -> tuple[Speaker | None, float]:
        """Speaker for a source token, and a confidence factor for how it was found."""
        ent = ent_at(self.doc, source.i)
        across = ent is not None and "\n" in text_of(self.doc)[ent.start_char:source.idx]
        if (source.ent_type_ in NOT_SPEAKERS and not across) or source.like_num:
            return None, TRUST_NONE
        start, end = self.mention_span(source)
        mention = text_of(self.doc)[start:end]
        lower = source.lower_
        if source.pos_ == "PRON" or lower in MALE_PRONOUNS | FEMALE_PRONOUNS | PLURAL_PRONOUNS | NEUTER_PRONOUNS:
            target = self._resolve_pronoun(lower, start)
            if target is None:
                return None, TRUST_NONE
            return Speaker(target.name, mention, start, end, target.kind), TRUST_PRONOUN
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
                    return Speaker(name, text_of(self.doc)[a_start:a_end], a_start, a_end, kind_a), TRUST_NAMED
        # a named entity in the phrase (the one holding the head, else an appositive, else the last)
        found = [e for e in ents_overlapping_chars(self.doc, start, end)
                 if e.label_ in ENTITY_KIND and not (e.label_ == "NORP" and e.root.dep_ in {"amod", "compound"})
                 and not self.is_dateline(e)]
        appos = [e for child in source.children if child.dep_ == "appos"
                 for e in [ent_at(self.doc, child.i)] if e is not None and e.label_ == "PERSON"]
        head_ent = next((e for e in found if e.start <= source.i < e.end), None) or next(iter(appos), None)
        if head_ent is None and source.pos_ == "PROPN":   # "Jane Doe" with only "Jane" tagged
            head_ent = next((e for e in found if e.label_ == "PERSON" and e.root.head.i == source.i
                             and e.root.dep_ in {"compound", "flat"}), None)
        if head_ent is not None:
            kind = ENTITY_KIND[head_ent.label_]
            name = clean_name(_last_line(head_ent.text), titles=kind == "person")
            if self.in_headline(head_ent.start_char):
                name = self.headline_name(name) or ""
                if not name:
                    return Speaker(_description_name(mention), mention, start, end, "unresolved"), TRUST_UNRESOLVED
            if kind != "person" and self.is_person_surname(name):
                kind = "person"   # "Lindqvist" tagged as an organisation where the article names Marta Lindqvist
            elif kind == "organization":
                name = self.long_form(name)
            if kind == "person":
                honorific = title_gender(text_of(self.doc)[max(0, head_ent.start_char - HONORIFIC_REACH):head_ent.end_char])
                name = self.names.canonical(name, self.recent_speakers, honorific)
            return Speaker(name, mention, start, end, kind), TRUST_NAMED
        head = source.lemma_.lower()
        # something named after an entity is not that entity: "Lindqvist aides", "the Lindqvist campaign",
        # "Lindqvist's emails"; a document speaks for its issuer: "China's plan"
        modifier = next((e for c in source.children if c.dep_ in {"compound", "poss", "nmod"}
                         for e in [ent_at(self.doc, c.i)] if e is not None and e.label_ in ENTITY_KIND), None)
        if modifier is not None and modifier.label_ != "PERSON" and head in PERSON_NOUNS:
            modifier = None   # "the Green nominee", "a Pentagon spokesman": a description of a person
        if modifier is not None and source.pos_ == "NOUN":
            if head in ISSUED_DOCUMENTS:
                issuer = self._mention_at(modifier.start_char)
                if issuer is not None:
                    return Speaker(issuer.name, mention, start, end, issuer.kind), TRUST_NAMED_ISSUER
            if head in ORG_NOUNS:
                owner = clean_name(modifier.text)
                return Speaker(f"{owner} {source.text}", mention, start, end, "organization"), TRUST_OWNED_ORG
            return Speaker(_description_name(mention), mention, start, end, "unresolved"), TRUST_UNRESOLVED
        if head in ISSUED_DOCUMENTS and source.pos_ == "NOUN":
            issuer = self._resolve_document(source)
            if issuer is not None:
                return Speaker(issuer.name, mention, start, end, issuer.kind), TRUST_EARLIER_ISSUER
            return Speaker(_description_name(mention), mention, start, end, "unresolved"), TRUST_UNRESOLVED
        # a description: "the president", "the ministry", "a spokesman for the Kremlin"
        if head in PERSON_NOUNS | ORG_NOUNS and source.tag_ in {"NN", "NNP"} \
                and any(t.lower_ in {"the", "this", "that"} for t in source.lefts) \
                and not any(c.dep_ in {"prep", "conj"} for c in source.children):
            # capitalised modifiers must fit: "the Green nominee" is not "Labour nominee Tom Berg"
            words = [c.text for c in source.lefts if c.dep_ in {"compound", "amod"} and c.text[:1].isupper()]
            target = self._resolve_description(head, start, words)
            if target is None and head in PERSON_NOUNS and any(c.dep_ in {"compound", "amod"} for c in source.lefts):
                # "the GOP nominee", "the New York businessman": the person the article is about, when the
                # article also calls them so ("Green nominee Marta Lindqvist")
                target = self._main_person(start, words)
                if target is None and head in ROLE_NOUNS:
                    target = self._recent_subject(start, head, words)
            if target is not None:
                return Speaker(target.name, mention, start, end, target.kind), TRUST_DESCRIPTION
        if (source.pos_ == "PROPN" or source.text[:1].isupper() and source.pos_ in {"VERB", "NOUN"}) \
                and not self.in_headline(start):
            # a proper noun the entity recogniser missed: a person the article names (even one the tagger took
            # for a verb: "Berg this week also said"), or a name of its own
            name = clean_name(mention)
            canonical = self.names.canonical(name, self.recent_speakers)
            if canonical in self.names.full or self.is_person_surname(name):
                return Speaker(canonical, mention, start, end, "person"), TRUST_ARTICLE_PERSON
        if source.pos_ == "PROPN" and not self.in_headline(start):
            name = clean_name(mention)
            # ... or an organisation it names elsewhere ("PolitiFact announced …" then "… PolitiFact says")
            same = next((m for m in self.mentions if m.kind == "organization"
                         and m.name.casefold() in {name.casefold(), self.long_form(name).casefold()}), None)
            if same is not None:
                return Speaker(same.name, mention, start, end, "organization"), TRUST_ARTICLE_ORG
            words = name.split()
            if len(words) >= 2 and all(w[:1].isupper() for w in words):
                return Speaker(name, mention, start, end, "other"), TRUST_OTHER_NAME
        # a description or a common noun that names no one: kept as the mention, never a speaker
        return Speaker(_description_name(mention), mention, start, end, "unresolved"), TRUST_UNRESOLVED

    def resolve_label(self, start: int, end: int) -> Speaker | None:
        """The person or organisation a paragraph's opening label names ("Sanders: …" where the article names
        Bernie Sanders); None when it names none."""
        mention = text_of(self.doc)[start:end]
        name = clean_name(mention)
        if not name:
            return None
        canonical = self.names.canonical(name, self.recent_speakers)
        if canonical in self.names.full or self.is_person_surname(name):
            return Speaker(canonical, mention, start, end, "person")
        low = {name.casefold(), self.long_form(name).casefold()}
        org = next((m for m in self.mentions if m.kind == "organization" and m.name.casefold() in low), None)
        if org is not None:
            return Speaker(org.name, mention, start, end, "organization")
        return None

    def _mention_at(self, pos: int) -> _Mention | None:
        """The indexed entity mention covering ``pos``; an organisation keeps the nationality before it
        ("Chinese Foreign Ministry")."""
        for m in self.mentions_in(pos - MENTION_LOOKBACK, pos + 1):
            if m.start <= pos < m.end and m.kind in {"organization", "person", "place"}:
                name = self.names.canonical(m.name, self.recent_speakers) if m.kind == "person" else m.name
                if m.kind == "organization":
                    span = self.doc.char_span(m.start, m.end, alignment_mode="expand")
                    before = ent_at(self.doc, span.start - 1) if span is not None and span.start > 0 else None
                    if span is not None and before is not None and before.label_ == "NORP" and before.end == span.start:
                        name = f"{before.text} {name}"
                return _Mention(m.start, m.end, name, m.kind, m.descriptors, m.gender, m.subject)
        return None

    def _resolve_document(self, source: Token) -> _Mention | None:
        """The issuer of "the plan": the entity that an earlier document noun of the last few sentences names
        ("a Chinese Foreign Ministry guidance document", "a plan from the ministry") or that issued it
        ("the ministry published a plan")."""
        sent = sent_of(self.doc, source.i)
        lo = max(0, sent.start - DOCUMENT_LOOKBACK)
        for t in reversed(self.doc[lo:source.i]):
            if t.lemma_.lower() not in ISSUED_DOCUMENTS or t.pos_ != "NOUN":
                continue
            holders = [c for c in t.children if c.dep_ in {"compound", "poss", "nmod"}]
            holders += [p for c in t.children if c.dep_ == "prep" and c.lower_ in {"from", "by", "of"}
                        for p in c.children if p.dep_ == "pobj"]
            for h in holders:
                ent = ent_at(self.doc, h.i)
                if ent is not None and ent.label_ in {"ORG", "PERSON", "GPE"}:
                    m = self._mention_at(ent.start_char)
                    if m is not None:
                        return m
            if t.dep_ == "dobj" and t.head.lemma_.lower() in ISSUE_VERBS:
                for subj in (c for c in t.head.children if c.dep_ in {"nsubj", "nsubjpass"}):
                    ent = ent_at(self.doc, subj.i)
                    if ent is not None and ent.label_ in {"ORG", "PERSON", "GPE"}:
                        m = self._mention_at(ent.start_char)
                        if m is not None:
                            return m
        return None

    def _resolve_pronoun(self, pronoun: str, pos: int) -> _Mention | None:
        if pronoun in MALE_PRONOUNS | FEMALE_PRONOUNS:
            want = "m" if pronoun in MALE_PRONOUNS else "f"
            kinds: set[str] = {"person"}
        elif pronoun in PLURAL_PRONOUNS | NEUTER_PRONOUNS:
            want, kinds = "", {"organization", "place"}
        else:
            return None   # "I", "we", "you": the writer or the quoted speaker themselves
        # the last speaker stays the topic while no other person of the pronoun's kind is a subject since
        rivals = [m for m in self.mentions_in(self.last_speaker_at, pos) if m.kind in kinds and m.subject
                  and self.recent_speakers and self.names.canonical(m.name) != self.recent_speakers[-1]
                  and not (want and self.names.gender.get(self.names.canonical(m.name)) not in (want, None))]
        main_rivals = any(self._main_subject(m) for m in rivals)
        best: tuple[float, _Mention] | None = None
        for m in self.mentions_in(pos - PRONOUN_REACH, pos):
            if m.kind not in kinds:
                continue
            gender = self.names.gender.get(self.names.canonical(m.name)) if m.kind == "person" else None
            if want and gender and gender != want:
                continue
            score = -(pos - m.start) / RECENCY_SCALE
            if m.subject:
                score += SUBJECT_BONUS
            elif self._outranked_in_sentence(m, kinds, want):
                score -= OUTRANKED_PENALTY   # "Ana Ruiz spoke of her years under Tom Berg. He said ...": not Berg
            if self.recent_speakers and self.names.canonical(m.name) == self.recent_speakers[-1]:
                if pos - self.last_speaker_at < LAST_SPEAKER_NEAR and not main_rivals:
                    score += LAST_SPEAKER_BONUS   # "Scott bristles at … ," he said": not the last speaker
                elif not rivals and self.last_speaker_at >= 0:
                    score += LAST_SPEAKER_UNRIVALLED
            if best is None or score > best[0]:
                best = (score, m)
        if best is None:
            return None
        m = best[1]
        name = self.names.canonical(m.name, self.recent_speakers) if m.kind == "person" else m.name
        return _Mention(m.start, m.end, name, m.kind, m.descriptors, m.gender, m.subject)

    def subject_before(self, lo: int, pos: int) -> Speaker | None:
        """The person who is the main subject of the sentence before ``pos``, when it starts at or after ``lo``."""
        k = bisect_right(self.sent_starts, pos - 1) - 1
        while k >= 0 and self.sent_starts[k] >= pos - 1:
            k -= 1
        if k < 0 or any(ch.isalnum() for ch in text_of(self.doc)[self.sent_starts[k]:lo]):
            return None   # the sentence before starts in an earlier paragraph
        for m in self.mentions_in(self.sent_starts[k], pos):
            if m.kind == "person" and self._main_subject(m):
                name = self.names.canonical(m.name, self.recent_speakers)
                return Speaker(name, text_of(self.doc)[m.start:m.end], m.start, m.end, "person")
        return None

    def _main_subject(self, m: _Mention) -> bool:
        """Whether ``m`` is the subject of its sentence's main verb (or of a verb joined to it): "Scott bristles",
        not "Earnest said Obama has called", "While Obama had …"."""
        span = self.doc.char_span(m.start, m.end, alignment_mode="expand")
        if span is None:
            return False
        verb = span.root.head
        while verb.dep_ == "conj" and verb.head.i != verb.i:
            verb = verb.head
        return span.root.dep_ in {"nsubj", "nsubjpass"} and verb.dep_ == "ROOT"

    def _outranked_in_sentence(self, m: _Mention, kinds: set[str], want: str) -> bool:
        """Whether another entity of ``kinds`` (and of gender ``want``) is the subject of ``m``'s sentence."""
        k = bisect_right(self.sent_starts, m.start) - 1
        lo = self.sent_starts[k] if k >= 0 else 0
        hi = self.sent_starts[k + 1] if k + 1 < len(self.sent_starts) else len(text_of(self.doc))
        name = self.names.canonical(m.name) if m.kind == "person" else m.name
        for o in self.mentions_in(lo, hi):
            if o is m or not o.subject or o.kind not in kinds:
                continue
            other = self.names.canonical(o.name) if o.kind == "person" else o.name
            if other != name and not (want and self.names.gender.get(other) not in (want, None)):
                return True
        if "person" in kinds:
            # a description as the main subject: "The Republican nominee linked … his opponent, Ana Ruiz. He said"
            span = self.doc.char_span(lo, hi, alignment_mode="contract")
            for t in span if span is not None else ():
                if t.dep_ in {"nsubj", "nsubjpass"} and t.head.dep_ == "ROOT" and t.pos_ == "NOUN" \
                        and t.lemma_.lower() in ROLE_NOUNS and not t.ent_type_ \
                        and NOUN_GENDER.get(t.lemma_.lower(), want) == want and not m.start <= t.idx < m.end:
                    return True
        return False

    def _main_person(self, pos: int, words: list[str]) -> _Mention | None:
        """The person the article is about so far: named at least three times before ``pos`` and twice as
        often as anyone else, with each of ``words`` just before one of those mentions."""
        counts: dict[str, int] = {}
        last: dict[str, _Mention] = {}
        for m in self.mentions_in(0, pos):
            if m.kind == "person":
                name = self.names.canonical(m.name)
                counts[name] = counts.get(name, 0) + 1
                last[name] = m
        ranked = sorted(counts.items(), key=lambda kv: -kv[1])
        if not ranked or ranked[0][1] < MAIN_PERSON_MENTIONS or (
                len(ranked) > 1 and ranked[0][1] < MAIN_PERSON_LEAD * ranked[1][1]):
            return None
        text = text_of(self.doc)
        before = " ".join(text[max(0, m.start - MODIFIER_WINDOW):m.start] for m in self.mentions_in(0, pos)
                          if m.kind == "person" and self.names.canonical(m.name) == ranked[0][0])
        if not all(re.search(rf"\b{re.escape(w)}\b", before) for w in words):
            return None
        m = last[ranked[0][0]]
        return _Mention(m.start, m.end, ranked[0][0], m.kind, m.descriptors, m.gender, m.subject)

    def _recent_subject(self, pos: int, head: str, words: list[str]) -> _Mention | None:
        """The person a description with modifiers ("the New York businessman", "the GOP nominee") takes up:
        the latest person who is the subject of a main clause, in this paragraph or the two before, who fits
        the description: not of the other gender ("businessman"), not introduced under another role ("economist
        Ana Ruiz") unless named three times, and not when the article puts one of ``words`` before another
        person's name and never before theirs."""
        text = text_of(self.doc)
        paragraph = text.rfind("\n\n", 0, pos)
        for _ in range(SUBJECT_PARAGRAPHS_BACK):
            paragraph = text.rfind("\n\n", 0, paragraph) if paragraph > 0 else -1
        near: dict[str, str] = {}   # the words before each person's mentions, lower-cased
        near_text: dict[str, str] = {}
        roles: dict[str, set[str]] = {}
        uses: dict[str, int] = {}
        for m in self.mentions_in(0, pos):
            if m.kind == "person":
                key = self.names.canonical(m.name)
                near[key] = near.get(key, "") + " " + text[max(0, m.start - MODIFIER_WINDOW):m.start].casefold()
                near_text[key] = near_text.get(key, "") + " " + text[max(0, m.start - MODIFIER_WINDOW):m.start]
                roles.setdefault(key, set()).update(m.descriptors & (PERSON_NOUNS | MENTION_TITLES))
                uses[key] = uses.get(key, 0) + 1
        want = NOUN_GENDER.get(head)
        for m in reversed(self.mentions_in(max(0, paragraph), pos)):
            if m.kind != "person" or not m.subject:
                continue
            span = self.doc.char_span(m.start, m.end, alignment_mode="expand")
            if span is None or span.root.head.dep_ != "ROOT":
                continue   # "hours after Berg unleashed a flurry of posts": not the story's subject
            name = self.names.canonical(m.name, self.recent_speakers)
            if want and self.names.gender.get(name, want) != want:
                continue
            if roles.get(name) and head not in roles[name] and uses.get(name, 0) < ROLE_OVERRIDE_MENTIONS:
                continue
            known = set(re.findall(rf"\b([A-Z][\w-]*) (?i:{re.escape(head)})\b", near_text.get(name, "")))
            if words and known and not any(_fits(k.casefold(), w) for k in known for w in words):
                continue   # "Green nominee Ana Ruiz" is not "the Labour nominee"
            if any(not _fits(near.get(name, ""), w) and any(_fits(b, w) for k, b in near.items() if k != name)
                   for w in words):
                continue
            return _Mention(m.start, m.end, name, m.kind, m.descriptors, m.gender, True)
        return None

    def _resolve_description(self, head: str, pos: int, words: list[str] | None = None) -> _Mention | None:
        text = text_of(self.doc)
        for m in reversed(self.mentions):
            if m.start < pos and head in m.descriptors and all(
                    re.search(rf"\b{re.escape(w)}\b", text[max(0, m.start - MODIFIER_WINDOW):m.end]) for w in words or ()):
                name = self.names.canonical(m.name, self.recent_speakers) if m.kind == "person" else m.name
                return _Mention(m.start, m.end, name, m.kind, m.descriptors, m.gender, m.subject)
        return None


def attribute(document: Document, article_id: str, candidates: list[Candidate]) -> list[Quote]:
    """Turn candidates into ``Quote`` records with speakers, canonical names and confidences."""
    text = document.text
    attributor = Attributor(document)
    paragraph_index = document.paragraphs
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
        label = _label_before(text, paragraphs[p][0], cand.start) if (p := para_of(cand.start)) >= 0 \
            and how != "transcript" else None
        if label is not None and (labelled := attributor.resolve_label(*label)) is not None:
            speaker, factor = labelled, TRUST_NAMED      # "Sanders: Clinton needs to 'get away from …'"
        elif label is not None and cand.source is not None and label[0] <= cand.source.idx < label[1]:
            speaker = Speaker(_description_name(text[label[0]:label[1]]), text[label[0]:label[1]], label[0],
                              label[1], "unresolved")   # "CLARIFICATION: The first sentence …" names no one
            factor = TRUST_UNRESOLVED
        elif cand.source is not None:
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
            if last is not None and (last[0] == p or (starts_para and last[0] >= p - CONTINUATION_PARAGRAPHS)):
                speaker = last[1]
                factor = TRUST_SAME_PARAGRAPH if last[0] == p else TRUST_CONTINUED
            elif starts_para and p > 0:
                speaker = _named_in_paragraph(attributor, paragraphs[p - 1])
                factor = TRUST_PREVIOUS_PARAGRAPH
            elif p >= 0:
                # "Sen. Ana Ruiz … named exhaustion as one of the reasons. “The younger people are …”": the
                # person the sentence before, in the same paragraph, has for its main subject
                speaker = attributor.subject_before(paragraphs[p][0], cand.start)
                factor = TRUST_PREVIOUS_PARAGRAPH
        if speaker is None:
            factor = min(factor, NO_SPEAKER_CAP)
        confidence = CONFIDENCE.get(how, DEFAULT_CONFIDENCE) * factor
        if cand.kind == "indirect":
            confidence *= INDIRECT_NOMINAL if cand.nominal else INDIRECT_CLAUSE
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


_DATELINE_TAIL = re.compile(r"\s*(?:\([A-Z][A-Za-z.]*\)\s*)?(?:[-–—]|--)")


def headline_spans(text: str) -> list[tuple[int, int]]:
    """Lines written in Title Case ("Marta Lindqvist Drops Out Of Gala"): headlines, wherever they stand.
    Their capitalised words are not names."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for line in text.splitlines(keepends=True):
        words = [w for w in re.findall(r"[^\W\d_][\w’'-]*", line) if w.casefold() not in HEADLINE_SMALL_WORDS]
        stripped = line.strip()
        if len(words) >= HEADLINE_MIN_WORDS and not stripped.endswith((".", "?”", ".”", '."', ":")) \
                and sum(w[0].isupper() for w in words) >= HEADLINE_CAPITALISED * len(words) and not stripped.isupper():
            spans.append((pos, pos + len(line)))
        pos += len(line)
    return spans


_LABEL = re.compile(r"([A-Z][\w.’'-]*(?: [A-Z][\w.’'-]*){0,2}):[ \t]+(?=\S)")


def _label_before(text: str, para_start: int, pos: int) -> tuple[int, int] | None:
    """The label that opens the paragraph of ``pos`` before it ("Sanders: …", "CLARIFICATION: …", a
    headline's or a transcript's speaker), as character offsets; None when the paragraph has none."""
    m = _LABEL.match(text, para_start)
    return (m.start(1), m.end(1)) if m and m.end() <= pos else None


def _fits(before: str, word: str) -> bool:
    """Whether ``word`` (a party also by its other name: "GOP", "Republican") is in the lower-cased ``before``."""
    return any(re.search(rf"\b{re.escape(f)}\b", before) for f in PARTY_FORMS.get(word.casefold(), {word.casefold()}))


def _last_line(text: str) -> str:
    """An entity the recogniser ran across a line break ("… Gala\n\nMarta Lindqvist") is its last line."""
    return text.rsplit("\n", 1)[-1]


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
        if span and abs(span[0] - content.start) < STATEMENT_REACH or span and abs(span[1] - content.end) < STATEMENT_REACH:
            start, end = min(start, span[0]), max(end, span[1])
    if start > 0 and text[start - 1] in "\"“«„‘'":
        start -= 1
    if end < len(text) and text[end] in "\"”»’'":
        end += 1
    return TextSpan(start, end, text[start:end])
