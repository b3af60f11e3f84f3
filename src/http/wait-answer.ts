import type { Request, Response } from "express";
import { isSuccessful } from "../domain/index.js";
import { WAIT_ERRORS } from "../errors/index.js";
import type { DeploymentSummary, IngestResult, Operations, WaitResult } from "../operations/index.js";

/** The `?wait=` answer: one JSON body once the deployments are terminal, at the limit, or at shutdown. */
export interface WaitAnswer {
  readonly outcome: "succeeded" | "failed" | "timeout" | "interrupted" | "ignored";
  readonly deployments: readonly DeploymentSummary[];
  readonly duplicate: boolean;
  /** Why nothing was deployed (`outcome: ignored`). */
  readonly ignored?: string;
  /** Set on every outcome but `succeeded`, so the body also has the error shape clients expect. */
  readonly error?: { readonly code: `ERR_${string}`; readonly message: string };
}

/**
 * 409 `ignored` for a waiting caller whose delivery created no deployment: no silent 200 for a CI
 * job whose push matched no rule.
 */
export function nothingDeployedAnswer(result: IngestResult): WaitAnswer {
  const ignored = result.ignored ?? "nothing to deploy";
  return {
    outcome: "ignored",
    deployments: [],
    duplicate: result.duplicate === true,
    ignored,
    error: { code: WAIT_ERRORS.NOTHING_DEPLOYED, message: `nothing was deployed: ${ignored}` },
  };
}

/** Waits for the delivery's deployments (stopping if the client goes away) and sends the {@link WaitAnswer}. */
export async function answerAfterWait(
  wait: Operations["wait"],
  req: Request,
  res: Response,
  result: IngestResult,
  waitSeconds: number,
): Promise<void> {
  const startedAt = Date.now();
  const clientGone = new AbortController();
  const onClose = (): void => clientGone.abort();
  res.once("close", onClose);
  let waited: WaitResult;
  try {
    waited = await wait(
      result.deployments.map((deployment) => deployment.id),
      waitSeconds * 1000,
      clientGone.signal,
    );
  } finally {
    res.off("close", onClose);
  }
  const waitedMs = Date.now() - startedAt;
  if (waited.end === "aborted" || res.destroyed) {
    req.log.info({ waitedMs }, "client left while waiting; the deployments go on");
    return;
  }
  const { status, answer } = waitAnswer(waited, result.duplicate === true, waitSeconds);
  req.log.info({ outcome: answer.outcome, status, waitedMs }, "webhook wait ended");
  if (status === 503) res.setHeader("retry-after", "5");
  res.status(status).json(answer);
}

function waitAnswer(
  waited: WaitResult,
  duplicate: boolean,
  waitSeconds: number,
): { status: number; answer: WaitAnswer } {
  const { deployments } = waited;
  const describe = (list: readonly DeploymentSummary[]): string =>
    list
      .map(
        (d) => `${d.id} (${d.target}, ${d.image}) ${d.state}${d.reason === undefined ? "" : `: ${d.reason}`}`,
      )
      .join("; ");
  switch (waited.end) {
    case "terminal": {
      // Every terminal state but a successful one is a 409.
      const failed = deployments.filter((d) => !isSuccessful(d.state));
      if (failed.length === 0)
        return { status: 200, answer: { outcome: "succeeded", deployments, duplicate } };
      const message = `${failed.length} of ${deployments.length} deployments did not go through: ${describe(failed)}`;
      return {
        status: 409,
        answer: {
          outcome: "failed",
          deployments,
          duplicate,
          error: { code: WAIT_ERRORS.DEPLOY_FAILED, message },
        },
      };
    }
    case "timeout":
    case "aborted": {
      const running = deployments.filter((d) => waited.running.includes(d.id));
      const message = `still running after ${waitSeconds} s: ${describe(running)}`;
      return {
        status: 504,
        answer: {
          outcome: "timeout",
          deployments,
          duplicate,
          error: { code: WAIT_ERRORS.WAIT_TIMEOUT, message },
        },
      };
    }
    case "shutdown": {
      const message =
        "drover is shutting down; the deployments go on when it is back — send the same request again to keep waiting";
      return {
        status: 503,
        answer: {
          outcome: "interrupted",
          deployments,
          duplicate,
          error: { code: WAIT_ERRORS.UNAVAILABLE, message },
        },
      };
    }
  }
}
