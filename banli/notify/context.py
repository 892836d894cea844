"""Template context: the signed-in user's unread inbox count (for the navbar badge)."""

from .notify import unread_count


def inbox(request):
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {"inbox_unread": 0}
    return {"inbox_unread": unread_count(user)}
