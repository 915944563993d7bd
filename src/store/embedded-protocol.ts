/** Messages between the store (`embedded.ts`) and the embedded database's thread (`embedded-worker.ts`). */

/** What the thread needs to open the database. */
export interface EmbeddedStart {
  readonly dir: string;
  readonly migrationsFolder: string;
}

/** One request; `id` pairs it with its response (0 is the thread's "opened" or "failed to open"). */
export type EmbeddedRequest = { readonly id: number } & (
  | { readonly op: "query"; readonly text: string; readonly params: unknown[]; readonly tx?: number }
  | { readonly op: "copy"; readonly text: string; readonly data: ArrayBuffer; readonly tx: number }
  | { readonly op: "begin" }
  | { readonly op: "end"; readonly tx: number; readonly commit: boolean }
  | { readonly op: "close" }
);

export type EmbeddedResponse =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: WireError };

/** PostgreSQL's fields of an error that cross threads with it (`code` is the SQLSTATE). */
export const ERROR_FIELDS = ["code", "detail", "hint", "constraint", "table", "column"] as const;

/** A database error as it crosses threads: its message and PostgreSQL's fields. */
export type WireError = { message: string; name?: string } & Partial<
  Record<(typeof ERROR_FIELDS)[number], string>
> & {
    /** Where opening failed: "migrate" when the schema could not be brought up to date. */
    stage?: string;
  };
