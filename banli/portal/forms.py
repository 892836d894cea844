"""Forms of the proposer portal and of disclosure review (validation messages in Chinese)."""

from __future__ import annotations

from django import forms

from banli.cases.models import ContactStage, Disclosure, Verdict
from banli.handling.services import ADDRESSES as ADDRESS_VALUES
from banli.handling.services import EVALUATION_REQUIRED
from banli.handling.services import HEARD_VIA as HEARD_VIA_VALUES
from banli.web.limits import BODY_MAX, length_validator

from .models import PrivateReason

YES_NO = [("yes", "是"), ("no", "否")]
HEARD_VIA = [(v, v) for v in HEARD_VIA_VALUES]
ADDRESSES = [(v, v) for v in ADDRESS_VALUES]


class EvaluationForm(forms.Form):
    """The evaluation form of SPEC §4 (办理情况征询意见表): fields only; every rule (what is required,
    不满意 needs a reason, the comment's length) is `evaluation_submit`'s, shared with the staff form."""

    attitude = forms.ChoiceField(
        label="办理态度",
        choices=Verdict.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "请评价办理态度。"},
    )
    result = forms.ChoiceField(
        label="办理结果",
        choices=Verdict.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "请评价办理结果。"},
    )
    visited = forms.ChoiceField(
        label="承办单位是否走访",
        choices=YES_NO,
        widget=forms.RadioSelect,
    )
    heard_via = forms.ChoiceField(
        label="听取意见的方式",
        choices=HEARD_VIA,
        widget=forms.RadioSelect,
    )
    addresses = forms.ChoiceField(
        label="答复是否针对所提问题",
        choices=ADDRESSES,
        widget=forms.RadioSelect,
    )
    leader_replied = forms.ChoiceField(
        label="是否由单位负责人签发答复",
        choices=YES_NO,
        widget=forms.RadioSelect,
    )
    verdict = forms.ChoiceField(
        label="总体评价",
        choices=Verdict.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择总体评价。"},
    )
    comment = forms.CharField(
        label="意见和建议",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.required = name in EVALUATION_REQUIRED

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return {
            "verdict": d["verdict"],
            "attitude": d["attitude"],
            "result": d["result"],
            "visited": {"yes": True, "no": False}.get(d["visited"]),
            "heard_via": d["heard_via"],
            "addresses": d["addresses"],
            "leader_replied": {"yes": True, "no": False}.get(d["leader_replied"]),
            "comment": d.get("comment", ""),
        }


class SubmitForm(forms.Form):
    title = forms.CharField(
        label="标题",
        max_length=300,
        error_messages={
            "required": "请填写标题。",
            "max_length": "标题不能超过 %(limit_value)d 字（现为 %(show_value)d 字），请删减后再提交。",
        },
    )
    content = forms.CharField(
        label="内容",
        widget=forms.Textarea(attrs={"rows": 10}),
        error_messages={"required": "请填写内容。"},
        validators=[length_validator("内容", BODY_MAX)],
    )
    topic = forms.CharField(label="类别（选填）", max_length=50, required=False)
    cosigners = forms.CharField(
        label="联名人（选填）",
        max_length=500,
        required=False,
        help_text="多人请用顿号“、”或逗号分隔，须为本届代表/委员。",
    )


class MessageForm(forms.Form):
    text = forms.CharField(
        label="留言",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "请填写留言内容。",
            "max_length": "留言不能超过 %(limit_value)d 字（现为 %(show_value)d 字），请删减后再提交。",
        },
    )


class AnswerForm(forms.Form):
    text = forms.CharField(
        label="回复",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写回复内容。"},
    )
    stage = forms.ChoiceField(label="沟通阶段", choices=[("", "自动")] + list(ContactStage.choices), required=False)


class ProposeForm(forms.Form):
    decision = forms.ChoiceField(
        label="单位意见",
        choices=[(Disclosure.PUBLIC, "公开"), (Disclosure.PRIVATE, "不公开")],
        widget=forms.RadioSelect,
        error_messages={"required": "请选择公开或不公开。"},
    )
    reason_kind = forms.ChoiceField(
        label="不公开理由", choices=[("", "—")] + list(PrivateReason.choices), required=False
    )
    reason_detail = forms.CharField(label="说明", max_length=150, required=False)
