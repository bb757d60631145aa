from django.apps import AppConfig


class ShipmentsConfig(AppConfig):
    name = "apps.shipments"
    label = "shipments"
    verbose_name = "Shipments: consignments, legs, equipment, events"
