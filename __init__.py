"""deckbook: one YAML question bank in; an Anki deck, a study booklet, flashcards and a worksheet out.

This folder is the ``deckbook`` package: setup.cfg maps the repository root onto it
(``package_dir``), so an installed deckbook adds the one import name ``deckbook`` and the
``deckbook`` command (``deckbook.__main__:main``), and ``python cli.py`` runs from a checkout.
"""

__version__ = "0.1.0"


class Terminated(KeyboardInterrupt):
    """SIGTERM (a cancelled CI job), stopping deckbook the way Ctrl-C does: temporary files are
    removed, earlier artifacts stay as they were."""
