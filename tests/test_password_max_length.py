"""A password longer than sign-in accepts cannot be set (issue #19 item 10: a 4,100-character one was
accepted at change, then refused at login, locking the user out)."""

import pytest
from django.test import Client
from django.urls import reverse

from banli.errors import DomainError
from banli.orgs.models import User
from banli.security import services

LONG = "Aa1#" * 1025  # 4,100 characters
LIMIT_128 = "Aa1#" * 32  # exactly 128


def test_change_reset_and_create_refuse_a_password_longer_than_login_accepts(cast):
    with pytest.raises(DomainError) as e:
        services.password_change(actor=cast.handler_gx, old_password=cast.password, new_password=LONG)
    assert "密码不能超过 128 个字符（现为 4100 个）" in e.value.message
    with pytest.raises(DomainError) as e:
        services.user_password_reset(actor=cast.sysadmin, user=cast.handler_gx, new_password=LONG)
    assert "不能超过 128 个字符" in e.value.message
    with pytest.raises(DomainError) as e:
        services.user_admin_create(
            actor=cast.sysadmin, username="long_pw", full_name="长密码", org=cast.orgs.gx, password=LONG
        )
    assert "不能超过 128 个字符" in e.value.message
    assert not User.objects.filter(username="long_pw").exists()
    assert cast.handler_gx.check_password(cast.password)


def test_the_longest_password_that_can_be_set_signs_in(cast, settings):
    settings.BANLI_FORCE_PASSWORD_CHANGE = False
    services.password_change(actor=cast.handler_gx, old_password=cast.password, new_password=LIMIT_128)
    c = Client()
    r = c.post(reverse("web:login"), {"username": "handler_gx", "password": LIMIT_128})
    assert r.status_code == 302
    assert User.objects.get(pk=cast.handler_gx.pk).check_password(LIMIT_128)


def test_the_change_page_says_so(cast, login):
    r = login(cast.handler_gx).post(
        reverse("security:password_change"),
        {"old_password": cast.password, "new_password": LONG, "new_password2": LONG},
    )
    assert "密码不能超过 128 个字符（现为 4100 个）" in r.content.decode()
