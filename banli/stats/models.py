"""The unit assessment (绩效考核) weights each body office or coordinator sets for its scope.

The table kept the name it had when it belonged to the reports app (reports_assessmentweights).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from banli.orgs.models import Org

ASSESSMENT_METRICS = (
    # key, label, default weight
    ("reply_rate", "办复率", 20),
    ("on_time_sign_rate", "按时签收率", 10),
    ("on_time_reply_rate", "按时答复率", 20),
    ("satisfaction_rate", "满意率", 30),
    ("contact_rate", "沟通率", 10),
    ("face_to_face_rate", "见面率", 10),
)
DEFAULT_OVERDUE_PENALTY = 1


class AssessmentWeights(models.Model):
    """Weights of the unit assessment (绩效考核) set by a body office or a coordinator for its scope."""

    owner = models.OneToOneField(
        Org, verbose_name="考核机关", on_delete=models.PROTECT, related_name="assessment_weights"
    )
    weights = models.JSONField("权重", default=dict)
    overdue_penalty = models.DecimalField(
        "每件逾期扣分", max_digits=5, decimal_places=2, default=DEFAULT_OVERDUE_PENALTY
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "考核权重"
        db_table = "reports_assessmentweights"

    def __str__(self) -> str:
        return f"{self.owner} 考核权重"

    def weight_of(self, key: str) -> int:
        default = {k: w for k, _, w in ASSESSMENT_METRICS}[key]
        return int(self.weights.get(key, default))
