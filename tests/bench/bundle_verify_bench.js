#!/usr/bin/env node
'use strict';
// The @sigstore/verify side of bundle_verify_bench.sh: the same bundles, artifacts, trusted root
// and identity policy, verified round-robin in one thread for SECONDS (thresholds: 1 tlog entry,
// 1 SCT, 1 timestamp, as driftgate's strict default). Bundle JSON is parsed in the loop, as
// driftgate parses it. DSSE statements are parsed and their subject compared, as driftgate does.
//   node bundle_verify_bench.js SECONDS TRUSTED_ROOT IDENTITY ISSUER (BUNDLE ARTIFACT)...
const crypto = require('crypto');
const fs = require('fs');
const { bundleFromJSON } = require('@sigstore/bundle');
const { Verifier, toSignedEntity, toTrustMaterial } = require('@sigstore/verify');
const { TrustedRoot } = require('@sigstore/protobuf-specs');

const [secs, rootPath, identity, issuer, ...rest] = process.argv.slice(2);
if (!secs || rest.length < 2 || rest.length % 2) {
  console.error('usage: bundle_verify_bench.js SECONDS TRUSTED_ROOT IDENTITY ISSUER (BUNDLE ARTIFACT)...');
  process.exit(2);
}
const verifier = new Verifier(toTrustMaterial(TrustedRoot.fromJSON(JSON.parse(fs.readFileSync(rootPath)))),
  { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 });
const policy = { subjectAlternativeName: identity, extensions: { issuer } };
const cases = [];
for (let i = 0; i < rest.length; i += 2)
  cases.push({ text: fs.readFileSync(rest[i], 'utf8'), art: fs.readFileSync(rest[i + 1]) });

function verifyOne(c) {
  const b = bundleFromJSON(JSON.parse(c.text));
  if (b.content.$case === 'dsseEnvelope') {
    verifier.verify(toSignedEntity(b), policy);
    const st = JSON.parse(Buffer.from(b.content.dsseEnvelope.payload).toString());
    const hex = crypto.createHash('sha256').update(c.art).digest('hex');
    if (!st.subject.some((s) => s.digest && s.digest.sha256 === hex)) throw new Error('subject mismatch');
  } else {
    verifier.verify(toSignedEntity(b, c.art), policy);
  }
}

cases.forEach(verifyOne);
let done = 0;
const start = process.hrtime.bigint();
let elapsed = 0;
do {
  for (const c of cases) { verifyOne(c); done++; }
  elapsed = Number(process.hrtime.bigint() - start) / 1e9;
} while (elapsed < Number(secs));
console.log(`sigstore-js ${done} verifications in ${elapsed.toFixed(2)} s: ${(done / elapsed).toFixed(1)}/s`);
