"""Plain-Vietnamese wording of pydantic's validation errors, for office staff who edit the files."""

from __future__ import annotations

from typing import Any

_PATTERN_HINTS = {
    "id": "mã chỉ gồm chữ thường không dấu, số và dấu gạch ngang, ví dụ: khai-sinh",
    "hotline": "số điện thoại chỉ gồm chữ số, khoảng trắng, dấu chấm, +, ( ) và -",
    "phone": "số điện thoại chỉ gồm chữ số, khoảng trắng, dấu chấm, +, ( ) và -",
    "url": "địa chỉ web phải bắt đầu bằng http:// hoặc https://",
    "website": "địa chỉ web phải bắt đầu bằng http:// hoặc https://",
}


def _shown(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else f'"{value}"'
    return text if len(text) <= 40 else text[:37] + "…"


def describe_error(err: Any) -> str:
    """One pydantic error → one sentence an editor understands (what is wrong, how to fix it)."""
    kind: str = err["type"]
    loc = err.get("loc", ())
    field = next((p for p in reversed(loc) if isinstance(p, str)), "")
    value = err.get("input")
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return "thiếu mục bắt buộc"
    if kind == "extra_forbidden":
        return "khóa không có trong mẫu (gõ sai tên khóa hoặc thụt lề sai?)"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        if field == "amount":
            return (
                "số tiền phải là số nguyên đồng, không dấu chấm hay chữ (ví dụ 8000), "
                f"không phải {_shown(value)}"
            )
        return f"phải là số nguyên, không phải {_shown(value)}"
    if kind.startswith("date"):
        return (
            "phải là ngày viết dạng NĂM-THÁNG-NGÀY, không đặt trong ngoặc kép "
            f"(ví dụ 2026-12-31), không phải {_shown(value)}"
        )
    if kind == "string_type":
        return f"phải là chữ (đặt trong dấu ngoặc kép nếu cần), không phải {_shown(value)}"
    if kind == "bool_type":
        return f"phải là true (đúng) hoặc false (sai), không phải {_shown(value)}"
    if kind in ("list_type", "tuple_type"):
        return "phải là danh sách, mỗi dòng bắt đầu bằng '- '"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "phải là một nhóm các dòng 'khóa: giá trị'"
    if kind == "string_too_short":
        return "không được để trống"
    if kind == "string_too_long":
        return f"quá dài (tối đa {ctx.get('max_length')} ký tự)"
    if kind == "too_short":
        return "danh sách không được để trống"
    if kind in ("greater_than_equal", "greater_than"):
        return f"không được nhỏ hơn {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"quá lớn (tối đa {ctx.get('le', ctx.get('lt'))})"
    if kind == "literal_error":
        return f"giá trị {_shown(value)} không hợp lệ; chỉ dùng: {ctx.get('expected')}"
    if kind == "string_pattern_mismatch":
        return _PATTERN_HINTS.get(field, "không đúng định dạng") + f" (đang là {_shown(value)})"
    if kind == "value_error":
        return str(ctx.get("error", err.get("msg", "giá trị không hợp lệ")))
    return f"giá trị không hợp lệ ({err.get('msg', kind)})"
