"""Cross-article speaker linking and the aliases file."""

from __future__ import annotations

from pathlib import Path

import pytest

from quotes.linking import (
    AliasEntry,
    Aliases,
    AliasesError,
    default_aliases_path,
    is_name_form,
    link_names,
    link_quotes,
    load_aliases,
    name_tokens,
)
from quotes.types import Quote, Span, Speaker


def canon(names: list[tuple[str, str]], aliases: Aliases | None = None) -> dict[str, str]:
    mapping = link_names([(n, k, 1) for n, k in names], aliases)
    return {f"{n}/{k}": mapping[(n, k)].name for n, k in names if (n, k) in mapping}


@pytest.mark.parametrize(("names", "name", "expected"), [
    # a single token links to the unique longer person name containing it; the longer name wins
    ([("Xi Jinping", "person"), ("Xi", "person")], "Xi/person", "Xi Jinping"),
    ([("Xi", "person"), ("Xi Jinping", "person")], "Xi/person", "Xi Jinping"),
    ([("Xi Jinping", "person"), ("President Xi", "person")], "President Xi/person", "Xi Jinping"),
    ([("Xi Jinping", "person"), ("Jinping", "person")], "Jinping/person", "Xi Jinping"),
    # ambiguous: two longer names -> no merge
    ([("Hillary Clinton", "person"), ("Bill Clinton", "person"), ("Clinton", "person")],
     "Clinton/person", "Clinton"),
    ([("Hillary Clinton", "person"), ("Bill Clinton", "person")], "Bill Clinton/person", "Bill Clinton"),
    # a longer form of a longer name: one person, shown under the plain full name
    ([("Hillary Clinton", "person"), ("Hillary Rodham Clinton", "person")],
     "Hillary Rodham Clinton/person", "Hillary Clinton"),
    # a middle initial or a title does not make a new person
    ([("Donald J. Trump", "person"), ("Donald Trump", "person"), ("Mr. Trump", "person")],
     "Donald J. Trump/person", "Donald Trump"),
    ([("Donald J. Trump", "person"), ("Donald Trump", "person"), ("Mr. Trump", "person")],
     "Mr. Trump/person", "Donald Trump"),
    # case and spacing do not matter
    ([("Angela  Merkel", "person"), ("angela merkel", "person"), ("Merkel", "person")],
     "Merkel/person", "Angela  Merkel"),
    # one name, one kind: a surname tagged as an organisation is the person the evidence names
    ([("Joe Biden", "person"), ("Biden", "organization")], "Biden/organization", "Joe Biden"),
    # unknown kind joins the one known-kind name with the same tokens
    ([("Reuters", "organization"), ("Reuters", "other")], "Reuters/other", "Reuters"),
    # organizations are not linked by containment
    ([("Ministry", "organization"), ("Foreign Ministry", "organization")],
     "Ministry/organization", "Ministry"),
    # tokens must appear in order
    ([("Jinping Xi", "person"), ("Xi Jinping", "person"), ("Jinping", "person")], "Jinping/person", "Jinping"),
    # a generational suffix is another person
    ([("Xi Jinping Jr", "person"), ("Xi Jinping", "person")], "Xi Jinping/person", "Xi Jinping"),
    # descriptions that name no one are no speaker
    ([("experts", "unresolved"), ("Xi", "person")], "Xi/person", "Xi"),
])
def test_link_names_table(names: list[tuple[str, str]], name: str, expected: str) -> None:
    assert canon(names)[name] == expected


def test_bare_surname_goes_to_the_dominant_full_name() -> None:
    mapping = link_names([("Ana Ortiz", "person", 40), ("Ana Ortiz Jr.", "person", 2), ("Luis Ortiz", "person", 3),
                          ("Ortiz", "person", 20), ("Ortiz", "organization", 5)])
    assert mapping[("Ortiz", "person")] == mapping[("Ana Ortiz", "person")]
    # one name, one kind: the evidence (uses of the person's names) makes "Ortiz" a person
    assert mapping[("Ortiz", "organization")].name == "Ana Ortiz"
    assert mapping[("Ortiz", "organization")].kind == "person"
    assert mapping[("Ana Ortiz Jr.", "person")].name == "Ana Ortiz Jr."
    assert mapping[("Luis Ortiz", "person")].name == "Luis Ortiz"
    # without a dominant full name the surname stays apart
    close = link_names([("Ana Ortiz", "person", 4), ("Luis Ortiz", "person", 3), ("Ortiz", "person", 2)])
    assert close[("Ortiz", "person")].name == "Ortiz"


def test_the_evidence_can_make_a_name_an_organisation() -> None:
    mapping = link_names([("Ford", "organization", 30), ("Ford", "person", 2), ("Gerald Ford", "person", 1)])
    assert mapping[("Ford", "person")] == mapping[("Ford", "organization")]
    assert mapping[("Ford", "person")].kind == "organization"


def test_unresolved_names_are_not_linked() -> None:
    mapping = link_names([("experts", "unresolved", 9), ("the plan", "unresolved", 1)])
    assert mapping == {}


def test_linking_keeps_kind_and_prefers_untitled_display() -> None:
    mapping = link_names([("President Xi", "person", 5), ("Xi", "person", 1)])
    assert mapping[("President Xi", "person")].name == "Xi"
    assert mapping[("Xi", "person")].kind == "person"


def test_name_tokens_strips_titles_for_people_only() -> None:
    assert name_tokens("Prime Minister Rishi Sunak", "person") == ("rishi", "sunak")
    assert name_tokens("President", "person") == ("president",)
    assert name_tokens("Prime Minister's Office", "organization") == ("prime", "minister's", "office")


@pytest.mark.parametrize(("mention", "keep"), [("he", False), ("She", False), ("the minister", False),
                                                ("President Xi", True), ("Xi", True), ("", False)])
def test_is_name_form(mention: str, keep: bool) -> None:
    assert is_name_form(mention) is keep


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "quotes-aliases.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_aliases_file_merges_and_renames(tmp_path: Path) -> None:
    path = write(tmp_path, '''
[[speaker]]
name = "Xi Jinping"
aliases = ["Chinese President Xi", "Xi"]
kind = "person"

[[speaker]]
name = "Hillary Clinton"
aliases = ["Clinton"]

[[speaker]]
name = "U.S. State Department"
aliases = ["State Department"]
''')
    aliases = load_aliases(path)
    assert aliases.path == path
    assert aliases.entries[0] == AliasEntry("Xi Jinping", ("Chinese President Xi", "Xi"), "person")
    names = [("Chinese President Xi", "person"), ("Xi", "person"), ("Clinton", "person"),
             ("Hillary Clinton", "person"), ("Bill Clinton", "person"),
             ("State Department", "organization"), ("Jinping", "person")]
    got = canon(names, aliases)
    assert got["Chinese President Xi/person"] == "Xi Jinping"
    assert got["Xi/person"] == "Xi Jinping"
    assert got["Clinton/person"] == "Hillary Clinton"        # the file resolves what is ambiguous
    assert got["Bill Clinton/person"] == "Bill Clinton"
    assert got["State Department/organization"] == "U.S. State Department"  # rename
    assert got["Jinping/person"] == "Xi Jinping"             # auto-linking still reaches file names


@pytest.mark.parametrize(("text", "message"), [
    ("[[speaker]\nname = 1", "is not valid TOML"),
    ("[[speaker]]\naliases = ['X']", "'name' is required"),
    ("[[speaker]]\nname = 'A'\naliases = 'X'", "'aliases' must be a list"),
    ("[[speaker]]\nname = 'A'\nkind = 'robot'", "unknown kind 'robot'; expected person, organization"),
    ("[[speaker]]\nname = 'A'\nalias = ['X']", "unknown key(s) alias; expected name, aliases, kind"),
    ("[person]\nname = 'A'", "unknown top-level key(s) person"),
    ("speaker = 'A'", "must be an array of tables"),
    ("[[speaker]]\nname = 'A'\naliases = ['X']\n[[speaker]]\nname = 'B'\naliases = ['x']",
     "'x' is already an alias of 'A'"),
])
def test_aliases_file_errors_name_the_file(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(AliasesError) as info:
        load_aliases(path)
    assert str(path) in str(info.value)
    assert message in str(info.value)


def test_missing_aliases_file(tmp_path: Path) -> None:
    with pytest.raises(AliasesError, match="does not exist"):
        load_aliases(tmp_path / "nope.toml")


def test_default_aliases_path(tmp_path: Path) -> None:
    assert default_aliases_path(tmp_path / "quotes.db") == tmp_path.resolve() / "quotes-aliases.toml"


def test_link_quotes_rewrites_speaker_names() -> None:
    def quote(index: int, name: str) -> Quote:
        return Quote("a", index, "direct", Span(0, 1, "x"), None, Speaker(name, name, None, None, "person"), 0.9)
    out = link_quotes([quote(0, "Xi Jinping"), quote(1, "Xi"),
                       Quote("a", 2, "direct", Span(0, 1, "x"), None, None, 0.5)])
    assert [q.speaker.name if q.speaker else None for q in out] == ["Xi Jinping", "Xi Jinping", None]
    assert out[1].speaker is not None and out[1].speaker.mention == "Xi"


@pytest.mark.parametrize(("text", "name"), [
    ("Trump accused Holt of being a", "Trump"), ("Bank of America", "Bank of America"),
    ("Commission on Presidential Debates", "Commission on Presidential Debates"),
    ("Ursula von der Leyen", "Ursula von der Leyen"), ("the Kremlin", "the Kremlin")])
def test_trim_name(text: str, name: str) -> None:
    from quotes.extract.speakers import trim_name
    assert trim_name(text) == name


def test_a_surname_of_several_words_counts_as_the_persons_evidence() -> None:
    # "De Souza" tagged as an organisation where the store knows Ana de Souza: the person, linked to her
    mapping = link_names([("Ana de Souza", "person", 6), ("De Souza", "organization", 1)])
    assert mapping[("De Souza", "organization")] == mapping[("Ana de Souza", "person")]
    assert mapping[("De Souza", "organization")].kind == "person"


def test_a_bare_surname_in_the_store_is_the_one_its_article_names(pipeline, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from quotes.store import Store
    from quotes.types import Article
    senator = Article("a1", "Sen. Ray Tolliver spoke on Monday. “The budget is late,” Ray Tolliver said. "
                            "“We will fix it,” Ray Tolliver said. Tolliver said the vote would be close.")
    victim = Article("a2", "The police shot Marcus Dwayne Tolliver on Tuesday. His family asked for the video.\n\n"
                           "Mr. Tolliver had told his neighbours, “I am afraid of the police.”")
    with Store(tmp_path / "quotes.db") as store:
        run = store.begin_run(None, [])
        store.write_batch(run, [(a, a.id, "k", pipeline.extract_one(a)) for a in (senator, victim)])
        store.finish_run(run, {})
        (afraid,) = [q for q in store.quotes_for_article("a2") if "afraid" in q.content.text]
        assert afraid.speaker is not None and afraid.speaker.name == "Marcus Dwayne Tolliver", afraid.speaker
        assert {s.name for s in store.speakers()} >= {"Ray Tolliver", "Marcus Dwayne Tolliver"}
