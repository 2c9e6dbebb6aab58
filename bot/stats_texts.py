"""Vietnamese texts of the statistics for leaders: /thongke, the weekly report, chart labels."""

from __future__ import annotations

TITLE = "📊 <b>Thống kê phản ánh, khiếu nại, tố cáo</b>"
PERIOD_SINCE = "Hồ sơ nhận từ {since} đến {until}"
PERIOD_ALL = "Mọi hồ sơ đến {until}"
TOTALS = (
    "Tiếp nhận: <b>{received}</b>\n"
    "• Chờ tiếp nhận: {waiting}\n"
    "• Đang xử lý: {in_progress}\n"
    "• Đã giải quyết: {resolved}\n"
    "• Quá hạn: <b>{overdue}</b>"
)
ON_TIME = "Tỷ lệ đúng hạn: <b>{rate}</b> ({on_time}/{decided})"
ON_TIME_NONE = "Tỷ lệ đúng hạn: chưa có hồ sơ đến hạn"
APOLOGIES = "Thư xin lỗi đã gửi: {count}"
RATING = "Mức hài lòng: <b>{average}/5</b> ({count} lượt đánh giá)"
RATING_NONE = "Mức hài lòng: chưa có đánh giá"
MEDIAN_ACK = "Thời gian tiếp nhận (trung vị): {duration}"
MEDIAN_RESOLVE = "Thời gian giải quyết (trung vị): {duration}"
NO_DURATION = "chưa có"
HOURS = "{value} giờ"
DAYS = "{value} ngày"
RANKING_TITLE = "<b>Đúng hạn theo cơ quan</b> (cao đến thấp)"
RANKING_LINE = "{n}. {office}: {rate} ({on_time}/{decided})"
RANKING_OVERDUE = " · quá hạn {overdue}"
RANKING_UNDECIDED = "{n}. {office}: chưa có hồ sơ đến hạn ({received} hồ sơ)"
BY_TYPE = "<b>Theo loại</b>"
BY_CATEGORY = "<b>Theo nhóm việc</b>"
BY_COMMUNE = "<b>Theo xã, phường</b>"
GROUP_LINE = "• {name}: {received} (giải quyết {resolved}, quá hạn {overdue})"
MORE = "• … và {count} mục khác"
NO_COMMUNE = "Không ghi xã, phường"
EMPTY = "Chưa có hồ sơ nào trong khoảng thời gian này."
CHART_BUTTON = "📈 Xem biểu đồ"
CHART_CAPTION = "📈 Biểu đồ hồ sơ nhận từ {since} đến {until}"
ASK_DAYS = "Dạ, gõ <code>/thongke</code> hoặc <code>/thongke 90</code> (số ngày gần nhất, 1–3650)."

REFUSED = (
    "Dạ, em xin lỗi, thống kê chỉ dành cho cán bộ, lãnh đạo được giao ạ. 🙏\n"
    "Anh/chị cần số liệu, vui lòng liên hệ Văn phòng UBND tỉnh."
)
GROUP_REFUSED = (
    "Dạ, trong nhóm, thống kê chỉ xem được ở nhóm lãnh đạo ạ.\n"
    "Anh/chị nhắn riêng <code>/thongke</code> cho em nhé."
)

WEEKLY_CAPTION = (
    "📊 <b>Báo cáo tuần {start}–{end}</b>\n"
    "Trong tuần: nhận {received}, giải quyết {resolved}{on_time}\n"
    "Đang quá hạn: <b>{overdue}</b>\n"
    "{rating}\n"
    "Biểu đồ: {weeks} tuần gần nhất. Chi tiết: /thongke"
)
WEEKLY_ON_TIME = " (đúng hạn {rate})"

# -- chart labels (matplotlib, DejaVu Sans) --------------------------------------------------
CHART_TITLE = "Phản ánh, khiếu nại, tố cáo · {since} – {until}"
CHART_BY_OFFICE = "Hồ sơ theo cơ quan"
CHART_RATE = "Tỷ lệ đúng hạn theo cơ quan"
CHART_TREND = "Xu hướng theo tuần"
CHART_ON_TIME = "Đúng hạn"
CHART_LATE = "Trễ hạn"
CHART_OPEN = "Chưa đến hạn"
CHART_RECEIVED = "Tiếp nhận"
CHART_RESOLVED = "Đã giải quyết"
CHART_RATE_LINE = "Tỷ lệ đúng hạn (%)"
CHART_CASES = "Số hồ sơ"
CHART_WEEK = "Tuần bắt đầu"
CHART_NO_DATA = "Chưa có số liệu"
CHART_UNDECIDED = "chưa có"
