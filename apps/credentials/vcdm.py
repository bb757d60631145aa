"""The two data models of verifiable credentials: what each requires, for issuing and for verifying.

VC Data Model 2.0 (base context ``https://www.w3.org/ns/credentials/v2``): the validity period is
``validFrom``/``validUntil``, each an XML Schema ``dateTimeStamp`` (a time zone is required).
VC Data Model 1.1 (``https://www.w3.org/2018/credentials/v1``): ``issuanceDate`` is required and
``expirationDate`` optional, each an XML Schema ``dateTime`` (a value without a time zone is read as
UTC, as both specifications say of time values serialized without an offset). The 1.1 context defines
neither Data Integrity proofs nor Bitstring Status List entries, so a 1.1 credential that carries them
cites the contexts that do (:func:`contexts_for_v1`), as Digital Bazaar's libraries also do.

Only the shapes JSON-LD cannot police are checked here (a ``null`` issuer, a subject that is not an
object, a status entry without a type); whether every term is defined is the canonicalizer's job
(:mod:`apps.credentials.jsonld`). Pure module: no Django imports.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from apps.core.words import Text, gettext_noop
from apps.credentials import digests, status_list
from apps.credentials.jsonld import CREDENTIALS_V1, CREDENTIALS_V2, DATA_INTEGRITY_V2, STATUS_LIST_V1

__all__ = [
    "MEDIA_TYPE",
    "V1",
    "V2",
    "Problem",
    "contexts_for_v1",
    "data_model",
    "issue_problems",
    "parse_date_time",
    "related_resource_problems",
    "validity_problems",
]

V2 = "2.0"
V1 = "1.1"
# What a credential is served as when served as itself, its signed bytes unchanged.
MEDIA_TYPE = "application/vc"

# XML Schema dateTime; the time zone is optional (dateTimeStamp, which requires it, is checked apart).
_DATE_TIME = re.compile(
    r"^-?(?P<year>\d{4,})-(?P<month>\d{2})-(?P<day>\d{2})T(?P<hour>\d{2}):(?P<minute>\d{2}):(?P<second>\d{2})"
    r"(?P<fraction>\.\d+)?(?P<zone>Z|[+-]\d{2}:\d{2})?$"
)

Problem = tuple[str, str]  # (dotted field path in the request, what is wrong)


def data_model(document: Mapping[str, Any]) -> str | None:
    """``"2.0"`` or ``"1.1"`` from the first ``@context`` entry, or None if it is neither base context."""
    contexts = document.get("@context")
    first = contexts[0] if isinstance(contexts, list) and contexts else contexts
    return {CREDENTIALS_V2: V2, CREDENTIALS_V1: V1}.get(first) if isinstance(first, str) else None


def parse_date_time(raw: Any, *, zone_required: bool) -> datetime | None:
    """An aware datetime from an XML Schema dateTime(Stamp) string, or None if malformed or impossible.

    Without ``zone_required`` a value with no offset is read as UTC.
    """
    match = _DATE_TIME.match(raw) if isinstance(raw, str) else None
    if match is None or (zone_required and match["zone"] is None):
        return None
    zone = match["zone"] or "Z"
    text = f"{match['year']}-{match['month']}-{match['day']}T{match['hour']}:{match['minute']}:{match['second']}"
    fraction = (match["fraction"] or "")[:7]  # a dot and at most microseconds
    try:
        moment = datetime.fromisoformat(text + fraction + ("+00:00" if zone == "Z" else zone))
    except ValueError:  # well formed but impossible, such as 30 February
        return None
    return moment.astimezone(UTC)


def contexts_for_v1(contexts: list[Any], *, status: bool) -> list[Any]:
    """A 1.1 credential's ``@context`` with the status list and data integrity contexts it needs, if missing."""
    needed = ([STATUS_LIST_V1] if status else []) + [DATA_INTEGRITY_V2]
    return [*contexts, *(url for url in needed if url not in contexts)]


def is_url_like(value: Any) -> bool:
    return isinstance(value, str) and ":" in value and not value.startswith(":")


def _types(value: Any) -> list[Any] | None:
    if isinstance(value, str):
        return [value]
    return value if isinstance(value, list) else None


def _context_problems(credential: Mapping[str, Any]) -> Iterator[Problem]:
    contexts = credential.get("@context")
    if "@context" not in credential:
        yield "credential.@context", "@context is required."
        return
    if not isinstance(contexts, list) or not contexts:
        yield "credential.@context", "@context must be a non-empty list."
        return
    if data_model(credential) is None:
        yield "credential.@context", f"The first @context must be {CREDENTIALS_V2} (or {CREDENTIALS_V1} for VC 1.1)."
    for index, entry in enumerate(contexts):
        if not isinstance(entry, str | dict):
            yield f"credential.@context[{index}]", "Each @context entry is a URL or a context object."


def _subject_problems(credential: Mapping[str, Any]) -> Iterator[Problem]:
    if "credentialSubject" not in credential:
        yield "credential.credentialSubject", "credentialSubject is required."
        return
    subject = credential["credentialSubject"]
    subjects = subject if isinstance(subject, list) else [subject]
    if not subjects:
        yield "credential.credentialSubject", "credentialSubject must name at least one subject."
    for item in subjects:
        if not isinstance(item, dict) or not item:
            yield "credential.credentialSubject", "Each credentialSubject is an object making at least one claim."
            return


def _status_problems(credential: Mapping[str, Any]) -> Iterator[Problem]:
    if "credentialStatus" not in credential:
        return
    entries = credential["credentialStatus"]
    entries = entries if isinstance(entries, list) else [entries]
    for index, entry in enumerate(entries):
        field = f"credential.credentialStatus[{index}]"
        if not isinstance(entry, dict):
            yield field, "A credentialStatus entry is an object."
            continue
        types = _types(entry.get("type"))
        if not types or not all(isinstance(item, str) and item for item in types):
            yield f"{field}.type", "A credentialStatus entry needs a type (a string or a list of strings)."
        if "id" in entry and not is_url_like(entry["id"]):
            yield f"{field}.id", "credentialStatus.id, if present, is one URL."
        if entry.get("type") == status_list.ENTRY_TYPE:
            try:
                status_list.entry_check(entry)
            except status_list.MalformedStatusList as exc:
                yield field, str(exc)


# VC DM 2.0 §4.5: the objects of these properties MUST have a type; §4.11: a schema also a URL id.
_TYPED_PROPERTIES = ("termsOfUse", "evidence", "refreshService", "credentialSchema")


def _typed_object_problems(credential: Mapping[str, Any]) -> Iterator[Problem]:
    for name in _TYPED_PROPERTIES:
        if name not in credential:
            continue
        values = credential[name] if isinstance(credential[name], list) else [credential[name]]
        for index, value in enumerate(values):
            field = f"credential.{name}[{index}]"
            if not isinstance(value, dict):
                yield field, f"A {name} entry is an object."
                continue
            types = _types(value.get("type"))
            if not types or not all(isinstance(item, str) and item for item in types):
                yield f"{field}.type", f"A {name} entry needs a type (a string or a list of strings)."
            if name == "credentialSchema" and not is_url_like(value.get("id")):
                yield f"{field}.id", "A credentialSchema needs an id, the URL of the schema."


# A media type as the IANA registry writes one: type "/" subtype, each a restricted name (RFC 6838 §4.2).
_MEDIA_TYPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}")


def _related_entry_problems(entry: Any, field: str, seen: set[str]) -> Iterator[Problem]:
    if not isinstance(entry, dict):
        yield (
            field,
            Text(
                gettext_noop(
                    "A relatedResource is an object: an id, a digestSRI or digestMultibase, and maybe a mediaType."
                )
            ),
        )
        return
    if not is_url_like(entry.get("id")):
        yield f"{field}.id", Text(gettext_noop("A relatedResource needs an id, the URL of the resource."))
    elif entry["id"] in seen:
        yield (
            f"{field}.id",
            Text(
                gettext_noop("%(id)s is named by two relatedResource objects; each id must be unique."), id=entry["id"]
            ),
        )
    else:
        seen.add(entry["id"])
    if "digestSRI" not in entry and "digestMultibase" not in entry:
        yield field, Text(gettext_noop("A relatedResource needs a digestSRI or a digestMultibase."))
    for name, problem in (("digestSRI", digests.sri_problem), ("digestMultibase", digests.multibase_problem)):
        if name in entry and (reason := problem(entry[name])):
            yield f"{field}.{name}", Text("%(name)s: %(reason)s.", name=name, reason=reason)
    if "mediaType" in entry and not (isinstance(entry["mediaType"], str) and _MEDIA_TYPE.fullmatch(entry["mediaType"])):
        yield (
            f"{field}.mediaType",
            Text(gettext_noop("mediaType, if present, is a media type such as application/ld+json.")),
        )


def related_resource_problems(credential: Mapping[str, Any]) -> list[Problem]:
    """What breaks VC DM 2.0 §5.3 in ``relatedResource``: one or more objects, each with a unique URL id
    and at least one well-formed digest ([] without the property). Whether a digest matches the
    resource is for whoever holds the resource to say."""
    if "relatedResource" not in credential:
        return []
    value = credential["relatedResource"]
    if not isinstance(value, dict | list) or value == []:
        return [("credential.relatedResource", Text(gettext_noop("relatedResource is one or more objects.")))]
    entries = value if isinstance(value, list) else [value]
    seen: set[str] = set()
    return [
        problem
        for index, entry in enumerate(entries)
        for problem in _related_entry_problems(entry, f"credential.relatedResource[{index}]", seen)
    ]


def _validity_format_problems(credential: Mapping[str, Any], model: str | None) -> Iterator[Problem]:
    if model == V1:
        names, zone_required = ("issuanceDate", "expirationDate"), False
    else:
        names, zone_required = ("validFrom", "validUntil"), True
    kind = "date-time" if model == V1 else "date-time with a time zone (XML Schema dateTimeStamp)"
    moments = {}
    for name in names:
        if name in credential:
            moments[name] = parse_date_time(credential[name], zone_required=zone_required)
            if moments[name] is None:
                yield f"credential.{name}", f"{name} must be a {kind}."
    start, end = (moments.get(name) for name in names)
    if start is not None and end is not None and start > end:
        yield f"credential.{names[1]}", f"{names[1]} is earlier than {names[0]}."


def issue_problems(credential: Any) -> list[Problem]:
    """What keeps ``credential`` (sent without a proof) from being issued, as (field, reason) pairs.

    The issuer itself is checked by the caller, who knows which identifiers are its own.
    """
    if not isinstance(credential, dict):
        return [("credential", "credential must be a JSON object.")]
    problems = list(_context_problems(credential))
    types = _types(credential.get("type"))
    if "type" not in credential:
        problems.append(("credential.type", "type is required."))
    elif not types or not all(isinstance(item, str) and item for item in types):
        problems.append(("credential.type", "type must be a string or a non-empty list of strings."))
    elif "VerifiableCredential" not in types:
        problems.append(("credential.type", "type must include VerifiableCredential."))
    if "id" in credential and not is_url_like(credential["id"]):
        problems.append(("credential.id", "id, if present, is one URL."))
    problems.extend(_subject_problems(credential))
    problems.extend(_status_problems(credential))
    problems.extend(_typed_object_problems(credential))
    problems.extend(related_resource_problems(credential))
    problems.extend(_validity_format_problems(credential, data_model(credential)))
    if "proof" in credential:
        problems.append(("credential.proof", "Send the credential without a proof."))
    return problems


def validity_problems(document: Mapping[str, Any], now: datetime) -> list[str]:
    """Why ``document`` is not valid at ``now`` under its own data model's validity rules ([] if it is)."""
    model = data_model(document)
    if model == V1:
        start_name, end_name, zone_required = "issuanceDate", "expirationDate", False
        if "issuanceDate" not in document:
            return [Text(gettext_noop("a VC 1.1 credential needs an issuanceDate"))]
    else:
        start_name, end_name, zone_required = "validFrom", "validUntil", True
    problems = []
    start = end = None
    for name in (start_name, end_name):
        if name not in document:
            continue
        moment = parse_date_time(document[name], zone_required=zone_required)
        if moment is None:
            problems.append(
                Text(gettext_noop("%(name)s is not a date-time with a time zone"), name=name)
                if zone_required
                else Text(gettext_noop("%(name)s is not a date-time"), name=name)
            )
        elif name == start_name:
            start = moment
            if moment > now:
                problems.append(Text(gettext_noop("not valid before %(moment)s"), moment=document[name]))
        else:
            end = moment
            if moment < now:
                problems.append(Text(gettext_noop("expired at %(moment)s"), moment=document[name]))
    if start is not None and end is not None and start > end:
        problems.append(Text(gettext_noop("%(end)s is earlier than %(start)s"), end=end_name, start=start_name))
    return problems
