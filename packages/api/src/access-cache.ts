/**
 * What every lesson open needs from the database, kept in memory: resolved sessions (by session id, the
 * token's hash, never the token) and learners' access facts per lesson. Decisions are never cached: the
 * session is re-evaluated against the clock and `decideAccess` runs on the cached facts and the clock on
 * every request, so expiries and cohort dates need no invalidation.
 *
 * Changes reach every API instance as notifications from triggers on the tables the entries come from
 * (migration 20261203T100000, ADR 011). Entries are trusted only while the listening connection is in
 * place: when it drops, everything is flushed and nothing is cached until it is back. Bounded in entries
 * (least recently used go first) and in age (a short TTL, as a safety net).
 */

import { type NotificationListener, startNotificationListener } from "@learnops/db/notification-listener";
import type { OwnMembership } from "@learnops/db/queries/memberships";
import type { ApiKeyCredential } from "@learnops/db/queries/people";
import type { CourseStructureRow, LearnerProgressState } from "@learnops/db/queries/progress";
import type { FoundSession } from "@learnops/db/queries/sessions";
import type { AccessFacts } from "@learnops/domain/access";
import type { Logger } from "pino";

/** A session as `session_lookup` finds it: the row, its person and its active membership. */
export interface CachedSessionLookup {
  session: FoundSession;
  membership: OwnMembership | null;
}

/** A learner's facts for one lesson, without what the session supplies (the learner's client group). */
export interface CachedLessonFacts {
  courseId: string;
  facts: Omit<AccessFacts, "learnerClientGroupId">;
}

export interface AccessCacheOptions {
  /** Sessions kept at most. */
  maxSessions?: number;
  /** Lesson facts (learner x lesson) kept at most. */
  maxFacts?: number;
  /** Course structures (lessons, modules, completion settings) kept at most. */
  maxStructures?: number;
  /** Learners' progress states (learner x course, with every lesson row of theirs in it) kept at most. */
  maxProgressStates?: number;
  /** API keys (machine clients' credentials, by public id) kept at most. */
  maxApiKeys?: number;
  /** The longest an entry is kept, whatever the notifications say (each is kept 80–100 % of it). */
  ttlMs?: number;
  /** Milliseconds on a monotonic clock; tests pass their own. */
  clock?: () => number;
}

/** About 3.5 KB an entry of either kind (measured): at most about 105 MB at these bounds. */
export const accessCacheDefaults = {
  maxSessions: 10_000,
  maxFacts: 20_000,
  maxStructures: 2_000,
  maxProgressStates: 5_000,
  maxApiKeys: 1_000,
  ttlMs: 30_000,
} as const;

/** The channel the triggers notify on. */
export const accessChangesChannel = "access_changes";

/** What a notification asks to evict (see the migration): each name is one tag of the entries it touches. */
type Eviction = readonly string[] | "all";

const sessionTag = (id: string) => `s:${id}`;
const userTag = (id: string) => `u:${id}`;
const courseTag = (id: string) => `c:${id}`;
const userCourseTag = (pair: string) => `uc:${pair}`;
const institutionTag = (id: string) => `i:${id}`;
const apiKeyTag = (publicId: string) => `k:${publicId}`;

/** Reads a notification's payload; an unreadable one evicts everything (never keep what might be stale). */
export function parseAccessChange(payload: string): Eviction {
  let message: unknown;
  try {
    message = JSON.parse(payload);
  } catch {
    return "all";
  }
  if (!message || typeof message !== "object") return "all";
  const fields = message as Record<string, unknown>;
  if (fields.all === true) return "all";
  const tags: string[] = [];
  const add = (field: string, tag: (id: string) => string) => {
    const ids = fields[field];
    if (ids === undefined) return true;
    if (!Array.isArray(ids)) return false;
    for (const id of ids) {
      if (typeof id !== "string") return false;
      tags.push(tag(id));
    }
    return true;
  };
  const understood =
    add("sessions", sessionTag) &&
    add("users", userTag) &&
    add("userCourses", userCourseTag) &&
    add("courses", courseTag) &&
    add("institutions", institutionTag) &&
    add("apiKeys", apiKeyTag);
  return understood && tags.length > 0 ? tags : "all";
}

interface Entry<V> {
  value: V;
  tags: readonly string[];
  expiresAt: number;
  /** Read since it was stored or last given a second chance (see `set`). */
  used?: boolean;
}

/**
 * Bounded like a least-recently-used cache, by the CLOCK approximation: a Map keeps insertion order; a hit
 * only marks its entry used, and when the bound is reached the oldest entry goes unless it was used, in
 * which case it is moved to the back with its mark cleared. A hit, on every request, is then one lookup
 * instead of a delete and an insert. Each tag indexes the keys that carry it, for eviction by tag.
 */
class TaggedLru<V> {
  readonly #entries = new Map<string, Entry<V>>();
  readonly #byTag = new Map<string, Set<string>>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string, now: number): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.delete(key);
      return undefined;
    }
    entry.used = true;
    return entry.value;
  }

  set(key: string, entry: Entry<V>): void {
    if (this.#max <= 0) return;
    this.delete(key);
    this.#entries.set(key, entry);
    for (const tag of entry.tags) {
      let keys = this.#byTag.get(tag);
      if (!keys) {
        keys = new Set();
        this.#byTag.set(tag, keys);
      }
      keys.add(key);
    }
    // Every entry is given at most one second chance per pass, so this ends within one pass of the map.
    while (this.#entries.size > this.#max) {
      const [oldestKey, oldest] = this.#entries.entries().next().value ?? [];
      if (oldestKey === undefined || !oldest) break;
      if (oldest.used && oldestKey !== key) {
        oldest.used = false;
        this.#entries.delete(oldestKey);
        this.#entries.set(oldestKey, oldest);
      } else {
        this.delete(oldestKey);
      }
    }
  }

  delete(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    for (const tag of entry.tags) {
      const keys = this.#byTag.get(tag);
      keys?.delete(key);
      if (keys?.size === 0) this.#byTag.delete(tag);
    }
  }

  evictTag(tag: string): void {
    const keys = this.#byTag.get(tag);
    if (!keys) return;
    for (const key of [...keys]) this.delete(key);
  }

  clear(): void {
    this.#entries.clear();
    this.#byTag.clear();
  }
}

/** How many recent evictions are remembered for loads still in flight when they arrived. */
const recentEvictionsKept = 1_024;

export class AccessCache {
  readonly #sessions: TaggedLru<CachedSessionLookup>;
  readonly #facts: TaggedLru<CachedLessonFacts>;
  readonly #structures: TaggedLru<CourseStructureRow>;
  readonly #progressStates: TaggedLru<LearnerProgressState>;
  readonly #apiKeys: TaggedLru<ApiKeyCredential>;
  readonly #ttlMs: number;
  readonly #clock: () => number;
  /** Whether notifications are known to arrive: entries are kept only then. */
  #enabled = false;
  /** Changes whenever everything is flushed: a load begun before a flush is not kept. */
  #epoch = 0;
  /** Counts evictions; each recent one is remembered with its tags, for loads that were in flight. */
  #evictions = 0;
  readonly #recentEvictions: { sequence: number; eviction: Eviction }[] = [];
  /** Waits until this instance has applied every change committed so far (the listener's round trip). */
  #settle: () => Promise<unknown> = async () => {};

  constructor(options: AccessCacheOptions = {}) {
    this.#sessions = new TaggedLru(options.maxSessions ?? accessCacheDefaults.maxSessions);
    this.#facts = new TaggedLru(options.maxFacts ?? accessCacheDefaults.maxFacts);
    this.#structures = new TaggedLru(options.maxStructures ?? accessCacheDefaults.maxStructures);
    this.#progressStates = new TaggedLru(options.maxProgressStates ?? accessCacheDefaults.maxProgressStates);
    this.#apiKeys = new TaggedLru(options.maxApiKeys ?? accessCacheDefaults.maxApiKeys);
    this.#ttlMs = options.ttlMs ?? accessCacheDefaults.ttlMs;
    this.#clock = options.clock ?? (() => performance.now());
  }

  /** Whether entries are being kept (the listener is connected). */
  get enabled(): boolean {
    return this.#enabled;
  }

  get size(): { sessions: number; facts: number; structures: number; progressStates: number; apiKeys: number } {
    return {
      sessions: this.#sessions.size,
      facts: this.#facts.size,
      structures: this.#structures.size,
      progressStates: this.#progressStates.size,
      apiKeys: this.#apiKeys.size,
    };
  }

  // ---- the listener's side ---------------------------------------------------------------------------

  /** LISTEN is in place: start keeping entries, from nothing (changes before now may have been missed). */
  listening(settle: () => Promise<unknown>): void {
    this.flush();
    this.#settle = settle;
    this.#enabled = true;
  }

  /** The listener is gone: changes may be missed from now on, so keep nothing until it is back. */
  notListening(): void {
    this.#enabled = false;
    this.#settle = async () => {};
    this.flush();
  }

  /** A notification from the `access_changes` channel. */
  applyChange(payload: string): void {
    const eviction = parseAccessChange(payload);
    if (eviction === "all") {
      this.flush();
      return;
    }
    this.#remember(eviction);
    for (const tag of eviction) {
      this.#sessions.evictTag(tag);
      this.#facts.evictTag(tag);
      this.#structures.evictTag(tag);
      this.#apiKeys.evictTag(tag);
    }
  }

  flush(): void {
    this.#epoch += 1;
    this.#sessions.clear();
    this.#facts.clear();
    this.#structures.clear();
    this.#progressStates.clear();
    this.#apiKeys.clear();
  }

  /**
   * Resolves once every change committed before the call has been applied here. A request that changed
   * something waits for it before answering, so the same person's next request, on this instance, sees it.
   */
  settle(): Promise<unknown> {
    if (!this.#enabled) return Promise.resolve();
    if (!this.#settling) return this.#startSettling();
    // One round trip is on its way, sent maybe before this caller's change committed: join the next one,
    // which every caller arriving meanwhile shares. However many writes run at once, at most one round
    // trip is in flight and one waits.
    this.#nextSettling ??= this.#settling.then(() => {
      this.#nextSettling = null;
      return this.#startSettling();
    });
    return this.#nextSettling;
  }

  #settling: Promise<unknown> | null = null;
  #nextSettling: Promise<unknown> | null = null;

  #startSettling(): Promise<unknown> {
    const settling: Promise<unknown> = this.#settle().finally(() => {
      if (this.#settling === settling) this.#settling = null;
    });
    this.#settling = settling;
    return settling;
  }

  // ---- the request's side ----------------------------------------------------------------------------

  /** The session by id, from memory or from `load` (kept when found). */
  async session(id: string, load: () => Promise<CachedSessionLookup | null>): Promise<CachedSessionLookup | null> {
    const cached = this.#sessions.get(id, this.#clock());
    if (cached) return cached;
    return this.#load(this.#sessions, id, load, (found) => [
      sessionTag(id),
      userTag(found.session.user_id),
      ...(found.membership ? [institutionTag(found.membership.institution_id)] : []),
    ]);
  }

  /** Forgets a session this instance has just changed (renewed, ended, stopped acting as someone). */
  forgetSession(id: string): void {
    this.#remember([sessionTag(id)]);
    this.#sessions.delete(id);
  }

  /** A learner's facts for a lesson in an institution, from memory or from `load` (kept when found). */
  lessonFacts(
    learner: { institutionId: string; userId: string },
    lessonId: string,
    load: () => Promise<CachedLessonFacts | null>,
  ): Promise<CachedLessonFacts | null> {
    const key = `${learner.institutionId}:${learner.userId}:${lessonId}`;
    const cached = this.#facts.get(key, this.#clock());
    if (cached) return Promise.resolve(cached);
    // Facts come from enrolments, overrides and progress (the learner in the course), the course and the
    // institution; the person's own rows (status, memberships) reach decisions through the session.
    return this.#load(this.#facts, key, load, (found) => [
      courseTag(found.courseId),
      userCourseTag(`${learner.userId}:${found.courseId}`),
      institutionTag(learner.institutionId),
    ]);
  }

  /**
   * A course's structure (lessons, modules and their prerequisites, settings) in an institution, from memory
   * or from `load` (kept when found): what progress recording judges lessons and completion on. The courses,
   * modules, lessons and prerequisite tables announce their course on every change.
   */
  courseStructure(
    institutionId: string,
    courseId: string,
    load: () => Promise<CourseStructureRow | null>,
  ): Promise<CourseStructureRow | null> {
    const key = `${institutionId}:${courseId}`;
    const cached = this.#structures.get(key, this.#clock());
    if (cached) return Promise.resolve(cached);
    return this.#load(this.#structures, key, load, () => [courseTag(courseId), institutionTag(institutionId)]);
  }

  /**
   * An API key by its public id, from memory or from `load` (kept when found): authentication still checks
   * the presented secret, the expiry and the scope on every request. A key's row announces every change (a
   * revocation, a recorded use), and so does its institution.
   */
  apiKey(publicId: string, load: () => Promise<ApiKeyCredential | null>): Promise<ApiKeyCredential | null> {
    const cached = this.#apiKeys.get(publicId, this.#clock());
    if (cached) return Promise.resolve(cached);
    return this.#load(this.#apiKeys, publicId, load, (found) => [
      apiKeyTag(publicId),
      institutionTag(found.institution_id),
    ]);
  }

  /**
   * A learner's progress in a course as this instance last read or wrote it, if kept. Never trusted as it is:
   * `record_progress` writes only while the stored state still has the entry's fingerprint (ADR 012), so
   * this store needs no notifications and is kept while the listener is down too.
   */
  progressState(
    learner: { institutionId: string; userId: string },
    courseId: string,
  ): LearnerProgressState | undefined {
    return this.#progressStates.get(`${learner.institutionId}:${learner.userId}:${courseId}`, this.#clock());
  }

  keepProgressState(learner: { institutionId: string; userId: string }, state: LearnerProgressState): void {
    this.#progressStates.set(`${learner.institutionId}:${learner.userId}:${state.course_id}`, {
      value: state,
      tags: [],
      expiresAt: this.#expiry(),
    });
  }

  /** Forgets a learner's progress in a course that this instance has just written another way. */
  forgetProgressState(learner: { institutionId: string; userId: string }, courseId: string): void {
    this.#progressStates.delete(`${learner.institutionId}:${learner.userId}:${courseId}`);
  }

  async #load<V>(
    store: TaggedLru<V>,
    key: string,
    load: () => Promise<V | null>,
    tagsOf: (value: V) => string[],
  ): Promise<V | null> {
    if (!this.#enabled) return load();
    const epoch = this.#epoch;
    const evictions = this.#evictions;
    const value = await load();
    if (value === null || !this.#enabled || epoch !== this.#epoch) return value;
    const tags = tagsOf(value);
    // A change may have committed, and been announced, while the load was reading an older snapshot.
    if (!this.#untouchedSince(evictions, tags)) return value;
    store.set(key, { value, tags, expiresAt: this.#expiry() });
    return value;
  }

  /**
   * 80–100 % of the TTL from now: entries loaded together (a busy minute's sign-ins, a restart) do not all
   * expire, and reload from a pool of 10 connections, at the same moment.
   */
  #expiry(): number {
    return this.#clock() + this.#ttlMs * (0.8 + 0.2 * Math.random());
  }

  #remember(eviction: Eviction): void {
    this.#evictions += 1;
    this.#recentEvictions.push({ sequence: this.#evictions, eviction });
    if (this.#recentEvictions.length > recentEvictionsKept) this.#recentEvictions.shift();
  }

  /** Whether no eviction since `sequence` touched any of `tags` (unknown, when too many happened since). */
  #untouchedSince(sequence: number, tags: readonly string[]): boolean {
    if (sequence === this.#evictions) return true;
    const oldest = this.#recentEvictions[0];
    if (!oldest || oldest.sequence > sequence + 1) return false;
    for (const { sequence: at, eviction } of this.#recentEvictions) {
      if (at <= sequence) continue;
      if (eviction === "all" || eviction.some((tag) => tags.includes(tag))) return false;
    }
    return true;
  }
}

/**
 * Connects a cache to the `access_changes` channel through one dedicated listening connection (not one of
 * the pool's): entries are kept only while it is in place, and everything is flushed whenever it drops.
 */
export function listenForAccessChanges(
  cache: AccessCache,
  options: { connectionString: string; log: Logger; heartbeatMs?: number; roundTripTimeoutMs?: number },
): NotificationListener {
  const listener: NotificationListener = startNotificationListener({
    connectionString: options.connectionString,
    channel: accessChangesChannel,
    applicationName: "learnops-api-listener",
    heartbeatMs: options.heartbeatMs,
    roundTripTimeoutMs: options.roundTripTimeoutMs,
    onNotification: (payload) => cache.applyChange(payload),
    onConnected: () => {
      cache.listening(() => listener.roundTrip());
      options.log.info("access cache listening for changes");
    },
    onDisconnected: (reason, stopping) => {
      const wasEnabled = cache.enabled;
      cache.notListening();
      // A shutdown stops the listener on purpose: nothing to warn anyone about.
      if (wasEnabled && !stopping) {
        options.log.warn({ err: reason }, "access cache flushed and off until its listener is back");
      }
    },
  });
  return listener;
}
