import { z } from "zod";

/** One failing field of a BAD_REQUEST: the dotted path into the input and what is wrong with it. */
export const fieldIssue = z.object({
  path: z.string(),
  message: z.string(),
});
export type FieldIssue = z.infer<typeof fieldIssue>;

/**
 * The `data` every API error carries besides tRPC's own code and HTTP status: the request id to quote to
 * support, and for BAD_REQUEST the fields that failed validation.
 */
export const apiErrorData = z.object({
  code: z.string(),
  httpStatus: z.number().int(),
  requestId: z.string().nullable(),
  fieldIssues: z.array(fieldIssue).nullable(),
});
export type ApiErrorData = z.infer<typeof apiErrorData>;
