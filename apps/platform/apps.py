from django.apps import AppConfig


class PlatformConfig(AppConfig):
    """The top layer: what runs the whole platform at once (the embedded run, the demo across every app)."""

    name = "apps.platform"
    label = "platform"
    verbose_name = "Platform: the embedded run and the demo corridor"
