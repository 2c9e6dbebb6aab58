"""Bot instances as real processes: `python -m bot run --webhook` on one PostgreSQL schema.

For the multi-instance, shutdown and crash tests. Each instance is configured only through the
environment, as in production; the FakeBotApi (multi_webhook) plays Telegram and hands updates
to the instances in turn.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.fakes import FakeBotApi

ROOT = Path(__file__).resolve().parents[2]
MINI = ROOT / "tests" / "data" / "kb_min"
TOKEN = "123456789:E2E-instances"
SECRET = "several_instances_secret_2026"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Zygote:
    """Forks bot processes from a parent that has imported the bot once (tests/e2e/zygote.py):
    a restart costs a fork and the bot's own start, not seconds of imports."""

    def __init__(self) -> None:
        self.proc: asyncio.subprocess.Process | None = None
        self.exits: dict[int, int] = {}
        self._changed = asyncio.Condition()
        self._pids: asyncio.Queue[int] = asyncio.Queue()
        self._spawning = asyncio.Lock()
        self._reader: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Zygote:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.e2e.zygote",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            cwd=ROOT,
        )
        self._reader = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.close()  # the zygote kills what is left and exits
        await self.proc.wait()
        if self._reader is not None:
            await self._reader

    async def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        async for line in self.proc.stdout:
            message = json.loads(line)
            if "pid" in message:
                await self._pids.put(message["pid"])
            else:
                async with self._changed:
                    self.exits[message["exit"]] = message["code"]
                    self._changed.notify_all()

    async def spawn(
        self, env: dict[str, str], cwd: Path, log: Path, args: list[str] | None = None
    ) -> int:
        """Fork `python -m bot <args>` (default: run --webhook); its pid."""
        assert self.proc is not None and self.proc.stdin is not None
        async with self._spawning:  # one request at a time: answers come in order
            request = {"env": env, "cwd": str(cwd), "log": str(log), "args": args}
            self.proc.stdin.write((json.dumps(request) + "\n").encode())
            await self.proc.stdin.drain()
            return await asyncio.wait_for(self._pids.get(), 10)

    async def exit_code(self, pid: int, timeout: float) -> int:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: pid in self.exits), timeout)
        return self.exits[pid]


@dataclass
class BotProcess:
    """One instance: started, probed, stopped or killed like a process in production."""

    name: str
    env: dict[str, str]
    port: int
    workdir: Path
    zygote: Zygote | None = None
    pid: int | None = None
    starts: int = 0
    _proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/telegram/hook"

    @property
    def log(self) -> Path:
        return self.workdir / f"{self.name}.log"

    async def start(self) -> None:
        """`python -m bot run --webhook` (forked from the zygote when there is one)."""
        self.starts += 1
        if self.zygote is not None:
            self.pid = await self.zygote.spawn(self.env, self.workdir, self.log)
            return
        with self.log.open("ab") as out:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "run", "--webhook"],
                env=self.env,
                cwd=self.workdir,  # no developer's .env is read
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.pid = self._proc.pid

    def exited(self) -> int | None:
        if self.zygote is not None:
            assert self.pid is not None
            return self.zygote.exits.get(self.pid)
        assert self._proc is not None
        return self._proc.poll()

    async def wait(self, timeout: float) -> int:
        if self.zygote is not None:
            assert self.pid is not None
            return await self.zygote.exit_code(self.pid, timeout)
        assert self._proc is not None
        return await asyncio.to_thread(self._proc.wait, timeout)

    async def healthy(self, timeout: float = 60.0) -> None:
        """Wait until /healthz answers 200 (knowledge loaded, schema migrated, webhook set)."""
        async with httpx.AsyncClient(timeout=2) as client, asyncio.timeout(timeout):
            while True:
                if (code := self.exited()) is not None:
                    raise AssertionError(f"{self.name} exited {code}: {self.tail()}")
                try:
                    if (await client.get(f"http://127.0.0.1:{self.port}/healthz")).is_success:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.05)

    async def kill(self) -> None:
        """SIGKILL: no handler runs, nothing is flushed, in-flight work is simply gone."""
        assert self.pid is not None
        os.kill(self.pid, signal.SIGKILL)
        await self.wait(10)

    async def terminate(self, timeout: float = 30.0) -> int:
        """SIGTERM, as an orchestrator stops an instance; the exit code once it has exited."""
        assert self.pid is not None
        if (code := self.exited()) is not None:
            return code
        os.kill(self.pid, signal.SIGTERM)
        return await self.wait(timeout)

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def bot_process(
    fake: FakeBotApi,
    database_url: str,
    workdir: Path,
    name: str,
    zygote: Zygote | None = None,
    **settings: str,
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
        # Test citizens type and file far faster than people (the limits: test_flood.py).
        "MESSAGES_PER_MINUTE": "1000",
        "COMPLAINTS_PER_DAY": "1000",
        **{key.upper(): value for key, value in settings.items()},
    }
    workdir.mkdir(parents=True, exist_ok=True)
    return BotProcess(name, env, port, workdir, zygote)
