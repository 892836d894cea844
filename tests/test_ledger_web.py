"""The ledger pages: upload → report → confirm → background import with progress; export."""

import datetime as dt
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from banli.audit.models import AuditEvent
from banli.cases.models import Proposal
from banli.ledger import jobs as ledger_jobs
from banli.ledger import services as ledger_services
from banli.ledger.models import ImportJob, JobStatus

from .seed_ledgers import write_xlsx

D = dt.date


def ledger_bytes(tmp_path, rows, name="t.xlsx") -> bytes:
    return write_xlsx(rows, tmp_path / name).read_bytes()


def good(o):
    return [
        {
            "编号": "20230001",
            "标题": "关于加快数字经济发展的建议",
            "领衔人": "王代表",
            "承办单位": o.gx.name,
            "办理方式": "主办",
            "交办日期": D(2023, 3, 1),
            "签收日期": D(2023, 3, 2),
            "答复日期": D(2023, 5, 1),
            "答复类别": "A",
            "评价": "满意",
        },
        {
            "编号": "20230001",
            "标题": "关于加快数字经济发展的建议",
            "领衔人": "王代表",
            "承办单位": o.sw.name,
            "办理方式": "会办",
            "交办日期": D(2023, 3, 1),
        },
        {
            "编号": "20230002",
            "标题": "关于法院执行的建议",
            "领衔人": "李代表",
            "承办单位": o.court.name,
            "办理方式": "承办",
            "交办日期": D(2023, 3, 1),
        },
    ]


@pytest.fixture
def inline_jobs(monkeypatch):
    """Run the background import inline (the thread cannot see a test's uncommitted data)."""
    monkeypatch.setattr(ledger_jobs, "job_launch", ledger_jobs.import_job_run)


def upload(client, session, data, name="台账.xlsx", **extra):
    f = SimpleUploadedFile(
        name, data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return client.post(reverse("ledger:import"), {"session": session.pk, "file": f, **extra})


def test_body_staff_sees_only_their_own_sessions(cast, login):
    r = login(cast.staff_npc).get(reverse("ledger:import"))
    assert r.status_code == 200
    html = r.content.decode()
    assert cast.npc_session.name in html and cast.cppcc_session.name not in html
    assert "还没有导入过台账" in html


@pytest.mark.parametrize("who", ["coordinator", "liaison_gx", "deputy_user", "sysadmin", "auditor"])
def test_other_roles_cannot_use_the_import_pages(cast, login, who, tmp_path):
    client = login(getattr(cast, who))
    assert client.get(reverse("ledger:import")).status_code == 403
    r = upload(client, cast.npc_session, ledger_bytes(tmp_path, good(cast.orgs)))
    assert r.status_code == 403
    assert ImportJob.objects.count() == 0 and Proposal.objects.count() == 0


def test_bad_ledger_shows_every_problem_and_writes_nothing(cast, login, tmp_path):
    rows = good(cast.orgs)
    rows[1]["办理方式"] = "主持"
    rows[2]["承办单位"] = "市不存在局"
    client = login(cast.staff_npc)
    r = upload(client, cast.npc_session, ledger_bytes(tmp_path, rows))
    job = ImportJob.objects.get()
    assert r.status_code == 302 and r["Location"] == job.get_absolute_url()
    assert job.status == JobStatus.INVALID
    page = client.get(job.get_absolute_url()).content.decode()
    assert "台账有 2 处问题，未导入任何数据" in page
    assert "第3行" in page and "“主持”无效" in page and "第4行" in page and "找不到单位“市不存在局”" in page
    assert "确认导入" not in page
    assert Proposal.objects.count() == 0
    r = client.post(reverse("ledger:job_run", args=[job.pk]), follow=True)
    assert "当前为“校验未通过”，不能确认导入。" in r.content.decode()
    assert Proposal.objects.count() == 0


def test_not_an_xlsx_is_refused_with_a_message(cast, login):
    client = login(cast.staff_npc)
    r = upload(client, cast.npc_session, b"name,title\n1,2\n", name="台账.xlsx")
    assert r.status_code == 200
    assert "文件内容不是 .xlsx 格式" in r.content.decode()
    r = upload(client, cast.npc_session, b"whatever", name="台账.xls")
    assert "请上传 Excel .xlsx 格式的台账" in r.content.decode()
    assert ImportJob.objects.count() == 0


def test_upload_confirm_and_background_import(cast, login, tmp_path, inline_jobs, django_capture_on_commit_callbacks):
    client = login(cast.staff_npc)
    upload(client, cast.npc_session, ledger_bytes(tmp_path, good(cast.orgs)))
    job = ImportJob.objects.get()
    assert job.status == JobStatus.VALIDATED and job.planned["proposals"] == 2 and job.planned["assignments"] == 3
    page = client.get(job.get_absolute_url()).content.decode()
    assert "校验通过" in page and "确认导入" in page
    assert Proposal.objects.count() == 0  # validation wrote nothing

    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("ledger:job_run", args=[job.pk]))
    assert r.status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.progress == 100
    assert job.counts["proposals"] == 2 and job.counts["replies"] == 1
    assert Proposal.objects.filter(session=cast.npc_session).count() == 2
    assert AuditEvent.objects.filter(verb="ledger.import", actor=cast.staff_npc).count() == 3
    page = client.get(job.get_absolute_url()).content.decode()
    assert "导入完成" in page
    # The polling partial tells htmx to reload the page once the job is finished.
    r = client.get(reverse("ledger:job_progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert r.headers.get("HX-Refresh") == "true"
    # Confirming twice imports once.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("ledger:job_run", args=[job.pk]))
    assert AuditEvent.objects.filter(verb="ledger.import").count() == 3


def test_progress_partial_polls_while_running(cast, login, tmp_path):
    client = login(cast.staff_npc)
    upload(client, cast.npc_session, ledger_bytes(tmp_path, good(cast.orgs)))
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, progress=1)
    from django.core.cache import cache

    cache.set(ledger_services._job_progress_key(job.pk), (45, "正在写入交办和办理记录"), 60)
    html = client.get(reverse("ledger:job_progress", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in html and "45%" in html and "正在写入交办和办理记录" in html
    cache.delete(ledger_services._job_progress_key(job.pk))


def test_another_bodys_staff_cannot_see_or_run_a_job(
    cast, login, tmp_path, inline_jobs, django_capture_on_commit_callbacks
):
    upload(login(cast.staff_npc), cast.npc_session, ledger_bytes(tmp_path, good(cast.orgs)))
    job = ImportJob.objects.get()
    client = login(cast.staff_cppcc)
    assert client.get(job.get_absolute_url()).status_code == 404
    assert client.get(reverse("ledger:job_progress", args=[job.pk])).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("ledger:job_run", args=[job.pk])).status_code == 404
    job.refresh_from_db()
    assert job.status == JobStatus.VALIDATED and Proposal.objects.count() == 0
    # Nor upload into a session of another body.
    r = upload(client, cast.npc_session, ledger_bytes(tmp_path, good(cast.orgs)))
    assert r.status_code == 200 and "请选择您所在机构的届次会议" in r.content.decode()
    assert ImportJob.objects.count() == 1


def _export(client, session):
    return client.get(reverse("ledger:export"), {"session": session.pk})


def test_export_download_by_scope(cast, login, tmp_path):
    ledger_services.ledger_import(
        actor=None, session=cast.npc_session, source=write_xlsx(good(cast.orgs), tmp_path / "g.xlsx")
    )
    r = _export(login(cast.staff_npc), cast.npc_session)
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment;" in r["Content-Disposition"]
    rows = list(load_workbook(BytesIO(r.content), read_only=True).worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 4
    r = _export(login(cast.coordinator), cast.npc_session)
    rows = list(load_workbook(BytesIO(r.content), read_only=True).worksheets[0].iter_rows(values_only=True))
    assert [row[12] for row in rows[1:]] == [cast.orgs.gx.name, cast.orgs.sw.name]  # not the court
    assert AuditEvent.objects.filter(verb="ledger.export").count() == 2
    # The other body's staff: that session is outside their scope; the other roles have no export.
    assert _export(login(cast.staff_cppcc), cast.npc_session).status_code == 404
    for who in ("liaison_gx", "deputy_user", "auditor"):
        assert _export(login(getattr(cast, who)), cast.npc_session).status_code == 403, who
    assert _export(login(cast.staff_npc), cast.npc_session).status_code == 200
    assert login(cast.staff_npc).get(reverse("ledger:export"), {"session": "x"}).status_code == 404
    assert AuditEvent.objects.filter(verb="ledger.export").count() == 3


def test_a_job_left_running_by_a_restart_says_so(cast, login, tmp_path):
    import datetime

    from django.utils import timezone

    client = login(cast.staff_npc)
    upload(client, cast.npc_session, ledger_bytes(tmp_path, good(cast.orgs)))
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, started_at=timezone.now() - datetime.timedelta(hours=3)
    )
    page = client.get(job.get_absolute_url()).content.decode()
    assert "可能因服务重启而中断" in page and "every 1s" not in page
    r = client.get(reverse("ledger:job_progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert r.headers.get("HX-Refresh") == "true"
