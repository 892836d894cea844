from django.core.management.base import CommandError

from banli.cases.models import Session


def session_by_code(code: str) -> Session:
    s = Session.objects.select_related("body").filter(code=code).first()
    if s is None:
        raise CommandError(f"找不到届次代码为“{code}”的届次会议。")
    return s
