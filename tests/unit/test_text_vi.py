"""Vietnamese normalisation: what citizens type on phones must reduce to the same words."""

import unicodedata

from bot.text_vi import Expander, clean, fold, key_tokens, make_synonym, words


def test_nfd_and_nfc_give_the_same_tokens():
    text = "Đăng ký khai sinh cho bé ở đâu?"
    assert key_tokens(unicodedata.normalize("NFD", text)) == key_tokens(text)


def test_old_and_new_tone_placement_fold_alike():
    assert fold("hoà") == fold("hòa") == fold("HOÀ") == "hoa"
    assert fold("thuỷ") == fold("thủy") == "thuy"


def test_d_with_stroke_folds_to_d():
    assert fold("Đồng Tháp đăng ký") == "dong thap dang ky"


def test_invisible_and_bidi_characters_are_removed():
    sneaky = "khai\u200b sinh\u202e\u2066 \ufeffở đâu\u0007"
    assert clean(sneaky) == "khai sinh ở đâu"


def test_punctuation_emoji_and_stretched_letters_are_dropped():
    assert words("Làm CCCD!!! 😭😭 ở đâuuuu vậyyy???") == ["làm", "cccd", "ở", "đâu", "vậy"]


def test_lone_surrogates_do_not_crash():
    assert "khai" in clean("khai \ud800 sinh")


def _expander(*pairs: tuple[str, str]) -> Expander:
    return Expander(make_synonym(typed, means) for typed, means in pairs)


def test_teen_code_expands_longest_first():
    ex = _expander(("ko", "không"), ("bn", "bao nhiêu"), ("bao nhiu", "bao nhiêu"), ("j", "gì"))
    assert key_tokens("lam cccd mat bn tien ko", ex)[-4:] == ["bao", "nhieu", "tien", "khong"]
    assert key_tokens("mất bao nhiu", ex) == ["mat", "bao", "nhieu"]
    assert key_tokens("can giay to j", ex)[-1] == "gi"


def test_accented_abbreviation_matches_only_with_its_accent():
    ex = _expander(("sđ", "sổ đỏ"))
    assert key_tokens("làm sđ", ex) == ["lam", "so", "do"]
    assert key_tokens("sd dat", ex) == ["sd", "dat"]  # "sd" (sử dụng) is not sổ đỏ
