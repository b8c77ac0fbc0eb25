import { randomBytes } from "node:crypto";
import pg from "pg";

export interface NotificationListenerOptions {
  connectionString: string;
  /** The channel to LISTEN on. */
  channel: string;
  /** Shown in pg_stat_activity. */
  applicationName?: string;
  /** Each notification's payload, in the order the transactions that sent them committed. */
  onNotification: (payload: string) => void;
  /** LISTEN is in place: from now on no notification is missed until `onDisconnected`. */
  onConnected: () => void;
  /** The connection is lost (or stopped answering): notifications may be missed until `onConnected`. */
  /** `stopping` is true when `stop()` ended it (a shutdown), not a failure. */
  onDisconnected: (reason: Error, stopping: boolean) => void;
  /** How often the connection proves it still delivers notifications (a round trip through the server). */
  heartbeatMs?: number;
  /** How long a round trip may take before the connection counts as lost. */
  roundTripTimeoutMs?: number;
  /** The first wait before reconnecting; doubled after each failure, up to 30 s. */
  reconnectDelayMs?: number;
}

export interface NotificationListener {
  /** Whether LISTEN is in place now. */
  readonly connected: boolean;
  /**
   * Resolves true once every notification committed before the call has been handed to `onNotification`
   * (a notification sent to ourselves comes back after all of them: delivery follows commit order); false
   * when not connected, or when the round trip failed, in which case the connection is dropped and re-made.
   */
  roundTrip: () => Promise<boolean>;
  stop: () => Promise<void>;
}

/**
 * One dedicated connection that LISTENs on a channel, and is re-made whenever it is lost. A connection that
 * silently stops delivering is caught by a periodic round trip through the server (a notification sent to a
 * channel of this listener's own), so `connected` means notifications really arrive.
 */
export function startNotificationListener(options: NotificationListenerOptions): NotificationListener {
  const heartbeatMs = options.heartbeatMs ?? 5_000;
  const roundTripTimeoutMs = options.roundTripTimeoutMs ?? 3_000;
  const firstDelayMs = options.reconnectDelayMs ?? 500;
  // A channel only this listener hears, for its round trips.
  const ownChannel = `listener_${randomBytes(8).toString("hex")}`;

  let client: pg.Client | null = null;
  let connected = false;
  let stopped = false;
  let delayMs = firstDelayMs;
  let reconnectTimer: NodeJS.Timeout | null = null;
  let heartbeatTimer: NodeJS.Timeout | null = null;
  let nextRoundTrip = 0;
  const roundTrips = new Map<string, () => void>();

  function lose(current: pg.Client, reason: Error): void {
    if (client !== current) return;
    client = null;
    if (heartbeatTimer) clearInterval(heartbeatTimer);
    heartbeatTimer = null;
    for (const resolve of roundTrips.values()) resolve();
    roundTrips.clear();
    const wasConnected = connected;
    connected = false;
    current.removeAllListeners("notification");
    current.on("error", () => {});
    current.end().catch(() => {});
    // Also on a failed first connection: until LISTEN is in place, nothing may be trusted.
    if (wasConnected || !stopped) options.onDisconnected(reason, stopped);
    if (!stopped) scheduleReconnect();
  }

  function scheduleReconnect(): void {
    if (reconnectTimer) return;
    reconnectTimer = setTimeout(() => {
      reconnectTimer = null;
      void connect();
    }, delayMs);
    reconnectTimer.unref();
    delayMs = Math.min(delayMs * 2, 30_000);
  }

  async function connect(): Promise<void> {
    if (stopped) return;
    const current = new pg.Client({
      connectionString: options.connectionString,
      application_name: options.applicationName ?? "learnops-listener",
      keepAlive: true,
      connectionTimeoutMillis: 5_000,
    });
    client = current;
    current.on("error", (error) => lose(current, error));
    current.on("end", () => lose(current, new Error("the listening connection ended")));
    current.on("notification", (message) => {
      if (message.channel === ownChannel) {
        const id = message.payload ?? "";
        roundTrips.get(id)?.();
        roundTrips.delete(id);
      } else if (message.channel === options.channel) {
        options.onNotification(message.payload ?? "");
      }
    });
    try {
      await current.connect();
      await current.query(`listen ${pg.escapeIdentifier(options.channel)}; listen ${pg.escapeIdentifier(ownChannel)}`);
    } catch (error) {
      lose(current, error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (client !== current || stopped) return;
    connected = true;
    delayMs = firstDelayMs;
    options.onConnected();
    heartbeatTimer = setInterval(() => {
      void roundTrip();
    }, heartbeatMs);
    heartbeatTimer.unref();
  }

  async function roundTrip(): Promise<boolean> {
    const current = client;
    if (!current || !connected) return false;
    nextRoundTrip += 1;
    const id = String(nextRoundTrip);
    let timer: NodeJS.Timeout | undefined;
    const arrived = new Promise<boolean>((resolve) => {
      roundTrips.set(id, () => resolve(client === current));
      timer = setTimeout(() => resolve(false), roundTripTimeoutMs);
    });
    current.query("select pg_notify($1, $2)", [ownChannel, id]).catch(() => {});
    const ok = await arrived;
    clearTimeout(timer);
    roundTrips.delete(id);
    if (!ok && client === current) lose(current, new Error("the listening connection stopped answering"));
    return ok;
  }

  void connect();

  return {
    get connected() {
      return connected;
    },
    roundTrip,
    async stop() {
      stopped = true;
      if (reconnectTimer) clearTimeout(reconnectTimer);
      const current = client;
      if (current) lose(current, new Error("the listener stopped"));
    },
  };
}
