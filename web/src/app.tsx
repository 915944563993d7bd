import { useCallback, useEffect, useMemo, useState } from "react";
import { api, ApiError, onUnauthenticated, setCsrfToken } from "./api";
import { Layout } from "./layout";
import { AdminPage } from "./pages/admin";
import { AiKeysPage } from "./pages/ai-keys";
import { AiPage } from "./pages/ai";
import { AssetsPage } from "./pages/assets";
import { FindingPage } from "./pages/finding";
import { ImportsPage } from "./pages/imports";
import { LoginPage } from "./pages/login";
import { OverviewPage } from "./pages/overview";
import { PolicyPage } from "./pages/policy";
import { QueuePage } from "./pages/queue";
import { TokensPage } from "./pages/tokens";
import { useLocation } from "./router";
import { SessionContext, type Session } from "./session";
import type { Me } from "./types";

type Auth = { state: "checking" } | { state: "signed-out"; reason?: string } | { state: "signed-in"; me: Me };

/** The dashboard: ask who is signed in, then show the sign-in page or the requested page. */
export function App() {
  const [auth, setAuth] = useState<Auth>({ state: "checking" });
  const { path } = useLocation();

  useEffect(() => {
    api<Me>("/api/auth/me").then(
      (me) => {
        setCsrfToken(me.csrfToken);
        setAuth({ state: "signed-in", me });
      },
      (e: unknown) => {
        setAuth({
          state: "signed-out",
          ...(e instanceof ApiError && e.status !== 401
            ? { reason: `The server answered: ${e.message}` }
            : {}),
        });
      },
    );
    return onUnauthenticated(() => {
      setCsrfToken(null);
      setAuth({ state: "signed-out", reason: "Your session has ended. Sign in again." });
    });
  }, []);

  const signOut = useCallback(async () => {
    try {
      await api("/api/auth/logout", { method: "POST" });
    } finally {
      setCsrfToken(null);
      setAuth({ state: "signed-out" });
    }
  }, []);

  const session = useMemo<Session | null>(
    () =>
      auth.state === "signed-in"
        ? { me: auth.me, can: (scope) => auth.me.scopes.includes(scope), signOut }
        : null,
    [auth, signOut],
  );

  if (auth.state === "checking") {
    return (
      <p className="muted center" role="status">
        Loading…
      </p>
    );
  }
  if (!session) {
    return (
      <LoginPage
        notice={auth.state === "signed-out" ? auth.reason : undefined}
        onSignedIn={(me) => {
          setCsrfToken(me.csrfToken);
          setAuth({ state: "signed-in", me });
        }}
      />
    );
  }
  return (
    <SessionContext.Provider value={session}>
      <Layout>{page(path)}</Layout>
    </SessionContext.Provider>
  );
}

function page(path: string) {
  const finding = /^\/findings\/([^/]+)$/.exec(path);
  if (finding?.[1]) return <FindingPage id={decodeURIComponent(finding[1])} />;
  switch (path) {
    case "/":
      return <OverviewPage />;
    case "/queue":
      return <QueuePage />;
    case "/assets":
      return <AssetsPage />;
    case "/imports":
      return <ImportsPage />;
    case "/ai":
      return <AiPage />;
    case "/policy":
      return <PolicyPage />;
    case "/tokens":
      return <TokensPage />;
    case "/ai-keys":
      return <AiKeysPage />;
    case "/admin":
      return <AdminPage />;
    default:
      return (
        <div className="page">
          <h1>Page not found</h1>
          <p>
            There is no page at <code>{path}</code>. <a href="/">Go to the overview</a>.
          </p>
        </div>
      );
  }
}
