import { parseTargetText, type RancherView } from "../domain/index.js";
import type { TargetView } from "../operations/index.js";
import { UsageError } from "../errors/index.js";
import { API_FLAGS, createAdminClient, JSON_FLAG } from "./admin-client.js";
import type { CliIo } from "./cli-command.js";
import { defineCommand } from "./define-command.js";
import type { DeploymentJson } from "./deployments-command.js";
import { renderTable } from "./table.js";

/** One item of `GET /api/targets` (a server from before the target monitor sends no `rancher`). */
type TargetViewJson = Omit<TargetView, "rancher"> & { readonly rancher?: RancherView };

/** RANCHER, STATE and HEALTH cells: what Rancher runs, never guessed from drover's store. */
function rancherCells(view: RancherView | undefined): [string, string, string] {
  switch (view?.status) {
    case "known": {
      const state =
        view.healthState === null ? view.serviceState : `${view.serviceState} (${view.healthState})`;
      return [view.image, state, `${view.healthy}/${view.total}`];
    }
    case "unreachable":
      return ["unreachable", "-", "-"];
    case "missing":
      return ["missing", "-", "-"];
    case "unknown":
    case undefined:
      return ["unknown", "-", "-"];
  }
}

/** `drover targets list`. */
export const targetsListCommand = defineCommand({
  words: ["targets", "list"],
  summary: "what runs on every target, and its last deployment (admin API)",
  description: `Lists every target of the mapping rules (and every target with deployments) through the
admin API: what Rancher runs there now (RANCHER: image, or unknown/unreachable/missing; STATE;
HEALTH: healthy/total containers) and drover's newest deployment of it.`,
  flags: { ...JSON_FLAG, ...API_FLAGS },
  async run({ values }, io: CliIo): Promise<number> {
    const answer = (await createAdminClient(io, values).get("/api/targets")) as { items: TargetViewJson[] };
    if (values.json === true) {
      io.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
      return 0;
    }
    if (answer.items.length === 0) {
      io.stdout.write("no targets\n");
      return 0;
    }
    const rows = answer.items.map((item) => [
      item.target,
      ...rancherCells(item.rancher),
      item.lastDeployment === undefined ? "-" : `${item.lastDeployment.id} ${item.lastDeployment.state}`,
    ]);
    io.stdout.write(`${renderTable(["TARGET", "RANCHER", "STATE", "HEALTH", "LAST DEPLOYMENT"], rows)}\n`);
    for (const item of answer.items)
      if (item.rancher?.status === "unreachable")
        io.stderr.write(`${item.target}: Rancher unreachable: ${item.rancher.reason}\n`);
    return 0;
  },
});

/** `drover targets rollback ENV/STACK/SERVICE`. */
export const targetsRollbackCommand = defineCommand({
  words: ["targets", "rollback"],
  summary: "deploy a target's previous image again (admin API)",
  args: "ENV/STACK/SERVICE",
  maxPositionals: 1,
  description: `Rolls a target back through the admin API: queues a deployment of the image the target ran
before its newest successful deployment. Prints the new deployment.`,
  flags: { ...JSON_FLAG, ...API_FLAGS },
  async run({ values, positionals }, io: CliIo): Promise<number> {
    const text = positionals[0];
    if (text === undefined) throw new UsageError("give the target as ENV/STACK/SERVICE");
    const parsed = parseTargetText(text);
    if (!parsed.ok) throw new UsageError(`the target must be ENV/STACK/SERVICE: ${parsed.problem}`);
    if (parsed.value.sidekick !== undefined)
      throw new UsageError("rollback takes a service (ENV/STACK/SERVICE), not a sidekick");
    const { environment, stack, service } = parsed.value;
    const path = [environment, stack, service].map(encodeURIComponent).join("/");
    const answer = (await createAdminClient(io, values).post(
      `/api/targets/${path}/rollback`,
    )) as DeploymentJson;
    if (values.json === true) io.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
    else
      io.stdout.write(
        `${answer.id} ${answer.state}: ${answer.targetKey} back to ${answer.image}:${answer.tag}\n`,
      );
    return 0;
  },
});
