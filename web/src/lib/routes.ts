// The console's screens and their paths. The API answers each with index.html (SPA
// fallback), so a path can be bookmarked or shared with its query string.
export const ROUTES = [
  { path: '/dashboard', label: 'Dashboard' },
  { path: '/upload', label: 'Upload', adminOnly: true },
  { path: '/jobs', label: 'Jobs' },
  { path: '/budgets', label: 'Budgets' },
] as const;

export type RoutePath = (typeof ROUTES)[number]['path'];

/** The screen for a location's path ("/" and unknown paths open the dashboard). */
export function routeOf(pathname: string): RoutePath {
  const trimmed = pathname.replace(/\/+$/, '') || '/';
  return ROUTES.find((route) => route.path === trimmed)?.path ?? '/dashboard';
}
