import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "banli.settings")
application = get_wsgi_application()

# The production entry (gunicorn banli.wsgi) refuses to start without collected static files,
# instead of answering 500 on every page (banli/site/startup.py).
from banli.site.startup import refuse_without_static_manifest  # noqa: E402

refuse_without_static_manifest()
