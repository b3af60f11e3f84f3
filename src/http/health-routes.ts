import { Router } from "express";

/** One named readiness check and whether it passes now. */
export interface ReadinessCheck {
  readonly name: string;
  check(): boolean;
}

/**
 * `GET /healthz`: the process is up (always 200 while it answers).
 * `GET /readyz`: every readiness check passes (200) or not (503), with `details()` added
 * to the body (e.g. the active config's hash and reload counters).
 */
export function createHealthRoutes(
  checks: readonly ReadinessCheck[],
  details: () => Record<string, unknown>,
): Router {
  const router = Router();
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/readyz", (_req, res) => {
    const results = Object.fromEntries(checks.map((item) => [item.name, safeCheck(item)]));
    const ready = Object.values(results).every(Boolean);
    res
      .status(ready ? 200 : 503)
      .json({ status: ready ? "ready" : "not-ready", checks: results, ...details() });
  });
  return router;
}

function safeCheck(item: ReadinessCheck): boolean {
  try {
    return item.check();
  } catch {
    return false;
  }
}
