import { afterEach, expect } from '@jest/globals';

import { prototypeSnapshot } from '../fixtures/prototypes.js';

// A tripwire for prototype pollution: after every test, the built-in prototypes and their methods have
// exactly the properties they had before it. The servers under test run in this process, so a request that
// polluted the server's built-ins fails the test that sent it.

const before = prototypeSnapshot();

afterEach(() => {
  expect(prototypeSnapshot()).toEqual(before);
});
