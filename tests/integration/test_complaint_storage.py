"""The complaint workflow's storage and delivery on real SQLite and real PostgreSQL.

Drafts, filing in one transaction, compare-and-set and keyed changes, the outbox's claims and
leases, the OutboxWorker against a fake Telegram bot, and the sweep run by two instances at once.
"Two instances" are two ComplaintStore objects, each on its own engine over the same database.

Knowledge: tests/data/kb_min (officials chu-tich 9001 > truong-phong 9002 > can-bo 9003;
ha-tang outside phuong-my-tho goes to can-bo; operators' group -1009999).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from telegram.error import Forbidden, NetworkError, RetryAfter

import bot.casework
from bot.button_seal import key_from_token, unseal
from bot.casework import CaseService
from bot.knowledge.base import KnowledgeBase
from bot.knowledge.loader import load_knowledge
from bot.notify import BACKOFF_SECONDS, MAX_ATTEMPTS, OutboxWorker
from bot.ports import ChatClaims
from bot.storage.complaint_models import Complaint, ComplaintDraft, OutboxMessage
from bot.storage.complaint_repo import Change, ComplaintStore, Outgoing
from bot.storage.db import make_engine, migrate
from bot.storage.handoff_models import HandoffCase
from bot.storage.handoff_repo import HandoffStore
from bot.sweep import sweep_overdue
from tests.clock import FakeClock

MINI = Path(__file__).resolve().parents[1] / "data" / "kb_min"
NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # Monday 09:00 in Vietnam
OPERATORS = -1009999
CAN_BO_CHAT, TRUONG_PHONG_CHAT = 9003, 9002
CITIZEN_CHAT = 7_212_345_678  # Telegram user ids no longer fit in 32 bits
PHOTO = "AgACAgUAAxkBAAIBZ2Vn-photo-1"  # a Telegram file id
ROAD = "Đường trước nhà số 12 ấp 3 bị ổ gà lớn, xe máy té liên tục vào ban đêm."


# -- databases -----------------------------------------------------------------------------------


@pytest.fixture
def connect(database_url: str) -> Iterator[Callable[[], Engine]]:
    """Makes engines on the test's database, as separate bot instances would; disposes them."""
    made: list[Engine] = []

    def make() -> Engine:
        made.append(make_engine(database_url))
        return made[-1]

    yield make
    for engine in made:
        engine.dispose()


@pytest.fixture
def engine(connect: Callable[[], Engine]) -> Engine:
    eng = connect()
    migrate(eng)
    return eng


@pytest.fixture
def store(engine: Engine) -> ComplaintStore:
    return ComplaintStore(engine)


@pytest.fixture
def other_store(connect: Callable[[], Engine], engine: Engine) -> ComplaintStore:
    """A second instance: its own engine (own connection pool) on the same, migrated database."""
    return ComplaintStore(connect())


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge(MINI)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


# -- domain objects ------------------------------------------------------------------------------


def make_case(code: str = "PA-7KQ3M-X9ZTA", **values: Any) -> Complaint:
    """A phản ánh about a road in Xã Tân Hiệp, received Monday morning, assigned to can-bo."""
    fields: dict[str, Any] = {
        "code": code,
        "type": "phan-anh",
        "category": "ha-tang",
        "commune_id": "xa-tan-hiep",
        "description": ROAD,
        "photos": [PHOTO],
        "latitude": 10.36012,
        "longitude": 106.36458,
        "citizen_chat_id": CITIZEN_CHAT,
        "full_name": "Trần Văn Dân",
        "phone": "0912345678",
        "assigned_official_id": "can-bo",
        "status": "received",
        "received_at": NOW,
        "ack_due": NOW + timedelta(days=2),
        "resolve_due": NOW + timedelta(days=16),
    }
    return Complaint(**(fields | values))


def filed_change(code: str, key: str | None = None) -> Change:
    """What filing records: the "filed" event and the new-case notice to the official."""
    return Change(
        actor="citizen",
        action="filed",
        detail="giao can-bo (rule)",
        messages=[
            Outgoing(
                chat_id=CAN_BO_CHAT,
                text=f"📥 Phản ánh mới <code>{code}</code>: {ROAD}",
                purpose="new_case",
                buttons=[[["✅ Tiếp nhận", f"o|ack|{code}"], ["💬 Trả lời", f"o|ans|{code}"]]],
                official_id="can-bo",
                key=key,
            )
        ],
    )


def make_draft(chat_id: int = CITIZEN_CHAT, **values: Any) -> ComplaintDraft:
    fields: dict[str, Any] = {
        "chat_id": chat_id,
        "user_id": chat_id,
        "step": "type",
        "updated_at": NOW,
    }
    return ComplaintDraft(**(fields | values))


def complete_draft(chat_id: int = CITIZEN_CHAT, photos: tuple[str, ...] = ()) -> ComplaintDraft:
    return make_draft(
        chat_id,
        step="confirm",
        type="phan-anh",
        category="ha-tang",
        commune_id="xa-tan-hiep",
        description=ROAD,
        photos=list(photos),
        latitude=10.36012,
        longitude=106.36458,
        anonymous=True,
    )


def never_called() -> str:
    raise AssertionError("no collision expected, yet a new code was asked for")


async def file_case(
    store: ComplaintStore, code: str = "PA-7KQ3M-X9ZTA", **values: Any
) -> Complaint:
    filed = await store.file(make_case(code, **values), filed_change(code), never_called)
    assert filed.id is not None
    return filed


async def submit(cases: CaseService, photos: tuple[str, ...] = ()) -> Complaint:
    """A citizen completes a draft and files it through the real use case."""
    await cases.store.save_draft(complete_draft(photos=photos))
    _, filed = await cases.submit(complete_draft(photos=photos))
    assert filed is not None and filed.id is not None
    return filed


def rows(outbox: list[OutboxMessage], **match: Any) -> list[OutboxMessage]:
    return [m for m in outbox if all(getattr(m, k) == v for k, v in match.items())]


# -- 1. drafts -----------------------------------------------------------------------------------


async def test_draft_is_saved_at_every_step_read_back_and_dropped(store: ComplaintStore):
    other_chat = 5_123_456_789
    await store.save_draft(make_draft())
    await store.save_draft(make_draft(other_chat, description="Đèn đường hỏng"))

    steps: list[tuple[str, dict[str, Any]]] = [
        ("category", {"type": "phan-anh"}),
        ("commune", {"category": "ha-tang"}),
        ("description", {"commune_id": "xa-tan-hiep"}),
        ("attachments", {"description": ROAD}),
        ("attachments", {"photos": [PHOTO]}),
        ("attachments", {"photos": [PHOTO, "AgACAgUAAxkB-photo-2"]}),
        ("identity", {"latitude": 10.36012, "longitude": 106.36458}),
        ("confirm", {"full_name": "Trần Văn Dân", "phone": "0912345678", "anonymous": False}),
    ]
    expected: dict[str, Any] = {}
    for minute, (step, values) in enumerate(steps, start=1):
        draft = await store.draft(CITIZEN_CHAT)
        assert draft is not None
        for name, value in values.items():
            setattr(draft, name, value)
        draft.step = step
        draft.updated_at = NOW + timedelta(minutes=minute)
        await store.save_draft(draft)
        expected |= values | {"step": step, "updated_at": NOW + timedelta(minutes=minute)}

    draft = await store.draft(CITIZEN_CHAT)
    assert draft is not None
    assert draft.chat_id == CITIZEN_CHAT and draft.user_id == CITIZEN_CHAT
    assert {name: getattr(draft, name) for name in expected} == expected
    assert draft.updated_at.tzinfo is not None and draft.updated_at == NOW + timedelta(minutes=8)

    # Starting over replaces the draft: nothing of the old one survives.
    await store.save_draft(make_draft(step="type", updated_at=NOW + timedelta(hours=1)))
    restarted = await store.draft(CITIZEN_CHAT)
    assert restarted is not None
    assert (restarted.step, restarted.category, restarted.photos, restarted.full_name) == (
        "type",
        None,
        [],
        None,
    )

    await store.drop_draft(CITIZEN_CHAT)
    await store.drop_draft(CITIZEN_CHAT)  # dropping twice (double press) is harmless
    assert await store.draft(CITIZEN_CHAT) is None
    untouched = await store.draft(other_chat)
    assert untouched is not None and untouched.description == "Đèn đường hỏng"


async def test_chat_is_claimed_only_by_its_draft_or_its_open_handoff(engine: Engine):
    store, other_chat = HandoffStore(engine), 5_123_456_789
    assert await store.chat_claims(CITIZEN_CHAT) == ChatClaims(draft_step=None, handoff=False)
    await store.save_draft(make_draft(step="description"))
    assert await store.chat_claims(CITIZEN_CHAT) == ChatClaims("description", handoff=False)
    assert await store.chat_claims(other_chat) == ChatClaims(None, handoff=False)
    await store.drop_draft(CITIZEN_CHAT)
    assert await store.chat_claims(CITIZEN_CHAT) == ChatClaims(None, handoff=False)

    case = HandoffCase(
        citizen_chat_id=CITIZEN_CHAT,
        citizen_name="Dân",
        question="Xin hỏi thủ tục nuôi chim yến?",
        understood="không rõ",
        status="waiting",
        created_at=NOW,
        last_activity_at=NOW,
    )
    case = await store.open_handoff(case, lambda _: [], NOW)
    assert case.id is not None
    assert await store.chat_claims(CITIZEN_CHAT) == ChatClaims(None, handoff=True)
    assert await store.chat_claims(other_chat) == ChatClaims(None, handoff=False)
    assert await store.change_handoff(case.id, 0, {"status": "claimed"}, [], NOW)
    await store.save_draft(make_draft(step="type"))
    assert await store.chat_claims(CITIZEN_CHAT) == ChatClaims("type", handoff=True)
    assert await store.change_handoff(case.id, 1, {"status": "closed", "closed_at": NOW}, [], NOW)
    assert await store.chat_claims(CITIZEN_CHAT) == ChatClaims("type", handoff=False)


# -- 2. filing -----------------------------------------------------------------------------------


async def test_file_commits_case_event_and_outbox_together_and_drops_the_draft(
    store: ComplaintStore, other_store: ComplaintStore
):
    await store.save_draft(complete_draft())
    filed = await store.file(make_case(), filed_change("PA-7KQ3M-X9ZTA"), never_called)
    assert filed.id is not None and filed.version == 0

    # Another instance sees all of it at once.
    case = await other_store.by_code("PA-7KQ3M-X9ZTA")
    assert case is not None and case.id == filed.id
    assert (case.citizen_chat_id, case.assigned_official_id, case.status) == (
        CITIZEN_CHAT,
        "can-bo",
        "received",
    )
    assert case.received_at == NOW and case.ack_due == NOW + timedelta(days=2)
    assert case.photos == [PHOTO] and case.description == ROAD
    [event] = await other_store.history(filed.id)
    assert (event.action, event.actor, event.at) == ("filed", "citizen", NOW)
    [message] = await other_store.outbox()
    assert (message.complaint_id, message.chat_id, message.official_id) == (
        filed.id,
        CAN_BO_CHAT,
        "can-bo",
    )
    assert (message.status, message.attempts, message.not_before) == ("pending", 0, NOW)
    assert message.buttons == [
        [["✅ Tiếp nhận", "o|ack|PA-7KQ3M-X9ZTA"], ["💬 Trả lời", "o|ans|PA-7KQ3M-X9ZTA"]]
    ]
    assert await other_store.draft(CITIZEN_CHAT) is None


async def test_file_that_fails_midway_leaves_no_case_no_event_and_keeps_the_draft(
    store: ComplaintStore,
):
    # The notification cannot be queued (its key is taken): the whole filing must not happen.
    await store.enqueue([Outgoing(CAN_BO_CHAT, "cũ", "new_case", key="new:taken")], NOW)
    await store.save_draft(complete_draft())
    codes = iter(f"PA-RETRY-0000{i}" for i in range(10))
    with pytest.raises((RuntimeError, IntegrityError)):
        await store.file(make_case(), filed_change("PA-7KQ3M-X9ZTA", "new:taken"), codes.__next__)

    assert await store.of_citizen(CITIZEN_CHAT) == []
    assert await store.count_events("filed") == 0
    assert [m.key for m in await store.outbox()] == ["new:taken"]
    assert await store.draft(CITIZEN_CHAT) is not None  # the citizen can still send it


async def test_file_retries_a_tracking_code_collision_with_a_fresh_code(store: ComplaintStore):
    first = await file_case(store, "PA-7KQ3M-X9ZTA", citizen_chat_id=5_000_000_001)
    await store.save_draft(complete_draft())
    fresh: list[str] = []

    def new_code() -> str:
        fresh.append("PA-HT4WC-M2NQD")
        return fresh[-1]

    second = await store.file(make_case("PA-7KQ3M-X9ZTA"), filed_change("PA-7KQ3M-X9ZTA"), new_code)

    assert fresh == ["PA-HT4WC-M2NQD"]  # asked once, used
    assert second.id is not None and second.id != first.id and second.code == "PA-HT4WC-M2NQD"
    stored = await store.by_code("PA-HT4WC-M2NQD")
    assert stored is not None and stored.id == second.id and stored.citizen_chat_id == CITIZEN_CHAT
    unchanged = await store.by_code("PA-7KQ3M-X9ZTA")
    assert unchanged is not None and unchanged.id == first.id
    assert unchanged.citizen_chat_id == 5_000_000_001
    assert [e.action for e in await store.history(second.id)] == ["filed"]
    assert [e.action for e in await store.history(first.id)] == ["filed"]  # type: ignore[arg-type]
    outbox = await store.outbox()
    assert len(rows(outbox, complaint_id=first.id)) == 1
    assert len(rows(outbox, complaint_id=second.id)) == 1
    assert await store.draft(CITIZEN_CHAT) is None


async def test_official_is_notified_with_the_code_the_case_got_after_a_collision(
    store: ComplaintStore, kb: KnowledgeBase, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
):
    """The notice's text and buttons must name the filed case, not the code that collided."""
    taken = await file_case(store, "PA-7KQ3M-X9ZTA", citizen_chat_id=5_000_000_001)
    codes = iter(["PA-7KQ3M-X9ZTA", "PA-HT4WC-M2NQD"])  # the first one is already in use
    monkeypatch.setattr(bot.casework, "new_code", lambda _type: next(codes))
    cases = CaseService(kb, store, clock)

    filed = await submit(cases, photos=(PHOTO,))

    assert filed.code == "PA-HT4WC-M2NQD" and taken.code == "PA-7KQ3M-X9ZTA"
    outbox = await store.outbox()
    [photo] = rows(outbox, complaint_id=filed.id, purpose="new_case_photo")
    [notice] = rows(outbox, complaint_id=filed.id, purpose="new_case")
    for text in (photo.text, notice.text):
        assert "PA-HT4WC-M2NQD" in text and "PA-7KQ3M-X9ZTA" not in text, text
    callbacks = [data for row in notice.buttons or [] for _label, data in row]
    assert callbacks and all(data.endswith("|PA-HT4WC-M2NQD") for data in callbacks), callbacks


# -- 3. changes ----------------------------------------------------------------------------------


def acknowledge(at: datetime) -> Change:
    return Change(
        values={"status": "acknowledged", "acknowledged_at": at},
        actor="can-bo",
        action="acknowledged",
        messages=[Outgoing(CITIZEN_CHAT, "Hồ sơ đã được tiếp nhận.", "acknowledged")],
    )


def transfer() -> Change:
    return Change(
        values={"assigned_official_id": "truong-phong"},
        actor="truong-phong",
        action="transferred",
        detail="can-bo → truong-phong",
        messages=[
            Outgoing(
                TRUONG_PHONG_CHAT, "Hồ sơ chuyển cho anh/chị.", "transferred", None, "truong-phong"
            )
        ],
    )


async def test_two_changes_read_at_the_same_version_only_one_applies(store: ComplaintStore):
    case = await file_case(store)
    assert case.id is not None
    results = await asyncio.gather(
        store.change(case.id, 0, acknowledge(NOW + timedelta(hours=1)), NOW + timedelta(hours=1)),
        store.change(case.id, 0, transfer(), NOW + timedelta(hours=1)),
    )
    assert sorted(results) == [False, True]

    after = await store.by_id(case.id)
    assert after is not None and after.version == 1
    actions = [e.action for e in await store.history(case.id)]
    purposes = [m.purpose for m in await store.outbox()]
    if results[0]:  # the acknowledgement won; the transfer left no trace
        assert (after.status, after.assigned_official_id) == ("acknowledged", "can-bo")
        assert after.acknowledged_at == NOW + timedelta(hours=1)
        assert actions == ["filed", "acknowledged"]
        assert purposes == ["new_case", "acknowledged"]
    else:
        assert (after.status, after.assigned_official_id) == ("received", "truong-phong")
        assert after.acknowledged_at is None
        assert actions == ["filed", "transferred"]
        assert purposes == ["new_case", "transferred"]

    # A change read before the winner is refused even later, and changes nothing.
    assert not await store.change(case.id, 0, acknowledge(NOW), NOW + timedelta(hours=2))
    again = await store.by_id(case.id)
    assert again is not None and again.version == 1
    assert len(await store.history(case.id)) == 2 and len(await store.outbox()) == 2


def escalation(case_id: int, due: datetime) -> Change:
    """A keyed change whose messages carry no key of their own: only the change's key may
    keep them from being queued twice."""
    return Change(
        values={"assigned_official_id": "truong-phong", "escalation_level": 1},
        actor="system",
        action="escalated",
        detail="can-bo → truong-phong",
        key=f"{case_id}:escalate_ack:{due.isoformat()}",
        messages=[
            Outgoing(
                TRUONG_PHONG_CHAT, "Chuyển lên do quá hạn.", "escalated", None, "truong-phong"
            ),
            Outgoing(CITIZEN_CHAT, "Hồ sơ đã được chuyển lên.", "escalated"),
        ],
    )


async def test_keyed_change_applies_once_across_instances_and_repeats(
    store: ComplaintStore, other_store: ComplaintStore
):
    case = await file_case(store)
    assert case.id is not None
    due = case.ack_due
    at = due + timedelta(minutes=5)

    # Both instances read version 0 and apply the same keyed change at once, twice each.
    results = await asyncio.gather(
        *(s.change(case.id, 0, escalation(case.id, due), at) for s in [store, other_store] * 2)
    )
    assert results.count(True) == 1

    # A later run that has read the new version must still not apply it a second time.
    fresh = await other_store.by_id(case.id)
    assert fresh is not None and fresh.version == 1
    assert not await other_store.change(case.id, 1, escalation(case.id, due), at)
    assert not await store.change(case.id, 1, escalation(case.id, due), at)

    after = await store.by_id(case.id)
    assert after is not None
    assert (after.version, after.escalation_level, after.assigned_official_id) == (
        1,
        1,
        "truong-phong",
    )
    assert await store.count_events("escalated") == 1
    outbox = await store.outbox()
    assert len(rows(outbox, purpose="escalated", chat_id=TRUONG_PHONG_CHAT)) == 1
    assert len(rows(outbox, purpose="escalated", chat_id=CITIZEN_CHAT)) == 1


# -- 4. claiming the outbox ----------------------------------------------------------------------


async def queue(store: ComplaintStore, count: int, now: datetime, tag: str) -> list[int]:
    await store.enqueue(
        [Outgoing(OPERATORS, f"Tin {tag}-{i}", "alert", key=f"{tag}:{i}") for i in range(count)],
        now,
    )
    return [m.id for m in await store.outbox() if (m.key or "").startswith(f"{tag}:")]  # type: ignore[misc]


async def assert_claims_never_overlap(a: ComplaintStore, b: ComplaintStore, tag: str) -> None:
    for round_ in range(8):  # several rounds: a race shows up in at least one of them
        due = await queue(a, 6, NOW, f"{tag}{round_}")
        got_a, got_b = await asyncio.gather(a.claim("worker-a", NOW), b.claim("worker-b", NOW))
        ids_a, ids_b = {m.id for m in got_a}, {m.id for m in got_b}
        assert not ids_a & ids_b, f"round {round_}: both workers claimed {ids_a & ids_b}"
        assert ids_a | ids_b == set(due)
        claimed_by = {m.id: m.claimed_by for m in await a.outbox() if m.id in set(due)}
        assert claimed_by == {i: "worker-a" for i in ids_a} | {i: "worker-b" for i in ids_b}
        for m in got_a:
            await a.sent(m.id, "worker-a", NOW)  # type: ignore[arg-type]
        for m in got_b:
            await b.sent(m.id, "worker-b", NOW)  # type: ignore[arg-type]
    assert {m.status for m in await a.outbox()} == {"sent"}


async def test_two_workers_claiming_at_once_never_get_the_same_message(store: ComplaintStore):
    await assert_claims_never_overlap(store, store, "same-engine")


async def test_two_instances_claiming_at_once_never_get_the_same_message(
    store: ComplaintStore, other_store: ComplaintStore
):
    await assert_claims_never_overlap(store, other_store, "two-engines")


async def test_claim_lease_hides_messages_until_it_expires_then_another_worker_takes_them(
    store: ComplaintStore, other_store: ComplaintStore
):
    ids = await queue(store, 3, NOW, "lease")
    taken = await store.claim("worker-a", NOW, lease_seconds=60)
    assert [m.id for m in taken] == ids
    assert all(m.claimed_by == "worker-a" for m in taken)
    assert all(m.claimed_until == NOW + timedelta(seconds=60) for m in taken)

    # While the lease runs nobody, not even the same worker, claims them again.
    assert await other_store.claim("worker-b", NOW + timedelta(seconds=59)) == []
    assert await store.claim("worker-a", NOW + timedelta(seconds=30)) == []

    # worker-a crashed: once the lease has run out, worker-b takes the messages over.
    later = NOW + timedelta(seconds=61)
    retaken = await other_store.claim("worker-b", later, lease_seconds=60)
    assert [m.id for m in retaken] == ids and all(m.claimed_by == "worker-b" for m in retaken)

    # The crashed worker coming back cannot settle messages it no longer holds...
    await store.sent(ids[0], "worker-a", later)
    await store.failed(ids[1], "worker-a", "late")
    await store.retry(ids[2], "worker-a", later + timedelta(hours=1), "late")
    for m in await store.outbox():
        assert (m.status, m.claimed_by, m.sent_at, m.attempts, m.last_error) == (
            "pending",
            "worker-b",
            None,
            0,
            None,
        )
        assert m.not_before == NOW and m.claimed_until == later + timedelta(seconds=60)

    # ...while the holder can.
    await other_store.sent(ids[0], "worker-b", later)
    [first] = [m for m in await store.outbox() if m.id == ids[0]]
    assert (first.status, first.sent_at) == ("sent", later)


async def test_message_not_due_yet_is_not_claimed(store: ComplaintStore):
    [flooded, plain] = await queue(store, 2, NOW, "due")
    [first] = await store.claim("worker-a", NOW, limit=1)
    assert first.id == flooded  # oldest first, limit honoured
    await store.retry(flooded, "worker-a", NOW + timedelta(minutes=5), "flood control")

    [other] = await store.claim("worker-b", NOW + timedelta(seconds=1))
    assert other.id == plain  # the rescheduled message is not due yet
    await store.sent(plain, "worker-b", NOW + timedelta(seconds=1))
    assert await store.claim("worker-b", NOW + timedelta(minutes=4, seconds=59)) == []
    [due] = await store.claim("worker-b", NOW + timedelta(minutes=5))
    assert (due.id, due.attempts, due.last_error) == (flooded, 1, "flood control")


# -- 5. delivery ---------------------------------------------------------------------------------


class FakeBot:
    """Stands in for telegram.Bot: raises the planned errors per chat, in order, then succeeds."""

    token = "123:TEST"  # the key of the buttons' seals (bot.button_seal)

    def __init__(self, plan: dict[int, list[Exception]] | None = None) -> None:
        self.plan = plan or {}
        self.attempts: list[int] = []
        self.delivered: list[tuple[int, str, Any]] = []  # (chat, text or caption, markup/photo)

    async def send_message(self, chat_id: int, text: str, reply_markup: Any = None) -> None:
        self._attempt(chat_id)
        self.delivered.append((chat_id, text, reply_markup))

    async def send_photo(self, chat_id: int, photo: str, caption: str | None = None) -> None:
        self._attempt(chat_id)
        self.delivered.append((chat_id, caption or "", photo))

    def _attempt(self, chat_id: int) -> None:
        self.attempts.append(chat_id)
        errors = self.plan.get(chat_id)
        if errors:
            raise errors.pop(0)

    def to(self, chat_id: int) -> list[tuple[int, str, Any]]:
        return [d for d in self.delivered if d[0] == chat_id]


def callbacks(markup: Any, chat_id: int = CAN_BO_CHAT) -> list[str | None]:
    """The buttons' data as the bot made it, once their seal for the chat is checked."""
    key = key_from_token(FakeBot.token)
    return [unseal(key, chat_id, b.callback_data) for row in markup.inline_keyboard for b in row]


async def outbox_row(store: ComplaintStore, **match: Any) -> OutboxMessage:
    [row] = rows(await store.outbox(), **match)
    return row


async def test_retry_after_reschedules_and_the_message_is_sent_once_after_the_wait(
    store: ComplaintStore, kb: KnowledgeBase, clock: FakeClock
):
    cases = CaseService(kb, store, clock)
    filed = await submit(cases)
    fake = FakeBot({CAN_BO_CHAT: [RetryAfter(5)]})
    worker = OutboxWorker(cases, "instance-1")

    report = await worker.deliver_once(fake)  # type: ignore[arg-type]
    assert (report.sent, report.retried, report.failed) == (0, 1, 0)
    row = await outbox_row(store, complaint_id=filed.id)
    assert (row.status, row.not_before, row.claimed_until) == (
        "pending",
        NOW + timedelta(seconds=5),
        None,
    )

    clock.advance(seconds=4)
    await worker.deliver_once(fake)  # type: ignore[arg-type]
    assert fake.attempts == [CAN_BO_CHAT] and fake.delivered == []  # waits as told

    clock.advance(seconds=1)
    report = await worker.deliver_once(fake)  # type: ignore[arg-type]
    assert report.sent == 1
    clock.advance(minutes=10)
    await worker.deliver_once(fake)  # type: ignore[arg-type]

    [(chat, text, markup)] = fake.delivered
    assert chat == CAN_BO_CHAT and filed.code in text
    assert f"o|ack|{filed.code}" in callbacks(markup)
    row = await outbox_row(store, complaint_id=filed.id)
    assert (row.status, row.sent_at) == ("sent", NOW + timedelta(seconds=5))


async def test_a_worker_slowed_past_its_lease_leaves_the_rest_of_its_batch_to_the_new_holder(
    store: ComplaintStore, other_store: ComplaintStore, kb: KnowledgeBase, clock: FakeClock
):
    first, second = await queue(store, 2, NOW, "slow")
    late_bot = FakeBot()

    class StalledBot(FakeBot):
        """Telegram hangs on the first send past the lease; meanwhile instance B takes over."""

        async def send_message(self, chat_id: int, text: str, reply_markup: Any = None) -> None:
            self._attempt(chat_id)
            clock.advance(seconds=61)
            await OutboxWorker(CaseService(kb, other_store, clock), "instance-b").deliver_once(
                late_bot  # type: ignore[arg-type]
            )
            raise NetworkError("timed out")  # never reached Telegram

    stalled = StalledBot()
    await OutboxWorker(CaseService(kb, store, clock), "instance-a").deliver_once(stalled)  # type: ignore[arg-type]
    assert stalled.attempts == [OPERATORS]  # A did not go on with a batch it no longer held
    assert [text for _, text, _ in late_bot.delivered] == ["Tin slow-0", "Tin slow-1"]
    assert {(m.id, m.status) for m in await store.outbox()} == {(first, "sent"), (second, "sent")}


async def test_network_errors_back_off_then_fail_and_alert_the_operators(
    store: ComplaintStore, kb: KnowledgeBase, clock: FakeClock
):
    cases = CaseService(kb, store, clock)
    filed = await submit(cases)
    fake = FakeBot({CAN_BO_CHAT: [NetworkError("Connection reset by peer")] * (MAX_ATTEMPTS + 5)})
    worker = OutboxWorker(cases, "instance-1")

    for attempt in range(MAX_ATTEMPTS - 1):
        report = await worker.deliver_once(fake)  # type: ignore[arg-type]
        assert (report.retried, report.failed) == (1, 0), attempt
        row = await outbox_row(store, complaint_id=filed.id)
        wait = timedelta(seconds=BACKOFF_SECONDS[attempt])
        assert (row.status, row.attempts, row.not_before) == (
            "pending",
            attempt + 1,
            clock.now() + wait,
        )
        clock.advance(seconds=wait.total_seconds() - 1)
        await worker.deliver_once(fake)  # type: ignore[arg-type]
        assert len(fake.attempts) == attempt + 1  # not before the backoff has passed
        clock.advance(seconds=1)

    report = await worker.deliver_once(fake)  # type: ignore[arg-type]
    assert (report.retried, report.failed) == (0, 1)
    assert fake.attempts == [CAN_BO_CHAT] * MAX_ATTEMPTS
    row = await outbox_row(store, complaint_id=filed.id)
    assert row.status == "failed" and "Connection reset" in (row.last_error or "")
    alert = await outbox_row(store, purpose="alert")
    assert (alert.chat_id, alert.status) == (OPERATORS, "pending")
    assert str(CAN_BO_CHAT) in alert.text and "new_case" in alert.text

    report = await worker.deliver_once(fake)  # type: ignore[arg-type]
    assert report.sent == 1 and [d[0] for d in fake.delivered] == [OPERATORS]
    assert fake.attempts.count(CAN_BO_CHAT) == MAX_ATTEMPTS  # given up for good
    case = await store.by_id(filed.id)  # type: ignore[arg-type]
    # A network error says nothing about the official: the case stays where it is.
    assert case is not None and case.assigned_official_id == "can-bo"


async def test_official_who_blocked_the_bot_fails_and_the_case_goes_to_the_supervisor(
    store: ComplaintStore, kb: KnowledgeBase, clock: FakeClock
):
    """can-bo blocked the bot: the new case (its photo, then the notice) bounces; the case
    moves up one level to truong-phong, once, and the operators are told."""
    cases = CaseService(kb, store, clock)
    filed = await submit(cases, photos=(PHOTO,))
    assert filed.id is not None
    blocked = Forbidden("Forbidden: bot was blocked by the user")
    fake = FakeBot({CAN_BO_CHAT: [blocked] * 10})  # a blocked chat stays blocked
    worker = OutboxWorker(cases, "instance-1")

    report = await worker.deliver_once(fake)  # type: ignore[arg-type]
    assert (report.sent, report.failed) == (0, 2)
    for purpose in ("new_case_photo", "new_case"):
        bounced = await outbox_row(store, complaint_id=filed.id, purpose=purpose)
        assert bounced.status == "failed" and "blocked" in (bounced.last_error or "")

    case = await store.by_id(filed.id)
    assert case is not None
    assert (case.assigned_official_id, case.version) == ("truong-phong", 1), (
        "the case must move up exactly one level, to can-bo's supervisor"
    )
    [undeliverable] = [e for e in await store.history(filed.id) if e.action == "undeliverable"]
    assert undeliverable.actor == "system" and "can-bo" in (undeliverable.detail or "")
    moved = await outbox_row(store, complaint_id=filed.id, purpose="escalated")
    assert (moved.chat_id, moved.official_id) == (TRUONG_PHONG_CHAT, "truong-phong")
    assert filed.code in moved.text and "Lê Văn Bộ" in moved.text  # names who was unreachable
    moved_photo = await outbox_row(store, complaint_id=filed.id, purpose="escalated_photo")
    assert (moved_photo.chat_id, moved_photo.photo) == (TRUONG_PHONG_CHAT, PHOTO)
    alerts = rows(await store.outbox(), purpose="alert")
    assert alerts and all(a.chat_id == OPERATORS and str(CAN_BO_CHAT) in a.text for a in alerts)

    clock.advance(seconds=30)
    report = await worker.deliver_once(fake)  # type: ignore[arg-type]
    assert report.failed == 0 and report.sent == 2 + len(alerts)
    assert {d[0] for d in fake.delivered} == {TRUONG_PHONG_CHAT, OPERATORS}
    assert fake.attempts.count(CAN_BO_CHAT) == 2  # a blocked chat is not retried
    [(_, caption, photo), (_, _, markup)] = fake.to(TRUONG_PHONG_CHAT)
    assert photo == PHOTO and filed.code in caption
    assert f"o|ack|{filed.code}" in callbacks(markup, TRUONG_PHONG_CHAT)


async def test_citizen_who_blocked_the_bot_fails_without_moving_the_case(
    store: ComplaintStore, kb: KnowledgeBase, clock: FakeClock
):
    cases = CaseService(kb, store, clock)
    filed = await submit(cases)
    assert filed.id is not None
    assert await store.change(filed.id, 0, acknowledge(NOW), NOW)
    fake = FakeBot({CITIZEN_CHAT: [Forbidden("Forbidden: bot was blocked by the user")]})
    report = await OutboxWorker(cases, "instance-1").deliver_once(fake)  # type: ignore[arg-type]

    assert (report.sent, report.failed) == (1, 1)  # the official's notice still went out
    told = await outbox_row(store, purpose="acknowledged")
    assert told.status == "failed"
    case = await store.by_id(filed.id)
    assert case is not None and (case.assigned_official_id, case.version) == ("can-bo", 1)
    assert await store.count_events("undeliverable") == 0
    assert (await outbox_row(store, purpose="alert")).chat_id == OPERATORS


async def test_blocked_former_assignee_does_not_move_a_case_already_with_someone_else(
    store: ComplaintStore, kb: KnowledgeBase, clock: FakeClock
):
    """can-bo's old notice bounces after the case went to truong-phong, who is reachable."""
    cases = CaseService(kb, store, clock)
    filed = await submit(cases)
    assert filed.id is not None
    assert await store.change(filed.id, 0, transfer(), NOW + timedelta(minutes=1))
    clock.advance(minutes=2)
    fake = FakeBot({CAN_BO_CHAT: [Forbidden("Forbidden: bot was blocked by the user")]})

    await OutboxWorker(cases, "instance-1").deliver_once(fake)  # type: ignore[arg-type]

    assert (await outbox_row(store, purpose="new_case")).status == "failed"
    assert (await outbox_row(store, purpose="alert")).chat_id == OPERATORS
    case = await store.by_id(filed.id)
    assert case is not None
    assert (case.assigned_official_id, case.version) == ("truong-phong", 1), (
        "the case left the reachable official because someone else's chat was blocked"
    )
    assert await store.count_events("undeliverable") == 0


# -- 6. the sweep on two instances ---------------------------------------------------------------


async def test_sweep_on_two_instances_escalates_and_apologises_once(
    store: ComplaintStore, other_store: ComplaintStore, kb: KnowledgeBase, clock: FakeClock
):
    # Acknowledged cases whose resolve deadline passed last Wednesday.
    received = NOW - timedelta(days=21)
    overdue = [
        await file_case(
            store,
            code,
            citizen_chat_id=CITIZEN_CHAT + n,
            status="acknowledged",
            received_at=received,
            acknowledged_at=received + timedelta(days=1),
            ack_due=received + timedelta(days=2),
            resolve_due=NOW - timedelta(days=5),
            delay_reason="Chờ kinh phí sửa đường",
        )
        for n, code in enumerate(["PA-7KQ3M-X9ZTA", "PA-HT4WC-M2NQD", "PA-3RFJ7-UVYEK"])
    ]
    one = CaseService(kb, store, clock)
    two = CaseService(kb, other_store, clock)

    reports = await asyncio.gather(sweep_overdue(one), sweep_overdue(two))

    n = len(overdue)
    assert sum(r.escalated for r in reports) == n and sum(r.apologised for r in reports) == n
    assert await store.count_events("escalated") == n
    assert await store.count_events("apology") == n
    outbox = await store.outbox()
    for case in overdue:
        after = await store.by_id(case.id)  # type: ignore[arg-type]
        assert after is not None
        assert (after.assigned_official_id, after.escalation_level, after.version) == (
            "truong-phong",
            1,
            1,
        )
        assert after.resolve_due > NOW
        actions = [e.action for e in await store.history(case.id)]  # type: ignore[arg-type]
        assert actions == ["filed", "escalated", "apology"]
        [apology] = rows(outbox, complaint_id=case.id, purpose="apology")
        assert apology.chat_id == case.citizen_chat_id and case.code in apology.text
        escalated = rows(outbox, complaint_id=case.id, purpose="escalated")
        assert sorted(m.chat_id for m in escalated) == sorted(
            [TRUONG_PHONG_CHAT, case.citizen_chat_id]
        )

    # Sweeping again, on either instance, does nothing more.
    again = await asyncio.gather(sweep_overdue(two), sweep_overdue(one))
    assert all((r.escalated, r.apologised) == (0, 0) for r in again)
    assert await store.count_events("escalated") == n
    assert len(await store.outbox()) == len(outbox)
