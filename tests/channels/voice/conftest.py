import pytest

from omniline.settings import Settings
from tests.channels.sms.support import PUBLIC_URL
from tests.conftest import make_settings


@pytest.fixture
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Twilio signs the public URL of the hook: the tests run behind a known one."""
    return make_settings(database_url, public_url=PUBLIC_URL, files_dir=str(tmp_path_factory.mktemp("files")))
