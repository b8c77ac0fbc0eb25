import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpConnection, RequestTimeout } from "./http-connection.ts";

// A server answering the way the API may: a content-length body, a chunked one (written in parts), an
// empty 204, and one that never answers; it also says what it received, so the request can be checked.
let server: http.Server;
let url: URL;
const received: { method?: string; url?: string; headers: http.IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  server = http.createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => {
      body += chunk.toString("utf8");
    });
    request.on("end", () => {
      received.push({ method: request.method, url: request.url, headers: request.headers, body });
      if (request.url === "/chunked") {
        response.writeHead(200, { "content-type": "application/json" });
        response.write('{"part":');
        setTimeout(() => response.end('"two"}'), 5);
      } else if (request.url === "/empty") {
        response.writeHead(204).end();
      } else if (request.url === "/silent") {
        // Never answers.
      } else if (request.url === "/refused") {
        response.writeHead(403, { "content-length": "2" }).end("no");
      } else {
        response.writeHead(200, { "content-length": Buffer.byteLength(body) }).end(body);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("HttpConnection", () => {
  it("sends each POST with its own body and headers over one kept-alive connection", async () => {
    let sent = 0;
    const connection = new HttpConnection(
      url,
      {
        method: "POST",
        path: "/echo?x=1",
        headers: { cookie: "session=abc", "content-type": "application/json" },
        body: () => JSON.stringify({ n: ++sent, text: "é" }),
      },
      2_000,
    );
    received.length = 0;
    expect(await connection.send()).toBe(200);
    expect(await connection.send()).toBe(200);
    connection.close();
    expect(received.map((r) => JSON.parse(r.body))).toEqual([
      { n: 1, text: "é" },
      { n: 2, text: "é" },
    ]);
    expect(received[0]).toMatchObject({ method: "POST", url: "/echo?x=1" });
    expect(received[0]?.headers).toMatchObject({ cookie: "session=abc", "content-type": "application/json" });
    expect(received[0]?.headers.connection ?? "keep-alive").toBe("keep-alive");
  });

  it("waits for the whole of a chunked answer, and reads answers without a body", async () => {
    const chunked = new HttpConnection(url, { method: "GET", path: "/chunked", headers: {} }, 2_000);
    expect(await chunked.send()).toBe(200);
    expect(await chunked.send()).toBe(200);
    chunked.close();
    const empty = new HttpConnection(url, { method: "GET", path: "/empty", headers: {} }, 2_000);
    expect(await empty.send()).toBe(204);
    empty.close();
  });

  it("gives the status of a refusal, so the run can count it as a failure", async () => {
    const connection = new HttpConnection(url, { method: "GET", path: "/refused", headers: {} }, 2_000);
    expect(await connection.send()).toBe(403);
    connection.close();
  });

  it("fails a request that gets no answer in time, and the next one opens a new connection", async () => {
    const connection = new HttpConnection(url, { method: "GET", path: "/silent", headers: {} }, 100);
    await expect(connection.send()).rejects.toBeInstanceOf(RequestTimeout);
    await expect(connection.send()).rejects.toBeInstanceOf(RequestTimeout);
    connection.close();
  });

  it("fails when the server closes the connection before answering", async () => {
    const closing = http.createServer((request) => request.socket.destroy());
    await new Promise<void>((resolve) => closing.listen(0, "127.0.0.1", resolve));
    const port = (closing.address() as AddressInfo).port;
    const connection = new HttpConnection(
      new URL(`http://127.0.0.1:${port}/`),
      { method: "GET", path: "/", headers: {} },
      2_000,
    );
    await expect(connection.send()).rejects.toThrow(/closed the connection before answering/);
    connection.close();
    await new Promise((resolve) => closing.close(resolve));
  });
});
