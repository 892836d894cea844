"""Ledgers (台账) rebuilt from the real work summaries in /work/shared/seeds, as .xlsx files.

* seed 002 — 深圳市人民政府, 市政协七届一次会议以来: 739 提案 (714 大会 + 25 平时), 579 立案,
  567 交付政府系统办理 (97.93 %), 616 应答复, A 461 / B 119 / C 32 / D 4.
* seed 000 — 市工业和信息化局, 市七届人大四次会议: 110 件 = 主办 34 + 分办 15 + 汇办 59 + 承办 2;
  41 件已评价, 全部满意.

Only the published figures are fixed; titles, names and dates are made up around them.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from banli.cases.models import Session
from banli.cases.services import session_create
from banli.ledger.format import COLUMNS
from banli.orgs.models import Org, OrgKind
from banli.orgs.services import org_add

GOV = "市人民政府"
GOV_UNITS = [
    "市发展和改革委员会",
    "市科技创新委员会",
    "市工业和信息化局",
    "市商务局",
    "市卫生健康委员会",
    "市水务局",
    "市人力资源和社会保障局",
    "市司法局",
    "市公安局",
    "市交通运输局",
    "市生态环境局",
    "市民政局",
    "市教育局",
    "市规划和自然资源局",
    "市住房和建设局",
    "市财政局",
    "市文化广电旅游体育局",
    "市市场监督管理局",
    "市城市管理和综合执法局",
    "市应急管理局",
    "龙华区人民政府",
    "南山区人民政府",
]
COURT = "市中级人民法院"
TOPICS = [
    "打造优势产业链",
    "加强疾控体系建设",
    "建立民间河长长效机制",
    "保障新就业形态劳动者权益",
    "提升智慧停车治理水平",
    "推进港口信息化建设",
    "发展数字经济",
    "统筹实施碳排放战略",
    "完善养老服务",
    "打造自行车友好城市",
    "推动工业上楼",
    "支持中小企业专精特新发展",
    "加强基础研究资金管理",
    "促进律师行业发展",
    "优化营商环境",
    "加强校园周边交通安全",
]
METHODS = ["电话", "座谈会", "上门走访", "微信", "联合调研", "书面", "面商"]


def _unit(name: str, kind=OrgKind.UNIT, parent: Org | None = None) -> Org:
    o = Org.objects.filter(name=name).first()
    return o or org_add(name=name, kind=kind, parent=parent)


def gov_orgs() -> Org:
    """市人民政府 (coordinator) with its units beneath, and 市中级人民法院 outside it."""
    gov = _unit(GOV, OrgKind.COORDINATOR)
    for name in GOV_UNITS:
        _unit(name, parent=gov)
    _unit(COURT)
    return gov


def seed_session(code: str, name: str, body_name: str, body_kind: str, year: int) -> Session:
    s = Session.objects.filter(code=code).first()
    if s:
        return s
    return session_create(
        code=code, name=name, body=_unit(body_name, body_kind), year=year, start_date=dt.date(year, 1, 10)
    )


def write_xlsx(rows: list[list], path: Path | str, header: list[str] | None = None) -> Path:
    """Write a ledger: `rows` are dicts (column → value) or lists in COLUMNS order."""
    from openpyxl import Workbook

    header = header or list(COLUMNS)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("台账")
    ws.append(header)
    for r in rows:
        ws.append([r.get(c, "") for c in header] if isinstance(r, dict) else list(r))
    wb.save(path)
    return Path(path)


def _history(rng: random.Random, assigned: dt.date, cls: str | None, verdict: str = "") -> dict:
    signed = assigned + dt.timedelta(days=rng.randint(1, 4))
    d = {"交办日期": assigned, "签收日期": signed}
    if cls:
        d.update(
            {
                "答复日期": signed + dt.timedelta(days=rng.randint(20, 80)),
                "答复类别": cls,
                "公开": rng.choice(["是", "是", "是", "否"]),
                "沟通方式": "、".join(rng.sample(METHODS, rng.randint(1, 2))),
                "评价": verdict,
            }
        )
    return d


def seed002_rows() -> list[dict]:
    rng = random.Random(2021)
    numbers = [f"2021{i:04d}" for i in range(1, 740)]
    idx = list(range(739))
    rng.shuffle(idx)
    not_accepted = set(idx[:120])
    merged = set(idx[120:160])
    accepted = [i for i in range(739) if i not in not_accepted and i not in merged]
    assert len(accepted) == 579
    # 567 to the government system: 520 承办, 20 主办+会办, 22 × 3 分办, 5 × 2 分办 → 616 replies due;
    # 8 to the court, 4 not assigned yet.
    plan = ["sole"] * 520 + ["lead_co"] * 20 + ["sep3"] * 22 + ["sep2"] * 5 + ["court"] * 8 + ["none"] * 4
    rng.shuffle(plan)
    classes = ["A"] * 461 + ["B"] * 119 + ["C"] * 32 + ["D"] * 4
    rng.shuffle(classes)
    classes = iter(classes)
    kinds = dict(zip(accepted, plan))
    rows = []
    assigned_on = dt.date(2021, 3, 5)
    for i, number in enumerate(numbers):
        base = {
            "编号": number,
            "标题": f"关于{TOPICS[i % len(TOPICS)]}的提案（{i + 1}）",
            "类型": "提案",
            "来源": "大会" if i < 714 else "平时",
            "领衔人": f"委员{i % 300:03d}",
            "联名人": "、".join(f"委员{(i + k) % 300:03d}" for k in (7, 13)) if i % 5 == 0 else "",
            "界别/代表团": ["经济界", "科技界", "教育界", "医药卫生界", "社会福利和社会保障界"][i % 5],
            "提交日期": dt.date(2021, 1, 20),
            "重点": "是" if i % 97 == 0 else "否",
        }
        if i in not_accepted:
            rows.append({**base, "立案状态": "不立案"})
            continue
        if i in merged:
            rows.append({**base, "立案状态": "并案", "并入编号": numbers[accepted[i % 579]]})
            continue
        base["立案状态"] = "立案"
        kind = kinds[i]
        units = rng.sample(GOV_UNITS, 3)
        if kind == "none":
            rows.append(base)
        elif kind == "court":
            rows.append({**base, "承办单位": COURT, "办理方式": "承办", **_history(rng, assigned_on, "A")})
        elif kind == "sole":
            rows.append(
                {
                    **base,
                    "承办单位": units[0],
                    "办理方式": "承办",
                    **_history(rng, assigned_on, next(classes), rng.choice(["", "满意", "基本满意"])),
                }
            )
        elif kind == "lead_co":
            rows.append(
                {**base, "承办单位": units[0], "办理方式": "主办", **_history(rng, assigned_on, next(classes), "满意")}
            )
            rows.append({**base, "承办单位": units[1], "办理方式": "会办", **_history(rng, assigned_on, None)})
        else:
            for u in units[: 3 if kind == "sep3" else 2]:
                rows.append({**base, "承办单位": u, "办理方式": "分办", **_history(rng, assigned_on, next(classes))})
    return rows


def build_seed002(directory: Path | str) -> tuple[Path, Session]:
    """Orgs, the 政协 session SZZX7-1 and the ledger file of seed 002."""
    gov_orgs()
    session = seed_session("SZZX7-1", "市政协七届一次会议", "市政协提案委员会", OrgKind.CPPCC, 2021)
    return write_xlsx(seed002_rows(), Path(directory) / "seed002.xlsx"), session


GX = "市工业和信息化局"


def seed000_rows() -> list[dict]:
    """市工业和信息化局: 主办 34, 分办 15, 汇办 59, 承办 2; 41 of its 51 replies evaluated 满意."""
    rng = random.Random(2023)
    others = [u for u in GOV_UNITS if u != GX]
    rows = []
    verdicts = iter(["满意"] * 41 + [""] * 10)
    assigned_on = dt.date(2023, 3, 10)
    plan = ["lead"] * 34 + ["separate"] * 15 + ["co"] * 59 + ["sole"] * 2
    for i, kind in enumerate(plan):
        base = {
            "编号": f"2023{i + 1:04d}",
            "标题": f"关于{TOPICS[i % len(TOPICS)]}的建议（{i + 1}）",
            "类型": "建议",
            "来源": "大会",
            "领衔人": f"代表{i % 80:02d}",
            "界别/代表团": ["福田代表团", "南山代表团", "龙华代表团", "宝安代表团"][i % 4],
            "立案状态": "立案",
        }
        other = others[i % len(others)]
        if kind == "lead":
            rows.append(
                {**base, "承办单位": GX, "办理方式": "主办", **_history(rng, assigned_on, "A", next(verdicts))}
            )
            rows.append({**base, "承办单位": other, "办理方式": "会办", **_history(rng, assigned_on, None)})
        elif kind == "separate":
            rows.append(
                {
                    **base,
                    "承办单位": GX,
                    "办理方式": "分办",
                    **_history(rng, assigned_on, rng.choice("AB"), next(verdicts)),
                }
            )
            rows.append({**base, "承办单位": other, "办理方式": "分办", **_history(rng, assigned_on, "A")})
        elif kind == "co":
            rows.append({**base, "承办单位": other, "办理方式": "主办", **_history(rng, assigned_on, "A", "基本满意")})
            rows.append({**base, "承办单位": GX, "办理方式": "汇办", **_history(rng, assigned_on, None)})
        else:
            rows.append(
                {**base, "承办单位": GX, "办理方式": "承办", **_history(rng, assigned_on, "A", next(verdicts))}
            )
    return rows


def build_seed000(directory: Path | str) -> tuple[Path, Session]:
    gov_orgs()
    session = seed_session("SZ7-4", "市七届人大四次会议", "市人大常委会选联任工委", OrgKind.NPC, 2023)
    return write_xlsx(seed000_rows(), Path(directory) / "seed000.xlsx"), session
