import { jumpcloud } from '../../fixtures/idp-requests/jumpcloud.js';
import { replayIdp } from './replay.js';

replayIdp(jumpcloud);
