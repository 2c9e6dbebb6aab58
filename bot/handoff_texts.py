"""Vietnamese texts of the handoff to staff: the citizen's side and the operators' group."""

from __future__ import annotations

OPENED = (
    "Dạ, em đã chuyển câu hỏi của anh/chị tới cán bộ. 🙋\n"
    "Cán bộ sẽ trả lời ngay trong cuộc trò chuyện này, anh/chị chờ em một chút nhé."
)
OPENED_LATER = (
    "Dạ, em đã chuyển câu hỏi của anh/chị tới cán bộ. 🙋\n"
    "Bây giờ ngoài giờ làm việc, cán bộ sẽ trả lời anh/chị vào <b>{when}</b>. "
    "Em xin lỗi vì anh/chị phải chờ. 🙏"
)
LATER = "Bây giờ ngoài giờ làm việc, cán bộ sẽ trả lời anh/chị vào <b>{when}</b>. 🙏"
OPENED_EMPTY = "Dạ, em đã báo cán bộ. Anh/chị nhắn câu hỏi ở đây, em chuyển ngay cho cán bộ nhé."
ADDED = "Dạ, em đã chuyển thêm tin nhắn này tới cán bộ."
CITIZEN_CLOSE = "✖️ Thôi, không cần nữa"
CITIZEN_DONE = "✅ Đã rõ, cảm ơn"
CLOSED_BY_CITIZEN = "Dạ, em đã kết thúc cuộc trao đổi với cán bộ. Cảm ơn anh/chị! 🙏"
CLOSED_BY_STAFF = (
    "Cán bộ đã kết thúc cuộc trao đổi. Cần hỏi thêm, anh/chị cứ nhắn em nhé. Cảm ơn anh/chị! 🙏"
)
CLOSED_IDLE = (
    "Cuộc trao đổi với cán bộ đã tạm đóng vì lâu không có tin nhắn mới. "
    "Cần hỏi thêm, anh/chị cứ nhắn em nhé."
)
ANSWER = "👤 <b>Trả lời của cán bộ</b>{who}:\n\n{text}"
ANSWER_WHO = " {name} ({title})"

# -- operators' group --------------------------------------------------------------------------
NEW = (
    "🙋 <b>Câu hỏi #{id} cần cán bộ trả lời</b>\n"
    "Người hỏi: {name}\n"
    "Nội dung: {question}\n\n"
    "<i>Bot hiểu: {understood}</i>"
)
MORE = "➕ <b>Câu hỏi #{id}</b> – {name} nhắn thêm:\n{text}"
TO_STAFF = "💬 <b>#{id}</b> – {name} nhắn:\n{text}"
BTN_CLAIM = "🙋 Tôi nhận"
BTN_ANSWER = "💬 Trả lời"
BTN_CLOSE = "✅ Đóng"
CLAIMED = "✅ {staff} đã nhận câu hỏi #{id}."
CLAIMED_YOU = "Anh/chị đã nhận câu hỏi #{id}. Bấm Trả lời để gửi câu trả lời cho người hỏi."
TAKEN = "Câu hỏi này đã có người nhận: {staff}."
NOT_STAFF = "Chỉ cán bộ trong danh sách tiếp nhận câu hỏi mới được nhận và trả lời."
NOT_CLAIMER = "Câu hỏi này do {staff} phụ trách."
ASK_ANSWER = "Anh/chị trả lời (reply) tin nhắn này để gửi câu trả lời cho người hỏi #{id}:"
SENT = "Đã gửi câu trả lời cho người hỏi #{id}."
CLOSED = "Câu hỏi #{id} đã đóng."
ALREADY_CLOSED = "Câu hỏi #{id} đã đóng trước đó."
REMINDER = "⏰ Câu hỏi #{id} của {name} đã chờ {minutes} phút mà chưa ai nhận."
UNDELIVERABLE = "⚠️ Không gửi được câu trả lời cho người hỏi #{id}: {reason}."
QUEUE_EMPTY = "Không có câu hỏi nào đang chờ. 👍"
QUEUE_TITLE = "<b>Câu hỏi đang chờ cán bộ</b> (cũ nhất trước)"
QUEUE_LINE = "• #{id} – {name}, chờ {waited}: {status}"
QUEUE_WAITING = "chưa ai nhận"
QUEUE_CLAIMED = "{staff} đang trả lời"
MINUTES = "{n} phút"
HOURS = "{h} giờ {m} phút"
NOTHING_UNDERSTOOD = "không tìm được thủ tục phù hợp"
# What the bot had answered, by the outcome recorded in the question log.
BOT_ANSWERED = {
    "unanswered": "bot đã xin lỗi vì chưa trả lời được",
    "suggested": 'bot đã gợi ý vài thủ tục, người hỏi chọn "không phải"',
    "answered": "bot đã trả lời, người hỏi vẫn cần cán bộ",
}
ASKED_FOR_PERSON = "người hỏi xin gặp cán bộ"
