"""A proposer never reaches a staff page: links, lights and notifications all lead to the portal."""

from __future__ import annotations

import pytest
from django.urls import reverse

from banli.notify.models import Notification
from banli.notify.services import notify

from .factories import case_set
from .test_portal_world import build_world


@pytest.fixture
def cases(cast):
    return case_set(cast)


def test_staff_case_page_sends_the_proposer_to_the_portal(cast, cases, login):
    resp = login(cast.deputy_user).get(reverse("cases:detail", args=[cases.main.pk]))
    assert resp.status_code == 302
    assert resp["Location"] == reverse("portal:proposal", args=[cases.main.pk])


def test_another_proposers_case_is_still_not_found(cast, cases, login):
    assert login(cast.outsider).get(reverse("cases:detail", args=[cases.main.pk])).status_code == 404


def test_staff_still_see_the_staff_case_page(cast, cases, login):
    assert login(cast.liaison_gx).get(reverse("cases:detail", args=[cases.main.pk])).status_code == 200


def test_staff_evaluation_form_sends_the_proposer_to_the_portal_form(cast, cases, login):
    resp = login(cast.deputy_user).get(reverse("handling:evaluate", args=[cases.main_lead.pk]))
    assert resp.status_code == 302
    assert resp["Location"] == reverse("portal:evaluate", args=[cases.main_lead.pk])


def test_notifications_for_a_proposer_open_the_portal(cast, cases):
    staff_url = reverse("cases:detail", args=[cases.main.pk]) + f"#a{cases.main_lead.pk}"
    notify(
        users=[cast.deputy_user, cast.liaison_gx], verb="test", text="答复已送达", url=staff_url, proposal=cases.main
    )
    assert Notification.objects.get(user=cast.deputy_user, verb="test").url == reverse(
        "portal:proposal", args=[cases.main.pk]
    )
    assert Notification.objects.get(user=cast.liaison_gx, verb="test").url == staff_url


def test_a_sent_reply_notifies_the_proposers_with_portal_links(cast):
    world = build_world(cast)
    rows = Notification.objects.filter(user__in=[cast.deputy_user, cast.cosigner_user], proposal=world.p1)
    assert rows.exists()
    assert {n.url for n in rows} == {reverse("portal:proposal", args=[world.p1.pk])}


def test_lights_on_the_portal_do_not_link_to_the_staff_deadlines_page(cast, cases, login):
    html = login(cast.deputy_user).get(reverse("portal:proposal", args=[cases.main.pk])).content.decode()
    assert 'class="light ' in html
    assert reverse("deadlines:assignment", args=[cases.main_lead.pk]) not in html
    assert "/cases/" not in html and "/handling/" not in html
