from django.apps import AppConfig

from apps.core.domain_events import EventsLinked, EventsRecorded, Phase, subscribe


class DisruptionsConfig(AppConfig):
    name = "apps.disruptions"
    label = "disruptions"
    verbose_name = "Disruptions: alerts and webhooks"

    def ready(self) -> None:
        # The contributions and subscribers import models: only once the app registry is ready.
        from apps.disruptions import panels, subscribers  # noqa: PLC0415
        from apps.disruptions.webhooks.services import WebhookDeliveriesDue  # noqa: PLC0415
        from apps.shipments.extensions import (  # noqa: PLC0415
            consignment_open_alerts,
            consignment_panels,
            dashboard_tiles,
        )

        consignment_open_alerts.register(panels.open_alerts)
        consignment_panels.register(panels.consignment_alerts_panel)
        dashboard_tiles.register(panels.open_alerts_tile)
        for recorded in (EventsRecorded, EventsLinked):
            subscribe(recorded, subscribers.consignment_event_messages_record, phase=Phase.IN_TRANSACTION)
        subscribe(WebhookDeliveriesDue, subscribers.webhook_deliveries_enqueue)
