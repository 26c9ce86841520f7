"""``python -m klshuttle`` and the ``klshuttle`` command.

Ctrl-C or SIGTERM while the command line is still being imported ends the
process at once with one line (nothing has been written yet); from then on
:func:`klshuttle.cli.main` handles them.
"""

from __future__ import annotations

import os
import signal
from types import FrameType


def _early_exit(signum: int, frame: FrameType | None) -> None:
    os.write(2, b"terminated\n" if signum == signal.SIGTERM else b"interrupted\n")
    os._exit(128 + signum)


def main() -> None:
    """Run the command line, with one-line exits on signals from the first moment."""
    signal.signal(signal.SIGINT, _early_exit)
    signal.signal(signal.SIGTERM, _early_exit)
    from .cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
