from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "banli.api"
    label = "api"
    verbose_name = "开放接口"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Status changes of every lifecycle become webhook events (banli/lifecycle.py sends the signal).
        from banli.lifecycle import status_changed

        from . import schema, webhooks  # noqa: F401 - schema registers the auth extensions

        status_changed.connect(webhooks.on_status_changed, dispatch_uid="banli.api.webhooks")
