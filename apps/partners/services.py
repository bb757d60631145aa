"""Writes for partners, memberships and API tokens: validated, transactional, audited."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext, gettext_noop

from apps.core import identifiers
from apps.core.domain_events import PartnerCreated, publish
from apps.core.errors import NOT_VISIBLE, ApplicationError, ConflictError, NotFoundError
from apps.core.services import audit_record
from apps.partners import tokens
from apps.partners.access import Actor, require
from apps.partners.choices import MemberRole, PartnerKind, TokenScope
from apps.partners.models import ApiToken, Membership, Partner, PartnerKindLink

User = get_user_model()

# last_used_at is written at most this often per token, so a busy integration does not turn
# every read into a write.
TOKEN_LAST_USED_RESOLUTION = timedelta(seconds=60)
MAX_TOKEN_LIFETIME = timedelta(days=730)

PARTNER_FIELDS = ("name", "slug", "country", "serves_country", "lei", "eori", "tax_number", "is_active")


class TokenRejected(Exception):
    """The presented token is malformed, unknown, expired or revoked."""


# --- Partners -------------------------------------------------------------------------------


def partner_clean(data: dict[str, Any], *, kinds: list[str]) -> dict[str, Any]:
    """Validate and normalise partner fields; raises one ValidationError naming every bad field."""
    errors: dict[str, list[str]] = {}
    clean = dict(data)

    def check(field: str, normalize: Any) -> None:
        value = clean.get(field) or ""
        if not value:
            clean[field] = ""
            return
        try:
            clean[field] = normalize(value)
        except identifiers.InvalidIdentifier as exc:
            errors.setdefault(field, []).append(exc.render(gettext))

    check("country", identifiers.normalize_country)
    check("serves_country", identifiers.normalize_country)
    check("lei", identifiers.normalize_lei)
    check("eori", identifiers.normalize_eori)
    if clean.get("tax_number") and "country" not in errors and clean.get("country"):
        check("tax_number", lambda value: identifiers.normalize_tax_number(value, country=clean["country"]))

    if not clean.get("name", "").strip():
        errors.setdefault("name", []).append(gettext("A partner needs a name."))
    if not clean.get("country") and "country" not in errors:
        errors.setdefault("country", []).append(gettext("A partner needs a country (ISO 3166-1 alpha-2)."))

    unknown_kinds = sorted(set(kinds) - set(PartnerKind.values))
    if not kinds:
        errors.setdefault("kinds", []).append(gettext("A partner needs at least one kind."))
    elif unknown_kinds:
        errors.setdefault("kinds", []).append(
            gettext("Unknown kind(s): %(kinds)s; choose from %(choices)s.")
            % {"kinds": ", ".join(unknown_kinds), "choices": ", ".join(PartnerKind.values)}
        )
    is_customs = PartnerKind.CUSTOMS_AUTHORITY in kinds
    if is_customs and not clean.get("serves_country") and "serves_country" not in errors:
        errors.setdefault("serves_country", []).append(gettext("A customs authority must say which country it serves."))
    if not is_customs and clean.get("serves_country"):
        errors.setdefault("serves_country", []).append(gettext("Only a customs authority serves a country."))
    if errors:
        raise ValidationError(errors)
    return clean


def _partner_unique_errors(partner: Partner) -> dict[str, list[str]]:
    others = Partner.objects.exclude(pk=partner.pk)
    errors: dict[str, list[str]] = {}
    if others.filter(slug=partner.slug).exists():
        errors["slug"] = [gettext("The slug '%(slug)s' is taken.") % {"slug": partner.slug}]
    if partner.lei and others.filter(lei=partner.lei).exists():
        errors["lei"] = [gettext("Another partner already has LEI %(lei)s.") % {"lei": partner.lei}]
    if partner.eori and others.filter(eori=partner.eori).exists():
        errors["eori"] = [gettext("Another partner already has EORI %(eori)s.") % {"eori": partner.eori}]
    return errors


def _save_unique(partner: Partner) -> None:
    errors = _partner_unique_errors(partner)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            partner.save()
    except IntegrityError as exc:
        # A concurrent writer took the same slug, LEI or EORI between our check and the insert.
        raise ConflictError(
            gettext("Another partner with the same slug, LEI or EORI was saved at the same time.")
        ) from exc


@transaction.atomic
def partner_create(
    *,
    actor: Actor,
    name: str,
    country: str,
    kinds: list[str],
    slug: str = "",
    serves_country: str = "",
    lei: str = "",
    eori: str = "",
    tax_number: str = "",
    is_demo: bool = False,
) -> Partner:
    """Register an organisation; platform staff only (partners are not self-service)."""
    require(actor, staff=True, to=gettext_noop("register partners"))
    kinds = sorted(set(kinds))
    data = partner_clean(
        {
            "name": name.strip(),
            "slug": slug or slugify(name)[:80],
            "country": country,
            "serves_country": serves_country,
            "lei": lei,
            "eori": eori,
            "tax_number": tax_number,
        },
        kinds=kinds,
    )
    partner = Partner(**data, is_demo=is_demo)
    _save_unique(partner)
    PartnerKindLink.objects.bulk_create([PartnerKindLink(partner=partner, kind=kind) for kind in kinds])
    # Credentials creates the partner's key in this transaction: a partner never exists without one.
    publish(PartnerCreated(partner_id=str(partner.pk)))
    audit_record(
        actor=actor,
        action="partner.create",
        target=partner,
        partner=partner,
        changes={**{field: data[field] for field in PARTNER_FIELDS if field in data}, "kinds": kinds},
    )
    return partner


@transaction.atomic
def partner_update(*, actor: Actor, partner: Partner, kinds: list[str] | None = None, **fields: Any) -> Partner:
    """Change a partner's details; its admins may edit them, only staff may change kinds or status."""
    unknown = set(fields) - set(PARTNER_FIELDS)
    if unknown:
        raise ApplicationError(f"Unknown field: {sorted(unknown)[0]}", field=sorted(unknown)[0])
    locked = Partner.objects.visible_to(actor).select_for_update().filter(pk=partner.pk).first()
    if locked is None:
        raise NotFoundError(NOT_VISIBLE)
    for staff_field in ("slug", "is_active"):
        if staff_field in fields and fields[staff_field] != getattr(locked, staff_field):
            require(actor, staff=True, to=f"change '{staff_field}'", field=staff_field)
    if kinds is not None and sorted(set(kinds)) != locked.kinds:
        require(actor, staff=True, to=gettext_noop("change a partner's kinds"), field="kinds")

    current_kinds = locked.kinds
    new_kinds = sorted(set(kinds)) if kinds is not None else current_kinds
    before = {field: getattr(locked, field) for field in PARTNER_FIELDS}
    data = partner_clean({**before, **fields}, kinds=new_kinds)
    for field in PARTNER_FIELDS:
        setattr(locked, field, data[field])
    _save_unique(locked)
    if new_kinds != current_kinds:
        locked.kind_links.exclude(kind__in=new_kinds).delete()
        PartnerKindLink.objects.bulk_create(
            [PartnerKindLink(partner=locked, kind=kind) for kind in new_kinds if kind not in current_kinds]
        )
    changes = {field: [before[field], data[field]] for field in PARTNER_FIELDS if before[field] != data[field]}
    if new_kinds != current_kinds:
        changes["kinds"] = [current_kinds, new_kinds]
    if changes:
        audit_record(actor=actor, action="partner.update", target=locked, partner=locked, changes=changes)
    return locked


# --- Memberships ----------------------------------------------------------------------------


def _clean_role(role: str) -> str:
    if role not in MemberRole.values:
        text = gettext("'%(role)s' is not a role; choose from %(choices)s.")
        raise ValidationError({"role": [text % {"role": role, "choices": ", ".join(MemberRole.values)}]})
    return role


@transaction.atomic
def membership_create(*, actor: Actor, partner: Partner, user: Any, role: str) -> Membership:
    """Let a user act for a partner with a role."""
    require(actor, role=MemberRole.ADMIN, owner=partner, to=gettext_noop("manage its members and tokens"))
    role = _clean_role(role)
    if Membership.objects.filter(partner=partner, user=user).exists():
        raise ConflictError(
            gettext("%(user)s is already a member of %(partner)s.")
            % {"user": user.get_username(), "partner": partner.slug},
            field="username",
        )
    membership = Membership.objects.create(partner=partner, user=user, role=role)
    audit_record(
        actor=actor,
        action="membership.create",
        target=membership,
        partner=partner,
        changes={"user": user.get_username(), "role": role},
    )
    return membership


def _last_admin_guard(membership: Membership) -> None:
    admins = Membership.objects.filter(partner=membership.partner, role=MemberRole.ADMIN)
    if membership.role == MemberRole.ADMIN and admins.count() == 1:
        raise ConflictError(
            gettext("%(user)s is the last admin of %(partner)s; make another member admin first.")
            % {"user": membership.user.get_username(), "partner": membership.partner.slug},
            field="role",
        )


@transaction.atomic
def membership_update(*, actor: Actor, membership: Membership, role: str) -> Membership:
    """Change a member's role; a partner never loses its last admin this way."""
    locked = Membership.objects.select_for_update().select_related("partner", "user").get(pk=membership.pk)
    require(actor, role=MemberRole.ADMIN, owner=locked.partner, to=gettext_noop("manage its members and tokens"))
    role = _clean_role(role)
    if role == locked.role:
        return locked
    if role != MemberRole.ADMIN:
        _last_admin_guard(locked)
    before = locked.role
    locked.role = role
    locked.save(update_fields=["role"])
    audit_record(
        actor=actor, action="membership.update", target=locked, partner=locked.partner, changes={"role": [before, role]}
    )
    return locked


@transaction.atomic
def membership_delete(*, actor: Actor, membership: Membership) -> None:
    """Remove a member; the audit record keeps who it was."""
    locked = Membership.objects.select_for_update().select_related("partner", "user").get(pk=membership.pk)
    require(actor, role=MemberRole.ADMIN, owner=locked.partner, to=gettext_noop("manage its members and tokens"))
    _last_admin_guard(locked)
    audit_record(
        actor=actor,
        action="membership.delete",
        target=locked,
        partner=locked.partner,
        changes={"user": locked.user.get_username(), "role": locked.role},
    )
    locked.delete()


@transaction.atomic
def member_invite(*, actor: Actor, partner: Partner, username: str, email: str, role: str) -> tuple[Membership, bool]:
    """Add a person to a partner by username: an existing user joins, a new one is created without a
    password (they choose it through the one-time link the page shows). Returns the membership and
    whether the user is new."""
    require(actor, role=MemberRole.ADMIN, owner=partner, to=gettext_noop("manage its members and tokens"))
    username = username.strip()
    if not username:
        raise ValidationError({"username": [gettext("Give the person's username.")]})
    user, created = User.objects.get_or_create(username=username, defaults={"email": email.strip()})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        audit_record(
            actor=actor,
            action="user.create",
            target=user,
            partner=partner,
            changes={"username": username, "is_staff": False, "is_superuser": False},
        )
    return membership_create(actor=actor, partner=partner, user=user, role=role), created


# --- API tokens -----------------------------------------------------------------------------


@transaction.atomic
def api_token_create(
    *,
    actor: Actor,
    partner: Partner,
    name: str,
    scope: str = TokenScope.READ,
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Issue a token for a partner's systems; returns the row and the token, which is never shown again."""
    require(actor, role=MemberRole.ADMIN, owner=partner, to=gettext_noop("manage its members and tokens"))
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = ["Give the token a name that says which system uses it."]
    if scope not in TokenScope.values:
        errors["scope"] = [f"'{scope}' is not a scope; choose read or write."]
    now = timezone.now()
    if expires_at is not None and expires_at <= now:
        errors["expires_at"] = ["The expiry must be in the future."]
    elif expires_at is not None and expires_at > now + MAX_TOKEN_LIFETIME:
        errors["expires_at"] = [f"Tokens live at most {MAX_TOKEN_LIFETIME.days} days."]
    if not partner.is_active:
        errors["partner"] = [f"{partner.slug} is deactivated."]
    if errors:
        raise ValidationError(errors)

    raw, prefix = tokens.token_generate()
    token = ApiToken.objects.create(
        partner=partner,
        name=name,
        prefix=prefix,
        secret_hash=tokens.token_digest(raw),
        scope=scope,
        created_by=actor.user if getattr(actor.user, "pk", None) else None,
        expires_at=expires_at,
    )
    audit_record(
        actor=actor,
        action="api_token.create",
        target=token,
        partner=partner,
        changes={
            "name": name,
            "scope": scope,
            "prefix": prefix,
            "expires_at": expires_at.isoformat() if expires_at else None,
        },
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor: Actor, token: ApiToken) -> ApiToken:
    """Stop a token working at once; revoking twice is harmless."""
    locked = ApiToken.objects.select_for_update().select_related("partner").get(pk=token.pk)
    require(actor, role=MemberRole.ADMIN, owner=locked.partner, to=gettext_noop("manage its members and tokens"))
    if locked.revoked_at is not None:
        return locked
    locked.revoked_at = timezone.now()
    locked.revoked_by = actor.user if getattr(actor.user, "pk", None) else None
    locked.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
    audit_record(
        actor=actor, action="api_token.revoke", target=locked, partner=locked.partner, changes={"prefix": locked.prefix}
    )
    return locked


def api_token_authenticate(*, raw: str) -> ApiToken:
    """The usable token matching ``raw``, with its last-used time refreshed (at most once a minute)."""
    prefix = tokens.token_prefix(raw)
    if prefix is None:
        raise TokenRejected("Malformed API token.")
    token = ApiToken.objects.select_related("partner").filter(prefix=prefix).first()
    # Compare against a dummy digest when the prefix is unknown, so timing does not reveal it.
    if not tokens.token_matches(raw, token.secret_hash if token else "0" * 64) or token is None:
        raise TokenRejected("Unknown API token.")
    if token.is_revoked:
        raise TokenRejected("This API token has been revoked.")
    if token.is_expired:
        raise TokenRejected("This API token has expired.")
    if not token.partner.is_active:
        raise TokenRejected(f"Partner {token.partner.slug} is deactivated.")
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


# --- Users for the demo and commands --------------------------------------------------------


def user_get_or_create(
    *,
    actor: Actor,
    username: str,
    email: str = "",
    password: str | None = None,
    is_staff: bool = False,
    is_superuser: bool = False,
) -> tuple[Any, bool]:
    """A platform user by username, created if new (audited); an existing user is left alone."""
    require(actor, staff=True, to=gettext_noop("create users"))
    with transaction.atomic():
        user, created = User.objects.get_or_create(
            username=username, defaults={"email": email, "is_staff": is_staff, "is_superuser": is_superuser}
        )
        if created:
            if password:
                user.set_password(password)
            else:
                user.set_unusable_password()
            user.save(update_fields=["password"])
            audit_record(
                actor=actor,
                action="user.create",
                target=user,
                partner=actor.partner,
                changes={"username": username, "is_staff": is_staff, "is_superuser": is_superuser},
            )
    return user, created
