import { ping } from '../../fixtures/idp-requests/ping.js';
import { replayIdp } from './replay.js';

replayIdp(ping);
