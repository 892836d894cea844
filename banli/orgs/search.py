"""Finding a unit among hundreds by what a clerk types (issue #13): the full name, the short name
(卫健委, 工信局), a configured alias, pinyin initials (gxj) or the characters in order (工信局 in
市工业和信息化局).

The units of one body are a few hundred rows: they are read once per search (one query) and ranked
in memory; pinyin initials are cached per name.
"""

from __future__ import annotations

from functools import lru_cache

from django.db.models import QuerySet
from pypinyin import Style, lazy_pinyin

from .models import Org

LIMIT = 20


@lru_cache(maxsize=8192)
def initials(text: str) -> str:
    """Pinyin initials of the Chinese characters of `text`, lower case (工信局 → gxj); other letters
    and digits are kept as they are."""
    out = []
    for part in lazy_pinyin(text, style=Style.FIRST_LETTER, errors=lambda s: list(s)):
        out.append(part[:1].lower())
    return "".join(c for c in out if c.isalnum())


def _in_order(needle: str, hay: str) -> bool:
    """Whether the characters of `needle` occur in `hay` in this order (卫健委 in 市卫生健康委员会)."""
    it = iter(hay)
    return all(ch in it for ch in needle)


def _rank(q: str, org: Org) -> int | None:
    """Lower is better; None when the unit does not match at all."""
    names = [org.name] + ([org.short_name] if org.short_name else []) + org.alias_list
    low = [n.lower() for n in names]
    if q in low:
        return 0
    if any(n.startswith(q) for n in low):
        return 1
    if q.isascii():
        inits = [initials(n) for n in names]
        if q in inits:
            return 1
        if any(i.startswith(q) for i in inits):
            return 2
        if any(q in i for i in inits):
            return 3
        if any(_in_order(q, i) for i in inits):
            return 5
        return None
    if any(q in n for n in low):
        return 2
    if any(_in_order(q, n) for n in low):
        return 4
    return None


def unit_search(units: QuerySet[Org], q: str, *, limit: int = LIMIT) -> list[Org]:
    """The units of `units` matching `q`, best first (ties: the shorter name first). An empty query
    lists the first units by name."""
    q = "".join((q or "").split()).lower()
    rows = list(units.only("pk", "name", "short_name", "aliases", "path"))
    if not q:
        return sorted(rows, key=lambda o: o.path)[:limit]
    ranked = [(r, len(o.name), o.name, o) for o in rows if (r := _rank(q, o)) is not None]
    ranked.sort(key=lambda t: t[:3])
    return [t[3] for t in ranked[:limit]]
