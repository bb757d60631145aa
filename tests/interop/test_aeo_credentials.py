"""A Corridor AEO credential against Digital Bazaar's JavaScript libraries (see ``test_digitalbazaar``).

Taiwan's customs registers Alpha's certificate; the credential it signs (issued by the task the
registration enqueues) verifies in ``@digitalbazaar/vc``, and a suspension fails its status check there.
"""

from __future__ import annotations

from datetime import date

import pytest

from apps.compliance.services import certificates
from apps.partners.access import Actor
from apps.partners.choices import MemberRole, PartnerKind
from tests.factories import PartnerFactory
from tests.interop.test_digitalbazaar import _client, _documents_for, _js_verify, _served_credential

pytestmark = [pytest.mark.interop, pytest.mark.django_db]


def test_an_aeo_credential_verifies_in_js_until_it_is_suspended(
    node, tmp_path, alpha, alice, django_capture_on_commit_callbacks
):
    customs = PartnerFactory(
        slug="tw-customs", name="Customs (TW)", country="TW", serves_country="TW", kinds=[PartnerKind.CUSTOMS_AUTHORITY]
    )
    officer = Actor(partner=customs, role=MemberRole.OPERATOR)
    with django_capture_on_commit_callbacks(execute=True):
        certificate = certificates.certificate_create(
            actor=officer,
            authority=customs,
            holder=alpha,
            number="TWAEO-0001",
            certificate_type="security and safety",
            valid_from=date(2024, 1, 1),
            valid_until=date(2028, 12, 31),
        )
    certificate.refresh_from_db()
    document = _served_credential(_client(alice), certificate.credential)  # as the holder fetches it
    assert document["type"] == ["VerifiableCredential", "AeoCredential"]
    result = _js_verify(node, tmp_path, document, _documents_for(document))
    assert result["verified"] is True, result
    assert [entry["status"] for entry in result["statusResult"]["entries"]] == [False, False]

    with django_capture_on_commit_callbacks(execute=True):
        certificates.certificate_status_set(
            actor=officer,
            certificate=certificate,
            status="suspended",
            effective_on=date(2024, 6, 1),
            reason="audit findings",
        )
    suspended = _js_verify(node, tmp_path, document, _documents_for(document))
    assert suspended["verified"] is False
    assert "status bit set: suspension" in suspended["error"]
