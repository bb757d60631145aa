import {makeDocumentLoader} from './lib.mjs';
import {cryptosuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
const doc = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"], "issuer": "did:key:z6Mkabc", "name": {"@value": "abc", "@language": "ar", "@direction": "rtl"}, "credentialSubject": {"id": "https://example.org/s/1"}};
console.log(await cryptosuite.canonize(doc, {documentLoader: makeDocumentLoader()}));
