from django.apps import AppConfig

from apps.core.domain_events import EventsLinked, EventsRecorded, subscribe


class CorridorsConfig(AppConfig):
    name = "apps.corridors"
    label = "corridors"
    verbose_name = "Corridors: lanes, baselines, release times, ETA"

    def ready(self) -> None:
        # The subscribers import tasks and services, hence models: only once the app registry is ready.
        from apps.corridors import subscribers  # noqa: PLC0415

        subscribe(EventsRecorded, subscribers.eta_refresh_enqueue)
        subscribe(EventsLinked, subscribers.eta_refresh_enqueue)
