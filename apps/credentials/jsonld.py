"""JSON-LD for credentials: bundled contexts only, lossless expansion, bounded canonicalization.

- **No network, ever.** The document loader serves the contexts bundled in ``contexts/`` (see its
  ``index.json``); any other URL raises :class:`UnknownContext`, which names it. Documents are
  checked for unknown context URLs before pyld sees them.
- **Nothing silently dropped.** Data Integrity requires an error when JSON-LD processing would lose
  data (``DATA_LOSS_DETECTION_ERROR``): a term no context defines, or a value that is not an
  absolute IRI where one is expected, would otherwise vanish from the signed data while still
  showing in the JSON. Both raise :class:`DataLossDetected`. (pyld 3.3 would also resolve relative
  IRIs against ``http://example.org/base/``; we pass no base, so they are caught instead.)
- **RDFC-1.0 only.** Canonicalization is pyld's ``URDNA2015`` (never the default ``URGNA2012``)
  under the limits of :mod:`apps.credentials.rdfc`. Issuance may ask for the fast path
  (``fast=True``): the same bytes from a template of the document's shape
  (:mod:`apps.credentials.canonical_templates`), pyld whenever a template cannot give them.
- **Processed contexts are cached.** pyld caches a processed context per *active context*, but
  builds a fresh active context for every type-scoped context (``VerifiableCredential``,
  ``BitstringStatusListEntry``, ``DataIntegrityProof``) and so reprocesses them, and the property-
  scoped ones under them, for every document: about half the cost of a step credential
  (``bench/bench_credentials.py``: 1.7 ms plain, 0.9 ms cached). A registry memoizes context
  processing keyed by (active context, context) for the contexts it owns (bundled URLs and the
  objects inside the bundled documents, which it keeps alive and never changes); inline contexts
  in a document are processed by pyld as usual. A property test compares the result with fresh,
  uncached pyld on generated credentials.

A registry is safe to share between requests in a process; the caches are bounded. Pure module: no
Django imports.
"""

from __future__ import annotations

import functools
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from pyld.context_resolver import ContextResolver
from pyld.identifier_issuer import IdentifierIssuer
from pyld.jsonld import JsonLdError, JsonLdProcessor

from apps.credentials.canonical_templates import CHECK_EVERY, TemplateCanonicalizer
from apps.credentials.rdfc import (
    DEFAULT_LIMITS,
    BoundedWorkExceeded,
    Limits,
    canonicalize_dataset,
    check_dataset,
    check_json_shape,
)

__all__ = [
    "CONTEXTS_DIR",
    "CORRIDOR_V1",
    "CREDENTIALS_V1",
    "CREDENTIALS_V2",
    "DATA_INTEGRITY_V2",
    "DID_V1",
    "MULTIKEY_V1",
    "STATUS_LIST_V1",
    "BoundedWorkExceeded",
    "ContextRegistry",
    "DataLossDetected",
    "InvalidJsonLd",
    "Limits",
    "UnknownContext",
    "bundled_registry",
    "canonicalize",
    "document_loader",
    "expand",
]

CONTEXTS_DIR = Path(__file__).resolve().parent / "contexts"

CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
# The VC Data Model 1.1 base context (credentials with issuanceDate/expirationDate).
CREDENTIALS_V1 = "https://www.w3.org/2018/credentials/v1"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
DID_V1 = "https://www.w3.org/ns/did/v1"
STATUS_LIST_V1 = "https://www.w3.org/ns/credentials/status/v1"
# Corridor's own terms; a fixed URL that does not depend on the deployment (DESIGN §10).
CORRIDOR_V1 = "https://w3id.org/corridor/contexts/v1"

# What pyld accepts as an absolute IRI (anything else is dropped from RDF), minus ',' in the scheme.
_ABSOLUTE_IRI = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*|_):\S*$")
_PROCESSED_CACHE_SIZE = 4096
_RESOLVED_CACHE_SIZE = 1024
# Expansions kept per processed context: the terms and IRIs of a document type, not its data.
_IRI_MEMO_SIZE = 4096


class UnknownContext(ValueError):
    """A document cites a JSON-LD context that is not bundled; it is never fetched."""

    def __init__(self, url: str) -> None:
        super().__init__(f"unknown JSON-LD context {url!r}: only bundled contexts are loaded, never the network")
        self.url = url


class DataLossDetected(ValueError):
    """JSON-LD processing would drop data (an undefined term, a relative IRI) from what is signed.

    ``value`` is the offending value when it is one (an ``@id`` or type), None for an undefined term.
    """

    def __init__(self, message: str, value: Any = None) -> None:
        super().__init__(message)
        self.value = value


class InvalidJsonLd(ValueError):
    """The document is not valid JSON-LD (pyld refused it); ``code`` is the JSON-LD error code if any."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class _BoundedCache(OrderedDict):
    """A small thread-safe LRU with the ``get``/``[]=`` interface pyld's caches use."""

    def __init__(self, maxsize: int) -> None:
        super().__init__()
        self._maxsize = maxsize
        self._lock = threading.Lock()

    def get(self, key: Any, default: Any = None) -> Any:
        with self._lock:
            if key not in self:
                return default
            self.move_to_end(key)
            return super().__getitem__(key)

    def __setitem__(self, key: Any, value: Any) -> None:
        with self._lock:
            super().__setitem__(key, value)
            self.move_to_end(key)
            while len(self) > self._maxsize:
                self.popitem(last=False)


def _object_ids(value: Any) -> Iterator[int]:
    """``id()`` of every dict and list inside a JSON value (the context objects a registry owns)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield id(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            yield id(item)
            stack.extend(item)


class ContextRegistry:
    """The JSON-LD contexts a process may use, keyed by URL, with the caches built on them.

    Documents are parsed once and kept for the registry's lifetime; pyld receives them without a
    copy (it only rewrites relative ``@context`` URLs nested in a context, and bundled contexts have
    none), which is what lets processed contexts be cached by identity.
    """

    def __init__(self, documents: Mapping[str, Any]) -> None:
        self._documents: dict[str, Any] = dict(documents)
        self._owned: frozenset[int] = frozenset(i for doc in self._documents.values() for i in _object_ids(doc))
        self._resolved = _BoundedCache(_RESOLVED_CACHE_SIZE)
        self._processed = _BoundedCache(_PROCESSED_CACHE_SIZE)
        # id() of a processed context in the cache above -> (that context, its IRI expansions).
        self._iri_memos: dict[int, tuple[Any, dict]] = {}
        self._templates: dict[Limits, TemplateCanonicalizer] = {}

    @classmethod
    def from_directory(cls, directory: Path) -> ContextRegistry:
        """Load ``directory/index.json`` (URL → file name) and every file it names."""
        index = json.loads((directory / "index.json").read_text(encoding="utf-8"))
        return cls({url: json.loads((directory / name).read_text(encoding="utf-8")) for url, name in index.items()})

    def extended(self, documents: Mapping[str, Any]) -> ContextRegistry:
        """A new registry with more contexts (e.g. the W3C examples context, for test vectors)."""
        return ContextRegistry({**self._documents, **documents})

    @property
    def urls(self) -> frozenset[str]:
        """Every context URL this registry can serve."""
        return frozenset(self._documents)

    def __contains__(self, url: object) -> bool:
        return url in self._documents

    def load(self, url: str, options: Any = None) -> dict[str, Any]:
        """pyld document loader: a bundled context or :class:`UnknownContext`, never a request."""
        try:
            document = self._documents[url]
        except KeyError:
            raise UnknownContext(url) from None
        # "tag": "static" lets pyld keep the resolved context across operations.
        return {
            "contentType": "application/ld+json",
            "contextUrl": None,
            "documentUrl": url,
            "document": document,
            "tag": "static",
        }

    def check_context_urls(self, document: Any) -> bool:
        """Raise :class:`UnknownContext` for the first ``@context`` URL, at any depth, not bundled here.

        Returns whether every context the document cites is a URL (no inline context objects).
        """
        only_urls = True
        stack = [document]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                for key, value in item.items():
                    if key == "@context":
                        entries = value if isinstance(value, list) else [value]
                        only_urls = only_urls and all(isinstance(entry, str) for entry in entries)
                        for url in _context_urls(value):
                            if url not in self._documents:
                                raise UnknownContext(url)
                    stack.append(value)
            elif isinstance(item, list):
                stack.extend(item)
        return only_urls

    def expand(self, document: Any, *, limits: Limits = DEFAULT_LIMITS) -> list[dict[str, Any]]:
        """JSON-LD expansion that raises instead of dropping anything (see the module docstring)."""
        check_json_shape(document, limits)
        # Inline contexts make fresh active contexts each time: caching under them would only fill
        # the cache, so such documents are processed by pyld alone.
        memoize = self.check_context_urls(document)
        processor = _LosslessProcessor(self, memoize=memoize)
        try:
            expanded = processor.expand_in_place(document, self._options())
        except JsonLdError as error:
            raise _unwrap(error) from error
        loss = _find_data_loss(expanded)
        if loss:
            raise DataLossDetected(*loss)
        return expanded

    def canonicalize(self, document: Any, *, limits: Limits = DEFAULT_LIMITS, fast: bool = False) -> str:
        """RDFC-1.0 canonical N-Quads of a JSON-LD document, or an exception naming what is wrong.

        Raises :class:`UnknownContext`, :class:`DataLossDetected`, :class:`InvalidJsonLd` or
        :class:`BoundedWorkExceeded`; the first two are checked before any canonicalization work.
        ``fast`` gives the same answer through a template of the document's shape where one applies
        (issuance: many documents of few shapes); verification keeps pyld's path.
        """
        if fast:
            return self._template_canonicalizer(limits).canonicalize(document)
        return canonicalize_dataset(self._dataset(document, limits), limits)

    def _dataset(self, document: Any, limits: Limits) -> dict[str, list[dict[str, Any]]]:
        """The document's RDF dataset in pyld's form (its quads and blank nodes not yet checked)."""
        expanded = self.expand(document, limits=limits)
        processor = _LosslessProcessor(self, memoize=False)
        issuer = IdentifierIssuer("_:b")
        node_map: dict[str, dict] = {"@default": {}}
        # pyld's to_rdf() without its second expansion: the document is expanded already.
        try:
            processor._create_node_map(expanded, node_map, "@default", issuer)
            # i18n-datatype keeps @direction in the signed data, as Digital Bazaar's eddsa-rdfc-2022 does.
            options = {"produceGeneralizedRdf": False, "rdfDirection": "i18n-datatype", "processingMode": "json-ld-1.1"}
            dataset = {
                name: processor._graph_to_rdf(graph, issuer, options) for name, graph in sorted(node_map.items())
            }
        except JsonLdError as error:
            raise _unwrap(error) from error
        return dataset

    def _checked_dataset(self, document: Any, limits: Limits) -> dict[str, list[dict[str, Any]]]:
        dataset = self._dataset(document, limits)
        check_dataset(dataset, limits)
        return dataset

    def _template_canonicalizer(self, limits: Limits) -> TemplateCanonicalizer:
        canonicalizer = self._templates.get(limits)
        if canonicalizer is None:
            canonicalizer = self._templates[limits] = self.template_canonicalizer(limits=limits)
        return canonicalizer

    def template_canonicalizer(
        self, *, limits: Limits = DEFAULT_LIMITS, build_after: int = 1, check_every: int | None = CHECK_EVERY
    ) -> TemplateCanonicalizer:
        """A new fast path over this registry (``canonicalize(fast=True)`` keeps one per ``limits``)."""
        keep, terms = _structural_terms(self._documents.values())
        return TemplateCanonicalizer(
            reference=functools.partial(self.canonicalize, limits=limits),
            to_dataset=functools.partial(self._checked_dataset, limits=limits),
            keep=keep,
            terms=terms,
            build_after=build_after,
            check_every=check_every,
        )

    def _options(self) -> dict[str, Any]:
        return {
            "documentLoader": self.load,
            "contextResolver": ContextResolver(self._resolved, self.load),
            "base": None,
            "processingMode": "json-ld-1.1",
        }

    def _processed_key(self, active_ctx: Any, local_ctx: Any, flags: tuple) -> tuple | None:
        """Cache key for processing ``local_ctx`` on ``active_ctx``, or None if not ours to cache."""
        uid = active_ctx.get("_uuid")
        if uid is None:
            return None
        if isinstance(local_ctx, str):
            return (uid, local_ctx, *flags)
        if isinstance(local_ctx, list) and all(isinstance(item, str) for item in local_ctx):
            return (uid, tuple(local_ctx), *flags)
        if id(local_ctx) in self._owned:
            return (uid, id(local_ctx), *flags)
        return None

    def _remember(self, key: tuple, local_ctx: Any, processed: Any) -> None:
        """Cache a processed context, and give it an IRI-expansion memo of its own."""
        # Keeping local_ctx alive keeps its id() from being reused by another object.
        self._processed[key] = (local_ctx, processed)
        if len(self._iri_memos) >= 2 * _PROCESSED_CACHE_SIZE:
            self._iri_memos.clear()
        self._iri_memos.setdefault(id(processed), (processed, {}))

    def _iri_memo(self, active_ctx: Any) -> dict | None:
        """The IRI-expansion memo of a processed context from this registry's cache, else None."""
        entry = self._iri_memos.get(id(active_ctx))
        return entry[1] if entry is not None and entry[0] is active_ctx else None


def _context_urls(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        yield from (item for item in value if isinstance(item, str))


def _find_data_loss(expanded: Any) -> tuple[str, Any] | None:
    """Describe the first value pyld's RDF conversion would drop from an expanded document (and give it)."""
    stack = [expanded]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
            continue
        if not isinstance(item, dict) or "@value" in item:
            continue
        for key, value in item.items():
            if key == "@id":
                if not isinstance(value, str) or not _ABSOLUTE_IRI.match(value):
                    return f"{value!r} is not an absolute IRI (relative or undefined identifier)", value
            elif key == "@type":
                for type_ in value:
                    if not isinstance(type_, str) or not _ABSOLUTE_IRI.match(type_):
                        return f"type {type_!r} is not defined by any context", type_
            elif key.startswith("_:"):
                return f"blank node {key!r} used as a property", None
            elif key == "@reverse":
                stack.extend(value.values())
            elif key in ("@graph", "@list", "@set", "@included") or not key.startswith("@"):
                stack.append(value)
    return None


def _structural_terms(documents: Iterable[Any]) -> tuple[set[str], set[str]]:
    """Of every term the context documents define (scoped ones too): the keyword aliases whose values
    shape the RDF (all but ``@id``'s and ``@value``'s), and the terms containing a colon."""
    keep = {"type", "@type"}
    terms: set[str] = set()
    stack = [context for document in documents for context in _context_objects(document)]
    while stack:
        context = stack.pop()
        for term, definition in context.items():
            if ":" in term:
                terms.add(term)
            target = definition.get("@id") if isinstance(definition, dict) else definition
            if isinstance(target, str) and target.startswith("@") and target not in ("@id", "@value"):
                keep.add(term)
            if isinstance(definition, dict):
                stack.extend(_context_objects(definition))
    return keep, terms


def _context_objects(holder: Any) -> Iterator[dict[str, Any]]:
    """The context objects under a document's (or a term definition's) ``@context``."""
    value = holder.get("@context") if isinstance(holder, dict) else None
    for entry in value if isinstance(value, list) else [value]:
        if isinstance(entry, dict):
            yield entry


def _unwrap(error: JsonLdError) -> Exception:
    """Our own error if pyld wrapped one (an unknown context URL), else :class:`InvalidJsonLd`."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, UnknownContext | DataLossDetected | BoundedWorkExceeded):
            return cause
        cause = cause.__cause__
    innermost: BaseException = error
    while isinstance(innermost.__cause__, JsonLdError):
        innermost = innermost.__cause__
    code = getattr(innermost, "code", None)
    message = innermost.args[0] if innermost.args else type(innermost).__name__
    return InvalidJsonLd(f"invalid JSON-LD: {message}" + (f" ({code})" if code else ""), code=code)


class _LosslessProcessor(JsonLdProcessor):
    """pyld's processor with dropped properties as errors and the registry's processed-context cache."""

    def __init__(self, registry: ContextRegistry, *, memoize: bool) -> None:
        super().__init__(on_property_dropped=self._dropped)
        self._registry = registry
        self._memoize = memoize

    @staticmethod
    def _dropped(expanded_property: str | None) -> None:
        raise DataLossDetected(
            f"term {expanded_property!r} is not defined by any context and would be dropped from the signed data"
        )

    def _process_context(  # noqa: PLR0917 - pyld's signature, called positionally by pyld
        self,
        active_ctx: Any,
        local_ctx: Any,
        options: dict[str, Any],
        override_protected: bool = False,
        propagate: bool = True,
        validate_scoped: bool = True,
        cycles: Any = None,
    ) -> Any:
        """pyld's context processing, memoized for contexts the registry owns (module docstring)."""
        flags = (override_protected, propagate, validate_scoped, options.get("base"), options.get("processingMode"))
        key = self._registry._processed_key(active_ctx, local_ctx, flags) if self._memoize else None
        if key is not None:
            hit = self._registry._processed.get(key)
            if hit is not None:
                return hit[1]
        try:
            processed = super()._process_context(
                active_ctx, local_ctx, options, override_protected, propagate, validate_scoped, cycles
            )
        except KeyError as exc:
            if exc.args != ("@vocab",):
                raise
            # pyld deletes the vocabulary mapping ``"@vocab": null`` removes without checking that one exists,
            # and fails; report the context as one this processor cannot use rather than fail unexplained.
            raise InvalidJsonLd('"@vocab": null where no vocabulary mapping is in effect is not supported') from exc
        if key is not None:
            self._registry._remember(key, local_ctx, processed)
        return processed

    def _expand_iri(  # noqa: PLR0917 - pyld's signature, called positionally by pyld
        self,
        active_ctx: Any,
        value: Any,
        base: Any = None,
        vocab: bool = False,
        local_ctx: Any = None,
        defined: Any = None,
    ) -> Any:
        """pyld's IRI expansion, memoized per processed context of the registry (module docstring).

        Outside context processing (no ``local_ctx``) the result depends only on the active context,
        the value, ``base`` and ``vocab``; a cached processed context never changes, so its results
        are kept with it. Other active contexts (being built, or inline) are not memoized.
        """
        memo = self._registry._iri_memo(active_ctx) if local_ctx is None and isinstance(value, str) else None
        if memo is None:
            return super()._expand_iri(active_ctx, value, base, vocab, local_ctx, defined)
        key = (value, base, vocab)
        try:
            return memo[key]
        except KeyError:
            expanded = super()._expand_iri(active_ctx, value, base, vocab, local_ctx, defined)
            if len(memo) >= _IRI_MEMO_SIZE:
                memo.clear()  # mostly data values then; the terms come back at once
            memo[key] = expanded
            return expanded

    def expand_in_place(self, document: Any, options: dict[str, Any]) -> list[dict[str, Any]]:
        """pyld's ``expand()`` of an in-memory document, without its defensive deep copy of the input.

        Expansion builds new objects and never writes to the input (a test holds this), and nothing
        here changes the expanded result, so the copy (a tenth of the cost of a step credential) is
        not needed. The options are ours: no ``expandContext``, no remote context, a fixed base.
        """
        options = {**options, "isFrame": False, "keepFreeFloatingNodes": False, "extractAllScripts": False}
        active_ctx = self._get_initial_context(options)
        expanded = self._expand(active_ctx, None, document, options, inside_list=False)
        if isinstance(expanded, dict) and "@graph" in expanded and len(expanded) == 1:
            expanded = expanded["@graph"]
        elif expanded is None:
            expanded = []
        return JsonLdProcessor.arrayify(expanded)


@functools.cache
def bundled_registry() -> ContextRegistry:
    """The contexts Corridor ships (``contexts/index.json``), loaded once per process."""
    return ContextRegistry.from_directory(CONTEXTS_DIR)


def document_loader(url: str, options: Any = None) -> dict[str, Any]:
    """A pyld document loader over the bundled contexts, for code that calls pyld directly."""
    return bundled_registry().load(url, options)


def expand(document: Any, *, registry: ContextRegistry | None = None, limits: Limits = DEFAULT_LIMITS) -> list:
    """Lossless expansion with the bundled contexts (or ``registry``); see :meth:`ContextRegistry.expand`."""
    return (registry or bundled_registry()).expand(document, limits=limits)


def canonicalize(
    document: Any, *, registry: ContextRegistry | None = None, limits: Limits = DEFAULT_LIMITS, fast: bool = False
) -> str:
    """RDFC-1.0 (``URDNA2015``) canonical N-Quads; see :meth:`ContextRegistry.canonicalize`."""
    return (registry or bundled_registry()).canonicalize(document, limits=limits, fast=fast)
