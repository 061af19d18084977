# Registers a webhook endpoint (DSYNC_WEBHOOK_URL); the signing secret (whsec_…) is shown only in this answer.
curl -s "${DSYNC_URL:-http://localhost:8080}/graphql" \
  -H "authorization: Bearer $DSYNC_API_KEY" -H 'content-type: application/json' \
  -d '{"query":"mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { secret webhook { id } } }",
       "variables":{"input":{"url":"'"${DSYNC_WEBHOOK_URL:-http://localhost:8000/dsync}"'","eventTypes":["dsync.user.created","dsync.user.updated","dsync.user.deleted"]}}}'
