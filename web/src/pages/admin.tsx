import { useState, type SyntheticEvent } from "react";
import { api, ApiError } from "../api";
import { day, time } from "../format";
import { useApi, useTitle } from "../hooks";
import { useSession } from "../session";
import { ROLES, type AuditRow, type Role, type User } from "../types";
import { Empty, ErrorBox, Loading, Section } from "../ui";

const ROLE_MEANING: Record<Role, string> = {
  admin: "everything, including users and the audit log",
  security: "read, upload reports, load assets and threat intel",
  it: "read, upload reports and load assets",
  viewer: "read only",
};

/** Users, their roles, and the audit log. Only administrators see this page. */
export function AdminPage() {
  useTitle("Users & audit");
  const { can } = useSession();
  if (!can("admin")) {
    return (
      <div className="page">
        <h1>Users & audit</h1>
        <p className="notice" role="alert">
          Only administrators can manage users and read the audit log. Your role does not include this.
        </p>
      </div>
    );
  }
  return (
    <div className="page">
      <div className="page-head">
        <h1>Users & audit</h1>
      </div>
      <Users />
      <Audit />
    </div>
  );
}

function Users() {
  const { me } = useSession();
  const { data, error, reload } = useApi<{ users: User[] }>("/api/users");
  const [form, setForm] = useState({ username: "", displayName: "", role: "viewer" as Role, password: "" });
  const [problem, setProblem] = useState<string | null>(null);

  const run = async (what: Promise<unknown>): Promise<void> => {
    setProblem(null);
    try {
      await what;
      reload();
    } catch (err: unknown) {
      setProblem(err instanceof ApiError ? err.message : "The change failed.");
    }
  };
  const create = (e: SyntheticEvent): void => {
    e.preventDefault();
    void run(api("/api/users", { method: "POST", body: form })).then(() => {
      setForm({ username: "", displayName: "", role: "viewer", password: "" });
    });
  };
  const patch = (u: User, body: Record<string, unknown>): void => {
    void run(api(`/api/users/${encodeURIComponent(u.username)}`, { method: "PATCH", body }));
  };

  return (
    <>
      <Section title="Users">
        {problem ? (
          <p className="error-box" role="alert">
            {problem}
          </p>
        ) : null}
        {error ? <ErrorBox error={error} what="the users" /> : null}
        {!data && !error ? <Loading what="the users" /> : null}
        {data?.users.length === 0 ? <Empty>No users.</Empty> : null}
        {data && data.users.length > 0 ? (
          <div className="table-wrap">
            <table className="data" aria-label="Users">
              <thead>
                <tr>
                  <th scope="col">User</th>
                  <th scope="col">Role</th>
                  <th scope="col">Since</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {data.users.map((u) => (
                  <tr key={u.username} className={u.disabled ? "dim" : undefined}>
                    <th scope="row">
                      {u.displayName || u.username} <span className="muted small">{u.username}</span>
                    </th>
                    <td>
                      <select
                        aria-label={`Role of ${u.username}`}
                        value={u.role}
                        disabled={u.username === me.username}
                        onChange={(e) => {
                          patch(u, { role: e.target.value });
                        }}
                      >
                        {ROLES.map((r) => (
                          <option key={r} value={r}>
                            {r}
                          </option>
                        ))}
                      </select>
                    </td>
                    <td className="nowrap">{day(u.createdAt)}</td>
                    <td>
                      {u.username === me.username ? (
                        <span className="muted">you</span>
                      ) : (
                        <button
                          type="button"
                          className={`button subtle${u.disabled ? "" : " danger"}`}
                          onClick={() => {
                            if (
                              u.disabled ||
                              window.confirm(`Disable ${u.username}? Their sessions and tokens stop working.`)
                            )
                              patch(u, { disabled: !u.disabled });
                          }}
                        >
                          {u.disabled ? "Enable" : "Disable"}
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
      <Section title="Add a user">
        <form className="form-grid" onSubmit={create} aria-label="Add a user">
          <label>
            User name
            <input
              required
              autoComplete="off"
              value={form.username}
              onChange={(e) => {
                setForm({ ...form, username: e.target.value });
              }}
            />
          </label>
          <label>
            Display name
            <input
              value={form.displayName}
              onChange={(e) => {
                setForm({ ...form, displayName: e.target.value });
              }}
            />
          </label>
          <label>
            Role
            <select
              value={form.role}
              onChange={(e) => {
                setForm({ ...form, role: e.target.value as Role });
              }}
            >
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {r}: {ROLE_MEANING[r]}
                </option>
              ))}
            </select>
          </label>
          <label>
            Initial password
            <input
              required
              type="password"
              autoComplete="new-password"
              value={form.password}
              onChange={(e) => {
                setForm({ ...form, password: e.target.value });
              }}
            />
          </label>
          <div>
            <button type="submit" className="button primary">
              Add user
            </button>
          </div>
        </form>
      </Section>
    </>
  );
}

function Audit() {
  const { data, error } = useApi<{ entries: AuditRow[] }>("/api/audit?limit=100");
  return (
    <Section title="Audit log">
      {error ? <ErrorBox error={error} what="the audit log" /> : null}
      {!data && !error ? <Loading what="the audit log" /> : null}
      {data?.entries.length === 0 ? <Empty>Nothing recorded yet.</Empty> : null}
      {data && data.entries.length > 0 ? (
        <div className="table-wrap">
          <table className="data compact" aria-label="Audit log">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">What</th>
                <th scope="col">Who</th>
                <th scope="col">To what</th>
                <th scope="col">From</th>
              </tr>
            </thead>
            <tbody>
              {data.entries.map((a) => (
                <tr key={a.id}>
                  <td className="nowrap">{time(a.at)}</td>
                  <td>{a.action.replace(/[._]/g, " ")}</td>
                  <td>{a.actor ?? "–"}</td>
                  <td className="break">{a.target ?? "–"}</td>
                  <td className="mono small">{a.ip ?? "–"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </Section>
  );
}
