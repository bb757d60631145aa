from django.apps import AppConfig


class DisruptionsConfig(AppConfig):
    name = "apps.disruptions"
    label = "disruptions"
    verbose_name = "Disruptions: alerts"
