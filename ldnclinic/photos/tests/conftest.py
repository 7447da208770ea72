import pytest


@pytest.fixture(autouse=True)
def _photo_root(settings, tmp_path):
    # Each test its own folder: nothing written under the project's var/.
    settings.PHOTO_ROOT = tmp_path / "photos"
    return settings.PHOTO_ROOT
