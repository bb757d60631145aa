"""The demo's external notice: a typhoon closes Kaohsiung (TWKHH) to vessel traffic, around the moment the demo loads.

Its window runs from a day before the first load to two days after, so the notice is in force while someone
looks: it reaches the demo consignment still waiting to leave Kaohsiung (loaded, not departed), the voyage
it waits for, and the demo corridor's members. Propagated at once (a worker does it again, to no effect).
Created on the first run only; a later run propagates it again as of its own moment, which resolves its
alerts once the window has passed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from apps.corridors.notices.models import Notice, NoticeKind
from apps.corridors.notices.propagation import notice_propagate
from apps.corridors.notices.services import notice_create
from apps.partners.access import command_label, system_actor

DEMO_NOTICE_TITLE = "Typhoon warning: Kaohsiung port closed to vessel traffic (demo)"
DEMO_NOTICE_SOURCE = "Central Weather Administration sea warning (demo data)"


def demo_notices_load(*, as_of: datetime) -> dict[str, int]:
    """Create the demo typhoon notice (first run only) and propagate it as of ``as_of``."""
    notice = Notice.objects.filter(title=DEMO_NOTICE_TITLE, place="TWKHH").first()
    created = 0
    if notice is None:
        notice = notice_create(
            actor=system_actor(command_label("demo_corridor")),
            values={
                "kind": NoticeKind.WEATHER,
                "title": DEMO_NOTICE_TITLE,
                "description": "Sea typhoon warning for the Taiwan Strait; the port stops pilotage and berthing.",
                "place": "TWKHH",
                "starts_at": as_of - timedelta(days=1),
                "ends_at": as_of + timedelta(days=2),
                "source": DEMO_NOTICE_SOURCE,
            },
        )
        created = 1
    notice_propagate(notice, as_of=as_of)
    return {"notices": created}
