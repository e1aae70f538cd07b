import pytest
from pydantic import ValidationError

from omniline.bootstrap import default_bus
from omniline.realtime.bus import InProcessBus
from omniline.realtime.redis_bus import RedisBus
from omniline.settings import DEVELOPMENT_SECRET_KEY, Settings


def test_defaults_are_the_embedded_setup(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OMNILINE_DATABASE_URL", "OMNILINE_ENVIRONMENT", "OMNILINE_SECRET_KEY", "OMNILINE_PORT"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert settings.database_url == "sqlite:///var/omniline.db"
    assert settings.environment == "development"
    assert settings.base_url == "http://127.0.0.1:8000"


@pytest.mark.parametrize("environment", ["production", "test"])
def test_the_development_secret_is_refused_outside_development(environment: str) -> None:
    with pytest.raises(ValidationError, match="development default"):
        Settings(environment=environment, secret_key=DEVELOPMENT_SECRET_KEY)  # type: ignore[arg-type]


def test_settings_come_from_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMNILINE_DATABASE_URL", "postgresql://postgres@db:5432/omniline")
    monkeypatch.setenv("OMNILINE_PORT", "9100")
    monkeypatch.setenv("OMNILINE_PUBLIC_URL", "https://support.example.com/")
    settings = Settings()
    assert settings.sqlalchemy_url == "postgresql+psycopg://postgres@db:5432/omniline"
    assert settings.port == 9100
    assert settings.base_url == "https://support.example.com"


def test_a_bad_port_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMNILINE_PORT", "70000")
    with pytest.raises(ValidationError):
        Settings()


def test_the_bus_is_in_process_unless_a_redis_url_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OMNILINE_REDIS_URL", raising=False)
    assert isinstance(default_bus(Settings()), InProcessBus)
    monkeypatch.setenv("OMNILINE_REDIS_URL", "")  # an env file's empty line
    assert isinstance(default_bus(Settings()), InProcessBus)
    monkeypatch.setenv("OMNILINE_REDIS_URL", "redis://127.0.0.1:6379/3")
    monkeypatch.setenv("OMNILINE_REDIS_CHANNEL", "shop:events")
    bus = default_bus(Settings())
    try:
        assert isinstance(bus, RedisBus)
        assert bus.channel == "shop:events"
    finally:
        bus.close()


def test_a_redis_url_without_a_redis_scheme_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMNILINE_REDIS_URL", "127.0.0.1:6379")
    with pytest.raises(ValidationError, match="redis_url"):
        Settings()


def test_several_workers_need_postgresql_and_the_redis_bus() -> None:
    postgres, redis_url = "postgresql://postgres@db:5432/omniline", "redis://127.0.0.1:6379/0"
    with pytest.raises(ValidationError, match="OMNILINE_WORKERS above 1 needs PostgreSQL"):
        Settings(workers=2, database_url="sqlite:///var/omniline.db", redis_url=redis_url)
    with pytest.raises(ValidationError, match="OMNILINE_WORKERS above 1 needs OMNILINE_REDIS_URL"):
        Settings(workers=2, database_url=postgres, redis_url="")
    assert Settings(workers=4, database_url=postgres, redis_url=redis_url).workers == 4
    assert Settings(workers=1, database_url="sqlite:///var/omniline.db", redis_url="").workers == 1
