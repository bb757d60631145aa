#!/usr/bin/env node
// Issue a credential with Digital Bazaar's libraries: eddsa-rdfc-2022, signed by a did:key issuer.
//
//   node sign.mjs [--seed HEX64] [--credential UNSIGNED.json] [--created ISO-8601]
//
// Without --seed a fresh Ed25519 key is generated; --seed takes the 32-byte private seed in hex.
// Without --credential a step-like credential is issued that uses only the contexts Corridor bundles
// (VC 2.0 and https://w3id.org/corridor/contexts/v1). A given credential keeps everything but
// `issuer` (set to the did:key) and any `proof` (dropped). --created fixes the proof's `created`.
// Prints the signed credential as JSON.

import {readFileSync} from 'node:fs';

import {CORRIDOR_V1, VC_V2, didKeyPair, issueCredential, makeDocumentLoader} from './lib.mjs';

function usage(message) {
  process.stderr.write(
    `${message}\nusage: node sign.mjs [--seed HEX64] [--credential UNSIGNED.json] ` +
    '[--created ISO-8601]\n');
  process.exit(2);
}

let seed;
let credentialFile;
let created;
const args = process.argv.slice(2);
for(let i = 0; i < args.length; i++) {
  if(args[i] === '--seed') {
    const hex = args[++i] || '';
    if(!/^[0-9a-fA-F]{64}$/.test(hex)) {
      usage('--seed needs 64 hex digits (a 32-byte Ed25519 seed)');
    }
    seed = Uint8Array.from(Buffer.from(hex, 'hex'));
  } else if(args[i] === '--credential') {
    credentialFile = args[++i];
  } else if(args[i] === '--created') {
    created = args[++i];
    if(!created || Number.isNaN(Date.parse(created))) {
      usage('--created needs an ISO 8601 date-time');
    }
  } else {
    usage(`unknown argument ${args[i]}`);
  }
}

const keyPair = await didKeyPair({seed});

function defaultCredential() {
  const validFrom = new Date(Date.now() - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    '@context': [VC_V2, CORRIDOR_V1],
    id: 'urn:uuid:3a1c1b5e-7a55-4cf3-9a0f-5f1f1d2c9e01',
    type: ['VerifiableCredential', 'StepCredential'],
    validFrom,
    credentialSubject: {
      type: 'ObjectEvent',
      eventID: 'urn:uuid:6f0c52d2-94c4-4f4a-8f0a-2b3c4d5e6f70',
      eventTime: '2026-03-03T02:00:00.000Z',
      eventTimeZoneOffset: '+08:00',
      recordTime: '2026-03-03T02:00:05.000Z',
      action: 'OBSERVE',
      bizStep: 'shipping',
      disposition: 'in_transit',
      epcList: ['urn:epc:id:sgtin:0614141.107346.2017'],
      readPoint: {id: 'urn:epc:id:sgln:0614141.07346.1234'},
      bizTransactionList: [
        {type: 'po', bizTransaction: 'http://transaction.acme.com/po/12345678'}
      ],
      unlocode: 'TWKHH',
      equipment: ['MSKU1234565'],
      source: 'epcis',
      recorder: keyPair.controller,
      extensions: {note: 'signed by Digital Bazaar\'s libraries', temperature: 4.5, ok: true},
      consignment: [{
        id: 'https://corridor.example/consignments/1',
        type: 'Consignment',
        consignmentReference: 'PO-1001',
        transportDocumentNumber: 'BL-KHH-0001'
      }]
    }
  };
}

let credential;
if(credentialFile) {
  try {
    credential = JSON.parse(readFileSync(credentialFile, 'utf8'));
  } catch(error) {
    usage(`cannot read ${credentialFile}: ${error.message}`);
  }
  delete credential.proof;
} else {
  credential = defaultCredential();
}
credential.issuer = keyPair.controller;

const signed = await issueCredential({
  credential, keyPair, documentLoader: makeDocumentLoader(), date: created
});
process.stdout.write(JSON.stringify(signed) + '\n');
