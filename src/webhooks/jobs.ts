/** The graphile-worker task that delivers one endpoint's due deliveries (also named in the enqueue trigger). */
export const DELIVER_TASK = 'deliver_webhooks';

/** The job key that keeps one queued job per endpoint. */
export function endpointJobKey(webhookId: string): string {
  return `webhook:${webhookId}`;
}
