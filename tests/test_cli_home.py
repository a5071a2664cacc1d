"""An empty home the bot cannot write to (issue 15, finding 18): `chat`, `ask` and `doctor` say so and exit non-zero,
never a traceback from inside an index build.

Root writes through permission bits, so as root the home is made read-only the way a deployment meets it, as a
read-only mount (in a private mount namespace, `unshare -m`); otherwise its mode is 0555.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
READ_ONLY_MOUNT = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" "$0" && shift && exec "$@"'


def _runner(home: Path) -> list[str]:
    """The command prefix that runs a process seeing ``home`` read-only."""
    home.mkdir(parents=True)
    if os.geteuid() != 0:
        home.chmod(0o555)
        return []
    prefix = ["unshare", "-m", "sh", "-c", READ_ONLY_MOUNT, str(home), "_"]
    if shutil.which("unshare") is None or subprocess.run([*prefix, "true"], capture_output=True).returncode != 0:
        pytest.skip("running as root without a way to mount the home read-only")
    return prefix


@pytest.fixture
def read_only(tmp_path: Path) -> tuple[Path, list[str]]:
    home = tmp_path / "home"
    return home, _runner(home)


@pytest.mark.parametrize("argv", [["chat"], ["ask", "can I instruct the clerk?", "--council", "ledbury"], ["doctor"]])
def test_an_empty_read_only_home_is_named_with_the_fix(read_only: tuple[Path, list[str]], argv: list[str]) -> None:
    home, prefix = read_only
    env = {**os.environ, "PROTOCOL_BOT_HOME": str(home), "PROTOCOL_BOT_EMBEDDER": "hash"}
    for name in ("SLACK_BOT_TOKEN", "TELEGRAM_BOT_TOKEN", "PROTOCOL_BOT_DATABASE_URL", "PROTOCOL_BOT_CASE_KEY"):
        env.pop(name, None)
    done = subprocess.run([*prefix, sys.executable, "-m", "adapters.cli.main", *argv], cwd=ROOT, env=env,
                          input="", capture_output=True, text=True, timeout=300)
    said = done.stdout + done.stderr
    assert done.returncode != 0, said
    assert "Traceback" not in said
    assert str(home) in said and "PROTOCOL_BOT_HOME" in said and "cannot be written" in said
    assert list(home.iterdir()) == [], "nothing was written"
