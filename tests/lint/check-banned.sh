#!/usr/bin/env bash
# STYLE §8: these calls are banned in webhook/; a line may break the rule only with a
# "banned-ok:" comment saying why.
set -u
cd "$(dirname "$0")/../.."
re='\b(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol|sscanf|strncpy|system|popen|alloca)[[:space:]]*\('
hits=$(grep -rnE "$re" webhook --include='*.c' --include='*.h' | grep -v 'banned-ok:' || true)
if [ -n "$hits" ]; then echo "$hits"; echo "check-banned: banned calls found"; exit 1; fi
echo "check-banned: ok"
