"""Forms of the case UI. They parse and validate input; the services decide and write."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from banli.orgs.models import Org, OrgKind
from banli.web.limits import BODY_MAX, length_validator
from banli.web.widgets import UnitPicker

from .models import AssignmentRole, Channel, ProposalStatus, ReviewState, Session
from .services import MAX_ATTACHMENT_BYTES, split_names


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


# What banli.security.uploads accepts (checked by content on upload); the browser's picker is a hint.
ACCEPTED_FILES = ".pdf,.doc,.docx,.ofd,.wps,.jpg,.jpeg,.png"
ACCEPTED_HELP = "支持 PDF、Word（doc/docx）、OFD、WPS、JPG、PNG，可多选，单个文件不超过 20 MB。"


class MultipleFileField(forms.FileField):
    """Zero or more uploaded files, each at most 20 MB."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPTED_FILES}))
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", ACCEPTED_HELP)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        cleaned = [super(MultipleFileField, self).clean(f, initial) for f in files]
        for f in cleaned:
            if f.size > MAX_ATTACHMENT_BYTES:
                raise forms.ValidationError(f"附件“{f.name}”超过 20 MB，请压缩或拆分后上传。")
            if f.size == 0:
                raise forms.ValidationError(f"附件“{f.name}”是空文件。")
        return cleaned


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _bs(form: forms.Form) -> None:
    """Bootstrap classes on every widget. Fields with errors get aria-invalid from Django, which
    app.css styles like Bootstrap's is-invalid (looking at form.errors here would validate the
    form before subclasses finish setting it up)."""
    for _name, field in form.fields.items():
        w = field.widget
        if isinstance(w, (forms.CheckboxInput, forms.RadioSelect)):
            css = "form-check-input"
        elif isinstance(w, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        w.attrs["class"] = (w.attrs.get("class", "") + " " + css).strip()


# --- the proposal list -------------------------------------------------------------------------

YES_NO = [("", "全部"), ("1", "是"), ("0", "否")]


class ProposalFilterForm(forms.Form):
    """GET parameters of the proposal list; an invalid value is ignored, never an error page."""

    session = forms.ModelChoiceField(
        label="届次", queryset=Session.objects.none(), required=False, empty_label="全部届次"
    )
    status = forms.ChoiceField(
        label="办理状态", choices=[("", "全部状态")] + list(ProposalStatus.choices), required=False
    )
    review = forms.ChoiceField(label="立案", choices=[("", "全部")] + list(ReviewState.choices), required=False)
    unit = forms.ModelChoiceField(
        label="承办单位", queryset=Org.objects.none(), required=False, empty_label="全部单位"
    )
    role = forms.ChoiceField(
        label="办理方式", choices=[("", "全部方式")] + list(AssignmentRole.choices), required=False
    )
    key = forms.ChoiceField(label="重点", choices=YES_NO, required=False)
    q = forms.CharField(label="编号/标题", required=False, max_length=100)

    def __init__(self, *args, sessions=None, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = sessions if sessions is not None else Session.objects.none()
        # Any unit is a valid filter (a shared link stays meaningful; scope still limits the rows),
        # but the menu offers only the units that matter to this user.
        self.fields["unit"].queryset = Org.objects.filter(kind=OrgKind.UNIT)
        offered = list(units) if units is not None else []
        selected = self.data.get("unit") if self.is_bound else None
        if selected and str(selected).isdigit() and all(str(u.pk) != str(selected) for u in offered):
            offered += list(Org.objects.filter(kind=OrgKind.UNIT, pk=selected))
        self.fields["unit"].widget.choices = [("", "全部单位")] + [(u.pk, u.short_name or u.name) for u in offered]
        self.fields["q"].widget.attrs.update(placeholder="编号或标题关键词", type="search")
        for name in ("session", "status", "review", "unit", "role", "key"):
            self.fields[name].widget.attrs["data-autosubmit"] = ""
        _bs(self)
        for f in self.fields.values():
            f.widget.attrs["class"] += " form-select-sm" if isinstance(f.widget, forms.Select) else " form-control-sm"

    def filters(self) -> dict:
        """Valid filters only, as keyword arguments of `proposals_filtered`."""
        self.is_valid()
        data = {}
        for name in self.fields:
            if name in self.errors:
                continue
            value = self.cleaned_data.get(name)
            if value not in (None, ""):
                data[name] = value
        out = {}
        if "session" in data:
            out["session"] = data["session"]
        if "status" in data:
            out["status"] = data["status"]
        if "review" in data:
            out["review_state"] = data["review"]
        if "unit" in data:
            out["unit"] = data["unit"]
        if "role" in data:
            out["role"] = data["role"]
        if "key" in data:
            out["key"] = data["key"] == "1"
        if "q" in data:
            out["text"] = data["q"]
        return out


# --- registration ------------------------------------------------------------------------------


class ProposalRegisterForm(forms.Form):
    session = forms.ModelChoiceField(label="届次会议", queryset=Session.objects.none(), empty_label=None)
    number = forms.CharField(label="编号", max_length=20, required=False)
    title = forms.CharField(label="标题", max_length=300)
    content = forms.CharField(
        label="内容",
        widget=forms.Textarea(attrs={"rows": 10}),
        required=False,
        validators=[length_validator("内容", BODY_MAX)],
    )
    channel = forms.ChoiceField(
        label="来源", choices=Channel.choices, initial=Channel.PLENARY, widget=forms.RadioSelect
    )
    lead = forms.CharField(label="领衔人", max_length=100)
    cosigners = forms.CharField(label="联名人（附议）", max_length=2000, required=False)
    group = forms.CharField(label="代表团/界别", max_length=100, required=False)
    topic = forms.CharField(label="类别", max_length=50, required=False)
    submitted_on = forms.DateField(label="提交日期", widget=DateInput(), required=False)
    attachments = MultipleFileField(label="附件")

    def __init__(self, *args, sessions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = sessions if sessions is not None else Session.objects.none()
        self.fields["session"].error_messages.update(
            required="请选择届次会议。", invalid_choice="请选择本机构的届次会议。"
        )
        self.fields["title"].error_messages.update(
            required="请填写标题。",
            max_length="标题不能超过 %(limit_value)d 字（现为 %(show_value)d 字），请删减后再提交。",
        )
        self.fields["lead"].error_messages.update(required="请填写领衔人。")
        self.fields["submitted_on"].error_messages.update(invalid="请填写有效日期，如 2024-01-15。")
        self.fields["number"].error_messages.update(max_length="编号不能超过 20 个字符。")
        self.fields["submitted_on"].initial = timezone.localdate()
        self.fields["title"].widget.attrs["placeholder"] = "关于……的建议 / 提案"
        self.fields["lead"].widget.attrs.update(list="proposer-names", autocomplete="off")
        self.fields["cosigners"].widget.attrs.update(
            placeholder="多个姓名用“、”或“，”分隔", list="proposer-names", autocomplete="off"
        )
        self.fields["topic"].widget.attrs.update(list="topic-names", autocomplete="off")
        _bs(self)

    def clean_number(self) -> str:
        number = self.cleaned_data["number"].strip()
        if number and not all(ch.isalnum() or ch in "-_" for ch in number):
            raise forms.ValidationError("编号只能包含数字、字母和“-”。")
        return number

    def clean_cosigners(self) -> list[str]:
        return split_names(self.cleaned_data["cosigners"])

    def clean_submitted_on(self):
        d = self.cleaned_data["submitted_on"]
        if d and d > timezone.localdate():
            raise forms.ValidationError("提交日期不能晚于今天。")
        return d


class ProposalEditForm(ProposalRegisterForm):
    """Correcting registration data: the session and attachments are not changed here."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["session"]
        del self.fields["attachments"]
        self.fields["number"].required = True
        self.fields["number"].error_messages.update(required="请填写编号。")


# --- review and key ------------------------------------------------------------------------------


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label="审查结果", choices=ReviewState.choices[1:], widget=forms.RadioSelect)
    reason = forms.CharField(
        label="理由/审查意见", widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )
    merge_number = forms.CharField(label="并入编号", max_length=20, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, choices: set[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if choices is not None:
            self.fields["decision"].choices = [(v, l) for v, l in ReviewState.choices if v in choices]
        self.fields["decision"].error_messages.update(
            required="请选择审查结果。", invalid_choice="当前状态下不能作此审查。"
        )
        self.fields["merge_number"].widget.attrs["placeholder"] = "本届另一件的编号"
        _bs(self)

    def clean(self):
        data = super().clean()
        if data.get("decision") == ReviewState.NOT_ACCEPTED and not (data.get("reason") or "").strip():
            self.add_error("reason", "不予立案须填写理由（将告知提出人）。")
        if data.get("decision") == ReviewState.MERGED and not (data.get("merge_number") or "").strip():
            self.add_error("merge_number", "请填写并入的建议/提案编号。")
        return data


class KeyForm(forms.Form):
    is_key = forms.BooleanField(label="重点建议/提案", required=False)
    leader = forms.CharField(label="领衔督办领导", max_length=50, required=False)
    plan = forms.CharField(
        label="重点办理计划", widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=4000
    )
    is_hard = forms.BooleanField(label="“重难特”件", required=False)
    is_showcase = forms.BooleanField(label="典型案例", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bs(self)

    def clean(self):
        data = super().clean()
        if data.get("is_key") and not (data.get("leader") or "").strip():
            self.add_error("leader", "重点建议/提案须填写领衔督办领导。")
        return data


# --- assignment ----------------------------------------------------------------------------------


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class UnitMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class AssignForm(forms.Form):
    """交办: one select per role (主办 and 承办 single, 会办 and 分办 several)."""

    # Unit pickers, not selects: the case page used to ship every assignable unit four times.
    lead = UnitChoiceField(label="主办单位", queryset=Org.objects.none(), required=False, widget=UnitPicker())
    co = UnitMultipleChoiceField(
        label="会办单位", queryset=Org.objects.none(), required=False, widget=UnitPicker(multiple=True)
    )
    separate = UnitMultipleChoiceField(
        label="分办单位", queryset=Org.objects.none(), required=False, widget=UnitPicker(multiple=True)
    )
    sole = UnitChoiceField(
        label="承办（单独承办）单位", queryset=Org.objects.none(), required=False, widget=UnitPicker()
    )
    assigned_on = forms.DateField(label="交办日期", widget=DateInput())
    parent = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, units=None, src: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        units = units if units is not None else Org.objects.none()
        for name in ("lead", "co", "separate", "sole"):
            self.fields[name].queryset = units
            self.fields[name].widget.src = src
            self.fields[name].error_messages.update(
                invalid_choice="所选单位不在您可交办的范围内。", invalid_pk_value="所选单位无效。"
            )
        self.fields["assigned_on"].initial = timezone.localdate()
        self.fields["assigned_on"].error_messages.update(required="请填写交办日期。", invalid="请填写有效日期。")
        _bs(self)

    def clean_assigned_on(self):
        d = self.cleaned_data["assigned_on"]
        if d and d > timezone.localdate():
            raise forms.ValidationError("交办日期不能晚于今天。")
        return d

    def clean(self):
        data = super().clean()
        if not self.errors and not (data.get("lead") or data.get("co") or data.get("separate") or data.get("sole")):
            raise forms.ValidationError("请至少选择一个承办单位。")
        return data

    def units_with_roles(self) -> list[tuple[Org, str]]:
        d = self.cleaned_data
        out: list[tuple[Org, str]] = []
        if d.get("lead"):
            out.append((d["lead"], AssignmentRole.LEAD))
        out += [(u, AssignmentRole.CO) for u in d.get("co") or []]
        out += [(u, AssignmentRole.SEPARATE) for u in d.get("separate") or []]
        if d.get("sole"):
            out.append((d["sole"], AssignmentRole.SOLE))
        return out


class WithdrawForm(forms.Form):
    reason = forms.CharField(label="撤回理由", max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages.update(required="撤回交办须填写理由。")
        self.fields["reason"].widget.attrs["placeholder"] = "撤回理由（必填）"
        _bs(self)


class AttachmentForm(forms.Form):
    files = MultipleFileField(label="上传附件", required=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].error_messages.update(required="请选择要上传的文件。")
        _bs(self)
