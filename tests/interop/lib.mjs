// Shared by verify.mjs, sign.mjs and bench/bench_interop_js.mjs: Digital Bazaar's VC stack wired to an
// offline document loader. Nothing here touches the network: the loader serves Corridor's bundled
// JSON-LD contexts (apps/credentials/contexts/index.json), the documents the caller hands over, and
// did:key documents (computed from the identifier); any other URL is an error that names it.

import {readFileSync} from 'node:fs';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';

import * as vc from '@digitalbazaar/vc';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus as bitstringCheckStatus} from '@digitalbazaar/vc-bitstring-status-list';

export {vc, Ed25519Multikey};

const HERE = dirname(fileURLToPath(import.meta.url));
export const CONTEXTS_DIR = resolve(
  process.env.CORRIDOR_CONTEXTS_DIR || join(HERE, '..', '..', 'apps', 'credentials', 'contexts'));

export const VC_V2 = 'https://www.w3.org/ns/credentials/v2';
export const CORRIDOR_V1 = 'https://w3id.org/corridor/contexts/v1';
const DID_V1 = 'https://www.w3.org/ns/did/v1';
const MULTIKEY_V1 = 'https://w3id.org/security/multikey/v1';
const RELATIONSHIPS = [
  'assertionMethod', 'authentication', 'capabilityInvocation', 'capabilityDelegation'
];

/** Corridor's bundled contexts, URL -> parsed document, read once through index.json. */
export function bundledContexts(dir = CONTEXTS_DIR) {
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
  const contexts = new Map();
  for(const [url, file] of Object.entries(index)) {
    contexts.set(url, JSON.parse(readFileSync(join(dir, file), 'utf8')));
  }
  return contexts;
}

/** The document a did:key (Ed25519 only) expands to: its one key, for every relationship. */
export async function didKeyDocument(did) {
  const multibase = did.slice('did:key:'.length);
  if(!multibase.startsWith('z6Mk')) {
    throw new Error(`${did} is not an Ed25519 did:key`);
  }
  const id = `${did}#${multibase}`;
  // Ed25519Multikey.from() refuses anything that is not a well-formed Ed25519 public key.
  await Ed25519Multikey.from({
    '@context': MULTIKEY_V1, type: 'Multikey', id, controller: did,
    publicKeyMultibase: multibase
  });
  const document = {
    '@context': [DID_V1, MULTIKEY_V1],
    id: did,
    verificationMethod: [
      {id, type: 'Multikey', controller: did, publicKeyMultibase: multibase}
    ]
  };
  for(const relationship of RELATIONSHIPS) {
    document[relationship] = [id];
  }
  return document;
}

function asList(value) {
  if(value === undefined || value === null) {
    return [];
  }
  return Array.isArray(value) ? value : [value];
}

/** The verification method `methodId` of a DID document, as a Multikey document of its own. */
function findMethod(didDocument, did, methodId) {
  const candidates = [...asList(didDocument.verificationMethod)];
  for(const relationship of RELATIONSHIPS) {
    candidates.push(...asList(didDocument[relationship]).filter(
      item => item && typeof item === 'object'));
  }
  for(const method of candidates) {
    const id = typeof method.id === 'string' && method.id.startsWith('#') ?
      did + method.id : method.id;
    if(id === methodId) {
      return {'@context': MULTIKEY_V1, ...method, id};
    }
  }
  return null;
}

/**
 * A jsonld.js document loader that serves only: the bundled contexts, `documents` (URL or DID ->
 * document: DID documents, status list credentials), did:key documents, and verification methods
 * (`<did>#<fragment>`) found in those DID documents. Everything else throws; nothing is fetched.
 */
export function makeDocumentLoader({documents = {}, contexts = bundledContexts()} = {}) {
  const provided = new Map(Object.entries(documents));
  const answer = (url, document) => ({contextUrl: null, documentUrl: url, document});

  async function didDocument(did) {
    if(provided.has(did)) {
      return provided.get(did);
    }
    if(did.startsWith('did:key:')) {
      return didKeyDocument(did);
    }
    return null;
  }

  return async function documentLoader(url) {
    if(contexts.has(url)) {
      return answer(url, contexts.get(url));
    }
    if(provided.has(url)) {
      return answer(url, provided.get(url));
    }
    if(typeof url === 'string' && url.startsWith('did:')) {
      const [did, fragment] = url.split('#', 2);
      const document = await didDocument(did);
      if(document) {
        if(fragment === undefined) {
          return answer(url, document);
        }
        const method = findMethod(document, did, url);
        if(method) {
          return answer(url, method);
        }
        throw new Error(`${url} is not a verification method of ${did}`);
      }
    }
    throw new Error(
      `refusing to load ${url}: not a bundled context nor a provided document ` +
      '(this loader never uses the network)');
  };
}

/** A DataIntegrityProof suite for eddsa-rdfc-2022: verify-only without a signer. */
export function eddsaSuite({signer, date} = {}) {
  return new DataIntegrityProof({signer, date, cryptosuite: eddsaRdfc2022});
}

/**
 * A `checkStatus` for @digitalbazaar/vc: Digital Bazaar's Bitstring Status List checker (it loads
 * and verifies each status list credential and checks that its issuer is the credential's), then
 * a set bit fails verification, naming the purpose (their checker reports the bit, not a verdict).
 */
export async function checkStatus(options) {
  const result = await bitstringCheckStatus(options);
  if(!result.verified) {
    return result;
  }
  const set = result.results.filter(entry => entry.status);
  if(set.length > 0) {
    const purposes = set.map(entry => entry.credentialStatus.statusPurpose);
    return {
      ...result,
      verified: false,
      error: new Error(`status bit set: ${purposes.join(', ')}`)
    };
  }
  return result;
}

/** Every message in a jsonld-signatures / vc error, nested ones included, for a readable report. */
export function errorMessages(error) {
  const messages = [];
  const walk = item => {
    if(!item) {
      return;
    }
    if(Array.isArray(item)) {
      item.forEach(walk);
      return;
    }
    if(item.message && !messages.includes(item.message)) {
      messages.push(item.message);
    }
    walk(item.errors);
    walk(item.cause);
  };
  walk(error);
  return messages;
}

/** Verify one credential; {verified, error, statusResult} with error a string or null. */
export async function verifyCredential({
  credential, documentLoader, skipStatus = false, now
}) {
  const result = await vc.verifyCredential({
    credential,
    suite: eddsaSuite(),
    documentLoader,
    checkStatus: skipStatus ? async () => ({verified: true}) : checkStatus,
    ...(now ? {now} : {})
  });
  const errors = errorMessages(result.error);
  if(result.statusResult && !result.statusResult.verified) {
    errors.push(...errorMessages(result.statusResult.error));
  }
  for(const proofResult of result.results || []) {
    errors.push(...errorMessages(proofResult.error).filter(m => !errors.includes(m)));
  }
  return {
    verified: result.verified === true,
    error: result.verified ? null : (errors.join('; ') || 'not verified'),
    statusResult: result.statusResult ? {
      verified: result.statusResult.verified,
      entries: (result.statusResult.results || []).map(entry => ({
        statusPurpose: entry.credentialStatus.statusPurpose,
        statusListIndex: entry.credentialStatus.statusListIndex,
        status: entry.status
      }))
    } : null
  };
}

/** An Ed25519 Multikey pair whose controller is its own did:key (from a 32-byte seed, or random). */
export async function didKeyPair({seed} = {}) {
  const generated = await Ed25519Multikey.generate(seed ? {seed} : {});
  const exported = await generated.export({publicKey: true, secretKey: true, includeContext: true});
  const did = `did:key:${exported.publicKeyMultibase}`;
  return Ed25519Multikey.from({
    ...exported, id: `${did}#${exported.publicKeyMultibase}`, controller: did
  });
}

/** Sign an unsigned credential with eddsa-rdfc-2022 (issuer must be the key's controller). */
export async function issueCredential({credential, keyPair, documentLoader, date}) {
  const suite = eddsaSuite({signer: keyPair.signer(), date});
  return vc.issue({credential: structuredClone(credential), suite, documentLoader});
}
