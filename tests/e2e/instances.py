"""Bot instances as real processes: `python -m bot run --webhook` on one PostgreSQL schema.

For the multi-instance, shutdown and crash tests. Each instance is configured only through the
environment, as in production; the FakeBotApi (multi_webhook) plays Telegram and hands updates
to the instances in turn.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.fakes import FakeBotApi

MINI = Path(__file__).resolve().parents[1] / "data" / "kb_min"
TOKEN = "123456789:E2E-instances"
SECRET = "several_instances_secret_2026"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class BotProcess:
    """One instance: started, probed, stopped or killed like a process in production."""

    name: str
    env: dict[str, str]
    port: int
    workdir: Path
    proc: subprocess.Popen[bytes] | None = None
    starts: int = field(default=0)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/telegram/hook"

    @property
    def log(self) -> Path:
        return self.workdir / f"{self.name}.log"

    def start(self) -> None:
        assert self.proc is None or self.proc.poll() is not None, f"{self.name} is running"
        self.starts += 1
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "run", "--webhook"],
                env=self.env,
                cwd=self.workdir,  # no developer's .env is read
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    async def healthy(self, timeout: float = 60.0) -> None:
        """Wait until /healthz answers 200 (knowledge loaded, schema migrated, webhook set)."""
        async with httpx.AsyncClient(timeout=2) as client, asyncio.timeout(timeout):
            while True:
                assert self.proc is not None
                if self.proc.poll() is not None:
                    raise AssertionError(
                        f"{self.name} exited {self.proc.returncode}: {self.tail()}"
                    )
                try:
                    if (await client.get(f"http://127.0.0.1:{self.port}/healthz")).is_success:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: no handler runs, nothing is flushed, in-flight work is simply gone."""
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait()

    async def terminate(self, timeout: float = 30.0) -> int:
        """SIGTERM, as an orchestrator stops an instance; the exit code once it has exited."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return await asyncio.to_thread(self.proc.wait, timeout)

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def bot_process(
    fake: FakeBotApi, database_url: str, workdir: Path, name: str, **settings: str
) -> BotProcess:
    """An instance (not started) on the fixture knowledge, with short job intervals."""
    port = free_port()
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "TELEGRAM_API_FILE_URL": fake.base_file_url,
        "DATABASE_URL": database_url,
        "KNOWLEDGE_DIR": str(MINI),
        "LOG_LEVEL": "INFO",
        "OUTBOX_INTERVAL_SECONDS": "0.2",
        "SWEEP_INTERVAL_SECONDS": "0.3",
        "WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram/hook",
        "WEBHOOK_LISTEN": "127.0.0.1",
        "WEBHOOK_PORT": str(port),
        "WEBHOOK_SECRET": SECRET,
        **{key.upper(): value for key, value in settings.items()},
    }
    workdir.mkdir(parents=True, exist_ok=True)
    return BotProcess(name, env, port, workdir)
