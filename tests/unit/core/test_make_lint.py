"""`make test` and `make lint` work in a checkout without the optional bench/ folder (ruff fails on a missing path)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_ruff_is_given_only_paths_that_exist(tmp_path: Path) -> None:
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    for name in ("requirements.txt", "requirements-dev.txt", "setup.cfg"):
        (tmp_path / name).touch()
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / ".installed").touch()  # newer than the files above: no install step
    for name in ("letitgo", "workers", "tests"):
        (tmp_path / name).mkdir()
    (tmp_path / "celeryconfig.py").touch()
    for target in ("lint", "test"):
        dry = subprocess.run(["make", "-n", target], cwd=tmp_path, capture_output=True, text=True, check=True).stdout
        lines = [line for line in dry.splitlines() if "ruff check" in line]
        assert lines, dry
        for path in re.sub(r"^.*ruff check", "", lines[0]).split():
            assert (tmp_path / path).exists(), (target, path)
