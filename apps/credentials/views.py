"""Credential pages and the documents served as they are: DID documents, the JSON-LD context, status lists;
the issuer identifiers' panel of the partner's home page and its form; the partner's signing keys."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseGone, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.core.errors import ApplicationError
from apps.credentials import dids, jsonld, selectors, vcdm, verification
from apps.credentials.models import StatusList
from apps.credentials.services.identifiers import issuer_did_method_set
from apps.credentials.services.keys import partner_key_revoke, partner_key_rotate
from apps.credentials.services.presentations import presentation_build
from apps.partners.access import Actor, actor_for_request, require
from apps.partners.choices import MemberRole
from apps.partners.models import Partner
from apps.shipments.selectors import consignment_visible
from apps.shipments.steps import step_label

STATUS_LIST_MEDIA_TYPES = [vcdm.MEDIA_TYPE, "application/ld+json", "application/json"]


@require_GET
def did_document(request: HttpRequest, slug: str) -> JsonResponse:
    if dids.did_web_host_problem(settings.CORRIDOR_DID_HOST):
        # The system checks report it: no partner has a valid did:web, so there is no document to serve.
        raise Http404("CORRIDOR_DID_HOST is not a did:web host")
    partner = get_object_or_404(Partner, slug=slug, is_active=True)
    return JsonResponse(selectors.partner_did_document(partner=partner), content_type="application/did+json")


@require_GET
def corridor_context(request: HttpRequest) -> FileResponse:
    """Corridor's JSON-LD context, also bundled (its URL does not depend on the deployment)."""
    path = jsonld.CONTEXTS_DIR / "corridor-v1.jsonld"
    return FileResponse(path.open("rb"), content_type="application/ld+json")


@require_GET
def status_list_credential(request: HttpRequest, list_id: str) -> HttpResponse:
    """The issuer's signed status list: public, since verifiers anywhere must read it (no business data)."""
    status = StatusList.objects.select_related("issuer", "did_key").filter(pk=list_id).first()
    if status is None:
        raise Http404("No such status list")
    if selectors.status_list_withdrawn(status):
        return HttpResponseGone("The key of this status list's issuer was revoked.", content_type="text/plain")
    body = json.dumps(selectors.status_list_credential(status=status), separators=(",", ":"))
    # Verifiers' JSON-LD loaders (Digital Bazaar's http-client among them) ask for application/ld+json
    # or application/json and read no other type; the same bytes are served as what they accept.
    media_type = request.get_preferred_type(STATUS_LIST_MEDIA_TYPES) or vcdm.MEDIA_TYPE
    return HttpResponse(body, content_type=media_type, headers={"Cache-Control": "max-age=60", "Vary": "Accept"})


@login_required
def consignment_chain_page(request: HttpRequest, pk: str) -> HttpResponse:
    actor = actor_for_request(request)
    consignment = get_object_or_404(consignment_visible(actor=actor), pk=pk)
    rows = []
    entries = selectors.consignment_chain(consignment=consignment)
    outcomes = verification.chain_entries_verify(entries)
    for entry, outcome in zip(entries, outcomes, strict=True):
        event = entry.credential.event
        label = (
            step_label(biz_step=event.biz_step, event_code=event.event_code, event_type=event.event_type)
            if event is not None
            else None
        )
        rows.append({"entry": entry, "verified": outcome.verified, "errors": outcome.errors, "label": label})
    return render(request, "credentials/chain.html", {"consignment": consignment, "rows": rows})


def step_in_words(subject: Any) -> str:
    """ "Loaded on vessel at TWKHH" for a step credential's subject; "" when it describes no event."""
    if not isinstance(subject, dict) or "eventID" not in subject:
        return ""
    words = str(
        step_label(
            biz_step=str(subject.get("bizStep") or ""),
            event_code=str(subject.get("eventCode") or ""),
            event_type=str(subject.get("type") or ""),
        )
    )
    place = subject.get("unlocode") or (subject.get("bizLocation") or subject.get("readPoint") or {}).get("id", "")
    return gettext("%(step)s at %(place)s") % {"step": words, "place": place} if place else words


def _issuer_did(document: Any) -> str:
    issuer = document.get("issuer") if isinstance(document, dict) else None
    did = issuer.get("id") if isinstance(issuer, dict) else issuer
    return did if isinstance(did, str) else ""


def _described(document: Any, issuers: dict[str, Any] | None = None) -> dict[str, Any]:
    """Who issued a credential (the partner its DID names, when it is one of ours) and what it attests.

    ``issuers`` remembers the partners already found, so a chain of many steps by few issuers asks once per issuer.
    """
    issuers = {} if issuers is None else issuers
    did = _issuer_did(document)
    if did and did not in issuers:
        issuers[did] = selectors.partner_for_did(did)
    partner = issuers.get(did) if did else None
    subject = document.get("credentialSubject") if isinstance(document, dict) else None
    return {
        "did": did,
        "issuer": partner,
        "attests": step_in_words(subject),
        "event_time": subject.get("eventTime", "") if isinstance(subject, dict) else "",
    }


def _verify(document: Any) -> tuple[Any, list[dict[str, Any]]]:
    """The verification outcome and what each credential in the document is, for the page."""
    types = document.get("type") if isinstance(document, dict) else None
    if types == "VerifiablePresentation" or (isinstance(types, list) and "VerifiablePresentation" in types):
        # A person reads each check here; an exported chain is unsigned unless a verifier asked for a proof.
        credentials = document.get("verifiableCredential") or []
        credentials = credentials if isinstance(credentials, list) else [credentials]
        issuers: dict[str, Any] = selectors.partners_for_dids(did for c in credentials if (did := _issuer_did(c)))
        outcome = verification.presentation_verify(document, allow_unsigned=True)
        return outcome, [_described(c, issuers) for c in credentials]
    return verification.credential_verify(document), [_described(document)]


def _document_of(request: HttpRequest) -> tuple[str, Any]:
    """A credential (``?credential=<id>``) or a consignment's whole chain (``?consignment=<id>``) the
    logged-in user may see, as text and as the document to verify."""
    actor = actor_for_request(request)
    if "credential" in request.GET:
        credential = get_object_or_404(selectors.credential_list(actor=actor), pk=_uuid(request.GET["credential"]))
        text = bytes(credential.document).decode()
        return text, json.loads(text)
    consignment = get_object_or_404(consignment_visible(actor=actor), pk=_uuid(request.GET["consignment"]))
    document = presentation_build(actor=actor, consignment=consignment)
    return json.dumps(document, indent=2), document


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Http404("Not a credential or consignment id") from None


@require_http_methods(["GET", "POST"])
def verify_page(request: HttpRequest) -> HttpResponse:
    """Public: anyone pastes or uploads a credential and sees each check, who issued it and what it
    attests; a member verifies a credential or a consignment's whole chain it may see from its page."""
    outcome = None
    described: list[dict[str, Any]] = []
    error = ""
    nothing_issued = False
    text = request.POST.get("credential", "")
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is not None:
            text = upload.read(1_048_576).decode("utf-8", errors="replace")
        document = verification.parse_json(text)
        if document is None:
            error = gettext("That is not JSON.")
        else:
            outcome, described = _verify(document)
    elif request.user.is_authenticated and ("credential" in request.GET or "consignment" in request.GET):
        text, document = _document_of(request)
        # A consignment whose steps have no credential yet: said so, not "failed" as an empty presentation.
        nothing_issued = "consignment" in request.GET and not document.get("verifiableCredential")
        if not nothing_issued:
            outcome, described = _verify(document)
    context = {
        "outcome": outcome,
        "described": described,
        "error": error,
        "text": text,
        "nothing_issued": nothing_issued,
    }
    return render(request, "credentials/verify.html", context)


def identifiers_panel(request: HttpRequest, actor: Actor) -> str:
    """The partner home page's panel of its issuer identifiers (contributed to ``partners.views.home_panels``)."""
    if actor.partner is None:
        return ""
    context = {
        "identifiers": selectors.partner_identifiers(partner=actor.partner),
        "is_admin": actor.has_role(MemberRole.ADMIN),
    }
    return render_to_string("credentials/home_identifiers.html", context, request=request)


@login_required
@require_POST
def issuer_did_method(request: HttpRequest) -> HttpResponse:
    """A partner's admin chooses which of its DIDs issues (did:web, or did:key for verifiers that cannot resolve it)."""
    actor = actor_for_request(request)
    if actor.partner is None:
        raise Http404("Not acting for a partner")
    try:
        issuer_did_method_set(actor=actor, partner=actor.partner, did_method=request.POST.get("did_method", ""))
    except ApplicationError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, gettext("Issuing identifier changed."))
    return redirect("partner-home")


@login_required
def key_list(request: HttpRequest) -> HttpResponse:
    """The acting partner's signing keys: current, rotated (still verifying) and revoked."""
    actor = actor_for_request(request)
    require(actor, role=MemberRole.ADMIN, acting=True, to=gettext_noop("manage its keys"))
    keys = selectors.partner_key_list(actor=actor).filter(partner=actor.partner).order_by("-created_at")
    return render(request, "credentials/keys.html", {"keys": keys})


@login_required
@require_POST
def key_rotate(request: HttpRequest) -> HttpResponse:
    actor = actor_for_request(request)
    partner = require(actor, role=MemberRole.ADMIN, acting=True, to=gettext_noop("manage its keys"))
    key = partner_key_rotate(actor=actor, partner=partner)
    messages.success(
        request,
        gettext("Key %(key)s signs from now on; the previous key still verifies what it signed.") % {"key": key.key_id},
    )
    return redirect("key-list")


@login_required
@require_POST
def key_revoke(request: HttpRequest, key_id: str) -> HttpResponse:
    actor = actor_for_request(request)
    key = get_object_or_404(selectors.partner_key_list(actor=actor), pk=key_id)
    try:
        partner_key_revoke(actor=actor, key=key, reason=request.POST.get("reason", ""))
    except ApplicationError as exc:
        if exc.status != 400:
            raise
        messages.error(request, exc.detail)
    else:
        text = gettext("Key %(key)s revoked: what it signed no longer verifies.")
        messages.success(request, text % {"key": key.key_id})
    return redirect("key-list")
