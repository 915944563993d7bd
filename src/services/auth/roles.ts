/**
 * Roles and what they may do. A scope is one kind of action; a role is a set of scopes, and an API token
 * carries a subset of its owner's scopes.
 *
 * - `viewer`: read everything the dashboard shows (findings, assets, imports, intel, AI activity, policy).
 * - `it`: also upload reports and load the asset inventory (platform teams run scanners too).
 * - `security`: also load threat intelligence.
 * - `admin`: also manage users, their roles and anyone's tokens, and read the audit log.
 */
export const ROLES = ["admin", "security", "it", "viewer"] as const;
export type Role = (typeof ROLES)[number];

export const SCOPES = ["read", "import", "assets", "intel", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

const ROLE_SCOPES: Readonly<Record<Role, readonly Scope[]>> = {
  admin: SCOPES,
  security: ["read", "import", "assets", "intel"],
  it: ["read", "import", "assets"],
  viewer: ["read"],
};

/** The scopes of a role. */
export function scopesOf(role: Role): readonly Scope[] {
  return ROLE_SCOPES[role];
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}
