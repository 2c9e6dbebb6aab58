"""Citizens' questions through the real Application (recording transport, real SQLite)."""

from __future__ import annotations

from sqlmodel import Session, select

from bot import texts
from bot.storage.models import QuestionLog
from tests import builders
from tests.conftest import Harness, buttons, sent_message, texts_of
from tests.html_check import assert_telegram_html


def _replies(calls):
    return [c for c in calls if c.method in ("sendMessage", "editMessageText")]


async def test_start_greets_courteously_with_the_menu(harness: Harness):
    [reply] = _replies(await harness.say("/start"))
    assert "xin chào Lan" in reply.params["text"] and "Cảm ơn" in reply.params["text"]
    keyboard = reply.params["reply_markup"]["keyboard"]
    assert [texts.MENU_PROCEDURES, texts.MENU_COMPLAINT] in [
        [b if isinstance(b, str) else b["text"] for b in row] for row in keyboard
    ]


async def test_vietnamese_commands_are_published(harness: Harness):
    await harness.app.post_init(harness.app)
    [call] = [c for c in harness.api.calls if c.method == "setMyCommands"]
    described = {c["command"]: c["description"] for c in call.params["commands"]}
    assert described["start"].startswith("Bắt đầu") and "phananh" in described


async def test_teen_code_fee_question_gets_the_id_card_fee_first(harness: Harness):
    [card] = _replies(await harness.say("lam cccd mat bn tien"))
    text = card.params["text"]
    assert "căn cước" in text.lower()
    assert text.index("Lệ phí") < text.index("Thời hạn")  # the asked aspect leads
    labels = [label for label, _ in buttons(card)]
    assert len(labels) == 6 and any("Hồ sơ" in label for label in labels)
    assert_telegram_html(text)
    # Shown as HTML (bold names), without a preview of the first link; not quoting the question.
    assert card.params["parse_mode"] == "HTML"
    assert card.params["link_preview_options"] == {"is_disabled": True}
    assert "reply_parameters" not in card.params


async def test_asking_for_opening_hours_gets_the_offices_hours_addresses_and_phones(
    harness: Harness,
):
    [reply] = _replies(await harness.say("thứ 7 xã có làm việc không"))
    text = reply.params["text"]
    kb = harness.app.bot_data.questions.kb
    with_hours = [o for o in kb.offices.values() if o.hours]
    assert with_hours  # the shipped offices give the one-stop centres' hours
    for office in with_hours:
        assert office.name in text and office.hours in text
        assert all(address in text for address in office.addresses)
        assert office.hotline is None or office.hotline in text
    assert "chưa được xác minh" in text  # the hours are not all confirmed (offices.yaml)
    assert_telegram_html(text)
    assert "Lệ phí" not in text  # not a procedure card


async def test_the_merger_question_gets_its_answer_with_the_source(harness: Harness):
    [reply] = _replies(await harness.say("sáp nhập tỉnh có phải đổi căn cước không"))
    text = reply.params["text"]
    [faq] = harness.app.bot_data.questions.kb.faq
    assert faq.question in text and faq.answer.splitlines()[0] in text
    assert f"Nguồn: {faq.source}" in text and "chưa được xác minh" in text
    assert "Lệ phí" not in text  # not the identity card's procedure card
    assert_telegram_html(text)


async def test_section_button_shows_that_section_and_is_answered(harness: Harness):
    [card] = _replies(await harness.say("giấy độc thân xin ở đâu dzậy"))
    assert "hôn nhân" in card.params["text"].lower()
    calls = await harness.press(card, "Hồ sơ")
    [edit] = [c for c in calls if c.method == "editMessageText"]
    assert "Hồ sơ" in edit.params["text"] and "1." in edit.params["text"]
    assert any(c.method == "answerCallbackQuery" for c in calls)
    assert_telegram_html(edit.params["text"])


async def test_follow_up_refers_to_the_last_procedure(harness: Harness):
    await harness.say("đăng ký kết hôn cần giấy tờ gì")
    [card] = _replies(await harness.say("còn lệ phí?"))
    assert "kết hôn" in card.params["text"].lower() and "Lệ phí" in card.params["text"]


async def test_follow_up_without_a_subject_asks_which_procedure(harness: Harness):
    [reply] = _replies(await harness.say("mất mấy ngày vậy"))
    assert reply.params["text"] == texts.FOLLOWUP_WITHOUT_SUBJECT


async def test_unanswerable_question_can_be_passed_to_staff_once(harness: Harness, settings):
    [reply] = _replies(await harness.say("cho hỏi quy định nuôi chim yến trong khu dân cư ra sao"))
    assert reply.params["text"] == texts.NO_MATCH
    calls = await harness.press(reply, "Gửi câu hỏi")
    assert any("đã chuyển câu hỏi của anh/chị tới cán bộ" in t for t in texts_of(calls))
    group = harness.app.bot_data.handoff.config.operators_chat_id
    await harness.app.bot_data.outbox.deliver_once(harness.app.bot)
    [note] = harness.api.sent(group)  # the operators' group gets the question, with a claim button
    assert "nuôi chim yến" in note.params["text"] and "Tôi nhận" in str(note.params["reply_markup"])
    again = await harness.press(reply, "Gửi câu hỏi")
    [answer] = [c for c in again if c.method == "answerCallbackQuery"]
    assert answer.params["text"] == texts.FORWARD_REFUSED
    engine = harness.app.bot_data.questions.store.engine
    with Session(engine) as s:
        row = s.exec(select(QuestionLog).where(QuestionLog.outcome == "unanswered")).one()
        assert row.asker_chat_id == builders.CITIZEN["id"] and row.forwarded_at is not None


async def test_forged_buttons_change_nothing(harness: Harness):
    [reply] = _replies(await harness.say("quy định nuôi chim yến trong khu dân cư ra sao"))
    message = sent_message(reply)
    data = dict(buttons(reply))
    forward = next(v for k, v in data.items() if "Gửi" in k)
    qid = forward.split("|")[1]
    for forged in (
        f"f|{qid}|wrongtoken",
        "f|999999|abc",
        "s|khong-ton-tai|f",
        "s|khai-sinh|zz",
        "totally-garbage",
        "g|99",
        "x" * 80,
    ):
        calls = await harness.feed(builders.press(forged, message))
        answered = [c for c in calls if c.method == "answerCallbackQuery"]
        assert answered, forged  # every press is answered…
        assert not [c for c in calls if c.method == "sendMessage"], forged  # …and nothing sent
    engine = harness.app.bot_data.questions.store.engine
    with Session(engine) as s:
        assert all(r.forwarded_at is None for r in s.exec(select(QuestionLog)))


async def test_close_candidates_offer_a_choice(harness: Harness):
    [reply] = _replies(await harness.say("chứng thực"))
    assert reply.params["text"] == texts.DID_YOU_MEAN
    options = [(label, data) for label, data in buttons(reply) if data.startswith("p|")]
    assert 2 <= len(options) <= 3 and all(d.startswith("p|chung-thuc") for _, d in options)
    assert any(data.startswith("f|") for _, data in buttons(reply))  # "none of these" way out
    calls = await harness.press(reply, options[0][0])
    [shown] = [c for c in calls if c.method == "editMessageText"]
    assert options[0][0] in shown.params["text"]


async def test_complaint_report_and_out_of_scope(harness: Harness):
    [reply] = _replies(await harness.say("cán bộ xã đòi tiền mới làm hồ sơ cho tôi"))
    assert "phản ánh" in reply.params["text"]
    [reply] = _replies(await harness.say("tối nay đá banh mấy giờ vậy"))
    assert reply.params["text"] == texts.OUT_OF_SCOPE


async def test_non_text_gets_a_polite_answer(harness: Harness):
    for update in (builders.sticker(), builders.photo(), builders.voice()):
        [reply] = _replies(await harness.feed(update))
        assert reply.params["text"] == texts.NON_TEXT


async def test_groups_answer_only_mentions_and_commands(harness: Harness):
    group = builders.group_chat()
    assert not _replies(await harness.feed(builders.message("làm hộ chiếu ở đâu", chat=group)))
    asked = builders.message("@dongthap_dvc_bot làm hộ chiếu ở đâu", chat=group)
    [reply] = _replies(await harness.feed(asked))
    assert "hộ chiếu" in reply.params["text"].lower()
    # Among others' messages, the answer quotes the question it answers.
    assert reply.params["reply_parameters"]["message_id"] == asked["message"]["message_id"]
    assert reply.params["parse_mode"] == "HTML"
    assert not _replies(await harness.feed(builders.sticker(chat=group)))


async def test_edited_messages_are_not_answered_twice(harness: Harness):
    assert not _replies(await harness.feed(builders.edited("làm hộ chiếu ở đâu")))


async def test_bad_input_always_gets_a_polite_valid_reply(harness: Harness):
    cases = [
        "   ",
        "😀😀😀🙏",
        "khai\u200b sinh\u202e cần gì",
        "<b>khai sinh</b><script>alert(1)</script> & lệ phí",
        "a" * 10_000,
        "khai sinh " * 1500,
        "\u0000\u0001\u0002",
        "/khonglenhnay",
    ]
    for text in cases:
        replies = _replies(await harness.say(text))
        assert replies, repr(text[:30])
        for r in replies:
            assert_telegram_html(r.params["text"])
            assert "<script>" not in r.params["text"]
    long_replies = _replies(await harness.say("khai sinh " * 1500))
    assert "ký tự" in long_replies[0].params["text"]


async def test_browsing_groups_reaches_a_procedure(harness: Harness):
    [menu] = _replies(await harness.say(texts.MENU_PROCEDURES))
    calls = await harness.press(menu, "Hộ tịch")
    [group] = [c for c in calls if c.method == "editMessageText"]
    calls = await harness.press(group, "khai sinh")
    [card] = [c for c in calls if c.method == "editMessageText"]
    assert "khai sinh" in card.params["text"].lower()
