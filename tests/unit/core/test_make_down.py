"""`make down` stops this checkout's processes only: another checkout's (or another engineer's) keep running."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _patterns() -> list[re.Pattern[str]]:
    dry = subprocess.run(["make", "-n", "down"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    found = re.findall(r'pkill -f "([^"]+)"', dry)
    assert found, dry
    return [re.compile(p) for p in found]


def _stopped(cmdline: str) -> bool:
    return any(p.search(cmdline) for p in _patterns())


def test_make_down_stops_this_checkouts_processes() -> None:
    venv = f"{ROOT}/.venv/bin"
    for cmdline in (
        f"{venv}/python3 {venv}/celery -A workers worker --queues deliveries",
        f"{venv}/python3 {venv}/celery -A workers beat --loglevel INFO",
        f"{venv}/python3 {venv}/celery -A workers flower --port=5555",
        f"{venv}/python3 .venv/bin/honcho start -f Procfile",
        f"{venv}/python3 -m gunicorn --bind 0.0.0.0:8081 --workers 2 letitgo.wsgi:app",
    ):
        assert _stopped(cmdline), cmdline


def test_make_down_leaves_other_checkouts_alone() -> None:
    other = "/srv/other-checkout/.venv/bin"
    for cmdline in (
        f"{other}/python3 {other}/celery -A workers worker --queues deliveries",
        f"{other}/python3 .venv/bin/honcho start -f Procfile",
        f"{other}/python3 -m gunicorn --bind 0.0.0.0:8081 letitgo.wsgi:app",
        "celery -A workers worker",
    ):
        assert not _stopped(cmdline), cmdline
