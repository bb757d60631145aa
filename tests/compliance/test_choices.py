"""The compliance choices are the trust module's vocabularies with labels, and the trust module needs no Django."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from apps.compliance import choices, trust

SHARED = [
    (choices.CertificateStatus, trust.CertificateStatus),
    (choices.CertificateType, trust.CertificateType),
    (choices.MraStatus, trust.MraStatus),
    (choices.ChainStatus, trust.ChainStatus),
]


@pytest.mark.parametrize(("django_choices", "vocabulary"), SHARED)
def test_each_choice_is_a_member_of_the_trust_vocabulary_with_the_same_name_and_value(django_choices, vocabulary):
    assert [(c.name, c.value) for c in django_choices] == [(m.name, m.value) for m in vocabulary]
    assert all(django_choices(m) == m for m in vocabulary)
    assert django_choices.__doc__ == vocabulary.__doc__


def test_the_labels_people_read_stay_as_they_were():
    assert choices.CertificateStatus.SUSPENDED.label == "Suspended"
    assert choices.CertificateType.FULL.label == "Full (AEOF)"
    assert choices.MraStatus(trust.MraStatus.NOT_YET_IMPLEMENTED).label == "Signed, not yet implemented"
    assert choices.ChainStatus(trust.ChainStatus.PARTIALLY_TRUSTED).label == "Partially trusted"


def test_the_trust_module_imports_without_django():
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, apps.compliance.trust; print(any(m.startswith('django') for m in sys.modules))",
        ],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.strip() == "False"
