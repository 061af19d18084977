import { onelogin } from '../../fixtures/idp-requests/onelogin.js';
import { replayIdp } from './replay.js';

replayIdp(onelogin);
