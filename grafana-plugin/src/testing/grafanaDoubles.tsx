import type { PanelRendererProps, PluginPageProps } from '@grafana/runtime';
import React from 'react';

/**
 * Test doubles of what Grafana sets in @grafana/runtime when it starts (jest-setup.js puts them in
 * place): PluginPage shows the page's breadcrumb end (pageNav) and actions as Grafana's page
 * header does; PanelRenderer records the panels a page asks Grafana to draw.
 */
export function TestPluginPage({ pageNav, actions, children }: PluginPageProps) {
  return (
    <div>
      <nav aria-label="Breadcrumbs">{pageNav?.text}</nav>
      <div data-testid="page-actions">{actions}</div>
      {children}
    </div>
  );
}

export const renderedPanels: PanelRendererProps[] = [];

export function RecordingPanelRenderer(props: PanelRendererProps) {
  renderedPanels.push(props);
  return <div data-testid={`panel-${props.pluginId}`} />;
}
