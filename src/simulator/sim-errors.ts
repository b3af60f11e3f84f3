import { randomUUID } from "node:crypto";
import { AppError } from "../errors/index.js";

/** Misuse of the simulator's control API (e.g. advancing a real-time clock). */
export class SimulatorError extends AppError {
  readonly code = "ERR_SIMULATOR";
}

/** A seed file or seed object that does not validate; the message names every bad field. */
export class SeedError extends AppError {
  readonly code = "ERR_SIMULATOR_SEED";
  /** One line per problem, `path.to.field: message`. */
  readonly problems: readonly string[];

  constructor(source: string, problems: readonly string[], options?: { cause?: unknown }) {
    super(`invalid simulator seed ${source}:\n${problems.map((p) => `  ${p}`).join("\n")}`, options);
    this.problems = problems;
  }
}

/** Status text Cattle puts in `code` when no specific code is given (messages.properties). */
const STATUS_CODES: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method not allowed",
  409: "Conflict",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/**
 * An error the simulated API answers with. `validation` errors render with `fieldName` and a
 * null `message` (Cattle's ValidationErrorImpl); the others without `fieldName` and with
 * `message` defaulting to the code (ErrorImpl), docs/rancher-api.md §1.9.
 */
export class SimApiError extends AppError {
  readonly code = "ERR_SIMULATOR_API";
  override readonly status: number;
  readonly rancherCode: string;
  readonly fieldName: string | undefined;
  readonly rancherMessage: string | undefined;

  constructor(status: number, rancherCode?: string, fieldName?: string, message?: string) {
    const code = rancherCode ?? STATUS_CODES[status] ?? String(status);
    super(`${String(status)} ${code}${fieldName === undefined ? "" : ` (${fieldName})`}`);
    this.status = status;
    this.rancherCode = code;
    this.fieldName = fieldName;
    this.rancherMessage = message;
  }

  /** The JSON body Cattle sends for this error. */
  toJSON(): Record<string, unknown> {
    const common = {
      id: randomUUID(),
      type: "error",
      links: {},
      actions: {},
      status: this.status,
      code: this.rancherCode,
    };
    if (this.fieldName !== undefined) {
      return {
        ...common,
        message: this.rancherMessage ?? null,
        detail: null,
        fieldName: this.fieldName,
        baseType: "error",
      };
    }
    return { ...common, message: this.rancherMessage ?? this.rancherCode, detail: null, baseType: "error" };
  }
}

/** 422 with `fieldName` (a validation error). */
export const validationError = (code: string, fieldName: string): SimApiError =>
  new SimApiError(422, code, fieldName);

export const notFound = (): SimApiError => new SimApiError(404);

/** Thrown inside a service process when a step fails; the process is retried later. */
export class StepFailedError extends AppError {
  readonly code = "ERR_SIMULATOR_STEP";
}

/** Thrown inside a service process that another action superseded. */
export class ProcessAbortedError extends AppError {
  readonly code = "ERR_SIMULATOR_ABORTED";
}
