"""Sample (statement, topic) pairs from the UN General Debate Corpus for labelling.

Sentences are sampled as a reader meets them: for each topic, sentences that touch it (found by the topic's
pattern in ``scripts/ungdc_topics.py``) and some of their neighbours that do not, so that ``none`` holds
mentions without a position and positions on a neighbouring topic. Every pair keeps its speech id and
sentence index. Speeches of a held-out set of countries form the dev split (never trained on).

    python scripts/build_ungdc_sample.py ../shared/data/ungdc seeds/stance/ungdc/pairs
    python scripts/build_ungdc_sample.py ../shared/data/ungdc seeds/stance/ungdc/pairs --actors
    python scripts/build_ungdc_sample.py ../shared/data/ungdc seeds/stance/ungdc/pairs --war --n 380
    python scripts/build_ungdc_sample.py ../shared/data/ungdc seeds/stance/ungdc/pairs --more --quota 50
    python scripts/build_ungdc_sample.py ../shared/data/ungdc seeds/stance/ungdc/pairs --fifth --quota 40
    python scripts/build_ungdc_sample.py ../shared/data/ungdc seeds/stance/ungdc/pairs --sixth --quota 45

Each round is a file of the folder OUT: the first command writes ``round-1.jsonl``; ``--actors`` the second round
(``round-2.jsonl``), ``--war`` the third (statements on the Russia–Ukraine war), ``--more`` the fourth (38 new
topics), ``--fifth`` the fifth (40 more, most of them actors), ``--sixth`` the sixth (30 people). A later round
leaves out what the earlier rounds' files hold.

The output has no labels: labels come from two blind readings (see seeds/stance/ungdc/GUIDE.md).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from ungdc_topics import FIFTH_TOPICS, MORE_TOPICS, SIXTH_TOPICS, TOPICS, WAR_TOPIC  # noqa: E402

# topics whose patterns hold acronyms that would match ordinary words in lower case
CASE_SENSITIVE = {"wto", "isil", "oda_commitment", "uae_gov", "icj", "autonomous_weapons",
                  *(topic_id for topic_id, *_ in SIXTH_TOPICS)}  # people's names

DEFAULT_TOPICS = {"ukraine_ceasefire", "russia_sanctions", "china_peace_plan"}
KEEP_IN_TRAIN = {"UKR", "RUS", "CHN", "USA", "BLR"}  # the default topics need their own words in training
PRIORITY = {  # for the default topics, most sentences come from those that also name the war's parties
    "ukraine_ceasefire": r"Ukrain|Russia|Donbas|Crimea|Minsk",
    "russia_sanctions": r"Russia|Ukrain|Crimea",
    "china_peace_plan": r"China|Chinese|Russia",
}
SENT_SPLIT = re.compile(r"(?<=[.!?])[”\"]?\s+(?=[A-Z“\"(])")
ABBREV = re.compile(r"\b(Mr|Mrs|Ms|Dr|St|No|Nos|Art|Jr|Sr|H\.E|U\.S|U\.N|e\.g|i\.e|vs|para|paras)\.$")


def sentences(text: str) -> list[str]:
    out: list[str] = []
    for para in text.split("\n"):
        buf = ""
        for piece in SENT_SPLIT.split(para.strip()):
            buf = f"{buf} {piece}".strip() if buf else piece
            if not ABBREV.search(buf):
                out.append(buf)
                buf = ""
        if buf:
            out.append(buf)
    return [s for s in out if s]


LOWER_STARTS = {"the", "that", "this", "these", "those", "it", "its", "we", "our", "us", "they", "their", "in", "on",
                "at", "as", "for", "with", "however", "moreover", "furthermore", "today", "there", "a", "an", "all",
                "such", "and", "but", "yet", "so", "if", "when", "while", "since", "to", "by", "from", "my", "let",
                "no", "nor", "not", "many", "much", "every", "each", "despite", "although", "though"}


def present(speech: dict, sentence: str) -> str:
    """The statement as a news article would report it, the way `quotes extract` gives it to the classifier: its
    speaker and a reporting frame, varied as news varies them (direct, indirect, "was quoted as saying",
    "according to"), so that a model learns the frame carries no stance of its own."""
    name, post, country = speech.get("speaker") or "", speech.get("post") or "", speech["country_name"]
    if name and post:
        who = f"{name}, {post} of {country},"
    elif name:
        who = f"{name} of {country}"
    else:
        who = f"The representative of {country}"
    body = sentence.strip('“”"')
    bare = who.rstrip(",")
    first = body.split(" ", 1)[0]
    inner = body[0].lower() + body[1:] if first.lower() in LOWER_STARTS else body   # after "that" or a comma
    frames = [
        f"{who} said: “{body}”",
        f"{who} told the UN General Assembly: “{body}”",
        f"“{body.rstrip('.')},” {bare[0].lower() + bare[1:] if bare.startswith('The ') else bare} said.",
        f"{who} said that {inner}",
        f"{who} was quoted as saying that {inner}",
        f"{who} has been cited as saying: “{body}”",
        f"According to {bare[0].lower() + bare[1:] if bare.startswith('The ') else bare}, {inner}",
    ]
    return frames[int(hashlib.sha1(sentence.encode()).hexdigest(), 16) % len(frames)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("ungdc", type=Path)
    ap.add_argument("out", type=Path, help="folder of the rounds' files (round-N.jsonl)")
    ap.add_argument("--default-quota", type=int, default=345)
    ap.add_argument("--quota", type=int, default=66)
    ap.add_argument("--neighbours", type=float, default=0.15, help="share of a topic's pairs that are neighbours")
    ap.add_argument("--dev-countries", type=int, default=42)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--actors", action="store_true",
                    help="second round: sentences that name two or more of the actor topics, paired with each one "
                         "they name (does the stance follow the target?), leaving out the first round's pairs")
    ap.add_argument("--war", action="store_true",
                    help="third round: sentences on the Russia–Ukraine war not sampled before, each paired with the "
                         "war, a ceasefire in it and sanctions or one of the two governments")
    ap.add_argument("--more", action="store_true",
                    help="fourth round: the topics of MORE_TOPICS, sampled as the first round samples (--quota pairs "
                         "each), from sentences no earlier round took")
    ap.add_argument("--fifth", action="store_true",
                    help="fifth round: the topics of FIFTH_TOPICS (most of them actors), sampled as the fourth round "
                         "samples, from sentences no earlier round took")
    ap.add_argument("--sixth", action="store_true",
                    help="sixth round: the people of SIXTH_TOPICS, sampled as the fourth round samples, from sentences "
                         "no earlier round took")
    ap.add_argument("--n", type=int, default=1000, help="with --actors: how many pairs; with --war: sentences")
    args = ap.parse_args()
    rng = random.Random(args.seed)

    speeches = []
    for f in sorted(args.ungdc.glob("session-*.jsonl")):
        speeches += [json.loads(line) for line in f.open(encoding="utf-8")]
    countries = sorted({s["country"] for s in speeches} - KEEP_IN_TRAIN)
    dev = set(rng.sample(countries, args.dev_countries))
    sents = {s["id"]: sentences(s["text"]) for s in speeches}
    by_id = {s["id"]: s for s in speeches}

    if args.actors:
        pairs = actor_pairs(args, sents, by_id, dev, rng)
        write(args.out, 2, pairs, dev)
        return
    if args.war:
        pairs = war_pairs(args, sents, by_id, dev, rng)
        write(args.out, 3, pairs, dev)
        return
    if args.more or args.fifth or args.sixth:
        n, topics = (4, MORE_TOPICS) if args.more else (5, FIFTH_TOPICS) if args.fifth else (6, SIXTH_TOPICS)
        pairs = more_pairs(args, topics, n, sents, by_id, dev, rng)
        write(args.out, n, pairs, dev)
        return
    used: dict[tuple[str, int], int] = defaultdict(int)  # (speech, index) -> pairs already made of that sentence
    pairs = []
    for topic_id, phrase, kind, pattern in TOPICS:
        rx = re.compile(pattern, re.I if topic_id not in {"who", "european_union", "icc"} else 0)
        matched, neighbours = topic_candidates(sents.items(), rx)
        quota = args.default_quota if topic_id in DEFAULT_TOPICS else args.quota
        n_near = round(quota * args.neighbours)
        prio = re.compile(PRIORITY[topic_id]) if topic_id in PRIORITY else None
        rng.shuffle(matched)
        if prio:  # two thirds from sentences naming the war's parties, the rest as they come
            first = [m for m in matched if prio.search(sents[m[0]][m[1]])]
            rest = [m for m in matched if not prio.search(sents[m[0]][m[1]])]
            matched = first[: round((quota - n_near) * 2 / 3)] + rest
        rng.shuffle(neighbours)
        chosen: list[tuple[str, int, bool]] = []
        per_speech: dict[str, int] = defaultdict(int)
        for pool, n in ((matched, quota - n_near), (neighbours, quota)):
            n -= len(chosen) if pool is neighbours else 0   # neighbours fill what the matches left
            taken = 0
            for sid, i in pool:
                if taken >= n:
                    break
                if used[(sid, i)] >= 2 or per_speech[sid] >= (4 if topic_id in DEFAULT_TOPICS else 1):
                    continue
                used[(sid, i)] += 1
                per_speech[sid] += 1
                chosen.append((sid, i, pool is neighbours))
                taken += 1
        for sid, i, is_neighbour in chosen:
            pairs.append(make_pair(by_id[sid], sents[sid], i, (topic_id, phrase, kind), dev,
                                   "neighbour" if is_neighbour else "match", 1))
    rng.shuffle(pairs)
    write(args.out, 1, pairs, dev)


def topic_candidates(speeches: Iterable[tuple[str, list[str]]], rx: re.Pattern[str],
                     seen: set[tuple[str, int]] | None = None) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """The sentences that touch a topic (its pattern matches) and their neighbours within two sentences that do not,
    as (speech id, sentence index), in the order of ``speeches``: only sentences of 25–600 characters and not in
    ``seen`` (sampled by an earlier round)."""
    matched: list[tuple[str, int]] = []
    neighbours: list[tuple[str, int]] = []
    for sid, ss in speeches:
        ok = [25 <= len(s) <= 600 and (sid, i) not in (seen or ()) for i, s in enumerate(ss)]
        hits = [i for i, s in enumerate(ss) if ok[i] and rx.search(s)]
        matched += [(sid, i) for i in hits]
        near = {j for i in hits for j in (i - 2, i - 1, i + 1, i + 2)} - set(hits)
        neighbours += [(sid, j) for j in sorted(near) if 0 <= j < len(ss) and ok[j] and not rx.search(ss[j])]
    return matched, neighbours


def make_pair(speech: dict, ss: list[str], i: int, topic: tuple[str, str, str], dev: set[str],
              sampled_as: str, sample_round: int) -> dict:
    topic_id, phrase, kind = topic
    return {
        "id": f"{speech['id']}:{i}:{topic_id}", "speech": speech["id"], "sentence_index": i,
        "country": speech["country"], "session": speech["session"],
        "split": "dev" if speech["country"] in dev else "train", "topic_id": topic_id, "topic": phrase,
        "target": kind, "sampled_as": sampled_as, "context": ss[i - 1] if i > 0 else "", "sentence": ss[i],
        "text": present(speech, ss[i]), "round": sample_round,
    }


def actor_pairs(args: argparse.Namespace, sents: dict[str, list[str]], by_id: dict[str, dict], dev: set[str],
                rng: random.Random) -> list[dict]:
    """Sentences naming two or more actors, each paired with the actors it names: the stance of a statement
    differs by target ("We condemn Russia's aggression against Ukraine"), which a model must learn to read."""
    actors = [(t[0], t[1], t[2], re.compile(t[3])) for t in TOPICS if t[2] == "actor" and t[0] != "united_nations"]
    first = {p["id"] for p in earlier_rounds(args.out, 2)}
    found = []
    for sid, ss in sents.items():
        for i, s in enumerate(ss):
            if 25 <= len(s) <= 600:
                named = [a for a in actors if a[3].search(s)]
                if len(named) >= 2:
                    found.append((sid, i, named))
    rng.shuffle(found)
    pairs: list[dict] = []
    per_speech: dict[str, int] = defaultdict(int)
    for sid, i, named in found:
        if len(pairs) >= args.n:
            break
        if per_speech[sid] >= 2:
            continue
        per_speech[sid] += 1
        for a in named[:3]:
            pair = make_pair(by_id[sid], sents[sid], i, a[:3], dev, "actors", 2)
            if pair["id"] not in first:
                pairs.append(pair)
    return pairs[: args.n]


def war_pairs(args: argparse.Namespace, sents: dict[str, list[str]], by_id: dict[str, dict], dev: set[str],
              rng: random.Random) -> list[dict]:
    """Sentences on the Russia–Ukraine war that no earlier round sampled, as a reader meets them: two thirds from
    session 77 (September 2022, the first debate after the full-scale invasion, where the war is often "the war"
    without a name) and a third from 2015–2021 (Crimea, Donbas, Minsk), a tenth of them 2022 sentences on sanctions
    that name neither country, at most two a speech, and some of their neighbours. Each sentence is paired with the
    war itself, a ceasefire in it, and Western sanctions on Russia when it speaks of sanctions, else the Russian or
    the Ukrainian government in turn."""
    topics = {t[0]: t[:3] for t in TOPICS}
    names = re.compile(WAR_TOPIC[3])
    unnamed = re.compile(r"\b(the|this) war\b|war in Europe|invasion|special military operation")
    sanctions = re.compile(r"sanction|coercive measures|restrictive measures", re.I)
    seen = {(p["speech"], p["sentence_index"]) for p in earlier_rounds(args.out, 3)}
    recent: list[tuple[str, int]] = []
    earlier: list[tuple[str, int]] = []
    on_sanctions: list[tuple[str, int]] = []   # 2022 sentences on sanctions that name neither country
    for sid, ss in sorted(sents.items()):
        session = by_id[sid]["session"]
        for i, s in enumerate(ss):
            if not 25 <= len(s) <= 600 or (sid, i) in seen:
                continue
            if names.search(s) or (session == 77 and unnamed.search(s)):
                (recent if session == 77 else earlier).append((sid, i))
            elif session == 77 and sanctions.search(s):
                on_sanctions.append((sid, i))
    rng.shuffle(recent)
    rng.shuffle(earlier)
    rng.shuffle(on_sanctions)
    chosen: list[tuple[str, int]] = []
    per_speech: dict[str, int] = defaultdict(int)
    n_war = round(args.n * 0.85)
    for pool, n in ((on_sanctions, round(n_war * 0.1)), (recent, round(n_war * 0.9 * 2 / 3)),
                    (earlier, n_war - round(n_war * 0.1) - round(n_war * 0.9 * 2 / 3))):
        taken = 0
        for sid, i in pool:
            if taken >= n:
                break
            if per_speech[sid] < 2:
                per_speech[sid] += 1
                chosen.append((sid, i))
                taken += 1
    near = sorted({(sid, j) for sid, i in chosen for j in (i - 1, i + 1)
                   if 0 <= j < len(sents[sid]) and 25 <= len(sents[sid][j]) <= 600 and (sid, j) not in seen
                   and not names.search(sents[sid][j])} - set(chosen))
    rng.shuffle(near)
    neighbours = near[: args.n - len(chosen)]
    pairs: list[dict] = []
    for k, (sid, i) in enumerate(chosen + neighbours):
        third = ("russia_sanctions" if sanctions.search(sents[sid][i]) else
                 ("russia_gov", "ukraine_gov")[k % 2])
        for topic in (WAR_TOPIC[:3], topics["ukraine_ceasefire"], topics[third]):
            pairs.append(make_pair(by_id[sid], sents[sid], i, topic, dev,
                                   "neighbour" if (sid, i) in neighbours else "war", 3))
    rng.shuffle(pairs)
    return pairs


def more_pairs(args: argparse.Namespace, topics: list[tuple[str, str, str, str]], sample_round: int,
               sents: dict[str, list[str]], by_id: dict[str, dict], dev: set[str], rng: random.Random) -> list[dict]:
    """A round of new topics (the fourth: MORE_TOPICS; the fifth: FIFTH_TOPICS; the sixth: SIXTH_TOPICS): for
    each topic, sentences that touch it and ~15 % neighbours that do not, one a speech and topic, none that an
    earlier round sampled, no sentence for more than two topics."""
    seen = {(p["speech"], p["sentence_index"]) for p in earlier_rounds(args.out, sample_round)}
    used: dict[tuple[str, int], int] = defaultdict(int)
    pairs = []
    for topic_id, phrase, kind, pattern in topics:
        rx = re.compile(pattern, re.I if topic_id not in CASE_SENSITIVE else 0)
        matched, neighbours = topic_candidates(sorted(sents.items()), rx, seen)
        rng.shuffle(matched)
        rng.shuffle(neighbours)
        n_near = round(args.quota * args.neighbours)
        per_speech: dict[str, int] = defaultdict(int)
        chosen: list[tuple[str, int, str]] = []
        for pool, n, how in ((matched, args.quota - n_near, "match"), (neighbours, n_near, "neighbour")):
            for sid, i in pool:
                if sum(h == how for *_, h in chosen) >= n:
                    break
                if used[(sid, i)] < 2 and per_speech[sid] < 1:
                    used[(sid, i)] += 1
                    per_speech[sid] += 1
                    chosen.append((sid, i, how))
        pairs += [make_pair(by_id[sid], sents[sid], i, (topic_id, phrase, kind), dev, how, sample_round)
                  for sid, i, how in chosen]
    rng.shuffle(pairs)
    return pairs


def round_file(folder: Path, n: int) -> Path:
    """Where round ``n``'s pairs are kept."""
    return folder / f"round-{n}.jsonl"


def earlier_rounds(folder: Path, n: int) -> list[dict]:
    """The pairs of the rounds before ``n``, which round ``n`` must not take again."""
    rounds = [round_file(folder, k) for k in range(1, n)]
    missing = [str(f) for f in rounds if not f.is_file()]
    if missing:
        sys.exit(f"error: round {n} needs the earlier rounds first; missing: {', '.join(missing)}")
    return [json.loads(line) for f in rounds for line in f.open(encoding="utf-8")]


def write(folder: Path, n: int, pairs: list[dict], dev: set[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with round_file(folder, n).open("w", encoding="utf-8") as f:
        for p in pairs:
            f.write(json.dumps(p, ensure_ascii=False) + "\n")
    n_dev = sum(p["split"] == "dev" for p in pairs)
    print(f"{len(pairs)} pairs ({n_dev} dev from {len(dev)} countries), "
          f"{len({p['speech'] for p in pairs})} speeches, {len({p['topic_id'] for p in pairs})} topics",
          file=sys.stderr)


if __name__ == "__main__":
    main()
