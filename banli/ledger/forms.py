from django import forms

from banli.cases.models import Session


class LedgerUploadForm(forms.Form):
    session = forms.ModelChoiceField(
        label="届次会议",
        queryset=Session.objects.none(),
        empty_label="请选择届次会议",
        error_messages={"required": "请选择要导入的届次会议。", "invalid_choice": "请选择您所在机构的届次会议。"},
    )
    file = forms.FileField(
        label="台账文件（.xlsx）",
        error_messages={"required": "请选择要上传的台账文件。", "empty": "上传的文件是空的。"},
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )
    create_orgs = forms.BooleanField(
        label="自动新建找不到的承办单位",
        required=False,
        help_text="新建的单位放在组织机构顶层（不属于任何协调机构），导入后可由系统管理员调整上级。",
    )

    def __init__(self, *args, sessions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = sessions
