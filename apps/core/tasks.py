"""Platform housekeeping tasks: thin, idempotent, ids and strings only."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.db import OperationalError

from apps.core import services


@shared_task(
    bind=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=5,
    time_limit=30,
    soft_time_limit=20,
)
def ping(self, nonce: str = "") -> dict[str, str]:
    """Prove a worker runs tasks: it records a heartbeat carrying the caller's nonce."""
    hostname = self.request.hostname or "unknown-worker"
    services.worker_heartbeat_record(hostname=hostname, nonce=nonce)
    return {"hostname": hostname, "nonce": nonce}


@shared_task(
    bind=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3, time_limit=30, soft_time_limit=20
)
def worker_heartbeat(self) -> str:
    hostname = self.request.hostname or "unknown-worker"
    services.worker_heartbeat_record(hostname=hostname)
    return hostname


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3, time_limit=120, soft_time_limit=100)
def broker_purge_delivered() -> int:
    return services.broker_purge_delivered(broker_url=settings.CELERY_BROKER_URL)
