import { useState, type SyntheticEvent } from "react";
import { api, ApiError } from "../api";
import { day, time } from "../format";
import { useApi, useTitle } from "../hooks";
import { useSession } from "../session";
import type { AiKey } from "../types";
import { Empty, ErrorBox, Loading, Problem, Section, ShownOnce } from "../ui";

const EMPTY_FORM = { user: "", team: "", tool: "", name: "", days: 90 };

/**
 * The AI gateway's keys (administrators): create one for a person in a team, optionally for one tool
 * (shown once), see when each was last used, revoke one. The same keys as `detente keys`.
 */
export function AiKeysPage() {
  useTitle("Gateway keys");
  const { can } = useSession();
  if (!can("admin")) {
    return (
      <div className="page">
        <h1>Gateway keys</h1>
        <p className="notice" role="alert">
          Only administrators can manage the AI gateway&apos;s keys. Your role does not include this.
        </p>
      </div>
    );
  }
  return <Keys />;
}

function Keys() {
  const { data, error, reload } = useApi<{ keys: AiKey[] }>("/api/ai/keys?all=true");
  const [form, setForm] = useState(EMPTY_FORM);
  const [created, setCreated] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [revokeProblem, setRevokeProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const create = async (e: SyntheticEvent): Promise<void> => {
    e.preventDefault();
    if (busy) return; // a second Enter while the first is on its way would make a second key
    setBusy(true);
    setProblem(null);
    setCreated(null);
    try {
      const r = await api<{ key: string }>("/api/ai/keys", {
        method: "POST",
        body: {
          user: form.user,
          team: form.team,
          tool: form.tool.trim() === "" ? undefined : form.tool,
          name: form.name.trim() === "" ? undefined : form.name,
          expiresInDays: form.days > 0 ? form.days : undefined,
        },
      });
      setCreated(r.key);
      setForm(EMPTY_FORM);
      reload();
    } catch (err: unknown) {
      setProblem(err instanceof ApiError ? err.message : "The key could not be created.");
    } finally {
      setBusy(false);
    }
  };
  const revoke = async (k: AiKey): Promise<void> => {
    if (!window.confirm(`Revoke ${k.user}'s key ${k.prefix}…? This server's gateway refuses it at once.`))
      return;
    setRevokeProblem(null);
    try {
      await api(`/api/ai/keys/${encodeURIComponent(k.id)}`, { method: "DELETE" });
      reload();
    } catch (err: unknown) {
      setRevokeProblem(err instanceof ApiError ? err.message : "The key could not be revoked.");
    }
  };
  const field = (name: keyof typeof EMPTY_FORM) => (e: { target: { value: string } }) => {
    setForm((cur) => ({ ...cur, [name]: name === "days" ? Number(e.target.value) : e.target.value }));
  };

  return (
    <div className="page">
      <div className="page-head">
        <h1>Gateway keys</h1>
        <p className="muted">
          Coding assistants present a key to the AI gateway (<code>/v1</code>): it names the person, their
          team and, if set, the one tool it works for. Every request is recorded under it.
        </p>
      </div>
      <Section title="Create a key">
        <form
          className="form-stack"
          onSubmit={(e) => {
            void create(e);
          }}
        >
          <div className="row">
            <label>
              User
              <input
                required
                maxLength={200}
                placeholder="e.g. dana@example.com"
                value={form.user}
                onChange={field("user")}
              />
            </label>
            <label>
              Team
              <input
                required
                maxLength={200}
                placeholder="e.g. payments"
                value={form.team}
                onChange={field("team")}
              />
            </label>
            <label>
              Tool (optional)
              <input
                maxLength={64}
                placeholder="e.g. claude-code, cursor"
                value={form.tool}
                onChange={field("tool")}
              />
            </label>
          </div>
          <div className="row">
            <label>
              Label (optional)
              <input
                maxLength={200}
                placeholder="e.g. dana's laptop"
                value={form.name}
                onChange={field("name")}
              />
            </label>
            <label>
              Expires after (days)
              <input type="number" min={1} max={3650} value={form.days} onChange={field("days")} />
            </label>
          </div>
          <div>
            <button
              type="submit"
              className="button primary"
              disabled={busy || !form.user.trim() || !form.team.trim()}
            >
              Create key
            </button>
          </div>
        </form>
        <Problem problem={problem} />
        <ShownOnce secret={created} what="key" />
      </Section>
      <Section title="Keys">
        <Problem problem={revokeProblem} />
        {error ? <ErrorBox error={error} what="the keys" /> : null}
        {!data && !error ? <Loading what="the keys" /> : null}
        {data?.keys.length === 0 ? <Empty>No keys yet.</Empty> : null}
        {data && data.keys.length > 0 ? (
          <div className="table-wrap">
            <table className="data" aria-label="AI gateway keys">
              <thead>
                <tr>
                  <th scope="col">User</th>
                  <th scope="col">Team</th>
                  <th scope="col">Tool</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Last used</th>
                  <th scope="col">
                    <span className="visually-hidden">Status or actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.keys.map((k) => (
                  <tr key={k.id} className={k.status === "active" ? undefined : "dim"}>
                    <th scope="row">
                      {k.user} <span className="mono muted small">{k.prefix}…</span>
                      {k.name ? <span className="muted small"> {k.name}</span> : null}
                    </th>
                    <td>{k.team}</td>
                    <td>{k.tool ?? "any"}</td>
                    <td className="nowrap">{k.expiresAt ? day(k.expiresAt) : "never"}</td>
                    <td className="nowrap">{k.lastUsedAt ? time(k.lastUsedAt) : "never"}</td>
                    <td>
                      {k.status === "active" ? (
                        <button
                          type="button"
                          className="button subtle danger"
                          aria-label={`Revoke ${k.user}'s key ${k.prefix}`}
                          onClick={() => void revoke(k)}
                        >
                          Revoke
                        </button>
                      ) : (
                        <span className="badge">{k.status}</span>
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
