"""The demo's alerts in the reader's language: every title, summary and evidence line the watch and the notices
word is said in zh-Hant and Korean on the pages, while the API keeps the English it always sent."""

import html
import io
import re

import pytest
from django.core.management import call_command

from apps.corridors.notices.models import Notice
from apps.disruptions.models import Alert

pytestmark = pytest.mark.django_db

# Three lowercase English words in a row: a sentence a person would have to read in English.
ENGLISH = re.compile(r"\b[a-z][a-z']+(?:[ ,]+[a-z][a-z']+){2,}\b")
CODES = re.compile(r"\b(sea|air|road|rail|history|schedule|distance)\b")
_SKIP = re.compile(r"<(script|style|code|pre|textarea)\b.*?</\1>", re.S)


def _english_left(page: str, own_words: list[str]) -> list[str]:
    """Runs of English in the page's text, and codes a summary names (a mode, a baseline's source), once the
    notices' own words (their title, their source) are set aside."""
    text = html.unescape(re.sub(r"<[^>]*>", "\n", _SKIP.sub(" ", page)))
    for words in own_words:
        text = text.replace(words, " ")
    return sorted({line.strip() for line in text.splitlines() if ENGLISH.search(line) or CODES.search(line)})


@pytest.fixture
def demo(client, compiled_catalogues):
    call_command("demo_corridor", stdout=io.StringIO())
    return [words for notice in Notice.objects.all() for words in (notice.title, notice.source)]


@pytest.mark.parametrize(("accept", "sample"), [("zh-TW", "逾時未抵達"), ("ko-KR", "도착 지연")])
@pytest.mark.parametrize("username", ["consignee-operator", "customs-us-operator", "forwarder-admin"])
def test_the_demo_alerts_speak_the_readers_language(client, demo, username, accept, sample):
    client.login(username=username, password="corridor-demo")
    alerts = Alert.objects.filter(partner__memberships__user__username=username).select_related("consignment")
    assert {"overdue", "silence", "dwell", "inconsistent", "notice"} & {a.kind for a in alerts}
    pages = ["/alerts/", "/alerts/?state=open&page=2", "/corridors/demo-twkhh-krpus-uslax/"]
    pages += [f"/consignments/{a.consignment_id}/" for a in alerts if a.consignment_id][:3]
    left = {}
    seen_sample = False
    for url in pages:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=accept)
        assert response.status_code in (200, 404), url
        page = response.content.decode()
        seen_sample |= sample in page
        if found := _english_left(page, demo):
            left[url] = found
    assert seen_sample
    assert not left, left


def test_the_api_and_the_stored_alert_keep_the_english(client, demo):
    client.login(username="consignee-operator", password="corridor-demo")
    late = Alert.objects.filter(kind="overdue", partner__slug="demo-sierra-home").select_related("consignment").first()
    assert late.title == f"{late.consignment.reference} is overdue at USLAX"
    assert late.evidence["summary"].startswith("No arrival event at USLAX: planned to arrive at USLAX on ")
    assert late.wording["title"] == {
        "template": "%(reference)s is overdue at %(destination)s",
        "args": {"reference": late.consignment.reference, "destination": "USLAX"},
    }
    answer = client.get(f"/api/v1/alerts/{late.pk}/", HTTP_ACCEPT_LANGUAGE="zh-TW").json()
    assert answer["title"] == late.title
    assert answer["evidence"]["summary"] == late.evidence["summary"]
    assert "wording" not in answer
