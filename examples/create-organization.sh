# Creates an organization. DSYNC_API_KEY: a key printed on first start (dsk_sandbox_…).
curl -s "${DSYNC_URL:-http://localhost:8080}/graphql" \
  -H "authorization: Bearer $DSYNC_API_KEY" -H 'content-type: application/json' \
  -d '{"query":"mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { id name domain } }",
       "variables":{"input":{"name":"Acme","domain":"acme.com","metadata":{"plan":"enterprise"}}}}'
