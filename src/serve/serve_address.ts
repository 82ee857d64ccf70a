/**
 * `--serve [HOST:]PORT`: where the run's server listens, and whether that is
 * a loopback address (only this machine can reach it) or not (a token is
 * then required).
 *
 * @module
 */

/** Where the server listens. */
export interface ServeAddress {
  /** A host name or IP address; `127.0.0.1` unless one was given. */
  readonly hostname: string;
  /** 0 picks a free port. */
  readonly port: number;
}

/**
 * Parses `PORT`, `HOST:PORT` or `[IPv6]:PORT`, or returns what is wrong.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseServeAddress } from "./serve_address.ts";
 * assert.deepEqual(parseServeAddress("8080"), { hostname: "127.0.0.1", port: 8080 });
 * assert.deepEqual(parseServeAddress("[::1]:0"), { hostname: "::1", port: 0 });
 * assert.equal(parseServeAddress("host:99999"), "expected a port from 0 to 65535, got \"99999\"");
 * ```
 */
export function parseServeAddress(text: string): ServeAddress | string {
  const match = /^(?:(?:\[([0-9a-fA-F:.]+)\]|([^\s:\[\]/]+)):)?([^:]*)$/.exec(text.trim());
  if (match === null) return `expected PORT, HOST:PORT or [IPv6]:PORT, got "${text}"`;
  const [, v6, host, portText] = match;
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65_535) {
    return `expected a port from 0 to 65535, got "${portText}"`;
  }
  return { hostname: v6 ?? host ?? "127.0.0.1", port: Number(portText) };
}

/**
 * Whether only this machine can reach `hostname`: `localhost`, 127.0.0.0/8 or `::1`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isLoopback } from "./serve_address.ts";
 * assert.ok(isLoopback("127.0.0.1") && isLoopback("::1") && isLoopback("localhost"));
 * assert.ok(!isLoopback("0.0.0.0") && !isLoopback("192.168.1.2"));
 * ```
 */
export function isLoopback(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127(?:\.\d{1,3}){3}$/.test(h);
}

/** The URL of a listening address, IPv6 in brackets. */
export function serveUrl(hostname: string, port: number): string {
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  return `http://${host}:${port}/`;
}
