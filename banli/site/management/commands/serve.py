from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "启动网站（开发/单机部署）：banli serve [--port N] [--host H]"

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args, port, host, **opts):
        self.stdout.write(f"Banli 建议提案办理平台：http://{host}:{port}/")
        call_command("runserver", f"{host}:{port}", use_reloader=False, use_threading=True)
