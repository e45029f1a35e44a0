import type { ExporterModule } from '../modules.js';
import { createBehaviourRouter } from './routes.js';

/** User behaviour analytics (issue 19): profiles and the suspicious-activity list, read-only. */
export function behaviourModule(): ExporterModule {
  return {
    name: 'behaviour',
    start() {},
    routes: (context) => createBehaviourRouter(context.store, context.accessLog),
  };
}
