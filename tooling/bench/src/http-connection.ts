// One keep-alive HTTP/1.1 connection of the open-loop load generator, written straight to a socket. The load
// generator shares the two cores with the API and PostgreSQL, so every microsecond it spends is taken from
// the server it measures: node:http's client (an agent, a request and a response object, header parsing,
// events) cost about 0.14 ms of CPU a request, about 10 % of the machine at 1,500 requests/s. This sends a
// prepared request head and reads only what it needs of the answer: the status, and where the body ends.
import net from "node:net";

export interface ConnectionRequest {
  method: "GET" | "POST";
  /** Path and query. */
  path: string;
  headers: Readonly<Record<string, string>>;
  /** A new body for every request (POST only). */
  body?: () => string;
}

/** No answer within the connection's timeout: the run fails on it, as on any error. */
export class RequestTimeout extends Error {}

interface Pending {
  resolve: (status: number) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

const headerEnd = Buffer.from("\r\n\r\n");
const lineEnd = Buffer.from("\r\n");

/**
 * At most one request in flight; `send` resolves with the status once the whole answer has arrived (a
 * `content-length` body or a chunked one). The socket is opened on the first send, and again on the next
 * send after the server closed it between requests.
 */
export class HttpConnection {
  readonly #host: string;
  readonly #port: number;
  readonly #request: ConnectionRequest;
  /** Everything of the request but its content-length and body. */
  readonly #head: string;
  readonly #timeoutMs: number;
  #socket: net.Socket | null = null;
  #pending: Pending | null = null;
  /** What has arrived of the answer so far. */
  #received: Buffer = Buffer.alloc(0);

  constructor(url: URL, request: ConnectionRequest, timeoutMs: number) {
    this.#host = url.hostname;
    this.#port = Number(url.port);
    this.#request = request;
    this.#timeoutMs = timeoutMs;
    const headers = { host: url.host, ...request.headers };
    this.#head =
      `${request.method} ${request.path} HTTP/1.1\r\n` +
      Object.entries(headers)
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join("");
  }

  send(): Promise<number> {
    if (this.#pending) return Promise.reject(new Error("a request is already in flight on this connection"));
    const body = this.#request.body?.();
    const message =
      body === undefined
        ? `${this.#head}\r\n`
        : `${this.#head}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => this.#fail(new RequestTimeout(`no answer within ${this.#timeoutMs} ms`)),
        this.#timeoutMs,
      );
      this.#pending = { resolve, reject, timer };
      this.#received = Buffer.alloc(0);
      this.#open().write(message);
    });
  }

  close(): void {
    this.#socket?.destroy();
    this.#socket = null;
  }

  #open(): net.Socket {
    if (this.#socket) return this.#socket;
    const socket = net.connect({ host: this.#host, port: this.#port, noDelay: true });
    // A socket given up on (after a timeout) may still report; only the current one's events count.
    socket.on("data", (chunk: Buffer) => {
      if (this.#socket === socket) this.#read(chunk);
    });
    socket.on("error", (error) => {
      if (this.#socket === socket) this.#fail(error);
    });
    socket.on("close", () => {
      if (this.#socket !== socket) return;
      this.#socket = null;
      this.#fail(new Error("the server closed the connection before answering"));
    });
    this.#socket = socket;
    return socket;
  }

  #read(chunk: Buffer): void {
    if (!this.#pending) {
      this.#fail(new Error(`${chunk.length} bytes arrived with no request in flight`));
      return;
    }
    this.#received = this.#received.length === 0 ? chunk : Buffer.concat([this.#received, chunk]);
    const answer = completeAnswer(this.#received);
    if (answer === "incomplete") return;
    if (answer instanceof Error) {
      this.#fail(answer);
      return;
    }
    const { resolve, timer } = this.#pending;
    clearTimeout(timer);
    this.#pending = null;
    this.#received = Buffer.alloc(0);
    resolve(answer);
  }

  #fail(error: Error): void {
    const pending = this.#pending;
    if (!pending) return;
    clearTimeout(pending.timer);
    this.#pending = null;
    // The connection's state is unknown after a failure: the next send starts on a new one.
    this.close();
    pending.reject(error);
  }
}

/** The status of the answer in `received` once all of it is there; an Error for what this cannot read. */
function completeAnswer(received: Buffer): number | "incomplete" | Error {
  const headEnd = received.indexOf(headerEnd);
  if (headEnd < 0) return "incomplete";
  const head = received.toString("latin1", 0, headEnd);
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(head);
  if (!status?.[1]) return new Error(`not an HTTP/1.1 answer: ${JSON.stringify(head.slice(0, 40))}`);
  const code = Number(status[1]);
  const bodyStart = headEnd + headerEnd.length;
  const length = /\r\ncontent-length: *(\d+)/i.exec(head);
  if (length?.[1]) return received.length >= bodyStart + Number(length[1]) ? code : "incomplete";
  if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
    const ended = chunkedBodyEnded(received, bodyStart);
    return ended instanceof Error ? ended : ended ? code : "incomplete";
  }
  if (code === 204 || code === 304) return code;
  return new Error(`an answer (${code}) with neither content-length nor chunked encoding`);
}

/** Whether a chunked body starting at `from` has arrived up to its last (empty) chunk and trailers. */
function chunkedBodyEnded(received: Buffer, from: number): boolean | Error {
  let at = from;
  for (;;) {
    const sizeEnd = received.indexOf(lineEnd, at);
    if (sizeEnd < 0) return false;
    const sizeLine = received.toString("latin1", at, sizeEnd);
    const size = Number.parseInt(sizeLine, 16);
    if (Number.isNaN(size)) return new Error(`a chunked answer with a chunk size of ${JSON.stringify(sizeLine)}`);
    if (size === 0) return received.indexOf(headerEnd, sizeEnd) >= 0;
    at = sizeEnd + lineEnd.length + size + lineEnd.length;
    if (at > received.length) return false;
  }
}
