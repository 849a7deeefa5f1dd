// The page of viewer.test.ts: one GameViewer on the body, reachable from the test.
import { GameViewer } from '../src/viewer.js';

const host = document.createElement('div');
document.body.append(host);
(globalThis as unknown as { viewer: GameViewer }).viewer = new GameViewer(host);
