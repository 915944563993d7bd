import { useEffect, useRef, type ReactNode } from "react";
import { Link, useLocation } from "./router";
import { useSession } from "./session";

const NAV: { to: string; label: string; admin?: boolean }[] = [
  { to: "/", label: "Overview" },
  { to: "/queue", label: "Escalation queue" },
  { to: "/assets", label: "Assets" },
  { to: "/imports", label: "Imports" },
  { to: "/ai", label: "AI activity" },
  { to: "/policy", label: "Policy" },
  { to: "/tokens", label: "API tokens" },
  { to: "/ai-keys", label: "Gateway keys", admin: true },
  { to: "/admin", label: "Users & audit", admin: true },
];

/** The frame of every signed-in page: a skip link, the navigation, who is signed in, the page. */
export function Layout({ children }: { children: ReactNode }) {
  const { me, can, signOut } = useSession();
  const { path } = useLocation();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);

  // After a navigation, move focus to the page so keyboard and screen-reader users start at its top.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus();
  }, [path]);

  const current = (to: string): boolean =>
    to === "/"
      ? path === "/"
      : path === to || path.startsWith(`${to}/`) || (to === "/queue" && path.startsWith("/findings/"));

  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand">
          detente
        </Link>
        <div className="who">
          <span>
            {me.displayName || me.username} <span className="role">{me.role}</span>
          </span>
          <button
            type="button"
            className="button subtle"
            onClick={() => {
              void signOut();
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <nav className="nav" aria-label="Main">
        <ul>
          {NAV.filter((n) => !n.admin || can("admin")).map((n) => (
            <li key={n.to}>
              <Link to={n.to} aria-current={current(n.to) ? "page" : undefined}>
                {n.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" ref={main} tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
