"""English and Traditional Chinese: the zh-Hant catalogue is complete, and the pages speak it when asked."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from tests.conftest import skip_or_fail

CATALOGUES = sorted(Path(settings.BASE_DIR, "locale").glob("*/LC_MESSAGES/django.po"))
TRANSLATE_TAG = re.compile(r'{% translate "([^"]+)"')


@pytest.fixture(scope="module")
def compiled() -> None:
    """The .mo files, built from the committed .po files as `make deps` does (they are never committed)."""
    if shutil.which("msgfmt") is None:
        skip_or_fail("msgfmt (gettext) is not installed")
    for po in CATALOGUES:
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            subprocess.run(["msgfmt", "--check-format", "-o", str(mo), str(po)], check=True)
    translation.trans_real._translations = {}


def test_there_is_a_zh_hant_catalogue():
    assert [po.parts[-3] for po in CATALOGUES] == ["zh_Hant"]


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda po: po.parts[-3])
def test_every_string_of_the_catalogue_is_translated(po):
    if shutil.which("msgfmt") is None:
        skip_or_fail("msgfmt (gettext) is not installed")
    result = subprocess.run(
        ["msgfmt", "--check-format", "--statistics", "-o", "/dev/null", str(po)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr, result.stderr
    assert "fuzzy" not in result.stderr, result.stderr


def test_every_string_a_template_marks_is_in_the_catalogue():
    """`make messages` was run after the last string was marked (then each new entry is translated)."""
    # Long msgids are wrapped over several quoted lines: join them.
    catalogue = Path(CATALOGUES[0]).read_text(encoding="utf-8").replace('"\n"', "")
    marked = {
        text
        for template in Path(settings.BASE_DIR, "templates").rglob("*.html")
        for text in TRANSLATE_TAG.findall(template.read_text(encoding="utf-8"))
    }
    missing = sorted(text for text in marked if f'msgid "{text}"' not in catalogue)
    assert not missing, f"run `make messages` and translate: {missing}"


@pytest.mark.django_db
def test_accept_language_chooses_traditional_chinese(client, compiled, alice):
    client.force_login(alice)
    page = client.get("/tokens/", HTTP_ACCEPT_LANGUAGE="zh-TW,zh;q=0.9,en;q=0.5").content.decode()
    assert '<html lang="zh-hant">' in page
    assert "登出" in page
    english = client.get("/tokens/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Log out" in english


@pytest.mark.django_db
def test_the_language_switcher_keeps_the_choice(client, compiled, alice):
    client.force_login(alice)
    assert 'action="/i18n/setlang/"' in client.get("/tokens/").content.decode()
    response = client.post("/i18n/setlang/", {"language": "zh-hant", "next": "/tokens/"})
    assert response.status_code == 302
    assert response["Location"] == "/tokens/"
    assert "登出" in client.get("/tokens/").content.decode()
