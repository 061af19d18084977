# The first 50 dsync.user.updated events of the directory DSYNC_DIRECTORY_ID, oldest first.
curl -s "${DSYNC_URL:-http://localhost:8080}/graphql" \
  -H "authorization: Bearer $DSYNC_API_KEY" -H 'content-type: application/json' \
  -d '{"query":"query($filter: EventFilter) { events(filter: $filter, first: 50) { edges { cursor node { id sequence type createdAt data } } pageInfo { hasNextPage endCursor } } }",
       "variables":{"filter":{"directoryId":"'"$DSYNC_DIRECTORY_ID"'","types":["dsync.user.updated"]}}}'
