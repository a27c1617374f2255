"""The real LetItGo processes (web, beat, bridge, worker), started as the Procfile starts them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Stack:
    """Starts, stops, kills and restarts LetItGo's processes; logs go to ``workdir``."""

    env: dict[str, str]
    workdir: Path
    port: int = field(default_factory=free_port)
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    logfiles: dict[str, object] = field(default_factory=dict)

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def commands(self) -> dict[str, list[str]]:
        celery = [str(BIN / "celery"), "-A", "workers"]
        return {
            "web": [str(BIN / "letitgo"), "serve", "--host", "127.0.0.1", "--workers", "2"],
            "beat": [*celery, "beat", "--loglevel", "INFO", "--schedule", str(self.workdir / "beat-schedule")],
            "bridge": [
                *celery,
                "worker",
                "--queues",
                "bridge,poll",
                "--pool",
                "threads",
                "--concurrency",
                "4",
                "--hostname",
                f"bridge-{self.port}@%h",
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
            ],
            "worker": [
                *celery,
                "worker",
                "--queues",
                "deliveries",
                "--pool",
                "threads",
                "--concurrency",
                "32",
                "--hostname",
                f"worker-{self.port}@%h",
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
            ],
        }

    def start(self, *names: str) -> None:
        commands = self.commands()
        for name in names or tuple(commands):
            log = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115 - closed in kill()
            self.logfiles[name] = log
            env = {**os.environ, **self.env, "LETITGO_PORT": str(self.port)}
            self.procs[name] = subprocess.Popen(
                commands[name],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=Path(__file__).resolve().parents[2],
                start_new_session=True,
            )

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        proc = self.procs.pop(name, None)
        if proc is None:
            return
        try:
            self._signal(proc, sig)
        finally:
            self.logfiles.pop(name).close()  # type: ignore[attr-defined]

    @staticmethod
    def _signal(proc: subprocess.Popen, sig: int) -> None:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)

    def stop(self) -> None:
        for name in list(self.procs):
            self.kill(name, signal.SIGTERM)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            self._check_alive()
            try:
                r = requests.get(self.api + "/ready", timeout=5)
                if r.status_code == 200:
                    return
                last = r.text
            except requests.RequestException as exc:
                last = type(exc).__name__
            time.sleep(0.3)
        raise RuntimeError(f"LetItGo did not become ready in {timeout}s: {last}\n{self.logs()}")

    def wait_workers(self, timeout: float = 60) -> None:
        """Wait until the bridge and the worker log that they are ready for tasks."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._check_alive()
            if all(
                b"ready." in (self.workdir / f"{n}.log").read_bytes() for n in ("bridge", "worker") if n in self.procs
            ):
                return
            time.sleep(0.3)
        raise RuntimeError(f"workers not ready in {timeout}s\n{self.logs()}")

    def _check_alive(self) -> None:
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}\n{self.logs()}")

    def logs(self, tail: int = 40) -> str:
        out = []
        for path in sorted(self.workdir.glob("*.log")):
            lines = path.read_text(errors="replace").splitlines()[-tail:]
            out.append(f"--- {path.name}\n" + "\n".join(lines))
        return "\n".join(out)
