"""The case list's ?q= matches traditional and simplified script alike, as search does (issue #19 item 10)."""

from . import factories as f


def test_case_list_query_matches_either_script(cast, login):
    simp = f.registered(cast, title="关于发展数字经济的建议")
    trad = f.registered(cast, title="關於推進工業上樓的建議")
    c = login(cast.staff_npc)
    assert simp.title in c.get("/cases/", {"q": "數字經濟"}).content.decode()
    assert trad.title in c.get("/cases/", {"q": "工业上楼"}).content.decode()
    page = c.get("/cases/", {"q": "数字经济"}).content.decode()
    assert simp.title in page and trad.title not in page
    assert simp.title in c.get("/cases/", {"q": simp.number}).content.decode()
