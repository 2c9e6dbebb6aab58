"""End-to-end load: many citizens ask questions of the real bot over HTTP, beside an echo bot.

Each scenario runs the real bot (`python -m bot run`, shipped knowledge) and the trivial echo
bot (bench/echo_bot.py) against the same loopback Bot API fake (tests/fakes), one after the
other in the same run:

* polling: one process long-polling the fake (SQLite, the single-instance default);
* webhook: two processes on one PostgreSQL database, the fake posting to them in turn with up
  to 40 connections at once (Telegram's default max_connections).

Every citizen sends a question from tests/data/questions_dev.jsonl, waits for the answer, and
asks the next (closed loop). Printed: replies per second, latency p50/p95/p99 from the question
reaching the fake to the answer reaching it, and the bot's replies/s as a share of the echo
bot's. Also the CPU each answer cost the bot's processes, this process (the fake, standing in
for Telegram's servers, and the citizens) and PostgreSQL: on a small machine all three share
the same cores, so the fake's and the database's work slows the bot down too.

Telegram's 30 messages/s cap is lifted for both (TELEGRAM_MAX_RATE=0): what is measured
is the processing, not the flood limit.

    python bench/bench_e2e.py [--users 50] [--seconds 15] [--only polling|webhook] [--rounds 3]

With --rounds N, bot and echo take turns N times per mode (the bot first in odd rounds, the echo
first in even ones) and the median ratio is printed too: on a shared virtual machine one run's
ratio can be off by a tenth either way.

BENCH_PY_ARGS="-m cProfile -o bot.prof" runs the bot's processes under a profiler (polling).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import throwaway_postgres_url  # noqa: E402  (after the path is set)
from tests.fakes import FakeBotApi, FakeUser  # noqa: E402

TOKEN = "123456789:BENCH"
SECRET = "bench_webhook_secret_2026"
WARMUP_SECONDS = 3.0


@dataclass
class Result:
    name: str
    replies: int
    seconds: float
    latencies: list[float]
    messages_per_question: float
    cpu_seconds: float  # used by the bot's processes while measured
    harness_cpu_seconds: float  # this process: the Bot API fake and the simulated citizens
    postgres_cpu_seconds: float  # the PostgreSQL server's processes (webhook runs)

    @property
    def rps(self) -> float:
        return self.replies / self.seconds

    def pct(self, q: float) -> float:
        return statistics.quantiles(self.latencies, n=100)[int(q) - 1] * 1000

    def line(self) -> str:
        return (
            f"{self.name:<22} {self.rps:8.1f} replies/s   p50 {self.pct(50):6.1f} ms   "
            f"p95 {self.pct(95):6.1f} ms   p99 {self.pct(99):6.1f} ms   "
            f"({self.replies} answers, {self.messages_per_question:.2f} messages each; "
            f"ms of CPU each: bot {self.per_answer(self.cpu_seconds):.1f}, "
            f"fake {self.per_answer(self.harness_cpu_seconds):.1f}, "
            f"PostgreSQL {self.per_answer(self.postgres_cpu_seconds):.1f})"
        )

    def per_answer(self, seconds: float) -> float:
        return seconds / max(self.replies, 1) * 1000


class Replies:
    """Hands each message the fake receives to the citizen waiting for it (one reader)."""

    def __init__(self, fake: FakeBotApi) -> None:
        self.fake = fake
        self.seen = 0
        self.waiting: dict[int, tuple[float, asyncio.Future[float]]] = {}

    async def pump(self) -> None:
        while True:
            new = self.fake.sent_since(self.seen)
            self.seen += len(new)
            for call in new:
                waiting = self.waiting.get(int(call.chat_id or 0))
                # A second message of an earlier answer must not count as this one's answer.
                if waiting and call.time >= waiting[0] and not waiting[1].done():
                    waiting[1].set_result(call.time)
            await asyncio.sleep(0.002)

    async def ask(self, user: FakeUser, text: str) -> float:
        future = asyncio.get_running_loop().create_future()
        sent = time.time()
        self.waiting[user.id] = (sent, future)
        await self.fake.send_text(user, text)
        answered = await asyncio.wait_for(future, 60)
        return answered - sent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def environment(fake: FakeBotApi, database_url: str, port: int | None) -> dict[str, str]:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "TELEGRAM_API_FILE_URL": fake.base_file_url,
        "TELEGRAM_MAX_RATE": "0",
        "DATABASE_URL": database_url,
        "KNOWLEDGE_DIR": str(ROOT / "knowledge"),
        "LOG_LEVEL": "WARNING",
        # Each simulated user asks far faster than a person: the per-user flood limit is lifted
        # so that what is measured is the answering, not the refusals.
        "MESSAGES_PER_MINUTE": "1000000",
    }
    if port is not None:
        env |= {
            "WEBHOOK_URL": f"http://127.0.0.1:{port}/hook",
            "WEBHOOK_PORT": str(port),
            "WEBHOOK_SECRET": SECRET,
        }
    return env


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used so far (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):  # a PostgreSQL backend that has just ended
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def postgres_pids() -> list[int]:
    """The PostgreSQL server's processes on this machine (the bench's sessions among them)."""
    found = []
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            if entry.name.isdigit() and (entry / "comm").read_text().strip() == "postgres":
                found.append(int(entry.name))
    return found


def cpu_now(pids: list[int]) -> tuple[float, float, float]:
    """CPU used so far by the bot's processes, by this one, and by PostgreSQL's."""
    return cpu_seconds(pids), time.process_time(), cpu_seconds(postgres_pids())


@contextlib.asynccontextmanager
async def processes(
    command: list[str], envs: list[dict[str, str]], workdir: Path
) -> AsyncIterator[list[int]]:
    procs = [
        subprocess.Popen(
            command,
            env=env,
            cwd=workdir,
            stdout=subprocess.DEVNULL,
            stderr=(workdir / f"{n}.log").open("ab"),
        )
        for n, env in enumerate(envs)
    ]
    try:
        yield [proc.pid for proc in procs]
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(30)


async def ready(fake: FakeBotApi, webhook_ports: list[int]) -> None:
    if not webhook_ports:
        await fake.wait_for_poller(timeout=60)
        return
    async with httpx.AsyncClient() as client, asyncio.timeout(60):
        for port in webhook_ports:
            while True:
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get(f"http://127.0.0.1:{port}/healthz")).is_success:
                        break
                await asyncio.sleep(0.1)
        while len(fake.webhooks) < len(webhook_ports):
            await asyncio.sleep(0.05)


def questions() -> Iterator[str]:
    lines = (ROOT / "tests" / "data" / "questions_dev.jsonl").read_text().splitlines()
    texts = [json.loads(line)["text"] for line in lines if line.strip()]
    random.Random(7).shuffle(texts)
    return itertools.cycle(texts)


async def scenario(
    name: str, command: list[str], instances: int, users: int, seconds: float, db: str | None
) -> Result:
    webhook = db is not None
    lanes = 40 if webhook else 1  # Telegram's default max_connections; polling needs none
    async with FakeBotApi(
        strict_chats=False, multi_webhook=True, webhook_connections=lanes
    ) as fake:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            ports = [free_port() for _ in range(instances)] if webhook else []
            database = db or f"sqlite:///{workdir / 'bench.sqlite'}"
            envs = [environment(fake, database, port) for port in ports or [None]]
            command = command + (["--webhook"] if webhook else [])
            async with processes(command, envs, workdir) as pids:
                await ready(fake, ports)
                replies = Replies(fake)
                pump = asyncio.create_task(replies.pump())
                source = questions()
                start = time.monotonic()
                measured_from, stop_at = start + WARMUP_SECONDS, start + WARMUP_SECONDS + seconds
                latencies: list[float] = []
                asked = 0

                async def citizen(user: FakeUser) -> None:
                    nonlocal asked
                    while time.monotonic() < stop_at:
                        latency = await replies.ask(user, next(source))
                        if time.monotonic() >= measured_from:
                            latencies.append(latency)
                        asked += 1

                people = [fake.user(200_000 + n, f"Dân {n}") for n in range(users)]

                async def account() -> list[float]:
                    await asyncio.sleep(max(0.0, measured_from - time.monotonic()))
                    before = cpu_now(pids)
                    await asyncio.sleep(max(0.0, stop_at - time.monotonic()))
                    return [b - a for a, b in zip(before, cpu_now(pids), strict=True)]

                cpu, *_ = await asyncio.gather(account(), *(citizen(u) for u in people))
                pump.cancel()
                messages = len(fake.sent) / max(asked, 1)
    return Result(name, len(latencies), seconds, latencies, messages, *cpu)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--only", choices=["polling", "webhook"])
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    bot = [sys.executable, *os.environ.get("BENCH_PY_ARGS", "").split(), "-m", "bot", "run"]
    echo = [sys.executable, str(ROOT / "bench" / "echo_bot.py")]
    print(
        f"{args.users} citizens, {args.seconds:.0f} s per run after {WARMUP_SECONDS:.0f} s warm-up"
    )
    for mode in ("polling", "webhook"):
        if args.only and args.only != mode:
            continue
        ratios = []
        for round_no in range(args.rounds):
            results = []
            # Bot first, then echo first, and so on: a machine that speeds up or slows down over
            # the run favours neither.
            turns = [("bot", bot), ("echo", echo)]
            for name, command in turns if round_no % 2 == 0 else turns[::-1]:
                if mode == "polling":
                    results.append(
                        await scenario(f"{mode} {name}", command, 1, args.users, args.seconds, None)
                    )
                    continue
                with throwaway_postgres_url() as url:
                    label = f"{mode} {name} ×2"
                    results.append(await scenario(label, command, 2, args.users, args.seconds, url))
            for result in results:
                print(result.line())
            by_name = {r.name.split()[1]: r for r in results}
            ratios.append(by_name["bot"].rps / by_name["echo"].rps)
            print(f"{mode}: bot / echo = {ratios[-1]:.2f} of the replies per second", flush=True)
        if len(ratios) > 1:
            listed = ", ".join(f"{r:.2f}" for r in ratios)
            print(
                f"{mode}: median of {len(ratios)} rounds = "
                f"{statistics.median(ratios):.2f} ({listed})"
            )


if __name__ == "__main__":
    asyncio.run(main())
