"""Forms of the proposer portal and of disclosure review (validation messages in Chinese)."""

from __future__ import annotations

from django import forms

from banli.cases.models import ContactStage, Disclosure, Verdict

from .models import PrivateReason

YES_NO = [("yes", "是"), ("no", "否")]
HEARD_VIA = [("走访", "走访"), ("电话", "电话"), ("其他", "其他"), ("未联系", "未联系")]
ADDRESSES = [("针对", "针对"), ("基本针对", "基本针对"), ("未针对", "未针对")]


class EvaluationForm(forms.Form):
    """The evaluation form of SPEC §4 (办理情况征询意见表)."""

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
        error_messages={"required": "请选择承办单位是否走访。"},
    )
    heard_via = forms.ChoiceField(
        label="听取意见的方式",
        choices=HEARD_VIA,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择听取意见的方式。"},
    )
    addresses = forms.ChoiceField(
        label="答复是否针对所提问题",
        choices=ADDRESSES,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择答复是否针对所提问题。"},
    )
    leader_replied = forms.ChoiceField(
        label="是否由单位负责人签发答复",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择是否由单位负责人签发答复。"},
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
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": "意见不能超过2000字。"},
    )

    def clean(self):
        data = super().clean()
        if data.get("verdict") == Verdict.UNSATISFIED and not (data.get("comment") or "").strip():
            self.add_error("comment", "评价为不满意时，请写明不满意的原因，以便承办单位重新办理。")
        return data

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return {
            "verdict": d["verdict"],
            "attitude": d["attitude"],
            "result": d["result"],
            "visited": d["visited"] == "yes",
            "heard_via": d["heard_via"],
            "addresses": d["addresses"],
            "leader_replied": d["leader_replied"] == "yes",
            "comment": d.get("comment", ""),
        }


class SubmitForm(forms.Form):
    title = forms.CharField(
        label="标题", max_length=300, error_messages={"required": "请填写标题。", "max_length": "标题不能超过300字。"}
    )
    content = forms.CharField(
        label="内容", widget=forms.Textarea(attrs={"rows": 10}), error_messages={"required": "请填写内容。"}
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
        error_messages={"required": "请填写留言内容。", "max_length": "留言不能超过2000字。"},
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
