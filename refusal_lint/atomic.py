"""Replace a file all at once: a reader (or a Ctrl-C) never sees it half-written.

The new content goes to a temporary file in the target's directory, is flushed to disk,
then renamed over the target (`os.replace`, atomic on POSIX and Windows). Whatever
happens, including `KeyboardInterrupt`, no temporary file is left behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def replace_file(
    target: Path, data: bytes, mode: int, still_valid: Callable[[], bool] = lambda: True
) -> bool:
    """Write `data` to `target` with permission bits `mode`; False, writing nothing, if
    `still_valid()` (asked just before the rename) says no. OSError propagates."""
    handle, temporary = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".refusal-lint", dir=target.parent
    )
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())  # on disk before the rename, so a crash cannot empty it
        os.chmod(temporary, mode)
        if not still_valid():
            _remove(temporary)
            return False
        os.replace(temporary, target)
    except BaseException:  # an OS error or Ctrl-C: the target is untouched
        _remove(temporary)
        raise
    return True


def _remove(temporary: str) -> None:
    with contextlib.suppress(FileNotFoundError):  # already renamed onto the target
        os.unlink(temporary)
