"""/audit/: the audit log for a partner's admins and staff, filtered with the API's FilterSet, paged, CSV."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from apps.core.models import AuditEvent
from apps.core.services import audit_record
from apps.core.words import Text
from apps.credentials.services.keys import partner_key_ensure, partner_key_rotate
from apps.disruptions.choices import AlertKind, AlertSubject
from apps.disruptions.services import alert_raise
from apps.partners.access import command_label, system_actor
from apps.partners.models import Membership
from apps.partners.services import partner_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(alpha, bravo):
    actor = system_actor("tests")
    partner_update(actor=actor, partner=alpha, name="Alpha Exports Ltd")
    partner_update(actor=actor, partner=bravo, name="Bravo Lines Ltd")


def test_an_admin_reads_only_its_partners_records(client, alice, records):
    client.force_login(alice)
    page = client.get("/audit/").content.decode()
    assert "Alpha Exports Ltd" in page
    assert "Bravo Lines Ltd" not in page


def test_the_filter_is_the_apis_filterset(client, staff, records):
    client.force_login(staff)
    page = client.get("/audit/", {"action_prefix": "partner.update"}).content.decode()
    assert "Bravo Lines Ltd" in page
    assert "Nothing recorded that matches" in client.get("/audit/", {"action_prefix": "nope."}).content.decode()


def test_the_log_downloads_as_csv_with_the_filter_applied(client, staff, records):
    client.force_login(staff)
    response = client.get("/audit/", {"action_prefix": "partner.update", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].endswith('.csv"')
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {row["partner"] for row in rows} == {"alpha", "bravo"}
    assert all(row["action"] == "partner.update" for row in rows)


def test_the_log_is_paged(client, staff, alpha):
    actor = system_actor("tests")
    for n in range(55):
        partner_update(actor=actor, partner=alpha, name=f"Alpha {n}")
    client.force_login(staff)
    first = client.get("/audit/").content.decode()
    assert AuditEvent.objects.count() > 50
    assert "Page 1" in first
    assert 'rel="next"' in first


def test_viewers_and_operators_are_refused(client, olga):
    client.force_login(olga)
    assert client.get("/audit/").status_code == 403


def test_the_log_pages_without_counting_it(client, alice, alpha):
    actor = system_actor("tests")
    for i in range(51):
        partner_update(actor=actor, partner=alpha, name=f"Alpha {i:02d}")
    client.force_login(alice)
    first = client.get("/audit/").content.decode()
    assert 'rel="next"' in first
    assert 'rel="prev"' not in first
    assert "Page 1" in first
    second = client.get("/audit/", {"page": "2"}).content.decode()
    assert 'rel="prev"' in second
    assert 'rel="next"' not in second
    assert second.count("partner.update") == 1
    assert 'rel="next"' in client.get("/audit/", {"page": "nonsense"}).content.decode(), "a bad number is page 1"
    with CaptureQueriesContext(connection) as queries:
        client.get("/audit/")
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"]]


@pytest.fixture
def worded(alpha):
    """Records the platform wrote in words: a command's update, an alert raised, a batch described by count."""
    partner_update(actor=system_actor(command_label("demo_corridor")), partner=alpha, name="Alpha Exports Ltd")
    alert_raise(
        partner=alpha,
        kind=AlertKind.AEO_EXPIRED,
        title=Text("AEO certificate %(number)s expired on %(date)s", number="TW-0005", date="2025-09-01"),
        subject_type=AlertSubject.CERTIFICATE,
        subject_id="c-5",
    )
    audit_record(
        actor=system_actor(Text("alerts sync")),
        action="alert.sync",
        partner=alpha,
        object_type="disruptions.alert",
        object_id="a-1",
        object_repr=Text("%(raised)s alerts raised, %(resolved)s resolved", raised=3, resolved=1),
    )


@pytest.mark.parametrize(
    ("language", "said"),
    [
        (
            "zh-TW",
            [
                "管理指令 manage.py demo_corridor",
                "警示 aeo_expired",
                "aeo_expired：AEO 證書 TW-0005 已於 2025-09-01 到期",  # noqa: RUF001 (the page's own punctuation)
                "警示同步",
                "發出 3 則警示，解決 1 則",  # noqa: RUF001
            ],
        ),
        (
            "ko",
            [
                "관리 명령 manage.py demo_corridor",
                "경보 aeo_expired",
                "aeo_expired: AEO 인증서 TW-0005이(가) 2025-09-01에 만료되었습니다",
                "경보 동기화",
                "경보 3건 발생, 1건 해결",
            ],
        ),
    ],
)
def test_the_page_says_the_platforms_words_in_the_readers_language(client, alice, worded, language, said):
    client.force_login(alice)
    page = client.get("/audit/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    for words in said:
        assert words in page
    assert "alerts sync" not in page
    assert "alert(s)" not in page
    assert "Alpha Exports Ltd" in page, "a name stays as it was written"


def test_the_record_and_the_csv_keep_the_english(client, staff, worded):
    records = {record.action: record for record in AuditEvent.objects.all()}
    assert (records["partner.update"].actor_label, records["alert.raise"].actor_label) == (
        "manage.py demo_corridor",
        "alert aeo_expired",
    )
    assert records["alert.raise"].object_repr == "aeo_expired: AEO certificate TW-0005 expired on 2025-09-01"
    assert records["alert.sync"].object_repr == "3 alerts raised, 1 resolved"
    client.force_login(staff)
    response = client.get("/audit/", {"format": "csv"}, HTTP_ACCEPT_LANGUAGE="zh-TW")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {(row["actor_label"], row["object_repr"]) for row in rows} == {
        ("manage.py demo_corridor", "Alpha Exports Ltd"),
        ("alert aeo_expired", "aeo_expired: AEO certificate TW-0005 expired on 2025-09-01"),
        ("alerts sync", "3 alerts raised, 1 resolved"),
    }


def test_a_record_without_words_reads_as_written(client, alice, alpha):
    for n, wording in enumerate(({}, {"object": {"template": "%(gone)s", "args": {"other": 1}}})):
        # An older record (no words kept), and one whose template no longer fits its arguments.
        record = audit_record(
            actor=system_actor("tests"),
            action="x.y",
            partner=alpha,
            object_type="t",
            object_id=str(n),
            object_repr=f"as it was written {n}",
        )
        AuditEvent.objects.filter(pk=record.pk).update(wording=wording)
    client.force_login(alice)
    page = client.get("/audit/", HTTP_ACCEPT_LANGUAGE="zh-TW").content.decode()
    assert "as it was written 0" in page
    assert "as it was written 1" in page
    assert ">tests<" in page


def test_the_home_page_says_them_too(client, alice, worded):
    client.force_login(alice)
    page = client.get("/partner/", HTTP_ACCEPT_LANGUAGE="zh-TW").content.decode()
    assert "警示同步" in page
    assert "發出 3 則警示，解決 1 則" in page  # noqa: RUF001


def test_the_page_reads_a_fixed_number_of_queries(client, alice, alpha, worded):
    client.force_login(alice)
    with CaptureQueriesContext(connection) as few:
        client.get("/audit/", HTTP_ACCEPT_LANGUAGE="ko")
    for n in range(10):
        alert_raise(
            partner=alpha,
            kind=AlertKind.AEO_EXPIRED,
            title=Text("AEO certificate %(number)s expired on %(date)s", number=f"TW-1{n}", date="2025-09-01"),
            subject_type=AlertSubject.CERTIFICATE,
            subject_id=f"c-1{n}",
        )
    with CaptureQueriesContext(connection) as many:
        client.get("/audit/", HTTP_ACCEPT_LANGUAGE="ko")
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", "bob — Viewer of Alpha Exports"),
        ("zh-TW", "bob — Alpha Exports 的檢視者"),
        ("ko", "bob — Alpha Exports의 열람자"),
    ],
)
def test_a_membership_is_described_with_its_role_in_the_readers_language(client, alice, alpha, bob, language, said):
    # The role is the label's English whatever the language the record was written in.
    membership = Membership.objects.get(user=bob)
    with translation.override("ko"):
        record = audit_record(actor=system_actor("tests"), action="membership.add", target=membership, partner=alpha)
    assert record.object_repr == "bob — Viewer of Alpha Exports"
    client.force_login(alice)
    assert said in client.get("/audit/", HTTP_ACCEPT_LANGUAGE=language).content.decode()


def test_a_signing_keys_record_reads_in_the_pages_language(client, alice, alpha, compiled_catalogues):
    partner_key_ensure(partner=alpha)
    rotated = partner_key_rotate(actor=system_actor("tests"), partner=alpha)
    written = AuditEvent.objects.get(partner=alpha, object_id=str(rotated.pk))
    assert written.object_repr == f"alpha#{rotated.key_id} (current)", "the stored English"
    client.force_login(alice)
    assert f"alpha#{rotated.key_id}（目前）" in client.get("/audit/", HTTP_ACCEPT_LANGUAGE="zh-TW").content.decode()  # noqa: RUF001
    assert f"alpha#{rotated.key_id} (현재)" in client.get("/audit/", HTTP_ACCEPT_LANGUAGE="ko").content.decode()
