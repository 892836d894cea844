from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "启动网站（单机部署/演示）：banli serve [--port N] [--host H]。"
        "DEBUG 关闭时（make run 即如此）先收集静态文件，由 WhiteNoise 提供。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args, port, host, **opts):
        if not settings.DEBUG:
            # WhiteNoise serves what collectstatic gathered into STATIC_ROOT (runserver serves none:
            # whitenoise.runserver_nostatic), so the pages look the same as with DEBUG on.
            call_command("collectstatic", interactive=False, verbosity=0)
        mode = "调试模式（DEBUG 开启，出错时显示调试信息）" if settings.DEBUG else "DEBUG 关闭"
        self.stdout.write(f"Banli 建议提案办理平台：http://{host}:{port}/ （{mode}）")
        call_command("runserver", f"{host}:{port}", use_reloader=False, use_threading=True)
