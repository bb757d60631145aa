"""AEO credentials: Taiwan's customs signs one for Alpha's certificate; its status follows the registry.

Alpha (alice) holds TW certificate TWAEO-0001; Bravo (charlie) is another trader; Korea's customs sees
the register but does not receive the credential. Certificates are registered through the service, and
the credential is issued by the task the service enqueues after commit.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from apps.compliance import aeo_credentials, selectors, tasks
from apps.compliance.choices import CertificateStatus
from apps.compliance.models import AeoCertificate
from apps.compliance.services import certificates
from apps.core.errors import ApplicationError
from apps.core.models import AuditEvent
from apps.credentials import status_list
from apps.credentials.jsonld import expand
from apps.credentials.models import Credential, CredentialKind, StatusList
from apps.credentials.verification import credential_verify, presentation_verify
from apps.partners.access import Actor
from apps.partners.choices import MemberRole

pytestmark = pytest.mark.django_db

NUMBER = "TWAEO-0001"


def _did(slug: str) -> str:
    return f"did:web:{settings.CORRIDOR_DID_HOST}:partners:{slug}"


def _today() -> date:
    return timezone.localdate()


def _document(credential: Credential) -> dict[str, Any]:
    return json.loads(bytes(credential.document))


def _failed(credential: Credential, **options: Any) -> dict[str, str]:
    return {e["check"]: e.get("detail", "") for e in credential_verify(_document(credential), **options).errors}


def _bit(credential: Credential, purpose: str) -> bool:
    field = "revocation" if purpose == "revocation" else "suspension"
    lst = StatusList.objects.get(pk=getattr(credential, f"{field}_list_id"))
    return status_list.Bitstring.from_bytes(bytes(lst.bits)).get(getattr(credential, f"{field}_index"))


@pytest.fixture
def officer(tw_customs, tina) -> Actor:
    return Actor(partner=tw_customs, role=MemberRole.OPERATOR, user=tina)


@pytest.fixture
def certificate(grant, tw_customs, alpha, django_capture_on_commit_callbacks) -> AeoCertificate:
    """Alpha's TW certificate, valid 2024-01-01 to 2028-12-31, its credential issued after commit."""
    with django_capture_on_commit_callbacks(execute=True):
        created = grant(tw_customs, alpha, NUMBER, certificate_type="security and safety")
    created.refresh_from_db()
    return created


def _set_status(officer, certificate, status, capture, *, effective_on=None, reason="officer's decision"):
    with capture(execute=True):
        certificates.certificate_status_set(
            actor=officer,
            certificate=certificate,
            status=status,
            effective_on=effective_on or _today(),
            reason=reason,
        )
    certificate.refresh_from_db()
    certificate.credential.refresh_from_db()


# --- Issuing ------------------------------------------------------------------------------------


def test_registering_a_valid_certificate_issues_its_credential_signed_by_the_authority(certificate, tw_customs, alpha):
    credential = certificate.credential
    assert credential is not None
    assert credential.kind == CredentialKind.AEO
    assert credential.issuer == tw_customs
    document = _document(credential)
    assert document["type"] == ["VerifiableCredential", "AeoCredential"]
    assert document["id"] == f"{settings.CORRIDOR_BASE_URL}/credentials/{credential.pk}"
    assert document["issuer"] == _did("tw-customs")
    assert document["validFrom"] == "2024-01-01T00:00:00Z"
    assert document["validUntil"] == "2028-12-31T23:59:59Z"
    assert [entry["statusPurpose"] for entry in document["credentialStatus"]] == ["revocation", "suspension"]
    assert document["credentialSubject"] == {
        "id": _did("alpha"),
        "type": "Organization",
        "name": "Alpha Exports",
        "countryCode": "TW",
        "lei": alpha.lei,
        "certificate": {
            "type": "AeoCertificate",
            "certificateNumber": NUMBER,
            "aeoType": "security and safety",
            "issuingAuthority": _did("tw-customs"),
            "countryCode": "TW",
            "certificateValidFrom": "2024-01-01T00:00:00Z",
            "certificateValidUntil": "2028-12-31T23:59:59Z",
        },
    }
    outcome = credential_verify(document)
    assert outcome.verified is True, outcome.errors
    assert [c["check"] for c in outcome.checks] == [
        "structure",
        "contexts",
        "issuer key",
        "proof",
        "validity period",
        "status",
    ]
    audit = AuditEvent.objects.get(action="aeo_credential.issue")
    assert audit.object_id == str(certificate.pk)
    assert audit.partner == tw_customs
    assert audit.changes["credential"] == str(credential.pk)


def test_the_holders_lei_and_eori_are_signed_as_corridor_terms(grant, tw_customs, alpha):
    alpha.lei, alpha.eori = "724500VKKSH9QOLTFR81", "DE123456789012345"
    alpha.save(update_fields=["lei", "eori"])
    certificate = grant(tw_customs, alpha, NUMBER)
    assert aeo_credentials.aeo_credential_sync(certificate_id=str(certificate.pk)) == "issued"
    certificate.refresh_from_db()
    document = _document(certificate.credential)
    assert document["credentialSubject"]["lei"] == "724500VKKSH9QOLTFR81"
    assert document["credentialSubject"]["eori"] == "DE123456789012345"
    subject = expand(document)[0]["https://www.w3.org/2018/credentials#credentialSubject"][0]
    assert subject["https://w3id.org/corridor/vocab#eori"] == [{"@value": "DE123456789012345"}]
    assert credential_verify(document).verified is True


def test_syncing_again_issues_nothing_new(certificate):
    before = Credential.objects.count()
    assert aeo_credentials.aeo_credential_sync(certificate_id=str(certificate.pk)) == "unchanged"
    assert aeo_credentials.aeo_credential_sync(certificate_id=str(certificate.pk)) == "unchanged"
    assert Credential.objects.count() == before == 1
    assert AeoCertificate.objects.get(pk=certificate.pk).credential_id == certificate.credential_id


def test_a_certificate_not_yet_valid_gets_its_credential_on_its_first_day(
    grant, tw_customs, alpha, django_capture_on_commit_callbacks
):
    start = _today() + timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        certificate = grant(tw_customs, alpha, NUMBER, valid_from=start, valid_until=start + timedelta(days=700))
    certificate.refresh_from_db()
    assert certificate.credential is None
    assert aeo_credentials.aeo_credentials_pass(today=start - timedelta(days=1))["issued"] == 0
    # The daily beat task, given its day as JSON gives it.
    assert tasks.aeo_credentials_pass.delay(today=start.isoformat()).get() == {
        "issued": 1,
        "reissued": 0,
        "status": 0,
        "unchanged": 0,
    }
    certificate.refresh_from_db()
    assert _document(certificate.credential)["validFrom"] == f"{start.isoformat()}T00:00:00Z"
    assert aeo_credentials.aeo_credentials_pass(today=start) == {
        "issued": 0,
        "reissued": 0,
        "status": 0,
        "unchanged": 1,
    }


def test_an_unknown_certificate_is_left_alone(db):
    assert aeo_credentials.aeo_credential_sync(certificate_id="00000000-0000-0000-0000-000000000000") == "unchanged"


# --- Status follows the registry --------------------------------------------------------------


def test_suspension_fails_the_status_check_and_reinstatement_clears_it(
    certificate, officer, django_capture_on_commit_callbacks
):
    credential = certificate.credential
    _set_status(officer, certificate, CertificateStatus.SUSPENDED, django_capture_on_commit_callbacks)
    assert certificate.credential_id == credential.pk  # the same credential, its bit flipped
    assert certificate.credential.suspended is True
    assert _bit(credential, "suspension") is True
    assert _failed(credential) == {"status": "suspended"}
    assert AuditEvent.objects.filter(action="aeo_credential.suspend", object_id=str(certificate.pk)).count() == 1

    _set_status(officer, certificate, CertificateStatus.VALID, django_capture_on_commit_callbacks, reason="reinstated")
    assert certificate.credential_id == credential.pk
    assert certificate.credential.suspended is False
    assert _bit(credential, "suspension") is False
    assert credential_verify(_document(credential)).verified is True
    assert Credential.objects.count() == 1
    assert AuditEvent.objects.filter(action="aeo_credential.unsuspend").count() == 1


def test_revocation_sets_the_revocation_bit(certificate, officer, django_capture_on_commit_callbacks):
    credential = certificate.credential
    _set_status(officer, certificate, CertificateStatus.REVOKED, django_capture_on_commit_callbacks)
    assert certificate.credential.revoked_at is not None
    assert _bit(credential, "revocation") is True
    assert _failed(credential) == {"status": "revoked"}
    assert aeo_credentials.aeo_credential_sync(certificate_id=str(certificate.pk)) == "unchanged"
    assert AuditEvent.objects.filter(action="aeo_credential.revoke").count() == 1


def test_expiry_revokes_the_credential(grant, tw_customs, alpha, django_capture_on_commit_callbacks):
    today = _today()
    with django_capture_on_commit_callbacks(execute=True):
        certificate = grant(tw_customs, alpha, NUMBER, valid_from=date(2024, 1, 1), valid_until=today)
    certificate.refresh_from_db()
    credential = certificate.credential
    assert credential is not None
    later = today + timedelta(days=1)
    certificates.certificate_expire_due(certificate=certificate, today=later)
    assert AeoCertificate.objects.get(pk=certificate.pk).status == CertificateStatus.EXPIRED
    assert aeo_credentials.aeo_credential_sync(certificate_id=str(certificate.pk), today=later) == "status"
    credential.refresh_from_db()
    assert credential.revoked_at is not None
    assert _bit(credential, "revocation") is True


def test_a_suspension_dated_ahead_takes_effect_on_its_day(certificate, officer, django_capture_on_commit_callbacks):
    ahead = _today() + timedelta(days=2)
    _set_status(
        officer, certificate, CertificateStatus.SUSPENDED, django_capture_on_commit_callbacks, effective_on=ahead
    )
    assert certificate.credential.suspended is False  # still valid today, as the trust evaluation says
    assert aeo_credentials.aeo_credentials_pass(today=ahead)["status"] == 1
    certificate.credential.refresh_from_db()
    assert certificate.credential.suspended is True


# --- Renewal --------------------------------------------------------------------------------------


def test_renewal_issues_a_new_credential_and_revokes_the_old_one(
    grant, tw_customs, alpha, officer, django_capture_on_commit_callbacks
):
    today = _today()
    yesterday = today - timedelta(days=1)
    certificate = grant(tw_customs, alpha, NUMBER, valid_from=date(2024, 1, 1), valid_until=yesterday)
    # Its first period's credential, as yesterday's run issued it.
    assert aeo_credentials.aeo_credential_sync(certificate_id=str(certificate.pk), today=yesterday) == "issued"
    certificate.refresh_from_db()
    old = certificate.credential

    until = today + timedelta(days=3 * 365)
    with django_capture_on_commit_callbacks(execute=True):
        certificates.certificate_renew(actor=officer, certificate=certificate, valid_from=today, valid_until=until)
    certificate.refresh_from_db()
    new = certificate.credential
    assert new.pk != old.pk
    assert _document(new)["validFrom"] == f"{today.isoformat()}T00:00:00Z"
    assert _document(new)["validUntil"] == f"{until.isoformat()}T23:59:59Z"
    assert _document(new)["credentialSubject"]["certificate"]["certificateNumber"] == NUMBER
    assert credential_verify(_document(new)).verified is True
    old.refresh_from_db()
    assert old.revoked_at is not None
    assert _failed(old, now=timezone.now() - timedelta(days=2)) == {"status": "revoked"}
    audit = AuditEvent.objects.get(action="aeo_credential.reissue")
    assert audit.changes["replaces"] == str(old.pk)
    assert audit.changes["credential"] == str(new.pk)
    assert aeo_credentials.aeo_credential_sync(certificate_id=str(certificate.pk)) == "unchanged"


# --- The holder presents it -----------------------------------------------------------------------


def test_the_holder_lists_and_reads_its_aeo_credential(certificate, client_for, alice):
    api = client_for(alice)
    rows = {row["id"]: row for row in api.get("/api/v1/credentials/").json()["results"]}
    assert rows[str(certificate.credential_id)]["kind"] == "aeo"
    assert rows[str(certificate.credential_id)]["issuer"] == "tw-customs"
    assert api.get(f"/api/v1/credentials/{certificate.credential_id}/").status_code == 200
    served = api.get(f"/credentials/{certificate.credential_id}")
    assert served.status_code == 200
    assert served.content == bytes(certificate.credential.document)


def test_another_trader_does_not_see_it(certificate, client_for, charlie):
    api = client_for(charlie)
    assert str(certificate.credential_id) not in {
        row["id"] for row in api.get("/api/v1/credentials/").json()["results"]
    }
    assert api.get(f"/api/v1/credentials/{certificate.credential_id}/").status_code == 404
    assert api.get(f"/credentials/{certificate.credential_id}").status_code == 404


def test_aeo_credential_for_gives_it_to_the_holder_and_the_authority_only(
    certificate, alpha, bravo, kr_customs, officer
):
    holder = Actor(partner=alpha, role=MemberRole.VIEWER)
    assert selectors.aeo_credential_for(actor=holder, certificate=certificate) == certificate.credential
    assert selectors.aeo_credential_for(actor=officer, certificate=certificate) == certificate.credential
    with pytest.raises(ApplicationError) as other_customs:
        selectors.aeo_credential_for(actor=Actor(partner=kr_customs, role=MemberRole.VIEWER), certificate=certificate)
    assert other_customs.value.status == 403
    with pytest.raises(ApplicationError) as other_trader:
        selectors.aeo_credential_for(actor=Actor(partner=bravo, role=MemberRole.ADMIN), certificate=certificate)
    assert other_trader.value.status == 404


def test_a_certificate_without_a_credential_answers_404(grant, tw_customs, alpha):
    certificate = grant(tw_customs, alpha, NUMBER, valid_from=date(2020, 1, 1), valid_until=date(2020, 12, 31))
    with pytest.raises(ApplicationError) as missing:
        selectors.aeo_credential_for(actor=Actor(partner=alpha, role=MemberRole.VIEWER), certificate=certificate)
    assert missing.value.status == 404
    assert NUMBER in str(missing.value.detail)


def test_the_holder_signs_a_presentation_a_verifier_accepts(certificate, alpha, bravo):
    holder = Actor(partner=alpha, role=MemberRole.OPERATOR)
    presentation = aeo_credentials.aeo_presentation_build(
        actor=holder, credential=certificate.credential, challenge="c-42", domain="customs.example"
    )
    assert presentation["holder"] == _did("alpha")
    outcome = presentation_verify(presentation, challenge="c-42", domain="customs.example")
    assert outcome.verified is True, outcome.errors
    assert presentation_verify(presentation, challenge="other", domain="customs.example").verified is False
    with pytest.raises(ApplicationError) as not_the_holder:
        aeo_credentials.aeo_presentation_build(
            actor=Actor(partner=bravo, role=MemberRole.ADMIN), credential=certificate.credential, challenge="c-42"
        )
    assert not_the_holder.value.status == 403
