"""Writing a set of files all or nothing, with the permissions the umask gives.

Every output the tool keeps (the report set, ``auditor.diff.json``, the suppressions file,
a snapshot folder) goes through here, so three promises hold in one place:

- **All or nothing.** Every new file is written to a temporary file beside its destination
  first; only then are the old files moved aside and the new ones renamed into place. A
  failure at any step (a full disk, a folder in the way of one name, a second Ctrl-C) puts
  the old files back and removes every temporary file: the folder holds the old set or the
  new set, never a mix, and no ``.tmp`` is left behind.
- **Interrupts wait.** SIGINT and SIGTERM that arrive while the set is written are held
  until it is complete, then delivered (Ctrl-C still ends the run, after the write). A
  second SIGINT does not wait: it aborts the write, which is rolled back as above.
- **The umask decides.** Files are created ``0o666`` and folders ``0o777`` through the
  umask, like any other tool's output (``mkstemp`` would make them ``0600``).

A process killed outright (SIGKILL, power loss) can still leave a ``.<name>.<token>.tmp`` or
``.old`` file; nothing can clean up after that, and they never replace a real file.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import signal
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import FrameType
from typing import IO, TypeVar

_DEFERRED_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_Handler = Callable[[int, FrameType | None], object] | int | signal.Handlers | None
_T = TypeVar("_T")


def temporary_name(path: Path, suffix: str) -> Path:
    """A hidden, unpredictable name beside ``path`` (``.<name>.<token><suffix>``)."""
    return path.with_name(f".{path.name}.{secrets.token_hex(6)}{suffix}")


class _HeldSignals:
    """SIGINT/SIGTERM handlers that note a signal instead of acting on it (see
    :func:`with_signals_held`)."""

    def __init__(self) -> None:
        self.previous: dict[signal.Signals, _Handler] = {}
        self.received: list[int] = []
        self.aborted = False

    def hold(self, signum: int, frame: FrameType | None) -> None:
        if signum == signal.SIGINT and signal.SIGINT in self.received and not self.aborted:
            self.aborted = True  # once: the clean-up that follows is not interrupted again
            raise KeyboardInterrupt
        self.received.append(signum)

    def install(self) -> None:
        for signum in _DEFERRED_SIGNALS:
            # Noted before it is replaced: an interrupt may land inside signal.signal().
            self.previous[signum] = signal.getsignal(signum)
            signal.signal(signum, self.hold)

    def restore(self) -> None:
        self.aborted = True  # from here on every signal waits until its handler is back
        # SIGINT was held first, so it is restored last: none can land in between.
        for signum, handler in reversed(self.previous.items()):
            # None: the handler was not set from Python; the default is the closest match.
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)


def with_signals_held(work: Callable[[], _T], settle: Callable[[], None] | None = None) -> _T:
    """Run ``work`` with SIGINT/SIGTERM held, then ``settle`` (idempotent: it finishes or
    undoes the work from what is on disk), then deliver the first signal received.

    A second SIGINT raises :class:`KeyboardInterrupt` at once, so a stuck write can still be
    stopped; it does so once, wherever it lands in ``work``, and ``settle`` always runs after
    it, never cut short. A function, not a context manager: an interrupt landing between a
    ``__enter__`` and its ``with`` block would leave the handlers installed. Handlers can only
    be set in the main thread; elsewhere the signals are not held.
    """
    if threading.current_thread() is not threading.main_thread():
        try:
            return work()
        finally:
            if settle is not None:
                settle()
    held = _HeldSignals()
    try:
        held.install()
        return work()
    finally:
        held.aborted = True  # first, before any call: nothing below is interrupted
        if settle is not None:
            run_to_the_end(settle)
        run_to_the_end(held.restore)
        if held.received:
            signal.raise_signal(held.received[0])


def make_folder(folder: Path) -> list[Path]:
    """Create ``folder`` and missing parents (umask permissions); returns those created,
    deepest first, so a failed write can remove exactly what it added."""
    missing: list[Path] = []
    current = folder
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    created: list[Path] = []
    try:
        for path in reversed(missing):
            try:
                path.mkdir(mode=0o777)
            except FileExistsError:
                if not path.is_dir():
                    raise
                continue
            created.append(path)
    except BaseException:
        remove_empty_folders(list(reversed(created)))
        raise
    return list(reversed(created))


def remove_empty_folders(folders: list[Path]) -> None:
    """Remove folders this write created (deepest first) if they are still empty."""
    for folder in folders:
        with contextlib.suppress(OSError):
            folder.rmdir()


def create_file(path: Path, data: bytes | Callable[[IO[bytes]], None]) -> None:
    """Create a new file (never an existing one) holding ``data`` (or what ``data`` writes to
    the file), flushed to disk."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    try:
        if callable(data):
            with os.fdopen(fd, "wb", buffering=_BUFFER, closefd=False) as stream:
                data(stream)
        else:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


Content = str | bytes | Callable[[IO[bytes]], None]
"""A file's content: text (written as UTF-8), bytes, or a function writing it to a stream."""
_BUFFER = 1 << 16


def write_files(files: Mapping[Path, Content]) -> list[Path]:
    """Write every file, all or nothing (see the module docstring); returns the paths.

    A function is called to write its file's temporary copy, one file after another, so only
    one is being produced at a time. Raises :class:`OSError` (with nothing changed) when any
    file cannot be written, and whatever a function raises, equally with nothing changed.
    """
    # Encode text first: a text that cannot be written fails before the disk is touched.
    encoded = {
        Path(path): text.encode("utf-8") if isinstance(text, str) else text
        for path, text in files.items()
    }
    with_signals_held(lambda: _write_all(encoded))
    return list(encoded)


def _write_all(encoded: Mapping[Path, bytes | Callable[[IO[bytes]], None]]) -> None:
    created: list[Path] = []
    temporaries: dict[Path, Path] = {}
    try:
        for folder in dict.fromkeys(path.parent for path in encoded):
            created += make_folder(folder)
        for path, data in encoded.items():
            temporary = temporary_name(path, ".tmp")
            temporaries[path] = temporary
            create_file(temporary, data)
        _replace_all(temporaries)
    except BaseException:
        run_to_the_end(lambda: _unlink_all(temporaries.values()))
        run_to_the_end(lambda: remove_empty_folders(created))
        raise


def _replace_all(temporaries: Mapping[Path, Path]) -> None:
    """Move the old files aside, the new ones in; on any failure put the old ones back.

    Each step's names are recorded before the step is taken and the rollback reads what is
    on disk, so an interrupt between a rename and its bookkeeping loses nothing."""
    steps: list[tuple[Path, Path, Path]] = []
    try:
        for path, temporary in temporaries.items():
            if path.is_dir() and not path.is_symlink():
                raise IsADirectoryError(errno.EISDIR, "a folder is in the way", str(path))
            backup = temporary_name(path, ".old")
            steps.append((path, temporary, backup))
            if os.path.lexists(path):
                path.replace(backup)
            temporary.replace(path)
    except BaseException:

        def roll_back() -> None:
            for path, temporary, backup in reversed(steps):
                with contextlib.suppress(OSError):
                    if not os.path.lexists(temporary):  # the new file had been moved in
                        path.unlink(missing_ok=True)
                    if os.path.lexists(backup):
                        backup.replace(path)

        run_to_the_end(roll_back)
        raise
    run_to_the_end(lambda: _unlink_all(backup for _, _, backup in steps))


def _unlink_all(paths: Iterable[Path]) -> None:
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)


def run_to_the_end(step: Callable[[], None]) -> None:
    """Run an idempotent clean-up step to its end even if an interrupt lands in it: the
    step is run again (a write is aborted at most once, see :func:`with_signals_held`), then
    the interrupt goes on."""
    try:
        step()
    except BaseException:
        step()
        raise
