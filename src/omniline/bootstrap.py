"""The one place that chooses implementations: database, bus, channel adapters, HTTP client, clock."""

import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from omniline.channels.base import AdapterContext, ChannelInfo
from omniline.channels.cache import channel_cache
from omniline.channels.outbox import RetryPolicy
from omniline.channels.registry import ChannelRegistry, default_registry
from omniline.db import models as _all_models  # noqa: F401  (registers every table with the ORM)
from omniline.db.checkpoints import WalCheckpointer
from omniline.db.engine import build_engine, build_ingest_engine, start_checkpoints
from omniline.db.unit_of_work import UnitOfWork
from omniline.files.store import FileStore
from omniline.kernel.clock import Clock, utcnow
from omniline.kernel.ttl_cache import TtlCache
from omniline.pipeline.group_commit import POSTGRES_WRITERS, IngestWriter
from omniline.realtime.bus import Bus, InProcessBus
from omniline.realtime.redis_bus import RedisBus
from omniline.security.sealing import Sealer, use_sealer
from omniline.settings import Settings


@dataclass
class Container:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    bus: Bus
    channels: ChannelRegistry
    http: httpx.Client
    files: FileStore
    clock: Clock = field(default=utcnow)
    write_lock: "threading.RLock | None" = None  # SQLite only: see UnitOfWork
    checkpoints: WalCheckpointer | None = None  # SQLite only: see db/checkpoints.py
    channel_cache: TtlCache[uuid.UUID, ChannelInfo] = field(default_factory=channel_cache)
    ingest_engine: Engine | None = None  # the hook writers' own (db/engine.py); None: they use `engine`
    _ingest_writer: IngestWriter | None = field(default=None, repr=False)
    _writer_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _ingest_sessions: "sessionmaker[Session]" = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._ingest_sessions = (
            self.session_factory
            if self.ingest_engine is None
            else sessionmaker(self.ingest_engine, expire_on_commit=False)
        )

    @property
    def adapter_context(self) -> AdapterContext:
        return AdapterContext(http=self.http, files=self.files, settings=self.settings, clock=self.clock)

    @property
    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(
            base_delay_seconds=self.settings.outbox_base_delay_seconds,
            max_delay_seconds=self.settings.outbox_max_delay_seconds,
            max_attempts=self.settings.outbox_max_attempts,
        )

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory, self.bus, write_lock=self.write_lock, settings=self.settings)

    def ingest_uow(self) -> UnitOfWork:
        """A unit of work for the hooks' writer threads, on `ingest_engine` when there is one."""
        return UnitOfWork(self._ingest_sessions, self.bus, write_lock=self.write_lock, settings=self.settings)

    @property
    def ingest_writer(self) -> IngestWriter:
        """The process's group-commit writer for provider hooks (see pipeline/group_commit.py)."""
        with self._writer_lock:
            if self._ingest_writer is None:
                self._ingest_writer = IngestWriter(self)
            return self._ingest_writer

    def close(self) -> None:
        if self._ingest_writer is not None:
            self._ingest_writer.close()
        self.http.close()
        self.engine.dispose()
        if self.ingest_engine is not None:
            self.ingest_engine.dispose()
        if self.checkpoints is not None:
            self.checkpoints.close()
        self.bus.close()


def bootstrap(
    settings: Settings | None = None, *, bus: Bus | None = None, clock: Clock = utcnow
) -> Container:
    settings = settings or Settings()
    use_sealer(Sealer(settings.secret_key, settings.previous_secret_keys))
    engine = build_engine(settings.sqlalchemy_url)
    return Container(
        settings=settings,
        engine=engine,
        session_factory=sessionmaker(engine, expire_on_commit=False),
        ingest_engine=build_ingest_engine(settings.sqlalchemy_url, connections=POSTGRES_WRITERS),
        bus=bus or default_bus(settings),
        channels=default_registry(),
        http=httpx.Client(
            timeout=settings.outbound_timeout_seconds,
            headers={"User-Agent": "omniline"},
            follow_redirects=False,
        ),
        files=FileStore(Path(settings.files_dir), max_file_bytes=settings.max_file_bytes),
        clock=clock,
        write_lock=threading.RLock() if engine.dialect.name == "sqlite" else None,
        checkpoints=start_checkpoints(settings.sqlalchemy_url),
    )


def default_bus(settings: Settings) -> Bus:
    """Redis when `OMNILINE_REDIS_URL` is set (several processes serve one installation), else the
    in-process bus of the embedded default."""
    if settings.redis_url:
        return RedisBus(settings.redis_url, channel=settings.redis_channel)
    return InProcessBus()
