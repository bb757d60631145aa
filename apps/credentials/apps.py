from django.apps import AppConfig


class CredentialsConfig(AppConfig):
    name = "apps.credentials"
    label = "credentials"
    verbose_name = "Credentials: keys, DIDs, verifiable credentials, status lists"
