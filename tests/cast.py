"""The shared test cast (STYLE.md §7): one city, every role, an outsider.

Org tree:
    市人大常委会选联任工委 (npc)          市政协提案委员会 (cppcc)
    市政府办公厅 (coord)
      ├─ 市工业和信息化局 (unit) ── 办公室, 产业发展处, 中小企业处
      ├─ 市商务局 (unit) ── 办公室, 外贸处
      └─ 龙华区人民政府 (unit, district) ── 区发展和改革局 (unit), 区工业和信息化局 (unit)
    市中级人民法院 (unit outside the government system)
    市政务服务数据管理局信息中心 (dept-less home of the three admins: kind coord, no cases)
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from banli.cases.services import proposer_get_or_create, session_create
from banli.orgs.models import OrgKind
from banli.orgs.services import org_add, user_create

PASSWORD = "Banli#2024test"


def build_cast() -> SimpleNamespace:
    c = SimpleNamespace()
    o = SimpleNamespace()
    o.npc = org_add(name="市人大常委会选联任工委", kind=OrgKind.NPC)
    o.cppcc = org_add(name="市政协提案委员会", kind=OrgKind.CPPCC)
    o.gov = org_add(name="市政府办公厅", kind=OrgKind.COORDINATOR)
    o.gx = org_add(name="市工业和信息化局", kind=OrgKind.UNIT, parent=o.gov)
    o.gx_office = org_add(name="市工业和信息化局办公室", kind=OrgKind.DEPT, parent=o.gx)
    o.gx_industry = org_add(name="市工业和信息化局产业发展处", kind=OrgKind.DEPT, parent=o.gx)
    o.gx_sme = org_add(name="市工业和信息化局中小企业处", kind=OrgKind.DEPT, parent=o.gx)
    o.sw = org_add(name="市商务局", kind=OrgKind.UNIT, parent=o.gov)
    o.sw_office = org_add(name="市商务局办公室", kind=OrgKind.DEPT, parent=o.sw)
    o.sw_trade = org_add(name="市商务局外贸处", kind=OrgKind.DEPT, parent=o.sw)
    o.lh = org_add(name="龙华区人民政府", kind=OrgKind.UNIT, parent=o.gov)
    o.lh_fgj = org_add(name="龙华区发展和改革局", kind=OrgKind.UNIT, parent=o.lh)
    o.lh_gxj = org_add(name="龙华区工业和信息化局", kind=OrgKind.UNIT, parent=o.lh)
    o.court = org_add(name="市中级人民法院", kind=OrgKind.UNIT)
    o.it = org_add(name="市政务服务数据管理局信息中心", kind=OrgKind.COORDINATOR)
    c.orgs = o

    def mk(username, org, *roles, name=""):
        return user_create(
            username=username,
            org=org,
            roles=list(roles),
            password=PASSWORD,
            full_name=name or username,
            validate=False,
        )

    c.staff_npc = mk("staff_npc", o.npc, "body_staff", name="人大工委干事")
    c.staff_cppcc = mk("staff_cppcc", o.cppcc, "body_staff", name="政协提案委干事")
    c.coordinator = mk("coordinator", o.gov, "coordinator", name="督查室科长")
    c.liaison_gx = mk("liaison_gx", o.gx_office, "unit_liaison", name="工信联络员")
    c.leader_gx = mk("leader_gx", o.gx, "unit_leader", name="工信分管领导")
    c.handler_gx = mk("handler_gx", o.gx_industry, "handler", name="产业处承办人")
    c.handler_gx_sme = mk("handler_gx_sme", o.gx_sme, "handler", name="中小处承办人")
    c.liaison_sw = mk("liaison_sw", o.sw_office, "unit_liaison", name="商务联络员")
    c.leader_sw = mk("leader_sw", o.sw, "unit_leader", name="商务分管领导")
    c.handler_sw = mk("handler_sw", o.sw_trade, "handler", name="外贸处承办人")
    c.liaison_lh = mk("liaison_lh", o.lh, "unit_liaison", name="龙华区联络员")
    c.liaison_lh_fgj = mk("liaison_lh_fgj", o.lh_fgj, "unit_liaison", name="区发改联络员")
    c.liaison_court = mk("liaison_court", o.court, "unit_liaison", name="法院联络员")
    c.deputy_user = mk("deputy", o.npc, "proposer", name="王代表")
    c.cosigner_user = mk("cosigner", o.npc, "proposer", name="李代表")
    c.outsider = mk("outsider", o.npc, "proposer", name="赵代表")
    c.member_user = mk("member", o.cppcc, "proposer", name="陈委员")
    c.sysadmin = mk("sysadmin", o.it, "sysadmin", name="系统管理员")
    c.secadmin = mk("secadmin", o.it, "secadmin", name="安全管理员")
    c.auditor = mk("auditor", o.it, "auditor", name="审计管理员")

    c.npc_session = session_create(
        code="SZ7-4", name="市七届人大四次会议", body=o.npc, year=2023, start_date=dt.date(2023, 2, 20)
    )
    c.cppcc_session = session_create(
        code="SZZX7-4", name="市政协七届四次会议", body=o.cppcc, year=2024, start_date=dt.date(2024, 1, 10)
    )
    c.deputy = proposer_get_or_create(body=o.npc, name="王代表", group="福田代表团")
    c.deputy.user = c.deputy_user
    c.deputy.save()
    c.cosigner = proposer_get_or_create(body=o.npc, name="李代表", group="南山代表团")
    c.cosigner.user = c.cosigner_user
    c.cosigner.save()
    c.outsider_proposer = proposer_get_or_create(body=o.npc, name="赵代表", group="龙华代表团")
    c.outsider_proposer.user = c.outsider
    c.outsider_proposer.save()
    c.member = proposer_get_or_create(body=o.cppcc, name="陈委员", group="经济界")
    c.member.user = c.member_user
    c.member.save()
    c.password = PASSWORD
    return c


ALL_USERS = (
    "staff_npc",
    "staff_cppcc",
    "coordinator",
    "liaison_gx",
    "leader_gx",
    "handler_gx",
    "handler_gx_sme",
    "liaison_sw",
    "leader_sw",
    "handler_sw",
    "liaison_lh",
    "liaison_lh_fgj",
    "liaison_court",
    "deputy_user",
    "cosigner_user",
    "outsider",
    "member_user",
    "sysadmin",
    "secadmin",
    "auditor",
)
