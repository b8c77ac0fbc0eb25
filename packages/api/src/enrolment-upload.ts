import type { ApiErrorData } from "@learnops/contracts/errors";
import { TRPCError } from "@trpc/server";
import { type ApiServices, createContext, type RequestDetails } from "./context.ts";
import { createCaller } from "./root.ts";
import { describeProcedureError } from "./trpc.ts";

export type UploadAnswer =
  | { status: 200; body: unknown }
  | { status: number; body: { error: { message: string; data: ApiErrorData } } };

/**
 * `POST /imports/enrolments?kind=&clientGroupId=&fileName=`: the CSV is the request body, handed as a stream
 * to `imports.upload`, so the same session, permission, tenant transaction and audit apply as to any
 * procedure, and errors have the same shape as tRPC's.
 */
export async function receiveEnrolmentUpload(
  services: ApiServices,
  details: RequestDetails,
  query: { kind?: string | undefined; clientGroupId?: string | undefined; fileName?: string | undefined },
): Promise<UploadAnswer> {
  const context = await createContext(services, details);
  try {
    const body = await createCaller(context).imports.upload({
      kind: (query.kind ?? "enrolments") as "enrolments" | "client_roster",
      ...(query.clientGroupId ? { clientGroupId: query.clientGroupId } : {}),
      fileName: query.fileName ?? "",
      file: details.request.body as ReadableStream<Uint8Array>,
    });
    return { status: 200, body };
  } catch (error) {
    const failure = error instanceof TRPCError ? error : new TRPCError({ code: "INTERNAL_SERVER_ERROR", cause: error });
    if (failure.code === "INTERNAL_SERVER_ERROR") details.log.error({ err: failure.cause ?? failure }, "upload failed");
    const described = describeProcedureError(failure, details.requestId);
    return { status: described.data.httpStatus, body: { error: described } };
  }
}
