"""What the matcher understands of the kinds of messages the issue names."""

import unicodedata
from pathlib import Path

import pytest

from bot.knowledge.loader import load_knowledge
from bot.understanding import Understander

KNOWLEDGE = Path(__file__).resolve().parents[2] / "knowledge"


@pytest.fixture(scope="module")
def u() -> Understander:
    return Understander(load_knowledge(KNOWLEDGE))


@pytest.mark.parametrize(
    ("text", "procedure", "aspect"),
    [
        ("lam cccd mat bn tien", "can-cuoc", "fee"),
        ("giấy độc thân xin ở đâu dzậy", "xac-nhan-hon-nhan", "where"),
        ("so do lan dau can giay to j", "gcn-lan-dau", "documents"),
        ("làm hộ chiếu mất mấy ngày", "ho-chieu", "time"),
        ("dang ky tam tru online duoc ko", "tam-tru", "online"),
        ("thủ tục khiếu nại thế nào", "khieu-nai", "general"),
        # "sổ hồng" is what many call the land certificate: every "sổ đỏ" name applies to it.
        ("sổ hồng bị mất thì xin cấp lại như thế nào", "cap-doi-gcn", "general"),
        ("so hong bi mat lam lai sao", "cap-doi-gcn", "general"),
        ("lam so hong lan dau", "gcn-lan-dau", "general"),
        ("xe mua lại của người quen chưa sang tên giờ làm sao", "dang-ky-xe", "general"),
        # Noise from karaoke is a report; a licence for a karaoke shop is a question.
        ("mở quán karaoke cần giấy phép gì", "ho-kinh-doanh", "documents"),
        # "… thì ra xã hay ra bệnh viện" asks where, though "ở nhà" says where he died.
        (
            "ba tôi mất ở nhà, giờ muốn làm giấy báo tử thì ra xã hay ra bệnh viện",
            "khai-tu",
            "where",
        ),
    ],
)
def test_procedure_questions_as_citizens_write_them(
    u: Understander, text: str, procedure: str, aspect: str
):
    got = u.understand(text)
    assert (got.intent, got.best and got.best.id, got.aspect) == ("procedure", procedure, aspect)


def test_nfd_input_and_old_tone_placement_match_alike(u: Understander):
    text = "Thủ tục đăng ký kết hôn cần giấy tờ gì"
    nfd = u.understand(unicodedata.normalize("NFD", text))
    assert nfd.best and nfd.best.id == "ket-hon"
    assert u.understand(text).best == nfd.best
    old_style = u.understand("hồ sơ hưởng trợ cấp xã hội cho người khuyết tật nặng (hoà nhập)")
    new_style = u.understand("hồ sơ hưởng trợ cấp xã hội cho người khuyết tật nặng (hòa nhập)")
    assert old_style.best == new_style.best and old_style.best is not None


def test_a_report_is_a_complaint_but_asking_how_to_complain_is_a_procedure(u: Understander):
    assert u.understand("cán bộ xã đòi tiền mới làm hồ sơ").intent == "complaint"
    assert u.understand("đèn đường trước nhà tôi hư cả tháng nay").intent == "complaint"
    asked = u.understand("muốn tố cáo cán bộ thì nộp đơn ở đâu")
    assert (asked.intent, asked.best and asked.best.id) == ("procedure", "to-cao")


def test_tones_separate_words_that_folding_merges(u: Understander):
    # "lạm thu" (over-charging) is a complaint cue; "làm thủ tục" is not.
    assert u.understand("làm thủ tục nhận con có mất phí không").intent == "procedure"
    assert u.understand("xã lạm thu tiền của dân").intent == "complaint"


def test_greetings_help_and_off_topic(u: Understander):
    assert u.understand("chào em").intent == "help"
    assert u.understand("bot này dùng sao vậy").intent == "help"
    assert u.understand("gặp cán bộ").wants_human
    assert u.understand("giá vàng hôm nay bao nhiêu").intent == "none"
    assert u.understand("😀😀").intent == "none"


def test_follow_up_has_an_aspect_but_no_procedure(u: Understander):
    got = u.understand("còn lệ phí?")
    assert (got.intent, got.aspect, got.matches) == ("procedure", "fee", [])


def test_typos_and_run_together_words_are_rescued(u: Understander):
    assert u.understand("dang ky khaisinh").best.id == "khai-sinh"
    assert u.understand("ly lich tu phapp").best.id == "ly-lich-tu-phap"


@pytest.mark.parametrize(
    "text",
    [
        "mấy giờ bộ phận một cửa mở cửa",
        "thứ 7 xã có làm việc không",
        "số điện thoại đường dây nóng của tỉnh",
        "sdt ubnd xa",
        "giờ làm việc của trung tâm hành chính công tỉnh",
        "xã mấy giờ nghỉ trưa vậy",
        "cho xin số điện thoại của xã",
    ],
)
def test_hours_and_phone_numbers_of_the_offices_are_not_read_as_a_procedure(
    u: Understander, text: str
):
    got = u.understand(text)
    assert got.wants_offices and got.intent == "help" and got.matches == []


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Tối nay Việt Nam đá với Thái Lan mấy giờ?", "none"),  # hours, but of no office
        ("Cho tôi hỏi số điện thoại tiệm sửa xe gần chợ Cao Lãnh.", "none"),
        ("gọi điện thoại lên xã hoài mà không ai nghe máy", "complaint"),  # a report
        ("xã hẹn thứ 7 lên lấy giấy mà tới nơi thì đóng cửa", "complaint"),
        ("đăng ký kết hôn ở phường mất mấy ngày", "procedure"),
        ("công an phường có làm căn cước ngày chủ nhật không", "procedure"),
        ("lịch tiếp dân của chủ tịch xã", "procedure"),  # the reception schedule
    ],
)
def test_other_messages_naming_hours_phones_or_offices_keep_their_reading(
    u: Understander, text: str, intent: str
):
    got = u.understand(text)
    assert not got.wants_offices and got.intent == intent


def test_at_home_asks_for_online_filing_only_when_it_is_about_doing_it_from_home(
    u: Understander,
):
    for text in ("lam cccd o nha dc ko", "ngồi nhà làm hộ chiếu được không"):
        assert u.understand(text).aspect == "online", text
    for text in (
        "đk thường trú cho vợ về ở nhà chồng cần sổ hộ khẩu k",  # where she will live
        "Tui tính mở quán cà phê ở nhà, có phải đi đăng ký giấy phép kinh doanh hông?",
    ):
        assert u.understand(text).aspect != "online", text


@pytest.mark.parametrize(
    "text",
    [
        "mình ở tiền giang cũ giờ nhập vô đồng tháp thì giấy tờ có phải đổi lại hết không",
        "sáp nhập tỉnh có phải đổi căn cước không",  # names the card, asks about the merger
        "sau sáp nhập xã thì sổ đỏ có phải làm lại không",
        "sap nhap co phai doi cccd ko",
        "giấy khai sinh ghi tỉnh tiền giang cũ có còn giá trị không",
    ],
)
def test_the_merger_question_gets_the_answer_of_faq_yaml(u: Understander, text: str):
    got = u.understand(text)
    assert got.faq == "giay-to-sau-sap-nhap" and got.intent == "help" and got.matches == []


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("sáp nhập xã rồi thì lên đâu làm khai sinh", "procedure"),  # a procedure, asked
        ("nhập hộ khẩu vô nhà chồng có phải đổi căn cước không", "procedure"),
        ("làm lại căn cước bị mất", "procedure"),
        ("xã mới sáp nhập mà cán bộ bắt đổi giấy tờ đòi tiền", "complaint"),  # a report
    ],
)
def test_messages_near_the_merger_question_keep_their_reading(
    u: Understander, text: str, intent: str
):
    got = u.understand(text)
    assert got.faq is None and got.intent == intent
