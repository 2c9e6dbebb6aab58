"""A pre-loaded parent that forks bot processes on demand: the crash test's fast restarts.

Starting `python -m bot` spends seconds importing (SQLAlchemy, python-telegram-bot, pydantic
models); a test that kills and restarts instances fifty times would spend minutes on imports
alone. This process imports the bot once; for each request it forks a child that runs what
`python -m bot run --webhook` runs (`bot.cli.main`) with the environment it was given. The
children are ordinary processes with their own connections and state: SIGKILL ends one at once,
SIGTERM shuts it down gracefully, and nothing passes between them but the database.

Protocol, one JSON object per line: stdin `{"env": {...}, "cwd": dir, "log": file}` (and
`"args": ["run"]` for the polling bot) → stdout
`{"pid": n}`; when a child ends, stdout `{"exit": pid, "code": n}` (negative: killed by signal).
Nothing that starts a thread or opens a connection runs before a fork.
"""

from __future__ import annotations

import json
import os
import select
import signal
import sys
import traceback

import alembic.command
import alembic.runtime.migration
import holidays.countries
import httpx
import psycopg
import sqlalchemy.dialects.postgresql.psycopg
import uvicorn.lifespan.off
import uvicorn.loops.auto
import uvicorn.protocols.http.auto

import bot.app
import bot.cli
import bot.webhook

# What the bot imports only when it starts (the holiday calendars, the database driver's
# dialect, the server's protocol) is imported here too, for the same reason.
WARM = (alembic, holidays, httpx, psycopg, sqlalchemy, uvicorn, bot)


def spawn(request: dict[str, object]) -> int:
    pid = os.fork()
    if pid:
        return pid
    code = 1
    try:
        fd = os.open(str(request["log"]), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.environ.clear()
        os.environ.update(request["env"])  # type: ignore[arg-type]
        os.chdir(str(request["cwd"]))
        code = bot.cli.main(list(request.get("args") or ["run", "--webhook"]))  # type: ignore[call-overload]
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def say(message: dict[str, object]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main() -> None:
    children: set[int] = set()
    try:
        while True:
            ready, _, _ = select.select([sys.stdin], [], [], 0.05)
            while children:
                pid, status = os.waitpid(-1, os.WNOHANG)
                if pid == 0:
                    break
                children.discard(pid)
                say({"exit": pid, "code": os.waitstatus_to_exitcode(status)})
            if ready:
                line = sys.stdin.readline()
                if not line:  # the test has gone: take the children along
                    break
                pid = spawn(json.loads(line))
                children.add(pid)
                say({"pid": pid})
    finally:
        for pid in children:
            os.kill(pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
