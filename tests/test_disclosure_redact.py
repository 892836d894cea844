"""redact(text) -> (text, spans): personal data out of what is published, nothing else touched."""

from __future__ import annotations

import pytest

from banli.portal.redact import highlight, redact


@pytest.mark.parametrize(
    "original, kind",
    [
        ("13812345678", "phone"),
        ("138-1234-5678", "phone"),
        ("138 1234 5678", "phone"),
        ("+86-139-1234-5678", "phone"),
        ("0755-88776655", "phone"),
        ("（0755）88776655", "phone"),
        ("(010)6512345", "phone"),
        ("075588776655", "phone"),
        ("0755-88776655转123", "phone"),
        ("400-800-1234", "phone"),
        ("8008101234", "phone"),
        ("440301199001011234", "id_number"),
        ("11010519491231002X", "id_number"),
        ("zhang.san@sz.gov.cn", "email"),
        ("6009号3栋1203室", "address"),
        ("5栋1203室", "address"),
        ("1502室", "address"),
    ],
)
def test_personal_data_is_replaced_by_a_placeholder(original, kind):
    text, spans = redact(f"请联系：{original}。")
    assert original not in text
    assert [(s.kind, s.original) for s in spans] == [(kind, original)]
    s = spans[0]
    assert text[s.start : s.end].startswith("【") and text[s.start : s.end].endswith("已隐去】")


@pytest.mark.parametrize(
    "text",
    [
        "关于市七届人大四次会议第20230064号建议的答复",
        "深工信函〔2023〕123号",
        "2023年6月20日，共安排资金12345万元，新建2栋厂房，3座桥梁。",
        "市民可拨打12345政务服务热线。",
        "占地面积约1200平方米，惠及20230家企业。",
    ],
)
def test_official_numbers_dates_and_amounts_are_kept(text):
    assert redact(text) == (text, [])


def test_street_name_is_kept_and_house_number_removed():
    text, _ = redact("地址：福田区深南大道6009号3栋1203室")
    assert text == "地址：福田区深南大道【地址已隐去】"


def test_names_given_are_removed_except_where_already_redacted():
    text, spans = redact("联系人：张小明，电话：13812345678。", names=["张小明", ""])
    assert text == "联系人：【姓名已隐去】，电话：【电话已隐去】。"
    assert [s.kind for s in spans] == ["name", "phone"]


def test_redaction_is_idempotent():
    once, _ = redact("电话13812345678，身份证440301199001011234，邮箱a@b.cn，深南大道1号。")
    assert redact(once) == (once, [])


def test_highlight_marks_placeholders_and_escapes_html():
    html = highlight("<b>电话</b>【电话已隐去】和【姓名已隐去】")
    assert "&lt;b&gt;" in html
    assert html.count('<mark class="redacted">') == 2
