import { UsageError } from "../errors/index.js";
import { targetName } from "../domain/index.js";
import type { CliCommand, CliIo } from "./cli-command.js";
import { parseCliArgs } from "./parse-cli-args.js";

export { deploymentsWatchCommand } from "./watch-command.js";

const COMMON = `  --url URL       drover's base URL (default: $DROVER_URL or http://127.0.0.1:8090)
  --token TOKEN   admin token (default: $DROVER_ADMIN_TOKEN; prefer the variable: arguments show in ps)
  -h, --help      show this help`;

const LIST_HELP = `Usage: drover deployments list [--target ENV/STACK/SERVICE] [--state S[,S…]] [--image NAME[:TAG]] [--limit N] [--url URL] [--token TOKEN]

Lists deployments, newest first, through the admin API.

Options:
${COMMON}`;

const SHOW_HELP = `Usage: drover deployments show ID [--url URL] [--token TOKEN]

Shows one deployment with its event log, through the admin API.

Options:
${COMMON}`;

interface DeploymentJson {
  readonly id: string;
  readonly state: string;
  readonly image: string;
  readonly tag: string;
  readonly targetKey: string;
  readonly target: { readonly sidekick?: string };
  readonly source: string;
  readonly createdAt: string;
  readonly previousImage?: string;
  readonly error?: { readonly code: string; readonly message: string };
  readonly events?: readonly {
    readonly at: string;
    readonly state: string;
    readonly kind: string;
    readonly detail: string;
  }[];
}

async function callApi(
  io: CliIo,
  values: { url?: string | undefined; token?: string | undefined },
  path: string,
): Promise<unknown> {
  const base = (values.url ?? io.env["DROVER_URL"] ?? "http://127.0.0.1:8090").replace(/\/+$/, "");
  const token = values.token ?? io.env["DROVER_ADMIN_TOKEN"];
  // Without a token the request goes out unauthenticated: a server with `admin.readOpen` answers it.
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, {
      headers: {
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        accept: "application/json",
      },
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    throw new Error(`cannot reach drover at ${base} (${(error as Error).name})`);
  }
  const body = (await response.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
  if (!response.ok) {
    const hint =
      response.status === 401 && token === undefined
        ? " (no admin token given: set DROVER_ADMIN_TOKEN or pass --token)"
        : "";
    throw new Error(
      `drover answered ${response.status}: ${body.error?.code ?? ""} ${body.error?.message ?? ""}`.trim() +
        hint,
    );
  }
  return body;
}

const line = (d: DeploymentJson): string =>
  `${d.id}  ${d.state.padEnd(12)} ${targetName(d)}  ${d.image}:${d.tag}  ${d.source}  ${d.createdAt}`;

/** `drover deployments list`. */
export const deploymentsListCommand: CliCommand = {
  words: ["deployments", "list"],
  summary: "list deployments (admin API)",
  help: LIST_HELP,
  async run(args: readonly string[], io: CliIo): Promise<number> {
    const { values } = parseCliArgs(args, {
      url: { type: "string" },
      token: { type: "string" },
      target: { type: "string" },
      state: { type: "string" },
      image: { type: "string" },
      limit: { type: "string" },
    });
    if (values.help === true) {
      io.stdout.write(`${LIST_HELP}\n`);
      return 0;
    }
    const query = new URLSearchParams();
    for (const key of ["target", "state", "image", "limit"] as const) {
      const value = values[key];
      if (value !== undefined) query.set(key, value);
    }
    const page = (await callApi(io, values, `/api/deployments?${query.toString()}`)) as {
      items: DeploymentJson[];
      nextCursor?: string;
    };
    for (const deployment of page.items) io.stdout.write(`${line(deployment)}\n`);
    if (page.items.length === 0) io.stdout.write("no deployments\n");
    return 0;
  },
};

/** `drover deployments show ID`. */
export const deploymentsShowCommand: CliCommand = {
  words: ["deployments", "show"],
  summary: "show one deployment and its event log (admin API)",
  help: SHOW_HELP,
  async run(args: readonly string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCliArgs(
      args,
      { url: { type: "string" }, token: { type: "string" } },
      1,
    );
    if (values.help === true) {
      io.stdout.write(`${SHOW_HELP}\n`);
      return 0;
    }
    const id = positionals[0];
    if (id === undefined || !/^[\w-]{1,64}$/.test(id)) throw new UsageError("give a deployment ID");
    const deployment = (await callApi(io, values, `/api/deployments/${id}`)) as DeploymentJson;
    io.stdout.write(`${line(deployment)}\n`);
    if (deployment.previousImage !== undefined)
      io.stdout.write(`previous image: ${deployment.previousImage}\n`);
    if (deployment.error !== undefined)
      io.stdout.write(`error: ${deployment.error.code}: ${deployment.error.message}\n`);
    for (const event of deployment.events ?? [])
      io.stdout.write(`  ${event.at}  ${event.state.padEnd(12)} ${event.kind.padEnd(10)} ${event.detail}\n`);
    return 0;
  },
};
