"""The ledger (台账) spreadsheet format of SPEC §11: columns, value words and cell parsing.

Reading and writing share these tables so that export → import round-trips.
"""

from __future__ import annotations

import datetime as dt
import re

from banli.cases.models import (
    AssignmentRole,
    Channel,
    ContactMethod,
    Disclosure,
    ProposalKind,
    ResultClass,
    ReviewState,
    Verdict,
)

# Canonical header texts, in the order the export writes them.
COLUMNS = [
    "编号",
    "标题",
    "内容",
    "类型",
    "来源",
    "领衔人",
    "联名人",
    "界别/代表团",
    "提交日期",
    "立案状态",
    "并入编号",
    "重点",
    "承办单位",
    "办理方式",
    "交办日期",
    "签收日期",
    "答复日期",
    "会办意见日期",
    "答复类别",
    "现类别",
    "转A日期",
    "公开",
    "沟通方式",
    "评价",
]
REQUIRED_COLUMNS = ("编号", "标题", "领衔人")

# Other header texts clerks use for the same column.
HEADER_ALIASES = {
    "界别": "界别/代表团",
    "代表团": "界别/代表团",
    "代表团/界别": "界别/代表团",
    "建议编号": "编号",
    "提案编号": "编号",
    "提案号": "编号",
    "建议号": "编号",
    "题目": "标题",
    "案由": "标题",
    "领衔代表": "领衔人",
    "领衔委员": "领衔人",
    "提案人": "领衔人",
    "附议人": "联名人",
    "办理单位": "承办单位",
    "承办方式": "办理方式",
    "答复时间": "答复日期",
    "交办时间": "交办日期",
    "签收时间": "签收日期",
    "提交时间": "提交日期",
    "办理结果": "答复类别",
    "会办意见时间": "会办意见日期",
    "会办意见提交日期": "会办意见日期",
    "当前类别": "现类别",
    "转A时间": "转A日期",
    "转为A类日期": "转A日期",
    "是否公开": "公开",
    "是否重点": "重点",
    "满意度": "评价",
    "代表评价": "评价",
    "委员评价": "评价",
}

KIND_WORDS = {"建议": ProposalKind.SUGGESTION, "提案": ProposalKind.PROPOSAL}
KIND_LABELS = {v: k for k, v in KIND_WORDS.items()}

CHANNEL_WORDS = {"大会": Channel.PLENARY, "平时": Channel.INTERIM, "闭会期间": Channel.INTERIM}
CHANNEL_LABELS = {Channel.PLENARY: "大会", Channel.INTERIM: "平时"}

# 待审查 is accepted beyond SPEC §11 so that a session exported before review round-trips.
REVIEW_WORDS = {
    "立案": ReviewState.ACCEPTED,
    "不立案": ReviewState.NOT_ACCEPTED,
    "不予立案": ReviewState.NOT_ACCEPTED,
    "并案": ReviewState.MERGED,
    "待审查": ReviewState.SUBMITTED,
}
REVIEW_LABELS = {
    ReviewState.ACCEPTED: "立案",
    ReviewState.NOT_ACCEPTED: "不立案",
    ReviewState.MERGED: "并案",
    ReviewState.SUBMITTED: "待审查",
}

ROLE_WORDS = {
    "主办": AssignmentRole.LEAD,
    "会办": AssignmentRole.CO,
    "协办": AssignmentRole.CO,
    "汇办": AssignmentRole.CO,
    "分办": AssignmentRole.SEPARATE,
    "承办": AssignmentRole.SOLE,
    "单独承办": AssignmentRole.SOLE,
}
ROLE_LABELS = {v: AssignmentRole(v).label for v in AssignmentRole.values}
ROLE_HINT = "主办、会办（协办、汇办）、分办 或 承办"

YES_WORDS = {"是": True, "否": False}
DISCLOSURE_WORDS = {"是": Disclosure.PUBLIC, "否": Disclosure.PRIVATE}
DISCLOSURE_LABELS = {Disclosure.PUBLIC: "是", Disclosure.PRIVATE: "否"}

CLASS_VALUES = set(ResultClass.values)

VERDICT_WORDS = {label: value for value, label in Verdict.choices}
VERDICT_LABELS = dict(Verdict.choices)

METHOD_WORDS = {label: value for value, label in ContactMethod.choices}
METHOD_LABELS = dict(ContactMethod.choices)

METHOD_SEPARATORS = re.compile(r"[、,，;；/\s]+")

_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")
# Excel stores dates as days since 1899-12-30; plausible serials for 1955–2119.
_EXCEL_EPOCH = dt.date(1899, 12, 30)


class CellError(ValueError):
    """A cell value that cannot be read; the message says what is expected."""


def canonical_header(text) -> str | None:
    t = cell_text(text).replace(" ", "").replace("\u3000", "")
    if not t:
        return None
    t = t.replace("／", "/")
    if t in COLUMNS:
        return t
    return HEADER_ALIASES.get(t)


def clip(text: str, size: int = 40) -> str:
    """A cell's text as quoted in a problem or warning: never the whole of a long cell."""
    return text if len(text) <= size else f"{text[:size]}…（共 {len(text)} 字）"


def cell_text(value) -> str:
    """A cell as stripped text; integral floats lose their “.0” (编号 typed as numbers)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date)):
        return parse_date(value).isoformat()
    return str(value).strip().replace("\u3000", " ").strip()


def parse_date(value) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 20000 <= value <= 80000:
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        text = cell_text(value)
    else:
        text = str(value).strip()
    if not text:
        return None
    text = text.replace(" 00:00:00", "")
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise CellError(f"“{text}”不是有效日期，应写作 2023-06-20 或 2023年6月20日")


def split_methods(text: str) -> list[str]:
    return [m.strip() for m in METHOD_SEPARATORS.split(text or "") if m.strip()]


def normalise_class(text: str) -> str:
    t = (text or "").strip().upper().replace("类", "")
    return t


DATE_COLUMNS = ("提交日期", "交办日期", "签收日期", "答复日期", "会办意见日期", "转A日期")
