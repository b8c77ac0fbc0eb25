import { describe, expect, it } from "vitest";
import { developmentSender, readEmailEnv } from "./env.ts";

describe("email settings", () => {
  it("write messages to the log when no API key is set (an empty one counts as unset)", () => {
    expect(readEmailEnv({})).toEqual({ transport: "log", from: developmentSender });
    expect(readEmailEnv({ RESEND_API_KEY: "", EMAIL_FROM: "" })).toEqual({ transport: "log", from: developmentSender });
  });

  it("send through Resend with a key and a sender", () => {
    expect(readEmailEnv({ RESEND_API_KEY: "re_123", EMAIL_FROM: "Northwind <no-reply@learn.example.edu>" })).toEqual({
      transport: "resend",
      apiKey: "re_123",
      from: "Northwind <no-reply@learn.example.edu>",
    });
  });

  it("refuse to start with a key but no sender, or with values of the wrong shape, naming each variable", () => {
    expect(() => readEmailEnv({ RESEND_API_KEY: "re_123" })).toThrow(
      /Email delivery cannot start[\s\S]*EMAIL_FROM: EMAIL_FROM is required with RESEND_API_KEY/,
    );
    expect(() => readEmailEnv({ RESEND_API_KEY: "sk_live", EMAIL_FROM: "not an address" })).toThrow(
      /RESEND_API_KEY: RESEND_API_KEY must be a Resend API key[\s\S]*EMAIL_FROM: EMAIL_FROM must look like/,
    );
  });
});
