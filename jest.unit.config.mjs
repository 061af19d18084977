/**
 * `npm run test:unit`: the tests of pure modules under test/unit, without the global setup that starts the
 * embedded PostgreSQL. `npm test` (jest.config.mjs) runs them too, with everything else.
 */
import base from './jest.config.mjs';

const config = { ...base, roots: ['<rootDir>/test/unit'], testTimeout: 5_000 };
delete config.globalSetup;
delete config.globalTeardown;

export default config;
