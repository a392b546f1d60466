"""The ``deckbook`` command's entry point, also ``python -m deckbook``.

Ctrl-C exits 130 and SIGTERM 143, without a traceback, from the first import on. While the
command line is imported, a signal is only recorded (Python may run a handler inside the
import machinery's own clean-up, where an exception is printed and then lost) and acted on
once the imports are done; from then on it stops the command where it is, which removes its
temporary files. Another signal while it stops is let pass, so the clean-up finishes.
"""

import os
import signal
import sys

from deckbook import Terminated

_STATUS = {signal.SIGINT: 130, signal.SIGTERM: 143}


def main() -> None:
    """Run the deckbook command line."""
    received: list[int] = []
    for signum in _STATUS:
        signal.signal(signum, lambda signum, frame: received.append(signum))
    from deckbook.cli import cli

    if received:
        _abort(_STATUS[received[0]])
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _terminate)
    try:
        cli.main(prog_name="deckbook")
    except SystemExit as exc:
        if exc.code in _STATUS.values():
            _end(exc.code)
        raise


def _abort(status: int) -> None:
    sys.stderr.write("\nAborted!\n")
    _end(status)


def _end(status: int) -> None:
    """Exit with *status* now that the clean-up is done. Not by SystemExit: CPython ends a process
    in which a KeyboardInterrupt once left Python code run from C (an extension's import does
    that) by killing itself with SIGINT, whatever status it was asked for."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def _interrupt(signum: int, frame: object) -> None:
    _stopping()
    raise KeyboardInterrupt


def _terminate(signum: int, frame: object) -> None:
    _stopping()
    raise Terminated


def _stopping() -> None:
    for signum in _STATUS:
        signal.signal(signum, _let_pass)


def _let_pass(signum: int, frame: object) -> None:
    """deckbook is stopping already: the clean-up under way is what this signal asks for."""


if __name__ == "__main__":
    main()
