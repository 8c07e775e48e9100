"""The UN General Debate sampler (scripts/build_ungdc_sample.py) on a small corpus of its own: every round (six)
writes its own file of pairs of sentences no earlier round took, keeps a country's speeches in one split, and pairs a war
statement with the war, a ceasefire and one more topic. (The real corpus is not in the repository.)"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

WAR = [
    "We condemn the Russian invasion of Ukraine in the strongest terms.",
    "The war in Ukraine must end through dialogue and an immediate ceasefire.",
    "Sanctions imposed without the approval of the Security Council hurt ordinary people everywhere.",
    "This war has driven up the price of food and fertilizer across Africa.",
    "Russia must withdraw its troops from the whole territory of Ukraine.",
]
OTHER = [
    "Our country has made great progress on the Sustainable Development Goals this year.",
    "We thank the Secretary-General for his tireless work for peace and development.",
    "Climate change is the defining threat of our time and the Paris Agreement must be honoured.",
    # each of these two touches a topic of the first round and one of the fourth, which must not take it again
    "Nuclear power is welcome, but the Treaty on the Prohibition of Nuclear Weapons must be honoured.",
    "Free trade and open markets will help our people reach the Sustainable Development Goals.",
    "We stand ready to work with all partners in the African Union.",
    # touches a topic of the fourth round (the African Union) and one of the fifth (ECOWAS)
    "We thank the African Union and ECOWAS for their mediation, and we welcome the support of Japan.",
    # names two people of the sixth round
    "We honour Nelson Mandela and Kofi Annan, whose example of reconciliation still guides us.",
]


def speech(country: str, session: int, k: int) -> dict[str, object]:
    sentences = [OTHER[(k + i) % len(OTHER)] for i in range(3)] + [WAR[(k + i) % len(WAR)] for i in range(3)]
    # a country's own words, so that two speeches never share every sentence
    text = " ".join(s.replace("Our country", f"{country} as a nation").replace("our people", f"the people of {country}")
                    for s in sentences)
    return {"id": f"{country}_{session}_{2015 + session - 70}", "country": country, "country_name": f"Land {country}",
            "session": session, "year": 2015 + session - 70, "speaker": f"Speaker {country}", "post": "President",
            "text": text}


def sample(corpus: Path, out: Path, *args: str) -> None:
    done = subprocess.run([sys.executable, str(REPO / "scripts" / "build_ungdc_sample.py"), str(corpus), str(out),
                           "--dev-countries", "2", *args], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_each_round_takes_new_sentences_and_keeps_the_splits(tmp_path: Path) -> None:
    corpus = tmp_path / "ungdc"
    corpus.mkdir()
    countries = [f"C{k:02d}" for k in range(12)]
    for session in (72, 77):
        with (corpus / f"session-{session}.jsonl").open("w", encoding="utf-8") as f:
            for k, country in enumerate(countries):
                f.write(json.dumps(speech(country, session, k)) + "\n")
    out = tmp_path / "pairs"
    sample(corpus, out, "--quota", "50", "--default-quota", "2")
    sample(corpus, out, "--actors")
    sample(corpus, out, "--war", "--n", "6")
    sample(corpus, out, "--more", "--quota", "3")
    sample(corpus, out, "--fifth", "--quota", "3")
    sample(corpus, out, "--sixth", "--quota", "3")
    pairs = [json.loads(line) for n in (1, 2, 3, 4, 5, 6) for line in (out / f"round-{n}.jsonl").open(encoding="utf-8")]

    by_round = defaultdict(list)
    for p in pairs:
        by_round[p["round"]].append(p)
    assert set(by_round) <= {1, 2, 3, 4, 5, 6} and {1, 3, 4, 5, 6} <= set(by_round)   # round 2 needs two actors a sentence
    assert len({p["id"] for p in pairs}) == len(pairs)
    sentences = {r: {(p["speech"], p["sentence_index"]) for p in rows} for r, rows in by_round.items()}
    earlier = sentences[1] | sentences.get(2, set())
    assert not sentences[3] & earlier
    assert not sentences[4] & (earlier | sentences[3])
    assert not sentences[5] & (earlier | sentences[3] | sentences[4])
    assert {p["topic_id"] for p in by_round[5]} >= {"ecowas", "japan_gov"}
    assert not sentences[6] & (earlier | sentences[3] | sentences[4] | sentences[5])
    assert {p["topic_id"] for p in by_round[6]} == {"mandela", "kofi_annan"}
    # a war sentence comes with the war itself, a ceasefire and one of sanctions or the two governments
    per_sentence = Counter((p["speech"], p["sentence_index"]) for p in by_round[3])
    assert set(per_sentence.values()) == {3}
    topics = defaultdict(set)
    for p in by_round[3]:
        topics[(p["speech"], p["sentence_index"])].add(p["topic_id"])
    for ts in topics.values():
        assert {"russia_war", "ukraine_ceasefire"} < ts
        assert len(ts - {"russia_war", "ukraine_ceasefire"} & {"russia_sanctions", "russia_gov", "ukraine_gov"}) == 1
    # a country is in one split in every round, and the text is the sentence as a report gives it
    split = {p["country"]: p["split"] for p in by_round[1]}
    assert all(split.get(p["country"], p["split"]) == p["split"] for p in pairs)
    assert all(p["sentence"][1:].rstrip(".") in p["text"] for p in pairs)
    assert {p["target"] for p in by_round[4]} == {"actor", "issue"}
    assert "actor" in {p["target"] for p in by_round[5]}
    assert {p["target"] for p in by_round[6]} == {"actor"}


def test_a_round_needs_the_earlier_rounds(tmp_path: Path) -> None:
    corpus = tmp_path / "ungdc"
    corpus.mkdir()
    (corpus / "session-77.jsonl").write_text(json.dumps(speech("C00", 77, 0)) + "\n", encoding="utf-8")
    done = subprocess.run([sys.executable, str(REPO / "scripts" / "build_ungdc_sample.py"), str(corpus),
                           str(tmp_path / "pairs"), "--dev-countries", "0", "--war"], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode != 0
    assert "round 3 needs the earlier rounds first" in done.stderr and "round-1.jsonl" in done.stderr
