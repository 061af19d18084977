import type { IncomingMessage, Server } from 'node:http';
import type { MikroORM } from '@mikro-orm/postgresql';
import {
  getOperationAST,
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  OperationTypeNode,
  parse,
  specifiedRules,
  validate,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';

import type { RequestOrigin } from '../audit/audit-log.js';
import { requestOrigin } from '../audit/recorder.js';
import { requestIdOf } from '../lib/request-id.js';
import type { Viewer } from '../tenancy/types.js';
import { auditRefusedMutations } from './audit/audit-mutations.js';
import { authenticate } from './auth.js';
import { createContext, type SharedContext } from './context.js';
import { errorCodeOf } from './errors.js';
import { checkVariables } from './input-guard.js';
import { checkCost, MAX_TOKENS } from './limits.js';
import { authorizeOperation, rootFields } from './policy.js';

/**
 * Close code for a socket whose `connection_init` carried no valid API key or admin session, or whose key was
 * revoked, or whose admin session ended (signed out, admin revoked).
 */
export const CLOSE_UNAUTHORIZED = 4401;

/**
 * Close code for a subscriber that fell behind: more live events queued for one of its subscriptions than
 * SUBSCRIPTION_BUFFER_LIMIT. Reconnect and resubscribe with `after: <last event id received>`.
 */
export const CLOSE_SLOW_SUBSCRIBER = 4290;

export interface GraphqlWsOptions {
  readonly httpServer: Server;
  readonly schema: GraphQLSchema;
  readonly orm: MikroORM;
  readonly shared: SharedContext;
  /** Whether X-Forwarded-For names the client (as Koa's `proxy` setting does for HTTP). */
  readonly trustProxy: boolean;
  readonly validationRules: ValidationRule[];
  /** GRAPHQL_INTROSPECTION: when false, `__schema`/`__type` are refused here as Apollo refuses them over HTTP. */
  readonly introspection: boolean;
  /** The operation cost limit (see limits.ts), checked with each operation's variables. */
  readonly maxCost: number;
  /** Largest WebSocket message accepted; a bigger one closes the socket (1009) before it is read. */
  readonly maxPayloadBytes: number;
  /** Operations one socket may run at the same time. */
  readonly maxSubscriptionsPerSocket: number;
  /**
   * The credential of an upgrade request whose `connection_init` has no `authorization` (the admin portal's
   * cookie, accepted only from PUBLIC_URL's origin); throws when the request may not use it.
   */
  readonly cookieAuthorization?: (request: IncomingMessage) => string | undefined;
  readonly formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
}

/** Reason a socket of an ended admin session is closed with. */
const SESSION_CLOSE_REASONS = {
  signed_out: 'Admin session signed out',
  revoked: 'Admin revoked',
  organization_deleted: 'Organization deleted',
} as const;

/** The credential a socket is tracked by, to close it when that credential stops working. */
function credentialOf(viewer: Viewer): string | undefined {
  if (viewer.kind === 'apiKey') return `apiKey:${viewer.apiKeyId}`;
  if (viewer.kind === 'admin') return `session:${viewer.sessionId}`;
  return undefined;
}

type SocketState = {
  viewer?: Viewer;
  authorization?: unknown;
  origin?: RequestOrigin;
};

/** Where a WebSocket's upgrade request came from: the origin of every operation on the socket. */
function originOf(request: IncomingMessage, trustProxy: boolean): RequestOrigin {
  const forwarded = trustProxy ? request.headers['x-forwarded-for'] : undefined;
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
  const requestId = request.headers['x-request-id'];
  return requestOrigin(
    first || request.socket.remoteAddress,
    request.headers['user-agent'],
    requestIdOf(typeof requestId === 'string' ? requestId : undefined),
  );
}

/**
 * graphql-ws on the HTTP server's `/graphql` path. The API key or admin session token comes from
 * `connectionParams.authorization` in `connection_init`; a bad or missing one closes the socket with 4401. It
 * is checked again on every `subscribe`, and revoking the key or ending the session (in any process: the
 * relay's channels) closes its sockets with 4401. Every operation is checked against the policy (policy.ts).
 */
export function createGraphqlWs(options: GraphqlWsOptions): { dispose(): Promise<void> } {
  const { orm, schema, shared, validationRules, maxCost, maxSubscriptionsPerSocket, formatError } = options;
  const wss = new WebSocketServer({
    server: options.httpServer,
    path: '/graphql',
    maxPayload: options.maxPayloadBytes,
  });
  const formatAll = (errors: readonly GraphQLError[]) => errors.map((error) => formatError(error.toJSON(), error));
  const rules = [
    ...specifiedRules,
    ...validationRules,
    ...(options.introspection ? [] : [NoSchemaIntrospectionCustomRule]),
  ];

  /** Open authenticated sockets by credential (credentialOf), to close them when it is revoked or ended. */
  const socketsByCredential = new Map<string, Set<WebSocket>>();
  const track = (credential: string, socket: WebSocket) => {
    if (socket.readyState !== socket.OPEN) return; // closed while authenticating: no 'close' event to come
    const sockets = socketsByCredential.get(credential) ?? new Set<WebSocket>();
    socketsByCredential.set(credential, sockets.add(socket));
    socket.once('close', () => {
      sockets.delete(socket);
      if (sockets.size === 0 && socketsByCredential.get(credential) === sockets) socketsByCredential.delete(credential);
    });
  };
  const closeAll = (credential: string, reason: string) => {
    for (const socket of socketsByCredential.get(credential) ?? []) socket.close(CLOSE_UNAUTHORIZED, reason);
  };
  const stopRevocations = shared.events.relay.onApiKeyRevoked((apiKeyId) =>
    closeAll(`apiKey:${apiKeyId}`, 'API key revoked'),
  );
  const stopSessionEnds = shared.events.relay.onAdminSessionEnded((sessionId, reason) =>
    closeAll(`session:${sessionId}`, SESSION_CLOSE_REASONS[reason]),
  );

  const server = useServer<Record<string, unknown> | undefined, SocketState>(
    {
      schema,
      onConnect: async (ctx) => {
        try {
          const given = ctx.connectionParams?.['authorization'];
          const authorization =
            given === undefined || given === null || given === ''
              ? options.cookieAuthorization?.(ctx.extra.request)
              : given;
          const viewer = await authenticate(orm.em.fork(), authorization, shared.now());
          const credential = credentialOf(viewer);
          if (!credential) throw new Error('no credentials');
          ctx.extra.viewer = viewer;
          ctx.extra.authorization = authorization;
          track(credential, ctx.extra.socket);
          return true;
        } catch {
          ctx.extra.socket.close(CLOSE_UNAUTHORIZED, 'Unauthorized');
          return false;
        }
      },
      // Parses and validates here (instead of graphql-ws) to check the cost with the operation's variables.
      onSubscribe: async (ctx, _id, payload) => {
        // Before any await, so operations are counted in the order they arrived (this one is registered already).
        if (Object.keys(ctx.subscriptions).length > maxSubscriptionsPerSocket) {
          return [
            new GraphQLError(
              `At most ${maxSubscriptionsPerSocket} operations may run on one connection; complete one or open another connection`,
              {
                extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' },
              },
            ),
          ];
        }
        const badVariables = checkVariables(payload.variables);
        if (badVariables) return [badVariables];
        try {
          ctx.extra.viewer = await authenticate(orm.em.fork(), ctx.extra.authorization, shared.now());
        } catch (error) {
          return [error instanceof GraphQLError ? error : new GraphQLError('Unauthorized')];
        }
        let document;
        try {
          document = parse(payload.query, { maxTokens: MAX_TOKENS });
        } catch (error) {
          // Not only syntax errors: a deeply nested document overflows the parser's stack (a RangeError).
          return [
            error instanceof GraphQLError ? error : new GraphQLError('Syntax Error: the document is too deeply nested'),
          ];
        }
        const errors = validate(schema, document, rules);
        if (errors.length > 0) return errors;
        const operation = getOperationAST(document, payload.operationName);
        const refused = operation && authorizeOperation(ctx.extra.viewer, document, operation);
        if (refused) {
          if (operation.operation === OperationTypeNode.MUTATION) {
            ctx.extra.origin ??= originOf(ctx.extra.request, options.trustProxy);
            const context = { audit: shared.audit, viewer: ctx.extra.viewer, origin: ctx.extra.origin };
            await auditRefusedMutations(context, rootFields(document, operation), errorCodeOf(refused));
          }
          return [refused];
        }
        const tooCostly = operation && checkCost(schema, document, operation, payload.variables, maxCost);
        if (tooCostly) return [tooCostly];
        return { schema, document, variableValues: payload.variables, operationName: payload.operationName };
      },
      context: (ctx) => {
        const viewer = ctx.extra.viewer;
        if (!viewer) throw new Error('socket has no viewer after connection_init');
        const socket = ctx.extra.socket;
        ctx.extra.origin ??= originOf(ctx.extra.request, options.trustProxy);
        return createContext(orm.em.fork(), viewer, shared, ctx.extra.origin, {
          closeSlow: () => socket.close(CLOSE_SLOW_SUBSCRIBER, 'Subscriber too slow: resume with after'),
          closeExpired: () => socket.close(CLOSE_UNAUTHORIZED, 'Admin session expired'),
        });
      },
      onError: (_ctx, _id, _payload, errors) => formatAll(errors),
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: result.errors.map((error) => formatError(error, error)) } : result,
    },
    wss,
  );

  // A frame over maxPayload (or any other protocol violation) is the client's fault, and ws has already closed
  // the socket with the matching code (1009, 1002, …): replace graphql-ws's handler, which prints the error to
  // stderr for every such client and closes again with 1011.
  wss.on('connection', (socket) => {
    socket.removeAllListeners('error');
    socket.on('error', () => undefined);
  });

  return {
    async dispose() {
      stopRevocations();
      stopSessionEnds();
      await server.dispose();
    },
  };
}
