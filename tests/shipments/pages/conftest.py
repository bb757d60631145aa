"""Fixtures for the shipments pages: browsers logged in as alpha's people (alice admin, olga operator, bob
viewer), bravo's charlie (the carrier of alpha's consignments) and delta's dave (an outsider)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client


@pytest.fixture
def browser(db) -> Callable[..., Client]:
    def login(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return login
