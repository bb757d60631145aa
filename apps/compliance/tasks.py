"""Background work of the compliance domain: re-evaluating trust, AEO credentials, daily date passes.

Tasks take ids, are idempotent, and retry with backoff when the database is briefly unavailable.
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from apps.compliance import aeo_credentials, selectors
from apps.compliance.models import Mra
from apps.compliance.services import passes, reevaluation
from apps.core.work import enqueue_all, housekeeping_task, ledger_task

BATCH = 1000


def _day(value: str | None) -> date:
    """An ISO date passed to a task (JSON has no dates), or today in the project's time zone."""
    return date.fromisoformat(value) if value else timezone.localdate()


@ledger_task(time_limit=900)
def trust_reevaluate(
    holder_ids: list[str] | None = None,
    mra_id: str | None = None,
    as_of: str | None = None,
    authority_ids: list[str] | None = None,
    consignment_ids: list[str] | None = None,
) -> int:
    """Re-judge the open consignments a certificate change (its holder), an MRA change or new steps and parties
    (``consignment_ids``) touch, on ``as_of``.

    While another worker runs the same request this one does nothing (the claim on its ledger key).
    After an MRA change only its authorities' verdicts can change (``authority_ids``, by default its
    current participants); of ``consignment_ids`` only those whose judged parties changed are re-judged.
    Batches of ``BATCH`` consignments cost a constant number of queries each.
    """
    started = timezone.now()
    key, _ = reevaluation.trust_recheck_key(
        holder_ids=holder_ids, mra_id=mra_id, as_of=as_of, authority_ids=authority_ids, consignment_ids=consignment_ids
    )
    with reevaluation.trust_recheck_claimed(key=key) as ours:
        if not ours:
            return 0
        if mra_id is not None and authority_ids is None:
            authority_ids = [
                str(pk)
                for pk in Mra.objects.filter(pk=mra_id).values_list("participants__authority_id", flat=True)
                if pk
            ]
        if consignment_ids is not None:
            consignment_ids = reevaluation.consignments_with_new_judged_parties(consignment_ids=consignment_ids)
        else:
            consignment_ids = selectors.open_consignments_touched(holder_ids=holder_ids or [], mra_id=mra_id)
        day = _day(as_of)
        changed = 0
        for start in range(0, len(consignment_ids), BATCH):
            changed += reevaluation.trust_reevaluate_consignments(
                consignment_ids=consignment_ids[start : start + BATCH], as_of=day, authority_ids=authority_ids
            )
        reevaluation.trust_rechecks_done(key=key, started=started)
    return changed


@housekeeping_task(time_limit=120)
def trust_recheck_sweep() -> int:
    """Re-enqueue re-evaluations a lost message or a dead worker left in the ledger."""
    return enqueue_all(trust_reevaluate, (((), params) for params in reevaluation.trust_rechecks_overdue()))


@ledger_task(time_limit=300)
def aeo_credential_sync(certificate_id: str) -> str:
    """Bring a certificate's AEO credential in line with it: issue, re-issue after renewal, flip status."""
    return aeo_credentials.aeo_credential_sync(certificate_id=certificate_id)


@ledger_task(time_limit=900)
def aeo_expiry_pass(today: str | None = None) -> dict[str, int]:
    """Daily: warn holders and authorities 90/30/7 days ahead of expiry, then mark expired ones."""
    return passes.aeo_expiry_pass(today=_day(today))


@ledger_task(time_limit=900)
def mra_dates_pass(today: str | None = None) -> int:
    """Daily: MRAs that came into force or ended today re-decide the consignments they touch."""
    return passes.mra_dates_pass(today=_day(today))


@ledger_task(time_limit=900)
def aeo_credentials_pass(today: str | None = None) -> dict[str, int]:
    """Daily: AEO credentials follow status changes and renewals dated ahead, once their day comes."""
    return aeo_credentials.aeo_credentials_pass(today=_day(today))
