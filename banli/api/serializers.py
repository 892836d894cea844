"""What the API returns and accepts. Fields only: every rule stays in the services."""

from __future__ import annotations

from rest_framework import serializers

from banli.cases.models import (
    AssignmentRole,
    Channel,
    ContactMethod,
    ContactStage,
    Disclosure,
    ProposalStatus,
    ResultClass,
    ReviewState,
    Verdict,
)


class OrgRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class SessionOut(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    year = serializers.IntegerField()


class ProposalOut(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    session = SessionOut()
    lead = serializers.CharField(source="lead.name")
    kind = serializers.CharField()
    channel = serializers.CharField()
    group = serializers.CharField()
    topic = serializers.CharField()
    submitted_on = serializers.DateField(allow_null=True)
    review_state = serializers.CharField()
    status = serializers.CharField(allow_null=True, required=False, default=None)
    is_key = serializers.BooleanField()
    version = serializers.IntegerField()


class ProposalPage(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ProposalOut(many=True)


class ProposalDetailOut(ProposalOut):
    content = serializers.CharField()
    cosigners = serializers.SerializerMethodField()
    review_reason = serializers.CharField()
    merged_into = serializers.IntegerField(source="merged_into_id", allow_null=True)
    assignments = serializers.SerializerMethodField()

    def get_cosigners(self, p) -> list[str]:
        return [c.name for c in p.cosigners.all()]

    def get_assignments(self, p) -> list[int]:
        return list(p.assignments.order_by("pk").values_list("pk", flat=True))


class AssignmentOut(serializers.Serializer):
    id = serializers.IntegerField()
    proposal = serializers.IntegerField(source="proposal_id")
    unit = OrgRef()
    role = serializers.CharField()
    state = serializers.CharField()
    parent = serializers.IntegerField(source="parent_id", allow_null=True)
    assigned_on = serializers.DateField()
    sign_due = serializers.DateField(allow_null=True)
    reply_due = serializers.DateField(allow_null=True)
    signed_on = serializers.DateField(allow_null=True)
    first_reply_on = serializers.DateField(allow_null=True)
    result_class = serializers.CharField()
    closed_on = serializers.DateField(allow_null=True)
    version = serializers.IntegerField()


class ReplyOut(serializers.Serializer):
    id = serializers.IntegerField()
    assignment = serializers.IntegerField(source="assignment_id")
    seq = serializers.IntegerField()
    state = serializers.CharField()
    result_class = serializers.CharField()
    text = serializers.CharField()
    signer = serializers.CharField()
    sent_on = serializers.DateField(allow_null=True)
    version = serializers.IntegerField()


class IdOut(serializers.Serializer):
    id = serializers.IntegerField()


class ListOut(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField())


def txt(max_length: int, *, required: bool = False, **kw):
    return serializers.CharField(max_length=max_length, required=required, allow_blank=not required, **kw)


# --- inputs -------------------------------------------------------------------------------------


class RegisterIn(serializers.Serializer):
    session = serializers.IntegerField(min_value=1)
    title = txt(300, required=True)
    lead = txt(100, required=True)
    cosigners = serializers.ListField(child=txt(100, required=True), required=False, max_length=200)
    number = txt(20)
    content = txt(50_000)
    channel = serializers.ChoiceField(Channel.choices, required=False)
    group = txt(100)
    topic = txt(50)
    submitted_on = serializers.DateField(required=False, allow_null=True)


class EditIn(serializers.Serializer):
    title = txt(300, required=True)
    lead = txt(100, required=True)
    cosigners = serializers.ListField(child=txt(100, required=True), required=False, max_length=200)
    number = txt(20)
    content = txt(50_000)
    channel = serializers.ChoiceField(Channel.choices, required=False)
    group = txt(100)
    topic = txt(50)
    submitted_on = serializers.DateField(required=False, allow_null=True)


class ReviewIn(serializers.Serializer):
    decision = serializers.ChoiceField([c for c in ReviewState.choices if c[0] != ReviewState.SUBMITTED])
    reason = txt(2000)
    merge_into = serializers.IntegerField(min_value=1, required=False, allow_null=True)


class UnitRoleIn(serializers.Serializer):
    unit = serializers.IntegerField(min_value=1)
    role = serializers.ChoiceField(AssignmentRole.choices)


class AssignIn(serializers.Serializer):
    units = serializers.ListField(child=UnitRoleIn(), min_length=1, max_length=50)
    assigned_on = serializers.DateField(required=False, allow_null=True)
    parent = serializers.IntegerField(min_value=1, required=False, allow_null=True)


class ReasonIn(serializers.Serializer):
    reason = txt(2000, required=True)


class AdjustIn(serializers.Serializer):
    reason = txt(2000, required=True)
    suggested_unit = serializers.IntegerField(min_value=1, required=False, allow_null=True)


class DecideIn(serializers.Serializer):
    approve = serializers.BooleanField()
    unit = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    note = txt(2000)


class ContactIn(serializers.Serializer):
    on = serializers.DateField()
    stage = serializers.ChoiceField(ContactStage.choices)
    method = serializers.ChoiceField(ContactMethod.choices)
    face_to_face = serializers.BooleanField(required=False, allow_null=True)
    participants = txt(300)
    summary = txt(5000)
    leader = txt(50)


class TextIn(serializers.Serializer):
    text = txt(10_000, required=True)


class PlanIn(serializers.Serializer):
    lead_dept = serializers.IntegerField(min_value=1)
    assist_depts = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, max_length=50)
    responsible_leader = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    responsible_person = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    internal_due = serializers.DateField(required=False, allow_null=True)
    text = txt(5000)


class PlanOut(serializers.Serializer):
    id = serializers.IntegerField()
    assignment = serializers.IntegerField(source="assignment_id")
    lead_dept = serializers.IntegerField(source="lead_dept_id", allow_null=True)
    assist_depts = serializers.SerializerMethodField()
    responsible_leader = serializers.IntegerField(source="responsible_leader_id", allow_null=True)
    responsible_person = serializers.IntegerField(source="responsible_person_id", allow_null=True)
    internal_due = serializers.DateField(allow_null=True)
    text = serializers.CharField()
    version = serializers.IntegerField()

    def get_assist_depts(self, plan) -> list[int]:
        return sorted(plan.assist_depts.values_list("pk", flat=True))


class ReplyDraftIn(serializers.Serializer):
    result_class = serializers.ChoiceField(ResultClass.choices)
    text = txt(50_000)
    signer = txt(50)
    contact_name = txt(50)
    contact_phone = txt(30)
    disclosure = serializers.ChoiceField(Disclosure.choices, required=False, allow_blank=True)
    disclosure_reason = txt(200)


class ReturnIn(serializers.Serializer):
    comment = txt(2000, required=True)


class SendIn(serializers.Serializer):
    missing_opinion_reason = txt(2000)


class EvaluationIn(serializers.Serializer):
    attitude = serializers.ChoiceField(Verdict.choices)
    result = serializers.ChoiceField(Verdict.choices)
    verdict = serializers.ChoiceField(Verdict.choices)
    visited = serializers.BooleanField(required=False, allow_null=True)
    heard_via = txt(20)
    addresses = txt(20)
    leader_replied = serializers.BooleanField(required=False, allow_null=True)
    comment = txt(5000)
    proposer = serializers.IntegerField(min_value=1, required=False, allow_null=True)


class ProgressIn(serializers.Serializer):
    text = txt(5000, required=True)
    done = serializers.BooleanField(required=False, default=False)


class ExtensionIn(serializers.Serializer):
    reason = txt(2000, required=True)
    requested_due = serializers.DateField()


class ExtensionDecideIn(serializers.Serializer):
    approve = serializers.BooleanField()
    note = txt(2000)
    granted_due = serializers.DateField(required=False, allow_null=True)


class SupervisionIn(serializers.Serializer):
    kind = txt(20, required=True)
    note = txt(2000, required=True)
    leader = txt(50)
    on = serializers.DateField(required=False, allow_null=True)


class RemindIn(serializers.Serializer):
    message = txt(500, required=True)


class WebhookIn(serializers.Serializer):
    url = serializers.URLField(max_length=500)


class WebhookOut(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()
    is_active = serializers.BooleanField()
    secret = serializers.CharField(required=False)


STATUS_CHOICES = ProposalStatus.choices
