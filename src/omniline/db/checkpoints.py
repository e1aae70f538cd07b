"""SQLite: the write-ahead log is copied into the database file by a thread of its own.

In WAL mode every commit appends the changed pages to the log, and by default the commit that takes the
log past 1,000 pages also copies the log back into the database file and syncs it (a checkpoint).
That commit is the group-commit writer's, which holds the one write lock of the database meanwhile:
measured with `bench/ingest.py`, checkpoints took about a tenth of the writer's time, in bursts that
set the slowest latencies.

Here commits leave checkpoints to `WalCheckpointer`, a thread that runs a PASSIVE checkpoint every
quarter of a second on its own connection. A passive checkpoint waits for no reader and no writer
(it copies what it can), and SQLite does the copying without Python's global lock, so it runs on the
other core while the writer goes on. Should the thread fall behind or be gone, commits still
checkpoint once the log reaches `FALLBACK_AUTOCHECKPOINT_PAGES`.
"""

import logging
import sqlite3
import threading
from contextlib import closing

log = logging.getLogger(__name__)

CHECKPOINT_EVERY_SECONDS = 0.25
FALLBACK_AUTOCHECKPOINT_PAGES = 20_000  # about 80 MB of log before a commit checkpoints by itself


class WalCheckpointer:
    """Checkpoints the SQLite database at `path` in the background until `close`."""

    def __init__(self, path: str, *, every_seconds: float = CHECKPOINT_EVERY_SECONDS) -> None:
        self.path = path
        self.every_seconds = every_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="omniline-wal-checkpoints", daemon=True)
        self.checkpoints = 0  # passive checkpoints that copied every frame of the log

    def start(self) -> "WalCheckpointer":
        self._thread.start()
        return self

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def close(self) -> None:
        """Stop the thread, then copy the whole log back and empty it (TRUNCATE), if no one is using it."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        try:
            # Briefly: another process still using the database keeps its log; it is not ours to wait for.
            with closing(_connect(self.path, timeout=0.2)) as connection:
                connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as error:  # the next opening recovers the log: nothing is lost
            log.warning("final WAL checkpoint of %s failed: %s", self.path, error)

    def _run(self) -> None:
        connection = _connect(self.path)
        try:
            while not self._stop.wait(self.every_seconds):
                try:
                    busy, frames, copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                except sqlite3.Error as error:
                    log.warning("WAL checkpoint of %s failed: %s", self.path, error)
                    continue
                if not busy and frames >= 0 and copied == frames:
                    self.checkpoints += 1
        finally:
            connection.close()


def _connect(path: str, *, timeout: float = 30) -> sqlite3.Connection:
    # Autocommit (a checkpoint cannot run inside a transaction); waits for a lock rather than failing.
    return sqlite3.connect(path, isolation_level=None, timeout=timeout, check_same_thread=False)
