"""Removing personal data from a reply before it is published (SPEC §4, §6).

`redact(text)` replaces phone numbers (mobile, landline with area code, 400/800), 18-digit ID
numbers, e-mail addresses, house numbers of street addresses (号/栋/室) and any names given
with a visible placeholder such as 【电话已隐去】. It is idempotent: placeholders contain no digits,
so redacting a redacted text changes nothing — the publish service relies on that to re-check
whatever a reviewer typed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PLACEHOLDERS = {
    "email": "【邮箱已隐去】",
    "id_number": "【身份证号已隐去】",
    "phone": "【电话已隐去】",
    "address": "【地址已隐去】",
    "name": "【姓名已隐去】",
}
KIND_LABELS = {
    "email": "电子邮箱",
    "id_number": "身份证号码",
    "phone": "电话号码",
    "address": "门牌地址",
    "name": "姓名",
}

_SEP = r"[-\s—－]?"
_PATTERNS = [
    ("email", r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"),
    # 18-digit resident ID: region, birth date, sequence, check digit.
    (
        "id_number",
        r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])",
    ),
    # 400/800 service numbers.
    ("phone", rf"(?<!\d)[48]00{_SEP}\d{{3}}{_SEP}\d{{4}}(?!\d)"),
    # Mobile numbers, optionally with +86, written whole or in 3-4-4 groups.
    ("phone", rf"(?<!\d)(?:\+?86{_SEP})?1[3-9]\d(?:{_SEP}\d{{4}}){{2}}(?!\d)"),
    # Landlines with an area code: 0755-88888888, （0755）88888888, 075588888888, extensions.
    (
        "phone",
        rf"(?:[（(]0\d{{2,3}}[)）]\s?|(?<!\d)0\d{{2,3}}{_SEP})[2-9]\d{{6,7}}(?:(?:转|-|—|分机)\d{{1,6}})?(?!\d)",
    ),
    # House numbers after a street name: 深南大道6009号3栋1203室 keeps 深南大道.
    (
        "address",
        r"(?<=[路街道巷弄村里])\s?\d+(?:[-之]\d+)?号(?:\s?[\dA-Za-z]+(?:栋|幢|座|楼|单元|层))*(?:\s?[\dA-Za-z]+(?:室|房))?",
    ),
    # A house number followed by a building: 6009号3栋1203室.
    ("address", r"(?<![\dA-Za-z第〕])\d+号\s?[\dA-Za-z]{1,4}(?:栋|幢|座)(?:\s?\d{1,2}单元)?(?:\s?\d{2,5}(?:室|房)?)?"),
    # Buildings in an estate (某某花园3栋) and rooms without a street (5栋1203室, 3座2单元501, 1203室);
    # a bare “2栋厂房” is a count, not an address.
    (
        "address",
        r"(?<=[区园苑厦寓城庭阁府居])\s?[\dA-Za-z]{1,4}(?:栋|幢|座)(?:\s?\d{1,2}单元)?(?:\s?\d{2,5}(?:室|房)?)?",
    ),
    ("address", r"(?<![\dA-Za-z])[\dA-Za-z]{1,4}(?:栋|幢|座)\s?(?:\d{1,2}单元\s?)?\d{2,5}(?:室|房)?"),
    ("address", r"(?<![\dA-Za-z])\d{3,5}(?:室|房)"),
]
_RE = re.compile("|".join(f"(?P<k{i}>{p})" for i, (_, p) in enumerate(_PATTERNS)))
_KINDS = {f"k{i}": kind for i, (kind, _) in enumerate(_PATTERNS)}
# Any placeholder, including ones a reviewer typed by hand (【单位内部人员姓名已隐去】).
PLACEHOLDER_RE = re.compile(r"【[^【】\n]{1,16}已隐去】")
# What introduces the unit's own office address, which is public (办公地址：…, 我局地址…).
_OFFICE = r"(?:的)?(?:办公|办事)?(?:地址|地点|位于|设在|坐落于)"
_OFFICE_CUE = re.compile(
    rf"(?:办公地址|办公地点|办事地点|单位地址|机关地址|(?:本|我)(?:局|委|办|厅|院|会|部|中心|单位){_OFFICE})"
)


@dataclass(frozen=True)
class Span:
    """One removal: where its placeholder sits in the redacted text, and what it replaced."""

    start: int
    end: int
    kind: str
    original: str

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]


def _is_office_address(text: str, start: int, public_names: Iterable[str]) -> bool:
    """Whether the address at `start` is introduced, in its clause, as the unit's own office address."""
    clause = re.split(r"[。；;，,！？!?\n]", text[max(0, start - 60) : start])[-1]
    if _OFFICE_CUE.search(clause):
        return True
    return any(re.search(re.escape(n) + _OFFICE, clause) for n in public_names if n and len(n) >= 2)


def redact(text: str, *, names: Iterable[str] = (), public_names: Iterable[str] = ()) -> tuple[str, list[Span]]:
    """(redacted text, spans over the redacted text) — personal data replaced by placeholders.

    `public_names` are the unit's own names: an address introduced as its office address
    (“市工业和信息化局办公地址：…”, “我局地址…”) is public and stays."""
    text = text or ""
    public_names = [n.strip() for n in public_names if n]
    matches: list[tuple[int, int, str]] = [
        (m.start(), m.end(), _KINDS[m.lastgroup])
        for m in _RE.finditer(text)
        if not (_KINDS[m.lastgroup] == "address" and _is_office_address(text, m.start(), public_names))
    ]
    taken = [False] * len(text)
    for s, e, _ in matches:
        for i in range(s, e):
            taken[i] = True
    for name in sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len, reverse=True):
        for m in re.finditer(re.escape(name), text):
            if not any(taken[m.start() : m.end()]):
                matches.append((m.start(), m.end(), "name"))
                for i in range(m.start(), m.end()):
                    taken[i] = True
    matches.sort()
    out: list[str] = []
    spans: list[Span] = []
    pos = 0
    length = 0
    for s, e, kind in matches:
        out.append(text[pos:s])
        length += s - pos
        ph = PLACEHOLDERS[kind]
        out.append(ph)
        spans.append(Span(length, length + len(ph), kind, text[s:e]))
        length += len(ph)
        pos = e
    out.append(text[pos:])
    return "".join(out), spans


def highlight(text: str) -> SafeString:
    """HTML of `text` with every placeholder marked, for the reviewer and the public page."""
    parts: list[str] = []
    pos = 0
    for m in PLACEHOLDER_RE.finditer(text or ""):
        parts.append(escape(text[pos : m.start()]))
        parts.append(f'<mark class="redacted">{escape(m.group(0))}</mark>')
        pos = m.end()
    parts.append(escape((text or "")[pos:]))
    return mark_safe("".join(parts))
