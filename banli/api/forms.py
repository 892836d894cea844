from django import forms

from banli.orgs.models import BODY_KINDS, Org, OrgKind

from .models import TokenAction
from .tokens import MAX_DAYS


class TokenIssueForm(forms.Form):
    name = forms.CharField(
        label="集成名称",
        max_length=100,
        help_text="例如：代表履职平台、市政府OA",
        error_messages={"required": "请填写集成名称。"},
    )
    org = forms.ModelChoiceField(
        label="所属机构", queryset=Org.objects.none(), help_text="令牌只能读写该机构范围内的案件"
    )
    actions = forms.MultipleChoiceField(
        label="允许的操作",
        choices=TokenAction.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请至少选择一项允许的操作。"},
    )
    days = forms.IntegerField(label="有效期（天）", min_value=1, max_value=MAX_DAYS, initial=90)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = [*BODY_KINDS, OrgKind.COORDINATOR, OrgKind.UNIT]
        self.fields["org"].queryset = Org.objects.filter(kind__in=kinds, is_active=True).order_by("path")
        for name in ("name", "days"):
            self.fields[name].widget.attrs["class"] = "form-control"
        self.fields["org"].widget.attrs["class"] = "form-select"
