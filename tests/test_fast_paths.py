"""The fast paths read texts exactly as markdown-it and reportlab's parser do."""

import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import check_fast_paths  # noqa: E402


def test_markups_fast_paths_give_the_blocks_markdown_it_gives():
    check_fast_paths.check_markup(20_000)


def test_the_booklets_fast_paths_give_reportlabs_fragments_and_the_same_bytes(tmp_path):
    check_fast_paths.check_pdf(30, tmp_path)
