"""What maintainers read in Telegram: the answer to /reload (Vietnamese, HTML)."""

from __future__ import annotations

from html import escape

from bot.live_knowledge import ReloadResult

NOT_MAINTAINER = (
    "Lệnh này chỉ dành cho cán bộ quản trị tri thức "
    "(<code>maintainer: true</code> trong <code>officials.yaml</code>)."
)
RELOADED = (
    "✅ Đã nạp tri thức mới (phiên bản <code>{version}</code>): {procedures} thủ tục.\n"
    "Mọi máy chủ của bot chuyển sang bản này trong vòng {seconds} giây."
)
UNCHANGED = (
    "Tri thức không thay đổi (phiên bản <code>{version}</code>, {procedures} thủ tục). "
    "Anh/chị đã lưu tệp chưa?"
)
REFUSED = (
    "❌ Tri thức mới có {count} lỗi nên bot <b>vẫn dùng bản cũ</b> "
    "(phiên bản <code>{version}</code>).\nSửa từng dòng dưới đây rồi gửi lại /reload:"
)
MORE = "… và {count} lỗi khác: chạy <code>python -m bot check</code> để xem đủ."
SHOWN_PROBLEMS = 15


def reload_report(result: ReloadResult, check_seconds: float) -> str:
    """The reply to /reload: the new version, or each problem as `file:line key: message`."""
    if result.ok:
        template = RELOADED if result.changed else UNCHANGED
        return template.format(
            version=result.version, procedures=result.procedures, seconds=round(check_seconds)
        )
    lines = [REFUSED.format(count=len(result.problems), version=result.version)]
    lines += [f"• <code>{escape(str(p))}</code>" for p in result.problems[:SHOWN_PROBLEMS]]
    if len(result.problems) > SHOWN_PROBLEMS:
        lines.append(MORE.format(count=len(result.problems) - SHOWN_PROBLEMS))
    return "\n".join(lines)
