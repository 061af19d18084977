import { entra } from '../../fixtures/idp-requests/entra.js';
import { replayIdp } from './replay.js';

replayIdp(entra);
