/**
 * Calls to the server's JSON API with the session cookie. Every error the server sends is
 * `{ code, message, requestId }`; it becomes an `ApiError` so pages can say what went wrong and a 401
 * can send the user back to the sign-in page.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

let csrfToken: string | null = null;
const unauthenticatedListeners = new Set<() => void>();

/** Remember the CSRF token the sign-in (or /api/auth/me) returned; sent on every write. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Call `listener` when any request answers 401 (the session ended). */
export function onUnauthenticated(listener: () => void): () => void {
  unauthenticatedListeners.add(listener);
  return () => unauthenticatedListeners.delete(listener);
}

function csrf(): string | null {
  if (csrfToken) return csrfToken;
  const m = /(?:^|;\s*)detente_csrf=([^;]+)/.exec(document.cookie);
  return m?.[1] ? decodeURIComponent(m[1]) : null;
}

async function toError(res: Response): Promise<ApiError> {
  let body: { code?: string; message?: string; requestId?: string } = {};
  try {
    body = (await res.json()) as typeof body;
  } catch {
    // Not JSON (a proxy's error page): fall back to the status text.
  }
  return new ApiError(
    res.status,
    body.code ?? `HTTP_${res.status}`,
    body.message ?? res.statusText,
    body.requestId,
  );
}

/** GET (or another method with `body`) a JSON resource; throws `ApiError` on any non-2xx answer. */
export async function api<T>(
  path: string,
  init: { method?: string; body?: unknown; signal?: AbortSignal } = {},
): Promise<T> {
  const method = init.method ?? "GET";
  const headers: Record<string, string> = { accept: "application/json" };
  if (init.body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET") {
    const token = csrf();
    if (token) headers["x-csrf-token"] = token;
  }
  const res = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    body: init.body === undefined ? null : JSON.stringify(init.body),
    signal: init.signal ?? null,
  });
  if (!res.ok) {
    const error = await toError(res);
    if (res.status === 401 && !path.startsWith("/api/auth/login")) {
      for (const l of unauthenticatedListeners) l();
    }
    throw error;
  }
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/**
 * Upload a report as multipart form data with XMLHttpRequest, the one browser API that reports upload
 * progress. `onProgress` gets the fraction sent (0..1); when it reaches 1 the server is importing.
 */
export function uploadReport<T>(
  file: File,
  options: { fullScan: boolean; asset?: string; onProgress: (sent: number) => void },
): Promise<T> {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    if (options.fullScan) form.append("fullScan", "true");
    if (options.asset) form.append("asset", options.asset);
    form.append("file", file, file.name);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/imports");
    xhr.withCredentials = true;
    xhr.setRequestHeader("accept", "application/json");
    const token = csrf();
    if (token) xhr.setRequestHeader("x-csrf-token", token);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) options.onProgress(e.loaded / e.total);
    };
    xhr.upload.onload = () => {
      options.onProgress(1);
    };
    xhr.onerror = () => {
      reject(new ApiError(0, "NETWORK", "The upload did not reach the server."));
    };
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(body as T);
        return;
      }
      const e = (body ?? {}) as { code?: string; message?: string; requestId?: string };
      if (xhr.status === 401) for (const l of unauthenticatedListeners) l();
      reject(
        new ApiError(xhr.status, e.code ?? `HTTP_${xhr.status}`, e.message ?? xhr.statusText, e.requestId),
      );
    };
    xhr.send(form);
  });
}
