"""Issuing step credentials in the background: one task per ingested batch, plus a sweep."""

from __future__ import annotations

from datetime import timedelta

from apps.core.work import doorbell_missed, enqueue_all, housekeeping_task, ledger_task, sweep_on_worker_start
from apps.credentials.services.issuance import step_credentials_issue_batch, step_credentials_pending


@ledger_task(time_limit=600)
def step_credentials_issue(event_pks: list[str]) -> int:
    """Issue the step credentials of these events (idempotent: an issued one is left as it is)."""
    issued = 0
    for start in range(0, len(event_pks), 250):
        # Chunks keep each transaction (and its consignment locks) short.
        issued += step_credentials_issue_batch(event_pks=event_pks[start : start + 250])
    return issued


@sweep_on_worker_start
@housekeeping_task(time_limit=300)
def step_credentials_sweep(after_restart: bool = False) -> int:
    """Re-enqueue events whose credential is overdue (a lost message, a past grace period); ``after_restart``
    (a starting worker's sweep) or after a refused send: every linked event without one, its message taken for lost."""
    lost = after_restart or doorbell_missed("step_credentials_sweep")
    pending = step_credentials_pending(waited=timedelta(0) if lost else None)
    chunks = [pending[start : start + 500] for start in range(0, len(pending), 500)]
    sent = enqueue_all(step_credentials_issue, (((chunk,), {}) for chunk in chunks))
    return sum(len(chunk) for chunk in chunks[:sent])
