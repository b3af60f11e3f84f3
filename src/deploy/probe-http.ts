import { safeUrl } from "../log/index.js";

export interface HttpProbe {
  readonly url: string;
  readonly expectStatus: number;
  readonly bodyContains?: string;
  readonly timeoutMs: number;
}

/** Reads at most this much of a probe's body. */
const MAX_BODY_BYTES = 256 * 1024;

/** The optional HTTP check of the verify phase: status (and body text) as configured, within the timeout. */
export async function probeHttp(
  fetchImpl: typeof fetch,
  probe: HttpProbe,
): Promise<{ ok: boolean; detail: string }> {
  const where = safeUrl(probe.url, { keepPath: true });
  try {
    const response = await fetchImpl(probe.url, {
      signal: AbortSignal.timeout(probe.timeoutMs),
      redirect: "manual",
    });
    if (response.status !== probe.expectStatus) {
      await response.body?.cancel();
      return { ok: false, detail: `${where} answered ${response.status}, expected ${probe.expectStatus}` };
    }
    if (probe.bodyContains !== undefined) {
      const text = (await response.text()).slice(0, MAX_BODY_BYTES);
      if (!text.includes(probe.bodyContains))
        return { ok: false, detail: `${where} body lacks the expected text` };
    } else {
      await response.body?.cancel();
    }
    return { ok: true, detail: `${where} answered ${response.status}` };
  } catch (error) {
    return { ok: false, detail: `${where} failed: ${(error as Error).name}` };
  }
}
