/**
 * Follows a run's `/events` from another process, as a browser would: reads
 * and parses every event until the server ends the stream, then prints how
 * many it read and whether the last record was `run-end`.
 *
 *     deno run --allow-net bench/_sse_follower.ts http://127.0.0.1:PORT/events
 *
 * @module
 */

import { SseClient } from "../tests/serve/_sse.ts";

const client = await SseClient.open(Deno.args[0]);
await client.ended;
console.log(JSON.stringify({ events: client.events.length, end: client.records.at(-1)?.type }));
