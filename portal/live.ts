/**
 * One GraphQL subscription over graphql-ws (the `graphql-transport-ws` protocol), authenticated by the
 * session cookie on the WebSocket's upgrade request: `connection_init` carries no credentials.
 */
export interface LiveSubscription<T> {
  readonly query: string;
  readonly variables: Record<string, unknown>;
  onNext(data: T): void;
  /** The socket closed (4401: the session ended); `stop()` was not called. */
  onClosed(code: number, reason: string): void;
}

/** Opens the socket and subscribes; returns `stop`. */
export function subscribe<T>(subscription: LiveSubscription<T>): () => void {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const socket = new WebSocket(`${scheme}://${location.host}/graphql`, 'graphql-transport-ws');
  let stopped = false;
  const send = (message: Record<string, unknown>) => socket.send(JSON.stringify(message));
  socket.addEventListener('open', () => send({ type: 'connection_init', payload: {} }));
  socket.addEventListener('message', (event: MessageEvent<string>) => {
    const message = JSON.parse(event.data) as { type: string; payload?: { data?: T } };
    if (message.type === 'connection_ack')
      send({ id: '1', type: 'subscribe', payload: { query: subscription.query, variables: subscription.variables } });
    else if (message.type === 'ping') send({ type: 'pong' });
    else if (message.type === 'next' && message.payload?.data) subscription.onNext(message.payload.data);
    else if (message.type === 'error' || message.type === 'complete') socket.close(1000, 'subscription ended');
  });
  socket.addEventListener('close', (event) => {
    if (!stopped) subscription.onClosed(event.code, event.reason);
  });
  return () => {
    stopped = true;
    socket.close(1000, 'done');
  };
}
