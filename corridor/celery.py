"""The Celery application: configuration from Django settings (``CELERY_*``), tasks from apps."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "corridor.settings")

app = Celery("corridor")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
