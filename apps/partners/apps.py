from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "apps.partners"
    label = "partners"
    verbose_name = "Partners: organisations, members, API tokens"

    def ready(self) -> None:
        from apps.partners import schema  # noqa: F401 - registers the OpenAPI auth extension
