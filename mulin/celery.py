"""Celery app. With MULIN_BROKER_URL unset, tasks run eagerly in the web process."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mulin.settings")

app = Celery("mulin")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
