/**
 * The one tRPC instance. Every procedure is built from a named base procedure exported here, so checks that
 * guard procedures (authentication, role, tenant scope) live in one place and none can be skipped.
 */

import type { Role } from "@learnops/contracts/auth";
import type { ApiErrorData, FieldIssue } from "@learnops/contracts/errors";
import type { Database } from "@learnops/db/client";
import { withTenant } from "@learnops/db/tenancy";
import { hasPermission, type Permission } from "@learnops/domain/permissions";
import { initTRPC, TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import type { Context } from "./context.ts";

// ---------------------------------------------------------------------------------------------------------
// 1. Error shape: what a client is told when a procedure fails.
// ---------------------------------------------------------------------------------------------------------

interface SchemaIssue {
  path?: readonly (PropertyKey | { key: PropertyKey })[] | undefined;
  message: string;
}

function schemaIssuesOf(cause: unknown): readonly SchemaIssue[] | null {
  if (cause && typeof cause === "object" && "issues" in cause && Array.isArray(cause.issues)) return cause.issues;
  return null;
}

function toFieldIssue(issue: SchemaIssue): FieldIssue {
  const path = (issue.path ?? [])
    .map((segment) => String(typeof segment === "object" ? segment.key : segment))
    .join(".");
  return { path, message: issue.message };
}

const genericFailure = "Something went wrong on our side. Please try again; if it keeps happening, quote the reference";

/**
 * What a client is told of a failed procedure: the field issues of bad input, a generic message quoting the
 * request id for our own failures, the procedure's message otherwise. Also used by the HTTP routes that call
 * procedures themselves (uploads), so every answer has the same shape.
 */
export function describeProcedureError(
  error: TRPCError,
  requestId: string | null,
): { message: string; data: ApiErrorData } {
  const issues = error.code === "BAD_REQUEST" ? schemaIssuesOf(error.cause) : null;
  const fieldIssues = issues ? issues.map(toFieldIssue) : null;
  let message = error.message;
  if (error.code === "INTERNAL_SERVER_ERROR") {
    message = requestId ? `${genericFailure} ${requestId}.` : `${genericFailure} shown in the server log.`;
  } else if (fieldIssues) {
    message = `Invalid input: ${fieldIssues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join("; ")}`;
  }
  return {
    message,
    data: { code: error.code, httpStatus: getHTTPStatusCodeFromError(error), requestId, fieldIssues },
  };
}

const t = initTRPC.context<Context>().create({
  // Stack traces never leave the server, whatever NODE_ENV says.
  isDev: false,
  errorFormatter({ shape, error, ctx }) {
    const { message, data } = describeProcedureError(error, ctx?.requestId ?? null);
    return { code: shape.code, message, data };
  },
});

// ---------------------------------------------------------------------------------------------------------
// 2. Router and caller factories.
// ---------------------------------------------------------------------------------------------------------

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

// ---------------------------------------------------------------------------------------------------------
// 3. Base procedures.
// ---------------------------------------------------------------------------------------------------------

/** Logs every call with its duration, and every unexpected failure with the request id and the real cause. */
const observed = t.middleware(async ({ ctx, path, type, next }) => {
  const started = performance.now();
  const result = await next();
  const durationMs = Math.round(performance.now() - started);
  if (result.ok) {
    ctx.log.debug({ procedure: path, type, durationMs }, "procedure succeeded");
  } else if (result.error.code === "INTERNAL_SERVER_ERROR") {
    ctx.log.error({ procedure: path, type, durationMs, err: result.error.cause ?? result.error }, "procedure failed");
  } else {
    ctx.log.info({ procedure: path, type, durationMs, code: result.error.code }, "procedure refused");
  }
  return result;
});

/** Open to anyone, signed in or not: only for what the public may see or do. */
export const publicProcedure = t.procedure.use(observed);

const signInFirst = () => new TRPCError({ code: "UNAUTHORIZED", message: "Sign in to continue" });

/** A signed-in person, with or without a membership to act in. */
export const authedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.session) throw signInFirst();
  return next({ ctx: { session: ctx.session } });
});

/** Thrown inside the tenant transaction to roll it back when the procedure failed; never leaves here. */
class RollBack extends Error {}

/**
 * A signed-in person acting in their active membership. The whole procedure runs in one transaction scoped
 * to that membership's institution (row-level security), which commits only if the procedure succeeds.
 * The tenant comes from the session, never from the input.
 */
export const memberProcedure = authedProcedure.use(async ({ ctx, next }) => {
  const membership = ctx.session.membership;
  if (!membership) {
    throw new TRPCError({
      code: "FORBIDDEN",
      message: "Choose an institution to act in first (no active membership)",
    });
  }
  const scope = { institutionId: membership.institution_id, userId: ctx.session.user.id };
  const proceed = (trx: Database) => next({ ctx: { db: trx, membership, institutionId: membership.institution_id } });
  let result: Awaited<ReturnType<typeof proceed>> | undefined;
  try {
    await withTenant(ctx.db, scope, async (trx) => {
      result = await proceed(trx);
      if (!result.ok) throw new RollBack();
    });
  } catch (error) {
    if (!(error instanceof RollBack)) throw error;
  }
  if (!result) throw new Error("the tenant transaction ended without running the procedure");
  return result;
});

/**
 * A signed-in person acting in their active membership, without a transaction: for a read whose one
 * statement scopes itself to `ctx.institutionId` (a database function that sets the tenant for its own
 * duration, such as `tenant_access_facts`), where a transaction would cost more than the read. Any other
 * query made here sees no tenant's rows at all (row-level security with no tenant set).
 */
export const memberStatementProcedure = publicProcedure.use(({ ctx, next }) => {
  // authedProcedure's check and this one's in one middleware: each level copies the context, and this is
  // the procedure behind every lesson open.
  const session = ctx.session;
  if (!session) throw signInFirst();
  const membership = session.membership;
  if (!membership) {
    throw new TRPCError({ code: "FORBIDDEN", message: "Choose an institution to act in first (no active membership)" });
  }
  return next({ ctx: { session, membership, institutionId: membership.institution_id } });
});

/** A member whose role grants `permission` (see packages/domain/permissions); FORBIDDEN names what is missing. */
export function permittedProcedure(permission: Permission) {
  return memberProcedure.use(({ ctx, next }) => {
    if (!hasPermission(ctx.membership.role as Role, permission)) {
      throw new TRPCError({
        code: "FORBIDDEN",
        message: `Your role (${ctx.membership.role}) does not have the "${permission}" permission`,
      });
    }
    return next();
  });
}

/** A missing or foreign record: the same answer either way, so ids of other tenants' rows are not confirmed. */
export function notFound(what: string): TRPCError {
  return new TRPCError({ code: "NOT_FOUND", message: `${what} was not found` });
}
