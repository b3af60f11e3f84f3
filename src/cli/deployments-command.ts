import { targetName } from "../domain/index.js";
import { UsageError } from "../errors/index.js";
import { API_FLAGS, createAdminClient, JSON_FLAG } from "./admin-client.js";
import type { CliIo } from "./cli-command.js";
import { defineCommand } from "./define-command.js";
import { renderTable } from "./table.js";

/** What the admin API answers for a deployment (the fields the CLI shows). */
export interface DeploymentJson {
  readonly id: string;
  readonly state: string;
  readonly image: string;
  readonly tag: string;
  readonly targetKey: string;
  readonly target: { readonly sidekick?: string };
  readonly source: string;
  readonly createdAt: string;
  readonly updatedAt?: string;
  readonly previousImage?: string;
  readonly error?: { readonly code: string; readonly message: string };
  readonly events?: readonly {
    readonly at: string;
    readonly state: string;
    readonly kind: string;
    readonly detail: string;
  }[];
}

const DEPLOYMENT_HEADERS = ["ID", "STATE", "TARGET", "IMAGE", "SOURCE", "CREATED"] as const;

const deploymentRow = (d: DeploymentJson): string[] => [
  d.id,
  d.state,
  targetName(d),
  `${d.image}:${d.tag}`,
  d.source,
  d.createdAt,
];

/** A deployment ID as the admin API accepts it (checked before anything is sent). */
function deploymentId(positionals: readonly string[]): string {
  const id = positionals[0];
  if (id === undefined) throw new UsageError("give a deployment ID (drover deployments list shows them)");
  if (!/^[\w-]{1,64}$/.test(id)) throw new UsageError(`"${id.slice(0, 80)}" is not a deployment ID`);
  return id;
}

function printJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** `drover deployments list`. */
export const deploymentsListCommand = defineCommand({
  words: ["deployments", "list"],
  summary: "list deployments, newest first (admin API)",
  description: "Lists deployments, newest first, through the admin API.",
  flags: {
    target: { type: "string", value: "ENV/STACK/SERVICE", description: "only this target's deployments" },
    state: { type: "string", value: "S[,S…]", description: "only deployments in these states" },
    image: { type: "string", value: "NAME[:TAG]", description: "only deployments of this image" },
    limit: { type: "string", value: "N", description: "at most N deployments (1-200, default 50)" },
    cursor: { type: "string", value: "C", description: "the next page (the cursor a previous list printed)" },
    ...JSON_FLAG,
    ...API_FLAGS,
  },
  async run({ values }, io: CliIo): Promise<number> {
    const query = new URLSearchParams();
    for (const key of ["target", "state", "image", "limit", "cursor"] as const) {
      const value = values[key];
      if (value !== undefined) query.set(key, value);
    }
    const page = (await createAdminClient(io, values).get(`/api/deployments?${query.toString()}`)) as {
      items: DeploymentJson[];
      nextCursor?: string;
    };
    if (values.json === true) {
      printJson(io, page);
      return 0;
    }
    if (page.items.length === 0) io.stdout.write("no deployments\n");
    else io.stdout.write(`${renderTable(DEPLOYMENT_HEADERS, page.items.map(deploymentRow))}\n`);
    if (page.nextCursor !== undefined) io.stderr.write(`more: --cursor ${page.nextCursor}\n`);
    return 0;
  },
});

/** `drover deployments show ID`. */
export const deploymentsShowCommand = defineCommand({
  words: ["deployments", "show"],
  summary: "show one deployment and its event log (admin API)",
  args: "ID",
  maxPositionals: 1,
  description: "Shows one deployment with its event log, through the admin API.",
  flags: { ...JSON_FLAG, ...API_FLAGS },
  async run({ values, positionals }, io: CliIo): Promise<number> {
    const id = deploymentId(positionals);
    const deployment = (await createAdminClient(io, values).get(`/api/deployments/${id}`)) as DeploymentJson;
    if (values.json === true) {
      printJson(io, deployment);
      return 0;
    }
    const fields: [string, string | undefined][] = [
      ["id", deployment.id],
      ["state", deployment.state],
      ["target", targetName(deployment)],
      ["image", `${deployment.image}:${deployment.tag}`],
      ["previous image", deployment.previousImage],
      ["source", deployment.source],
      ["created", deployment.createdAt],
      ["updated", deployment.updatedAt],
      [
        "error",
        deployment.error === undefined ? undefined : `${deployment.error.code}: ${deployment.error.message}`,
      ],
    ];
    const shown = fields.filter((field): field is [string, string] => field[1] !== undefined);
    const width = Math.max(...shown.map(([name]) => name.length));
    for (const [name, value] of shown) io.stdout.write(`${`${name}:`.padEnd(width + 1)}  ${value}\n`);
    const events = deployment.events ?? [];
    if (events.length > 0) {
      io.stdout.write("\n");
      const rows = events.map((event) => [event.at, event.state, event.kind, event.detail]);
      io.stdout.write(`${renderTable(["AT", "STATE", "KIND", "DETAIL"], rows)}\n`);
    }
    return 0;
  },
});

/** `drover deployments cancel|retry ID`: one POST, the deployment it answers printed. */
function deploymentAction(action: "cancel" | "retry", summary: string, description: string) {
  return defineCommand({
    words: ["deployments", action],
    summary,
    args: "ID",
    maxPositionals: 1,
    description,
    flags: { ...JSON_FLAG, ...API_FLAGS },
    async run({ values, positionals }, io: CliIo): Promise<number> {
      const id = deploymentId(positionals);
      const answer = (await createAdminClient(io, values).post(
        `/api/deployments/${id}/${action}`,
      )) as DeploymentJson;
      if (values.json === true) printJson(io, answer);
      else io.stdout.write(`${renderTable(DEPLOYMENT_HEADERS, [deploymentRow(answer)])}\n`);
      return 0;
    },
  });
}

/** `drover deployments cancel ID`. */
export const deploymentsCancelCommand = deploymentAction(
  "cancel",
  "cancel a queued or running deployment (admin API)",
  `Cancels a deployment through the admin API: a queued one is dropped, a running one is stopped
and rolled back if its upgrade had started. Prints the deployment as drover answers.`,
);

/** `drover deployments retry ID`. */
export const deploymentsRetryCommand = deploymentAction(
  "retry",
  "deploy a failed, rolled-back or canceled deployment again (admin API)",
  `Retries a failed, rolled-back or canceled deployment through the admin API: a new deployment
of the same image to the same target is queued. Prints the new deployment.`,
);
