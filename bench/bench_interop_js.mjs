#!/usr/bin/env node
// Digital Bazaar's JavaScript implementation signing and verifying the same credential N times in one
// process: the peer that Corridor's issuance and verification speed is compared with (issue 5).
//
//   node bench/bench_interop_js.mjs CREDENTIAL.json [--n 500] [--warmup 50]
//
// CREDENTIAL.json is a credential (its proof, if any, is dropped; its issuer becomes a did:key). Each
// round signs it with eddsa-rdfc-2022 under a different `created` (so no proof configuration repeats),
// then verifies each signed copy with @digitalbazaar/vc (status entries are not dereferenced: the proof
// is what is timed). Prints JSON: medians per credential and credentials/s, for sign and verify.
// bench/bench_interop_js.py builds Corridor's reference step credential, runs this and compares.
// Needs `npm ci --prefix tests/interop` (the libraries and the offline loader live there).

import {readFileSync} from 'node:fs';
import {performance} from 'node:perf_hooks';

import {
  didKeyPair, issueCredential, makeDocumentLoader, verifyCredential
} from '../tests/interop/lib.mjs';

const args = process.argv.slice(2);
let file;
let n = 500;
let warmup = 50;
for(let i = 0; i < args.length; i++) {
  if(args[i] === '--n') {
    n = Number.parseInt(args[++i], 10);
  } else if(args[i] === '--warmup') {
    warmup = Number.parseInt(args[++i], 10);
  } else {
    file = args[i];
  }
}
if(!file || !(n > 0) || !(warmup >= 0)) {
  process.stderr.write(
    'usage: node bench/bench_interop_js.mjs CREDENTIAL.json [--n 500] [--warmup 50]\n');
  process.exit(2);
}

const template = JSON.parse(readFileSync(file, 'utf8'));
delete template.proof;
// A fixed, public test seed: bench_interop_js.py signs with the same key and compares the first proof.
const keyPair = await didKeyPair({seed: new Uint8Array(32).fill(7)});
template.issuer = keyPair.controller;
const documentLoader = makeDocumentLoader();
const start = Date.parse('2026-01-01T00:00:00Z');

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function sign(i) {
  return issueCredential({
    credential: template, keyPair, documentLoader, date: new Date(start + i * 1000)
  });
}

async function verify(credential) {
  const result = await verifyCredential({
    credential, documentLoader, skipStatus: true, now: '2026-12-31T00:00:00Z'
  });
  if(!result.verified) {
    throw new Error(`the bench credential did not verify: ${result.error}`);
  }
}

// Warm up the JIT and the libraries' caches with credentials that are not timed.
for(let i = 0; i < warmup; i++) {
  await verify(await sign(n + i));
}

const signed = [];
const signTimes = [];
let wall = performance.now();
for(let i = 0; i < n; i++) {
  const t0 = performance.now();
  signed.push(await sign(i));
  signTimes.push(performance.now() - t0);
}
const signWall = performance.now() - wall;

const verifyTimes = [];
wall = performance.now();
for(const credential of signed) {
  const t0 = performance.now();
  await verify(credential);
  verifyTimes.push(performance.now() - t0);
}
const verifyWall = performance.now() - wall;

// Read from the lock file: some packages do not export their package.json.
const lock = JSON.parse(readFileSync(
  new URL('../tests/interop/package-lock.json', import.meta.url), 'utf8'));
const version = name => lock.packages[`node_modules/${name}`]?.version;
const summary = (times, total) => ({
  median_ms: Number(median(times).toFixed(3)),
  per_s_from_median: Math.round(1000 / median(times)),
  per_s_overall: Math.round(times.length / (total / 1000))
});
process.stdout.write(JSON.stringify({
  implementation: 'Digital Bazaar (JavaScript)',
  node: process.version,
  packages: Object.fromEntries([
    '@digitalbazaar/vc', '@digitalbazaar/eddsa-rdfc-2022-cryptosuite',
    '@digitalbazaar/data-integrity', 'jsonld', 'rdf-canonize'
  ].map(name => [name, version(name)])),
  n,
  bytes: JSON.stringify(signed[0]).length,
  first_proof_value: signed[0].proof.proofValue,
  sign: summary(signTimes, signWall),
  verify: summary(verifyTimes, verifyWall)
}) + '\n');
