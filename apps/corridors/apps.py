from django.apps import AppConfig


class CorridorsConfig(AppConfig):
    name = "apps.corridors"
    label = "corridors"
    verbose_name = "Corridors: lanes, baselines, release times, ETA"
