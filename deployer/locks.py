"""Exclusive locks on local files, across processes: `fcntl.flock` on a `<file>.lock` beside it.

Every read-modify-write of a file under `.deployer/` (the embedded tenant's state, the generated
secrets) happens under one, so two processes never write back what they read before the other's
change (a lost update). flock is released by the kernel when the process dies, `kill -9`
included, so a crash never leaves a stale lock behind; it works on Linux and macOS (this tool
does not run on Windows). The lock file holds the holder's pid and command, for the message a
waiting process prints.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from .errors import DeployerError

# Writers hold a lock for one request or one file write (milliseconds); a holder this slow is
# stuck, or is another process's long critical section that we should not wait out silently.
DEFAULT_TIMEOUT = 60.0
NOTICE_AFTER = 1.0
_POLL = 0.02


class LockTimeoutError(DeployerError):
    """Another process kept a local lock for too long."""


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def _holder(lock: Path) -> str:
    try:
        text = lock.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        text = ""
    return text or "another process"


class FileLock:
    """A re-entrant (per object, across threads of this process: one at a time) flock.

    `on_acquire` runs each time the outermost acquire succeeds: the place to reload the file
    if another process changed it.
    """

    def __init__(
        self,
        path: Path,
        *,
        what: str,
        timeout: float = DEFAULT_TIMEOUT,
        notify: Callable[[str], None] = _stderr,
        on_acquire: Callable[[], None] | None = None,
    ) -> None:
        self.path = path
        self.lock_file = lock_path(path)
        self.what = what
        self.timeout = timeout
        self.notify = notify
        self.on_acquire = on_acquire
        self._thread_lock = threading.RLock()
        self._depth = 0
        self._fd: int | None = None

    def __enter__(self) -> FileLock:
        self._thread_lock.acquire()
        try:
            if self._depth == 0:
                self._fd = self._take()
                try:
                    if self.on_acquire is not None:
                        self.on_acquire()
                except BaseException:
                    self._give_back()
                    raise
            self._depth += 1
        except BaseException:
            self._thread_lock.release()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self._depth -= 1
            if self._depth == 0:
                self._give_back()
        finally:
            self._thread_lock.release()

    # RLock's interface, so the lock can stand where a threading.RLock was expected.
    def acquire(self) -> bool:
        self.__enter__()
        return True

    def release(self) -> None:
        self.__exit__(None, None, None)

    def _take(self) -> int:
        self.lock_file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_file, os.O_RDWR | os.O_CREAT, 0o600)
        start = time.monotonic()
        noticed = False
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    waited = time.monotonic() - start
                    if waited >= self.timeout:
                        raise LockTimeoutError(
                            f"{self.what} ({self.path}) is still locked by "
                            f"{_holder(self.lock_file)} after {waited:.0f}s; if that process "
                            "is stuck, stop it, then try again"
                        ) from None
                    if not noticed and waited >= NOTICE_AFTER:
                        self.notify(
                            f"waiting for {_holder(self.lock_file)} to finish with "
                            f"{self.what} ({self.path}) ..."
                        )
                        noticed = True
                    time.sleep(_POLL)
            holder = f"pid {os.getpid()} ({_command()})".encode()
            os.pwrite(fd, holder, 0)
            # Cut what a longer previous holder left, only then: truncating to nothing and
            # writing again cost ~0.1 ms of CPU per lock (the file system frees and allocates
            # its block), on every request to an emulated tenant with a state file.
            if os.fstat(fd).st_size > len(holder):
                os.ftruncate(fd, len(holder))
            return fd
        except BaseException:
            os.close(fd)
            raise

    def _give_back(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the descriptor releases the flock


def _command() -> str:
    args = [Path(sys.argv[0]).name, *sys.argv[1:3]] if sys.argv and sys.argv[0] else ["python"]
    return " ".join(args)


@contextlib.contextmanager
def locked(path: Path, *, what: str, timeout: float = DEFAULT_TIMEOUT) -> Iterator[None]:
    """Hold `path`'s lock for one read-modify-write."""
    with FileLock(path, what=what, timeout=timeout):
        yield
