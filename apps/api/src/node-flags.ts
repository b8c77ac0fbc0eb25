/**
 * Flags the API's Node.js process is started with, wherever it is started (docs/operations.md).
 *
 * `--max-semi-space-size=8`: V8 sizes the young generation from the machine's memory: 64 MB of new space
 * in the progress benchmark on a 24 GiB machine. Each scavenge copies what is alive in it (requests in
 * flight and what they keep for a while) and stops the event loop meanwhile: about 12 ms every 250 ms while
 * recording 1,500 progress events/s. With 8 MB a semi-space, scavenges come about eight times as often but
 * take about 3 ms, and the process spent about 6 % less CPU a request (docs/performance.md).
 *
 * `--initial-old-space-size=512`: V8 starts marking the old generation once it has grown to a limit it
 * derives from what was alive after the last major GC, about four times that: here about 150 MB over 36 MB
 * live. Recording 1,500 events/s promotes about 28 MB/s of request data that dies soon after, so a major GC
 * came every 2.5–3 s, and each took CPU from requests for 30–50 ms (marking, then a 6–11 ms pause): the
 * bursts behind most of the slow 1 %. With 512 MB as the floor of that limit (V8 keeps it after each major
 * GC), one comes every 15 s or so at that rate. The price is memory: the heap may grow to about 512 MB
 * before V8 collects it, on top of the access cache's bound (docs/operations.md).
 */
export const apiNodeFlags: readonly string[] = ["--max-semi-space-size=8", "--initial-old-space-size=512"];
