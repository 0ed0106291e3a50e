#!/bin/sh
# policy/schema.json -> OUT.c: the keys the loader (webhook/policy/load.c) accepts in each mapping,
# one table per schema object closed by "additionalProperties": false, named by its JSON pointer
# ("#/$defs/spec/properties/defaults"), keys in the schema's order (policy/keys.h); and each
# "enum" list by the pointer of the schema holding it, for tests/unit/policy/format_test.c. The schema is
# the one description of the format; the loader looks its tables up, so a key added to one is in
# both. Run by make when the schema changes. Plain POSIX awk: a JSON tokenizer and a recursive
# descent over the whole file (the build image has no Python or jq).
set -eu
in=$1
out=$2
awk '
function fail(msg) { printf "embed-keys: %s: %s\n", FILENAME, msg > "/dev/stderr"; failed = 1; exit 1 }
function skip_ws() { while (pos <= len && index(" \t\r\n", substr(text, pos, 1)) > 0) pos++ }
function peek() { skip_ws(); return substr(text, pos, 1) }
function expect(ch) { if (peek() != ch) fail("expected " ch " at offset " pos); pos++ }
# A JSON string (the cursor at its quote); escapes are kept as written.
function str(   s, ch) {
    expect("\"")
    s = ""
    while (pos <= len) {
        ch = substr(text, pos, 1)
        if (ch == "\\") { s = s substr(text, pos, 2); pos += 2; continue }
        pos++
        if (ch == "\"") return s
        s = s ch
    }
    fail("unterminated string")
}
function value(path,   ch, key, n, props) {
    ch = peek()
    if (ch == "{") {
        pos++
        if (peek() == "}") { pos++; return }
        for (;;) {
            key = str()
            expect(":")
            if (key == "properties" && peek() == "{") {
                props = object_keys(path)
            } else if (key == "enum" && peek() == "[") {
                enum_values(path)
            } else if (key == "additionalProperties" && peek() == "f" && substr(text, pos, 5) == "false") {
                closed[path] = 1
                pos += 5
            } else {
                value(path "/" key)
            }
            if (peek() == ",") { pos++; continue }
            expect("}")
            return
        }
    }
    if (ch == "[") {
        pos++
        if (peek() == "]") { pos++; return }
        for (n = 0; ; n++) {
            value(path "/" n)
            if (peek() == ",") { pos++; continue }
            expect("]")
            return
        }
    }
    if (ch == "\"") { str(); return }
    while (pos <= len && index(",]} \t\r\n", substr(text, pos, 1)) == 0) pos++
}
# The "enum" list of the schema at path (strings only: every enum of the policy format is one).
function enum_values(path,   n) {
    expect("[")
    enums[path] = 1
    eorder[++nenums] = path
    if (peek() == "]") { pos++; return }
    for (n = 1; ; n++) {
        if (peek() != "\"") fail("a non-string value in the enum at " path)
        evals[path, n] = str()
        nevals[path] = n
        if (peek() == ",") { pos++; continue }
        expect("]")
        return
    }
}
# The "properties" object of the schema at path: records its keys in order, descends into each.
function object_keys(path,   key, n) {
    expect("{")
    if (peek() == "}") { pos++; return }
    n = 0
    for (;;) {
        key = str()
        expect(":")
        keys[path, ++n] = key
        nkeys[path] = n
        if (!(path in seen)) { seen[path] = 1; order[++npaths] = path }
        value(path "/properties/" key)
        if (peek() == ",") { pos++; continue }
        expect("}")
        return
    }
}
{ text = text $0 "\n" }
END {
    if (failed) exit 1
    len = length(text)
    pos = 1
    value("#")
    if (peek() != "") fail("trailing text at offset " pos)
    print "/* Generated from policy/schema.json by webhook/policy/embed-keys.sh; do not edit. */"
    print "#include \"policy/keys.h\""
    print ""
    print "#include <string.h>"
    print ""
    print "/* clang-format off */"
    t = 0
    for (i = 1; i <= npaths; i++) {
        p = order[i]
        if (!(p in closed)) continue
        line = "static const char *const t" t "[] = {"
        for (k = 1; k <= nkeys[p]; k++) line = line "\"" keys[p, k] "\", "
        print line "NULL};"
        at[t++] = p
    }
    for (i = 1; i <= nenums; i++) {
        p = eorder[i]
        line = "static const char *const e" (i - 1) "[] = {"
        for (k = 1; k <= nevals[p]; k++) line = line "\"" evals[p, k] "\", "
        print line "NULL};"
    }
    print ""
    print "struct table {"
    print "    const char *at;"
    print "    const char *const *values;"
    print "};"
    print ""
    print "static const struct table tables[] = {"
    for (i = 0; i < t; i++) print "    {\"" at[i] "\", t" i "},"
    print "    {NULL, NULL},"
    print "}, enums[] = {"
    for (i = 1; i <= nenums; i++) print "    {\"" eorder[i] "\", e" (i - 1) "},"
    print "    {NULL, NULL},"
    print "};"
    print "/* clang-format on */"
    print ""
    print "static const char *const *"
    print "lookup(const struct table *tab, const char *at)"
    print "{"
    print "    for (; tab->at != NULL; tab++)"
    print "        if (strcmp(tab->at, at) == 0)"
    print "            return tab->values;"
    print "    return NULL;"
    print "}"
    print ""
    print "const char *const *"
    print "wh_policy_schema_keys(const char *at)"
    print "{"
    print "    return lookup(tables, at);"
    print "}"
    print ""
    print "const char *const *"
    print "wh_policy_schema_enum(const char *at)"
    print "{"
    print "    return lookup(enums, at);"
    print "}"
    print ""
    print "const char *"
    print "wh_policy_schema_keys_at(size_t i)"
    print "{"
    print "    return i < sizeof(tables) / sizeof(tables[0]) ? tables[i].at : NULL;"
    print "}"
    print ""
    print "const char *"
    print "wh_policy_schema_enum_at(size_t i)"
    print "{"
    print "    return i < sizeof(enums) / sizeof(enums[0]) ? enums[i].at : NULL;"
    print "}"
}' "$in" >"$out.tmp"
mv "$out.tmp" "$out"
