"""The bundled bank says what its source page says, word for word."""

import re
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).resolve().parent
BANK = HERE.parent / "questions.yaml"
SEED = HERE / "data" / "seed-page.txt"  # text extracted from the source PDF, verbatim
PARTS = ("answer", "explanation", "example", "mistakes", "story")

# What the PDF extraction lost besides commas, quotes and backticks (which the comparison
# ignores): (text in the seed, text in the bank). Each seed text occurs exactly once.
RESTORATIONS = (
    # the space before "&" in the title
    ("Interview Questions& Model Answers", "Interview Questions & Model Answers"),
    # everything from "<" to ">" was dropped as if it were an HTML tag
    (
        "Temperature1 flattens it",
        "Temperature<1 sharpens it (more focused, more deterministic). Temperature>1 flattens it",
    ),
)


def _normalize(text):
    """Drop what the transcription may add or restore (markup, commas, quotes)."""
    return " ".join(re.sub(r"[`,'\"]", "", text).split())


def _sentences(paragraph):
    return re.split(r"(?<=\.) (?=[A-Z])", paragraph)


@pytest.fixture(scope="module")
def bank():
    return yaml.safe_load(BANK.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def seed():
    """Title, subtitle and one five-paragraph list per question, restorations applied."""
    text = SEED.read_text(encoding="utf-8")
    for lost, restored in RESTORATIONS:
        assert text.count(lost) == 1, lost
        text = text.replace(lost, restored)
    title, subtitle, *body, footer = text.splitlines()
    assert footer.startswith("PAGE ")
    assert len(body) % len(PARTS) == 0
    return title, subtitle, [body[i : i + len(PARTS)] for i in range(0, len(body), len(PARTS))]


def test_title_and_subtitle_are_the_seed_pages(bank, seed):
    assert (bank["title"], bank["subtitle"]) == seed[:2]


def test_bank_holds_every_seed_question_with_all_five_parts(bank, seed):
    assert len(bank["questions"]) == len(seed[2]) == 15
    for question in bank["questions"]:
        assert all(question.get(part) for part in PARTS), question["id"]
        assert isinstance(question["mistakes"], list), question["id"]


def test_every_question_title_is_a_question_and_every_id_unique(bank):
    assert all(q["question"].strip().endswith("?") for q in bank["questions"])
    ids = [q["id"] for q in bank["questions"]]
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("index", range(15))
def test_question_text_is_the_seeds_word_for_word(bank, seed, index):
    question, paragraphs = bank["questions"][index], seed[2][index]
    parts = [question[part] for part in PARTS]
    parts[PARTS.index("mistakes")] = " ".join(question["mistakes"])
    assert _normalize(" ".join(parts)) == _normalize(" ".join(paragraphs))
    # one list item per sentence of the seed's mistakes paragraph
    mistakes = _sentences(paragraphs[PARTS.index("mistakes")])
    assert [_normalize(m) for m in question["mistakes"]] == [_normalize(m) for m in mistakes]


def test_no_literal_asterisk_or_underscore_pair_outside_inline_code(bank):
    """`*args` and `__name__` outside backticks would render as italics or bold."""
    for question in bank["questions"]:
        texts = [question[part] for part in PARTS if part != "mistakes"] + question["mistakes"]
        for text in [question["question"], *texts]:
            assert text.count("`") % 2 == 0, text
            prose = re.sub(r"`[^`]*`", "", text)
            assert "*" not in prose and "__" not in prose, text
