/**
 * `npm run test:unit`: the tests of pure modules under test/unit, without the global setup that starts the
 * embedded PostgreSQL. `npm test` (jest.config.mjs) runs them too, with everything else.
 */
import base from './jest.config.mjs';

const { globalSetup: _setup, globalTeardown: _teardown, ...config } = base;

export default { ...config, roots: ['<rootDir>/test/unit'], testTimeout: 5_000 };
