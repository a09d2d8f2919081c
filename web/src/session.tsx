// Who is using the console: the token (asked once when auth is on, kept in sessionStorage),
// the role it grants (viewerRole), and the urql client built for it.
import { createContext, useContext } from 'react';
import type { Role } from '../../src/client/generated/graphql.js';

export interface Session {
  token: string | null;
  /** null while the token's role is being checked. */
  role: Role | null;
  isAdmin: boolean;
  signOut(): void;
}

export const SessionContext = createContext<Session>({ token: null, role: 'VIEWER', isAdmin: false, signOut: () => {} });

export const useSession = () => useContext(SessionContext);
