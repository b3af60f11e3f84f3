import { readFile } from "node:fs/promises";
import { parseDocument } from "yaml";
import type { z } from "zod";
import type { Seed, SeedInput } from "./seed-schema.js";
import { seedSchema } from "./seed-schema.js";
import { SeedError } from "./sim-errors.js";

/**
 * The default seed (also shipped as `config/seed/default.yml`): project `Default` (1a5), stack
 * `shop` with `frontend` (scale 2, health check on port 80, sidekick `nginx`) and `worker`
 * (scale 1, no health check), and the environment API key `drover-sim` / `drover-sim-secret`.
 */
export const DEFAULT_SEED_YAML = `# Seed of the drover Rancher 1.6 simulator (docs/simulator.md).
# Used when no --seed is given. Image tags starting with bad-, nopull-, flaky-, slow- or
# crash- trigger the scripted failure behaviours.
projects:
  - id: 1a5
    name: Default
    hosts: 1
    stacks:
      - name: shop
        services:
          - name: frontend
            scale: 2
            image: registry.example.com/shop/frontend:1.0.0
            launchConfig:
              environment: { SITE: shop }
              labels: { io.rancher.container.pull_image: always }
            healthCheck:
              port: 80
              requestLine: GET "/healthz" "HTTP/1.0"
            sidekicks:
              - name: nginx
                image: nginx:1.25
          - name: worker
            scale: 1
            image: registry.example.com/shop/worker:1.0.0
keys:
  - accessKey: drover-sim
    secretKey: drover-sim-secret
    project: 1a5
`;

const pathText = (path: readonly PropertyKey[]): string =>
  path.reduce<string>(
    (text, part) =>
      typeof part === "number"
        ? `${text}[${String(part)}]`
        : text === ""
          ? String(part)
          : `${text}.${String(part)}`,
    "",
  ) || "(root)";

const issueText = (issue: z.core.$ZodIssue): string => `${pathText(issue.path)}: ${issue.message}`;

function duplicates(values: readonly string[]): string[] {
  const seen = new Set<string>();
  return values.filter((value) => {
    const key = value.toLowerCase();
    if (seen.has(key)) return true;
    seen.add(key);
    return false;
  });
}

/** Cross-field checks zod cannot express field by field. */
function crossCheck(seed: Seed): string[] {
  const problems: string[] = [];
  const projectRefs = new Set<string>();
  seed.projects.forEach((project, p) => {
    projectRefs.add(project.name.toLowerCase());
    if (project.id !== undefined) projectRefs.add(project.id.toLowerCase());
    for (const name of duplicates(project.stacks.map((s) => s.name))) {
      problems.push(`projects[${String(p)}].stacks: stack name "${name}" is used twice`);
    }
    project.stacks.forEach((stack, s) => {
      for (const name of duplicates(stack.services.map((x) => x.name))) {
        problems.push(
          `projects[${String(p)}].stacks[${String(s)}].services: service name "${name}" is used twice`,
        );
      }
      stack.services.forEach((service, v) => {
        const at = `projects[${String(p)}].stacks[${String(s)}].services[${String(v)}]`;
        const needsImage = service.kind === "service" || service.kind === "loadBalancerService";
        if (needsImage && service.image === undefined && service.launchConfig?.["imageUuid"] === undefined) {
          problems.push(`${at}.image: missing; give image or launchConfig.imageUuid`);
        }
        for (const name of duplicates(service.sidekicks.map((x) => x.name))) {
          problems.push(`${at}.sidekicks: sidekick name "${name}" is used twice`);
        }
        service.sidekicks.forEach((sidekick, k) => {
          if (sidekick.image === undefined && sidekick.launchConfig?.["imageUuid"] === undefined) {
            problems.push(
              `${at}.sidekicks[${String(k)}].image: missing; give image or launchConfig.imageUuid`,
            );
          }
        });
      });
    });
  });
  for (const id of duplicates(seed.projects.flatMap((p) => (p.id === undefined ? [] : [p.id])))) {
    problems.push(`projects: project id "${id}" is used twice`);
  }
  for (const key of duplicates(seed.keys.map((k) => k.accessKey))) {
    problems.push(`keys: access key "${key}" is used twice`);
  }
  seed.keys.forEach((key, k) => {
    const refs =
      key.project !== undefined ? [key.project] : key.projects === "all" ? [] : (key.projects ?? []);
    for (const ref of refs) {
      if (!projectRefs.has(ref.toLowerCase()))
        problems.push(`keys[${String(k)}]: project "${ref}" is not in projects`);
    }
  });
  return problems;
}

/**
 * Validates a seed object.
 * @throws {SeedError} listing every problem as `path.to.field: message`.
 */
export function validateSeed(input: unknown, source = "(object)"): Seed {
  const result = seedSchema.safeParse(input);
  if (!result.success) throw new SeedError(source, result.error.issues.map(issueText));
  const problems = crossCheck(result.data);
  if (problems.length > 0) throw new SeedError(source, problems);
  return result.data;
}

/**
 * Parses and validates seed YAML.
 * @throws {SeedError} for YAML syntax errors (with line numbers) and invalid fields.
 */
export function parseSeed(text: string, source = "(text)"): Seed {
  const document = parseDocument(text, { prettyErrors: true });
  const problems = [...document.errors, ...document.warnings].map((e) =>
    (e.message.split("\n")[0] ?? e.message).replace(/:\s*$/, ""),
  );
  if (problems.length > 0) throw new SeedError(source, problems);
  return validateSeed(document.toJS() as unknown, source);
}

/** Reads and validates a seed file. @throws {SeedError} */
export async function loadSeedFile(file: string): Promise<Seed> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new SeedError(
      file,
      [`cannot read the file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`],
      {
        cause: error,
      },
    );
  }
  return parseSeed(text, file);
}

/** The default seed, validated. */
export const defaultSeed = (): Seed => parseSeed(DEFAULT_SEED_YAML, "(default seed)");

export type { Seed, SeedInput };
