"""How a notice's alerts read on the alerts pages: a consignment's alert said again from its evidence.

A notice reaches every consignment it touches (tens of thousands at a busy port), so those alerts keep the
English the API sends but not their wording: the evidence names the notice, how it meets the route and the
leg, and that is enough to say the title and the summary in the reader's language. A voyage's or a
corridor's alert keeps its wording like any other (``Alert.wording``).
"""

from __future__ import annotations

from typing import Any

from apps.corridors.notices.propagation import consignment_notice_words
from apps.disruptions.choices import AlertKind, AlertSubject
from apps.disruptions.extensions import AlertPresenter, Presented
from apps.disruptions.presentation import alert_texts, evidence_facts


def _present(alert: Any) -> Presented:
    evidence = alert.evidence if isinstance(alert.evidence, dict) else {}
    title, _, texts = alert_texts(alert)
    facts = tuple(evidence_facts(evidence, texts))
    said = consignment_notice_words(evidence) if alert.subject_type == AlertSubject.CONSIGNMENT else None
    if title is not None or said is None:
        return Presented(title=alert.title, facts=facts)
    return Presented(title=said[0], summary=said[1], facts=facts)


notice_presenter = AlertPresenter(kinds=frozenset({AlertKind.NOTICE}), present=_present)
