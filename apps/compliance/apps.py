from django.apps import AppConfig

from apps.core.domain_events import (
    CertificateChanged,
    ConsignmentPartiesChanged,
    EventsLinked,
    EventsRecorded,
    MraChanged,
    Phase,
    subscribe,
)


class ComplianceConfig(AppConfig):
    name = "apps.compliance"
    label = "compliance"
    verbose_name = "Compliance: AEO certificates, MRAs, trusted-chain review"

    def ready(self) -> None:
        # Subscribers, contributions and the lower apps' extension points import models: only once the
        # app registry is ready.
        from apps.compliance import alerts, panels, subscribers  # noqa: PLC0415
        from apps.compliance.api.serializers import CustomsDecisionsField  # noqa: PLC0415
        from apps.compliance.models import aeo_credentials_held  # noqa: PLC0415
        from apps.compliance.services.reevaluation import TrustRecheckRequested  # noqa: PLC0415
        from apps.credentials.models import credential_visibility  # noqa: PLC0415
        from apps.disruptions.extensions import alert_presenters  # noqa: PLC0415
        from apps.partners.views import home_pages  # noqa: PLC0415
        from apps.shipments.api.serializers import ConsignmentSection, consignment_sections  # noqa: PLC0415
        from apps.shipments.extensions import consignment_panels  # noqa: PLC0415

        subscribe(CertificateChanged, subscribers.aeo_credential_enqueue)
        subscribe(CertificateChanged, subscribers.trust_recheck_holder, phase=Phase.IN_TRANSACTION)
        subscribe(MraChanged, subscribers.trust_recheck_mra, phase=Phase.IN_TRANSACTION)
        for chain_grew in (EventsRecorded, EventsLinked, ConsignmentPartiesChanged):
            subscribe(chain_grew, subscribers.trust_recheck_chains, phase=Phase.IN_TRANSACTION)
        subscribe(TrustRecheckRequested, subscribers.trust_reevaluate_enqueue)

        credential_visibility.register(aeo_credentials_held)
        consignment_sections.register(ConsignmentSection("customs_decisions", CustomsDecisionsField))
        consignment_panels.register(panels.consignment_decision_panel)
        home_pages.register(panels.customs_home)
        alert_presenters.register(alerts.trust_change_presenter)
        alert_presenters.register(alerts.certificate_presenter)
