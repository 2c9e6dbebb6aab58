"""Statistics for leaders, as use cases: who may look, the summary, the chart on demand, and
the weekly report queued once a week through the outbox (rendered when it is delivered)."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta

from bot import stats_texts as t
from bot.complaints import official_for_user
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.reports_schema import Reports
from bot.ports import Clock
from bot.statistics import CaseFacts, Summary, WeekPoint, start_of_day, summarize, week_start
from bot.statistics import weekly_trend as trend_of
from bot.stats_format import day_text, percent, summary_text, vn_number
from bot.storage.complaint_models import OutboxMessage
from bot.storage.complaint_repo import Outgoing
from bot.storage.stats_repo import StatsStore
from bot.workdays import VN_TZ, local_date

WEEKLY_PURPOSE = "weekly_report"
DEFAULT_DAYS = 30
DEFAULT_WEEKS = 8


class ReportService:
    """Statistics over the complaint tables, for officials and leaders; never Telegram."""

    def __init__(self, kb: KnowledgeBase, store: StatsStore, clock: Clock) -> None:
        self.kb = kb
        self.store = store
        self.clock = clock

    @property
    def config(self) -> Reports | None:
        return self.kb.reports

    @property
    def weeks(self) -> int:
        weekly = self.config.weekly_report if self.config else None
        return weekly.weeks if weekly else DEFAULT_WEEKS

    # -- who may look ---------------------------------------------------------------------------

    def refusal(self, user_id: int, chat_id: int, private: bool) -> str | None:
        """None when statistics may be shown here, else the polite reason why not.

        In a private chat: officials of officials.yaml and the leaders of reports.yaml. In a
        group: only the leaders' chat, where the weekly report goes anyway."""
        leaders_chat = self.config.leaders_chat_id if self.config else None
        if not private:
            return None if chat_id == leaders_chat else t.GROUP_REFUSED
        if official_for_user(user_id, self.kb.officials) is not None:
            return None
        leaders = self.config.leaders if self.config else []
        return None if any(x.telegram_id == user_id for x in leaders) else t.REFUSED

    # -- numbers ---------------------------------------------------------------------------------

    def office_of(self, official_id: str) -> str:
        official = self.kb.officials.get(official_id)
        return official.office if official else official_id

    def names(self) -> dict[str, dict[str, str]]:
        """Display names of types, categories and communes, for texts and exports."""
        return {
            "type": {k: v.name for k, v in self.kb.deadlines.types.items()},
            "category": {c.id: c.name for c in self.kb.routing.categories},
            "commune": {k: v.name for k, v in self.kb.communes.items()},
        }

    async def facts(
        self, since: datetime | None = None, active_since: datetime | None = None
    ) -> list[CaseFacts]:
        """Cases received since `since`; with `active_since`, only those that moved since."""
        return await self.store.case_facts(self.kb.officials, since, active_since)

    async def summary(self, since: datetime | None = None) -> Summary:
        """Statistics of the cases received since `since` (all when None), as of now."""
        return summarize(await self.facts(since), self.clock.now(), self.office_of, since)

    def since_days(self, days: int) -> datetime:
        """Midnight (Vietnam) `days - 1` days ago: "7 days" is today and the six before."""
        return start_of_day(local_date(self.clock.now()) - timedelta(days=days - 1))

    async def summary_text(self, days: int = DEFAULT_DAYS) -> str:
        return summary_text(await self.summary(self.since_days(days)), self.names())

    async def chart(self, days: int = DEFAULT_DAYS) -> tuple[bytes, str]:
        """The chart of the last `days` days and its caption."""
        now = self.clock.now()
        since = self.since_days(days)
        this_week = week_start(local_date(now))
        first_week = start_of_day(this_week - timedelta(weeks=self.weeks - 1))
        facts = await self.facts(active_since=min(since, first_week))
        summary = summarize(facts, now, self.office_of, since)
        trend = trend_of(facts, this_week, self.weeks)
        png = await self._draw(summary, trend)
        return png, t.CHART_CAPTION.format(since=day_text(since), until=day_text(now))

    async def _draw(self, summary: Summary, trend: list[WeekPoint]) -> bytes:
        assert summary.since is not None
        title = t.CHART_TITLE.format(
            since=day_text(summary.since), until=day_text(min(summary.until, summary.now))
        )
        # matplotlib takes a second to import: only when a chart is first drawn.
        from bot.stats_chart import render_chart

        # Drawing takes a few hundred milliseconds: off the event loop, as the queries are.
        return await asyncio.to_thread(render_chart, summary, trend, title)

    # -- the weekly report ------------------------------------------------------------------------

    def due_week(self, now: datetime) -> date | None:
        """The Monday of the week whose report is due at `now`: the last whole week before the
        latest scheduled moment. None when no weekly report is configured."""
        weekly = self.config.weekly_report if self.config else None
        if weekly is None:
            return None
        today = local_date(now)
        day = today - timedelta(days=(today.weekday() - weekly.weekday) % 7)
        moment = datetime.combine(day, weekly.at, tzinfo=VN_TZ)
        if moment > now:
            moment -= timedelta(weeks=1)
        return week_start(moment.date()) - timedelta(weeks=1)

    async def queue_weekly(self) -> bool:
        """Queue the due weekly report unless it was ever queued (by any instance); True if
        this call queued it. Run it as often as you like: the key is unique per week."""
        now = self.clock.now()
        week = self.due_week(now)
        if week is None or self.config is None:
            return False
        facts = await self.facts(active_since=self._window(week))
        summary, trend = self._weekly(facts, week)
        # Open cases are always read: an overdue case received long ago still counts here.
        overdue = summarize(facts, now, self.office_of).total.overdue
        point = trend[-1]
        on_time = (
            t.WEEKLY_ON_TIME.format(rate=percent(point.on_time_rate))
            if point.on_time_rate is not None
            else ""
        )
        average = summary.average_rating
        caption = t.WEEKLY_CAPTION.format(
            start=week.strftime("%d/%m"),
            end=(week + timedelta(days=6)).strftime("%d/%m/%Y"),
            received=point.received,
            resolved=point.resolved,
            on_time=on_time,
            overdue=overdue,
            rating=(
                t.RATING_NONE
                if average is None
                else t.RATING.format(average=vn_number(average), count=len(summary.ratings))
            ),
            weeks=len(trend),
        )
        message = Outgoing(
            self.config.leaders_chat_id, caption, WEEKLY_PURPOSE, key=weekly_key(week)
        )
        return await self.store.queue_once(message, now)

    async def render(self, message: OutboxMessage) -> bytes:
        """The chart of a queued weekly report, drawn when it is delivered (the outbox keeps
        text, not images)."""
        week = date.fromisoformat((message.key or "").rsplit(":", 1)[-1])
        summary, trend = self._weekly(await self.facts(active_since=self._window(week)), week)
        return await self._draw(summary, trend)

    def _window(self, week: date) -> datetime:
        """The start of the weekly report's first week (its chart shows `weeks` weeks)."""
        return start_of_day(week - timedelta(weeks=self.weeks - 1))

    def _weekly(self, facts: list[CaseFacts], week: date) -> tuple[Summary, list[WeekPoint]]:
        """Cases received over the trend's weeks up to the end of `week`, as they stand now."""
        until = start_of_day(week + timedelta(weeks=1)) - timedelta(microseconds=1)
        summary = summarize(facts, self.clock.now(), self.office_of, self._window(week), until)
        return summary, trend_of(facts, week, self.weeks)


def weekly_key(week: date) -> str:
    """The outbox key of the report on the week starting `week`: one per week, ever."""
    return f"{WEEKLY_PURPOSE}:{week.isoformat()}"
