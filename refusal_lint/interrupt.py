"""Ctrl-C always ends the run (exit 130), even when code in progress loses the interrupt.

Python raises `KeyboardInterrupt` wherever the main thread happens to be. Code that catches
it by accident, or whose cleanup raises another exception instead (libcst, interrupted
while building its metadata, turned one into a `KeyError`, which the fixer then reported as
an internal error and went on), loses it. While a command runs, SIGINT also sets a flag;
`check()` at each file boundary, and the end of the command, raise it again.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

_received = threading.Event()


@contextlib.contextmanager
def sticky() -> Iterator[None]:
    """For the duration of a command: a Ctrl-C is never lost."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread receives signals
        return
    _received.clear()
    previous = signal.signal(signal.SIGINT, _on_sigint)
    try:
        yield
    except KeyboardInterrupt:
        raise
    except BaseException:  # an exit or an error that may stand for a lost interrupt
        check()
        raise
    else:
        check()
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)


def check() -> None:
    """Raise `KeyboardInterrupt` if Ctrl-C was pressed since the command started."""
    if _received.is_set():
        raise KeyboardInterrupt


def _on_sigint(signum: int, frame: FrameType | None) -> None:
    _received.set()
    raise KeyboardInterrupt
