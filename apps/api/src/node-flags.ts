/**
 * Flags the API's Node.js process is started with, wherever it is started (docs/operations.md).
 *
 * `--max-semi-space-size=8`: V8 sizes the young generation from the machine's memory: 64 MB of new space
 * in the progress benchmark on a 24 GiB machine. Each scavenge copies what is alive in it (requests in
 * flight and what they keep for a while) and stops the event loop meanwhile: about 12 ms every 250 ms while
 * recording 1,500 progress events/s. With 8 MB a semi-space, scavenges come about eight times as often but
 * take about 3 ms, and the process spent about 6 % less CPU a request (docs/performance.md).
 */
export const apiNodeFlags: readonly string[] = ["--max-semi-space-size=8"];
