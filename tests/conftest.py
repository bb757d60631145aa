"""Shared fixtures: two partners and their people, in the manner of healthchecks' alice/bob/charlie.

- ``alpha`` (a shipper) has ``alice`` (admin), ``olga`` (operator) and ``bob`` (viewer);
- ``bravo`` (a carrier) has ``charlie`` (admin): the outsider for every alpha object;
- ``staff`` is platform staff with no membership.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import timezone, translation
from hypothesis import settings
from rest_framework.test import APIClient

from apps.partners import services
from apps.partners.access import system_actor
from apps.partners.choices import MemberRole, PartnerKind, TokenScope
from corridor.celery import app
from tests.factories import MembershipFactory, PartnerFactory, UserFactory

REQUIRE_ALL = os.environ.get("CORRIDOR_REQUIRE_ALL_TESTS") == "1"

# Property tests: a bounded profile for CI (DESIGN §10), a thorough one on demand (HYPOTHESIS_PROFILE=thorough).
settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True)
settings.register_profile("dev", deadline=None)
settings.register_profile("thorough", max_examples=2000, deadline=None)


def hypothesis_profile_name(environ: Mapping[str, str]) -> str:
    """``HYPOTHESIS_PROFILE`` if set, else ``ci`` wherever ``CI`` is set (``.ci/run`` sets it), else ``dev``."""
    return environ.get("HYPOTHESIS_PROFILE") or ("ci" if environ.get("CI") else "dev")


settings.load_profile(hypothesis_profile_name(os.environ))


def skip_or_fail(reason: str) -> None:
    """Skip with a visible reason; under CORRIDOR_REQUIRE_ALL_TESTS=1 (CI) the skip is a failure."""
    if REQUIRE_ALL:
        pytest.fail(f"required test could not run: {reason}")
    pytest.skip(reason)


@pytest.fixture
def alpha(db):
    return PartnerFactory(slug="alpha", name="Alpha Exports", country="TW", kinds=[PartnerKind.SHIPPER])


@pytest.fixture
def bravo(db):
    return PartnerFactory(slug="bravo", name="Bravo Lines", country="KR", kinds=[PartnerKind.CARRIER])


@pytest.fixture
def alice(alpha):
    return MembershipFactory(user=UserFactory(username="alice"), partner=alpha, role=MemberRole.ADMIN).user


@pytest.fixture
def olga(alpha):
    return MembershipFactory(user=UserFactory(username="olga"), partner=alpha, role=MemberRole.OPERATOR).user


@pytest.fixture
def bob(alpha):
    return MembershipFactory(user=UserFactory(username="bob"), partner=alpha, role=MemberRole.VIEWER).user


@pytest.fixture
def charlie(bravo):
    return MembershipFactory(user=UserFactory(username="charlie"), partner=bravo, role=MemberRole.ADMIN).user


@pytest.fixture
def staff(db):
    return UserFactory(username="staff", is_staff=True)


@pytest.fixture
def superuser(db):
    """Platform staff with every Django permission, as the admin site needs."""
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The production hasher costs a noticeable fraction of a second per user; the demo alone creates 34."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the default language: a request in another one leaves it active in the thread
    (LocaleMiddleware activates, nothing deactivates), and a later test reading a label would get it."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def client_for() -> Callable[..., APIClient]:
    """An API client logged in as a user (session auth, as the pages use)."""

    def make(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user=user)
        return client

    return make


@pytest.fixture
def token_for(db) -> Callable[..., str]:
    """A new API token for a partner, made through the service as an admin would."""

    def make(partner, scope: str = TokenScope.WRITE, expires_at=None) -> str:
        _, raw = services.api_token_create(
            actor=system_actor("tests"), partner=partner, name="test token", scope=scope, expires_at=expires_at
        )
        return raw

    return make


@pytest.fixture
def bearer() -> Callable[[str], APIClient]:
    def make(raw: str) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client

    return make


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture(autouse=True, scope="session")
def _celery_runs_tasks_inline():
    """Tasks run in the test process when enqueued; tests marked ``worker`` switch this off."""
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture(scope="session")
def compiled_catalogues() -> None:
    """The .mo files, built from the committed .po files as `make deps` does (they are never committed)."""
    if shutil.which("msgfmt") is None:
        skip_or_fail("msgfmt (gettext) is not installed")
    for po in Path(django_settings.BASE_DIR, "locale").glob("*/LC_MESSAGES/django.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            subprocess.run(["msgfmt", "--check-format", "-o", str(mo), str(po)], check=True)
    translation.trans_real._translations = {}
