"""Traffic lights for due dates (owned by the deadlines app)."""
from django import template

register = template.Library()


@register.simple_tag
def light(assignment):
    """Render the traffic light of an assignment (green / yellow / red); empty until implemented."""
    return ""
