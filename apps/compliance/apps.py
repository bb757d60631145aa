from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "apps.compliance"
    label = "compliance"
    verbose_name = "Compliance: AEO certificates, MRAs, trusted-chain review"

    def ready(self) -> None:
        # Models, serializers and the lower apps' extension points: only once the app registry is ready.
        from apps.compliance.api.serializers import CustomsDecisionsField  # noqa: PLC0415
        from apps.compliance.models import aeo_credentials_held  # noqa: PLC0415
        from apps.credentials.models import credential_visibility  # noqa: PLC0415
        from apps.shipments.api.serializers import ConsignmentSection, consignment_sections  # noqa: PLC0415

        credential_visibility.register(aeo_credentials_held)
        consignment_sections.register(ConsignmentSection("customs_decisions", CustomsDecisionsField))
