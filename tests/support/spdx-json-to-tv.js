#!/usr/bin/env node
// SPDX 2.2/2.3 JSON -> tag-value, laid out as syft -o spdx writes it (tools-golang's tagvalue
// writer): document header, "##### Unpackaged files", "##### Package: <name>" blocks, "##### Other
// Licenses", then "##### Relationships". Values holding a newline are wrapped in <text>...</text>.
// Used to make the tag-value twins of tests/golden/sbom/tagvalue-*; --no-files leaves out file
// sections and the relationships that name files (they do not change the component list).
// usage: node tests/support/spdx-json-to-tv.js [--no-files] IN.json > OUT.spdx
'use strict';
const fs = require('fs');
const args = process.argv.slice(2);
const noFiles = args.includes('--no-files');
const doc = JSON.parse(fs.readFileSync(args.filter((a) => a !== '--no-files')[0], 'utf8'));
const out = [];
const text = (v) => (/\n/.test(v) ? `<text>${v}</text>` : v);
const put = (tag, v) => {
  if (v !== undefined && v !== null && v !== '') out.push(`${tag}: ${text(String(v))}`);
};
// putFields(OBJ, [[TAG, FIELD]...]): put each tag from OBJ's field, in the table's order.
const putFields = (o, fields) => {
  for (const [tag, field] of fields) put(tag, o[field]);
};
// A package's tags before its checksums and after them, as syft writes them.
const PACKAGE_HEAD = [
  ['PackageName', 'name'],
  ['SPDXID', 'SPDXID'],
  ['PackageVersion', 'versionInfo'],
  ['PackageSupplier', 'supplier'],
  ['PackageOriginator', 'originator'],
  ['PackageDownloadLocation', 'downloadLocation'],
  ['PrimaryPackagePurpose', 'primaryPackagePurpose'],
];
const PACKAGE_TAIL = [
  ['PackageHomePage', 'homepage'],
  ['PackageSourceInfo', 'sourceInfo'],
  ['PackageLicenseConcluded', 'licenseConcluded'],
  ['PackageLicenseDeclared', 'licenseDeclared'],
  ['PackageCopyrightText', 'copyrightText'],
  ['PackageSummary', 'summary'],
  ['PackageDescription', 'description'],
  ['PackageComment', 'comment'],
];

put('SPDXVersion', doc.spdxVersion);
put('DataLicense', doc.dataLicense);
put('SPDXID', doc.SPDXID);
put('DocumentName', doc.name);
put('DocumentNamespace', doc.documentNamespace);
const ci = doc.creationInfo || {};
put('LicenseListVersion', ci.licenseListVersion);
for (const c of ci.creators || []) put('Creator', c);
put('Created', ci.created);
put('CreatorComment', ci.comment);
put('DocumentComment', doc.comment);
out.push('');

const fileIds = new Set((doc.files || []).map((f) => f.SPDXID));
if (!noFiles && (doc.files || []).length > 0) {
  out.push('##### Unpackaged files', '');
  for (const f of doc.files) {
    put('FileName', f.fileName);
    put('SPDXID', f.SPDXID);
    for (const c of f.checksums || []) put('FileChecksum', `${c.algorithm}: ${c.checksumValue}`);
    put('LicenseConcluded', f.licenseConcluded);
    put('FileCopyrightText', f.copyrightText);
    put('FileComment', f.comment);
    out.push('');
  }
}

for (const p of doc.packages || []) {
  out.push(`##### Package: ${p.name}`, '');
  putFields(p, PACKAGE_HEAD);
  if (p.filesAnalyzed !== undefined) put('FilesAnalyzed', String(p.filesAnalyzed));
  for (const c of p.checksums || []) put('PackageChecksum', `${c.algorithm}: ${c.checksumValue}`);
  putFields(p, PACKAGE_TAIL);
  for (const r of p.externalRefs || []) {
    put('ExternalRef', `${r.referenceCategory} ${r.referenceType} ${r.referenceLocator}`);
    put('ExternalRefComment', r.comment);
  }
  out.push('');
}

if ((doc.hasExtractedLicensingInfos || []).length > 0) {
  out.push('##### Other Licenses', '');
  for (const l of doc.hasExtractedLicensingInfos) {
    put('LicenseID', l.licenseId);
    out.push(`ExtractedText: <text>${l.extractedText}</text>`);
    put('LicenseName', l.name);
    out.push('');
  }
}

const rels = (doc.relationships || []).filter(
  (r) => !noFiles || (!fileIds.has(r.spdxElementId) && !fileIds.has(r.relatedSpdxElement)));
if (rels.length > 0) {
  out.push('##### Relationships', '');
  for (const r of rels) {
    put('Relationship', `${r.spdxElementId} ${r.relationshipType} ${r.relatedSpdxElement}`);
    put('RelationshipComment', r.comment);
  }
  out.push('');
}
process.stdout.write(out.join('\n'));
