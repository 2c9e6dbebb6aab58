"""Maintainers keep the knowledge: `gaps` finds what the bot could not answer, /reload switches
to an edited folder only when it is valid, and every instance follows (real Application, a
copy of tests/data/kb_min, SQLite and PostgreSQL, the CLI as a subprocess)."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from bot import handoff_texts as h
from bot import maintenance_texts as m
from bot import texts
from bot.app import build_application
from bot.local_api import LocalBotApi
from bot.storage.knowledge_state import CURRENT, KnowledgeState
from tests import builders
from tests.clock import FakeClock
from tests.conftest import ROOT, settings_for, throwaway_postgres_url
from tests.e2e.test_cli import _run as run_cli
from tests.integration.test_complaints import CHU_TICH, TRUONG, Story, last_with_buttons, sends
from tests.integration.test_handoff import GROUP, UNANSWERABLE

MINI = ROOT / "tests" / "data" / "kb_min"
PROCEDURES = Path("procedures") / "thu.yaml"
QUESTION = "đăng ký cho bé mới sinh cần gì"  # kb_min cannot answer it: only "Ý bạn là…?"


def knowledge_copy(tmp_path: Path) -> Path:
    """kb_min, with the Trưởng phòng (9002) made a maintainer, in a folder of the test's own."""
    folder = tmp_path / "kb"
    shutil.copytree(MINI, folder)
    officials = folder / "officials.yaml"
    text = officials.read_text(encoding="utf-8")
    officials.write_text(
        text.replace("supervisor: chu-tich,", "supervisor: chu-tich, maintainer: true,"),
        encoding="utf-8",
    )
    return folder


def add_alias(folder: Path, procedure_id: str, alias: str) -> None:
    """What a maintainer does in an editor: one more line under the procedure's aliases."""
    path = folder / PROCEDURES
    lines = path.read_text(encoding="utf-8").splitlines()
    at = lines.index(f"- id: {procedure_id}")
    aliases = next(i for i in range(at, len(lines)) if lines[i].strip() == "aliases:")
    lines.insert(aliases + 1, f"    - {alias}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def cli(*args: str, folder: Path, database_url: str) -> subprocess.CompletedProcess[str]:
    return run_cli(list(args), KNOWLEDGE_DIR=str(folder), DATABASE_URL=database_url)


@pytest.fixture
async def story(tmp_path: Path) -> AsyncIterator[Story]:
    folder = knowledge_copy(tmp_path)
    url = f"sqlite:///{tmp_path / 'bot.sqlite'}"
    app = build_application(
        settings_for(folder, url), request=LocalBotApi(), clock=FakeClock(), rate_limit=False
    )
    async with app:
        yield Story(app, app.bot.request, FakeClock())


def folder_of(story: Story) -> Path:
    return Path(story.data.settings.knowledge_dir)


def url_of(story: Story) -> str:
    return str(story.data.settings.database_url)


def reply_text(calls: list[Any]) -> str:
    return "\n".join(str(c.params["text"]) for c in sends(calls))


async def test_round_trip_unanswered_question_gaps_alias_reload_answered(story: Story):
    first = reply_text(await story.say(QUESTION))
    assert first == texts.DID_YOU_MEAN  # not a clear answer: a low-confidence guess
    await story.say("đăng ký cho bé mới sinh ở đâu vậy", builders.OTHER_CITIZEN)

    run = cli("gaps", "--format", "csv", folder=folder_of(story), database_url=url_of(story))
    assert run.returncode == 0, run.stderr
    [top, *_] = list(csv.DictReader(io.StringIO(run.stdout)))
    assert top["count"] == "2" and top["procedure_id"] == "khai-sinh"
    alias = top["suggested_alias"]
    assert "sinh" in alias and alias == alias.strip() and not top["alias_already_in"]

    add_alias(folder_of(story), top["procedure_id"], alias)
    refused = reply_text(await story.say("/reload", CHU_TICH))  # an official, not a maintainer
    assert refused == m.NOT_MAINTAINER
    assert reply_text(await story.say(QUESTION)) == texts.DID_YOU_MEAN  # nothing changed yet

    reloaded = reply_text(await story.say("/reload", TRUONG))
    assert "Đã nạp tri thức mới" in reloaded and "2 thủ tục" in reloaded
    card = reply_text(await story.say(QUESTION))
    assert "Đăng ký khai sinh" in card and "Hồ sơ" in card

    again = cli("gaps", "--format", "csv", folder=folder_of(story), database_url=url_of(story))
    [top, *_] = list(csv.DictReader(io.StringIO(again.stdout)))
    assert top["alias_already_in"] == "khai-sinh"  # the log still has it; the alias is there


async def test_an_invalid_edit_keeps_the_last_good_knowledge_and_names_file_line_field(
    story: Story,
):
    path = folder_of(story) / PROCEDURES
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("amount: 0", 'amount: "8.000đ"', 1), encoding="utf-8")
    before = story.data.live.kb.version

    report = reply_text(await story.say("/reload", TRUONG))
    line = text.splitlines().index("        amount: 0") + 1
    assert "vẫn dùng bản cũ" in report
    assert f"procedures/thu.yaml:{line} khai-sinh.fees.items[1].amount" in report
    assert story.data.live.kb.version == before
    card = reply_text(await story.say("làm giấy khai sinh cần gì"))
    assert "Đăng ký khai sinh" in card  # still answering from the last good knowledge
    with Session(story.engine()) as s:
        assert s.get(KnowledgeState, CURRENT) is None  # nothing published for other instances


@pytest.fixture(params=["sqlite", "postgres"])
def shared_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'shared.sqlite'}"
    else:
        with throwaway_postgres_url() as url:
            yield url


async def test_every_instance_switches_to_what_one_reload_published(
    tmp_path: Path, shared_database: str
):
    folder = knowledge_copy(tmp_path)
    async with AsyncExitStack() as stack:
        instances = []
        for _ in range(2):
            api = LocalBotApi()
            app = build_application(
                settings_for(folder, shared_database), request=api, rate_limit=False
            )
            await stack.enter_async_context(app)
            instances.append(Story(app, api, FakeClock()))
        one, two = instances
        for instance in instances:
            assert reply_text(await instance.say(QUESTION)) == texts.DID_YOU_MEAN

        add_alias(folder, "khai-sinh", "đăng ký cho bé mới sinh")
        assert "Đã nạp" in reply_text(await one.say("/reload", TRUONG))
        assert "Đăng ký khai sinh" in reply_text(await one.say(QUESTION))
        assert reply_text(await two.say(QUESTION)) == texts.DID_YOU_MEAN  # until its check runs

        [job] = two.app.job_queue.get_jobs_by_name("knowledge")
        await job.run(two.app)
        assert two.data.live.kb.version == one.data.live.kb.version
        assert "Đăng ký khai sinh" in reply_text(await two.say(QUESTION))

        await job.run(two.app)  # nothing new published: nothing reloaded
        assert two.data.live.kb.version == one.data.live.kb.version


async def test_gaps_lists_questions_staff_answered_first_with_their_answer(
    story: Story, tmp_path: Path
):
    [reply] = sends(await story.say(UNANSWERABLE))
    await story.press(reply, "Gửi câu hỏi")  # handed to a person…
    [note] = sends(await story.deliver(), GROUP)
    calls = await story.press(note, h.BTN_CLAIM, TRUONG)
    await story.press(last_with_buttons(calls), h.BTN_ANSWER, TRUONG)
    await story.say("Nuôi chim yến cần giấy phép của UBND xã.", TRUONG)  # …who answered
    for text in (QUESTION, "đăng ký cho bé mới sinh ở đâu", "dang ky cho be moi sinh"):
        await story.say(text, builders.OTHER_CITIZEN)  # asked more often, nobody answered

    folder, url = folder_of(story), url_of(story)
    out = tmp_path / "gaps.csv"
    run = cli("gaps", "--csv", str(out), folder=folder, database_url=url)
    assert run.returncode == 0, run.stderr
    assert "gom nhóm" in run.stderr  # the progress bar, on stderr
    first, second = list(csv.DictReader(out.open(encoding="utf-8")))
    assert first["count"] == "1" and "chim yến" in first["example"]
    assert first["staff_answer"] == "Nuôi chim yến cần giấy phép của UBND xã."
    assert first["handed_off"] == "1" and first["suggested_alias"] == "quy định nuôi chim yến"
    assert second["count"] == "3" and second["procedure_id"] == "khai-sinh"

    text = cli("gaps", "--quiet", folder=folder, database_url=url)
    assert text.stdout.index("Cán bộ đã trả lời") < text.stdout.index("khai-sinh")
    assert text.stderr == ""
    # The clock says Monday 07/12/2026: nothing was asked from the next day on.
    later = cli("gaps", "--quiet", "--since", "2026-12-08", folder=folder, database_url=url)
    assert "Không có câu hỏi" in later.stdout
    same_day = cli(
        "gaps",
        "--since",
        "2026-12-07",
        "--format",
        "csv",
        "--quiet",
        folder=folder,
        database_url=url,
    )
    assert len(list(csv.DictReader(io.StringIO(same_day.stdout)))) == 2
    top = cli("gaps", "--limit", "1", "--format", "csv", "--quiet", folder=folder, database_url=url)
    assert [row["rank"] for row in csv.DictReader(io.StringIO(top.stdout))] == ["1"]
    bad = cli("gaps", "--since", "07/12/2026", folder=folder, database_url=url)
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr
