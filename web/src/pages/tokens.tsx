import { useState, type SyntheticEvent } from "react";
import { api, ApiError } from "../api";
import { day, time } from "../format";
import { useApi, useTitle } from "../hooks";
import { useSession } from "../session";
import type { ApiToken, Scope } from "../types";
import { Empty, ErrorBox, Loading, Problem, Section, ShownOnce } from "../ui";

const SCOPE_MEANING: Record<Scope, string> = {
  read: "read findings, assets, AI activity and policy",
  import: "upload scanner reports",
  assets: "load the asset inventory",
  intel: "load threat intel",
  admin: "manage users and read the audit log",
};

/** API tokens for scripts and CI: create one (shown once), see when each was last used, revoke. */
export function TokensPage() {
  useTitle("API tokens");
  const { me } = useSession();
  const { data, error, reload } = useApi<{ tokens: ApiToken[] }>("/api/tokens");
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<Scope[]>(["read"]);
  const [days, setDays] = useState(90);
  const [created, setCreated] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const create = async (e: SyntheticEvent): Promise<void> => {
    e.preventDefault();
    setProblem(null);
    try {
      const r = await api<{ token: string }>("/api/tokens", {
        method: "POST",
        body: { name, scopes, expiresInDays: days },
      });
      setCreated(r.token);
      setName("");
      reload();
    } catch (err: unknown) {
      setProblem(err instanceof ApiError ? err.message : "The token could not be created.");
    }
  };
  const revoke = async (t: ApiToken): Promise<void> => {
    if (!window.confirm(`Revoke the token "${t.name}"? Scripts using it stop working at once.`)) return;
    try {
      await api(`/api/tokens/${encodeURIComponent(t.id)}`, { method: "DELETE" });
      reload();
    } catch (err: unknown) {
      setProblem(err instanceof ApiError ? err.message : "The token could not be revoked.");
    }
  };

  return (
    <div className="page">
      <div className="page-head">
        <h1>API tokens</h1>
        <p className="muted">
          For scripts and CI: send as <code>Authorization: Bearer &lt;token&gt;</code>. A token can do no more
          than your role.
        </p>
      </div>
      <Section title="Create a token">
        <form
          className="form-stack"
          onSubmit={(e) => {
            void create(e);
          }}
        >
          <div className="row">
            <label>
              Name
              <input
                required
                maxLength={100}
                placeholder="e.g. ci-upload"
                value={name}
                onChange={(e) => {
                  setName(e.target.value);
                }}
              />
            </label>
            <label>
              Expires after (days)
              <input
                type="number"
                min={1}
                max={366}
                value={days}
                onChange={(e) => {
                  setDays(Number(e.target.value));
                }}
              />
            </label>
          </div>
          <fieldset className="chips">
            <legend>Allowed to</legend>
            {me.scopes.map((s) => (
              <label key={s} className="check">
                <input
                  type="checkbox"
                  checked={scopes.includes(s)}
                  onChange={(e) => {
                    setScopes((cur) => (e.target.checked ? [...cur, s] : cur.filter((x) => x !== s)));
                  }}
                />
                {SCOPE_MEANING[s]}
              </label>
            ))}
          </fieldset>
          <div>
            <button type="submit" className="button primary" disabled={!name.trim() || scopes.length === 0}>
              Create token
            </button>
          </div>
        </form>
        <Problem problem={problem} />
        <ShownOnce secret={created} what="token" />
      </Section>
      <Section title={me.scopes.includes("admin") ? "All tokens" : "Your tokens"}>
        {error ? <ErrorBox error={error} what="the tokens" /> : null}
        {!data && !error ? <Loading what="the tokens" /> : null}
        {data?.tokens.length === 0 ? <Empty>No tokens yet.</Empty> : null}
        {data && data.tokens.length > 0 ? (
          <div className="table-wrap">
            <table className="data" aria-label="API tokens">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Owner</th>
                  <th scope="col">Scopes</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Last used</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.tokens.map((t) => (
                  <tr key={t.id} className={t.revoked ? "dim" : undefined}>
                    <th scope="row">
                      {t.name} <span className="mono muted small">{t.prefix}…</span>
                    </th>
                    <td>{t.username}</td>
                    <td>{t.scopes.join(", ")}</td>
                    <td className="nowrap">{day(t.expiresAt)}</td>
                    <td className="nowrap">{t.lastUsedAt ? time(t.lastUsedAt) : "never"}</td>
                    <td>
                      {t.revoked ? (
                        <span className="badge">revoked</span>
                      ) : (
                        <button type="button" className="button subtle danger" onClick={() => void revoke(t)}>
                          Revoke
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </Section>
    </div>
  );
}
