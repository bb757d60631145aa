"""English and Traditional Chinese: the zh-Hant catalogue is complete, and the pages speak it when asked."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from apps.partners.choices import MemberRole, PartnerKind
from tests.conftest import skip_or_fail
from tests.credentials.issuing import make_consignment, record, step_event
from tests.factories import MembershipFactory, PartnerFactory, UserFactory

CATALOGUES = sorted(Path(settings.BASE_DIR, "locale").glob("*/LC_MESSAGES/django.po"))
TRANSLATE_TAG = re.compile(r'{% translate "([^"]+)"')


def test_there_are_korean_and_zh_hant_catalogues():
    assert [po.parts[-3] for po in CATALOGUES] == ["ko", "zh_Hant"]
    assert [code for code, _ in settings.LANGUAGES] == ["en", "zh-hant", "ko"]


def catalogue_problems(po: Path) -> str:
    """msgfmt's complaints about ``po``: bad formats, untranslated or fuzzy entries ("" when complete)."""
    if shutil.which("msgfmt") is None:
        skip_or_fail("msgfmt (gettext) is not installed")
    result = subprocess.run(
        ["msgfmt", "--check-format", "--statistics", "-o", "/dev/null", str(po)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0 or "untranslated" in result.stderr or "fuzzy" in result.stderr:
        return result.stderr
    return ""


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda po: po.parts[-3])
def test_every_string_of_the_catalogue_is_translated(po):
    assert catalogue_problems(po) == ""


HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'


@pytest.mark.parametrize(
    ("entry", "complaint"),
    [
        ('msgid "Overdue"\nmsgstr ""\n', "untranslated"),
        ('#, fuzzy\nmsgid "Overdue"\nmsgstr "逾時"\n', "fuzzy"),
        ('#, python-format\nmsgid "%(n)s events"\nmsgstr "%(count)s 個事件"\n', "format"),
    ],
)
def test_the_check_fails_on_an_untranslated_fuzzy_or_misformatted_entry(tmp_path, entry, complaint):
    po = tmp_path / "django.po"
    po.write_text(HEADER + 'msgid "Done"\nmsgstr "完成"\n\n' + entry, encoding="utf-8")
    assert complaint in catalogue_problems(po)


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda po: po.parts[-3])
def test_every_string_a_template_marks_is_in_the_catalogue(po):
    """`make messages` was run after the last string was marked (then each new entry is translated)."""
    # Long msgids are wrapped over several quoted lines: join them.
    catalogue = Path(po).read_text(encoding="utf-8").replace('"\n"', "")
    marked = {
        text
        for template in Path(settings.BASE_DIR, "templates").rglob("*")
        if template.suffix in {".html", ".svg"}  # `make messages` reads both (--extension)
        for text in TRANSLATE_TAG.findall(template.read_text(encoding="utf-8"))
    }
    missing = sorted(text for text in marked if f'msgid "{text}"' not in catalogue)
    assert not missing, f"run `make messages` and translate: {missing}"


@pytest.mark.django_db
def test_accept_language_chooses_traditional_chinese(client, compiled_catalogues, alice):
    client.force_login(alice)
    page = client.get("/tokens/", HTTP_ACCEPT_LANGUAGE="zh-TW,zh;q=0.9,en;q=0.5").content.decode()
    assert '<html lang="zh-hant">' in page
    assert "登出" in page
    english = client.get("/tokens/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Log out" in english


@pytest.mark.django_db
def test_the_language_switcher_keeps_the_choice(client, compiled_catalogues, alice):
    client.force_login(alice)
    assert 'action="/i18n/setlang/"' in client.get("/tokens/").content.decode()
    response = client.post("/i18n/setlang/", {"language": "zh-hant", "next": "/tokens/"})
    assert response.status_code == 302
    assert response["Location"] == "/tokens/"
    assert "登出" in client.get("/tokens/").content.decode()


# --- Every visible string of the templates is marked for translation ---------------------------------

# Words that stay as they are in every language: the product's name, codes and standards' names.
UNTRANSLATED_WORDS = {
    "Corridor",
    "UTC",
    "JSON",
    "CSV",
    "LEI",
    "EORI",
    "DID",
    "did:web",
    "did:key",
    "EPCIS",
    "DCSA",
    "UN/LOCODE",
    "ISO",
    "HS",
    "B/L",
    "p10",
    "p90",
    "AEO",
    "MRA",
    "ETA",
    "API",
    "URL",
    "RFC",
    "h",
}
_DROP = [
    re.compile(r"{#.*?#}", re.S),
    re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", re.S),
    re.compile(r"{%\s*blocktranslate\b.*?{%\s*endblocktranslate\s*%}", re.S),
    re.compile(r"<(script|style|code|pre)\b.*?</\1>", re.S),
]
_VISIBLE_ATTRIBUTE = re.compile(r"""\b(title|placeholder|aria-label|alt|data-confirm|data-label|label)="([^"]*)\"""")
_TEMPLATE_TAG = re.compile(r"{%.*?%}|{{.*?}}", re.S)
_HTML_TAG = re.compile(r"<[^>]*>", re.S)
_WORD = re.compile(r"[A-Za-z][A-Za-z:/']*[A-Za-z]")


def unmarked_text(source: str) -> list[str]:
    """The runs of visible text (and visible attributes) of a template that are not marked for translation."""
    for pattern in _DROP:
        source = pattern.sub(" ", source)
    source = re.sub(r"{%\s*translate\b.*?%}", " ", source)
    attributes = [value for _, value in _VISIBLE_ATTRIBUTE.findall(source)]
    found = []
    source = _HTML_TAG.sub("\n", _TEMPLATE_TAG.sub(" ", source))
    for run in [*attributes, *source.splitlines()]:
        text = _TEMPLATE_TAG.sub(" ", run)
        words = [w for w in _WORD.findall(text.replace("&amp;", "&")) if w not in UNTRANSLATED_WORDS]
        if words:
            found.append(" ".join(text.split()))
    return found


def test_the_scan_finds_unmarked_text_and_passes_marked_text():
    assert unmarked_text('<h1>Members of {{ name }}</h1><p title="Hover me">{% translate "Fine" %}</p>') == [
        "Hover me",
        "Members of",
    ]
    marked = "<td data-label=\"{% translate 'Step' %}\">{% blocktranslate %}by {{ who }}{% endblocktranslate %}</td>"
    assert unmarked_text(marked + "<code>did:web:example</code> UTC · {{ x }}") == []


TEMPLATES = sorted(p for p in Path(settings.BASE_DIR, "templates").rglob("*") if p.suffix in {".html", ".svg"})


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(Path(settings.BASE_DIR, "templates"))))
def test_every_visible_string_of_the_template_is_marked_for_translation(template):
    assert unmarked_text(template.read_text(encoding="utf-8")) == []


# --- The main pages, rendered in zh-Hant, show no English the catalogue translates -------------------

_SKIP_CONTENT = re.compile(r"<(script|style|code|pre|textarea)\b.*?</\1>", re.S)
_ATTRIBUTE_TEXT = re.compile(r"""\b(?:title|placeholder|aria-label|data-label|data-confirm)="([^"]*)\"""")


def _visible_texts(page: str) -> set[str]:
    """Each text node and visible attribute of a rendered page, whitespace collapsed."""
    page = _SKIP_CONTENT.sub(" ", page)
    texts = {html.unescape(value) for value in _ATTRIBUTE_TEXT.findall(page)}
    texts |= {html.unescape(part) for part in re.split(r"<[^>]*>", page)}
    return {" ".join(text.split()) for text in texts} - {""}


def _english_msgids(locale: str) -> set[str]:
    """The catalogue's English strings that have a translation different from themselves."""
    catalogue = Path(settings.BASE_DIR, "locale", locale, "LC_MESSAGES", "django.po").read_text(encoding="utf-8")
    pairs = re.findall(r'^msgid "(.+)"\nmsgstr(?:\[0\])? "(.+)"$', catalogue, re.M)
    english = {msgid for msgid, msgstr in pairs if msgid != msgstr and "%(" not in msgid and "{" not in msgid}
    return english - UNTRANSLATED_WORDS  # "Corridor" is also the product's name, in every language


@pytest.fixture
def zh_pages(db, alpha, bravo, alice, olga, compiled_catalogues):
    """Every main page of a logistics firm's admin and operator and of a customs officer, with data on it."""
    customs = PartnerFactory(
        slug="us-cbp", name="US customs", country="US", serves_country="US", kinds=[PartnerKind.CUSTOMS_AUTHORITY]
    )
    officer = MembershipFactory(user=UserFactory(username="uma"), partner=customs, role=MemberRole.OPERATOR).user
    consignment = make_consignment(alpha, destination="USLAX")
    record(alpha, step_event("evt-1", consignments=(consignment,)))
    record(alpha, step_event("evt-2", consignments=(consignment,), hours=30, code="ARRI", location="USLAX"))
    c = consignment.pk
    return [
        (olga, "/consignments/"),
        (olga, "/consignments/?q=zz&status=delivered"),
        (olga, f"/consignments/{c}/"),
        (olga, f"/consignments/{c}/graph/"),
        (olga, f"/consignments/{c}/record/"),
        (olga, f"/consignments/{c}/credentials/"),
        (olga, "/events/upload/"),
        (olga, "/dashboard/"),
        (olga, "/alerts/"),
        (olga, f"/verify/?consignment={c}"),
        (alice, "/partner/"),
        (alice, "/members/"),
        (alice, "/tokens/"),
        (alice, "/keys/"),
        (alice, "/audit/"),
        (alice, "/corridors/"),
        (alice, "/compliance/aeo/"),
        (alice, "/compliance/mras/"),
        (officer, "/compliance/review/"),
        (officer, f"/compliance/review/{c}/"),
        (None, "/login/"),
        (None, "/verify/"),
        (None, "/problems/not-found"),
    ]


@pytest.mark.parametrize(("accept", "code", "locale"), [("zh-TW", "zh-hant", "zh_Hant"), ("ko-KR", "ko", "ko")])
def test_the_main_pages_show_no_english_the_catalogue_translates(client, zh_pages, accept, code, locale):
    english = _english_msgids(locale)
    assert len(english) > 500
    left = {}
    for user, url in zh_pages:
        client.logout()
        if user is not None:
            client.force_login(user)
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=f"{accept},en;q=0.5")
        assert response.status_code == 200, url
        page = response.content.decode()
        assert f'<html lang="{code}">' in page, url
        if found := sorted(_visible_texts(page) & english):
            left[url] = found
    assert not left, f"English left on {code} pages: {left}"


@pytest.mark.django_db
def test_a_refusal_says_why_in_the_pages_language(client, compiled_catalogues, bob):
    client.force_login(bob)
    response = client.get("/tokens/", HTTP_ACCEPT_LANGUAGE="zh-Hant")
    assert response.status_code == 403
    assert "要管理其 API 權杖，須具備 alpha 的 admin 角色；您目前的角色是 viewer。" in response.content.decode()  # noqa: RUF001
    english = client.get("/tokens/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "This needs the admin role for alpha to manage its API tokens; you act as viewer." in english
