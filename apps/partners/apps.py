from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "apps.partners"
    label = "partners"
    verbose_name = "Partners: organisations, members, API tokens"

    def ready(self) -> None:
        # Registers the OpenAPI auth extension, which imports DRF: only once the app registry is ready.
        from apps.partners import schema  # noqa: F401, PLC0415
