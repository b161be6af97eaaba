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


@pytest.mark.parametrize("raw", [
    "138  6745  0101", "138\t6745\n0101", "138\u00a06745\u00a00101", "138\u200b6745\u200c0101",
    "138\u00ad6745\u20600101", "138—6745—0101", "138/6745/0101", "138.6745.0101", "wx13867450101",
    "١٣٨٦٧٤٥٠١٠١", "一三八六七四五〇一〇一", "幺三八 六七四五 〇一〇一",
])
def test_a_mobile_written_any_way_is_masked(raw):
    out = normalize_text(f"回电{raw}谢谢")
    assert out.replace("wx", "") == f"回电{PLACEHOLDERS['mobile']}谢谢", out


@pytest.mark.parametrize("raw", ["330102 1990 0101 2315", "330102 19900101 2315", "330102900101231"])
def test_spaced_and_old_15_digit_id_cards_are_masked(raw):
    assert normalize_text(f"身份证{raw}") == "身份证" + PLACEHOLDERS["id_card"]


def test_control_and_format_characters_are_dropped_and_escape_sequences_removed_whole():
    assert normalize_text("宽带老是断网\x1b[31m光猫灯\x1b]0;t\x07一直闪\x01\x00请处理\u200b") == "宽带老是断网光猫灯一直闪请处理"
    assert normalize_text("\u200b\u200c\u200d\u2060\ufeff\u00ad") == ""


@pytest.mark.parametrize("raw, expected", [
    ("用户姓名:杨桥洪,反映宽带断网", "用户姓名:<姓名>,反映宽带断网"),
    ("操作员:张爽渠道类型:代理商", "操作员:<姓名>渠道类型:代理商"),
    ("客户:米柯(一证五号)", "客户:<姓名>(一证五号)"),
    ("联系人：王晓明，携号转网被拒", "联系人:<姓名>,携号转网被拒"),
    ("姓名:韩先生(不配合)", "姓名:<姓名>(不配合)"),
    ("营业员姓名(******凌铭隆_钦州", "营业员姓名(******<姓名>_钦州"),
    ("张先生来电", "<姓名>来电"), ("联系人平安银行李正华先生电话", "联系人平安银行<姓名>电话"),
    ("王师傅上门后还是掉线", "<姓名>师傅上门后还是掉线"), ("营业厅某某经理答应退费", "营业厅<姓名>经理答应退费"),
    ("操作员工号:19010415操作员:宋丽英渠道类型", "操作员工号:<工号>操作员:<姓名>渠道类型"),
    ("客服工号 KF0731 说已派单", "客服工号 <工号> 说已派单"), ("工号为24001545程洪霞。", "工号为<工号><姓名>。"),
    ("片区客户经理李云东处办理,29日李云东又通知", "片区客户经理<姓名>处办理,29日<姓名>又通知"),
    ("派单人:张珊阳,联系号码", "派单人:<姓名>,联系号码"), ("分公司(HB.BD.25),刘亚宾(d******),", "分公司(HB.BD.25),<姓名>(d******),"),
    ("营业员),工号(******凌铭隆_钦州", "营业员),工号(<工号><姓名>_钦州"),
])
def test_personal_names_and_staff_ids_are_masked_where_tickets_write_them(raw, expected):
    assert normalize_text(raw) == expected
    assert normalize_text(expected) == expected  # idempotent: a masked name is never masked again
    assert not contains_pii(expected)


@pytest.mark.parametrize("text", [
    "客户:要求退还多扣的费用", "用户:反映家里宽带断网", "客户:邢台市营信达通讯", "客户:吴桥分公司回复", "安装师傅一直没来",
    "客户经理也不管", "小区经理说下周处理", "谢谢师傅", "营业员解释说一直有效", "客户经理查询告诉我", "周围客户(信号不好)",
    "营业员(工号客户无法提供)", "联系人:先生,联系电话", "营业员姓名(无法提供)", "机主是本人", "维修师傅上门",
    "处理人:支撑评价:10分", "高新区(******)",
])
def test_ordinary_complaint_text_is_not_taken_for_a_name(text):
    assert PLACEHOLDERS["name"] not in normalize_text(text), normalize_text(text)
