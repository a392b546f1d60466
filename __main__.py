"""The ``deckbook`` command's entry point, also ``python -m deckbook``.

Ctrl-C exits 130 and SIGTERM 143, without a traceback, from the first import on: the command
line is imported only once both are handled.
"""

import signal
import sys

from deckbook import Terminated


def main() -> None:
    """Run the deckbook command line."""
    signal.signal(signal.SIGTERM, _terminate)
    try:
        from deckbook.cli import cli

        cli.main(prog_name="deckbook")
    except KeyboardInterrupt as exc:  # before the command line took over: while importing
        sys.stderr.write("\nAborted!\n")
        sys.exit(143 if isinstance(exc, Terminated) else 130)


def _terminate(signum: int, frame: object) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second one must not cut the clean-up short
    raise Terminated


if __name__ == "__main__":
    main()
