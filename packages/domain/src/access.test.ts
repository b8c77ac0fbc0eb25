import { describe, expect, it } from "vitest";
import { type AccessFacts, decideAccess, type EnrolmentFacts } from "./access.ts";

const now = new Date("2027-01-15T12:00:00Z");
const daysFromNow = (days: number) => new Date(now.getTime() + days * 86_400_000);

const enrolment = (overrides: Partial<EnrolmentFacts> = {}): EnrolmentFacts => ({
  status: "active",
  source: "manual_grant",
  paymentState: "not_required",
  paymentStateSince: null,
  expiresAt: null,
  statusReason: null,
  clientGroupId: null,
  cohort: null,
  contract: null,
  promotion: null,
  ...overrides,
});

const facts = (overrides: Partial<AccessFacts> = {}): AccessFacts => ({
  course: { title: "Infection Control", status: "published" },
  lesson: { title: "Hand hygiene", requiredLessons: [], requiredModules: [] },
  enrolment: enrolment(),
  overrides: [],
  learnerClientGroupId: null,
  completedLessonIds: new Set(),
  ...overrides,
});

describe("decideAccess", () => {
  it("allows an active enrolment and says how", () => {
    const decision = decideAccess(facts(), now);
    expect(decision).toMatchObject({
      allowed: true,
      denial: null,
      reason: "Hand hygiene is open to you via a manual grant",
      until: null,
    });
    expect(decision.trace.map((step) => [step.check, step.outcome])).toEqual([
      ["course", "passed"],
      ["override", "skipped"],
      ["enrolment", "passed"],
      ["payment", "skipped"],
      ["expiry", "skipped"],
      ["cohort", "skipped"],
      ["contract", "skipped"],
      ["prerequisites", "skipped"],
    ]);
  });

  it("denies someone never enrolled", () => {
    expect(decideAccess(facts({ enrolment: null }), now)).toMatchObject({
      allowed: false,
      denial: "not_enrolled",
      reason: "You are not enrolled in Infection Control",
    });
  });

  it("denies draft and archived courses whatever the enrolment", () => {
    expect(decideAccess(facts({ course: { title: "X", status: "draft" } }), now).denial).toBe("course_unavailable");
    expect(decideAccess(facts({ course: { title: "X", status: "archived" } }), now)).toMatchObject({
      denial: "course_unavailable",
      reason: "X has been archived and can no longer be opened",
    });
  });

  it("denies an expired enrolment, naming the day, and allows it until then", () => {
    const expired = decideAccess(facts({ enrolment: enrolment({ expiresAt: daysFromNow(-1) }) }), now);
    expect(expired).toMatchObject({ allowed: false, denial: "access_expired", reason: "Access expired on 2027-01-14" });
    const open = decideAccess(facts({ enrolment: enrolment({ expiresAt: daysFromNow(10) }) }), now);
    expect(open).toMatchObject({ allowed: true, until: daysFromNow(10).toISOString() });
    expect(open.reason).toBe("Hand hygiene is open to you via a manual grant until 2027-01-25");
    // The expiry instant itself is already past.
    expect(decideAccess(facts({ enrolment: enrolment({ expiresAt: now }) }), now).denial).toBe("access_expired");
  });

  it("denies unpaid, refunded and failed payments with the day they began", () => {
    const since = new Date("2027-01-10T09:00:00Z");
    const paid = (paymentState: EnrolmentFacts["paymentState"], status: EnrolmentFacts["status"] = "pending") =>
      decideAccess(
        facts({ enrolment: enrolment({ source: "payment", status, paymentState, paymentStateSince: since }) }),
        now,
      );
    expect(paid("pending")).toMatchObject({ denial: "payment_pending", reason: "Payment pending since 2027-01-10" });
    expect(paid("refunded", "active")).toMatchObject({
      denial: "payment_refunded",
      reason: "Payment refunded since 2027-01-10",
    });
    expect(paid("failed", "active").denial).toBe("payment_failed");
    expect(paid("paid", "active")).toMatchObject({
      allowed: true,
      reason: "Hand hygiene is open to you via a purchase",
    });
  });

  it("denies suspended, cancelled, expired and under-review enrolments with the staff's reason", () => {
    const denied = (status: EnrolmentFacts["status"]) =>
      decideAccess(facts({ enrolment: enrolment({ status, statusReason: "Chargeback under investigation" }) }), now);
    expect(denied("suspended")).toMatchObject({
      denial: "enrolment_suspended",
      reason: "Your enrolment is suspended: Chargeback under investigation",
    });
    expect(denied("cancelled").denial).toBe("enrolment_cancelled");
    expect(denied("expired").denial).toBe("enrolment_expired");
    expect(denied("review_required").denial).toBe("enrolment_under_review");
    expect(decideAccess(facts({ enrolment: enrolment({ status: "pending" }) }), now).denial).toBe("enrolment_pending");
  });

  it("keeps a cohort's learners out before it starts and after it ends, unless they completed", () => {
    const cohort = (startsAt: Date, endsAt: Date) => ({ name: "January 2027", startsAt, endsAt });
    expect(
      decideAccess(facts({ enrolment: enrolment({ cohort: cohort(daysFromNow(3), daysFromNow(60)) }) }), now),
    ).toMatchObject({ denial: "cohort_not_started", reason: "January 2027 starts on 2027-01-18" });
    expect(
      decideAccess(facts({ enrolment: enrolment({ cohort: cohort(daysFromNow(-60), daysFromNow(-1)) }) }), now),
    ).toMatchObject({ denial: "cohort_ended", reason: "January 2027 ended on 2027-01-14" });
    expect(
      decideAccess(
        facts({ enrolment: enrolment({ status: "completed", cohort: cohort(daysFromNow(-60), daysFromNow(-1)) }) }),
        now,
      ).allowed,
    ).toBe(true);
  });

  describe("corporate contracts", () => {
    const contract = {
      name: "ACME",
      clientGroupId: "group-acme",
      startsOn: "2026-09-01",
      endsOn: "2027-03-01",
      status: "active" as const,
      coversCourse: true,
    };
    const corporate = (overrides: Partial<NonNullable<EnrolmentFacts["contract"]>> = {}) =>
      enrolment({ source: "corporate_contract", clientGroupId: "group-acme", contract: { ...contract, ...overrides } });

    it("allows the client's people while the contract runs, until its last day", () => {
      const decision = decideAccess(facts({ enrolment: corporate(), learnerClientGroupId: "group-acme" }), now);
      expect(decision).toMatchObject({
        allowed: true,
        reason: "Hand hygiene is open to you via corporate contract ACME until 2027-03-01",
        until: "2027-03-01T23:59:59.999Z",
      });
    });

    it("denies once the learner has left the client group (the corporate boundary)", () => {
      expect(decideAccess(facts({ enrolment: corporate(), learnerClientGroupId: "group-other" }), now)).toMatchObject({
        denial: "outside_client_group",
      });
      expect(decideAccess(facts({ enrolment: corporate(), learnerClientGroupId: null }), now).allowed).toBe(false);
    });

    it("denies when the contract has ended, not started, was terminated or dropped the course", () => {
      const denied = (overrides: Partial<NonNullable<EnrolmentFacts["contract"]>>) =>
        decideAccess(facts({ enrolment: corporate(overrides), learnerClientGroupId: "group-acme" }), now);
      expect(denied({ endsOn: "2027-01-14" })).toMatchObject({
        denial: "contract_inactive",
        reason: "The corporate contract ACME ended on 2027-01-14",
      });
      expect(denied({ startsOn: "2027-02-01" }).reason).toBe("The corporate contract ACME starts on 2027-02-01");
      expect(denied({ status: "terminated" }).reason).toBe("The corporate contract ACME was terminated");
      expect(denied({ coversCourse: false }).reason).toBe("The corporate contract ACME no longer covers this course");
      // The contract's last day is still inside it.
      expect(denied({ endsOn: "2027-01-15" }).allowed).toBe(true);
    });

    it("ends access with whichever comes first: the enrolment's expiry or the contract", () => {
      const sooner = corporate();
      sooner.expiresAt = new Date("2027-02-01T00:00:00Z");
      expect(decideAccess(facts({ enrolment: sooner, learnerClientGroupId: "group-acme" }), now).until).toBe(
        "2027-02-01T00:00:00.000Z",
      );
    });
  });

  describe("administrator overrides", () => {
    const override = (effect: "allow" | "deny", startsAt: Date, expiresAt: Date, revokedAt: Date | null = null) => ({
      effect,
      reason: "Hospital placement starts early",
      startsAt,
      expiresAt,
      revokedAt,
    });

    it("an allow lets someone in whatever the enrolment says, until it expires", () => {
      const decision = decideAccess(
        facts({ enrolment: null, overrides: [override("allow", daysFromNow(-1), daysFromNow(5))] }),
        now,
      );
      expect(decision).toMatchObject({
        allowed: true,
        reason:
          "Hand hygiene is open to you via an administrator's override (Hospital placement starts early) until 2027-01-20",
        until: daysFromNow(5).toISOString(),
      });
      expect(decision.trace.find((step) => step.check === "enrolment")?.outcome).toBe("skipped");
    });

    it("an expired, revoked or future override counts for nothing", () => {
      const ignored = [
        override("allow", daysFromNow(-10), daysFromNow(-1)),
        override("allow", daysFromNow(-1), daysFromNow(5), daysFromNow(-0.5)),
        override("allow", daysFromNow(1), daysFromNow(5)),
      ];
      for (const candidate of ignored) {
        expect(decideAccess(facts({ enrolment: null, overrides: [candidate] }), now).denial).toBe("not_enrolled");
      }
    });

    it("a deny outranks an allow and an active enrolment", () => {
      const decision = decideAccess(
        facts({
          overrides: [
            override("allow", daysFromNow(-1), daysFromNow(5)),
            override("deny", daysFromNow(-1), daysFromNow(2)),
          ],
        }),
        now,
      );
      expect(decision).toMatchObject({
        allowed: false,
        denial: "denied_by_override",
        reason: "Access withheld by an administrator until 2027-01-17: Hospital placement starts early",
      });
    });

    it("does not lift prerequisites", () => {
      const decision = decideAccess(
        facts({
          enrolment: null,
          overrides: [override("allow", daysFromNow(-1), daysFromNow(5))],
          lesson: { title: "Quiz", requiredLessons: [{ id: "l1", title: "Hand hygiene" }], requiredModules: [] },
        }),
        now,
      );
      expect(decision.denial).toBe("prerequisites_incomplete");
    });
  });

  describe("prerequisites", () => {
    const lesson = {
      title: "Final quiz",
      requiredLessons: [
        { id: "l1", title: "Hand hygiene" },
        { id: "l2", title: "Gloves" },
      ],
      requiredModules: [{ id: "m1", title: "Foundations", lessonIds: ["l3", "l4"] }],
    };

    it("names everything still to complete", () => {
      expect(decideAccess(facts({ lesson, completedLessonIds: new Set(["l1", "l3"]) }), now)).toMatchObject({
        allowed: false,
        denial: "prerequisites_incomplete",
        reason: "Complete the module Foundations and Gloves first",
      });
    });

    it("opens once every required lesson and module is complete", () => {
      const decision = decideAccess(facts({ lesson, completedLessonIds: new Set(["l1", "l2", "l3", "l4"]) }), now);
      expect(decision.allowed).toBe(true);
      expect(decision.trace.at(-1)).toEqual({
        check: "prerequisites",
        outcome: "passed",
        detail: "Every prerequisite is complete",
      });
    });

    it("are checked only after the enrolment allows access", () => {
      expect(decideAccess(facts({ lesson, enrolment: null }), now).denial).toBe("not_enrolled");
    });
  });
});
