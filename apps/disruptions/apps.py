from django.apps import AppConfig


class DisruptionsConfig(AppConfig):
    name = "apps.disruptions"
    label = "disruptions"
    verbose_name = "Disruptions: alerts"

    def ready(self) -> None:
        # The contributions import models: only once the app registry is ready.
        from apps.disruptions import panels  # noqa: PLC0415
        from apps.shipments.extensions import (  # noqa: PLC0415
            consignment_open_alerts,
            consignment_panels,
            dashboard_tiles,
        )

        consignment_open_alerts.register(panels.open_alerts)
        consignment_panels.register(panels.consignment_alerts_panel)
        dashboard_tiles.register(panels.open_alerts_tile)
