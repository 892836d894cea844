"""The webhook delivery's state machine: pending until delivered or given up."""

from banli.lifecycle import Lifecycle

from .models import DeliveryState as D

DELIVERY = Lifecycle(
    name="webhook_delivery",
    field="state",
    choices=D,
    transitions={D.PENDING: {D.DELIVERED, D.FAILED}},
    initial=D.PENDING,
    subject="该投递",
)
