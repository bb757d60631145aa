from django.apps import AppConfig
from django.core import checks

from apps.core.domain_events import (
    EventsDeclaredErroneous,
    EventsLinked,
    EventsRecorded,
    PartnerCreated,
    Phase,
    subscribe,
)
from apps.credentials.checks import did_host_check


class CredentialsConfig(AppConfig):
    name = "apps.credentials"
    label = "credentials"
    verbose_name = "Credentials: keys, DIDs, verifiable credentials, status lists"

    def ready(self) -> None:
        # Subscribers and pages import models and services: only once the app registry is ready.
        from apps.credentials import panels, subscribers  # noqa: PLC0415
        from apps.credentials.views import identifiers_panel  # noqa: PLC0415
        from apps.partners.views import home_panels  # noqa: PLC0415
        from apps.shipments.extensions import consignment_panels, dashboard_tiles  # noqa: PLC0415

        subscribe(PartnerCreated, subscribers.partner_key_create, phase=Phase.IN_TRANSACTION)
        subscribe(EventsRecorded, subscribers.step_credentials_enqueue)
        subscribe(EventsLinked, subscribers.waiting_step_credentials_enqueue)
        subscribe(EventsDeclaredErroneous, subscribers.step_credentials_revoke, phase=Phase.IN_TRANSACTION)
        home_panels.register(identifiers_panel)
        checks.register(did_host_check)
        consignment_panels.register(panels.consignment_chain_panel)
        dashboard_tiles.register(panels.issued_this_week_tile)
