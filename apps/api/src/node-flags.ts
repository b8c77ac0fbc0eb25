/**
 * Flags the API's Node.js process is started with, wherever it is started (docs/operations.md).
 *
 * `--max-semi-space-size=8`: V8 sizes the young generation from the machine's memory, up to 64 MB a
 * semi-space on a 24 GiB machine. Each scavenge copies what is alive in it, requests still in flight and
 * whatever they keep for a while, and stops the event loop meanwhile: about 12 ms every 250 ms while
 * recording 1,500 progress events/s. With 8 MB, scavenges come about eight times as often but take about 3 ms,
 * fewer objects outlive one and fill the old generation, and the process spent about 6 % less CPU a
 * request (docs/performance.md).
 */
export const apiNodeFlags: readonly string[] = ["--max-semi-space-size=8"];
