"""What a ledger validation produces: the rows read, every problem found, and the counts.

Reading fills a `LedgerPlan` with `RowProposal`s (one per 编号) and their `RowAssignment`s (one
per row with a 承办单位); validation adds problems and counts; the writers create what it lists.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from banli.cases.models import Session
from banli.cases.services import is_body_staff_of
from banli.errors import DomainError, NotFound
from banli.orgs.models import Org

ProgressFn = Callable[[float, str], None]


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"第{self.row}行 {self.column}：{self.message}"

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


class LedgerInvalid(DomainError):
    """The ledger has problems; nothing was written. `problems` lists every one."""

    def __init__(self, plan: LedgerPlan):
        super().__init__(f"台账有 {len(plan.errors)} 处问题，未导入任何数据。请修改后重新上传。")
        self.plan = plan
        self.problems = plan.errors


@dataclass
class RowAssignment:
    row: int
    unit_name: str
    role: str
    assigned_on: dt.date | None
    signed_on: dt.date | None
    replied_on: dt.date | None
    result_class: str
    disclosure: str
    methods: list[str]
    verdict: str
    # Issue #20: the co-handling opinion's date; the class after B follow-up and its date.
    opinion_on: dt.date | None = None
    current_class: str = ""  # 现类别 when it differs from 答复类别 (a B reply converted to A)
    converted_on: dt.date | None = None
    unit: Org | None = None
    # Filled by the writers: the created assignment and its first reply.
    obj: object = None
    reply: object = None


@dataclass
class RowProposal:
    number: str
    row: int
    values: dict = field(default_factory=dict)  # column → parsed value (first non-blank)
    value_rows: dict = field(default_factory=dict)  # column → row it came from
    assignments: list[RowAssignment] = field(default_factory=list)
    existing: object = None  # the Proposal already in the session, if any
    # The lead unit's assignment already in the system (its reply closes the co rows), if any.
    existing_lead: object = None
    new_assignments: list[RowAssignment] = field(default_factory=list)
    # Filled by the writers: the created proposal and its cosigners.
    obj: object = None
    cosigners: list = field(default_factory=list)

    @property
    def proposal(self):
        """The proposal in the database (already there, or created by the import)."""
        return self.obj if self.existing is None else self.existing


COUNT_LABELS = {
    "proposals": "新增建议/提案",
    "proposals_existing": "已存在（跳过）",
    "assignments": "新增交办",
    "assignments_existing": "交办已存在（跳过）",
    "replies": "答复",
    "contacts": "沟通记录",
    "evaluations": "评价",
    "co_opinions": "会办意见",
    "conversions": "B类已转A",
    "proposers": "新增代表/委员",
    "orgs": "新建承办单位",
}


MAX_PROBLEMS = 1000


@dataclass
class LedgerPlan:
    session: Session
    filename: str = ""
    rows: int = 0
    errors: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    proposals: dict[str, RowProposal] = field(default_factory=dict)
    new_orgs: dict[str, int] = field(default_factory=dict)  # name → first row
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, row: int, column: str, message: str) -> None:
        # A problem quotes cells; a hostile file must not turn them into megabytes on the job row.
        if len(self.errors) < MAX_PROBLEMS:
            self.errors.append(Problem(row, column, message if len(message) <= 300 else message[:300] + "…"))
        elif len(self.errors) == MAX_PROBLEMS:
            self.errors.append(Problem(row, "文件", f"问题超过 {MAX_PROBLEMS} 条，其余未列出；请先改正以上问题"))

    def counts_display(self) -> list[tuple[str, int]]:
        return [(COUNT_LABELS[k], self.counts.get(k, 0)) for k in COUNT_LABELS]


PROPOSAL_COLUMNS = (
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
)
ASSIGNMENT_DETAIL_COLUMNS = (
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
)


def require_importer(actor, session: Session) -> None:
    """CLI imports run as the system (actor None); in the web only the body's own staff."""
    if actor is None:
        return
    if not is_body_staff_of(actor, session.body):
        raise NotFound()
