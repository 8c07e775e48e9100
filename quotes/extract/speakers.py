"""Speaker names: clean a mention into a name, and map the short and titled forms of a name in one
article to its fullest form ("Xi", "President Xi", "Chinese leader Xi Jinping" → "Xi Jinping")."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from quotes.extract.words import (
    COMPANY_SUFFIXES,
    FEMALE_NAMES,
    FEMALE_TITLES,
    GENERATIONAL,
    MALE_NAMES,
    MALE_TITLES,
    MENTION_TITLES,
    NAME_PARTICLES,
)

# a short name goes to the fullest name the article uses this many times more than any other it could be
DOMINANT_NAME_RATIO = 2

_SPACES = re.compile(r"\s+")
_AGENCY = re.compile(r"\s*\((?:AP|AFP|Reuters|UPI|dpa|ANI|PTI|IANS|Xinhua|TASS)\)|^\d{1,2}:\d{2}\s*[ap]\.?m\.?\s*",
                     re.IGNORECASE)
_POSSESSIVE = re.compile(r"(?:['’]s|['’])$")


def trim_name(text: str) -> str:
    """Cut a name where the words stop being a name: the recogniser's "Berg accused Holm of being a" is
    "Berg"; "Bank of America", "Commission on Presidential Debates", "Ursula von der Leyen" keep theirs."""
    head, comma, rest = text.partition(", ")
    if comma and head and rest.strip() and rest.split()[0].casefold().strip(".,") not in GENERATIONAL | COMPANY_SUFFIXES:
        text = head      # "Politico, Democratic party insiders": a comma ends a name, not "Martin King, Jr."
    words = text.split()
    k = 0
    while k < len(words) and (not words[k][:1].isalpha() or words[k][:1].isupper()
                              or words[k].casefold() in NAME_PARTICLES):
        k += 1
    while k > 1 and words[k - 1].casefold() in NAME_PARTICLES:
        k -= 1
    return " ".join(words[:k]) if k else text


def clean_name(text: str, titles: bool = True) -> str:
    """Strip determiners, titles (when ``titles``: a person's name), agency tags and possessives from a name
    mention."""
    text = _SPACES.sub(" ", text.replace("\u00a0", " ")).strip(" ,.;:\"'“”‘’()")
    text = trim_name(_AGENCY.sub("", text).strip(" ,.;:-–—"))
    text = _POSSESSIVE.sub("", text)
    tokens = text.split(" ")
    while len(tokens) > 1 and ((titles and tokens[0].lower().rstrip(".") in MENTION_TITLES)
                               or tokens[0].lower() in {"the", "a", "an"}):
        tokens = tokens[1:]
    name = " ".join(tokens)
    if titles and name.isupper() and len(name) > 3:
        name = name.title()          # transcripts: "PENCE" -> "Pence"; not "NAACP"
    return name


def title_gender(text: str) -> str | None:
    """'m' or 'f' from an honorific or a common first name in ``text``; None when it does not say."""
    for raw in text.split():
        w = raw.lower().strip(".,")
        if w in FEMALE_TITLES or w in FEMALE_NAMES:
            return "f"
        if w in MALE_TITLES or w in MALE_NAMES:
            return "m"
    return None


def _tokens(name: str) -> list[str]:
    return [t.lower() for t in re.findall(r"[^\W_]+", name)]


@dataclass
class NameIndex:
    """The person names of one article, each short form mapped to its fullest unambiguous form."""

    full: list[str] = field(default_factory=list)   # fullest names, in order of first mention
    gender: dict[str, str] = field(default_factory=dict)
    uses: dict[str, int] = field(default_factory=dict)   # mentions of each fullest name
    # person-like names the recogniser tagged otherwise ("Keith Lamont Okafor" as an organisation): only a
    # bare surname no person name of the article ends with resolves to one
    other_full: list[str] = field(default_factory=list)

    def add_other(self, name: str) -> None:
        """A name of two to four capitalised words that the recogniser did not tag as a person."""
        words = name.split()
        if 2 <= len(words) <= 4 and all(w[:1].isupper() and w.rstrip(".").isalpha() for w in words) \
                and name not in self.other_full:
            self.other_full.append(name)

    def add(self, name: str, gender: str | None = None) -> None:
        if not name:
            return
        toks = _tokens(name)
        gender = gender or title_gender(name)

        def compatible_gender(other: str) -> bool:   # "Mr. Okafor" is not "Grace Okafor"
            return not gender or self.gender.get(other, gender) == gender

        def replace(k: int, other: str) -> None:
            self.full[k] = name
            self.uses[name] = self.uses.pop(other, 0)
            if other in self.gender:
                self.gender.setdefault(name, self.gender.pop(other))

        # a middle initial does not make a name fuller: "Ana Ortiz" is the name of "Ana J. Ortiz"
        for k, other in enumerate(self.full):
            other_toks = _tokens(other)
            if _plain(other_toks) == toks and len(other_toks) > len(toks) and compatible_gender(other):
                replace(k, other)
                break
        else:
            # a short form of known names adds nothing ("Ortiz" of "Ana Ortiz"); it tells the gender of
            # the one name it can be
            holders = [o for o in self.full if (set(toks) <= set(_tokens(o)) or _plain(toks) == _tokens(o))
                       and compatible_gender(o)]
            if holders:
                if len(holders) == 1:
                    self.uses[holders[0]] = self.uses.get(holders[0], 0) + 1
                    if gender:
                        self.gender.setdefault(holders[0], gender)
                return
            # a longer form absorbs an earlier shorter one: "Xi" then "Xi Jinping"
            for k, other in enumerate(self.full):
                other_toks = _tokens(other)
                if set(other_toks) < set(toks) and _compatible(other_toks, toks) and _plain(toks) != other_toks \
                        and compatible_gender(other):
                    replace(k, other)
                    break
            else:
                self.full.append(name)
        self.uses[name] = self.uses.get(name, 0) + 1
        if gender:
            self.gender.setdefault(name, gender)

    def canonical(self, name: str, recent: list[str] | None = None, gender: str | None = None) -> str:
        """The fullest form of ``name``; among several ("Clinton"), the one of the ``gender`` an honorific
        gives ("Mr. Okafor"), else the most recently used one."""
        toks = set(_plain(_tokens(name)))
        if not toks:
            return name
        matches = [f for f in self.full if toks <= set(_tokens(f))]
        if len(toks) == 1 and all(len(_tokens(f)) == 1 for f in matches):
            # a bare surname is first the article's own: a full name it writes, even one tagged otherwise
            others = [f for f in self.other_full if _tokens(f)[-1:] == list(toks)]
            if len(others) == 1:
                return others[0]
        if len(matches) > 1 and gender:
            same = [f for f in matches if self.gender.get(f) == gender]
            if len(same) == 1:
                return same[0]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1 and recent:
            for r in reversed(recent):
                if r in matches:
                    return r
        if len(matches) > 1:
            # the person the article names most, when it names them at least twice as often as the others
            ranked = sorted(matches, key=lambda f: -self.uses.get(f, 0))
            if self.uses.get(ranked[0], 0) >= DOMINANT_NAME_RATIO * max(self.uses.get(ranked[1], 0), 1):
                return ranked[0]
        return name



def _plain(toks: list[str]) -> list[str]:
    """The tokens without single-letter middle initials."""
    return [t for k, t in enumerate(toks) if len(t) > 1 or k in (0, len(toks) - 1)]


def _compatible(short: list[str], long: list[str]) -> bool:
    """A short form must share the long form's last token or first token ("Xi" of "Xi Jinping")."""
    return short[-1] == long[-1] or short[0] == long[0]
