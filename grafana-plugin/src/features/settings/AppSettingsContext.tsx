import React, { createContext, useContext } from 'react';

import type { AppJsonData } from '../../constants';

const AppSettingsContext = createContext<AppJsonData>({});

/** The app's jsonData (exporter URL, data source uid, known tenants), as saved on the configuration page. */
export function AppSettingsProvider({
  settings,
  children,
}: {
  settings: AppJsonData;
  children: React.ReactNode;
}) {
  return <AppSettingsContext.Provider value={settings}>{children}</AppSettingsContext.Provider>;
}

export const useAppSettings = (): AppJsonData => useContext(AppSettingsContext);
