"""What compliance does when something it judges changes (subscribed in ``ComplianceConfig.ready``).

Re-evaluations are recorded in the ledger inside the announcing transaction (so none is lost with a
message) and enqueued once it commits; other background work is enqueued after commit.
"""

from __future__ import annotations

from apps.compliance import tasks
from apps.compliance.services import reevaluation
from apps.compliance.services.reevaluation import TrustRecheckRequested
from apps.core.domain_events import (
    CertificateChanged,
    ConsignmentPartiesChanged,
    EventsLinked,
    EventsRecorded,
    MraChanged,
)


def trust_recheck_holder(event: CertificateChanged) -> None:
    """In the certificate's transaction: re-judge its holder's open consignments."""
    reevaluation.trust_recheck_request(holder_ids=[event.holder_id], as_of=event.as_of)


def aeo_credential_enqueue(event: CertificateChanged) -> None:
    """After commit: bring the certificate's AEO credential in line (issue, re-issue, flip its status)."""
    tasks.aeo_credential_sync.delay(event.certificate_id)


def trust_recheck_mra(event: MraChanged) -> None:
    """In the MRA's transaction: re-judge open consignments for the authorities the change concerns."""
    reevaluation.trust_recheck_request(mra_id=event.mra_id, authority_ids=list(event.authority_ids) or None)


def trust_recheck_chains(event: EventsRecorded | EventsLinked | ConsignmentPartiesChanged) -> None:
    """In the recording transaction: re-judge the consignments whose chains may have new parties.

    At most one request (one task) per batch; the task re-judges only those whose judged parties changed.
    """
    reevaluation.trust_recheck_chains(consignment_ids=event.consignment_ids)


def trust_reevaluate_enqueue(event: TrustRecheckRequested) -> None:
    """After commit: ring the doorbell for a re-evaluation the ledger holds."""
    tasks.trust_reevaluate.delay(**event.params)
