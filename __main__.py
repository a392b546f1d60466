"""``python -m deckbook``: the same as the ``deckbook`` command."""

from deckbook.cli import main

main()
