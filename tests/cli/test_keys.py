"""`framehub keys` as a user runs it."""

from __future__ import annotations

import stat
import subprocess
import sys

import pytest

from framehub import SecurityConfig
from framehub.api.secure import hub_security, sender_curve
from framehub.security import KeyFolder

pytestmark = pytest.mark.timeout(60)


def keys(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "framehub", "keys", *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_makes_a_hub_pair_and_one_per_camera_with_private_secrets(tmp_path):
    done = keys("--folder", str(tmp_path), "--camera", "door", "--camera", "yard")
    assert done.returncode == 0, done.stderr
    folder = KeyFolder(tmp_path)
    for name in ("server", "door", "yard"):
        assert stat.S_IMODE(folder.secret_file(name).stat().st_mode) == 0o600
        assert folder.public_file(name).is_file()
    assert stat.S_IMODE(folder.private_dir.stat().st_mode) == 0o700
    assert "delete one camera's .key on the hub" in done.stdout
    assert 'secure_key_name="door"' in done.stdout
    # What it made is what a hub and a camera load.
    hub_security(SecurityConfig(mode=2, keys=folder))
    sender_curve(SecurityConfig(mode=2, keys=folder, key_name="yard"))


def test_keeps_existing_pairs_unless_told(tmp_path):
    assert keys("--vidgear-folder", str(tmp_path)).returncode == 0
    folder = KeyFolder.vidgear(tmp_path)
    before = folder.secret_file("client").read_text()
    again = keys("--vidgear-folder", str(tmp_path))
    assert again.returncode == 0
    assert "Kept the existing pairs of server, client" in again.stdout
    assert folder.secret_file("client").read_text() == before
    assert keys("--vidgear-folder", str(tmp_path), "--overwrite").returncode == 0
    assert folder.secret_file("client").read_text() != before


@pytest.mark.parametrize("name", ["server", "../escape", ""])
def test_refuses_bad_camera_names(tmp_path, name):
    done = keys("--folder", str(tmp_path), "--camera", name)
    assert done.returncode == 2
    assert "key name" in done.stderr
