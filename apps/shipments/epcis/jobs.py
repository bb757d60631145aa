"""Starting an EPCIS capture job: the document stored as a file, the job recorded, its work enqueued on commit.

The REST binding (``POST /epcis/capture``) and the upload page both start jobs here.
"""

from __future__ import annotations

from django.core.files.base import File
from django.db import transaction
from django.utils.translation import gettext_noop

from apps.core.errors import ApplicationError
from apps.core.services import audit_record
from apps.core.words import Text
from apps.partners.access import Actor, require
from apps.partners.choices import MemberRole
from apps.shipments.epcis.capture import stream_limits
from apps.shipments.epcis.parse import check_stream_limits
from apps.shipments.ingest.types import IngestValidationError
from apps.shipments.models import CaptureJob
from apps.shipments.tasks import epcis_capture_process

CAPTURE_ERROR_BEHAVIOURS = ("rollback", "proceed")


def capture_job_create(*, actor: Actor, document: File, error_behaviour: str = "rollback") -> CaptureJob:
    """Keep the document and start its capture job; the worker validates and records it after commit.

    A document that nests too deep or holds too large an event is refused here, at once (400): one pass over
    its tokens builds nothing, so a hostile document costs the request time only, never a worker's memory.
    """
    recorder = require(actor, role=MemberRole.OPERATOR, write=True, acting=True, to=gettext_noop("capture events"))
    try:
        check_stream_limits(document.file, stream_limits())
    except IngestValidationError as exc:
        raise ApplicationError(
            Text(gettext_noop("The EPCIS document %(problem)s."), problem=exc.problems[0].detail)
        ) from exc
    with transaction.atomic():
        job = CaptureJob(recorder=recorder, error_behaviour=error_behaviour)
        job.document.save(f"{job.pk}.jsonld", document, save=False)
        job.save()
        audit_record(
            actor=actor,
            action="epcis.capture",
            target=job,
            changes={"bytes": document.size, "error_behaviour": error_behaviour},
        )
        job_id = str(job.pk)
        # A broker that is down must not fail the committed capture: the sweep enqueues the job later.
        transaction.on_commit(lambda: epcis_capture_process.delay(job_id), robust=True)
    return job
