import { ApiError } from './client';

/** What went wrong with a call, in words, and what the user (or their administrator) can do. */
export interface Problem {
  severity: 'error' | 'warning' | 'info';
  title: string;
  detail: string;
  remedy: string;
}

const CONFIGURATION = 'the app’s configuration page (Administration → Plugins → AuditLens)';

// Grafana's own answers (pkg/api/pluginproxy and pkg/api/plugin_proxy.go), told apart from the
// exporter's by their messages; the exporter names why it refused a call (`reason`).
const NO_ROUTE = /plugin route match not found/i;
const NO_PLUGIN = /plugin not found|no installed plugin/i;
const PROXY_DENIED = /plugin proxy route access denied|access denied/i;
const UNREACHABLE =
  /bad gateway|dial tcp|connection refused|econnrefused|no such host|unsupported protocol|timeout/i;

function explainApiError(error: ApiError): Problem {
  const { status, message, details } = error;
  if (details.unexpected) {
    return {
      severity: 'error',
      title: 'the exporter answered in a form this plugin does not know',
      detail: message,
      remedy: 'Run the Grafana plugin and the exporter of the same AuditLens release.',
    };
  }
  if (status === 0) {
    return {
      severity: 'error',
      title: 'Grafana could not be reached',
      detail: message,
      remedy: 'Check your network connection to Grafana and reload the page.',
    };
  }
  if (status === 401) {
    return details.reason
      ? {
          severity: 'error',
          title: 'the exporter refused the API token',
          detail: message,
          remedy: `An administrator sets a token listed in the exporter's AUDITLENS_API_TOKENS on ${CONFIGURATION}.`,
        }
      : {
          severity: 'warning',
          title: 'your Grafana session has ended',
          detail: message,
          remedy: 'Sign in to Grafana again.',
        };
  }
  if (status === 403) {
    if (details.reason === 'tenant-not-allowed') {
      return {
        severity: 'warning',
        title: 'the API token may not read this tenant',
        detail: message,
        remedy: `Choose another tenant, or bind the token of ${CONFIGURATION} to this tenant in the exporter's AUDITLENS_API_TOKENS.`,
      };
    }
    if (details.reason === 'admin-required') {
      return {
        severity: 'warning',
        title: 'the exporter needs an admin token for this change',
        detail: message,
        remedy: `The configured API token is a reader token: an administrator sets an admin token on ${CONFIGURATION}.`,
      };
    }
    return {
      severity: 'warning',
      title: 'permission denied',
      detail: PROXY_DENIED.test(message) ? 'Your Grafana role does not allow this call.' : message,
      remedy:
        'Ask a Grafana administrator for the AuditLens Reader role (to read) or the AuditLens Admin role (to change).',
    };
  }
  if (status === 404) {
    if (NO_ROUTE.test(message)) {
      return {
        severity: 'error',
        title: 'Grafana has no plugin proxy route for this call',
        detail: message,
        remedy:
          'Grafana reads a plugin’s routes when it starts: restart Grafana after installing or upgrading the plugin, and check that the installed plugin.json is this version’s.',
      };
    }
    if (NO_PLUGIN.test(message)) {
      return {
        severity: 'error',
        title: 'the AuditLens plugin is not installed in this Grafana',
        detail: message,
        remedy: 'Install the plugin (README, “Install into an existing Grafana”) and restart Grafana.',
      };
    }
    if (message === 'no such API endpoint') {
      return {
        severity: 'info',
        title: 'this exporter does not have this API',
        detail: message,
        remedy: 'Upgrade the exporter to the AuditLens release of this plugin.',
      };
    }
    return {
      severity: 'info',
      title: 'not found',
      detail: message,
      remedy: 'It may belong to another tenant, or have been removed by retention.',
    };
  }
  if (status === 503) {
    return {
      severity: 'error',
      title: 'the exporter’s audit store is not ready',
      detail: message,
      remedy:
        'The exporter answers again once ClickHouse is reachable: check ClickHouse and the exporter’s /readyz. Nothing is lost meanwhile.',
    };
  }
  if (status === 502 || status === 504 || UNREACHABLE.test(message)) {
    return {
      severity: 'error',
      title: 'Grafana cannot reach the exporter',
      detail: message,
      remedy: `Check that the exporter runs and that the exporter URL on ${CONFIGURATION} is reachable from the Grafana server (not from your browser).`,
    };
  }
  if (status === 400) {
    return {
      severity: 'warning',
      title: 'the exporter refused the request',
      detail: message,
      remedy: 'Correct the value it names.',
    };
  }
  return {
    severity: 'error',
    title: `the exporter failed (HTTP ${status})`,
    detail: message,
    remedy: 'The exporter’s log for this time says why.',
  };
}

/** Explains any failure of a call: the exporter's and Grafana's answers in words, with a remedy. */
export function explainProblem(error: unknown): Problem {
  if (error instanceof ApiError) return explainApiError(error);
  return {
    severity: 'error',
    title: 'something went wrong',
    detail: error instanceof Error ? error.message : String(error),
    remedy: 'Reload the page; if it persists, the browser console names the failure.',
  };
}
