"""Stance topics (TOML) and labelled data: loading, validation errors, dev splits, augmentation."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from quotes.stance.data import (
    DataError,
    add_none_pairs,
    add_opposite_pairs,
    add_speaker_pairs,
    format_pair,
    load_examples,
    load_split,
    read_records,
    records_to_dataset,
    split_by_topics,
    topic_key,
)
from quotes.stance.topics import TopicsError, default_topics_path, load_topics, parse_topics
from quotes.types import Topic

# -- topics ------------------------------------------------------------------------------------------


def test_default_topics_ship_with_the_package() -> None:
    topics = {t.id: t for t in load_topics()}
    assert default_topics_path().is_file()
    assert topics["ukraine_ceasefire"].phrase == "a ceasefire in the Russia–Ukraine war"
    assert topics["china_peace_plan"].phrase == "China's peace proposal for Ukraine"
    assert topics["russia_sanctions"].phrase == "Western sanctions on Russia"
    assert len(topics) == 3
    assert all(t.phrase for t in topics.values())


def test_load_topics_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text('[[topic]]\nid = "a"\nphrase = "Topic A"\ndescription = "about A"\n\n'
                    '[[topic]]\nid = "b"\nphrase = "Topic B"\n', encoding="utf-8")
    assert load_topics(path) == [Topic("a", "Topic A", "about A"), Topic("b", "Topic B", "")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[topic]\nid = "a"', "is not valid TOML"),
        ('[[topic]]\nphrase = "A"\n', "topic #1: missing 'id'"),
        ('[[topic]]\nid = "a"\n', "topic #1: missing 'phrase'"),
        ('[[topic]]\nid = "a"\nphrase = "  "\n', "missing 'phrase'"),
        ('[[topic]]\nid = "a"\nphrase = "A"\n[[topic]]\nid = "a"\nphrase = "B"\n',
         "duplicate topic id 'a' (topics #1 and #2)"),
        ('[[topic]]\nid = "a"\nphrase = "A"\nlabel = "x"\n', "unknown key(s) label; expected id, phrase, description"),
        ('[[topic]]\nid = "a b"\nphrase = "A"\n', "invalid id 'a b'"),
        ('[[topic]]\nid = 3\nphrase = "A"\n', "'id' must be a string"),
        ('[topic]\nid = "a"\nphrase = "A"\n', "must be an array of tables"),
        ('title = "x"\n', "defines no topics"),
    ],
)
def test_topic_errors_name_the_file_and_problem(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TopicsError) as info:
        load_topics(path)
    assert str(path) in str(info.value)
    assert message in str(info.value)


def test_missing_topics_file(tmp_path: Path) -> None:
    with pytest.raises(TopicsError, match="not found"):
        load_topics(tmp_path / "nope.toml")


def test_parse_topics_names_its_source() -> None:
    with pytest.raises(TopicsError, match="^inline"):
        parse_topics("[[topic]]\n", source="inline")


# -- data --------------------------------------------------------------------------------------------

ROWS = [
    {"text": "We must stop the war now.", "topic": "a ceasefire", "topic_id": "ceasefire", "label": "favor"},
    {"text": "A truce would reward aggression.", "topic": "a ceasefire", "topic_id": "ceasefire", "label": "against"},
    {"text": "Sanctions are working.", "topic": "sanctions on Russia", "topic_id": "sanctions", "label": "favor"},
    {"text": "The weather was fine.", "topic": "sanctions on Russia", "topic_id": "sanctions", "label": "none"},
]


def write_jsonl(path: Path, rows: Sequence[object]) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_load_jsonl(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "data.jsonl", [*ROWS[:2], "", ROWS[2]])
    data = load_examples(path)
    assert len(data) == 3
    assert data["label"] == ["favor", "against", "favor"]
    assert data["id"] == ["data.jsonl:1", "data.jsonl:2", "data.jsonl:4"]
    assert set(data.column_names) >= {"text", "topic", "label", "topic_id", "speaker", "cue", "context"}


def test_load_csv_with_optional_fields(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text('id,text,topic,label,speaker\nq1,"Yes, a truce now.",a ceasefire,favor,Ann\n'
                    "q2,No truce.,a ceasefire,AGAINST,\n", encoding="utf-8")
    data = load_examples([path])
    assert data["id"] == ["q1", "q2"]
    assert data["label"] == ["favor", "against"]
    assert data["speaker"] == ["Ann", ""]


def test_several_files_are_concatenated(tmp_path: Path) -> None:
    a = write_jsonl(tmp_path / "a.jsonl", ROWS[:1])
    b = write_jsonl(tmp_path / "b.jsonl", ROWS[1:])
    assert len(load_examples([a, b])) == 4


def test_unknown_label_message(tmp_path: Path) -> None:
    rows: list[dict[str, object]] = [dict(ROWS[0]) for _ in range(14)]
    rows[13]["label"] = "pro"
    path = write_jsonl(tmp_path / "data.jsonl", rows)
    with pytest.raises(DataError) as info:
        load_examples(path)
    assert str(info.value) == f"unknown label 'pro' in {path} line 14; expected favor, against, none"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ({"text": "x", "label": "favor"}, "missing field 'topic' in {path} line 2"),
        ({"topic": "t", "label": "favor"}, "missing field 'text' in {path} line 2"),
        ({"text": "x", "topic": "t"}, "missing field 'label' in {path} line 2"),
        ({"text": "  ", "topic": "t", "label": "favor"}, "empty text in {path} line 2"),
        ({"text": "x", "topic": "", "label": "favor"}, "empty topic in {path} line 2"),
        ({"text": 3, "topic": "t", "label": "favor"}, "field 'text' must be a string in {path} line 2"),
        ('{"text": "x", "topic": ', "bad JSON in {path} line 2"),
        ("[1, 2]", "expected a JSON object in {path} line 2, got list"),
    ],
)
def test_invalid_records(tmp_path: Path, line: dict[str, object] | str, message: str) -> None:
    path = write_jsonl(tmp_path / "data.jsonl", [ROWS[0], line])
    with pytest.raises(DataError) as info:
        load_examples(path)
    assert message.format(path=path) in str(info.value)


def test_fewer_than_two_labels(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "data.jsonl", [ROWS[0], ROWS[2]])
    with pytest.raises(DataError, match="only the label 'favor'; .* at least two of favor, against, none"):
        load_examples(path)


def test_empty_missing_and_unknown_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n", encoding="utf-8")
    with pytest.raises(DataError, match="no examples in"):
        load_examples(empty)
    with pytest.raises(DataError, match="not found"):
        load_examples(tmp_path / "missing.jsonl")
    other = tmp_path / "data.txt"
    other.write_text("x", encoding="utf-8")
    with pytest.raises(DataError, match="unknown file type '.txt'; expected .jsonl"):
        load_examples(other)


def test_csv_header_must_name_fields(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("body,topic,label\nx,t,favor\n", encoding="utf-8")
    with pytest.raises(DataError, match="missing field 'text' in .*data.csv header"):
        load_examples(path)


def test_csv_row_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("text,topic,label\nx,t,favor\ny,t,maybe\n", encoding="utf-8")
    with pytest.raises(DataError, match="unknown label 'maybe' in .*data.csv line 3"):
        load_examples(path)


def test_records_for_prediction_need_no_label(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", [{"id": 7, "text": "x", "topic": "t"}, {"text": "y", "topic": "t"}])
    records = read_records(path, require_label=False)
    assert [r["id"] for r in records] == ["7", ""]
    assert [r["line"] for r in records] == ["1", "2"]


def test_format_pair() -> None:
    assert format_pair("a  ceasefire", "We want\n peace.") == ("a ceasefire", "We want peace.")
    assert format_pair("t", "He agreed.", context="Asked about the truce,") == ("t", "Asked about the truce, He agreed.")
    assert format_pair("t", "x", context="") == ("t", "x")


# -- dev split ---------------------------------------------------------------------------------------


def test_split_by_topic_id_or_phrase() -> None:
    data = records_to_dataset(ROWS)
    train, dev = split_by_topics(data, ["sanctions"])
    assert len(train) == 2 and len(dev) == 2
    assert {topic_key(r) for r in dev} == {"sanctions"}
    no_ids = records_to_dataset([{**r, "topic_id": ""} for r in ROWS])
    train, dev = split_by_topics(no_ids, ["a ceasefire"])
    assert dev["topic"] == ["a ceasefire", "a ceasefire"]


def test_split_errors() -> None:
    data = records_to_dataset(ROWS)
    with pytest.raises(DataError, match="dev topic\\(s\\) nope not in the data; topics are: ceasefire, sanctions"):
        split_by_topics(data, ["nope"])
    with pytest.raises(DataError, match="nothing is left to train on"):
        split_by_topics(data, ["ceasefire", "sanctions"])


def test_load_split(tmp_path: Path) -> None:
    train_file = write_jsonl(tmp_path / "train.jsonl", ROWS)
    dev_file = write_jsonl(tmp_path / "dev.jsonl", ROWS[:1])
    train, dev = load_split([train_file], dev=dev_file)
    assert len(train) == 4 and dev is not None and len(dev) == 1
    train, dev = load_split([train_file], dev_topics=["ceasefire"])
    assert len(train) == 2 and dev is not None and len(dev) == 2
    assert load_split([train_file])[1] is None
    with pytest.raises(DataError, match="either a dev file or dev topics"):
        load_split([train_file], dev=dev_file, dev_topics=["ceasefire"])


def test_dev_topics_must_leave_two_labels(tmp_path: Path) -> None:
    train_file = write_jsonl(tmp_path / "train.jsonl", [ROWS[0], ROWS[2], ROWS[3]])
    with pytest.raises(DataError, match="training split has only the label 'favor'"):
        load_split([train_file], dev_topics=["sanctions"])


# -- augmentation ------------------------------------------------------------------------------------


def test_none_pairs_pair_statements_with_other_topics() -> None:
    rows = [
        {"text": "We need a ceasefire today.", "topic": "a ceasefire", "topic_id": "ceasefire", "label": "favor"},
        {"text": "The fighting must go on.", "topic": "a ceasefire", "topic_id": "ceasefire", "label": "against"},
        {"text": "The tax hurts families.", "topic": "a sugar tax", "topic_id": "sugar", "label": "against"},
        {"text": "Unlike a ceasefire, this levy is popular.", "topic": "a sugar tax", "topic_id": "sugar",
         "label": "favor"},
        {"text": "Rents will fall.", "topic": "rent control", "topic_id": "rent", "label": "favor"},
    ] * 4
    data = records_to_dataset(rows)
    augmented = add_none_pairs(data, 0.5, seed=1)
    added = list(augmented)[len(data):]
    assert len(added) == 10
    assert all(r["label"] == "none" for r in added)
    own = {r["text"]: r["topic_id"] for r in rows}
    assert all(r["topic_id"] != own[r["text"]] for r in added)
    # a statement that mentions a ceasefire is never made a 'none' example for the ceasefire topic
    assert not any(r["topic_id"] == "ceasefire" and "ceasefire" in r["text"] for r in added)
    assert {r["topic"] for r in added} <= {"a ceasefire", "a sugar tax", "rent control"}
    assert list(add_none_pairs(data, 0.5, seed=1)) == list(augmented)
    assert add_none_pairs(data, 0.0) is data


def test_speaker_pairs_pair_a_statement_with_its_own_speaker() -> None:
    rows = [
        {"text": "Jane Doe said the ceasefire must hold.", "topic": "a ceasefire", "topic_id": "ceasefire",
         "label": "favor", "speaker": "Jane Doe"},
        {"text": "The Green Party called the tax a disgrace.", "topic": "a sugar tax", "topic_id": "sugar",
         "label": "against", "speaker": "The Green Party"},
        {"text": "Greens said the Green Party plan works.", "topic": "the Green Party", "topic_id": "greens",
         "label": "favor", "speaker": "Green Party spokesman"},
        {"text": "Rents, he said, are rents.", "topic": "rent control", "topic_id": "rent", "label": "none",
         "speaker": "John Roe"},
        {"text": "Rents will fall.", "topic": "rent control", "topic_id": "rent", "label": "favor", "speaker": ""},
    ]
    data = records_to_dataset(rows)
    added = list(add_speaker_pairs(data, 1.0, seed=3))[len(data):]
    # favor/against statements with a speaker, not the speaker's own party, not the `none` one, not the anonymous
    assert [(r["topic"], r["label"], r["text"]) for r in added] == [
        ("Jane Doe", "none", rows[0]["text"]), ("The Green Party", "none", rows[1]["text"])]
    assert add_speaker_pairs(data, 0.0) is data
    half = list(add_speaker_pairs(records_to_dataset(rows * 50), 0.5, seed=3))
    assert 20 <= len(half) - 250 <= 80


def test_opposite_pairs_flip_the_topic_and_the_label() -> None:
    rows = [
        {"id": "a", "text": "We need a ceasefire today.", "topic": "a ceasefire", "topic_id": "ceasefire",
         "label": "favor", "opposite": "fighting on"},
        {"id": "b", "text": "A truce rewards the invader.", "topic": "a truce", "topic_id": "ceasefire",
         "label": "against", "opposite": "fighting on"},
        {"id": "c", "text": "Talks resume on Monday.", "topic": "a ceasefire", "topic_id": "ceasefire",
         "label": "none", "opposite": "fighting on"},
        {"id": "d", "text": "The tax hurts families.", "topic": "a sugar tax", "topic_id": "sugar",
         "label": "against"},  # no opposite phrase: never flipped
    ]
    data = records_to_dataset(rows)
    augmented = add_opposite_pairs(data, 1.0, seed=3)
    added = {r["id"]: r for r in list(augmented)[len(data):]}
    assert set(added) == {"a+opposite", "b+opposite", "c+opposite"}
    assert [added[f"{i}+opposite"]["label"] for i in "abc"] == ["against", "favor", "none"]
    assert all(r["topic"] == "fighting on" and r["topic_id"] == "ceasefire~opposite" for r in added.values())
    assert added["b+opposite"]["opposite"] == "a truce" and added["b+opposite"]["text"] == rows[1]["text"]
    half = list(add_opposite_pairs(data, 0.34, seed=3))[len(data):]
    assert len(half) == 1 and half == list(add_opposite_pairs(data, 0.34, seed=3))[len(data):]
    assert add_opposite_pairs(data, 0.0) is data
    assert len(add_opposite_pairs(records_to_dataset(rows[3:]), 1.0)) == 1


def test_opposite_is_read_from_csv_and_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("text,topic,label,opposite\nWe want peace.,a ceasefire,favor,fighting on\n", encoding="utf-8")
    [record] = read_records(path)
    assert record["opposite"] == "fighting on"
