import { useState, type SyntheticEvent } from "react";
import { api, ApiError } from "../api";
import type { Me } from "../types";

interface LoginAnswer {
  user: { username: string; role: Me["role"]; displayName: string };
  csrfToken: string;
  expiresAt: string;
}

/** Sign in with a user name and password; the server sets the session cookie. */
export function LoginPage({
  onSignedIn,
  notice,
}: {
  onSignedIn: (me: Me) => void;
  notice?: string | undefined;
}) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: SyntheticEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api<LoginAnswer>("/api/auth/login", { method: "POST", body: { username, password } });
      // /api/auth/me also returns the scopes, which decide what the pages offer.
      onSignedIn(await api<Me>("/api/auth/me"));
    } catch (err: unknown) {
      if (err instanceof ApiError && err.status === 429) {
        setError("Too many failed attempts. Wait a few minutes, then try again.");
      } else if (err instanceof ApiError && (err.status === 401 || err.status === 400)) {
        setError("That user name and password do not match.");
      } else {
        setError(err instanceof ApiError ? err.message : "The server could not be reached.");
      }
    } finally {
      setBusy(false);
    }
  };

  document.title = "Sign in · detente";
  return (
    <main className="login">
      <form
        className="card login-card"
        onSubmit={(e) => {
          void submit(e);
        }}
        aria-labelledby="login-title"
      >
        <h1 id="login-title">
          <span className="brand">detente</span> Sign in
        </h1>
        <p className="muted">
          Vulnerability triage and AI gateway activity, shared by security and engineering.
        </p>
        {notice ? <p className="notice">{notice}</p> : null}
        <label>
          User name
          <input
            name="username"
            autoComplete="username"
            required
            autoFocus
            value={username}
            onChange={(e) => {
              setUsername(e.target.value);
            }}
          />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => {
              setPassword(e.target.value);
            }}
          />
        </label>
        {error ? (
          <p className="error-text" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
