"""Staff views of keys, credentials and status lists; private keys are never shown, not even encrypted."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from apps.credentials.models import ChainEntry, Credential, IssuerSettings, PartnerKey, StatusList
from apps.credentials.services.identifiers import issuer_did_method_set, partner_did_web, partner_identifiers
from apps.partners.access import Actor


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(PartnerKey)
class PartnerKeyAdmin(ReadOnlyAdmin):
    """Rotate and revoke through the API (audited); the encrypted private key is not a field here."""

    list_display = ["partner", "key_id", "state", "created_at", "rotated_at", "revoked_at"]
    list_filter = ["partner"]
    fields = [
        "partner",
        "key_id",
        "public_key_multibase",
        "created_at",
        "rotated_at",
        "revoked_at",
        "revocation_reason",
    ]
    readonly_fields = fields


@admin.register(Credential)
class CredentialAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "issuer", "issued_at", "revoked_at", "suspended"]
    list_filter = ["kind", "suspended"]
    search_fields = ["id", "issuer__slug", "digest_multibase"]
    fields = ["id", "kind", "issuer", "event", "signed_by", "issued_at", "digest_multibase", "revoked_at", "suspended"]
    readonly_fields = fields


@admin.register(StatusList)
class StatusListAdmin(ReadOnlyAdmin):
    list_display = ["issuer", "did_key", "purpose", "sequence", "size", "is_full", "updated_at"]
    fields = ["issuer", "did_key", "purpose", "sequence", "size", "is_full", "updated_at"]
    readonly_fields = fields


@admin.register(ChainEntry)
class ChainEntryAdmin(ReadOnlyAdmin):
    list_display = ["consignment", "position", "credential", "previous"]


@admin.register(IssuerSettings)
class IssuerSettingsAdmin(admin.ModelAdmin):
    """Which DID issues; both of the partner's identifiers are shown (either may be named as issuer)."""

    list_display = ["partner", "did_method", "did_web", "did_key"]
    readonly_fields = ["did_web", "did_key"]

    @admin.display(description="did:web")
    def did_web(self, obj: IssuerSettings) -> str:
        return partner_did_web(obj.partner) if obj.partner_id else ""

    @admin.display(description=_("did:key (current key)"))
    def did_key(self, obj: IssuerSettings) -> str:
        key = PartnerKey.objects.filter(
            partner_id=obj.partner_id, rotated_at__isnull=True, revoked_at__isnull=True
        ).first()
        return (
            next((did for did in partner_identifiers(obj.partner, key) if did.startswith("did:key:")), "")
            if key
            else ""
        )

    def save_model(self, request: HttpRequest, obj: IssuerSettings, form: object, change: bool) -> None:
        actor = Actor(user=request.user, is_staff=True)
        saved = issuer_did_method_set(actor=actor, partner=obj.partner, did_method=obj.did_method)
        obj.pk = saved.pk
