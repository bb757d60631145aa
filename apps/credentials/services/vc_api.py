"""The VC API's issuing: a caller-supplied credential signed as the caller's partner.

Verifying is ``apps.credentials.verification``'s; setting a status bit is ``status.credential_status_set``.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.core.errors import ApplicationError
from apps.core.services import audit_record
from apps.credentials import dataintegrity, jcs, status_list, vcdm
from apps.credentials.jsonld import bundled_registry
from apps.credentials.models import Credential, CredentialKind, PartnerKey
from apps.credentials.services.identifiers import (
    credential_url,
    digest_multibase,
    issuer_did,
    partner_identifiers,
    serialize,
)
from apps.credentials.services.keys import partner_key_ensure, private_key_of
from apps.credentials.services.status import issuing_key, status_entries, status_slots_take
from apps.credentials.verification import held_resource_problems
from apps.partners.access import Actor
from apps.partners.models import Partner

_SAFE_INTEGER = 2**53 - 1


def _inexact_integer(document: Any) -> str | None:
    """The path of the first integer in ``document`` that an IEEE 754 double cannot hold exactly, if any."""
    stack: list[tuple[Any, str]] = [(document, "credential")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, dict):
            stack.extend((item, f"{path}.{key}") for key, item in value.items())
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{index}]") for index, item in enumerate(value))
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > _SAFE_INTEGER:
            return path
    return None


def _issuer_for(credential: dict[str, Any], partner: Partner, key: PartnerKey) -> tuple[Any, str]:
    """The ``issuer`` the credential will carry and the method that signs, or a 400 if it is not the caller.

    Absent, the partner's chosen DID is filled in; named (a URL, or an object whose ``id`` is one), it
    must be one of the partner's identifiers, and an object keeps its other properties (name, ...).
    """
    identifiers = partner_identifiers(partner, key)
    if "issuer" not in credential:
        did = issuer_did(partner, key)
        return did, identifiers[did]
    given = credential["issuer"]
    given_id = given.get("id") if isinstance(given, dict) else given
    if not isinstance(given_id, str) or not given_id:
        raise ApplicationError(
            "issuer must be a URL, or an object whose id is a URL.",
            field="credential.issuer.id" if isinstance(given, dict) else "credential.issuer",
        )
    if given_id not in identifiers:
        raise ApplicationError(
            f"issuer must be one of your identifiers: {', '.join(identifiers)}.", field="credential.issuer"
        )
    return given, identifiers[given_id]


_MAX_ID_LENGTH = 1000


def _status_purposes(options: dict[str, Any], model: str | None) -> tuple[str, ...]:
    """The purposes of the status entries Corridor adds, from VCALM's ``options.credentialStatus``.

    Unasked, a VC 2.0 credential gets both (DESIGN §10) and a VC 1.1 one none: 1.1 would then need the
    status list context, which not every 1.1 verifier knows. Asked for (``type``
    ``BitstringStatusListEntry``), the ``statusPurpose`` named, a string or a list, or else both.
    """
    asked = options.get("credentialStatus")
    if asked is None:
        return () if model == vcdm.V1 else status_list.PURPOSES
    if not isinstance(asked, dict) or asked.get("type") != status_list.ENTRY_TYPE:
        raise ApplicationError(
            f"options.credentialStatus asks for a status entry: its type is {status_list.ENTRY_TYPE}.",
            field="options.credentialStatus.type",
        )
    purposes = asked.get("statusPurpose", list(status_list.PURPOSES))
    purposes = [purposes] if isinstance(purposes, str) else purposes
    if not isinstance(purposes, list) or not purposes or not set(purposes) <= set(status_list.PURPOSES):
        raise ApplicationError(
            f"options.credentialStatus.statusPurpose is one of, or a list of, {', '.join(status_list.PURPOSES)}.",
            field="options.credentialStatus.statusPurpose",
        )
    return tuple(purpose for purpose in status_list.PURPOSES if purpose in purposes)


def _cryptosuite(options: dict[str, Any]) -> str:
    """``options.cryptosuite``: eddsa-rdfc-2022 (the default) or eddsa-jcs-2022."""
    cryptosuite = options.get("cryptosuite", dataintegrity.CRYPTOSUITE)
    if cryptosuite not in dataintegrity.CRYPTOSUITES:
        raise ApplicationError(
            f"options.cryptosuite is one of {', '.join(dataintegrity.CRYPTOSUITES)}.", field="options.cryptosuite"
        )
    return cryptosuite


def credential_issue_api(*, actor: Actor, credential: Any, options: Any = None) -> Credential:
    """Sign a caller-supplied credential (VC 2.0 or 1.1) as the caller's partner, with status entries.

    The caller's own ``credentialStatus`` entries are kept; Corridor adds a revocation and a suspension
    ``BitstringStatusListEntry`` of its own lists (which ``/credentials/status`` then sets and clears),
    as :func:`_status_purposes` reads the VC API's ``options``; ``options.cryptosuite`` chooses the
    cryptosuite (:func:`_cryptosuite`).
    """
    if actor.partner is None:
        raise ApplicationError("Say which partner issues (X-Corridor-Partner).", field="credential.issuer")
    if options is None:
        options = {}
    if not isinstance(options, dict):
        raise ApplicationError("options, if present, is a JSON object.", field="options")
    problems = vcdm.issue_problems(credential) or (
        held_resource_problems(credential)[0] if "relatedResource" in credential else []
    )
    if problems:
        field, detail = problems[0]
        raise ApplicationError(detail, field=field)
    inexact = _inexact_integer(credential)
    if inexact is not None:
        raise ApplicationError(
            f"{inexact} is an integer beyond ±(2^53 - 1), which other implementations (JavaScript's among them) "
            "read inexactly, so they could not verify the signature (I-JSON, RFC 7493): send it as a string.",
            field=inexact,
        )
    if len(str(credential.get("id", ""))) > _MAX_ID_LENGTH:
        raise ApplicationError(f"id is longer than {_MAX_ID_LENGTH} characters.", field="credential.id")
    issuer = actor.partner
    key = partner_key_ensure(partner=issuer)
    issuer_value, method = _issuer_for(credential, issuer, key)
    model = vcdm.data_model(credential)
    purposes = _status_purposes(options, model)
    cryptosuite = _cryptosuite(options)
    now = timezone.now()
    with transaction.atomic():
        did = issuer_value["id"] if isinstance(issuer_value, dict) else issuer_value
        revocation, suspension = status_slots_take(issuer, issuing_key(did, key))
        row = Credential(
            kind=CredentialKind.ISSUED,
            issuer=issuer,
            signed_by=key,
            issued_at=now,
            revocation_list=revocation[0],
            revocation_index=revocation[1],
            suspension_list=suspension[0],
            suspension_index=suspension[1],
        )
        given_status = credential.get("credentialStatus", [])
        statuses = [
            *(given_status if isinstance(given_status, list) else [given_status]),
            *(entry for entry in status_entries(revocation, suspension) if entry["statusPurpose"] in purposes),
        ]
        unsigned = {
            **credential,
            "id": credential.get("id") or credential_url(row.pk),
            "issuer": issuer_value,
        }
        if statuses or "credentialStatus" in credential:
            unsigned["credentialStatus"] = statuses
        if model == vcdm.V1:
            unsigned["@context"] = vcdm.contexts_for_v1(credential["@context"], status=bool(purposes))
            unsigned.setdefault("issuanceDate", now.strftime("%Y-%m-%dT%H:%M:%SZ"))
        else:
            unsigned.setdefault("validFrom", now.strftime("%Y-%m-%dT%H:%M:%SZ"))
        try:
            if cryptosuite == jcs.CRYPTOSUITE:
                # JCS signs the JSON as written; what Corridor issues must still be lossless JSON-LD.
                bundled_registry().canonicalize(unsigned)
            signed = dataintegrity.sign(
                unsigned,
                private_key=private_key_of(key),
                verification_method=method,
                created=now,
                cryptosuite=cryptosuite,
            )
        except (dataintegrity.ProofGenerationError, ValueError) as exc:
            raise ApplicationError(f"The credential cannot be signed: {exc}", field="credential") from exc
        row.document = serialize(signed)
        row.document_id = signed["id"]
        row.digest_multibase = digest_multibase(row.document)
        row.save(force_insert=True)
        audit_record(
            actor=actor,
            action="credential.issue",
            target=row,
            partner=issuer,
            changes={"type": credential.get("type"), "id": signed["id"], "data_model": model},
        )
    return row
