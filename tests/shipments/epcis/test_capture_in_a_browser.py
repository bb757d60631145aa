"""POST /epcis/capture from a logged-in browser session, as Swagger UI's "Try it out" sends it.

Session authentication checks the CSRF token, and Django's check reads ``request.POST``; DRF answers
that by parsing the body with the view's parsers. The capture view reads the body itself (streamed to
disk), so its parser must accept the EPCIS media types without reading them: before, the default JSON
parser refused ``application/ld+json`` with 415 while a token (no CSRF check) got 202.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

from apps.shipments.models import CaptureJob
from tests.shipments.epcis.test_rest import document, object_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(olga) -> Client:
    """A browser session that has loaded a page, so it holds the CSRF cookie Swagger UI sends back."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(olga)
    client.get("/api/docs/")
    return client


@pytest.mark.parametrize("media_type", ["application/ld+json", "application/json"])
def test_a_browser_session_with_its_csrf_token_captures(browser, media_type, django_capture_on_commit_callbacks):
    token = browser.cookies["csrftoken"].value
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(
            "/epcis/capture",
            data=json.dumps(document(object_event(1))),
            content_type=media_type,
            headers={"X-CSRFToken": token},
        )
    assert response.status_code == 202, response.content
    job = browser.get(response["Location"]).json()
    assert job["success"] is True, job
    assert job["capturedCount"] == 1


def test_a_browser_session_without_the_csrf_token_is_403_and_stores_nothing(browser):
    response = browser.post(
        "/epcis/capture", data=json.dumps(document(object_event(1))), content_type="application/ld+json"
    )
    assert response.status_code == 403, response.content
    assert not CaptureJob.objects.exists()


def test_another_media_type_is_still_415(browser):
    token = browser.cookies["csrftoken"].value
    response = browser.post(
        "/epcis/capture", data="<xml/>", content_type="application/xml", headers={"X-CSRFToken": token}
    )
    assert response.status_code == 415, response.content
