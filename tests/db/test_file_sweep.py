"""`omniline files sweep`: stored files that no message refers to go once they are older than the grace
period; referred-to files, young files and files stored again stay. Nothing goes in a dry run."""

import asyncio
import os
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from omniline.bootstrap import Container
from omniline.channels.service import load_channel_info
from omniline.cli.main import app
from omniline.customers.identities import IdentityClaim
from omniline.files.store import FileStore
from omniline.files.sweep import run_file_sweeps, sweep_orphans
from omniline.messages.normalized import InboundMessage
from omniline.pipeline.transaction import ingest_and_commit
from omniline.settings import Settings
from tests.conftest import TEST_SECRET_KEY
from tests.support import ApiWorld

DAY = 24 * 3600


@pytest.fixture
def files(container: Container, tmp_path: Path) -> FileStore:
    container.files = FileStore(tmp_path / "files")
    return container.files


def age(files: FileStore, key: str, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(files.root / key, (then, then))


def stored_keys(files: FileStore) -> set[str]:
    return {path.relative_to(files.root).as_posix() for path in files.root.rglob("*") if path.is_file()}


@pytest.fixture
def three_files(container: Container, world: ApiWorld, files: FileStore) -> dict[str, str]:
    """A file a message carries, an orphan two days old and an orphan an hour old."""
    kept = files.save("Счёт №42 / 发票".encode(), filename="счёт.txt", declared_type="text/plain")
    old = files.save(b"left by a failed transaction", filename="old.txt", declared_type="text/plain")
    young = files.save(b"a transaction may still be open", filename="new.txt", declared_type="text/plain")
    with container.uow() as uow:
        channel = load_channel_info(uow.session, uuid.UUID(world.channel["id"]))
    ingest_and_commit(
        container,
        channel,
        [
            InboundMessage(
                channel_id=channel.id,
                external_id="with-file",
                identities=(IdentityClaim("email", "anna@пример.рф", verified=True),),
                text="Счёт во вложении",
                sent_at=datetime.now(UTC),
                attachments=(kept,),
            )
        ],
    )
    age(files, str(kept.storage_key), 3 * DAY)
    age(files, str(old.storage_key), 2 * DAY)
    age(files, str(young.storage_key), 3600)
    return {"kept": str(kept.storage_key), "old": str(old.storage_key), "young": str(young.storage_key)}


def test_a_dry_run_names_the_old_orphan_and_removes_nothing(
    container: Container, files: FileStore, three_files: dict[str, str]
) -> None:
    result = sweep_orphans(container, dry_run=True)
    assert result.removed == [three_files["old"]]
    assert result.kept == 2
    assert stored_keys(files) == set(three_files.values())


def test_the_sweep_removes_only_the_old_orphan(
    container: Container, files: FileStore, three_files: dict[str, str]
) -> None:
    result = sweep_orphans(container)
    assert result.removed == [three_files["old"]]
    assert result.freed_bytes == len(b"left by a failed transaction")
    assert stored_keys(files) == {three_files["kept"], three_files["young"]}
    assert files.open(three_files["kept"]).decode() == "Счёт №42 / 发票"


def test_bytes_stored_again_are_young_again_and_stay(
    container: Container, files: FileStore, three_files: dict[str, str]
) -> None:
    files.save(b"left by a failed transaction", filename="again.txt")  # a new message brings them again
    result = sweep_orphans(container)
    assert result.removed == []
    assert three_files["old"] in stored_keys(files)


def test_the_command_sweeps_and_refuses_a_grace_under_an_hour(
    settings: Settings, files: FileStore, three_files: dict[str, str]
) -> None:
    env = {
        "OMNILINE_DATABASE_URL": settings.database_url,
        "OMNILINE_ENVIRONMENT": "test",
        "OMNILINE_SECRET_KEY": TEST_SECRET_KEY,
        "OMNILINE_FILES_DIR": str(files.root),
    }
    runner = CliRunner()
    refused = runner.invoke(app, ["files", "sweep", "--older-than-hours", "0.5"], env=env)
    assert refused.exit_code == 2
    assert stored_keys(files) == set(three_files.values())

    dry = runner.invoke(app, ["files", "sweep", "--dry-run"], env=env)
    assert dry.exit_code == 0, dry.output
    assert f"would remove {three_files['old']}" in dry.output
    assert stored_keys(files) == set(three_files.values())

    done = runner.invoke(app, ["files", "sweep"], env=env)
    assert done.exit_code == 0, done.output
    assert "removed 1 file(s)" in done.output
    assert stored_keys(files) == {three_files["kept"], three_files["young"]}


def test_the_server_sweeps_by_itself_and_not_when_told_never(
    container: Container, files: FileStore, three_files: dict[str, str]
) -> None:
    async def first_sweep() -> None:
        task = asyncio.create_task(run_file_sweeps(container, first_delay=0))
        try:
            for _ in range(200):  # the sweep runs in a worker thread: wait for it, up to 10 s
                if three_files["old"] not in stored_keys(files):
                    return
                await asyncio.sleep(0.05)
        finally:
            task.cancel()

    container.settings = container.settings.model_copy(update={"files_sweep_hours": 0.0})
    asyncio.run(asyncio.wait_for(run_file_sweeps(container, first_delay=0), timeout=5))  # returns at once
    assert stored_keys(files) == set(three_files.values())

    container.settings = container.settings.model_copy(update={"files_sweep_hours": 24.0})
    asyncio.run(first_sweep())
    assert stored_keys(files) == {three_files["kept"], three_files["young"]}
