#!/bin/bash
# Placeholder values that `render` accepted with exit 0 (found by atk18b). Each line must be
# refused (exit 2, stdout empty) once fixed. Usage: found/placeholder-bypasses.sh [BINARY]
B=${1:-target/debug/clearml-sso}
M=examples/rendered/clearml.yaml
fail=0
try() { # provider, body
  f=$(mktemp)
  printf 'version = 1\n[target]\nworkloads = ["*apiserver"]\n[secrets]\nexternal = ["clearml-sso"]\n[providers.%s]\nclient_id = { secret = "clearml-sso", key = "a" }\nclient_secret = { secret = "clearml-sso", key = "b" }\n%s\n' "$1" "$2" > "$f"
  out=$("$B" render --policy "$f" < "$M" 2>/dev/null); rc=$?
  if [ $rc -ne 2 ] || [ -n "$out" ]; then echo "ACCEPTED (rc=$rc): [$1] $2"; fail=1; fi
  rm -f "$f"
}
# Azure's issuer URL, split into the tenant: the sample tenant / nil GUID in its path.
try azure_ad 'tenant = "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0"'
try azure_ad 'tenant = "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0"'
try azure_ad 'authorize_url = "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize"
access_token_url = "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"'
# The nil GUID with the trailing `/` the tenant input drops.
try azure_ad 'tenant = "00000000-0000-0000-0000-000000000000/"'
# Microsoft's documentation GUIDs.
try azure_ad 'tenant = "aaaabbbb-0000-cccc-1111-dddd2222eeee"'
# `{…}` placeholders of the providers' own docs (Okta, Auth0, Microsoft, Keycloak).
try okta 'domain = "{yourOktaDomain}"'
try okta 'domain = "${yourOktaDomain}"'
try okta 'domain = "yourOktaDomain"'
try auth0 'domain = "{yourDomain}"
audience = "https://acme.us.auth0.com/api/v2/"'
try keycloak 'url = "https://kc.acme.io"
realm = "{realm}"'
try azure_ad 'authorize_url = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize"
access_token_url = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"'
try ping 'authorize_url = "https://auth.pingone.com/{envId}/as/authorize"
access_token_url = "https://auth.pingone.com/{envId}/as/token"'
exit $fail
