"""The one way a status field changes.

Each state machine (review, assignment, reply, adjustment, extension, follow-up, commitment,
publication, import job) declares, in its app's `lifecycle.py`, a `TextChoices` status and one
`Lifecycle`: the field it governs and one TRANSITIONS map. Services move an object with
`LIFECYCLE.move(obj, to, action="签收")`, which refuses a transition the map does not allow (a
Chinese message naming the current state, nothing written) and returns the `(old, new)` pair that
the service records in its audit event. Nothing else assigns to a status field; a test walks the
source to keep it so.

Bulk paths (the ledger's writer) check each object with `LIFECYCLE.check(old, to)` and then write
in batches: the same rule, without one query per row.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass

from django.dispatch import Signal

from banli.errors import DomainError

# Sent by `Lifecycle.move` after a status moved (before the caller saves, inside its transaction):
# sender = the model class; kwargs obj, lifecycle, old, new, action. A receiver that acts outside
# the database defers it with transaction.on_commit (the open API's webhooks do).
status_changed = Signal()


@dataclass(frozen=True)
class Lifecycle:
    """One state machine: `field` on the model moves only along `transitions`."""

    name: str
    field: str
    choices: type
    transitions: Mapping[str, Set[str]]
    initial: str
    # How a refusal names the object: "{subject}为“办理中”，不能…" ("当前", "该件当前", "该申请").
    subject: str = "当前"
    # States other than `initial` an object may be created in (a reply's correction is born sent).
    entries: Set[str] = frozenset()

    def __post_init__(self) -> None:
        known = set(self.choices.values)
        for src, targets in self.transitions.items():
            unknown = ({src} | set(targets)) - known
            if unknown:
                raise ValueError(f"{self.name}: unknown states {sorted(unknown)}")
        if ({self.initial} | set(self.entries)) - known:
            raise ValueError(f"{self.name}: unknown initial state")

    def allows(self, old: str, to: str) -> bool:
        return to in self.transitions.get(old, ())

    def label(self, state: str) -> str:
        try:
            return self.choices(state).label
        except ValueError:
            return str(state)

    def check(self, old: str, to: str, *, action: str) -> None:
        """Refuse `old → to` unless the map allows it (nothing is written)."""
        if not self.allows(old, to):
            raise DomainError(f"{self.subject}为“{self.label(old)}”，不能{action}。")

    def move(self, obj, to: str, *, action: str) -> tuple[str, str]:
        """Set `obj.<field>` to `to` if the map allows it; return (old, new) for the audit event.

        The caller saves the object in the same transaction."""
        old = getattr(obj, self.field)
        self.check(old, to, action=action)
        setattr(obj, self.field, to)
        status_changed.send(sender=type(obj), obj=obj, lifecycle=self, old=old, new=to, action=action)
        return old, to

    def claim(self, queryset, old: str, to: str, *, action: str, **fields) -> bool:
        """Move the rows of `queryset` still in `old` to `to` with one conditional UPDATE.

        For workers that claim work (two never both move the same row); False when no row was
        still in `old`, i.e. someone else got there first."""
        self.check(old, to, action=action)
        return bool(queryset.filter(**{self.field: old}).update(**{self.field: to}, **fields))

    def start(self, state: str | None = None) -> dict:
        """The field's value for a newly created object: `Model.objects.create(**LC.start(), …)`.

        `state` may name one of the declared `entries` instead of the initial state."""
        if state is None or state == self.initial:
            return {self.field: self.initial}
        if state not in self.entries:
            raise ValueError(f"{self.name}: an object cannot start in {state!r}")
        return {self.field: state}
