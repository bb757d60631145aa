#!/usr/bin/env node
// Verify a credential with Digital Bazaar's libraries (@digitalbazaar/vc + eddsa-rdfc-2022), offline.
//
//   node verify.mjs CREDENTIAL.json [DOCUMENTS.json] [--skip-status] [--now ISO-8601]
//
// DOCUMENTS.json maps URLs and DIDs to documents: the issuer's DID document, the status list
// credentials the credential names. Only those, Corridor's bundled contexts and did:key documents are
// loaded; nothing is fetched. Status entries are checked for real (the status list credential is
// verified, its issuer must be the credential's, and a set bit fails) unless --skip-status is given.
// Prints {"verified", "error", "statusResult"} as JSON; exits 0 only if verified (1: not verified,
// 2: bad usage or unreadable input). A file holding a JSON array verifies each credential in it and
// prints {"verified": all of them verified, "results": [one answer per credential]}.

import {readFileSync} from 'node:fs';

import {makeDocumentLoader, verifyCredential} from './lib.mjs';

function usage(message) {
  process.stderr.write(
    `${message}\nusage: node verify.mjs CREDENTIAL.json [DOCUMENTS.json] ` +
    '[--skip-status] [--now ISO-8601]\n');
  process.exit(2);
}

const files = [];
let skipStatus = false;
let now;
const args = process.argv.slice(2);
for(let i = 0; i < args.length; i++) {
  if(args[i] === '--skip-status') {
    skipStatus = true;
  } else if(args[i] === '--now') {
    now = args[++i];
    if(!now || Number.isNaN(Date.parse(now))) {
      usage('--now needs an ISO 8601 date-time');
    }
  } else if(args[i].startsWith('--')) {
    usage(`unknown option ${args[i]}`);
  } else {
    files.push(args[i]);
  }
}
if(files.length < 1 || files.length > 2) {
  usage('give a credential file and, optionally, a documents file');
}

let credential;
let documents = {};
try {
  credential = JSON.parse(readFileSync(files[0], 'utf8'));
  if(files[1]) {
    documents = JSON.parse(readFileSync(files[1], 'utf8'));
  }
} catch(error) {
  usage(`cannot read input: ${error.message}`);
}

const documentLoader = makeDocumentLoader({documents});
let result;
if(Array.isArray(credential)) {
  const results = [];
  for(const item of credential) {
    results.push(await verifyCredential({
      credential: item, documentLoader, skipStatus, now
    }));
  }
  result = {verified: results.every(item => item.verified), results};
} else {
  result = await verifyCredential({credential, documentLoader, skipStatus, now});
}
process.stdout.write(JSON.stringify(result) + '\n');
process.exit(result.verified ? 0 : 1);
