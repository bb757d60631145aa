"""/api/v1/notices/: staff enter, edit, end and import notices (JSON and CSV); partners read the ones that reached
them; bad input names the field (and the CSV line) and stores nothing; a partner that is not staff is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.corridors.notices.models import Notice
from apps.disruptions.models import Alert
from tests.corridors.conftest import T0
from tests.helpers import assert_problem, audit_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/notices/"
IMPORT = "/api/v1/notices/import/"
DAY = timedelta(days=1)


def _body(**changes):
    return {
        "kind": "weather",
        "title": "Typhoon warning",
        "place": "KRPUS",
        "starts_at": (T0 + 2 * DAY).isoformat(),
        "ends_at": (T0 + 5 * DAY).isoformat(),
        "source": "Korea Meteorological Administration",
        **changes,
    }


@pytest.fixture
def created(client_for, staff, corridor, shipment, django_capture_on_commit_callbacks):
    shipment("PO-1", T0)
    # The propagation task runs on commit (eagerly in tests), judged now: after T0, so the plan's times
    # count as "now" and the consignment, still to leave Busan, is touched while the window is open.
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(staff).post(URL, _body(ends_at=None), format="json")
    assert response.status_code == 201, response.content
    return response


def test_staff_enter_a_notice_audited_and_propagated_on_commit(created):
    body = created.json()
    notice = Notice.objects.get(pk=body["id"])
    assert (body["kind"], body["place"], body["origin"], body["created_by"]) == ("weather", "KRPUS", "api", "staff")
    assert audit_for(created, "notice.create").object_id == str(notice.pk)
    assert notice.propagation_due_at is None
    assert notice.reach["consignments"] == 1
    assert sorted(
        Alert.objects.filter(rule=notice.key, subject_type="consignment").values_list("partner__slug", flat=True)
    ) == [
        "alpha",
        "bravo",
    ]


def test_a_partner_that_is_not_staff_is_refused_and_nothing_is_stored(
    client_for, alice, charlie, token_for, bearer, alpha
):
    for client in (client_for(alice), client_for(charlie), bearer(token_for(alpha))):
        assert_problem(client.post(URL, _body(), format="json"), 403, problem="permission-denied")
        csv = "kind,title,place,starts_at,source\nweather,Storm,KRPUS,2026-06-01T00:00Z,KMA\n"
        assert_problem(client.post(IMPORT, {"file": _file(csv)}, format="multipart"), 403)
    assert not Notice.objects.exists()


def test_partners_read_the_notices_that_reached_them_and_others_do_not(created, client_for, bob, charlie, dave):
    notice_id = created.json()["id"]
    for user in (bob, charlie):
        assert [row["id"] for row in client_for(user).get(URL).json()["results"]] == [notice_id]
        assert client_for(user).get(f"{URL}{notice_id}/").status_code == 200
    assert client_for(dave).get(URL).json()["results"] == []
    assert_problem(client_for(dave).get(f"{URL}{notice_id}/"), 404)
    assert_problem(client_for(charlie).patch(f"{URL}{notice_id}/", {"title": "x"}, format="json"), 403)
    assert_problem(client_for(charlie).post(f"{URL}{notice_id}/end/", {}, format="json"), 403)


def test_their_alerts_filter_by_the_notice(created, client_for, bob):
    key = created.json()["key"]
    rows = client_for(bob).get("/api/v1/alerts/", {"kind": "notice", "rule": key}).json()["results"]
    assert {row["subject_type"] for row in rows} == {"consignment", "corridor"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"place": "TWXXX"}, "place"),  # well formed, but no port or location known by that code
        ({"place": "not a code"}, "place"),
        ({"place": "", "voyage": ""}, "place"),
        ({"voyage": "9412347/999W"}, "voyage"),
        ({"voyage": "12/042E"}, "voyage"),
        ({"ends_at": (T0 + DAY).isoformat()}, "ends_at"),  # before it starts
        ({"starts_at": "tomorrow"}, "starts_at"),
        ({"starts_at": "2026-06-01T00:00:00"}, "starts_at"),  # no time zone
        ({"kind": "meteor"}, "kind"),
        ({"title": ""}, "title"),
        ({"source": None}, "source"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(client_for, staff, changes, field):
    response = client_for(staff).post(URL, _body(**changes), format="json")
    assert_problem(response, 400, field=field)
    assert not Notice.objects.exists()


def _file(text: str):
    return SimpleUploadedFile("notices.csv", text.encode("utf-8"), content_type="text/csv")


CSV = (
    "kind,title,place,voyage,starts_at,ends_at,source,description\n"
    "weather,Typhoon Koinu,TWKHH,,2026-06-01T00:00Z,2026-06-03T00:00Z,Central Weather Administration,Port closed\n"
    'strike,"Dock strike, day shifts",KRPUS,,2026-06-02T00:00+09:00,,Busan Port Authority,\n'
)


def test_staff_import_a_csv_all_audited(client_for, staff, corridor):
    response = client_for(staff).post(IMPORT, {"file": _file(CSV)}, format="multipart")
    assert response.status_code == 201, response.content
    rows = response.json()
    assert [(row["kind"], row["place"], row["title"], row["origin"]) for row in rows] == [
        ("weather", "TWKHH", "Typhoon Koinu", "csv"),
        ("strike", "KRPUS", "Dock strike, day shifts", "csv"),
    ]
    assert rows[1]["ends_at"] is None
    assert Notice.objects.count() == 2


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (CSV + "weather,Fog,TWXXX,,2026-06-01T00:00Z,,CWA,\n", "file.4.place"),
        (CSV + "weather,Fog,TWKHH,,2026-06-05T00:00Z,2026-06-01T00:00Z,CWA,\n", "file.4.ends_at"),
        (CSV + "weather,Fog,,9412347/999W,2026-06-01T00:00Z,,CWA,\n", "file.4.voyage"),
        (CSV + "weather,Fog,TWKHH\n", "file.4"),  # too few cells
        (CSV + 'weather,"Fog,TWKHH\n', "file.4"),  # an unclosed quote
        ("kind,title,place,starts_at,source,colour\n", "file.1.colour"),
        ("kind,title,place,source\n", "file.1.starts_at"),
        ("", "file"),
        ("kind,title,place,starts_at,source\n", "file"),  # a header and no notice
    ],
)
def test_a_bad_csv_row_is_named_by_line_and_column_and_nothing_is_stored(client_for, staff, text, field):
    response = client_for(staff).post(IMPORT, {"file": _file(text)}, format="multipart")
    assert_problem(response, 400, field=field)
    assert not Notice.objects.exists()


def test_a_json_import_is_all_or_nothing(client_for, staff):
    good = _body()
    bad = _body(place="TWXXX")
    response = client_for(staff).post(IMPORT, {"notices": [good, bad]}, format="json")
    assert_problem(response, 400, field="notices.1.place")
    assert not Notice.objects.exists()
    response = client_for(staff).post(IMPORT, {"notices": [good, _body(title="Second")]}, format="json")
    assert response.status_code == 201, response.content
    assert Notice.objects.count() == 2


def test_staff_edit_and_end_a_notice_and_its_alerts_follow(
    created, client_for, staff, django_capture_on_commit_callbacks
):
    notice_id, key = created.json()["id"], created.json()["key"]
    assert Alert.objects.open().filter(rule=key).exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(staff).patch(f"{URL}{notice_id}/", {"title": "Typhoon Koinu"}, format="json")
    assert response.status_code == 200, response.content
    assert audit_for(response, "notice.update").changes["title"] == {
        "before": "Typhoon warning",
        "after": "Typhoon Koinu",
    }
    assert set(Alert.objects.open().filter(rule=key).values_list("title", flat=True)) >= {
        "Weather at Pusan (KRPUS): Typhoon Koinu"
    }

    bad = client_for(staff).patch(f"{URL}{notice_id}/", {"ends_at": (T0 - DAY).isoformat()}, format="json")
    assert_problem(bad, 400, field="ends_at")

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(staff).post(f"{URL}{notice_id}/end/", {}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["ended_at"] is not None
    assert not Alert.objects.open().filter(rule=key).exists()
    assert Alert.objects.filter(rule=key, state="resolved").count() == 4
