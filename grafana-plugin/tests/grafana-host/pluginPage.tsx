// Grafana's page chrome for app plugins, modelled for the test host from grafana/grafana
// public/app/core/components/Page/PluginPage.tsx (the page of the app's section nav, with the
// plugin's pageNav, actions, info and subtitle), Breadcrumbs/utils.ts (buildBreadcrumbs: the
// pageNav, then the section nav and its parents) and features/plugins/utils.ts (the section nav of
// an app page: the app's nav children from plugin.json `includes`, the one whose URL the current
// path starts with, longest first), written from reading them, not copied.
import { css } from '@emotion/css';
import type { AppPluginMeta, GrafanaTheme2, NavModelItem } from '@grafana/data';
import type { PluginPageProps } from '@grafana/runtime';
import { Stack, Text, TextLink, useStyles2 } from '@grafana/ui';
import React, { createContext, useContext } from 'react';

/** The app's nav item with the page of the current path as its active child (AppRootPage's sectionNav). */
export function appSectionNav(meta: AppPluginMeta, pathname: string): NavModelItem {
  const app: NavModelItem = { text: meta.name, url: `/a/${meta.id}`, parentItem: { text: 'Home', url: '/' } };
  const pages = (meta.includes ?? [])
    .filter((include) => include.type === 'page' && include.addToNav && include.path?.startsWith('/a/'))
    .map<NavModelItem>((include) => ({ text: include.name, url: include.path, parentItem: app }));
  const active = pages
    .filter((page) => page.url && pathname.startsWith(page.url))
    .sort((a, b) => (b.url?.length ?? 0) - (a.url?.length ?? 0))[0];
  return active ?? app;
}

export const SectionNavContext = createContext<NavModelItem | undefined>(undefined);

/** buildBreadcrumbs: the pageNav's chain, then the section nav's. */
function breadcrumbs(sectionNav: NavModelItem, pageNav?: NavModelItem) {
  const crumbs: Array<{ text: string; href: string }> = [];
  const add = (node: NavModelItem | undefined) => {
    for (let item = node; item; item = item.parentItem)
      crumbs.unshift({ text: item.text, href: item.url ?? '' });
  };
  add(pageNav);
  add(sectionNav);
  return crumbs;
}

export function PluginPageModel({
  actions,
  children,
  info,
  pageNav,
  renderTitle,
  subTitle,
}: PluginPageProps) {
  const styles = useStyles2(getStyles);
  const sectionNav = useContext(SectionNavContext) ?? { text: 'App' };
  const crumbs = breadcrumbs(sectionNav, pageNav);
  const title = pageNav?.text ?? sectionNav.text;
  const subtitle = subTitle ?? pageNav?.subTitle ?? sectionNav.subTitle;
  return (
    <div className={styles.page}>
      <nav aria-label="Breadcrumbs" className={styles.crumbs}>
        {crumbs.map((crumb, i) => (
          <span key={i}>
            {i > 0 && ' › '}
            {i < crumbs.length - 1 && crumb.href ? (
              <TextLink href={crumb.href} inline={false} color="secondary">
                {crumb.text}
              </TextLink>
            ) : (
              <span aria-current="page">{crumb.text}</span>
            )}
          </span>
        ))}
      </nav>
      <div className={styles.header}>
        <div>
          {renderTitle ? renderTitle(title) : <h1 className={styles.title}>{title}</h1>}
          {subtitle && <Text color="secondary">{subtitle}</Text>}
          {info && (
            <Stack gap={2}>
              {info.map((item) => (
                <span key={item.label}>
                  {item.label}: {item.value}
                </span>
              ))}
            </Stack>
          )}
        </div>
        {actions && <div className={styles.actions}>{actions}</div>}
      </div>
      <div>{children}</div>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({ padding: theme.spacing(0, 0, 2) }),
  crumbs: css({
    color: theme.colors.text.secondary,
    marginBottom: theme.spacing(1),
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  header: css({
    display: 'flex',
    flexWrap: 'wrap',
    justifyContent: 'space-between',
    alignItems: 'flex-start',
    gap: theme.spacing(2),
    marginBottom: theme.spacing(2),
  }),
  title: css({ margin: 0, fontSize: theme.typography.h2.fontSize }),
  actions: css({ display: 'flex', flexWrap: 'wrap', gap: theme.spacing(1), alignItems: 'center' }),
});
