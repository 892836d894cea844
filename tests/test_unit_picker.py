"""The unit picker (issue #13): a unit is found by its full name, short name, alias, pinyin initials
or its characters in order; the 交办 search offers only the units the user may assign to; the case
page carries no list of units."""

from __future__ import annotations

import pytest
from django.utils import timezone

from banli.orgs.models import Org, OrgKind
from banli.orgs.search import initials, unit_search
from banli.orgs.services import org_add
from tests import factories as f

pytestmark = pytest.mark.django_db


def _units():
    return Org.objects.filter(kind=OrgKind.UNIT, is_active=True)


def _names(q, units=None):
    return [o.name for o in unit_search(units or _units(), q)]


def test_initials_of_chinese_names():
    assert initials("工信局") == "gxj"
    assert initials("市卫生健康委员会") == "swsjkwyh"


def test_full_name_short_name_alias_initials_and_characters_in_order(cast):
    wjw = org_add(name="市卫生健康委员会", kind=OrgKind.UNIT, parent=cast.orgs.gov, short_name="市卫健委")
    wjw.aliases = "卫计委\n市卫生局"
    wjw.save()
    assert _names("市工业和信息化局")[0] == "市工业和信息化局"
    assert _names("市卫健委")[0] == "市卫生健康委员会"  # short name
    assert _names("卫计委")[0] == "市卫生健康委员会"  # alias
    assert _names("卫生局")[0] == "市卫生健康委员会"  # part of an alias
    assert _names("卫健委")[0] == "市卫生健康委员会"  # characters in order
    assert _names("工信局")[:2] == ["市工业和信息化局", "龙华区工业和信息化局"]  # the shorter name first
    assert _names("gxj")[:2] == ["市工业和信息化局", "龙华区工业和信息化局"]  # pinyin initials, in order
    assert _names("swsjkwyh") == ["市卫生健康委员会"]
    assert _names("wjw")[0] == "市卫生健康委员会"
    assert _names("商务")[0] == "市商务局"
    assert _names("不存在的单位") == []
    assert "市政府办公厅" not in _names("")  # units only


def test_the_assign_search_offers_only_assignable_units(cast, login):
    p = f.accepted(cast)
    staff = login(cast.staff_npc).get("/cases/units/", {"proposal": p.pk, "q": "局"}).json()["units"]
    assert "市商务局" in {u["name"] for u in staff}
    # a district sub-assigns one level down: only its own units
    district = f.assigned(cast, units=[(cast.orgs.lh, "sole")])
    found = login(cast.liaison_lh).get("/cases/units/", {"proposal": district.proposal_id, "parent": district.pk})
    assert {u["name"] for u in found.json()["units"]} == {"龙华区发展和改革局", "龙华区工业和信息化局"}
    # not someone else's case
    assert login(cast.coordinator).get("/cases/units/", {"proposal": p.pk}).status_code == 404
    # a proposal outside the user's scope: the same 404 as a missing one
    other = f.accepted(cast, member=True)
    assert login(cast.staff_npc).get("/cases/units/", {"proposal": other.pk}).status_code == 404
    assert login(cast.staff_npc).get("/cases/units/", {"proposal": 10**9}).status_code == 404
    # proposers and handlers do not assign
    assert login(cast.deputy_user).get("/cases/units/", {"q": "局"}).status_code == 403


def test_the_case_page_ships_no_unit_options_and_assigning_by_id_still_works(cast, login):
    p = f.accepted(cast)
    client = login(cast.staff_npc)
    html = client.get(f"/cases/{p.pk}/").content.decode()
    assert "<option" not in html.split('class="assign-form"')[1].split("</form>")[0]
    assert 'role="combobox"' in html and f"/cases/units/?proposal={p.pk}" in html
    resp = client.post(
        f"/cases/{p.pk}/assign/",
        {"lead": cast.orgs.gx.pk, "co": [cast.orgs.sw.pk, cast.orgs.lh.pk], "assigned_on": str(timezone.localdate())},
    )
    assert resp.status_code == 302
    assert {(a.unit.name, a.role) for a in p.assignments.all()} == {
        ("市工业和信息化局", "lead"),
        ("市商务局", "co"),
        ("龙华区人民政府", "co"),
    }


def test_a_refused_assignment_keeps_the_chosen_units_as_chips(cast, login):
    p = f.accepted(cast)
    resp = login(cast.staff_npc).post(
        f"/cases/{p.pk}/assign/", {"co": [cast.orgs.sw.pk], "assigned_on": str(timezone.localdate())}
    )
    html = resp.content.decode()
    assert resp.status_code == 400 and "有会办单位时必须指定一个主办单位" in html
    assert f'<input type="hidden" name="co" value="{cast.orgs.sw.pk}">' in html


def test_aliases_are_configured_by_command_audited_and_found(cast):
    from django.core.management import call_command

    from banli.audit.models import AuditEvent

    call_command("unit-names", "市商务局", "--short", "商务局", "--alias", "贸工局", "--alias", "市贸工局")
    sw = Org.objects.get(pk=cast.orgs.sw.pk)
    assert sw.short_name == "商务局" and sw.alias_list == ["贸工局", "市贸工局"]
    assert AuditEvent.objects.filter(verb="org.names", new__aliases=["贸工局", "市贸工局"]).exists()
    assert _names("贸工局")[0] == "市商务局"
    assert _names("mgj")[0] == "市商务局"
