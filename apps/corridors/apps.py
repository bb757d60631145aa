from django.apps import AppConfig

from apps.core.domain_events import EventsLinked, EventsRecorded, subscribe


class CorridorsConfig(AppConfig):
    name = "apps.corridors"
    label = "corridors"
    verbose_name = "Corridors: lanes, baselines, release times, ETA, the watch"

    def ready(self) -> None:
        # The subscribers and the page contributions import models: only once the app registry is ready.
        from apps.compliance.views import review_queue_etas  # noqa: PLC0415
        from apps.corridors import evidence, panels, subscribers  # noqa: PLC0415
        from apps.corridors.notices.alerts import notice_presenter  # noqa: PLC0415
        from apps.corridors.selectors import corridor_names as corridor_names_of  # noqa: PLC0415
        from apps.corridors.selectors import predicted_arrivals  # noqa: PLC0415
        from apps.disruptions.extensions import alert_presenters, corridor_names, evidence_value_words  # noqa: PLC0415
        from apps.shipments.extensions import consignment_eta  # noqa: PLC0415

        subscribe(EventsRecorded, subscribers.watch_enqueue)
        subscribe(EventsLinked, subscribers.watch_enqueue)
        consignment_eta.register(panels.consignment_eta)
        review_queue_etas.register(predicted_arrivals)
        evidence_value_words.register(evidence.evidence_words)
        corridor_names.register(corridor_names_of)
        alert_presenters.register(notice_presenter)
