"""The admin for AEO certificates, MRAs, trust evaluations and review decisions: writes go through the services."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from apps.compliance.models import AeoCertificate, Mra, MraChange, ReviewDecision, TrustEvaluation
from apps.compliance.services import certificates, reevaluation, reviews
from apps.core.models import AuditEvent
from apps.partners.access import Actor
from apps.partners.choices import MemberRole

pytestmark = pytest.mark.django_db

CERTIFICATES = "/admin/compliance/aeocertificate/"
MRAS = "/admin/compliance/mra/"


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def _management(prefix: str, initial: int = 0, total: int | None = None) -> dict[str, Any]:
    return {
        f"{prefix}-TOTAL_FORMS": str(initial if total is None else total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def _certificate_form(authority, holder, **fields: Any) -> dict[str, Any]:
    return {
        "authority": str(authority.pk),
        "holder": str(holder.pk),
        "number": "TW-AEO-0001",
        "certificate_type": "security and safety",
        "last_reviewed_on": "",
        "valid_from": "2024-01-01",
        "valid_until": "2028-12-31",
        **fields,
    }


def _certificate_change_form(certificate: AeoCertificate, **fields: Any) -> dict[str, Any]:
    """The change form's own fields and the read-only inlines' management forms."""
    return {
        "renew_valid_from": "",
        "renew_valid_until": "",
        "new_status": "",
        "status_effective_on": "",
        "status_reason": "",
        **_management("validity_periods", certificate.validity_periods.count()),
        **_management("status_changes", certificate.status_changes.count()),
        **fields,
    }


def _mra_form(*authorities, **fields: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "key": "tw-kr",
        "name": "Taiwan-Korea AEO MRA",
        "signed_on": "2013-12-23",
        "in_force_from": "2013-12-23",
        "in_force_until": "",
        "status": "in force",
        "direction_note": "",
        "notes": "",
        "reason": "",
        **_management("participants", 0, total=len(authorities)),
        **_management("history"),
    }
    for index, authority in enumerate(authorities):
        form.update(
            {
                f"participants-{index}-authority": str(authority.pk),
                f"participants-{index}-recognised_types": "",
                f"participants-{index}-grants_recognition": "on",
                f"participants-{index}-implemented_from": "",
            }
        )
    form.update(fields)
    return form


def _mra_change_form(mra: Mra, **fields: Any) -> dict[str, Any]:
    participants = list(mra.participants.order_by("authority__slug"))
    form = _mra_form(*(p.authority for p in participants), key=mra.key, name=mra.name)
    form.update(_management("participants", len(participants)))
    form.update(_management("history", mra.history.count()))
    for index, participant in enumerate(participants):
        form[f"participants-{index}-id"] = str(participant.pk)
        form[f"participants-{index}-mra"] = str(mra.pk)
    form.update(fields)
    return form


@pytest.fixture
def certificate(grant, tw_customs, alpha):
    return grant(tw_customs, alpha, "TW-AEO-0001")


@pytest.fixture
def tw_kr(arrange, tw_customs, kr_customs):
    return arrange("tw-kr", tw_customs, kr_customs)


@pytest.fixture
def decision(uma, us_customs, tw_us_consignment):
    return reviews.review_decision_create(
        actor=Actor(partner=us_customs, role=MemberRole.OPERATOR, user=uma),
        consignment_id=tw_us_consignment.pk,
        decision="hold",
        reason="Carrier unknown",
    )


# ------------------------------------------------------------------------------------------- browsing


@pytest.mark.parametrize(
    "path",
    [
        CERTIFICATES,
        f"{CERTIFICATES}add/",
        f"{CERTIFICATES}?status=valid",
        f"{CERTIFICATES}?q=alpha",
        MRAS,
        f"{MRAS}add/",
        "/admin/compliance/trustevaluation/",
        "/admin/compliance/reviewdecision/",
    ],
)
def test_superuser_opens_the_pages(admin_client, certificate, tw_kr, decision, path):
    assert admin_client.get(path).status_code == 200


def test_certificate_page_shows_periods_and_history(admin_client, certificate, tw_customs):
    certificates.certificate_status_set(
        actor=Actor(partner=tw_customs, role=MemberRole.OPERATOR),
        certificate=certificate,
        status="suspended",
        effective_on=date(2025, 3, 1),
        reason="Audit pending",
    )
    html = admin_client.get(f"{CERTIFICATES}{certificate.pk}/change/").content.decode()
    assert "TW-AEO-0001" in html
    assert "Audit pending" in html
    assert "2028" in html


def test_mra_page_shows_participants_and_history(admin_client, tw_kr):
    html = admin_client.get(f"{MRAS}{tw_kr.pk}/change/").content.decode()
    assert "created" in html
    assert html.count('name="participants-') > 4


def test_decision_page_is_read_only(admin_client, decision):
    path = f"/admin/compliance/reviewdecision/{decision.pk}/change/"
    html = admin_client.get(path).content.decode()
    assert "Carrier unknown" in html
    assert 'name="reason"' not in html
    assert admin_client.post(path, {"reason": "Rewritten"}).status_code == 403
    assert admin_client.get("/admin/compliance/reviewdecision/add/").status_code == 403
    assert (
        admin_client.post(f"/admin/compliance/reviewdecision/{decision.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    decision.refresh_from_db()
    assert decision.reason == "Carrier unknown"


def test_trust_evaluations_are_read_only(admin_client, tw_us_consignment, grant, tw_customs, alpha):
    reevaluation.trust_reevaluate_consignments(consignment_ids=[tw_us_consignment.pk], as_of=date(2025, 5, 1))
    evaluation = TrustEvaluation.objects.first()
    assert evaluation is not None
    path = f"/admin/compliance/trustevaluation/{evaluation.pk}/change/"
    assert admin_client.get(path).status_code == 200
    assert admin_client.post(path, {"status": "fully_trusted"}).status_code == 403
    assert admin_client.get("/admin/compliance/trustevaluation/add/").status_code == 403


@pytest.mark.parametrize("path", [CERTIFICATES, MRAS, "/admin/compliance/reviewdecision/"])
def test_members_cannot_open_the_admin(client, tina, path):
    client.force_login(tina)
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


# ---------------------------------------------------------------------------------------- certificates


def test_registering_a_certificate_goes_through_the_service(admin_client, superuser, tw_customs, alpha):
    response = admin_client.post(f"{CERTIFICATES}add/", _certificate_form(tw_customs, alpha))
    assert response.status_code == 302, response.content.decode()[:3000]
    certificate = AeoCertificate.objects.get()
    assert (certificate.number, certificate.authority, certificate.holder, certificate.status) == (
        "TW-AEO-0001",
        tw_customs,
        alpha,
        "valid",
    )
    assert list(certificate.validity_periods.values_list("valid_from", "valid_until")) == [
        (date(2024, 1, 1), date(2028, 12, 31))
    ]
    (change,) = certificate.status_changes.all()
    assert (change.status, change.reason, change.recorded_by) == ("valid", "granted", superuser)
    record = AuditEvent.objects.get(action="aeo_certificate.create")
    assert (record.actor_label, record.partner, record.object_id) == ("root", tw_customs, str(certificate.pk))


def test_until_before_from_in_the_admin_is_refused_with_a_message(admin_client, tw_customs, alpha):
    path = f"{CERTIFICATES}add/"
    response = admin_client.post(
        path, _certificate_form(tw_customs, alpha, valid_from="2025-01-01", valid_until="2024-12-31"), follow=True
    )
    assert _messages(response) == ["valid_until 2024-12-31 is before valid_from 2025-01-01."]
    assert not AeoCertificate.objects.exists()
    assert not AuditEvent.objects.exists()


def test_certificate_from_a_partner_that_is_not_customs_is_refused(admin_client, bravo, alpha):
    response = admin_client.post(f"{CERTIFICATES}add/", _certificate_form(bravo, alpha), follow=True)
    assert _messages(response) == [
        "'bravo' is not a customs authority; only customs authorities issue AEO certificates."
    ]
    assert not AeoCertificate.objects.exists()


def test_taken_number_is_refused(admin_client, certificate, tw_customs, bravo):
    response = admin_client.post(f"{CERTIFICATES}add/", _certificate_form(tw_customs, bravo))
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert AeoCertificate.objects.count() == 1


def test_renewing_in_the_admin(admin_client, certificate):
    path = f"{CERTIFICATES}{certificate.pk}/change/"
    form = _certificate_change_form(certificate, renew_valid_from="2029-01-01", renew_valid_until="2031-12-31")
    response = admin_client.post(path, form)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(certificate.validity_periods.values_list("valid_from", flat=True)) == [
        date(2024, 1, 1),
        date(2029, 1, 1),
    ]
    assert AuditEvent.objects.get(action="aeo_certificate.renew").actor_label == "root"


def test_overlapping_renewal_in_the_admin_is_refused(admin_client, certificate):
    path = f"{CERTIFICATES}{certificate.pk}/change/"
    form = _certificate_change_form(certificate, renew_valid_from="2028-01-01", renew_valid_until="2030-12-31")
    response = admin_client.post(path, form, follow=True)
    assert _messages(response) == [
        "Certificate TW-AEO-0001 is already valid 2024-01-01 to 2028-12-31; validity periods of one certificate "
        "may not overlap."
    ]
    assert certificate.validity_periods.count() == 1
    assert not AuditEvent.objects.filter(action="aeo_certificate.renew").exists()


def test_changing_the_status_in_the_admin(admin_client, certificate):
    path = f"{CERTIFICATES}{certificate.pk}/change/"
    form = _certificate_change_form(
        certificate, new_status="suspended", status_effective_on="2025-03-01", status_reason="Audit failed"
    )
    assert admin_client.post(path, form).status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == "suspended"
    assert certificate.status_changes.last().reason == "Audit failed"
    assert AuditEvent.objects.get(action="aeo_certificate.status").changes["status"] == ["valid", "suspended"]


def test_status_change_without_a_reason_is_a_form_error(admin_client, certificate):
    path = f"{CERTIFICATES}{certificate.pk}/change/"
    form = _certificate_change_form(certificate, new_status="revoked", status_effective_on="2025-03-01")
    response = admin_client.post(path, form)
    assert response.status_code == 200
    assert "A status change needs its date and reason." in response.content.decode()
    certificate.refresh_from_db()
    assert certificate.status == "valid"


def test_certificates_cannot_be_deleted(admin_client, certificate):
    assert admin_client.post(f"{CERTIFICATES}{certificate.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AeoCertificate.objects.filter(pk=certificate.pk).exists()


# ------------------------------------------------------------------------------------------------ MRAs


def test_recording_an_mra_goes_through_the_service(admin_client, tw_customs, kr_customs):
    response = admin_client.post(f"{MRAS}add/", _mra_form(tw_customs, kr_customs))
    assert response.status_code == 302, response.content.decode()[:3000]
    mra = Mra.objects.get()
    assert (mra.key, mra.status, mra.in_force_from) == ("tw-kr", "in force", date(2013, 12, 23))
    assert sorted(mra.participants.values_list("authority__slug", "recognised_types")) == [
        ("kr-customs", None),
        ("tw-customs", None),
    ]
    (entry,) = mra.history.all()
    assert entry.reason == "created"
    assert AuditEvent.objects.get(action="mra.create").actor_label == "root"


def test_recognised_types_are_a_list(admin_client, tw_customs, kr_customs):
    form = _mra_form(tw_customs, kr_customs, **{"participants-1-recognised_types": '["AAA"]'})
    assert admin_client.post(f"{MRAS}add/", form).status_code == 302
    assert Mra.objects.get().participants.get(authority=kr_customs).recognised_types == ["AAA"]
    bad = _mra_form(tw_customs, kr_customs, key="other", **{"participants-0-recognised_types": '"all"'})
    response = admin_client.post(f"{MRAS}add/", bad)
    assert response.status_code == 200
    assert "A list of certificate types" in response.content.decode()
    assert Mra.objects.count() == 1


def test_mra_with_fewer_than_two_authorities_is_refused(admin_client, tw_customs):
    response = admin_client.post(f"{MRAS}add/", _mra_form(tw_customs), follow=True)
    assert _messages(response) == ["An MRA needs at least two distinct customs authorities."]
    assert not Mra.objects.exists()
    assert not MraChange.objects.exists()
    assert not AuditEvent.objects.exists()


def test_mra_participant_that_is_not_customs_is_refused(admin_client, tw_customs, alpha):
    response = admin_client.post(f"{MRAS}add/", _mra_form(tw_customs, alpha), follow=True)
    assert _messages(response) == ["'alpha' is not a customs authority."]
    assert not Mra.objects.exists()


def test_mra_until_before_from_is_a_form_error(admin_client, tw_customs, kr_customs):
    form = _mra_form(tw_customs, kr_customs, in_force_until="2013-01-01")
    response = admin_client.post(f"{MRAS}add/", form)
    assert response.status_code == 200
    assert "in_force_until 2013-01-01 is before in_force_from 2013-12-23." in response.content.decode()
    assert not Mra.objects.exists()


def test_changing_an_mra_keeps_the_reason_in_its_history(admin_client, tw_kr):
    form = _mra_change_form(tw_kr, status="ended", in_force_until="2025-12-31", reason="Terminated")
    response = admin_client.post(f"{MRAS}{tw_kr.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    tw_kr.refresh_from_db()
    assert (tw_kr.status, tw_kr.in_force_until) == ("ended", date(2025, 12, 31))
    assert list(tw_kr.history.values_list("reason", flat=True)) == ["created", "Terminated"]
    assert AuditEvent.objects.get(action="mra.update").actor_label == "root"


def test_removing_a_participant_below_two_is_refused(admin_client, tw_kr):
    form = _mra_change_form(tw_kr, reason="Korea leaves", **{"participants-0-DELETE": "on"})
    response = admin_client.post(f"{MRAS}{tw_kr.pk}/change/", form, follow=True)
    assert _messages(response) == ["An MRA needs at least two distinct customs authorities."]
    assert tw_kr.participants.count() == 2
    assert tw_kr.history.count() == 1


def test_changing_an_mra_needs_a_reason(admin_client, tw_kr):
    response = admin_client.post(f"{MRAS}{tw_kr.pk}/change/", _mra_change_form(tw_kr, status="ended"))
    assert response.status_code == 200
    assert "Say why the arrangement changes" in response.content.decode()
    tw_kr.refresh_from_db()
    assert tw_kr.status == "in force"


def test_mras_cannot_be_deleted(admin_client, tw_kr):
    assert admin_client.post(f"{MRAS}{tw_kr.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Mra.objects.filter(pk=tw_kr.pk).exists()


def test_review_decisions_stay_as_decided(decision):
    assert ReviewDecision.objects.get(pk=decision.pk).evaluation["deciding_authority"] == "us-cbp"
