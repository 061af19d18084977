import type { Server } from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import type { GraphQLFormattedError, GraphQLSchema, ValidationRule } from 'graphql';

import type { GraphQLContext } from './context.js';
import { variablesGuardPlugin } from './input-guard.js';
import { MAX_TOKENS } from './limits.js';

export interface ApolloOptions {
  readonly schema: GraphQLSchema;
  readonly httpServer: Server;
  readonly introspection: boolean;
  readonly production: boolean;
  readonly validationRules: ValidationRule[];
  /** Plugins checking an operation once it is resolved (the cost limit). */
  readonly operationPlugins: ApolloServerPlugin<GraphQLContext>[];
  readonly formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  readonly stopGracePeriodMs: number;
  /** Disposes the graphql-ws server when Apollo stops (drain order: sockets, then HTTP). */
  readonly drainWebSockets: () => Promise<void>;
}

/** Apollo Server for HTTP POST/GET at /graphql; started here, served through the Koa integration. */
export async function createApollo(options: ApolloOptions): Promise<ApolloServer<GraphQLContext>> {
  const drainWebSockets: ApolloServerPlugin<GraphQLContext> = {
    async serverWillStart() {
      return { drainServer: options.drainWebSockets };
    },
  };
  const plugins: ApolloServerPlugin<GraphQLContext>[] = [
    ApolloServerPluginDrainHttpServer({
      httpServer: options.httpServer,
      stopGracePeriodMillis: options.stopGracePeriodMs,
    }),
    drainWebSockets,
    variablesGuardPlugin(),
    ...options.operationPlugins,
  ];
  if (options.production) plugins.push(ApolloServerPluginLandingPageDisabled());
  const apollo = new ApolloServer<GraphQLContext>({
    schema: options.schema,
    introspection: options.introspection,
    includeStacktraceInErrorResponses: !options.production,
    validationRules: options.validationRules,
    formatError: options.formatError,
    parseOptions: { maxTokens: MAX_TOKENS },
    plugins,
    // main.ts owns SIGTERM/SIGINT; Apollo's own handlers would race it and re-raise the signal.
    stopOnTerminationSignals: false,
  });
  await apollo.start();
  return apollo;
}
