"""The project file, deckbook.toml, and the booklet style: loading, checking, and where problems are."""

import shutil
import tomllib
from importlib.resources import files
from pathlib import Path

import pytest

from deckbook.bank import load_bank
from deckbook.pdfkit.style import StyleError, load_style, parse_grid
from deckbook.project import ProjectError, Selection, load_project
from deckbook.tomlfile import MAX_FILE_BYTES, TomlError, read_toml
from conftest import BUNDLED, ROOT, TESTS

PROJECTS = TESTS / "projects"
INVALID = sorted((PROJECTS / "invalid").glob("*.toml"))
CHECK = sorted((PROJECTS / "check").glob("*.toml"))
STYLE_FILE = ROOT / "styles" / "booklet.toml"
FIRA = Path(str(files("fontpkg_fira_sans").joinpath("files/FiraSans-Regular.ttf")))


def _expected(path):
    """The lines a corpus file says it must print: its '# expect: ' lines, prefixed by the file."""
    text = path.read_bytes().decode("utf-8", "replace")
    return [f"{path}:{line.removeprefix('# expect: ')}" for line in text.splitlines()
            if line.startswith("# expect: ")]


def _project(tmp_path, text, name="deckbook.toml"):
    """A project file in *tmp_path* beside a copy of the bundled bank."""
    shutil.copy(BUNDLED, tmp_path / "questions.yaml")
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- invalid project files -------------------------------------------------------------------
@pytest.mark.parametrize("project_file", INVALID, ids=lambda path: path.stem)
def test_invalid_project_reports_every_problem_located(project_file):
    with pytest.raises(ProjectError) as caught:
        load_project(project_file)
    assert [str(problem) for problem in caught.value.problems] == _expected(project_file)


def test_every_invalid_project_expects_at_least_one_error():
    assert len(INVALID) >= 15
    for project_file in INVALID:
        assert _expected(project_file), project_file


def test_a_typo_in_an_artifact_key_is_one_message_with_a_suggestion():
    problems = [str(problem) for problem in _problems(PROJECTS / "invalid" / "unknown-key.toml")]
    assert problems[0].endswith(":3:1: error: unknown key 'formt' in artifact 1; did you mean 'format'?")


def _problems(path):
    with pytest.raises(ProjectError) as caught:
        load_project(path)
    return caught.value.problems


def test_project_error_is_an_input_error_sorted_by_position():
    problems = _problems(PROJECTS / "invalid" / "many-problems.toml")
    assert len(problems) == 6
    assert problems == sorted(problems)
    assert {problem.line for problem in problems} == {2, 5, 6, 9, 13, 14}


# -- valid project files ---------------------------------------------------------------------
def test_the_contract_example_loads_with_normalised_options(tmp_path):
    path = _project(tmp_path, (PROJECTS / "valid" / "contract.toml").read_text(encoding="utf-8"))
    project = load_project(path)
    assert project.path == path
    assert project.bank == tmp_path / "questions.yaml"
    assert project.out == tmp_path / "dist"
    apkg, booklet, cards, worksheet = project.artifacts
    assert [spec.format for spec in project.artifacts] == ["apkg", "booklet", "cards", "worksheet"]
    assert [(spec.line, spec.column) for spec in project.artifacts] == [(9, 1), (11, 1), (14, 1), (20, 1)]
    assert dict(booklet.options) == {"page_size": "letter"}
    assert dict(cards.options) == {"grid": "3x3", "flip": "short-edge"}
    assert cards.name == "python-cards"
    assert cards.selection == Selection(topics=("python",))
    assert worksheet.selection == Selection(difficulty=("hard",))
    assert apkg.selection.empty and not cards.selection.empty
    assert project.style["labels"]["footer"] == "SEITE {page} VON {pages} · {questions} INSGESAMT"
    assert project.style["sizes"]["body"] == "11pt"
    assert project.style["sizes"]["code"] == "8.4pt"  # the rest of [sizes] from the style file


def test_the_contract_example_names_its_files_by_the_bank(tmp_path):
    project = load_project(_project(tmp_path, (PROJECTS / "valid" / "contract.toml").read_text(encoding="utf-8")))
    bank = load_bank(project.bank)
    assert [spec.file_name(bank) + spec.suffix for spec in project.artifacts] == [
        "interview-questions-model-answers.apkg", "interview-questions-model-answers.pdf",
        "python-cards.pdf", "interview-questions-model-answers-worksheet.pdf"]
    assert project.artifacts[3].file_name(bank) == "interview-questions-model-answers-worksheet"


def test_the_contract_example_checked_with_the_bundled_bank_selects_no_hard_question(tmp_path):
    project = load_project(_project(tmp_path, (PROJECTS / "valid" / "contract.toml").read_text(encoding="utf-8")))
    problems = project.check(load_bank(project.bank))
    assert [str(problem) for problem in problems] == [
        f"{project.path}:22:1: error: artifact 4 selects no question: none has difficulty hard"]


def test_an_empty_project_builds_the_deck_and_the_booklet_in_the_default_style():
    project = load_project(PROJECTS / "valid" / "empty.toml")
    assert (project.bank, project.out) == (None, None)
    assert [spec.format for spec in project.artifacts] == ["apkg", "booklet"]
    assert all(spec.selection.empty and not spec.options and spec.name is None for spec in project.artifacts)
    assert project.style == load_style()
    assert project.check(load_bank(BUNDLED)) == []


def test_inline_tables_quoted_keys_and_super_tables_load():
    project = load_project(PROJECTS / "valid" / "inline.toml")
    booklet, cards = project.artifacts
    assert dict(booklet.options) == {"page_size": "a4"}
    assert dict(cards.options) == {"grid": "2x2"}
    assert cards.selection == Selection(topics=("ml", "llm"), tags=("metrics", "sampling"))
    assert (cards.line, cards.column) == (4, 3)
    assert project.style["labels"]["question"] == "Frage {number}"
    assert project.style["labels"]["questions"] == ["Frage", "Fragen"]
    assert project.style["colors"]["accent"] == "#000000"
    assert project.style["colors"]["text"] == "#1a1a1a"
    assert project.style["code_tokens"]["Name.Builtin"] == {"italic": True}  # a token style is replaced whole
    assert project.check(load_bank(BUNDLED)) == []


def test_a_font_family_beside_the_project_gets_absolute_paths(tmp_path):
    (tmp_path / "fonts").mkdir()
    shutil.copy(FIRA, tmp_path / "fonts" / "MyFont-Regular.ttf")
    path = _project(tmp_path, '[style]\n'
                              'fonts.families.notes = { regular = "fonts/MyFont-Regular.ttf" }\n'
                              'fonts.fallback = ["fira-sans", "notes"]\n')
    style = load_project(path).style
    assert style["fonts"]["families"]["notes"] == {"regular": str(tmp_path / "fonts" / "MyFont-Regular.ttf")}
    assert Path(style["fonts"]["families"]["notes"]["regular"]).is_absolute()
    assert style["fonts"]["fallback"] == ["fira-sans", "notes"]
    assert style["fonts"]["families"]["fira-sans"]["package"] == "fontpkg_fira_sans"


def test_a_family_of_the_project_replaces_the_style_files_family_whole(tmp_path):
    (tmp_path / "fonts").mkdir()
    shutil.copy(FIRA, tmp_path / "fonts" / "Sans.ttf")
    path = _project(tmp_path, '[style.fonts.families.fira-sans]\nregular = "fonts/Sans.ttf"\nindex = 0\n')
    family = load_project(path).style["fonts"]["families"]["fira-sans"]
    assert family == {"regular": str(tmp_path / "fonts" / "Sans.ttf"), "index": 0}


@pytest.mark.parametrize("project_file", CHECK, ids=lambda path: path.stem)
def test_check_reports_what_the_bank_lacks_located_in_the_project(project_file):
    project = load_project(project_file)
    problems = project.check(load_bank(BUNDLED))
    assert [str(problem) for problem in problems] == _expected(project_file)


def test_a_selection_keeps_the_full_booklets_numbers_and_the_bank_order():
    bank = load_bank(BUNDLED)
    selected = Selection(topics=("ml",), difficulty=("medium",)).apply(bank).questions
    assert [question.number for question in selected] == [9, 10, 11]  # python's 8 questions come first
    both = Selection(topics=("python", "testing"), tags=("resources", "pytest"))  # OR within, AND across
    assert [question.id for question in both.apply(bank).questions] == [
        "try-except-finally", "pytest-unit-tests", "context-managers"]
    assert Selection().apply(bank) is bank


# -- the booklet style -----------------------------------------------------------------------
def test_load_style_without_overrides_is_exactly_the_style_file():
    assert load_style() == tomllib.loads(STYLE_FILE.read_text(encoding="utf-8"))


def test_load_style_merges_a_plain_mapping_without_touching_the_rest():
    style = load_style({"sizes": {"body": "11pt"}, "labels": {"questions": ["Frage", "Fragen"]}})
    base = tomllib.loads(STYLE_FILE.read_text(encoding="utf-8"))
    assert style["sizes"] == {**base["sizes"], "body": "11pt"}
    assert style["labels"]["questions"] == ["Frage", "Fragen"]
    assert load_style() == base  # nothing shared, nothing changed


def test_a_broken_style_file_is_reported_in_that_file(tmp_path):
    text = STYLE_FILE.read_text(encoding="utf-8")
    broken = (text.replace('body = "10.3pt"', 'body = "10.3"')
                  .replace('footer = "PAGE {page} OF {pages} · {questions} TOTAL"', 'footer = "PAGE {page}"')
                  .replace('toc = "11pt"\n', "")
                  .replace('text = "#1a1a1a"', 'text = "#1a1a1"'))
    assert broken.count("\n") == text.count("\n") - 1
    path = tmp_path / "booklet.toml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(StyleError) as caught:
        load_style(base=path)
    lines = broken.splitlines()
    body = lines.index('body = "10.3"') + 1
    footer = lines.index('footer = "PAGE {page}"') + 1
    colour = lines.index('text = "#1a1a1"') + 1
    sizes = lines.index("[sizes]") + 1
    assert [str(problem) for problem in caught.value.problems] == [
        f"{path}:{colour}:8: error: colors.text must be a colour \"#rrggbb\" (six hex digits, as in "
        "\"#1a1a1a\"), not '#1a1a1'",
        f"{path}:{sizes}:2: error: [sizes] has no 'toc'",
        f"{path}:{body}:8: error: length '10.3' of sizes.body needs a unit: pt, mm, cm or in",
        f"{path}:{footer}:10: error: labels.footer must contain {{pages}}",
    ]


def test_a_style_file_with_a_syntax_error_is_one_located_problem(tmp_path):
    path = tmp_path / "booklet.toml"
    path.write_text("[page]\ninner_margin = 26mm\n", encoding="utf-8")
    with pytest.raises(StyleError) as caught:
        load_style(base=path)
    assert [str(problem) for problem in caught.value.problems] == [
        f'{path}:2:16: error: TOML syntax: a length needs quotes, as in "26mm"']


def test_errors_in_both_files_are_reported_together(tmp_path):
    base = tmp_path / "booklet.toml"
    base.write_text(STYLE_FILE.read_text(encoding="utf-8").replace('grid = "2x4"', 'grid = "2x9"'),
                    encoding="utf-8")
    project = read_toml(_project(tmp_path, '[style]\nsizes.body = "11"\n'))
    with pytest.raises(StyleError) as caught:
        load_style(project.table("style"), base=base)
    assert {problem.path for problem in caught.value.problems} == {str(base), str(project.path)}


@pytest.mark.parametrize(("value", "grid"), [("2x4", (2, 4)), ("3X3", (3, 3)), ("8x8", (8, 8)),
                                            ("0x4", None), ("9x1", None), ("3 by 3", None), ("", None)])
def test_parse_grid(value, grid):
    assert parse_grid(value) == grid


# -- TOML with positions ---------------------------------------------------------------------
def test_read_toml_places_every_key_and_value():
    text = ('a."b c".d = 1\n'
            "'e'.f = { g = 1, h = [10, { i = 2 }] }\n"
            "[[t]]\n"
            "x = 'é'\n"
            "[[t]]\n"
            "[t.sub]\n"
            "y = 2\n"
            "[s.u]\n"
            "v = 3\n"
            "[s]\n"
            "w = 'ü'   # comment\n"
            "z = 4\n")
    document = read_toml(Path("x.toml"), text.encode())
    assert document.data == tomllib.loads(text)
    places = {path: (place.key, place.value) for path, place in document.places.items()}
    assert places[("a",)] == ((1, 1), (1, 1))
    assert places[("a", "b c", "d")] == ((1, 9), (1, 13))
    assert places[("e", "f")] == ((2, 5), (2, 9))
    assert places[("e", "f", "h", 1, "i")] == ((2, 29), (2, 33))
    assert places[("t", 0)] == ((3, 1), (3, 1))
    assert places[("t", 0, "x")] == ((4, 1), (4, 5))
    assert places[("t", 1, "sub", "y")] == ((7, 1), (7, 5))
    assert places[("s", "u", "v")] == ((9, 1), (9, 5))
    assert places[("s", "z")] == ((12, 1), (12, 5))
    assert document.table("s").key_at(("z",)) == (12, 1)
    assert document.table("s").dotted(("u", "v")) == "s.u.v"
    assert document.key_at(("s", "nowhere")) == (8, 2)  # the nearest written parent, where first written


def test_read_toml_counts_columns_in_characters():
    document = read_toml(Path("x.toml"), '"ä" = "é"\n"ü ö" = { k = "x" }\n'.encode())
    assert document.places[("ä",)].value == (1, 7)
    assert document.places[("ü ö", "k")].key == (2, 11)


@pytest.mark.parametrize(("data", "expected"), [
    (b"a = 1\n" * (MAX_FILE_BYTES // 6 + 1), "x.toml:1:1: error: the file is larger than 1024 KiB; "
                                              "a settings file is a few lines"),
    ("a = 1\n".encode("utf-16"), "x.toml:1:1: error: the file is UTF-16 or UTF-32 (it starts with their "
                                 "byte-order mark); save it as UTF-8"),
    (b'a = 1\nb = "\xff"\n', "x.toml:2:6: error: byte 0xff is not UTF-8; save the file as UTF-8"),
    (b"a = 1\na = 2\n", "x.toml:2:1: error: TOML syntax: key 'a' is written twice; the first is on line 1"),
    (b'a = 1\nb = "x\n', "x.toml:2:7: error: TOML syntax: the quote opened on this line is never closed"),
    (b"a = 1\nb = 'x\n", "x.toml:2:1: error: TOML syntax: the file ends inside this statement (expected \"'\"); "
                         "is a quote or bracket left open?"),
    (b"[page]\nmargin = 26mm\n", 'x.toml:2:10: error: TOML syntax: a length needs quotes, as in "26mm"'),
], ids=["too-large", "utf-16", "not-utf-8", "twice", "unclosed-quote", "unclosed-literal", "length"])
def test_read_toml_rejects_what_is_not_a_toml_file(data, expected):
    with pytest.raises(TomlError) as caught:
        read_toml(Path("x.toml"), data)
    assert [str(problem) for problem in caught.value.problems] == [expected]


def test_read_toml_takes_a_utf8_byte_order_mark():
    assert read_toml(Path("x.toml"), "\ufeffa = 1\n".encode()).data == {"a": 1}
