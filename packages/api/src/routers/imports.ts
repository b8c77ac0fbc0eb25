import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import {
  type EnrolmentImportView,
  enrolmentImportIdInput,
  enrolmentUploadInput,
  maxUploadBytes,
} from "@learnops/contracts/enrolment";
import type { Database } from "@learnops/db/client";
import {
  type EnrolmentImportRow,
  findEnrolmentImport,
  listEnrolmentImports,
  loadImportCatalogue,
  type StoredImportRow,
} from "@learnops/db/queries/enrolment-imports";
import { findClientGroup } from "@learnops/db/queries/people";
import {
  checkImportRow,
  headerProblems,
  type ImportRejection,
  knownColumns,
  maxImportRows,
  rejectionsCsv,
} from "@learnops/domain/enrolment-import";
import { enrolmentImportJob } from "@learnops/jobs/queues";
import { sendJob } from "@learnops/jobs/send";
import { TRPCError } from "@trpc/server";
import { parse } from "csv-parse";
import { recordAction } from "../audit-trail.ts";
import { notFound, permittedProcedure, router } from "../trpc.ts";

function toImportView(row: EnrolmentImportRow): EnrolmentImportView {
  const valid = row.total_rows - row.rejected_rows;
  return {
    id: row.id,
    kind: row.kind as EnrolmentImportView["kind"],
    clientGroupId: row.client_group_id,
    fileName: row.file_name,
    status: row.status as EnrolmentImportView["status"],
    totalRows: row.total_rows,
    validRows: valid,
    rejectedRows: row.rejected_rows,
    processedRows: row.processed_rows,
    createdRows: row.created_rows,
    unchangedRows: row.unchanged_rows,
    percentDone: valid === 0 ? 100 : Math.floor((row.processed_rows / valid) * 100),
    error: row.error,
    createdAt: row.created_at.toISOString(),
    completedAt: row.completed_at?.toISOString() ?? null,
  };
}

function badRequest(message: string): TRPCError {
  return new TRPCError({ code: "BAD_REQUEST", message });
}

/**
 * Reads the upload as it arrives, record by record, hashing it on the way: nothing holds the whole file.
 * Refuses a file over the size limit or with more rows than one upload may have.
 */
async function* records(file: ReadableStream<Uint8Array>, hash: ReturnType<typeof createHash>) {
  let bytes = 0;
  const counted = Readable.fromWeb(file as NodeReadableStream<Uint8Array>).map((chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes > maxUploadBytes) throw badRequest(`file: an upload has at most ${maxUploadBytes / 1024 / 1024} MB`);
    hash.update(chunk);
    return chunk;
  });
  const parser = counted.pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: true, info: true }));
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      yield { values: record, line: info.lines };
    }
  } catch (error) {
    if (error instanceof TRPCError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw badRequest(`file: this is not a CSV file we can read (${message})`);
  }
}

/** How many of the rows that passed name a learner already enrolled in the course: they will change nothing. */
async function countAlreadyEnrolled(db: Database, rows: readonly StoredImportRow[]): Promise<number> {
  if (!rows.length) return 0;
  const found = await db
    .selectFrom("enrolments")
    .innerJoin("users", "users.id", "enrolments.user_id")
    .select(["users.email", "enrolments.course_id"])
    .where("users.email", "in", [...new Set(rows.map((row) => row.email))])
    .where("enrolments.status", "in", ["pending", "active", "suspended", "review_required"])
    .execute();
  const live = new Set(found.map((row) => `${row.email}/${row.course_id}`));
  return rows.filter((row) => live.has(`${row.email}/${row.courseId}`)).length;
}

export const importsRouter = router({
  /**
   * Validates an uploaded CSV row by row without changing any enrolment: the dry run. The rows that pass are
   * kept with the upload for `start`; the rejected ones come back with their reasons. The file arrives as
   * a stream (the `POST /imports/enrolments` route passes the request body here), never whole in memory.
   */
  upload: permittedProcedure("enrolments.manage")
    .input(enrolmentUploadInput)
    .mutation(async ({ ctx, input }) => {
      const now = ctx.now();
      if (input.kind === "client_roster") {
        if (!input.clientGroupId) throw badRequest("clientGroupId: a client roster names its client group");
        if (!(await findClientGroup(ctx.db, input.clientGroupId))) throw notFound("Client group");
      }
      const clientGroupId = input.kind === "client_roster" ? (input.clientGroupId ?? null) : null;
      const catalogue = await loadImportCatalogue(ctx.db, { clientGroupId, today: now.toISOString().slice(0, 10) });

      const hash = createHash("sha256");
      let header: string[] | null = null;
      const rows: StoredImportRow[] = [];
      const rejections: ImportRejection[] = [];
      const seen = new Map<string, number>();
      let total = 0;
      for await (const { values, line } of records(input.file, hash)) {
        if (!header) {
          header = values.map((name) => name.trim().toLowerCase());
          const problems = headerProblems(header);
          if (problems.length) throw badRequest(`file: ${problems.join("; ")}`);
          continue;
        }
        total += 1;
        if (total > maxImportRows) {
          throw badRequest(`file: an upload has at most ${maxImportRows.toLocaleString("en")} rows; split the file`);
        }
        const record: Record<string, string> = {};
        for (const [index, column] of header.entries()) {
          if (knownColumns.includes(column)) record[column] = values[index] ?? "";
        }
        const checked = checkImportRow(record, line, catalogue, seen, now);
        if ("row" in checked) rows.push(checked.row);
        else rejections.push(checked.rejection);
      }
      if (!header) throw badRequest("file: the file is empty");
      if (total === 0) throw badRequest("file: the file has a header line but no rows");

      const sha256 = hash.digest("hex");
      const previous = await ctx.db
        .selectFrom("enrolment_imports")
        .select(["created_at", "status"])
        .where("file_sha256", "=", sha256)
        .where("status", "=", "completed")
        .orderBy("created_at", "desc")
        .executeTakeFirst();
      const created = await ctx.db
        .insertInto("enrolment_imports")
        .values({
          institution_id: ctx.institutionId,
          kind: input.kind,
          client_group_id: clientGroupId,
          file_name: input.fileName,
          file_sha256: sha256,
          status: "validated",
          total_rows: total,
          rejected_rows: rejections.length,
          rows: JSON.stringify(rows),
          rejections: JSON.stringify({ header, rejections }),
          created_by: ctx.session.user.id,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      await recordAction(ctx, {
        action: "enrolment_import.validated",
        targetType: "enrolment_import",
        targetId: created.id,
        after: { fileName: input.fileName, kind: input.kind, total, rejected: rejections.length, sha256 },
      });
      const stored = await findEnrolmentImport(ctx.db, created.id);
      if (!stored) throw notFound("Upload");
      return {
        ...toImportView(stored),
        alreadyEnrolled: await countAlreadyEnrolled(ctx.db, rows),
        uploadedBefore: previous?.created_at.toISOString() ?? null,
        rejections: rejections.slice(0, 100),
      };
    }),

  /** Applies a validated upload: the worker enrols the rows that passed, and the upload shows its progress. */
  start: permittedProcedure("enrolments.manage")
    .input(enrolmentImportIdInput)
    .mutation(async ({ ctx, input }) => {
      const upload = await ctx.db
        .selectFrom("enrolment_imports")
        .select(["id", "status", "total_rows", "rejected_rows"])
        .where("id", "=", input.importId)
        .forUpdate()
        .executeTakeFirst();
      if (!upload) throw notFound("Upload");
      if (upload.status !== "validated") {
        throw new TRPCError({ code: "CONFLICT", message: `This upload is ${upload.status} already` });
      }
      if (upload.total_rows === upload.rejected_rows) {
        throw new TRPCError({
          code: "CONFLICT",
          message: "Every row of this upload was rejected: there is nothing to apply",
        });
      }
      await ctx.db.updateTable("enrolment_imports").set({ status: "queued" }).where("id", "=", upload.id).execute();
      // Enqueued in the same transaction: the upload is queued and its job exists together, or neither.
      await sendJob(
        ctx.jobs,
        enrolmentImportJob,
        { importId: upload.id, institutionId: ctx.institutionId },
        { transaction: ctx.db },
      );
      await recordAction(ctx, {
        action: "enrolment_import.applied",
        targetType: "enrolment_import",
        targetId: upload.id,
      });
      const stored = await findEnrolmentImport(ctx.db, upload.id);
      if (!stored) throw notFound("Upload");
      return toImportView(stored);
    }),

  /** One upload and its progress (the admin console polls it while the worker applies the rows). */
  byId: permittedProcedure("enrolments.manage")
    .input(enrolmentImportIdInput)
    .query(async ({ ctx, input }) => {
      const upload = await findEnrolmentImport(ctx.db, input.importId);
      if (!upload) throw notFound("Upload");
      return toImportView(upload);
    }),

  list: permittedProcedure("enrolments.manage").query(async ({ ctx }) =>
    (await listEnrolmentImports(ctx.db, 50)).map(toImportView),
  ),

  /** The rejected rows with their reasons, as a CSV to download, fix and upload again. */
  rejectionsCsv: permittedProcedure("enrolments.manage")
    .input(enrolmentImportIdInput)
    .query(async ({ ctx, input }) => {
      const upload = await ctx.db
        .selectFrom("enrolment_imports")
        .select(["file_name", "rejections"])
        .where("id", "=", input.importId)
        .executeTakeFirst();
      if (!upload) throw notFound("Upload");
      const { header, rejections } = upload.rejections as unknown as {
        header: string[];
        rejections: ImportRejection[];
      };
      return {
        fileName: upload.file_name.replace(/(\.csv)?$/i, "-rejected.csv"),
        csv: rejectionsCsv(
          header.filter((column) => knownColumns.includes(column)),
          rejections,
        ),
      };
    }),
});
