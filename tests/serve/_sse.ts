/** A small Server-Sent Events client for the server's tests: reads a stream into its events. */

/** One event of the stream. */
export interface SseEvent {
  readonly event: string;
  readonly data: unknown;
}

/** Reads `/events` as it comes: each event parsed, until the server ends the stream. */
export class SseClient {
  readonly events: SseEvent[] = [];
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  readonly #waiters: { test: (e: SseEvent) => boolean; resolve: () => void }[] = [];
  readonly #controller = new AbortController();

  private constructor(body: ReadableStream<Uint8Array<ArrayBuffer>>) {
    this.ended = this.#read(body);
  }

  /** Connects; resolves once the response's headers arrived. */
  static async open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    const response = await fetch(url, { headers });
    if (!response.ok || response.body === null) {
      await response.body?.cancel();
      throw new Error(`Cannot follow ${url}: HTTP ${response.status}`);
    }
    if (!response.headers.get("content-type")?.startsWith("text/event-stream")) {
      await response.body.cancel();
      throw new Error(`Cannot follow ${url}: not an event stream`);
    }
    return new SseClient(response.body);
  }

  /** Resolves once an event passing `test` has arrived (at once if one has). */
  until(test: (event: SseEvent) => boolean): Promise<void> {
    if (this.events.some(test)) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ test, resolve }));
  }

  /** The data of every `record` event. */
  get records(): Record<string, unknown>[] {
    return this.events.filter((e) => e.event === "record").map((e) =>
      e.data as Record<string, unknown>
    );
  }

  /** Stops reading. */
  close(): Promise<void> {
    this.#controller.abort();
    return this.ended;
  }

  async #read(body: ReadableStream<Uint8Array<ArrayBuffer>>): Promise<void> {
    const reader = body.pipeThrough(
      new TextDecoderStream() as TransformStream<Uint8Array<ArrayBuffer>, string>,
    ).getReader();
    const stop = () => reader.cancel().catch(() => {});
    this.#controller.signal.addEventListener("abort", stop, { once: true });
    let buffer = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let cut: number;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          this.#parse(buffer.slice(0, cut));
          buffer = buffer.slice(cut + 2);
        }
      }
      if (buffer.trim() !== "") throw new Error(`The stream ended inside an event: ${buffer}`);
    } finally {
      this.#controller.signal.removeEventListener("abort", stop);
      reader.releaseLock();
    }
  }

  #parse(block: string): void {
    let event = "message";
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) continue;
      const [field, ...rest] = line.split(":");
      const value = rest.join(":").replace(/^ /, "");
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
    }
    const parsed = { event, data: JSON.parse(data.join("\n")) };
    this.events.push(parsed);
    for (const waiter of [...this.#waiters]) {
      if (waiter.test(parsed)) {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  }
}
