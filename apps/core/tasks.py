"""Platform housekeeping tasks: thin, idempotent, ids and strings only."""

from __future__ import annotations

from django.conf import settings

from apps.core import services
from apps.core.work import housekeeping_task


@housekeeping_task(time_limit=30, bind=True)
def ping(self, nonce: str = "") -> dict[str, str]:
    """Prove a worker runs tasks: it records a heartbeat carrying the caller's nonce."""
    hostname = self.request.hostname or "unknown-worker"
    services.worker_heartbeat_record(hostname=hostname, nonce=nonce)
    return {"hostname": hostname, "nonce": nonce}


@housekeeping_task(time_limit=30, bind=True)
def worker_heartbeat(self) -> str:
    hostname = self.request.hostname or "unknown-worker"
    services.worker_heartbeat_record(hostname=hostname)
    return hostname


@housekeeping_task(time_limit=120)
def broker_purge_delivered() -> int:
    return services.broker_purge_delivered(broker_url=settings.CELERY_BROKER_URL)
