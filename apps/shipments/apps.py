from django.apps import AppConfig


class ShipmentsConfig(AppConfig):
    name = "apps.shipments"
    label = "shipments"
    verbose_name = "Shipments: consignments, legs, equipment, events"

    def ready(self) -> None:
        # The dialects and the pages import DRF and the apps' modules: only once the app registry is ready.
        from apps.core.errors import error_dialects  # noqa: PLC0415
        from apps.partners.views import home_pages  # noqa: PLC0415
        from apps.shipments.dcsa.errors import DCSA_V2_DIALECT, DCSA_V3_DIALECT  # noqa: PLC0415
        from apps.shipments.epcis.errors import EPCIS_DIALECT  # noqa: PLC0415
        from apps.shipments.views import logistics_home  # noqa: PLC0415

        # The standard interfaces answer every refusal in their own error shape (DESIGN §10).
        for dialect in (EPCIS_DIALECT, DCSA_V2_DIALECT, DCSA_V3_DIALECT):
            error_dialects.register(dialect)
        home_pages.register(logistics_home)
