"""Cross-article speaker identity: one canonical speaker per person across the whole store.

Within an article the extractor already maps short and titled forms to the fullest name. Across
articles :func:`link_names` groups the names it produced:

1. names equal after case folding, whitespace and (for people) leading titles ("President Xi" → "xi")
   are one speaker;
2. a user-editable aliases file (TOML, see :func:`load_aliases`) merges or renames speakers by hand;
   it always wins;
3. a person's name whose tokens appear, in order, inside exactly one longer person name links to it
   ("Xi" → "Xi Jinping"); the longer name wins. Ambiguous names stay apart ("Clinton" when both
   "Hillary Clinton" and "Bill Clinton" exist).

Aliases file::

    [[speaker]]
    name = "Xi Jinping"
    aliases = ["Chinese President Xi", "Xi"]
    kind = "person"          # optional: person, organization, place, other
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from quotes.extract.words import GENERATIONAL, LINKING_TITLES, PERSONAL_PRONOUNS
from quotes.types import NAMED_SPEAKER_KINDS as SPEAKER_KINDS
from quotes.types import Quote, SpeakerKind

DEFAULT_ALIASES_NAME = "quotes-aliases.toml"

class AliasesError(ValueError):
    """The aliases file cannot be read; the message names the file and the problem."""


@dataclass(frozen=True)
class AliasEntry:
    """One ``[[speaker]]`` table: every name in ``aliases`` (and ``name``) becomes ``name``."""

    name: str
    aliases: tuple[str, ...] = ()
    kind: SpeakerKind | None = None


@dataclass(frozen=True)
class Aliases:
    """The parsed aliases file (``path`` is None for aliases built in code)."""

    entries: tuple[AliasEntry, ...] = ()
    path: Path | None = None


@dataclass(frozen=True)
class Canonical:
    """The cross-article identity a raw (name, kind) pair links to."""

    name: str
    kind: str


def default_aliases_path(store_path: str | Path) -> Path:
    """``quotes-aliases.toml`` next to the store."""
    return Path(store_path).resolve().parent / DEFAULT_ALIASES_NAME


def load_aliases(path: str | Path) -> Aliases:
    """Read and validate an aliases file; raise :class:`AliasesError` naming the file on any problem."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AliasesError(f"aliases file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AliasesError(f"cannot read aliases file {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise AliasesError(f"{path} is not valid TOML: {exc}") from None
    unknown = sorted(set(data) - {"speaker"})
    if unknown:
        raise AliasesError(f"{path}: unknown top-level key(s) {', '.join(unknown)}; expected [[speaker]] tables")
    tables = data.get("speaker", [])
    if not isinstance(tables, list):
        raise AliasesError(f"{path}: 'speaker' must be an array of tables ([[speaker]])")
    entries: list[AliasEntry] = []
    owner: dict[str, str] = {}
    for number, table in enumerate(tables, 1):
        where = f"{path}: [[speaker]] #{number}"
        if not isinstance(table, dict):
            raise AliasesError(f"{where} must be a table")
        extra = sorted(set(table) - {"name", "aliases", "kind"})
        if extra:
            raise AliasesError(f"{where}: unknown key(s) {', '.join(extra)}; expected name, aliases, kind")
        name = table.get("name")
        if not isinstance(name, str) or not name.strip():
            raise AliasesError(f"{where}: 'name' is required and must be a non-empty string")
        name = " ".join(name.split())
        where = f"{path}: [[speaker]] {name!r}"
        aliases = table.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
            raise AliasesError(f"{where}: 'aliases' must be a list of non-empty strings")
        kind = table.get("kind")
        if kind is not None and kind not in SPEAKER_KINDS:
            raise AliasesError(f"{where}: unknown kind {kind!r}; expected {', '.join(SPEAKER_KINDS)}")
        for form in [name, *aliases]:
            key = " ".join(form.split()).casefold()
            if owner.get(key, name) != name:
                raise AliasesError(f"{where}: {form!r} is already an alias of {owner[key]!r}")
            owner[key] = name
        entries.append(AliasEntry(name, tuple(" ".join(a.split()) for a in aliases),
                                  cast(SpeakerKind | None, kind)))
    return Aliases(tuple(entries), path)


def name_tokens(name: str, kind: str) -> tuple[str, ...]:
    """Case-folded tokens of ``name``; for people, leading titles and middle initials are dropped (when a
    name remains): "Ana J. Ortiz" and "Ms. Ana Ortiz" are ("ana", "ortiz")."""
    tokens = [t.strip(".,;:'\"()“”").casefold() for t in name.split()]
    tokens = [t for t in tokens if t]
    if kind == "person":
        while len(tokens) > 1 and tokens[0].rstrip(".") in LINKING_TITLES:
            tokens.pop(0)
        if len(tokens) > 2:
            tokens = [tokens[0], *(t for t in tokens[1:-1] if len(t.rstrip(".")) > 1), tokens[-1]]
    return tuple(tokens)


def _is_subsequence(short: Sequence[str], long: Sequence[str]) -> bool:
    it = iter(long)
    return all(token in it for token in short)


def _has_initial(name: str) -> bool:
    """"Ana J. Ortiz": a single-letter middle token."""
    inner = name.split()[1:-1]
    return any(len(t.strip(".")) == 1 for t in inner)


@dataclass
class _Group:
    key: tuple[str, ...]
    names: Counter[str]
    kinds: Counter[str]
    fixed_name: str | None = None
    fixed_kind: str | None = None

    @property
    def kind(self) -> str:
        if self.fixed_kind:
            return self.fixed_kind
        named = [(n, k) for k, n in self.kinds.items() if k != "other"]
        return max(named)[1] if named else "other"

    @property
    def uses(self) -> int:
        return sum(self.names.values())


def _display(names: Counter[str], kind: str) -> str:
    """The name a cluster of raw names is shown under: for a person the plain full name (two or more words,
    untitled, no middle initial), the most used, the shortest; else the untitled, most used, longest form."""
    def rank(name: str) -> tuple[bool, bool, bool, bool, int, int, str]:
        words = name.split()
        untitled = len(name_tokens(name, "other")) == len(name_tokens(name, "person")) \
            or (len(words) > 1 and words[0].rstrip(".").casefold() not in LINKING_TITLES)
        if kind == "person":
            return (len(name_tokens(name, "person")) >= 2, untitled, not _has_initial(name), name[:1].isupper(),
                    names[name], -len(" ".join(name.split())), name)
        return (True, untitled, True, name[:1].isupper(), names[name], len(name), name)
    return max(names, key=rank)


def link_names(names: Iterable[tuple[str, str, int]], aliases: Aliases | None = None
               ) -> dict[tuple[str, str], Canonical]:
    """Map each raw ``(name, kind, uses)`` to its canonical speaker; see the module docstring.

    Names of kind ``unresolved`` (descriptions that name no one) are left out: they are no speaker.
    """
    groups: dict[tuple[str, ...], _Group] = {}
    raw_key: dict[tuple[str, str], tuple[str, ...]] = {}
    alias_key: dict[tuple[str, ...], tuple[str, ...]] = {}
    for entry in aliases.entries if aliases else ():
        key = ("=", *name_tokens(entry.name, "other"))  # a namespace of its own: the file decides
        groups[key] = _Group(key, Counter(), Counter(), entry.name, entry.kind)
        for form in (entry.name, *entry.aliases):
            for kind in SPEAKER_KINDS:
                alias_key.setdefault(name_tokens(form, kind), key)
            alias_key[name_tokens(form, "other")] = key
    for name, kind, uses in names:
        if kind not in SPEAKER_KINDS:
            continue
        tokens = name_tokens(name, kind)
        if not tokens:
            continue
        key = alias_key.get(name_tokens(name, "other")) or alias_key.get(tokens) or (kind, *tokens)
        group = groups.setdefault(key, _Group(key, Counter(), Counter()))
        group.names[name] += max(uses, 1)
        group.kinds[kind] += max(uses, 1)
        raw_key[(name, kind)] = key

    # One name, one kind: groups with the same tokens and different kinds merge into the kind the evidence
    # favours. A person's evidence counts the uses of full names the tokens end ("Ortiz" of "Ana Ortiz", "de Souza"
    # of "Ana de Souza").
    surname_uses: Counter[tuple[str, ...]] = Counter()
    for key, g in groups.items():
        if key[0] == "person":
            for k in range(2, len(key)):   # "Ortiz" of "Ana Ortiz"; "de Souza" of "Ana de Souza"
                surname_uses[key[k:]] += g.uses
    by_tokens: dict[tuple[str, ...], list[tuple[str, ...]]] = defaultdict(list)
    for key in groups:
        if key[0] != "=":
            by_tokens[key[1:]].append(key)
    merged: dict[tuple[str, ...], tuple[str, ...]] = {}
    for tokens, keys in by_tokens.items():
        if len(keys) < 2 and not (keys[0][0] != "person" and surname_uses.get(tokens)):
            continue
        evidence: Counter[str] = Counter()
        for key in keys:
            if key[0] != "other":
                evidence[key[0]] += groups[key].uses
        if surname_uses.get(tokens):
            evidence["person"] += surname_uses[tokens]
        if not evidence:
            continue
        kind = max(evidence, key=lambda k: (evidence[k], k == "person"))
        into = (kind, *tokens)
        if into not in groups:
            groups[into] = _Group(into, Counter(), Counter())
        for key in keys:
            if key == into:
                continue
            groups[into].names.update(groups[key].names)
            groups[into].kinds.update({kind: groups[key].uses})
            merged[key] = into
            del groups[key]
        groups[into].kinds = Counter({kind: groups[into].uses})
    raw_key = {raw: merged.get(key, key) for raw, key in raw_key.items()}

    # A person's name links to the longer person name that contains its tokens in order ("Xi" → "Xi Jinping",
    # "Ana J. Ortiz" → "Ana Ortiz"); among several, to the dominant one (three times the uses of any
    # other), never to a name with a generational suffix the short one lacks ("Ana Ortiz Jr.").
    people = {k: g for k, g in groups.items() if g.kind == "person" and (g.names or g.fixed_name)}
    match_tokens = {k: name_tokens(g.fixed_name, "person") if k[0] == "=" and g.fixed_name else k[1:]
                    for k, g in people.items()}
    by_token: dict[str, set[tuple[str, ...]]] = defaultdict(set)
    for key, tokens in match_tokens.items():
        for token in tokens:
            by_token[token].add(key)
    parent: dict[tuple[str, ...], tuple[str, ...]] = {}

    def root(key: tuple[str, ...]) -> tuple[str, ...]:
        while key in parent:
            key = parent[key]
        return key

    weight: Counter[tuple[str, ...]] = Counter({k: g.uses for k, g in people.items()})
    for key in sorted(match_tokens, key=lambda k: -len(match_tokens[k])):
        if key[0] == "=":
            continue
        tokens = match_tokens[key]
        candidates = set.intersection(*(by_token[t] for t in tokens)) - {key}
        longer = {c for c in candidates
                  if len(match_tokens[c]) > len(tokens) and _is_subsequence(tokens, match_tokens[c])
                  and not (set(match_tokens[c]) & GENERATIONAL) - set(tokens)}
        roots: Counter[tuple[str, ...]] = Counter()
        for c in longer:
            roots[root(c)] = weight[root(c)]
        if not roots:
            continue
        ranked = sorted(roots.items(), key=lambda kv: (-kv[1], kv[0]))[:2]   # ties: the same answer every run
        if ranked[0][1] * 10 < weight[key]:
            continue   # a full name seen once against a surname used many times: not enough evidence
        if len(ranked) == 1 or ranked[0][1] >= 3 * ranked[1][1]:
            target = ranked[0][0]
            parent[key] = target
            weight[target] += weight[key]

    clusters: dict[tuple[str, ...], Counter[str]] = defaultdict(Counter)
    for key, group in groups.items():
        clusters[root(key) if key in people else key].update(group.names)
    result: dict[tuple[str, str], Canonical] = {}
    for raw, key in raw_key.items():
        final = root(key) if key in people else key
        group = groups[final]
        name = group.fixed_name or _display(clusters[final], group.kind)
        result[raw] = Canonical(name, group.kind)
    return result


def link_quotes(quotes: Sequence[Quote], aliases: Aliases | None = None) -> list[Quote]:
    """Return ``quotes`` with each speaker's ``name``/``kind`` replaced by the linked canonical speaker.

    For ``quotes extract`` output: links across the given quotes only (the store links across all).
    """
    uses = Counter((q.speaker.name, q.speaker.kind) for q in quotes if q.speaker)
    mapping = link_names(((n, k, c) for (n, k), c in uses.items()), aliases)
    out: list[Quote] = []
    for quote in quotes:
        if quote.speaker is None:
            out.append(quote)
            continue
        canon = mapping.get((quote.speaker.name, quote.speaker.kind))
        if canon is None:
            out.append(quote)
            continue
        speaker = dataclasses.replace(quote.speaker, name=canon.name, kind=cast(SpeakerKind, canon.kind))
        out.append(dataclasses.replace(quote, speaker=speaker))
    return out


def is_name_form(mention: str) -> bool:
    """True for a mention worth keeping as an alias (not a pronoun or a lower-case description)."""
    text = mention.strip()
    return bool(text) and text.casefold() not in PERSONAL_PRONOUNS and any(c.isupper() for c in text)
