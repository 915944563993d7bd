import { createContext, useContext } from "react";
import type { Me, Scope } from "./types";

/** Who is signed in, and what they may do; pages show only the actions the user's scopes allow. */
export interface Session {
  readonly me: Me;
  readonly can: (scope: Scope) => boolean;
  readonly signOut: () => Promise<void>;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error("useSession outside a signed-in page");
  return s;
}
