"""Statistics for leaders through the real Application: /thongke, its chart as a real PNG, who
may see them, and the weekly report sent exactly once by two instances on one database.

Knowledge: tests/data/kb_min (officials chu-tich 9001 "UBND tỉnh" > truong-phong 9002 >
can-bo 9003, both "Văn phòng"; ha-tang in phuong-my-tho goes to truong-phong) plus a
reports.yaml: leaders' chat -100555, weekly report on Mondays at 08:00, leader 9100.
"""

from __future__ import annotations

import asyncio
import io
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from bot import stats_texts as st
from bot.app import build_application
from bot.button_seal import MARK
from bot.local_api import Call, LocalBotApi
from bot.sweep import sweep_overdue
from tests import builders
from tests.clock import FakeClock
from tests.conftest import buttons, settings_for
from tests.integration.test_complaints import (
    CHU_TICH,
    CITIZEN,
    MINI,
    TRUONG,
    Story,
    file_phan_anh,
    sends,
)

LEADERS_CHAT = -100555
LEADER = {"id": 9100, "is_bot": False, "first_name": "Lãnh đạo"}
REPORTS_YAML = f"""
leaders_chat_id: {LEADERS_CHAT}
weekly_report: {{day: mon, time: "08:00", weeks: 4}}
leaders:
  - {{telegram_id: {LEADER["id"]}, title: Phó Chủ tịch UBND tỉnh}}
"""


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    root = tmp_path / "kb"
    shutil.copytree(MINI, root)
    (root / "reports.yaml").write_text(REPORTS_YAML, encoding="utf-8")
    return root


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()  # Monday 07/12/2026, 09:00 in Vietnam


@pytest.fixture
async def story(tmp_path: Path, knowledge: Path, clock: FakeClock) -> AsyncIterator[Story]:
    settings = settings_for(knowledge, f"sqlite:///{tmp_path / 'bot.sqlite'}")
    api = LocalBotApi()
    app = build_application(settings, request=api, clock=clock, rate_limit=False)
    async with app:
        yield Story(app, api, clock)


def photos(calls: list[Call]) -> list[Call]:
    return [c for c in calls if c.method == "sendPhoto"]


def check_png(data: bytes) -> Image.Image:
    """A real, drawn chart: a PNG of the promised size with many colours, not a blank."""
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(data))
    image.load()
    assert image.format == "PNG" and image.size == (1200, 900)
    colours = image.convert("RGB").getcolors(maxcolors=1_000_000) or []
    assert len(colours) > 50  # text, bars and lines; a single-colour image has 1
    return image


async def test_an_official_gets_the_summary_and_the_chart(story: Story, clock: FakeClock):
    await file_phan_anh(story)  # Mỹ Tho: truong-phong, Văn phòng
    await file_phan_anh(story)
    clock.advance(hours=3)
    [summary] = sends(await story.say("/thongke", TRUONG))
    text = summary.params["text"]
    assert "Tiếp nhận: <b>2</b>" in text and "Chờ tiếp nhận: 2" in text
    assert "Tỷ lệ đúng hạn: chưa có hồ sơ đến hạn" in text
    assert "1. Văn phòng: chưa có hồ sơ đến hạn (2 hồ sơ)" in text
    assert "• Phường Mỹ Tho: 2 (giải quyết 0, quá hạn 0)" in text
    [(label, data)] = buttons(summary)
    assert label == st.CHART_BUTTON and data.partition(MARK)[0] == "stat|chart|30"

    calls = await story.press(summary, st.CHART_BUTTON, TRUONG)
    [photo] = photos(calls)
    assert int(photo.params["chat_id"]) == TRUONG["id"]
    assert "Biểu đồ hồ sơ nhận từ 08/11/2026 đến 07/12/2026" in photo.params["caption"]
    check_png(photo.files["photo"])


async def test_a_late_case_counts_for_the_office_that_was_late(story: Story, clock: FakeClock):
    await file_phan_anh(story)  # truong-phong (Văn phòng) must acknowledge by Wednesday
    clock.advance(days=3)  # Thursday: escalated to chu-tich (UBND tỉnh)
    assert (await sweep_overdue(story.data.cases)).escalated == 1
    [summary] = sends(await story.say("/thongke 7", CHU_TICH))
    text = summary.params["text"]
    assert "Quá hạn: <b>1</b>" in text and "Tỷ lệ đúng hạn: <b>0%</b> (0/1)" in text
    assert "1. Văn phòng: 0% (0/1) · quá hạn 1" in text and "UBND tỉnh" not in text


async def test_only_officials_leaders_and_the_leaders_chat_see_statistics(story: Story):
    await file_phan_anh(story)
    [refused] = sends(await story.say("/thongke", CITIZEN))
    assert refused.params["text"] == st.REFUSED and not buttons(refused)
    other_group = builders.group_chat(-100777)
    calls = await story.feed(builders.message("/thongke", TRUONG, chat=other_group))
    assert [c.params["text"] for c in sends(calls)] == [st.GROUP_REFUSED]
    # A leader who is not an official, in private; anyone in the leaders' chat.
    [allowed] = sends(await story.say("/thongke", LEADER))
    assert "Tiếp nhận: <b>1</b>" in allowed.params["text"]
    leaders = builders.group_chat(LEADERS_CHAT, "Lãnh đạo tỉnh")
    [in_group] = sends(await story.feed(builders.message("/thongke", CITIZEN, chat=leaders)))
    assert "Tiếp nhận: <b>1</b>" in in_group.params["text"]
    # A citizen replaying the chart button of an official's message gets a refusal, no chart.
    [summary] = sends(await story.say("/thongke", TRUONG))
    calls = await story.press(summary, st.CHART_BUTTON, CITIZEN)
    assert not photos(calls)
    [answer] = [c for c in calls if c.method == "answerCallbackQuery"]
    assert answer.params["text"] == st.REFUSED and answer.params["show_alert"] is True
    [bad] = sends(await story.say("/thongke abc", TRUONG))
    assert bad.params["text"] == st.ASK_DAYS


# -- the weekly report ---------------------------------------------------------------------------


async def run_weekly_job(app: Any) -> None:
    """Run the Application's own scheduled job once, as its JobQueue would."""
    assert app.job_queue is not None
    [job] = app.job_queue.get_jobs_by_name("weekly_report")
    await job.run(app)


async def test_two_instances_send_the_weekly_report_exactly_once(
    knowledge: Path, database_url: str, clock: FakeClock
):
    apis = [LocalBotApi(), LocalBotApi()]
    apps = [
        build_application(
            settings_for(knowledge, database_url), request=api, clock=clock, rate_limit=False
        )
        for api in apis
    ]
    async with apps[0], apps[1]:
        story = Story(apps[0], apis[0], clock)
        await file_phan_anh(story)
        await story.deliver()

        async def both_run_and_deliver() -> list[Call]:
            before = [len(api.calls) for api in apis]
            await asyncio.gather(*(run_weekly_job(app) for app in apps))
            await asyncio.gather(*(a.bot_data.outbox.deliver_once(a.bot) for a in apps))
            return [c for api, n in zip(apis, before, strict=True) for c in api.calls[n:]]

        [report] = photos(await both_run_and_deliver())  # Monday 09:00: last week's report
        assert int(report.params["chat_id"]) == LEADERS_CHAT
        caption = report.params["caption"]
        assert "Báo cáo tuần 30/11–06/12/2026" in caption and "Đang quá hạn: <b>0</b>" in caption
        check_png(report.files["photo"])
        assert photos(await both_run_and_deliver()) == []  # the same week: nothing more

        clock.advance(days=7)  # the next Monday 09:00: the report on the week just ended
        [next_report] = photos(await both_run_and_deliver())
        caption = next_report.params["caption"]
        assert "Báo cáo tuần 07/12–13/12/2026" in caption
        assert "Trong tuần: nhận 1, giải quyết 0" in caption
        assert "Đang quá hạn: <b>1</b>" in caption  # never acknowledged

        # Five weeks later the case is older than the chart's four weeks, yet still overdue.
        clock.advance(weeks=5)
        [later] = photos(await both_run_and_deliver())
        caption = later.params["caption"]
        assert "Báo cáo tuần 11/01–17/01/2027" in caption and "nhận 0" in caption
        assert "Đang quá hạn: <b>1</b>" in caption
        check_png(later.files["photo"])  # an empty window still draws a chart
