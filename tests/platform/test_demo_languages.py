"""The demo's alerts in the reader's language: every title, summary and evidence line the watch and the notices
word is said in zh-Hant and Korean on the pages, while the API keeps the English it always sent."""

import html
import io
import re
from collections import Counter

import pytest
from django.core.management import call_command

from apps.compliance.models import Mra, MraChange
from apps.corridors.models import Corridor
from apps.corridors.notices.models import Notice
from apps.disruptions.models import Alert
from apps.partners.models import Partner
from apps.shipments.models import GoodsItem

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


# --- Every page a demo user reaches from the home page, in zh-Hant and Korean --------------------------------


def _people_words() -> list[str]:
    """What people and reference data wrote, which stays in the words it was written in: names, goods,
    notices, an arrangement's notes, the reasons recorded for an MRA's changes. Longest first."""
    words = [*Partner.objects.values_list("name", flat=True), *Corridor.objects.values_list("name", flat=True)]
    words += GoodsItem.objects.values_list("description", flat=True)
    for title, description, source in Notice.objects.values_list("title", "description", "source"):
        words += [title, description, source]
    for name, note, notes in Mra.objects.values_list("name", "direction_note", "notes"):
        words += [name, note, *notes.splitlines()]
    words += MraChange.objects.values_list("reason", flat=True)
    return sorted({w.strip() for w in words if w and w.strip()}, key=len, reverse=True)


def _links(page: str) -> list[str]:
    hrefs = [html.unescape(h) for h in re.findall(r'href="(/[^"#]*)"', page)]
    skip = ("/static", "/logout", "/admin", "/api", "/i18n", "/media", "/problems")
    return [h for h in hrefs if not h.startswith(skip) and not h.endswith((".json", ".csv")) and "export" not in h]


def _crawl(client, accept: str, own_words: list[str], limit: int) -> dict[str, list[str]]:
    """Pages reached from "/" (up to three of each URL shape: ids and query values left out) and the English
    left on each."""
    left, shapes, queue, visited = {}, Counter(), ["/"], 0
    while queue and visited < limit:
        url = queue.pop(0)
        shape = re.sub(r"=[^&]*", "=", re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}|\d+", "N", url))
        if shapes[shape] == 3:
            continue
        shapes[shape] += 1
        visited += 1
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=accept, follow=True)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        page = response.content.decode()
        queue += [link for link in _links(page) if link not in queue]
        if found := _english_left(page, own_words):
            left[url] = found
    return left


@pytest.mark.parametrize("accept", ["zh-TW", "ko-KR"])
def test_every_page_a_demo_user_reaches_speaks_the_readers_language(client, demo, accept):
    own_words = _people_words()
    left = {}
    for username in ("forwarder-admin", "consignee-operator", "customs-us-operator", "demo-staff"):
        client.logout()
        client.login(username=username, password="corridor-demo")
        for url, found in _crawl(client, accept, own_words, limit=80).items():
            left[f"{username} {url}"] = found
    if left:
        pytest.fail("English left on the pages:\n" + "\n".join(f"{where}: {found}" for where, found in left.items()))
