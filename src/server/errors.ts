import type { FastifyError, FastifyInstance } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { DetenteError, type ErrorCode } from "../errors.js";

/** The one error shape of the API. */
export interface ApiError {
  readonly code: string;
  readonly message: string;
  readonly requestId: string;
}

const STATUS: Readonly<Record<ErrorCode, number>> = {
  INVALID_INPUT: 400,
  UNKNOWN_FORMAT: 400,
  INVALID_CONFIG: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  UPSTREAM: 502,
  STORE_BUSY: 503,
  POLICY_FAIL: 422,
};

/**
 * Map every error to `{ code, message, requestId }`: a DetenteError keeps its code and message (written
 * for people, never carrying secrets); request validation names the field; anything else is a bug and
 * the client learns only that, with the request id to look for in the log (which gets the error's name
 * and code, never SQL parameters or request content).
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | DetenteError | Error, request, reply) => {
    const requestId = request.id;
    if (error instanceof DetenteError) {
      const retry = error.details?.retryAfterSeconds;
      if (typeof retry === "number") void reply.header("retry-after", String(retry));
      return reply
        .code(STATUS[error.code])
        .send({ code: error.code, message: error.message, requestId } satisfies ApiError);
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const issue = error.validation[0];
      const where = `${error.validationContext ?? "request"}${issue?.instancePath ? issue.instancePath.replaceAll("/", ".") : ""}`;
      return reply.code(400).send({
        code: "INVALID_INPUT",
        message: `${where}: ${issue?.message ?? "invalid"}`,
        requestId,
      } satisfies ApiError);
    }
    const fe = error as FastifyError;
    if (typeof fe.statusCode === "number" && fe.statusCode >= 400 && fe.statusCode < 500) {
      // Fastify's own client errors (body too large, bad JSON, unsupported media type): their messages
      // describe the request's shape, not its content.
      return reply.code(fe.statusCode).send({
        code: fe.statusCode === 413 ? "TOO_LARGE" : "INVALID_INPUT",
        message: (fe.message || "bad request").slice(0, 200),
        requestId,
      } satisfies ApiError);
    }
    request.log.error({ err: { name: error.name, code: fe.code } }, "request failed");
    return reply.code(500).send({
      code: "INTERNAL",
      message: "internal error: the server log has this request id",
      requestId,
    } satisfies ApiError);
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      code: "NOT_FOUND",
      message: `no route ${request.method} ${request.url.split("?")[0]?.slice(0, 200) ?? ""}`,
      requestId: request.id,
    } satisfies ApiError),
  );
}
