"""The org tree, users and their roles (SPEC §2)."""

from __future__ import annotations

from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import models
from treebeard.mp_tree import MP_Node


class OrgKind(models.TextChoices):
    NPC = "npc", "人大"
    CPPCC = "cppcc", "政协"
    COORDINATOR = "coord", "协调"
    UNIT = "unit", "单位"
    DEPT = "dept", "处室"


BODY_KINDS = (OrgKind.NPC, OrgKind.CPPCC)


class Org(MP_Node):
    """A node of the org tree: a body office, a coordinating office, a unit or a department."""

    name = models.CharField("名称", max_length=200, unique=True)
    kind = models.CharField("类型", max_length=8, choices=OrgKind.choices)
    short_name = models.CharField("简称", max_length=50, blank=True)
    # Other names clerks type for the unit (卫健委, 市卫健委, an old name), one per line; the unit
    # picker matches them like the name and the short name (banli.orgs.search).
    # db_default: rows that exist before the column (and raw inserts) get an empty list of aliases.
    aliases = models.TextField(
        "别名", blank=True, default="", db_default="", help_text="每行一个，如“卫健委”“市卫计委”"
    )
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "组织"
        verbose_name_plural = "组织"

    def __str__(self) -> str:
        return self.name

    @property
    def is_body(self) -> bool:
        return self.kind in BODY_KINDS

    def ancestor_paths(self) -> list[str]:
        """Paths of this org and all its ancestors, nearest first (no query)."""
        step = self.steplen
        return [self.path[:i] for i in range(len(self.path), 0, -step)]

    def nearest(self, *kinds: str) -> Org | None:
        """The nearest org of one of `kinds` among this org and its ancestors."""
        if self.kind in kinds:
            return self
        paths = self.ancestor_paths()
        found = {o.path: o for o in Org.objects.filter(path__in=paths, kind__in=kinds)}
        for p in paths:
            if p in found:
                return found[p]
        return None

    @property
    def alias_list(self) -> list[str]:
        return [a.strip() for a in self.aliases.splitlines() if a.strip()]

    def subtree(self):
        """This org and everything under it, as one indexed prefix query."""
        return Org.objects.filter(path__startswith=self.path)


class Role(models.TextChoices):
    BODY_STAFF = "body_staff", "人大/政协工作人员"
    COORDINATOR = "coordinator", "督查协调人员"
    UNIT_LIAISON = "unit_liaison", "单位联络员"
    UNIT_LEADER = "unit_leader", "单位领导"
    HANDLER = "handler", "承办人"
    PROPOSER = "proposer", "代表/委员"
    SYSADMIN = "sysadmin", "系统管理员"
    SECADMIN = "secadmin", "安全管理员"
    AUDITOR = "auditor", "审计管理员"


ADMIN_ROLES = (Role.SYSADMIN, Role.SECADMIN, Role.AUDITOR)


class User(AbstractUser):
    """A person who signs in. Belongs to one org and holds one or more roles (RoleGrant)."""

    full_name = models.CharField("姓名", max_length=50, blank=True)
    org = models.ForeignKey(
        Org, verbose_name="所属组织", on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    phone = models.CharField("电话", max_length=30, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.full_name or self.username

    @cached_property
    def roles(self) -> frozenset[str]:
        if not self.pk or not self.is_active:
            return frozenset()
        return frozenset(self.role_grants.values_list("role", flat=True))

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


class RoleGrant(models.Model):
    """One role held by a user; its scope is the user's org (SPEC §2)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField("角色", max_length=20, choices=Role.choices)
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="uniq_user_role")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"
