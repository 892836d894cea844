from django import forms

from banli.orgs.models import Org, OrgKind, Role


class BootstrapForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            if self.is_bound and name in self.errors:
                css += " is-invalid"
            field.widget.attrs["class"] = css


class PasswordChangeForm(BootstrapForm):
    old_password = forms.CharField(
        label="当前密码", widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    new_password = forms.CharField(label="新密码", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    new_password2 = forms.CharField(
        label="再次输入新密码", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )


class CodeForm(BootstrapForm):
    code = forms.CharField(
        label="6 位动态验证码",
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


class UserCreateForm(BootstrapForm):
    username = forms.CharField(label="用户名", max_length=150)
    full_name = forms.CharField(label="姓名", max_length=50)
    org = forms.ModelChoiceField(label="所属组织", queryset=Org.objects.filter(is_active=True).order_by("path"))
    password = forms.CharField(
        label="初始密码",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="用户首次登录时须修改。",
    )


class PasswordResetForm(BootstrapForm):
    new_password = forms.CharField(
        label="临时密码", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )


class OrgCreateForm(BootstrapForm):
    name = forms.CharField(label="名称", max_length=200)
    kind = forms.ChoiceField(label="类型", choices=OrgKind.choices)
    parent = forms.ModelChoiceField(label="上级组织", queryset=Org.objects.order_by("path"), required=False)


class GrantForm(BootstrapForm):
    role = forms.ChoiceField(label="角色", choices=Role.choices)


class RetentionForm(BootstrapForm):
    days = forms.IntegerField(label="保留天数", min_value=1)
