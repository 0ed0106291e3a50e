#!/usr/bin/env node
// A registry token server (docker distribution "token" auth) for tests on 127.0.0.1.
// GET /token?service=S&scope=T:N:A[&scope=...] with Basic credentials → {"token","access_token",
// "expires_in","issued_at"}; the token is a JWS ES256 (raw r||s), kid = libtrust key ID of the
// signing key, aud a string (distribution 2.8 parses `aud` as a string). Wrong or missing
// credentials → 401. GET /stats → {"requests":N,"tokens":N,"denied":N}.
// Usage: node token-server.js --key K.pem --cert C.pem --service S --issuer I --user U --pass P
//        --port-file FILE   (listens on a free port on 127.0.0.1 and writes it to FILE)
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const http = require('http');

const args = {};
for (let i = 2; i < process.argv.length; i += 2) {
  args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
}
for (const k of ['key', 'cert', 'service', 'issuer', 'user', 'pass', 'port-file']) {
  if (!args[k]) {
    process.stderr.write(`token-server: missing --${k}\n`);
    process.exit(2);
  }
}
const key = crypto.createPrivateKey(fs.readFileSync(args.key));
const spki = crypto.createPublicKey(fs.readFileSync(args.cert)).export({ type: 'spki', format: 'der' });

// libtrust key ID: base32 (RFC 4648, no padding) of the first 30 bytes of sha256(DER SPKI),
// in groups of 4 joined by ':'.
function libtrustKid(der) {
  const b = crypto.createHash('sha256').update(der).digest().subarray(0, 30);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, value = 0, out = '';
  for (const byte of b) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out.match(/.{1,4}/g).join(':');
}
const kid = libtrustKid(spki);
const b64url = (buf) => Buffer.from(buf).toString('base64url');

const stats = { requests: 0, tokens: 0, denied: 0 };

// "repository:demo/app:pull,push" → {type, name, actions}; the name may hold ':' (never here,
// but split at the first and last colon as distribution does).
function parseScope(s) {
  const first = s.indexOf(':');
  const last = s.lastIndexOf(':');
  if (first < 0 || last === first) return null;
  return {
    type: s.slice(0, first),
    name: s.slice(first + 1, last),
    actions: s.slice(last + 1).split(',').filter((a) => a.length > 0),
  };
}

function checkBasic(header) {
  const m = /^Basic\s+(\S+)$/i.exec(header || '');
  if (!m) return false;
  const text = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) return false;
  const want = Buffer.from(`${args.user}:${args.pass}`);
  const got = Buffer.from(text);
  return got.length === want.length && crypto.timingSafeEqual(got, want);
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1');
  if (url.pathname === '/stats') {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(stats));
    return;
  }
  stats.requests++;
  if (url.pathname !== '/token' || req.method !== 'GET') {
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found\n');
    return;
  }
  if (!checkBasic(req.headers.authorization)) {
    stats.denied++;
    res.writeHead(401, {
      'Content-Type': 'application/json',
      'WWW-Authenticate': 'Basic realm="fixture-token"',
    });
    res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] }));
    return;
  }
  if (url.searchParams.get('service') !== args.service) {
    res.writeHead(400, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ errors: [{ code: 'DENIED', message: 'unknown service' }] }));
    return;
  }
  const access = [];
  for (const s of url.searchParams.getAll('scope')) {
    for (const one of s.split(' ')) {
      const p = parseScope(one);
      if (p) access.push(p);
    }
  }
  const now = Math.floor(Date.now() / 1000);
  const header = { typ: 'JWT', alg: 'ES256', kid };
  const claims = {
    iss: args.issuer,
    sub: args.user,
    aud: args.service,
    exp: now + 300,
    nbf: now - 10,
    iat: now,
    jti: crypto.randomUUID(),
    access,
  };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const sig = crypto.sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  const token = `${input}.${b64url(sig)}`;
  stats.tokens++;
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ token, access_token: token, expires_in: 300,
                           issued_at: new Date(now * 1000).toISOString() }));
});

server.listen(0, '127.0.0.1', () => {
  const tmp = `${args['port-file']}.tmp`;
  fs.writeFileSync(tmp, `${server.address().port}\n`);
  fs.renameSync(tmp, args['port-file']);
});
process.on('SIGTERM', () => process.exit(0));
