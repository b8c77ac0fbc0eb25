import type { Database } from "@learnops/db/client";
import { type ProgressWrite, type RecordProgressOutcome, recordProgressWrites } from "@learnops/db/queries/progress";

/**
 * Group commit for progress recording (ADR 012): the writes that requests hand in while earlier ones are on
 * their way go to the database together, as one `record_progress` statement per institution, with one commit.
 * A lone write goes at once (the next turn of the event loop); while a statement is on its way, writes wait
 * for it and leave together, and a further statement leaves beside it only once enough writes, or enough
 * events, are waiting, so a statement's cost, its commit and the wake-ups of a round trip are shared. Each
 * write still succeeds or is turned away on its own (its outcome); a statement that fails is sent again write
 * by write, so only the write that failed fails its request.
 */
export class ProgressWriteBatcher {
  readonly #db: Database;
  readonly #maxInFlight: number;
  readonly #maxEvents: number;
  readonly #parallelFrom: number;
  readonly #parallelEventsFrom: number;
  #queue: Pending[] = [];
  /** Events in the writes waiting in `#queue`. */
  #queuedEvents = 0;
  #inFlight = 0;
  /** Learners (institution:user) with a write on its way: their next waits for it, so theirs stay in order. */
  readonly #writing = new Set<string>();
  #scheduled = false;

  constructor(
    db: Database,
    options: {
      /** Statements on their way at once; the pool's other connections stay free for other requests. */
      maxInFlight?: number;
      /** Events in one statement (a write bigger than this goes alone). */
      maxEvents?: number;
      /**
       * Writes that must be waiting before a statement leaves while another is on its way: below it they wait
       * for that one to return and leave together (fewer, fuller statements at moderate load).
       */
      parallelFrom?: number;
      /**
       * Or events that must be waiting: a write this large already shares its statement's cost among its own
       * events, and holding it back would only queue large writes on one connection (one core) behind each
       * other (`recordMany` batches).
       */
      parallelEventsFrom?: number;
    } = {},
  ) {
    this.#db = db;
    this.#maxInFlight = options.maxInFlight ?? 4;
    this.#maxEvents = options.maxEvents ?? 1_000;
    this.#parallelFrom = options.parallelFrom ?? 8;
    this.#parallelEventsFrom = options.parallelEventsFrom ?? 50;
  }

  /** Writes one learner's folded events, with others' when they are waiting too; resolves with its outcome. */
  write(institutionId: string, write: ProgressWrite): Promise<RecordProgressOutcome> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ institutionId, write, resolve, reject });
      this.#queuedEvents += write.events.length;
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    // After this turn's other requests have handed in theirs.
    setImmediate(() => {
      this.#scheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    while (
      this.#queue.length &&
      (this.#inFlight === 0 ||
        (this.#inFlight < this.#maxInFlight &&
          (this.#queue.length >= this.#parallelFrom || this.#queuedEvents >= this.#parallelEventsFrom)))
    ) {
      const batch = this.#take();
      if (!batch.length) return;
      this.#inFlight += 1;
      for (const pending of batch) this.#writing.add(learnerKey(pending));
      void this.#send(batch).finally(() => {
        this.#inFlight -= 1;
        for (const pending of batch) this.#writing.delete(learnerKey(pending));
        if (this.#queue.length) this.#schedule();
      });
    }
  }

  /**
   * The oldest write whose learner has none on its way, and the writes of its institution that came after
   * it, in order: at most one per learner (a learner's next write waits for this one to be written) and
   * within the bound of events. Empty when every waiting write's learner has one on its way.
   */
  #take(): Pending[] {
    const first = this.#queue.find((pending) => !this.#writing.has(learnerKey(pending)));
    if (!first) return [];
    const batch: Pending[] = [];
    const rest: Pending[] = [];
    const learners = new Set(this.#writing);
    let events = 0;
    for (const pending of this.#queue) {
      const fits =
        pending.institutionId === first.institutionId &&
        !learners.has(learnerKey(pending)) &&
        (batch.length === 0 || events + pending.write.events.length <= this.#maxEvents);
      // A learner's later writes stay behind the first that did not fit.
      learners.add(learnerKey(pending));
      if (fits) {
        batch.push(pending);
        events += pending.write.events.length;
      } else {
        rest.push(pending);
      }
    }
    this.#queue = rest;
    this.#queuedEvents -= events;
    return batch;
  }

  async #send(batch: readonly Pending[]): Promise<void> {
    const institutionId = batch[0]?.institutionId;
    if (!institutionId) return;
    try {
      const outcomes = await recordProgressWrites(
        this.#db,
        institutionId,
        batch.map((pending) => pending.write),
      );
      batch.forEach((pending, i) => {
        const outcome = outcomes[i];
        if (outcome) pending.resolve(outcome);
        else pending.reject(new Error("record_progress gave no outcome for a write"));
      });
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
      await Promise.all(
        batch.map(async (pending) => {
          try {
            const [outcome] = await recordProgressWrites(this.#db, institutionId, [pending.write]);
            if (!outcome) throw new Error("record_progress gave no outcome for a write");
            pending.resolve(outcome);
          } catch (alone) {
            pending.reject(alone);
          }
        }),
      );
    }
  }
}

interface Pending {
  institutionId: string;
  write: ProgressWrite;
  resolve: (outcome: RecordProgressOutcome) => void;
  reject: (error: unknown) => void;
}

const learnerKey = (pending: Pending) => `${pending.institutionId}:${pending.write.userId}`;

const batchers = new WeakMap<Database, ProgressWriteBatcher>();

/** The process's batcher for this database (pool): writes share statements only on the same pool. */
export function progressWriterFor(db: Database): ProgressWriteBatcher {
  let batcher = batchers.get(db);
  if (!batcher) {
    batcher = new ProgressWriteBatcher(db);
    batchers.set(db, batcher);
  }
  return batcher;
}
