"""Every Vietnamese sentence and button label a citizen or official sees (HTML for Telegram)."""

from __future__ import annotations

# -- menu (reply keyboard) ------------------------------------------------------------------
MENU_PROCEDURES = "📋 Tra cứu thủ tục"
MENU_COMPLAINT = "📝 Gửi phản ánh"
MENU_TRACK = "🔎 Phản ánh của tôi"
MENU_HUMAN = "🙋 Gặp cán bộ"
MENU_HELP = "❓ Hướng dẫn"
MENU_ROWS = [[MENU_PROCEDURES, MENU_COMPLAINT], [MENU_TRACK, MENU_HUMAN], [MENU_HELP]]
MENU_PLACEHOLDER = "Gõ câu hỏi, ví dụ: làm căn cước mất bao lâu?"

# -- section buttons ------------------------------------------------------------------------
SECTION_LABELS = {
    "documents": "📑 Hồ sơ",
    "fee": "💰 Lệ phí",
    "time": "⏱ Thời hạn",
    "where": "📍 Nơi nộp",
    "online": "🌐 Nộp trực tuyến",
    "legal": "⚖️ Căn cứ pháp lý",
}
SECTION_TITLES = {
    "documents": "Hồ sơ cần chuẩn bị",
    "fee": "Lệ phí",
    "time": "Thời hạn giải quyết",
    "where": "Nơi nộp hồ sơ",
    "online": "Nộp trực tuyến",
    "legal": "Căn cứ pháp lý",
}
BUTTON_FORWARD = "📨 Gửi câu hỏi cho cán bộ"
BUTTON_NONE_OF_THESE = "🙋 Không phải, hỏi cán bộ"
BUTTON_ALL_GROUPS = "⬅️ Các nhóm thủ tục"

# -- commands (setMyCommands) -----------------------------------------------------------------
COMMANDS = [
    ("start", "Bắt đầu, xem danh mục"),
    ("help", "Hướng dẫn sử dụng"),
    ("thutuc", "Tra cứu thủ tục hành chính"),
    ("phananh", "Gửi phản ánh, khiếu nại, tố cáo"),
    ("tracuu", "Tra cứu phản ánh đã gửi"),
    ("xoadulieu", "Xóa dữ liệu cá nhân của tôi"),
]

# -- greetings and help ---------------------------------------------------------------------
START = (
    "Dạ, <b>xin chào {name}</b>! 😊\n"
    "Em là trợ lý dịch vụ công của <b>tỉnh Đồng Tháp</b>.\n\n"
    "Em có thể giúp anh/chị:\n"
    "• Tra cứu thủ tục: cần giấy tờ gì, lệ phí, bao lâu, nộp ở đâu\n"
    "• Gửi phản ánh, kiến nghị\n"
    "• Chuyển câu hỏi tới cán bộ\n\n"
    "Anh/chị cứ gõ câu hỏi như khi nói chuyện, có dấu hay không dấu đều được.\n"
    "Ví dụ: <i>làm căn cước mất bao lâu</i>, <i>so do lan dau can giay to gi</i>.\n\n"
    "Cảm ơn anh/chị đã tin dùng dịch vụ! 🙏"
)
HELP = (
    "<b>Hướng dẫn sử dụng</b>\n\n"
    "1️⃣ Gõ câu hỏi về thủ tục, ví dụ:\n"
    "   • <i>đăng ký khai sinh cần gì</i>\n"
    "   • <i>sang tên sổ đỏ mất bao lâu</i>\n"
    "   • <i>làm hộ chiếu online được không</i>\n"
    "2️⃣ Bấm các nút Hồ sơ, Lệ phí, Thời hạn… để xem từng phần.\n"
    "3️⃣ Hỏi tiếp ngắn gọn, ví dụ <i>còn lệ phí?</i>, em hiểu là hỏi thủ tục vừa xem.\n"
    "4️⃣ Bấm <b>📝 Gửi phản ánh</b> nếu anh/chị gặp việc cần phản ánh.\n\n"
    "Lệnh: /start · /help · /thutuc · /phananh"
)
GREETING_REPLY = "Dạ, em chào anh/chị ạ! 😊\nAnh/chị cần hỏi thủ tục gì, cứ gõ câu hỏi cho em nhé."
THANKS_REPLY = "Dạ, em cảm ơn anh/chị! Cần gì thêm anh/chị cứ nhắn em nhé. 🙏"
OUT_OF_SCOPE = (
    "Dạ, em xin lỗi, em chỉ hỗ trợ được các thủ tục hành chính và phản ánh, kiến nghị "
    "của tỉnh Đồng Tháp thôi ạ. 🙏\n"
    "Anh/chị có thể hỏi, ví dụ: <i>làm giấy khai sinh cần gì</i>."
)

# -- answers --------------------------------------------------------------------------------
DID_YOU_MEAN = "Dạ, anh/chị muốn hỏi thủ tục nào ạ? Anh/chị bấm chọn giúp em nhé:"
NO_MATCH = (
    "Dạ, em xin lỗi, em chưa tìm được thủ tục phù hợp với câu hỏi của anh/chị. 🙏\n\n"
    "Anh/chị có thể:\n"
    "• Gõ lại ngắn gọn tên thủ tục, ví dụ <i>đăng ký tạm trú</i>\n"
    "• Bấm <b>📋 Tra cứu thủ tục</b> để xem danh mục\n"
    "• Bấm nút bên dưới để em chuyển câu hỏi cho cán bộ trả lời"
)
FOLLOWUP_WITHOUT_SUBJECT = (
    "Dạ, anh/chị đang hỏi về thủ tục nào ạ? "
    "Anh/chị gõ giúp em tên thủ tục, ví dụ <i>lệ phí làm hộ chiếu</i>."
)
FORWARDED = (
    "Dạ, em đã ghi nhận và chuyển câu hỏi của anh/chị tới cán bộ. "
    "Cán bộ sẽ trả lời anh/chị sớm nhất có thể. Cảm ơn anh/chị đã kiên nhẫn! 🙏\n"
    "Cần gấp, anh/chị vui lòng gọi đường dây nóng {hotline}."
)
FORWARD_REFUSED = "Dạ, câu hỏi này đã được chuyển rồi, hoặc không còn chuyển được nữa ạ."
COMPLAINT_NOTE = (
    "Dạ, em rất tiếc về việc anh/chị gặp phải. 🙏\n"
    "Để phản ánh, kiến nghị, anh/chị có thể:\n"
    "• Gọi đường dây nóng <b>{hotline}</b>\n"
    "• Gửi trên Cổng Dịch vụ công quốc gia: dichvucong.gov.vn (mục Phản ánh kiến nghị)\n"
    "• Đến trực tiếp Trung tâm Phục vụ hành chính công nơi anh/chị ở\n\n"
    "Em xin cảm ơn anh/chị đã lên tiếng để chính quyền phục vụ tốt hơn."
)
HUMAN_NOTE = (
    "Dạ, anh/chị muốn gặp cán bộ ạ. Anh/chị gõ câu hỏi, em sẽ chuyển tới cán bộ; "
    "hoặc gọi đường dây nóng <b>{hotline}</b> (giờ hành chính)."
)
OFFICES_TITLE = (
    "🕗 <b>Giờ làm việc, địa chỉ và số điện thoại</b>\n"
    "Dạ, anh/chị có thể đến hoặc gọi các nơi sau ạ:"
)
OFFICES_UNKNOWN = (
    "Dạ, em chưa có giờ làm việc của các cơ quan ạ. 🙏\n"
    "Anh/chị vui lòng gọi {hotline} để hỏi trước khi đi nhé."
)
UNVERIFIED = (
    "ℹ️ <i>Một số thông tin trên chưa được xác minh lại với cơ quan có thẩm quyền. "
    "Anh/chị vui lòng hỏi thêm nơi nộp hồ sơ hoặc gọi {hotline} trước khi đi nhé.</i>"
)
MORE_BELOW = "Bấm các nút bên dưới để xem chi tiết từng phần."
UNKNOWN_PROCEDURE = (
    "Dạ, thủ tục này không còn trong danh mục. Anh/chị vui lòng hỏi lại giúp em nhé."
)
GROUPS_TITLE = "Dạ, đây là các nhóm thủ tục. Anh/chị chọn một nhóm nhé:"
GROUP_TITLE = "<b>{group}</b>\nAnh/chị chọn thủ tục cần xem:"

# -- bad input ------------------------------------------------------------------------------
EMPTY = "Dạ, em chưa nhận được nội dung. Anh/chị gõ câu hỏi bằng chữ giúp em nhé."
TOO_LONG = (
    "Dạ, tin nhắn hơi dài ({length} ký tự), em chỉ đọc {limit} ký tự đầu. "
    "Anh/chị gõ ngắn gọn câu hỏi chính giúp em nhé."
)
NON_TEXT = (
    "Dạ, em cảm ơn anh/chị! Hiện em chỉ đọc được tin nhắn chữ ạ. Anh/chị gõ câu hỏi giúp em nhé. 😊"
)
TOO_FAST = (
    "Dạ, anh/chị gửi hơi nhanh, em xin phép tạm dừng một phút để kịp đọc ạ. "
    "Anh/chị gửi lại sau ít phút giúp em nhé. 🙏"
)
BUTTON_REFUSED = "Dạ, nút này không dùng được ở đây ạ. Anh/chị dùng nút trong tin nhắn em gửi nhé."
# -- personal data (/xoadulieu) -------------------------------------------------------------
ERASE_CONFIRM = (
    "Dạ, anh/chị muốn em <b>xóa dữ liệu cá nhân</b> của mình?\n\n"
    "Em sẽ xóa: họ tên, số điện thoại, nội dung và ảnh của các phản ánh đã giải quyết xong, "
    "câu hỏi đã gửi cán bộ và bản phản ánh đang soạn dở.\n"
    "Số liệu thống kê (loại việc, ngày, kết quả) vẫn được giữ, không còn gắn với anh/chị.\n\n"
    "Việc này không hoàn tác được ạ."
)
BTN_ERASE = "🗑 Xóa dữ liệu"
BTN_KEEP = "Giữ lại"
ERASE_DONE = "Dạ, em đã xóa dữ liệu cá nhân của anh/chị. Cảm ơn anh/chị đã tin dùng dịch vụ. 🙏"
ERASE_KEPT = "Dạ, em giữ nguyên dữ liệu ạ."
ERASE_REFUSED_CASES = (
    "Dạ, anh/chị còn phản ánh đang được xử lý: {codes}.\n"
    "Cán bộ cần thông tin để liên hệ và trả lời anh/chị, nên em chưa xóa được ạ. "
    "Khi các phản ánh này giải quyết xong, anh/chị gõ lại /xoadulieu nhé."
)
ERASE_REFUSED_HANDOFF = (
    "Dạ, anh/chị còn câu hỏi đang chờ cán bộ trả lời, nên em chưa xóa được ạ. "
    "Khi cuộc trò chuyện kết thúc, anh/chị gõ lại /xoadulieu nhé."
)
ERASE_PRIVATE_ONLY = "Dạ, anh/chị nhắn /xoadulieu riêng cho em (không trong nhóm) giúp em nhé."

STALE_BUTTON = "Dạ, nút này đã cũ hoặc không hợp lệ. Anh/chị gõ lại câu hỏi giúp em nhé."
ERROR = (
    "Dạ, em xin lỗi, hệ thống vừa gặp trục trặc. 🙏 Anh/chị vui lòng thử lại sau ít phút, "
    "hoặc gọi đường dây nóng {hotline}."
)
ERROR_FOR_OPERATORS = "⚠️ Lỗi khi xử lý một cập nhật: <code>{error}</code>"

# -- fallbacks when the knowledge has no hotline ------------------------------------------------
DEFAULT_HOTLINE = "của Trung tâm Phục vụ hành chính công"
