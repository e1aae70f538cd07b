"""Removing stored files no message refers to (`omniline files sweep`).

A file is stored before the transaction that records the message carrying it: a hook stores the
provider's media and then runs the pipeline, an agent's reply stores its uploads once the channel has
agreed to send. When that transaction fails for good (bad input that passed the store, a rollback),
the file stays on disk with nothing pointing at it. The store is content-addressed, so a failed
transaction cannot delete its files itself: another message may hold the same bytes.

The sweep keeps every file some message's `attachments` names, and every file younger than the grace
period: a file just stored may belong to a transaction still open. Storing bytes that are already
there renews the file's time (`FileStore.save`), so a file a new message is about to use again is
young too; the time is looked at once more just before a file goes.

`omniline serve` sweeps by itself every `OMNILINE_FILES_SWEEP_HOURS` (`run_file_sweeps`); the command
does the same at once. Several processes sweeping the same store do no harm: a file gone is skipped.
"""

import asyncio
import logging
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from omniline.messages.models import Message

if TYPE_CHECKING:
    from omniline.bootstrap import Container

log = logging.getLogger(__name__)

DEFAULT_GRACE_SECONDS = 24 * 3600
# The server's first sweep waits this long after start: not in the way of starting, yet done even when
# the server is restarted more often than it sweeps.
FIRST_SWEEP_DELAY_SECONDS = 600.0
_STORED_NAME = re.compile(r"^[0-9a-f]{64}$")  # what FileStore.save names a file: its SHA-256


@dataclass
class SweepResult:
    kept: int = 0  # files some message refers to, or too young to judge
    removed: list[str] = field(default_factory=list)  # storage keys (or, in a dry run, those that would go)
    freed_bytes: int = 0


def referenced_keys(session: Session) -> set[str]:
    """The storage keys that messages' attachments name, across all tenants."""
    keys: set[str] = set()
    rows = session.execute(select(Message.attachments).execution_options(yield_per=2000))
    for (attachments,) in rows:
        for item in attachments or ():
            if isinstance(item, dict) and item.get("storage_key"):
                keys.add(str(item["storage_key"]))
    return keys


def sweep_orphans(
    container: "Container",
    *,
    grace_seconds: float = DEFAULT_GRACE_SECONDS,
    dry_run: bool = False,
    now: float | None = None,
) -> SweepResult:
    """Remove the container's stored files that no message refers to and that are older than
    `grace_seconds`; with `dry_run`, only say which.

    The references are read in a transaction of their own, ended before the files are looked at: on
    SQLite a transaction holds the write lock, and ingest must not wait for a walk of the file store.
    A message committed after the read that uses an old file's bytes again has renewed the file's time
    (`FileStore.save`), which is looked at just before the file goes."""
    cutoff = (time.time() if now is None else now) - grace_seconds
    with container.uow() as uow:
        referenced = referenced_keys(uow.session)
    result = SweepResult()
    for path, key in _stored_files(container.files.root):
        if key in referenced or _modified(path) > cutoff:
            result.kept += 1
            continue
        size = path.stat().st_size
        if not dry_run:
            if _modified(path) > cutoff:  # stored again since it was first looked at
                result.kept += 1
                continue
            path.unlink(missing_ok=True)
        result.removed.append(key)
        result.freed_bytes += size
    return result


async def run_file_sweeps(container: "Container", *, first_delay: float = FIRST_SWEEP_DELAY_SECONDS) -> None:
    """The background service: a sweep `first_delay` after start, then every `files_sweep_hours`
    (none when that is 0). A failed sweep is logged and the next one tries again."""
    interval = container.settings.files_sweep_hours * 3600
    if interval <= 0:
        return
    await asyncio.sleep(min(first_delay, interval))
    while True:
        try:
            result = await asyncio.to_thread(sweep_orphans, container)
            if result.removed:
                log.info("file sweep removed %d file(s), %d bytes", len(result.removed), result.freed_bytes)
        except Exception:
            log.exception("file sweep failed")
        await asyncio.sleep(interval)


def _stored_files(root: Path) -> Iterator[tuple[Path, str]]:
    """Each stored file and its storage key; half-written temporary files are not stored files."""
    if not root.is_dir():
        return
    for folder, _subfolders, names in os.walk(root):
        for name in names:
            if _STORED_NAME.match(name):
                path = Path(folder) / name
                yield path, path.relative_to(root).as_posix()


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return float("inf")  # gone meanwhile: nothing to remove
