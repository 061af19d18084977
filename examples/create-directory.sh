# Creates a directory of the organization DSYNC_ORGANIZATION_ID; prints its SCIM base URL and token.
curl -s "${DSYNC_URL:-http://localhost:8080}/graphql" \
  -H "authorization: Bearer $DSYNC_API_KEY" -H 'content-type: application/json' \
  -d '{"query":"mutation($input: CreateDirectoryInput!) { createDirectory(input: $input) { token directory { id scimBaseUrl provider state } } }",
       "variables":{"input":{"organizationId":"'"$DSYNC_ORGANIZATION_ID"'","name":"Acme Okta","provider":"OKTA"}}}'
