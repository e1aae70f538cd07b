import pytest
from pydantic import ValidationError

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
