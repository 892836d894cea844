"""Password rules of 等保2.0 §8.1.4.1 (complexity) on top of Django's validators."""

from __future__ import annotations

import string

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils import timezone

from .models import PasswordHistory, UserSecurity

CLASSES = (
    ("小写字母", lambda c: c in string.ascii_lowercase),
    ("大写字母", lambda c: c in string.ascii_uppercase),
    ("数字", lambda c: c.isdigit()),
    ("特殊字符", lambda c: not c.isalnum()),
)


def max_password_length() -> int:
    return int(getattr(settings, "BANLI_PASSWORD_MAX_LENGTH", 128))


class MaximumLengthValidator:
    """At most BANLI_PASSWORD_MAX_LENGTH characters: the same bound sign-in accepts, so a password
    that can be set can always be used (a 4,100-character one was accepted, then refused at login)."""

    def validate(self, password, user=None):
        limit = max_password_length()
        if len(password) > limit:
            raise ValidationError(
                f"密码不能超过 {limit} 个字符（现为 {len(password)} 个）。", code="password_too_long"
            )

    def get_help_text(self):
        return f"密码不能超过 {max_password_length()} 个字符。"


class CharacterClassesValidator:
    """At least `min_classes` of: lower case, upper case, digits, special characters."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        found = sum(1 for _, test in CLASSES if any(test(c) for c in password))
        if found < self.min_classes:
            raise ValidationError(
                f"密码须包含大写字母、小写字母、数字、特殊字符中的至少 {self.min_classes} 类。",
                code="password_classes",
            )

    def get_help_text(self):
        return f"密码须包含大写字母、小写字母、数字、特殊字符中的至少 {self.min_classes} 类。"


class NotUsernameValidator:
    """The password may not be the username, nor contain it, nor be it reversed."""

    def validate(self, password, user=None):
        username = (getattr(user, "username", "") or "").lower()
        if not username:
            return
        p = password.lower()
        if username in p or username[::-1] in p:
            raise ValidationError("密码不能与用户名相同或包含用户名。", code="password_username")

    def get_help_text(self):
        return "密码不能包含用户名。"


class PasswordHistoryValidator:
    """None of the last `count` passwords (the current one included) may be reused.

    `password_changed` records the new hash and the change time whenever a user with a new
    password is saved (Django calls it from `AbstractBaseUser.save`), whoever set it.
    """

    def __init__(self, count: int = 5):
        self.count = count

    def validate(self, password, user=None):
        if user is None or not getattr(user, "pk", None):
            return
        hashes = list(PasswordHistory.objects.filter(user_id=user.pk).values_list("password", flat=True)[: self.count])
        if not hashes and user.has_usable_password():
            hashes = [user.password]
        if any(check_password(password, h) for h in hashes):
            raise ValidationError(f"新密码不能与最近 {self.count} 次使用过的密码相同。", code="password_reused")

    def password_changed(self, password, user=None):
        if user is None or not getattr(user, "pk", None) or not user.has_usable_password():
            return
        PasswordHistory.objects.create(user_id=user.pk, password=user.password)
        keep = getattr(settings, "BANLI_PASSWORD_HISTORY_KEEP", 24)
        old_ids = list(PasswordHistory.objects.filter(user_id=user.pk).values_list("pk", flat=True)[keep:])
        if old_ids:
            PasswordHistory.objects.filter(pk__in=old_ids).delete()
        UserSecurity.objects.update_or_create(user_id=user.pk, defaults={"password_changed_at": timezone.now()})

    def get_help_text(self):
        return f"不能使用最近 {self.count} 次用过的密码。"
