"""The dashboard's figures: labels, how each is read from `stats_for`, and the list behind it.

Every count is a key of `stats_cases`; every rate links to its numerator and denominator lists
(RATE_PARTS). `satisfaction_rate`'s numerator is two lists, joined with “+”.
"""

from __future__ import annotations

from django.db.models import QuerySet

from banli.formatting import pct
from banli.stats.selectors import KEYS, RATE_PARTS, stats_cases

LABELS = {
    "received": "收到件数",
    "by_channel.plenary": "大会",
    "by_channel.interim": "平时",
    "accepted": "立案",
    "not_accepted": "不予立案",
    "merged": "并案",
    "assigned": "交办件数",
    "accept_rate": "立案率",
    "assigned_share": "交办占比",
    "assignments": "交办件次",
    "by_role.lead": "主办",
    "by_role.co": "会办",
    "by_role.separate": "分办",
    "by_role.sole": "承办",
    "replies_due": "应答复",
    "replies_sent": "已答复",
    "reply_rate": "办复率",
    "sign_decided": "应签收（已到期或已签收）",
    "on_time_signed": "按时签收",
    "on_time_sign_rate": "按时签收率",
    "reply_decided": "应答复（已到期或已答复）",
    "on_time_replied": "按时答复",
    "on_time_reply_rate": "按时答复率",
    "class_counts.A": "A类",
    "class_counts.B": "B类",
    "class_counts.C": "C类",
    "class_counts.D": "D类",
    "class_rates.A": "A类占比",
    "class_rates.B": "B类占比",
    "class_rates.C": "C类占比",
    "class_rates.D": "D类占比",
    "evaluated": "已评价",
    "satisfied": "满意",
    "basically_satisfied": "基本满意",
    "unsatisfied": "不满意",
    "satisfied+basically_satisfied": "满意和基本满意",
    "satisfaction_rate": "满意率",
    "full_satisfaction_rate": "非常满意率（满意/已评价）",
    "contacted": "答复前有沟通",
    "contact_rate": "沟通率",
    "face_to_face": "有面对面沟通",
    "face_to_face_rate": "见面率",
    "b_open": "B类跟踪中",
    "b_converted": "B类已转A",
    "overdue": "逾期",
    "adoption_rate": "采纳率",
}

INTAKE = [
    "received",
    "by_channel.plenary",
    "by_channel.interim",
    "accepted",
    "not_accepted",
    "merged",
    "accept_rate",
    "assigned",
    "assigned_share",
]
HANDLING = [
    "assignments",
    "by_role.lead",
    "by_role.co",
    "by_role.separate",
    "by_role.sole",
    "replies_due",
    "replies_sent",
    "reply_rate",
    "on_time_sign_rate",
    "on_time_reply_rate",
    "overdue",
]
RESULTS = [
    "class_counts.A",
    "class_rates.A",
    "class_counts.B",
    "class_rates.B",
    "class_counts.C",
    "class_rates.C",
    "class_counts.D",
    "class_rates.D",
    "evaluated",
    "satisfied",
    "basically_satisfied",
    "unsatisfied",
    "satisfaction_rate",
    "full_satisfaction_rate",
    "contact_rate",
    "face_to_face_rate",
    "b_open",
    "b_converted",
    "adoption_rate",
]
# Keys whose lists a user outside the body office could not see in full: shown to body staff only.
BODY_ONLY = set(INTAKE)


def rate_parts() -> dict:
    return RATE_PARTS


def is_rate(key: str) -> bool:
    return key in rate_parts() or key == "adoption_rate"


def value_of(stats: dict, key: str):
    if key == "assignments":
        return sum(stats["by_role"].values())
    if key.startswith("class_rates."):
        return stats["class_rates"][key.split(".", 1)[1]]
    if "." in key:
        a, b = key.split(".", 1)
        return stats[a][b]
    return stats[key]


def list_key(part) -> str:
    return "+".join(part) if isinstance(part, tuple) else part


def figure(stats: dict, key: str) -> dict:
    """{key, label, value, text, link_key, num_key, den_key} for one dashboard figure."""
    label = LABELS.get(key, key)
    if is_rate(key):
        value = value_of(stats, key)
        parts = rate_parts().get(key)
        out = {
            "key": key,
            "label": label,
            "value": value,
            "text": pct(value),
            "rate": True,
            "link_key": None,
            "num": None,
            "den": None,
        }
        if parts:
            num, den = list_key(parts[0]), list_key(parts[1])
            out.update(
                link_key=num,
                num_key=num,
                den_key=den,
                num=sum(count_of(stats, k) for k in num.split("+")),
                den=count_of(stats, den),
            )
        return out
    value = value_of(stats, key)
    return {"key": key, "label": label, "value": value, "text": str(value), "rate": False, "link_key": key}


def count_of(stats: dict, key: str) -> int:
    """A count figure by its stats_cases key, including the numerators/denominators of rates
    that stats_for does not return on their own (computed by listing them)."""
    direct = {
        "sign_decided",
        "on_time_signed",
        "reply_decided",
        "on_time_replied",
        "contacted",
        "face_to_face",
    }
    if key in direct:
        return stats.setdefault("_extra", {}).get(key, -1)
    return value_of(stats, key)


def cases_for(*, sessions, org, key: str, today=None) -> QuerySet:
    """The rows behind a list key (a stats_cases key, or several joined with “+”)."""
    keys = key.split("+")
    qs = stats_cases(sessions=sessions, org=org, key=keys[0], today=today)
    if len(keys) > 1:
        pks = set(qs.values_list("pk", flat=True))
        for k in keys[1:]:
            pks |= set(stats_cases(sessions=sessions, org=org, key=k, today=today).values_list("pk", flat=True))
        qs = qs.model.objects.filter(pk__in=pks).order_by(
            "proposal__number" if qs.model.__name__ == "Assignment" else "number", "pk"
        )
    return qs


def known_key(key: str) -> bool:
    return all(k in KEYS for k in key.split("+"))
