"""Vietnamese texts of the complaint workflow: citizen flow, officials' messages, apologies."""

from __future__ import annotations

TYPE_LABELS = {
    "phan-anh": "📣 Phản ánh, kiến nghị",
    "khieu-nai": "⚖️ Khiếu nại",
    "to-cao": "🚨 Tố cáo",
}
STATUS_LABELS = {
    "received": "Đã nhận, chờ cán bộ tiếp nhận",
    "acknowledged": "Cán bộ đã tiếp nhận, đang xử lý",
    "resolved": "Đã giải quyết",
}
BACK = "⬅️ Quay lại"
CANCEL = "✖️ Hủy"
SKIP = "Bỏ qua ➡️"
DONE_ATTACHING = "Xong ➡️"
KEEP_TEXT = "✅ Giữ nội dung này"
ANONYMOUS = "🙈 Gửi ẩn danh"
SEND = "✅ Gửi"
SHARE_PHONE = "📱 Gửi số điện thoại của tôi"
SHARE_LOCATION = "📍 Gửi vị trí hiện tại"

START_FROM_MESSAGE = (
    "Dạ, em rất tiếc về việc anh/chị gặp phải. 🙏\n"
    "Em giúp anh/chị gửi tới cán bộ phụ trách nhé. Anh/chị muốn gửi loại nào?"
)
ASK_TYPE = (
    "<b>Gửi phản ánh, khiếu nại, tố cáo</b>\n\n"
    "📣 <b>Phản ánh, kiến nghị</b>: một việc chưa ổn (đường hư, rác, cán bộ chậm trễ…) "
    "hoặc góp ý. Có thể gửi ẩn danh.\n"
    "⚖️ <b>Khiếu nại</b>: anh/chị không đồng ý với một quyết định, việc làm của cơ quan nhà nước "
    "liên quan tới mình. Cần họ tên, số điện thoại.\n"
    "🚨 <b>Tố cáo</b>: báo hành vi sai phạm của cán bộ, cá nhân. Cần họ tên, số điện thoại; "
    "danh tính người tố cáo được giữ bí mật."
)
ASK_CATEGORY = "Việc anh/chị gửi thuộc nhóm nào ạ?"
ASK_COMMUNE = (
    "Việc xảy ra ở <b>xã, phường nào</b> ạ? Anh/chị gõ tên, ví dụ: <i>Mỹ Tho</i>, "
    "<i>phường Cao Lãnh</i> (tên cũ trước khi sáp nhập cũng được)."
)
COMMUNE_CHOICES = "Ý anh/chị là xã, phường nào ạ?"
COMMUNE_UNKNOWN = (
    "Dạ, em chưa tìm thấy xã, phường “{typed}”. Anh/chị gõ lại giúp em tên xã, phường "
    "(ví dụ: <i>Tân Hiệp</i>), hoặc bấm Bỏ qua."
)
ASK_DESCRIPTION = (
    "Anh/chị <b>kể lại sự việc</b> giúp em: việc gì, ở đâu (số nhà, ấp, đường), từ khi nào, "
    "ai liên quan."
)
ASK_DESCRIPTION_KEEP = (
    "Em đã ghi nội dung anh/chị vừa nhắn:\n<i>{text}</i>\n\nAnh/chị giữ nội dung này, hay gõ lại?"
)
DESCRIPTION_TOO_SHORT = "Dạ, anh/chị kể rõ hơn một chút giúp em (ít nhất vài chữ) nhé."
DESCRIPTION_TOO_LONG = (
    "Dạ, nội dung dài quá ({length} ký tự). Anh/chị rút gọn dưới {limit} ký tự giúp em nhé."
)
ASK_ATTACHMENTS = (
    "Anh/chị có thể gửi thêm <b>ảnh</b> (tối đa {max_photos}) hoặc <b>vị trí</b> của nơi xảy ra "
    "sự việc. Không có thì bấm Bỏ qua."
)
PHOTO_ADDED = "Đã nhận ảnh ({count}/{max_photos}). Gửi thêm, hoặc bấm Xong."
PHOTO_LABEL = "ảnh"
CAPTION_KEPT = "\nChú thích của ảnh đã được thêm vào nội dung phản ánh."
CAPTION_TOO_LONG = (
    "\nẢnh đã được giữ, nhưng chú thích dài {length} ký tự mà nội dung phản ánh chỉ còn chỗ "
    "cho {room} ký tự, nên em chưa lưu được chú thích này ạ."
)
PHOTO_LIMIT = "Dạ, đã đủ {max_photos} ảnh rồi ạ. Anh/chị bấm Xong để tiếp tục."
LOCATION_ADDED = "Đã nhận vị trí. 📍 Gửi thêm ảnh, hoặc bấm Xong."
ASK_NAME_REQUIRED = (
    "Theo quy định, {type_name} cần <b>họ và tên</b> người gửi. Anh/chị gõ họ tên giúp em. "
    "Thông tin này chỉ cán bộ xử lý được xem."
)
ASK_NAME_OPTIONAL = (
    "Anh/chị cho em xin <b>họ và tên</b> để cán bộ liên hệ khi cần, hoặc bấm <b>Gửi ẩn danh</b>."
)
NAME_INVALID = "Dạ, anh/chị gõ họ tên bằng chữ giúp em (từ 2 đến 80 ký tự) nhé."
ACCUSED_TOO_LONG = (
    "Dạ, phần này anh/chị chỉ cần ghi ngắn gọn tên, chức vụ, nơi làm việc "
    "(tối đa {limit} ký tự; hiện {length}). Chi tiết sự việc đã có ở phần nội dung ạ."
)
ASK_PHONE = (
    "Anh/chị cho em xin <b>số điện thoại</b>: bấm nút “Gửi số điện thoại của tôi” bên dưới, "
    "hoặc gõ số."
)
PHONE_INVALID = "Dạ, số điện thoại chưa đúng. Anh/chị gõ lại giúp em, ví dụ 0912 345 678."
ASK_ACCUSED = (
    "Người bị tố cáo là ai ạ? Anh/chị gõ <b>họ tên, chức vụ, nơi làm việc</b> nếu biết, "
    "hoặc bấm Bỏ qua."
)
SUMMARY = (
    "<b>Anh/chị kiểm tra lại giúp em:</b>\n"
    "• Loại: {type_name}\n"
    "• Nhóm việc: {category}\n"
    "• Xã, phường: {commune}\n"
    "• Nội dung: {description}\n"
    "• Ảnh: {photos} · Vị trí: {location}\n"
    "• Người gửi: {sender}\n"
    "{accused}"
    "\nĐúng rồi thì bấm <b>Gửi</b> ạ."
)
SUMMARY_ACCUSED = "• Người bị tố cáo: {accused}\n"
CANCELLED = "Dạ, em đã hủy bản đang soạn. Khi cần, anh/chị bấm 📝 Gửi phản ánh nhé."
FILED = (
    "✅ <b>Đã tiếp nhận {type_name}</b>\n\n"
    "Mã tra cứu: <code>{code}</code>\n"
    "Cán bộ phụ trách: <b>{official}</b>, {title} – {office}\n"
    "Hạn tiếp nhận: {ack_due}\n"
    "Hạn xử lý: <b>{resolve_due}</b>, còn {days_left} ngày làm việc\n\n"
    "Em sẽ báo anh/chị mỗi khi có tiến triển. Anh/chị tra cứu bất cứ lúc nào bằng lệnh "
    "/tracuu {code}\n"
    "Cảm ơn anh/chị đã góp phần giúp chính quyền phục vụ tốt hơn! 🙏"
)
FILED_AGAIN = "Dạ, phản ánh này em đã nhận rồi ạ, anh/chị không cần gửi lại.\n\n"
DAILY_LIMIT = (
    "Dạ, trong 24 giờ qua anh/chị đã gửi {limit} phản ánh rồi ạ, "
    "em xin phép nhận phản ánh mới sau ít giờ nữa. "
    "Việc gấp, anh/chị gọi đường dây nóng hoặc đến trực tiếp Bộ phận một cửa giúp em nhé. 🙏"
)
STALE_STEP = "Dạ, bước này đã qua rồi ạ. Anh/chị làm tiếp theo tin nhắn mới nhất giúp em."
NO_DRAFT = "Dạ, anh/chị chưa có bản phản ánh nào đang soạn. Bấm 📝 Gửi phản ánh để bắt đầu."

# -- tracking --------------------------------------------------------------------------------
TRACK_ASK = "Anh/chị gõ mã tra cứu giúp em, ví dụ: /tracuu PA-7KQ3M-X9ZTA"
TRACK_NOT_FOUND = "Dạ, em không tìm thấy mã <code>{code}</code>. Anh/chị kiểm tra lại giúp em."
TRACK_MALFORMED = (
    "Dạ, mã tra cứu có dạng <code>PA-XXXXX-XXXXX</code> (PA, KN hoặc TC rồi 10 ký tự). "
    "Anh/chị kiểm tra lại giúp em."
)
TRACK_CARD = (
    "<b>{type_name} {code}</b>\n"
    "Trạng thái: <b>{status}</b>\n"
    "Cán bộ phụ trách: {official}\n"
    "{deadline_line}"
)
TRACK_DEADLINE = "Hạn xử lý: {due} ({left})\n"
TRACK_DETAILS = "Nhóm việc: {category} · {commune}\nNội dung: {description}\n"
TRACK_HISTORY = "\n<b>Diễn biến</b>\n{lines}"
TRACK_PUBLIC_NOTE = "<i>Chi tiết chỉ người gửi và cán bộ phụ trách được xem.</i>"
DAYS_LEFT = "còn {n} ngày làm việc"
DUE_TODAY = "hết hạn hôm nay"
OVERDUE = "đã quá hạn {n} ngày làm việc"
MY_CASES_EMPTY = "Dạ, anh/chị chưa gửi phản ánh nào. Bấm 📝 Gửi phản ánh khi cần nhé."
MY_CASES_TITLE = "<b>Phản ánh của anh/chị</b>"
MY_CASE_LINE = "• <code>{code}</code> – {category}: {status}"

EVENT_LABELS = {
    "filed": "Gửi thành công",
    "acknowledged": "Cán bộ tiếp nhận",
    "answered": "Cán bộ trả lời",
    "transferred": "Chuyển cán bộ khác",
    "extended": "Gia hạn",
    "resolved": "Đã giải quyết",
    "escalated": "Chuyển lên cấp trên (quá hạn)",
    "reminded": "Nhắc cán bộ",
    "apology": "Thư xin lỗi",
    "rated": "Người gửi đánh giá",
    "reopened": "Người gửi báo chưa được giải quyết",
    "error_recorded": "Ghi nhận sai sót",
    "undeliverable": "Không gửi được tin tới cán bộ",
}

# -- to the citizen as the case moves ------------------------------------------------------
CITIZEN_ACKNOWLEDGED = (
    "📬 {type_name} <code>{code}</code> đã được <b>{official}</b> ({title}) tiếp nhận.\n"
    "Hạn xử lý: <b>{due}</b>."
)
CITIZEN_ANSWER = "💬 Trả lời của <b>{official}</b> ({title}) về <code>{code}</code>:\n\n{answer}"
CITIZEN_TRANSFERRED = (
    "🔁 {type_name} <code>{code}</code> đã được chuyển tới <b>{official}</b> ({title} – {office})."
    "\nLý do: {reason}"
)
CITIZEN_EXTENDED = (
    "⏳ Hạn xử lý <code>{code}</code> được gia hạn đến <b>{due}</b>.\nLý do: {reason}"
)
CITIZEN_RESOLVED = (
    "✅ {type_name} <code>{code}</code> đã được giải quyết.\n\n<b>Kết quả:</b> {result}\n\n"
    "Anh/chị đánh giá giúp em mức độ hài lòng (1 là chưa hài lòng, 5 là rất hài lòng):"
)
CITIZEN_ESCALATED = (
    "⬆️ {type_name} <code>{code}</code> chưa được xử lý đúng hạn nên đã được chuyển lên "
    "<b>{official}</b> ({title}). Hạn mới: <b>{due}</b>."
)
RATE_THANKS = "Dạ, em cảm ơn anh/chị đã đánh giá {stars}! 🙏"
RATE_ALREADY = "Dạ, anh/chị đã đánh giá phản ánh này rồi ạ."
NOT_SOLVED = "😟 Chưa được giải quyết"
REOPENED = (
    "Dạ, em rất tiếc. Em đã mở lại <code>{code}</code> và chuyển lên <b>{official}</b> "
    "({title}) để xem xét. Hạn mới: <b>{due}</b>."
)
NAME_UNCONFIRMED = "(họ tên đang được cập nhật)"
NOT_YOURS = "Dạ, nút này không dành cho anh/chị ạ."

APOLOGY = (
    "<b>THƯ XIN LỖI</b>\n\n"
    "Kính gửi {citizen},\n\n"
    "{office} chân thành xin lỗi anh/chị vì {what} <code>{code}</code> ({type_name}) "
    "đã không được giải quyết đúng hạn{old_due}.\n"
    "Tình trạng hiện nay: {status}.\n"
    "{reason}"
    "Hồ sơ đã được chuyển tới <b>{handler}</b> ({handler_title}) và sẽ được giải quyết "
    "trước ngày <b>{new_due}</b>.\n\n"
    "Chúng tôi rất mong nhận được sự thông cảm của anh/chị.\n\n"
    "<i>{head}, {head_title}\n{office}</i>"
)
APOLOGY_ERROR = (
    "<b>THƯ XIN LỖI</b>\n\n"
    "Kính gửi {citizen},\n\n"
    "{office} chân thành xin lỗi anh/chị vì sai sót trong quá trình xử lý "
    "<code>{code}</code> ({type_name}):\n{error}\n\n"
    "Chúng tôi đang khắc phục và sẽ báo kết quả tới anh/chị trước ngày <b>{due}</b>.\n\n"
    "<i>{head}, {head_title}\n{office}</i>"
)
APOLOGY_REASON = "Lý do chậm trễ: {reason}\n"

# -- to officials --------------------------------------------------------------------------
OFFICIAL_NEW = (
    "📥 <b>{type_name} mới: <code>{code}</code></b>\n"
    "Nhóm việc: {category}\n"
    "Xã, phường: {commune}\n"
    "Người gửi: {sender}\n"
    "{accused}"
    "Nội dung: {description}\n"
    "{extras}"
    "Hạn tiếp nhận: <b>{ack_due}</b> · Hạn xử lý: <b>{resolve_due}</b>"
)
OFFICIAL_ESCALATED = (
    "⬆️ <b>Chuyển lên do quá hạn:</b> <code>{code}</code> ({type_name}) của {previous} chưa được "
    "{stage} đúng hạn ({due}). Nay anh/chị phụ trách, hạn mới: <b>{new_due}</b>.\n\n{case}"
)
OFFICIAL_REMINDER = (
    "⏰ Nhắc việc: <code>{code}</code> ({type_name}) cần được {stage} trước <b>{due}</b>."
)
OFFICIAL_TRANSFERRED = "🔁 <b>Được chuyển tới anh/chị:</b> lý do: {reason}\n\n{case}"
OFFICIAL_REOPENED = (
    "😟 Người gửi báo <code>{code}</code> <b>chưa được giải quyết</b>. Hồ sơ được mở lại và "
    "chuyển tới anh/chị, hạn mới: <b>{due}</b>.\n\n{case}"
)
OFFICIAL_UNDELIVERABLE = (
    "⚠️ Không gửi được thông báo về <code>{code}</code> tới {official} ({reason}). "
    "Hồ sơ được chuyển cho anh/chị."
)
OPERATORS_UNDELIVERABLE = "⚠️ Không gửi được tin tới chat {chat_id} ({purpose}): {reason}."
STAGE_ACK = "tiếp nhận"
STAGE_RESOLVE = "giải quyết"
BTN_ACK = "✅ Tiếp nhận"
BTN_ANSWER = "💬 Trả lời"
BTN_TRANSFER = "🔁 Chuyển"
BTN_EXTEND = "⏳ Gia hạn"
BTN_RESOLVE = "🏁 Đã giải quyết"
BTN_ERROR = "🙇 Ghi nhận sai sót"
ASK_ANSWER = "Anh/chị gõ nội dung trả lời cho người gửi <code>{code}</code>:"
ASK_RESULT = "Anh/chị gõ kết quả giải quyết <code>{code}</code> (người gửi sẽ nhận được):"
ASK_TRANSFER_TO = "Chuyển <code>{code}</code> cho ai ạ?"
ASK_TRANSFER_REASON = "Anh/chị gõ lý do chuyển <code>{code}</code> cho {official}:"
ASK_EXTEND_DAYS = "Gia hạn <code>{code}</code> thêm bao nhiêu ngày? (còn được tối đa {left} ngày)"
ASK_EXTEND_REASON = "Anh/chị gõ lý do gia hạn {days} ngày (người gửi sẽ nhận được):"
ASK_ERROR = (
    "Anh/chị mô tả ngắn sai sót trong xử lý <code>{code}</code>; người gửi sẽ nhận thư xin lỗi "
    "kèm nội dung này:"
)
DONE_ACK = "Đã tiếp nhận <code>{code}</code>. Hạn xử lý: <b>{due}</b>."
DONE_ANSWER = "Đã gửi trả lời tới người gửi <code>{code}</code>."
DONE_TRANSFER = "Đã chuyển <code>{code}</code> cho {official}."
DONE_EXTEND = "Đã gia hạn <code>{code}</code> đến <b>{due}</b>."
DONE_RESOLVE = "Đã ghi nhận giải quyết xong <code>{code}</code>."
DONE_ERROR = "Đã gửi thư xin lỗi tới người gửi <code>{code}</code>."
REFUSED = "Anh/chị không phải cán bộ phụ trách hồ sơ này, hoặc cấp trên của họ."
ALREADY_DONE = "Hồ sơ đã thay đổi (có người vừa xử lý); em đã làm mới thông tin."
CASE_CLOSED = "Hồ sơ này đã giải quyết xong."
NOT_ACKNOWLEDGED = "Anh/chị cần bấm Tiếp nhận trước."
EXTENSION_REFUSED = "Không gia hạn được: luật chỉ cho phép gia hạn thêm tối đa {left} ngày."
INPUT_CANCELLED = "Đã hủy thao tác đang chờ nhập."
MYID = (
    "Mã Telegram của anh/chị: <code>{user_id}</code>\n"
    "Mã cuộc trò chuyện này: <code>{chat_id}</code>\n"
    "Gửi các mã này cho quản trị viên để ghi vào tệp officials.yaml "
    "(telegram_id, và chat_id nếu muốn nhận thông báo ở nhóm này)."
)
