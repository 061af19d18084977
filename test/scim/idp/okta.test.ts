import { okta } from '../../fixtures/idp-requests/okta.js';
import { replayIdp } from './replay.js';

replayIdp(okta);
