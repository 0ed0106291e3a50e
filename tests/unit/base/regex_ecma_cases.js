// Prints the ECMAScript case tables of tests/unit/base/regex_test.c with the expected column
// computed by V8:
//   node tests/unit/base/regex_ecma_cases.js   (from the repo root; paste between the markers)
// match cases: new RegExp(pattern, "u").test(subject), as Ajv applies JSON Schema `pattern`.
// error cases: whether V8 throws a SyntaxError (1) or accepts a feature driftgate refuses (0);
// the C side asserts WH_E_INVALID (or WH_E_LIMIT) and the message substring either way.
'use strict';
const fs = require('fs');
const path = require('path');
const R = String.raw;

const schemaPatterns = [];
(function walk(v) {
  if (Array.isArray(v)) v.forEach(walk);
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      if (k === 'pattern' && typeof x === 'string') schemaPatterns.push(x);
      else walk(x);
    }
})(JSON.parse(fs.readFileSync(path.join(__dirname, '../../../policy/schema.json'), 'utf8')));

const tmpl = R`^(?:[^{]|\{(?!\{))*(?:\{\{tag\}\}(?:[^{]|\{(?!\{))*)?$`;
const cases = [
  // policy/schema.json, each with accepting and rejecting subjects
  [R`^[A-Za-z0-9._-]{1,63}$`, ['ci-key', 'a', 'A.b_c-9', 'x'.repeat(63), 'x'.repeat(64), '', 'a b', 'é', 'key\n']],
  [R`^[!-~]+$`, ['abc', '~!', 'a b', '', 'tab\t', 'é', '\x7f']],
  [R`\*\*\*`, ['***', 'a***b', '**', '* * *', '****']],
  [R`(^|[^\\])(\\\\)*\(\?`, ['(?i)x', 'a(?=b)', R`\(?`, R`\\(?`, R`\\\(?`, '(x?)', 'abc']],
  [R`(^|[^\\])(\\\\)*\\[dDpPAzZ]`, [R`\d+`, R`x\D`, R`\\d`, R`\\\d`, R`\p{L}`, R`\z`, R`\w`, 'd', R`a\A`]],
  [R`^(19[7-9][0-9]|[2-9][0-9]{3})-[0-9]{2}-[0-9]{2}$`, ['2024-01-31', '1970-01-01', '1969-12-31', '9999-99-99', '2024-1-31', '12024-01-31', '2024-01-31 ']],
  [tmpl, ['registry/app:{{tag}}', 'plain', '', '{', 'a{b}', '{{tag}}', '{{tag}}{{tag}}', '{{other}}', 'x{{tag}}y{', 'x{{tag}}y{{', '{{ta', 'a{{', '€{x{{tag}}é']],
  [R`^(?:[A-Za-z0-9+.-]+://)?(?:[^@/]*@)?[^@]*@?$`, ['https://user@host/path', 'host', 'a@b@', 'a@b@c', 'git+ssh://€@x', 'x://a/b@c', '@@', '@@@']],
  [R`^[^:]+:.+$`, ['a:b', ':b', 'a:', 'a::', 'é:€', 'a:\n', 'a:\nb']],
  [R`^(?=[0-9]*[1-9])[0-9]{1,9}[smhd]$`, ['30s', '1d', '0s', '000m', '0010h', '123456789s', '1234567890s', '5x', 's', '10']],
  [R`^[A-Za-z0-9._-]{1,63}\[[0-9]+\]$`, ['tier[0]', 'a.b[12]', 'tier[]', 'tier[x]', '[0]', 'tier[0]x']],
  // non-ASCII: per code point
  ['^.$', ['é', '€', '😀', 'ab', '', '\n', '\u2028', '\u0085']],
  ['^..$', ['😀', 'é€']],
  ['^[^@/]$', ['€', '@', '/', '😀']],
  [R`^\u{1F600}$`, ['😀', 'x']],
  [R`^\uD83D\uDE00$`, ['😀']],
  [R`^[\uD83D\uDE00-\uD83D\uDE4F]+$`, ['😀😃', '😀x']],
  [R`^[é-ë]$`, ['ê', 'e', 'ì']],
  ['€+', ['x€€y', 'e']],
  [R`^\xe9\u00e9$`, ['éé']],
  // escapes and classes
  [R`^\d+$`, ['0123', '١٢', '12a']],
  [R`^\D$`, ['a', '5', '😀']],
  [R`^\w+$`, ['a_Z9', 'é', 'a-b']],
  [R`^\W$`, ['-', 'a', 'é']],
  [R`^\s+$`, [' \t\n\r\v\f', '\u00a0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000\ufeff', '\u200b', '\u0085', 'x']],
  [R`^\S+$`, ['abc', 'a b', '\u00a0']],
  [R`^[\s\d]+$`, ['1 2', '1-2']],
  [R`^[^\s]+$`, ['ab', 'a\tb']],
  [R`^[\S\s]$`, ['\n', 'x']],
  [R`^[\w-]+$`, ['a-b_c', 'a.b']],
  [R`^[-a]$`, ['-', 'a', 'b']],
  [R`^[a-]$`, ['-', 'a', 'b']],
  [R`^[a-c-e]+$`, ['abc-e', 'd']],
  [R`^[\-\]\[\\]+$`, [R`-][\ `.trim(), 'a']],
  [R`^[\b]$`, ['\b', 'b']],
  [R`\bfoo\b`, ['a foo b', 'foobar', 'foo', 'éfooé']],
  [R`\Bfoo`, ['afoo', 'a foo']],
  [R`^\t\n\v\f\r$`, ['\t\n\v\f\r']],
  [R`^\0$`, ['0', '']], // NUL subjects cannot live in the C string table: regex_test.c tests them
  [R`^\cJ\ca$`, ['\n\x01']],
  [R`^\x41\u0042\u{43}$`, ['ABC', 'abc']],
  [R`^\^\$\\\.\*\+\?\(\)\[\]\{\}\|\/$`, [R`^$\.*+?()[]{}|/`]],
  ['^a/b$', ['a/b']],
  ['^[]$', ['', 'a']],
  ['^[^]$', ['a', '\n', '']],
  ['^[{}()|.*+?$^]+$', ['{}()|.*+?$^', 'a']],
  // dot and anchors
  ['a.c', ['abc', 'a\nc', 'a\rc', 'a\u2029c', 'a\tc']],
  ['^$', ['', 'x', '\n']],
  ['^a$', ['a', 'a\n', '\na']],
  ['a$|^b', ['xa', 'bx', 'ax', 'xb']],
  // alternation, groups, quantifiers
  ['^(a|ab)(c|bcd)(d*)$', ['abcd', 'abcdd', 'acd', 'abbcd']],
  ['^(?:ab|cd)+$', ['abcdab', 'abc', '']],
  ['^a{3}$', ['aaa', 'aa', 'aaaa']],
  ['^a{2,}$', ['a', 'aa', 'aaaaaaa']],
  ['^a{2,4}$', ['a', 'aa', 'aaaa', 'aaaaa']],
  ['^(?:ab){2,3}$', ['ab', 'abab', 'ababab', 'abababab']],
  ['^(?:ab){0,2}c$', ['c', 'abc', 'ababc', 'abababc']],
  ['^a{0}b$', ['b', 'ab']],
  ['^(a?){3}$', ['', 'a', 'aaa', 'aaaa']],
  ['^(?:a|b?){2}c$', ['c', 'abc', 'bc', 'aabc']],
  ['^a*?b$', ['aab', 'b']],
  ['^a+?$', ['aaa', '']],
  ['^(?:ab)*?c$', ['ababc', 'c', 'abac']],
  ['^a??b$', ['ab', 'b', 'aab']],
  ['^a{2,3}?b$', ['aab', 'aaab', 'ab']],
  ['^(?:a|bc){2,3}?d$', ['abcd', 'ad', 'aaaad']],
  ['x*', ['', 'yyy']],
  ['^[0-9]{1,9}$', ['123456789', '1234567890', '']],
  ['^.{1,3}$', ['😀😀😀', '😀😀😀😀']],
  ['a{,2}', ['a{,2}', 'aa']], // '{' without digits is an error in u-mode: see error cases
  // lookaheads
  ['^(?=.*[0-9])(?=.*[a-z]).{4,}$', ['ab12', 'abcd', '1234', 'a1']],
  ['^(?!.*secret).*$', ['public', 'my secret', '']],
  ['^(?=(a+))a*b$', ['aaab', 'aaa']],
  ['^(?!(?!a)).', ['a', 'b']],
  ['^(?=a)(?=ab)abc', ['abc', 'abd']],
  ['(?=x)*', []], // error case in u-mode
  // loops whose body can match the empty string (PCRE2 ends such a loop as ECMA-262 does)
  ['^(?:)*$', ['', 'a']],
  ['^(a*)*$', ['', 'aaa', 'ab']],
  ['^(a|)+b$', ['b', 'aab', 'c']],
  ['^(?:a?b?){2,}c$', ['c', 'abc', 'ababac', 'ababbc', 'cc']],
  [R`^(?:)*a`, ['a', 'b']],
  ['^(?:(?=a))+a$', ['a', 'b']],
  ['^(?:|a)*$', ['', 'aaa']],
  ['é(a*)*', ['é', 'éaa', 'e']],
  // search is unanchored
  ['b', ['abc', 'xyz']],
  ['', ['', 'anything']],
  ['|', ['x']],
  ['a|', ['b']],
];

const errors = [
  // syntax errors in JS (u-mode)
  ['a{', 'incomplete quantifier'], ['a{1', 'incomplete quantifier'], ['a{,5}', 'incomplete quantifier'],
  ['{', 'lone quantifier bracket'], ['}', 'lone quantifier bracket'], ['a}', 'lone quantifier bracket'],
  [']', 'lone ]'], ['{1}', 'nothing to repeat'], ['*a', 'nothing to repeat'], ['a**', 'nothing to repeat'],
  ['a{2}{3}', 'nothing to repeat'], ['(*)', 'nothing to repeat'], ['|+', 'nothing to repeat'],
  ['a???', 'nothing to repeat'], ['^*', 'an assertion cannot be repeated'],
  [R`\b+`, 'an assertion cannot be repeated'], ['(?=a)*', 'an assertion cannot be repeated'],
  ['(?!a){2}', 'an assertion cannot be repeated'], ['a{2,1}', 'numbers out of order'],
  ['(a', 'unterminated group'], ['(?:a', 'unterminated group'], ['a)', 'unmatched )'],
  ['[a', 'unterminated character class'], ['[', 'unterminated character class'],
  [R`[\]`, 'unterminated character class'], ['[z-a]', 'range out of order'],
  [R`[\d-a]`, 'character class escape in a range'], [R`[a-\w]`, 'character class escape in a range'],
  [R`\a`, 'invalid escape'], [R`\-`, 'invalid escape'], [R`\e`, 'invalid escape'], [R`\_`, 'invalid escape'],
  [R`\ `, 'invalid escape'], [R`\é`, 'invalid escape'], [R`[\a]`, 'invalid class escape'], [R`[\B]`, 'invalid class escape'],
  [R`[\1]`, 'invalid class escape'], ['\\', '\\ at end of pattern'], [R`\00`, 'invalid decimal escape'],
  [R`\01`, 'invalid decimal escape'], [R`\c1`, 'invalid \\c escape'], [R`\c`, 'invalid \\c escape'],
  [R`[\c_]`, 'invalid \\c escape'], [R`\x1`, 'invalid \\x escape'], [R`\xg0`, 'invalid \\x escape'],
  [R`\u12`, 'invalid \\u escape'], [R`\u{}`, 'invalid \\u{...} escape'], [R`\u{110000}`, 'invalid \\u{...} escape'],
  [R`\u{1F600`, 'invalid \\u{...} escape'], [R`\8`, 'backreference is not supported'],
  ['(?', 'invalid group'], ['(?i:a)', 'invalid group'], ['(?x)', 'invalid group'], ['(?-i:a)', 'invalid group'],
  // valid ECMAScript that driftgate refuses (JS accepts: expected 0 in the js column)
  [R`(a)\1`, 'backreference is not supported'], ['(?<n>a)', 'named group is not supported'],
  [R`(?<n>a)\k<n>`, 'named group is not supported'], [R`\k<n>`, 'named backreference'],
  ['(?<=a)b', 'lookbehind is not supported'], ['(?<!a)b', 'lookbehind is not supported'],
  [R`\p{L}`, 'unicode property escape is not supported'], [R`[\P{L}]`, 'unicode property escape is not supported'],
];

function cstr(s) {
  let out = '"';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (b >= 0x20 && b < 0x7f && c !== '"' && c !== '\\' && c !== '?') out += c;
    else out += '\\' + b.toString(8).padStart(3, '0');
  }
  return out + '"';
}

const seen = new Set();
console.log('/* BEGIN generated by regex_ecma_cases.js: {pattern, subject, V8 test() result} */');
for (const [p, subjects] of cases) {
  let re;
  try { re = new RegExp(p, 'u'); } catch (e) { continue; } // u-mode errors are in the error table
  for (const s of subjects) {
    if (s.includes('\0') || p.includes('\0')) throw new Error('NUL cannot be in a C string case');
    console.log(`    {${cstr(p)}, ${cstr(s)}, ${re.test(s) ? 1 : 0}},`);
  }
  seen.add(p);
}
for (const p of schemaPatterns)
  if (!seen.has(p)) throw new Error(`policy/schema.json pattern without cases: ${p}`);
console.log('/* END match cases */');
console.log('/* BEGIN generated by regex_ecma_cases.js: {pattern, message, V8 throws SyntaxError} */');
for (const [p, msg] of errors) {
  let throws = 0;
  try { new RegExp(p, 'u'); } catch (e) { throws = 1; }
  console.log(`    {${cstr(p)}, ${cstr(msg)}, ${throws}},`);
}
console.log('/* END error cases */');
