"""Recording an event for a consignment, uploading an EPCIS or DCSA file, and the capture job's page."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.shipments.models import CaptureJob, Event, Leg
from tests.shipments.epcis.test_rest import document, object_event

pytestmark = pytest.mark.django_db


def _record_url(consignment) -> str:
    return f"/consignments/{consignment.pk}/record/"


GOOD = {
    "step": "TRANSPORT:DEPA",
    "event_time": "2026-03-01T10:00",
    "location": "twkhh",
    "equipment": "",
    "voyage_number": "042W",
    "vessel_imo": "",
    "event_id": "",
}


def test_an_operator_records_an_event_read_in_the_places_local_time(browser, olga, consignment):
    response = browser(olga).post(_record_url(consignment), GOOD)
    assert response.status_code == 302, response.content.decode()
    event = Event.objects.get()
    assert (event.event_code, event.location, event.recorder.slug) == ("DEPA", "TWKHH", "alpha")
    assert event.event_time == datetime(2026, 3, 1, 2, 0, tzinfo=UTC)  # 10:00 in Kaohsiung
    assert event.event_time_zone_offset == "+08:00"
    assert event.links.get().consignment_id == consignment.pk
    assert Leg.objects.get(consignment=consignment).actual_departure == event.event_time
    page = browser(olga).get(response["Location"].split("#")[0]).content.decode()
    assert f'id="event-{event.pk}"' in page


def test_a_goods_step_is_recorded_as_an_epcis_object_event(browser, olga, consignment):
    browser(olga).post(_record_url(consignment), {**GOOD, "step": "ObjectEvent:receiving", "equipment": "msku1234565"})
    event = Event.objects.get()
    assert (event.event_type, event.biz_step, event.action, event.equipment) == (
        "ObjectEvent",
        "receiving",
        "OBSERVE",
        ["MSKU1234565"],
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("location", "XXQQQ1", "UN/LOCODE"),
        ("equipment", "MSKU1234560", "ISO 6346"),
        ("vessel_imo", "1234568", "IMO"),
        ("event_time", "yesterday", "valid date"),
        ("step", "TRANSPORT:FLY", "valid choice"),
    ],
)
def test_bad_input_names_the_field_and_keeps_what_was_typed(browser, olga, consignment, field, value, message):
    response = browser(olga).post(_record_url(consignment), {**GOOD, field: value, "voyage_number": "042W-typed"})
    assert response.status_code == 400
    html = response.content.decode()
    error = html[html.index(f'id="id_{field}-error"') :][:400]
    assert message in error
    assert 'value="042W-typed"' in html
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("location", "XXQQQ1", "「XXQQQ1」不是 UN/LOCODE"),
        ("equipment", "MSKU1234560", "號碼的檢查碼不正確。"),
        ("vessel_imo", "1234568", "不是有效的 IMO 船舶號碼"),
    ],
)
def test_field_errors_speak_the_pages_language(browser, olga, consignment, compiled_catalogues, field, value, message):
    response = browser(olga).post(_record_url(consignment), {**GOOD, field: value}, HTTP_ACCEPT_LANGUAGE="zh-Hant")
    html = response.content.decode()
    error = html[html.index(f'id="id_{field}-error"') :][:400]
    assert message in error
    assert "not a" not in error


def test_the_same_event_id_with_other_content_is_refused_at_that_field(browser, olga, consignment):
    client = browser(olga)
    client.post(_record_url(consignment), {**GOOD, "event_id": "dep-1"})
    response = client.post(_record_url(consignment), {**GOOD, "event_id": "dep-1", "location": "KRPUS"})
    assert response.status_code == 409
    assert 'id="id_event_id-error"' in response.content.decode()


def test_a_viewer_sees_no_form_and_cannot_post_it(browser, bob, consignment):
    html = browser(bob).get(_record_url(consignment)).content.decode()
    assert "needs the operator role" in html
    assert browser(bob).post(_record_url(consignment), GOOD).status_code == 403
    assert not Event.objects.exists()


def test_an_outsider_cannot_post_to_anothers_consignment(browser, dave, consignment):
    assert browser(dave).post(_record_url(consignment), GOOD).status_code == 404


# --- upload -------------------------------------------------------------------------------------------


def _file(body, name="events.json") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, json.dumps(body).encode(), content_type="application/json")


def test_an_epcis_upload_starts_a_capture_job_whose_page_shows_its_outcome(
    browser, olga, django_capture_on_commit_callbacks
):
    client = browser(olga)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/events/upload/",
            {"format": "epcis", "error_behaviour": "rollback", "file": _file(document(object_event(1)))},
        )
    assert response.status_code == 302
    job = CaptureJob.objects.get()
    assert response["Location"] == f"/events/upload/{job.pk}/"
    html = client.get(response["Location"]).content.decode()
    assert "Success" in html
    assert "1 / 1" in html


def test_a_capture_jobs_errors_show_by_event_and_path(browser, olga, django_capture_on_commit_callbacks):
    client = browser(olga)
    bad = object_event(2, eventTime="not a time")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/events/upload/",
            {"format": "epcis", "error_behaviour": "proceed", "file": _file(document(object_event(1), bad))},
        )
    html = client.get(response["Location"]).content.decode()
    assert "Failed" in html
    assert "<code>eventTime</code>" in html


# Said in English by the API, whatever the reader's language: the same JSON before and after this page spoke theirs.
BAD_EVENTS_IN_ENGLISH = [
    {
        "type": "epcisException:ValidationException",
        "title": "Invalid event",
        "status": 400,
        "detail": "event 1: eventTime: 'not a time' is not a 'date-time'",
        "eventIndex": 1,
        "eventID": object_event(2)["eventID"],
        "pointer": "eventTime",
    },
    {
        "type": "epcisException:ValidationException",
        "title": "Invalid event",
        "status": 400,
        "detail": "event 2: type: 'WeirdEvent' is not an event type Corridor records; expected one of ObjectEvent, "
        "AggregationEvent, TransactionEvent, TransformationEvent, AssociationEvent",
        "eventIndex": 2,
        "eventID": object_event(3)["eventID"],
        "pointer": "type",
    },
]


@pytest.mark.parametrize(
    ("language", "said"),
    [
        (
            "zh-TW",
            [
                # jsonschema's own message stays as the library wrote it, in a translated frame.
                "事件 1：eventTime：不符合結構描述（schema）：&#x27;not a time&#x27; is not a &#x27;date-time&#x27;",  # noqa: RUF001 (the page's own punctuation)
                "事件 2：type：「WeirdEvent」不是 Corridor 記錄的事件類型；應為下列之一：ObjectEvent",  # noqa: RUF001
            ],
        ),
        (
            "ko",
            [
                "이벤트 1: eventTime: 스키마와 맞지 않습니다: &#x27;not a time&#x27; is not a &#x27;date-time&#x27;",
                "이벤트 2: type: &#x27;WeirdEvent&#x27;은(는) Corridor가 기록하는 이벤트 유형이 아닙니다.",
            ],
        ),
    ],
)
def test_a_capture_jobs_errors_speak_the_pages_language_and_the_api_still_english(
    browser, olga, compiled_catalogues, django_capture_on_commit_callbacks, language, said
):
    client = browser(olga)
    doc = document(object_event(1), object_event(2, eventTime="not a time"), object_event(3, type="WeirdEvent"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/events/upload/",
            {"format": "epcis", "error_behaviour": "proceed", "file": _file(doc)},
            HTTP_ACCEPT_LANGUAGE=language,
        )
    html = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE=language).content.decode()
    for words in said:
        assert words in html
    assert "is not an event type" not in html
    job = CaptureJob.objects.get()
    api = client.get(f"/epcis/capture/{job.pk}", HTTP_ACCEPT_LANGUAGE=language)
    assert api.json()["errors"] == BAD_EVENTS_IN_ENGLISH


def test_a_job_stored_before_its_words_were_kept_shows_its_errors_as_stored(browser, olga, compiled_catalogues):
    client = browser(olga)
    client.post("/events/upload/", {"format": "epcis", "error_behaviour": "rollback", "file": _file(document())})
    job = CaptureJob.objects.get()
    CaptureJob.objects.filter(pk=job.pk).update(state="failed", errors=BAD_EVENTS_IN_ENGLISH[:1], error_words=[])
    html = client.get(f"/events/upload/{job.pk}/", HTTP_ACCEPT_LANGUAGE="zh-TW").content.decode()
    assert "event 1: eventTime: &#x27;not a time&#x27; is not a &#x27;date-time&#x27;" in html


def test_a_documents_own_problem_speaks_the_pages_language(
    browser, olga, compiled_catalogues, django_capture_on_commit_callbacks
):
    client = browser(olga)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/events/upload/",
            {"format": "epcis", "error_behaviour": "rollback", "file": _file({**document(), "type": "Nonsense"})},
            HTTP_ACCEPT_LANGUAGE="zh-TW",
        )
    html = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="zh-TW").content.decode()
    assert "文件：type：必須是 EPCISDocument 或 EPCISQueryDocument" in html  # noqa: RUF001
    job = CaptureJob.objects.get()
    assert client.get(f"/epcis/capture/{job.pk}").json()["errors"][0]["detail"] == (
        "document: type: must be EPCISDocument or EPCISQueryDocument"
    )


def test_a_document_refused_at_once_is_refused_in_the_pages_language(browser, olga, compiled_catalogues):
    response = browser(olga).post(
        "/events/upload/",
        {"format": "epcis", "error_behaviour": "rollback", "file": _file([document()])},
        HTTP_ACCEPT_LANGUAGE="zh-TW",
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "此 EPCIS 文件必須是 JSON 物件。" in html[html.index('id="id_file-error"') :][:400]
    assert not CaptureJob.objects.exists()


def test_a_running_job_is_polled(browser, olga):
    client = browser(olga)
    client.post("/events/upload/", {"format": "epcis", "error_behaviour": "rollback", "file": _file(document())})
    job = CaptureJob.objects.get()
    html = client.get(f"/events/upload/{job.pk}/").content.decode()
    assert "data-running" in html
    assert "capture-job.js" in html


def test_another_partners_capture_job_is_404(browser, olga, charlie):
    browser(olga).post("/events/upload/", {"format": "epcis", "error_behaviour": "rollback", "file": _file(document())})
    job = CaptureJob.objects.get()
    assert browser(charlie).get(f"/events/upload/{job.pk}/").status_code == 404


def test_a_dcsa_list_is_recorded_at_once(browser, charlie, consignment):
    event = {
        "eventID": "3cecb101-7a1a-43a4-9d62-e88a131651e2",
        "eventCreatedDateTime": "2026-03-01T02:05:00Z",
        "eventType": "TRANSPORT",
        "eventClassifierCode": "ACT",
        "eventDateTime": "2026-03-01T02:00:00Z",
        "transportEventTypeCode": "DEPA",
        "transportCall": {
            "transportCallID": "8b78219e-d049-4c68-8d9e-f40bf9a85140",
            "carrierServiceCode": "TPX",
            "exportVoyageNumber": "042W",
            "transportCallSequenceNumber": 1,
            "UNLocationCode": "TWKHH",
            "facilityTypeCode": "POTE",
            "modeOfTransport": "VESSEL",
            "vessel": {"vesselIMONumber": "9074729", "vesselName": "Bravo Star"},
        },
        "documentReferences": [{"documentReferenceType": "TRD", "documentReferenceValue": "BL-KHH-0001"}],
    }
    response = browser(charlie).post("/events/upload/", {"format": "dcsa-2.2", "file": _file([event])})
    assert response.status_code == 201, response.content.decode()
    assert "1 of 1 events recorded" in response.content.decode()
    assert Event.objects.get().links.get().consignment_id == consignment.pk


def test_a_bad_dcsa_list_names_each_event_and_field_and_records_nothing(browser, charlie):
    response = browser(charlie).post("/events/upload/", {"format": "dcsa-2.2", "file": _file([{"eventType": "X"}])})
    assert response.status_code == 400
    assert "[0]." in response.content.decode()
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    ("language", "said"),
    [("zh-TW", '<code>[0].eventID</code></td><td data-label="問題">為必填'), ("ko", "필수 항목입니다")],
)
def test_a_bad_dcsa_lists_problems_speak_the_pages_language(browser, charlie, compiled_catalogues, language, said):
    response = browser(charlie).post(
        "/events/upload/", {"format": "dcsa-2.2", "file": _file([{"eventType": "X"}])}, HTTP_ACCEPT_LANGUAGE=language
    )
    html = response.content.decode()
    assert said in html
    assert "is required" not in html


def test_a_file_that_is_not_json_is_refused_at_the_file_field(browser, olga):
    upload = SimpleUploadedFile("x.json", b"{not json", content_type="application/json")
    response = browser(olga).post("/events/upload/", {"format": "dcsa-3.0", "file": upload})
    assert response.status_code == 400
    assert 'id="id_file-error"' in response.content.decode()


def test_a_viewer_cannot_upload(browser, bob):
    response = browser(bob).post("/events/upload/", {"format": "epcis", "file": _file(document())})
    assert response.status_code == 403
    assert not CaptureJob.objects.exists()
