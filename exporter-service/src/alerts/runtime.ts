import type { ModuleContext } from '../modules.js';
import type { GrafanaSettings } from '../grafana/settings.js';
import type { AlertEngine } from './engine.js';
import type { AlertWriter } from './persistence.js';
import type { RuleStore, StoredRule } from './rule-store.js';

/** What the routes need from the running alerting module. */
export interface AlertingRuntime {
  context: ModuleContext;
  rules: RuleStore;
  engine: AlertEngine;
  writer: AlertWriter;
  grafana: GrafanaSettings;
  /** Reloads rules from the store into the engine (after an edit), rebuilding changed rules' windows. */
  reload(): Promise<StoredRule[]>;
}
