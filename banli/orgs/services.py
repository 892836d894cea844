"""Org tree and user management."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from banli.audit.services import audit_record
from banli.errors import DomainError

from .models import Org, OrgKind, Role, RoleGrant, User

KIND_BY_LABEL = {label: value for value, label in OrgKind.choices}


def org_add(*, actor=None, name: str, kind: str, parent: Org | None = None, short_name: str = "") -> Org:
    name = name.strip()
    if not name:
        raise DomainError("组织名称不能为空。")
    if Org.objects.filter(name=name).exists():
        raise DomainError(f"组织“{name}”已存在。")
    if kind not in OrgKind.values:
        raise DomainError(f"组织类型“{kind}”无效。")
    with transaction.atomic():
        fields = {"name": name, "kind": kind, "short_name": short_name}
        org = Org.objects.add_child(parent, fields) if parent else Org.objects.add_root(fields)
        audit_record(
            actor=actor,
            verb="org.create",
            obj=org,
            new={"name": name, "kind": kind, "parent": parent.name if parent else None},
        )
    return org


def unit_names_set(*, actor=None, org: Org, short_name: str | None = None, aliases: list[str] | None = None) -> Org:
    """Set the short name and/or the aliases the unit picker matches (banli.orgs.search); audited."""
    if org.kind != OrgKind.UNIT:
        raise DomainError(f"“{org.name}”不是承办单位，无需设置简称或别名。")
    old = {"short_name": org.short_name, "aliases": org.alias_list}
    if short_name is not None:
        short_name = short_name.strip()
        if len(short_name) > 50:
            raise DomainError("简称不能超过50个字。", field="short_name")
        org.short_name = short_name
    if aliases is not None:
        clean = list(dict.fromkeys(a.strip() for a in aliases if a.strip()))
        if any(len(a) > 50 for a in clean):
            raise DomainError("每个别名不能超过50个字。", field="aliases")
        org.aliases = "\n".join(clean)
    with transaction.atomic():
        org.save(update_fields=["short_name", "aliases"])
        audit_record(
            actor=actor,
            verb="org.names",
            obj=org,
            summary=f"设置“{org.name}”的简称/别名",
            old=old,
            new={"short_name": org.short_name, "aliases": org.alias_list},
        )
    return org


def orgs_import_rows(rows: list[tuple[int, str, str, str]], *, actor=None) -> tuple[int, list[str]]:
    """Import (row number, 名称, 上级, 类型) rows; idempotent. Returns (created, errors); all or nothing."""
    errors: list[str] = []
    existing = {o.name: o for o in Org.objects.all()}
    names_in_file: dict[str, tuple[int, str, str]] = {}
    for rownum, name, parent, kind_label in rows:
        if not name:
            errors.append(f"第{rownum}行 名称：不能为空")
            continue
        kind = KIND_BY_LABEL.get(kind_label) or (kind_label if kind_label in OrgKind.values else None)
        if kind is None:
            errors.append(f"第{rownum}行 类型：“{kind_label}”无效，应为 人大、政协、协调、单位 或 处室")
            continue
        if name in names_in_file:
            errors.append(f"第{rownum}行 名称：“{name}”在第{names_in_file[name][0]}行已出现")
            continue
        names_in_file[name] = (rownum, parent, kind)
        if name in existing:
            o = existing[name]
            cur_parent = o.get_parent()
            if o.kind != kind or (cur_parent.name if cur_parent else "") != parent:
                errors.append(f"第{rownum}行 名称：“{name}”已存在，但类型或上级与系统中不同")
    for rownum, parent, _kind in names_in_file.values():
        if parent and parent not in names_in_file and parent not in existing:
            errors.append(f"第{rownum}行 上级：找不到组织“{parent}”")
    if errors:
        return 0, errors
    created = 0
    with transaction.atomic():
        pending = {n: v for n, v in names_in_file.items() if n not in existing}
        while pending:
            progressed = False
            for name, (_rownum, parent, kind) in list(pending.items()):
                if parent and parent not in existing:
                    continue
                existing[name] = org_add(
                    actor=actor, name=name, kind=kind, parent=existing.get(parent) if parent else None
                )
                del pending[name]
                created += 1
                progressed = True
            if not progressed:
                raise DomainError("组织的上级关系存在循环：" + "、".join(pending))
    return created, []


def orgs_import_xlsx(path: Path | str, *, actor=None) -> tuple[int, list[str]]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    ws = wb.worksheets[0]
    it = ws.iter_rows(values_only=True)
    header = [str(h or "").strip() for h in next(it, [])]
    missing = [h for h in ("名称", "上级", "类型") if h not in header]
    if missing:
        return 0, [f"第1行 {m}：缺少该列" for m in missing]
    idx = {h: header.index(h) for h in ("名称", "上级", "类型")}
    rows = []
    for n, r in enumerate(it, start=2):

        def cell(h, r=r):
            return str(r[idx[h]] if idx[h] < len(r) and r[idx[h]] is not None else "").strip()

        if not any(cell(h) for h in idx):
            continue
        rows.append((n, cell("名称"), cell("上级"), cell("类型")))
    return orgs_import_rows(rows, actor=actor)


def user_create(
    *,
    actor=None,
    username: str,
    org: Org | None,
    roles: list[str],
    password: str | None = None,
    full_name: str = "",
    validate: bool = True,
) -> User:
    if User.objects.filter(username=username).exists():
        raise DomainError(f"用户名“{username}”已存在。")
    for r in roles:
        if r not in Role.values:
            raise DomainError(f"角色“{r}”无效，可选：{'、'.join(Role.values)}。")
    if password and validate:
        try:
            validate_password(password, User(username=username))
        except ValidationError as e:
            raise DomainError("密码不符合要求：" + "；".join(e.messages))
    with transaction.atomic():
        u = User(username=username, org=org, full_name=full_name)
        if password:
            u.set_password(password)
        else:
            u.set_unusable_password()
        u.save()
        RoleGrant.objects.bulk_create([RoleGrant(user=u, role=r) for r in roles])
        audit_record(
            actor=actor,
            verb="user.create",
            obj=u,
            new={"username": username, "org": org.name if org else None, "roles": roles},
        )
    return u
