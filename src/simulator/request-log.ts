/** One API request the simulator received, as tests inspect it. */
export interface RecordedRequest {
  readonly method: string;
  /** Path without the query string, e.g. `/v2-beta/projects/1a5/services/1s1/`. */
  readonly path: string;
  readonly query: Readonly<Record<string, string | readonly string[]>>;
  /** Parsed JSON body; the raw text if it did not parse; undefined when empty. */
  readonly body: unknown;
  /** HTTP status sent, or `"reset"` when the connection was dropped on purpose. */
  readonly status: number | "reset";
  /** Simulated time the request arrived. */
  readonly at: number;
}

/** A bounded, in-memory log of received requests (oldest dropped first). */
export class RequestLog {
  readonly #entries: RecordedRequest[] = [];
  readonly #limit: number;

  constructor(limit = 10_000) {
    this.#limit = limit;
  }

  add(entry: RecordedRequest): void {
    this.#entries.push(entry);
    if (this.#entries.length > this.#limit) this.#entries.splice(0, this.#entries.length - this.#limit);
  }

  list(): readonly RecordedRequest[] {
    return [...this.#entries];
  }

  clear(): void {
    this.#entries.length = 0;
  }
}

/** `?a=1&a=2&b=3` → `{ a: ["1", "2"], b: "3" }`. */
export function queryRecord(params: URLSearchParams): Record<string, string | string[]> {
  const result: Record<string, string | string[]> = {};
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    result[key] = values.length === 1 ? (values[0] ?? "") : values;
  }
  return result;
}
