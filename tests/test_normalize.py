import pytest

from complaints.text.mask import PLACEHOLDERS, contains_pii, mask_pii
from complaints.text.normalize import normalize_text


@pytest.mark.parametrize("raw, expected", [
    ("我們這個網絡訊號太差了", "我们这个网络讯号太差了"),
    ("５Ｇ套餐１９９元，ＡＰＰ", "5G套餐199元,APP"),
    ("宽带<br>断网&nbsp;三天&amp;没人管", "宽带 断网 三天&没人管"),
    ("  流量\t\n 用完了   ", "流量 用完了"),
    ("太气人了😡🙏👍🏻", "太气人了"),
])
def test_normalize_folds_script_width_markup_space_emoji(raw, expected):
    assert normalize_text(raw) == expected


@pytest.mark.parametrize("raw, kind", [
    ("联系电话13812345678", "mobile"),
    ("回电 +86 139-1234-5678 谢谢", "mobile"),
    ("号码138****1234", "mobile"),
    ("手机１３８１２３４５６７８", "mobile"),
    ("家里电话0571-87654321", "landline"),
    ("座机(010)12345678", "landline"),
    ("身份证330102199001011234", "id_card"),
    ("身份证号码11010519491231002X", "id_card"),
    ("银行卡6222021234567890123", "bank_card"),
    ("卡号 6222 0212 3456 7890", "bank_card"),
    ("邮箱 zhang.san@example.com", "email"),
    ("回复@张三_2021:你也遇到了?", "handle"),
    ("看这里http://t.cn/zHeVCoQ 还会说", "url"),
    ("网址 www.10086.cn/a?tel=13812345678,打不开", "url"),
])
def test_each_kind_of_pii_is_replaced_by_its_placeholder(raw, kind):
    out = normalize_text(raw)
    assert PLACEHOLDERS[kind] in out
    assert not contains_pii(out)
    digits = "".join(ch for ch in out if ch.isdigit())
    assert len(digits) < 7, out


def test_weibo_mentions_are_masked_and_do_not_reach_the_words():
    """Every weibo complaint @-mentions the operator's service account; its 客服 must not make every
    complaint look like a service-attitude complaint."""
    from complaints.text.segment import Segmenter

    out = normalize_text("信号差,投诉几年都没人处理.@中国电信 @中国电信客服 你好@中国电信广东客服:请处理")
    assert "@" not in out and out.count(PLACEHOLDERS["handle"]) == 3
    assert Segmenter().cut(out)[:1] == ["信号差"] and "客服" not in Segmenter().cut(out)
    assert normalize_text("邮箱 a.b@qq.com") == "邮箱 " + PLACEHOLDERS["email"]


def test_masking_leaves_ordinary_numbers_alone():
    text = "5G套餐每月扣了58元，订单20240601，10086说三天内处理"
    assert mask_pii(text) == text


def test_unmasked_text_never_survives_normalize():
    raw = "我是13812345678的机主，身份证330102199001011234，邮箱a@b.cn"
    out = normalize_text(raw)
    for secret in ("13812345678", "330102199001011234", "a@b.cn"):
        assert secret not in out


@pytest.mark.parametrize("raw", [
    "联系电话13812345678，邮箱a@b.cn<br>宽带&nbsp;断网",
    "我們這個網絡訊號太差了😡 ５Ｇ套餐 身份证330102199001011234",
])
def test_normalize_is_idempotent_and_keeps_placeholders(raw):
    once = normalize_text(raw)
    assert normalize_text(once) == once
    assert "<" in once  # a placeholder survived the second pass
