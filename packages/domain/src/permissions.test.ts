import { role } from "@learnops/contracts/auth";
import { describe, expect, it } from "vitest";
import { hasPermission, mayBeActedAs, permissions, rolePermissions } from "./permissions.ts";

describe("the permission table", () => {
  it("names every role, and only permissions that exist", () => {
    expect(Object.keys(rolePermissions).toSorted()).toEqual([...role.options].toSorted());
    for (const granted of Object.values(rolePermissions)) {
      for (const permission of granted) expect(permissions).toContain(permission);
    }
  });

  it("gives learners no administrative permission, and instructors only reading their cohorts' progress", () => {
    for (const permission of permissions) {
      expect(hasPermission("learner", permission)).toBe(false);
      expect(hasPermission("instructor", permission)).toBe(permission === "progress.read");
    }
  });

  it("lets support agents act as someone and unlock accounts, but not change memberships or branding", () => {
    expect(hasPermission("support_agent", "sessions.act_as")).toBe(true);
    expect(hasPermission("support_agent", "accounts.unlock")).toBe(true);
    expect(hasPermission("support_agent", "memberships.manage")).toBe(false);
    expect(hasPermission("support_agent", "institution.update_branding")).toBe(false);
  });

  it("keeps act-as from course admins and client managers, and platform admins from being acted as", () => {
    expect(hasPermission("course_admin", "sessions.act_as")).toBe(false);
    expect(hasPermission("client_manager", "sessions.act_as")).toBe(false);
    expect(mayBeActedAs("platform_admin")).toBe(false);
    expect(mayBeActedAs("learner")).toBe(true);
  });

  it("lets support agents see an access trace but not change access; client managers only read enrolments", () => {
    expect(hasPermission("support_agent", "access.inspect")).toBe(true);
    expect(hasPermission("support_agent", "access.override")).toBe(false);
    expect(hasPermission("support_agent", "enrolments.manage")).toBe(false);
    expect(hasPermission("client_manager", "enrolments.read")).toBe(true);
    expect(hasPermission("client_manager", "enrolments.manage")).toBe(false);
    expect(hasPermission("client_manager", "access.inspect")).toBe(false);
    expect(hasPermission("course_admin", "courses.manage")).toBe(true);
    expect(hasPermission("course_admin", "access.override")).toBe(true);
  });

  it("gives platform admins everything", () => {
    for (const permission of permissions) expect(hasPermission("platform_admin", permission)).toBe(true);
  });
});
