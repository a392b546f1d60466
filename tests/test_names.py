"""Deck, topic and tag names by Anki's own rules, each rule seen in real Anki; file names that fit.

Anki renames or merges, without a word, names the bank format would let through: it trims each
'::' part of a deck or tag name, drops ASCII control characters, calls an empty part "blank",
stores NFC, and compares names without case (a second "Python " or "ALPHA" becomes "Python_").
The validator refuses such names at their line. Each rule is checked twice here: what Anki
does with a package deckbook's own exporter wrote for a bank the validator never saw, and what
the validator says of that bank.
"""

from __future__ import annotations

import itertools
import json
import unicodedata
from pathlib import Path

import jsonschema
import pytest
import yaml

from anki_support import import_package
from conftest import BANKS, ROOT, TESTS
from deckbook.bank import (
    MAX_SLUG_CHARS, Bank, BankError, Question, Topic, anki_deck_name, anki_key, anki_tag, hidden_characters,
    json_schema,
    load_bank,
)
from deckbook import dates
from deckbook.cli import cli
from deckbook.exporters import apkg

NAMES = BANKS / "valid" / "anki-names.yaml"
NFD_CAFE = unicodedata.normalize("NFD", "Café")
WHITE_SPACE = [chr(code) for code in range(0x3001) if chr(code).isspace()]


def _clear(col) -> None:
    """Remove every deck but Default, so the next name meets no earlier one."""
    col.decks.remove([deck.id for deck in col.decks.all_names_and_ids() if deck.id != 1])


def _import_unchecked(col, tmp_path: Path, *, topics=("Topic",), tags=((),), deck="Names") -> dict:
    """What Anki makes of the package deckbook writes for a bank the validator never saw: one
    question per topic (the last topic takes the rest), tags per question, all in bank order."""
    declared = tuple(Topic(f"t{i}", name) for i, name in enumerate(topics))
    count = max(len(declared), len(tags))
    questions = tuple(
        Question(id=f"q{i}", topic=declared[min(i, len(declared) - 1)].id, question=f"Question {i}?",
                 answer="Answer.", tags=tuple(tags[i]) if i < len(tags) else (), number=i + 1)
        for i in range(count))
    bank = Bank(title="Names", subtitle=None, deck=deck, namespace="names", topics=declared,
                questions=questions, modified=1_700_000_000)
    package = tmp_path / "unchecked.apkg"
    with package.open("wb") as out:
        apkg.write(dates.one_date(bank, 1_700_000_000), out)
    import_package(col, package)
    notes = {note["Id"]: note for note in map(col.get_note, col.find_notes(""))}
    return {
        "decks": {deck.name for deck in col.decks.all_names_and_ids()} - {"Default"},
        "deck of": {qid: col.decks.name(note.cards()[0].did) for qid, note in notes.items()},
        "tags": {qid: [tag for tag in note.tags if not tag.startswith("deckbook::")]
                 for qid, note in notes.items()},
    }


def _problems(data: dict) -> list[str]:
    """The validator's messages for the bank *data*, as YAML a person would write."""
    bank = {"title": "Names", "topics": {"t0": "Topic"}, "questions": [
        {"id": "q0", "topic": "t0", "question": "Question?", "answer": "Answer."}]}
    bank.update(data)
    try:
        load_bank(None, yaml.safe_dump(bank, allow_unicode=True, sort_keys=False).encode())
    except BankError as exc:
        return [problem.message for problem in exc.problems]
    return []


def _topics(*names: str) -> dict:
    return {"topics": {f"t{i}": name for i, name in enumerate(names)},
            "questions": [{"id": f"q{i}", "topic": f"t{i}", "question": f"Question {i}?", "answer": "A."}
                          for i in range(len(names))]}


def _tagged(*tags: list[str]) -> dict:
    return {"questions": [{"id": f"q{i}", "topic": "t0", "question": f"Question {i}?", "answer": "A.",
                           "tags": list(question_tags)} for i, question_tags in enumerate(tags)]}


# -- the rules, against Anki's own ------------------------------------------------------------------
#: Deck names Anki changes, or keeps: every white space character at either end, for one.
DECK_NAMES = [
    "Python ", " Spaced", NFD_CAFE, "Line\nBreak", "Tab\there", "CR\rLF", "x\x1fy", "::", "a::", "::b",
    "a::::b", "a:: ::b", "a:::b", ":::", "a:::", "\u2126hm", "\u212aelvin", "\ufb01le", "x\u0085y",
    "Py\u200bthon", "\u202efdp.exe", "a:b", ":a", "a:", ": a :", "a ::: b", "a:::::b", "a:\u0338",
    *(f"{space}x{space}" for space in WHITE_SPACE), "\u200bx\ufeff", "\u180ex\u180e",
]
#: Pairs of deck names, one deck or two.
DECK_PAIRS = [
    ("Python", "Python "), ("Café", NFD_CAFE), (" Spaced", "Spaced"), ("alpha", "ALPHA"),
    ("Straße", "STRASSE"), ("ß", "ẞ"), ("ǅ", "ǆ"), ("İ", "i\u0307"), ("\ufb01", "FI"), ("Σ", "ς"),
    ("\u212a", "k"), ("Ⅻ", "ⅻ"), ("Cafe", "Café"), ("a", "á"), ("Python", "Py\u200bthon"),
    ("a::b", "A::B"), ("a::b", "a:: b"), ("a:b", "a::b"), ("ss", "s"), ("Python:", "Python"),
    ("a:::b", "a::b"),
]


def test_deckbook_predicts_the_deck_name_anki_stores(col):
    for name in DECK_NAMES:
        assert col.decks.name(col.decks.id(name)) == anki_deck_name(name), repr(name)
        _clear(col)


def test_deckbook_takes_two_names_for_one_deck_exactly_when_anki_does(col):
    for first, second in DECK_PAIRS:
        same = col.decks.id(first) == col.decks.id(second)
        assert (anki_key(anki_deck_name(first)) == anki_key(anki_deck_name(second))) == same, (first, second)
        _clear(col)


@pytest.mark.slow
def test_deckbook_refuses_exactly_the_deck_names_of_colons_anki_would_change(col):
    for name in ("".join(chars) for size in range(1, 8) for chars in itertools.product("a:", repeat=size)):
        stored = col.decks.name(col.decks.id(name))
        assert stored == anki_deck_name(name), name
        assert (stored == name) == (_problems({"deck": name}) == []), name
        _clear(col)


COLON_TAGS = ["".join(chars) for size in range(1, 8) for chars in itertools.product("a:", repeat=size)]


@pytest.mark.slow
def test_deckbook_predicts_the_tag_anki_stores_and_refuses_every_one_it_would_change(col):
    note = col.new_note(col.models.by_name("Basic"))
    note["Front"] = "tags"
    col.add_note(note, 1)
    refused = {message.split("'")[1] for message in _problems(_tagged(*([tag] for tag in COLON_TAGS)))}
    tag_schema = jsonschema.Draft202012Validator(
        json_schema()["properties"]["questions"]["items"]["properties"]["tags"]["items"])
    for tag in COLON_TAGS:
        assert tag_schema.is_valid(tag) == (tag not in refused), tag
        note = col.get_note(note.id)
        note.tags = [tag]
        col.update_note(note)
        stored = col.get_note(note.id).tags
        if tag not in refused:
            assert stored == [tag], tag
        elif ":::" not in tag:  # with ':::' Anki changes it, or not, by the tags it met before
            assert stored == [anki_tag(tag)] != [tag], tag
    for tag in ("Caf\u00e9", NFD_CAFE, "x\ty", "Py\u200bthon", "q\"r", "a:::b"):
        col.tags.clear_unused_tags()
        note = col.get_note(note.id)
        note.tags = [tag]
        col.update_note(note)
        assert col.get_note(note.id).tags == [anki_tag(tag)], tag


def test_anki_splits_three_colons_in_a_tag_one_way_to_store_it_and_the_other_to_file_it(col, tmp_path):
    anki = _import_unchecked(col, tmp_path, tags=[["a:"], ["a:::b"]])
    assert anki["tags"] == {"q0": ["a:"], "q1": ["a::::b"]}
    assert _problems(_tagged(["a:"], ["a:::b"])) == [
        "tag 'a:::b' of question 'q1' has ':::', which Anki splits as '::' then ':' when it stores the tag, but "
        "as ':' then '::' when it files it under another; write '::' or ':'"]


# -- what Anki does with each name the validator refuses -----------------------------------------
@pytest.mark.parametrize(("first", "second", "ignored"), [
    ("Python", "Python ", "spaces at either end"),
    ("Café", NFD_CAFE, "how accents are encoded"),
    (" Spaced", "Spaced", "spaces at either end"),
    ("alpha", "ALPHA", "case"),
    ("Straße", "STRASSE", "case"),
    ("Q&A ", "q&a", "spaces at either end and case"),
], ids=["trailing-space", "decomposed", "leading-space", "case", "full-case-folding", "space-and-case"])
def test_two_topic_names_anki_takes_for_one_deck_are_refused(col, tmp_path, first, second, ignored):
    anki = _import_unchecked(col, tmp_path, topics=(first, second))
    assert len(anki["decks"]) == 3
    assert any(name.endswith("_") for name in anki["decks"]), anki["decks"]  # Anki renamed one
    assert _problems(_topics(first, second)) == [
        f"topic name '{second}' and '{first}' on line 3 are one deck name to Anki, which ignores {ignored}; "
        "give each topic its own name"]


@pytest.mark.parametrize(("data", "unchecked", "anki_makes", "message"), [
    (_topics("Line\nBreak"), {"topics": ("Line\nBreak",)}, "Names::LineBreak",
     "topic name 'Line\\nBreak' has a line break or tab; a deck name is one line (Anki would make it "
     "'LineBreak')"),
    (_topics("Tab\there"), {"topics": ("Tab\there",)}, "Names::Tabhere",
     "topic name 'Tab\\there' has a line break or tab; a deck name is one line (Anki would make it 'Tabhere')"),
    (_topics("C++:"), {"topics": ("C++:",)}, "Names::C++",
     "topic name 'C++:' has a ':' at either end (Anki would make it 'C++')"),
    ({"deck": "::"}, {"deck": "::"}, "blank::blank::Topic",
     "deck name '::' has an empty part between '::' (Anki would make it 'blank::blank')"),
    ({"deck": "Interview:: ::Python"}, {"deck": "Interview:: ::Python"}, "Interview::blank::Python::Topic",
     "deck name 'Interview:: ::Python' has an empty part between '::' (Anki would make it "
     "'Interview::blank::Python')"),
    ({"deck": "Interview:::Python"}, {"deck": "Interview:::Python"}, "Interview::Python::Topic",
     "deck name 'Interview:::Python' has a ':' at either end of a part between '::' (Anki would make it "
     "'Interview::Python')"),
    ({"title": "Interview::"}, {"deck": "Interview::"}, "Interview::blank::Topic",
     "title 'Interview::', the deck name as no 'deck' is set, has an empty part between '::' (Anki would "
     "make it 'Interview::blank')"),
], ids=["line-break", "tab", "colon", "only-separator", "blank-part", "three-colons", "title-as-deck"])
def test_a_deck_name_anki_would_change_is_refused(col, tmp_path, data, unchecked, anki_makes, message):
    anki = _import_unchecked(col, tmp_path, **unchecked)
    assert anki["deck of"]["q0"] == anki_makes
    assert _problems(data) == [message]


@pytest.mark.parametrize(("tags", "anki_makes", "message"), [
    ([["a::"]], [["a::blank"]],
     "tag 'a::' of question 'q0' has an empty part between '::'; Anki would make it 'a::blank'"),
    ([["::b"]], [["blank::b"]],
     "tag '::b' of question 'q0' has an empty part between '::'; Anki would make it 'blank::b'"),
    ([["Foo"], ["foo"]], [["Foo"], ["Foo"]],
     "tag 'foo' of question 'q1' is the same to Anki as 'Foo' on line 10 (Anki ignores case); write them alike"),
    ([["Café"], [NFD_CAFE]], [["Café"], ["Café"]],
     f"tag '{NFD_CAFE}' of question 'q1' is the same to Anki as 'Café' on line 10 (Anki ignores how accents "
     "are encoded); write them alike"),
    ([["Bar"], ["bar::y"]], [["Bar"], ["Bar::y"]],
     "tag 'bar::y' of question 'q1' starts with 'bar', which is the same to Anki as 'Bar' on line 10 (Anki "
     "ignores case); write them alike"),
], ids=["empty-last-part", "empty-first-part", "case", "decomposed", "parent-case"])
def test_a_tag_anki_would_change_or_merge_is_refused(col, tmp_path, tags, anki_makes, message):
    anki = _import_unchecked(col, tmp_path, tags=tags)
    assert [anki["tags"][f"q{i}"] for i in range(len(tags))] == anki_makes
    assert _problems(_tagged(*tags)) == [message]


def test_tags_whose_parents_differ_in_case_share_one_parent_in_ankis_tag_tree(col, tmp_path):
    anki = _import_unchecked(col, tmp_path, tags=[["Bar::x"], ["bar::y"]])
    assert anki["tags"] == {"q0": ["Bar::x"], "q1": ["bar::y"]}
    tree = [child for child in col.tags.tree().children if child.name != "deckbook"]
    assert [(node.name, [child.name for child in node.children]) for node in tree] == [("Bar", ["x", "y"])]
    assert _problems(_tagged(["Bar::x"], ["bar::y"])) == [
        "tag 'bar::y' of question 'q1' starts with 'bar', which is the same to Anki as 'Bar' of 'Bar::x' on "
        "line 10 (Anki ignores case); write them alike"]


def test_a_tag_in_deckbooks_own_namespace_files_a_question_under_another_topic(col, tmp_path):
    anki = _import_unchecked(col, tmp_path, topics=("Python", "ML"), tags=[["deckbook::topic::t1"], []])
    found = {col.get_note(nid)["Id"] for nid in col.find_notes("tag:deckbook::topic::t1")}
    assert found == {"q0", "q1"}
    assert anki["deck of"]["q0"] == "Names::Python"
    assert _problems(_tagged(["deckbook::topic::t0", "Deckbook::Difficulty::easy", "deckbookish"])) == [
        f"tag '{tag}' of question 'q0' is in the 'deckbook::' namespace, where deckbook tags each question's "
        "topic and difficulty itself; choose another tag" for tag in ("deckbook::topic::t0",
                                                                     "Deckbook::Difficulty::easy")]


def test_anki_keeps_invisible_characters_so_two_names_look_the_same_and_are_refused(col, tmp_path):
    anki = _import_unchecked(col, tmp_path, topics=("Python", "Py\u200bthon", "\u202efdp.exe"),
                             tags=[["Go"], ["G\u200bo"], []])
    assert anki["decks"] == {"Names", "Names::Python", "Names::Py\u200bthon", "Names::\u202efdp.exe"}
    assert anki["tags"]["q1"] == ["G\u200bo"]
    assert _problems({**_topics("Python", "Py\u200bthon", "\u202efdp.exe"),
                      "title": "Na\u2060mes", "namespace": "names\u200e"}) == [
        "title has U+2060 (WORD JOINER), an invisible character; remove it: a name must look like what it is",
        "the name of topic 't1' has U+200B (ZERO WIDTH SPACE), an invisible character; remove it: a name must "
        "look like what it is",
        "the name of topic 't2' has U+202E (RIGHT-TO-LEFT OVERRIDE), an invisible character that reorders the "
        "text around it; remove it: a name must look like what it is",
        "namespace has U+200E (LEFT-TO-RIGHT MARK), an invisible character that reorders the text around it; "
        "remove it: a name must look like what it is"]


def test_joiners_between_two_non_ascii_characters_are_part_of_the_name():
    assert hidden_characters("می\u200cخواهم \U0001F469\u200d\U0001F4BB क्\u200dष") == []
    assert hidden_characters("Py\u200dthon \u200c\u00e9 \u00e9\u200d") == ["\u200d", "\u200c", "\u200d"]


def test_names_anki_keeps_apart_arrive_in_anki_as_written(runner, col, tmp_path):
    bank = load_bank(NAMES)
    out = tmp_path / "names.apkg"
    assert runner.invoke(cli, ["anki", str(NAMES), "-o", str(out)]).exit_code == 0
    import_package(col, out)
    decks = {deck.name for deck in col.decks.all_names_and_ids()} - {"Default"}
    assert decks == {"Interview", bank.deck, *(f"{bank.deck}::{topic.ordinal}. {topic.name}" for topic in bank.topics)}
    for question in bank.questions:
        (nid,) = col.find_notes(f'"Id:{question.id}"')
        assert sorted(col.get_note(nid).tags) == sorted(
            [*question.tags, f"deckbook::topic::{question.topic}"]), question.id


# -- invisible characters in texts, escaped names on the terminal --------------------------------
def test_invisible_characters_in_texts_are_warnings(runner, tmp_path):
    bank_file = tmp_path / "texts.yaml"
    bank_file.write_text(
        'title: Texts\nsubtitle: "Hidden\\u200b"\ntopics: {a: A}\nquestions:\n'
        '- {id: q, topic: a, question: "Is \\u202eit\\u202c safe?", answer: "\\U0001F469\\u200d\\U0001F4BB fine",'
        ' mistakes: ["a\\u200db"]}\n', encoding="utf-8")
    result = runner.invoke(cli, ["validate", str(bank_file)])
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        f"{bank_file}:2:11: warning: subtitle has the invisible character U+200B (ZERO WIDTH SPACE): the card "
        "keeps it, the PDF drops it; remove it unless it is meant",
        f"{bank_file}:5:31: warning: 'question' of question 'q' has the invisible characters U+202E "
        "(RIGHT-TO-LEFT OVERRIDE) and 1 more: the card keeps them, the PDF drops them; remove them unless "
        "they are meant",
        f"{bank_file}:5:112: warning: a mistake of question 'q' has the invisible character U+200D (ZERO WIDTH "
        "JOINER): the card keeps it, the PDF drops it; remove it unless it is meant",
    ]


def test_validate_prints_the_summary_escaped_never_a_raw_control_character(runner, tmp_path):
    bank_file = tmp_path / "evil\x1b[2J\u202e.yaml"
    bank_file.write_text(NAMES.read_text(encoding="utf-8"), encoding="utf-8")
    result = runner.invoke(cli, ["validate", str(bank_file)])
    assert result.exit_code == 0, result.output
    escaped = str(tmp_path / "evil\\x1b[2J\\u202e.yaml")
    assert result.stdout == (f"{escaped}: valid: 6 questions in 6 topics (Cafe 1, Café 1, می\u200cخواهم 1, "
                             "C++ 1, a:b 1, Ελληνικά 1)\n")
    bank_file.write_text("title: [\n", encoding="utf-8")
    assert runner.invoke(cli, ["validate", str(bank_file)]).stderr.startswith(f"{escaped}:2:1: error: ")


# -- file names -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("title", "slug"), [
    ("\u33af" * 200, "rads2" * 40),  # NFKD makes each "㎯" five letters, one word
    ("½ " * 100, "-".join(["12"] * 67)),  # "1⁄2": cut after the last whole word
    ("Interview Questions & Model Answers", "interview-questions-model-answers"),
    ("東京", "deck"),
])
def test_the_file_name_stem_is_cut_at_a_word_after_normalisation(title, slug):
    bank = load_bank(None, f"title: '{title}'\ntopics: {{a: A}}\nquestions:\n- {{id: q, topic: a, question: Q, "
                           "answer: A}\n".encode())
    assert bank.slug == slug
    assert len(slug) <= MAX_SLUG_CHARS


@pytest.mark.slow
def test_a_title_that_normalisation_makes_long_still_builds_every_artifact(runner, tmp_path):
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "questions.yaml").write_text(
        f"title: {chr(0x33af) * 200}\ntopics: {{a: A}}\nquestions:\n- {{id: q, topic: a, question: Q, answer: A}}\n",
        encoding="utf-8")
    (folder / "deckbook.toml").write_text("".join(f'[[artifact]]\nformat = "{name}"\n'
                                                  for name in ("apkg", "booklet", "cards", "worksheet")))
    result = runner.invoke(cli, ["build", str(folder / "questions.yaml"), "--out", str(folder / "dist")])
    assert result.exit_code == 0, result.output
    names = sorted(path.name for path in (folder / "dist").iterdir())
    stem = "rads2" * 40
    assert names == sorted(["SHA256SUMS", "manifest.json", f"{stem}.apkg", f"{stem}.pdf", f"{stem}-cards.pdf",
                            f"{stem}-worksheet.pdf"])
    assert max(len(f".{name}.XXXXXXXX.tmp".encode()) for name in names) <= 255


def test_the_schema_file_is_the_one_deckbook_prints():
    assert json.loads((ROOT / "questions.schema.json").read_text()) == json_schema()
