"""The annual summary reads like the seeds: the unit names itself 我局/我厅/我区, 主要做法 and
存在问题 are drafted from the data, showcases are proposed when none is marked, and earlier
years' B-class follow-up has its own section (seed 001)."""

from __future__ import annotations

import datetime as dt

from banli.cases.models import AssignmentRole as R
from banli.cases.services import proposal_register, session_create
from banli.handling import services as handling
from banli.handling.models import FollowUp
from banli.orgs.models import Org, OrgKind
from banli.reports import services
from banli.reports.summary import self_name

from . import factories as f


def test_unit_names_itself_by_its_kind(cast):
    s = cast.npc_session
    for name, kind, expected in (
        ("市工业和信息化局", OrgKind.UNIT, "我局"),
        ("广东省工业和信息化厅", OrgKind.UNIT, "我厅"),
        ("市卫生健康委员会", OrgKind.UNIT, "我委"),
        ("龙华区人民政府", OrgKind.UNIT, "我区"),
        ("深圳市人民政府", OrgKind.UNIT, "深政府"),
        ("市政府办公厅", OrgKind.COORDINATOR, "市政府系统"),
    ):
        assert self_name(Org(name=name, kind=kind), s) == expected, name


def _earlier_b(cast):
    """Last year's session: two B replies of 市工信局, one kept and converted to A, one still open."""
    prev = session_create(actor=cast.staff_npc, code="SZ7-3", name="市七届人大三次会议", body=cast.orgs.npc, year=2022)
    out = []
    for number in ("20220011", "20220012"):
        with f.on(dt.date(2022, 1, 20)):
            p = proposal_register(
                actor=cast.staff_npc, session=prev, title=f"关于{number}号事项的建议", lead=cast.deputy, number=number
            )
        f.accepted(cast, p, day=dt.date(2022, 2, 1))
        a = f.assigned(cast, p, units=[(cast.orgs.gx, R.SOLE)], day=dt.date(2022, 3, 1))
        out.append(f.sent(cast, a, day=dt.date(2022, 5, 1), result_class="B", text="正在推进。"))
    fu = FollowUp.objects.get(reply=out[0])
    c = fu.reply.commitments.get()
    with f.on(dt.date(2022, 11, 1)):
        handling.followup_convert_to_a(
            actor=cast.liaison_gx, followup=fu, note="已建成投用。", outcomes={c.pk: ("done", "已完成", None)}
        )
    return out


def test_earlier_years_b_follow_up_section_like_seed_001(cast):
    _earlier_b(cast)
    text = services.summary_build(actor=None, session=cast.npc_session, org=cast.orgs.gx).all_text()
    assert "五、往年B类建议跟踪落实情况" in text and "六、其他说明事项" in text
    assert "2022年纳入B类2件" in text
    assert "2022年的2件B类建议中，已转为A类1件，正在跟踪落实1件" in text
    assert "《关于20220012号事项的建议》（20220012，市工业和信息化局），继续跟踪落实。" in text
    assert "《关于20220011号事项的建议》" not in text.split("五、往年")[1].split("六、")[0]


def test_all_converted_earlier_years_say_so(cast):
    _r1, r2 = _earlier_b(cast)
    fu = FollowUp.objects.get(reply=r2)
    c = fu.reply.commitments.get()
    with f.on(dt.date(2022, 12, 1)):
        handling.followup_convert_to_a(
            actor=cast.liaison_gx, followup=fu, note="已完成。", outcomes={c.pk: ("done", "已完成", None)}
        )
    text = services.summary_build(actor=None, session=cast.npc_session, org=cast.orgs.gx).all_text()
    assert "截至目前，2022年我局所有B类建议所提问题已经解决或基本解决，均已转为A类件。" in text


def test_no_earlier_years_no_section(cast):
    text = services.summary_build(actor=None, session=cast.npc_session, org=cast.orgs.gx).all_text()
    assert "往年B类" not in text and "五、其他说明事项" in text


def test_showcases_are_proposed_and_problems_drafted_from_the_data(cast):
    p = f.accepted(cast, title="关于加快建设人工智能产业园的建议", number="20230077", day=dt.date(2023, 2, 1))
    a = f.assigned(cast, p, units=[(cast.orgs.gx, R.SOLE)], day=dt.date(2023, 3, 1))
    from banli.cases.services import proposal_set_key

    proposal_set_key(actor=cast.staff_npc, proposal=p, is_key=True, leader="副市长 刘海燕", plan="领衔督办")
    f.sent(cast, a, day=dt.date(2023, 5, 1), result_class="A", text="已落实。")
    b = f.accepted(cast, title="关于优化园区交通的建议", number="20230078", day=dt.date(2023, 2, 1))
    f.sent(
        cast,
        f.assigned(cast, b, units=[(cast.orgs.gx, R.SOLE)], day=dt.date(2023, 3, 1)),
        day=dt.date(2023, 5, 2),
        result_class="B",
    )
    text = services.summary_build(actor=None, session=cast.npc_session, org=cast.orgs.gx).all_text()
    assert "请确认" in text
    assert "提出的《关于加快建设人工智能产业园的建议》（20230077），由副市长 刘海燕领衔督办，已解决（A类）。" in text
    assert "《关于加快建设人工智能产业园的建议》由副市长 刘海燕领衔督办" in text  # 主要做法 names the leader
    problems = text.split("四、存在问题和改进措施")[1].split("五、")[0]
    assert "1件B类建议的承诺事项尚在落实中" in problems and "请修改完善" in problems
