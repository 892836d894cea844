"""Forms of the handling workflow. Validation messages are for clerks, in Chinese."""

from __future__ import annotations

from django import forms
from django.db import models
from django.utils import timezone

from banli.cases.forms import MultipleFileField
from banli.cases.models import ContactMethod, ContactStage, Disclosure, ResultClass, Verdict
from banli.orgs.models import Org, User
from banli.web.limits import BODY_MAX, NOTE_MAX, SUMMARY_MAX, length_validator

from .models import PointDecisionKind
from .services import ADDRESSES, EVALUATION_REQUIRED, HEARD_VIA

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")
TEXT = {"class": "form-control"}


class BaseForm(forms.Form):
    required_css_class = "required"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            f.error_messages.setdefault("required", "此项必填。")
            f.error_messages["required"] = f"请填写{f.label}。"
            w = f.widget
            if isinstance(w, (forms.CheckboxInput, forms.RadioSelect, forms.CheckboxSelectMultiple)):
                w.attrs.setdefault("class", "form-check-input")
            elif isinstance(w, (forms.Select, forms.SelectMultiple)):
                w.attrs.setdefault("class", "form-select")
            else:
                w.attrs.setdefault("class", "form-control")


# One multi-file field for the whole product (size, emptiness, accepted types).
MultiFileField = MultipleFileField


def _unit_by_name(name):
    name = (name or "").strip()
    if not name:
        return None
    unit = (
        Org.objects.filter(kind="unit", is_active=True).filter(models.Q(name=name) | models.Q(short_name=name)).first()
    )
    if unit is None:
        raise forms.ValidationError(f"找不到承办单位“{name}”，请填写单位全称。")
    return unit


class AdjustForm(BaseForm):
    reason = forms.CharField(
        label="申请理由", widget=forms.Textarea(attrs={"rows": 2}), validators=[length_validator("申请理由", NOTE_MAX)]
    )
    suggested_unit = forms.CharField(label="建议改交单位", required=False, max_length=200)

    def clean_suggested_unit(self):
        return _unit_by_name(self.cleaned_data.get("suggested_unit"))


class AdjustDecideForm(BaseForm):
    approve = forms.TypedChoiceField(
        label="审批", choices=[("1", "同意，改交"), ("0", "不同意，退回待签收")], coerce=lambda v: v == "1"
    )
    unit = forms.CharField(label="改交单位", required=False, max_length=200)

    def clean_unit(self):
        return _unit_by_name(self.cleaned_data.get("unit"))

    note = forms.CharField(
        label="审批意见",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[length_validator("审批意见", NOTE_MAX)],
    )


class PlanForm(BaseForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    lead_dept = forms.ModelChoiceField(label="牵头处室", queryset=Org.objects.none())
    assist_depts = forms.ModelMultipleChoiceField(
        label="协办处室", queryset=Org.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    responsible_leader = forms.ModelChoiceField(label="责任领导", queryset=User.objects.none(), required=False)
    responsible_person = forms.ModelChoiceField(label="责任人", queryset=User.objects.none(), required=False)
    internal_due = forms.DateField(label="内部办理期限", required=False, widget=DATE)
    text = forms.CharField(
        label="办理方案",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        validators=[length_validator("办理方案", BODY_MAX)],
    )

    def __init__(self, *args, depts=None, leaders=None, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_dept"].queryset = depts
        self.fields["assist_depts"].queryset = depts
        self.fields["responsible_leader"].queryset = leaders
        self.fields["responsible_person"].queryset = people


class ContactForm(BaseForm):
    on = forms.DateField(label="沟通日期", widget=DATE)
    stage = forms.ChoiceField(label="阶段", choices=ContactStage.choices)
    method = forms.ChoiceField(label="方式", choices=ContactMethod.choices)
    face_to_face = forms.BooleanField(label="见面（方式为“其他”时填写）", required=False)
    participants = forms.CharField(label="参加人员", required=False, max_length=300)
    leader = forms.CharField(label="带队领导", required=False, max_length=50)
    summary = forms.CharField(
        label="情况摘要",
        widget=forms.Textarea(attrs={"rows": 4}),
        validators=[length_validator("情况摘要", SUMMARY_MAX)],
    )
    files = MultiFileField(label="附件", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()


class CoOpinionForm(BaseForm):
    text = forms.CharField(
        label="会办意见", widget=forms.Textarea(attrs={"rows": 8}), validators=[length_validator("会办意见", BODY_MAX)]
    )


class PointsForm(BaseForm):
    text = forms.CharField(label="建议条目（每行一条）", widget=forms.Textarea(attrs={"rows": 8}))


class ReplyForm(BaseForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    result_class = forms.ChoiceField(
        label="答复类别", choices=[("", "请选择")] + list(ResultClass.choices), required=False
    )
    text = forms.CharField(
        label="答复内容",
        required=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        validators=[length_validator("答复内容", BODY_MAX)],
    )
    signer = forms.CharField(label="签发人", required=False, max_length=50)
    contact_name = forms.CharField(label="联系人", required=False, max_length=50)
    contact_phone = forms.CharField(label="联系电话", required=False, max_length=30)
    disclosure = forms.ChoiceField(
        label="公开属性",
        choices=[("", "请选择"), (Disclosure.PUBLIC, "公开"), (Disclosure.PRIVATE, "不公开")],
        required=False,
    )
    disclosure_reason = forms.ChoiceField(
        label="不公开理由",
        required=False,
        choices=[
            ("", "—"),
            ("国家秘密", "国家秘密"),
            ("工作秘密", "工作秘密"),
            ("敏感信息", "敏感信息"),
            ("个人隐私", "个人隐私"),
            ("其他", "其他"),
        ],
    )
    files = MultiFileField(label="答复文件（签章扫描件等）", required=False)

    COMMITMENT_ROWS = 3

    def __init__(self, *args, points=(), commitments=(), decisions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.points = list(points)
        for i in range(max(self.COMMITMENT_ROWS, len(commitments) + 1)):
            c = commitments[i] if i < len(commitments) else None
            self.fields[f"c{i}_text"] = forms.CharField(
                label=f"承诺事项{i + 1}",
                required=False,
                initial=c.text if c else "",
                widget=forms.TextInput(attrs=TEXT),
            )
            self.fields[f"c{i}_due"] = forms.DateField(
                label=f"承诺完成时间{i + 1}", required=False, initial=c.due if c else None, widget=DATE
            )
        decisions = decisions or {}
        for p in self.points:
            d = decisions.get(p.pk)
            self.fields[f"p{p.pk}_decision"] = forms.ChoiceField(
                label=f"第{p.seq}条",
                required=False,
                choices=[("", "请选择")] + list(PointDecisionKind.choices),
                initial=d.decision if d else "",
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )
            self.fields[f"p{p.pk}_measure"] = forms.CharField(
                label="采取的措施",
                required=False,
                initial=d.measure if d else "",
                widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
            )

    def commitment_rows(self):
        n = len([k for k in self.fields if k.endswith("_due") and k.startswith("c")])
        return [(self[f"c{i}_text"], self[f"c{i}_due"]) for i in range(n)]

    def point_rows(self):
        return [(p, self[f"p{p.pk}_decision"], self[f"p{p.pk}_measure"]) for p in self.points]

    def commitment_values(self):
        n = len(self.commitment_rows())
        return [(self.cleaned_data.get(f"c{i}_text") or "", self.cleaned_data.get(f"c{i}_due")) for i in range(n)]

    def decision_values(self):
        return {
            p.pk: (self.cleaned_data.get(f"p{p.pk}_decision") or "", self.cleaned_data.get(f"p{p.pk}_measure") or "")
            for p in self.points
        }


class CorrectForm(BaseForm):
    text = forms.CharField(
        label="更正后的答复内容",
        widget=forms.Textarea(attrs={"rows": 12}),
        validators=[length_validator("答复内容", BODY_MAX)],
    )
    reason = forms.CharField(
        label="更正理由", widget=forms.Textarea(attrs={"rows": 2}), validators=[length_validator("更正理由", NOTE_MAX)]
    )


VERDICT_CHOICES = list(Verdict.choices)
YES_NO = [("", "—"), ("1", "是"), ("0", "否")]


def _yes_no(v):
    return {"1": True, "0": False}.get(v)


class EvaluationForm(BaseForm):
    """The staff's entry of an evaluation (or a paper form): fields only; every rule is the service's."""

    attitude = forms.ChoiceField(label="办理态度", choices=VERDICT_CHOICES, widget=forms.RadioSelect)
    result = forms.ChoiceField(label="办理结果", choices=VERDICT_CHOICES, widget=forms.RadioSelect)
    visited = forms.TypedChoiceField(
        label="承办单位是否走访", choices=YES_NO, coerce=_yes_no, empty_value=None, required=False
    )
    heard_via = forms.ChoiceField(
        label="听取意见方式",
        required=False,
        choices=[("", "—"), *((v, v) for v in HEARD_VIA)],
    )
    addresses = forms.ChoiceField(
        label="答复是否针对所提问题",
        required=False,
        choices=[("", "—"), *((v, v) for v in ADDRESSES)],
    )
    leader_replied = forms.TypedChoiceField(
        label="单位负责人是否答复", choices=YES_NO, coerce=_yes_no, empty_value=None, required=False
    )
    verdict = forms.ChoiceField(label="总体评价", choices=VERDICT_CHOICES, widget=forms.RadioSelect)
    comment = forms.CharField(
        label="意见和建议",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        validators=[length_validator("意见和建议", NOTE_MAX)],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.required = name in EVALUATION_REQUIRED


def _person_label(u) -> str:
    return f"{u.display_name}（{u.org.name if u.org else ''}）" + ("（已停用）" if not u.is_active else "")


class HandoverPickForm(BaseForm):
    """Step one: whose work is handed over (the preview follows)."""

    from_user = forms.ModelChoiceField(label="移交人", queryset=User.objects.none())

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_user"].queryset = User.objects.filter(pk__in=[u.pk for u in people]).select_related("org")
        self.fields["from_user"].label_from_instance = _person_label


class HandoverForm(BaseForm):
    """Step two: the receiver, offered from exactly the people the service accepts."""

    from_user = forms.ModelChoiceField(queryset=User.objects.none(), widget=forms.HiddenInput)
    to_user = forms.ModelChoiceField(label="接收人", queryset=User.objects.none())
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, people=(), receivers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_user"].queryset = User.objects.filter(pk__in=[u.pk for u in people])
        self.fields["to_user"].queryset = (
            User.objects.filter(pk__in=[u.pk for u in receivers])
            .select_related("org")
            .order_by("org__path", "username")
        )
        self.fields["to_user"].label_from_instance = _person_label


class PolicyForm(BaseForm):
    contact_before_reply = forms.BooleanField(label="先沟通再办件：提交答复前须至少记录一次办前沟通", required=False)
