// The token, asked once and kept for the browser tab's session (sessionStorage: gone when
// the tab closes, never written to localStorage or a cookie).
const KEY = 'bi-console-token';

export function storedToken(storage: Pick<Storage, 'getItem'> = sessionStorage): string | null {
  const token = storage.getItem(KEY);
  return token && token.trim() ? token.trim() : null;
}

export function storeToken(token: string | null, storage: Pick<Storage, 'setItem' | 'removeItem'> = sessionStorage): void {
  if (token) storage.setItem(KEY, token.trim());
  else storage.removeItem(KEY);
}

/** The HTTP header and the graphql-ws connection_init payload the API reads (README: Auth). */
export function authorization(token: string | null): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}
