"""Replace a file all at once: a reader (or a Ctrl-C) never sees it half-written.

The new content goes to a temporary file in the target's directory, is flushed to disk,
then renamed over the target (`os.replace`, atomic on POSIX and Windows). Ctrl-C is held
until that is done or undone, so no temporary file is ever left behind.
"""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path


def replace_file(
    target: Path, data: bytes, mode: int, still_valid: Callable[[], bool] = lambda: True
) -> bool:
    """Write `data` to `target` with permission bits `mode`; False, writing nothing, if
    `still_valid()` (asked just before the rename) says no. OSError propagates."""
    with _ctrl_c_held():
        handle, temporary = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".refusal-lint", dir=target.parent
        )
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())  # on disk before the rename: a crash cannot empty it
            os.chmod(temporary, mode)
            if not still_valid():
                _remove(temporary)
                return False
            os.replace(temporary, target)
        except BaseException:  # the target is untouched
            _remove(temporary)
            raise
    return True


@contextlib.contextmanager
def _ctrl_c_held() -> Iterator[None]:
    """SIGINT waits until the block ends, then acts as it would have: a Ctrl-C landing
    between creating the temporary file and the `try` that removes it would leave it."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread receives signals
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)
        if caught and callable(previous):
            previous(signal.SIGINT, None)  # Python's default handler: KeyboardInterrupt
        elif caught and previous in (signal.SIG_DFL, None):
            os.kill(os.getpid(), signal.SIGINT)


def _remove(temporary: str) -> None:
    with contextlib.suppress(FileNotFoundError):  # already renamed onto the target
        os.unlink(temporary)
