import { describe, expect, it } from "vitest";
import { DIGEST_PATTERN, isRegistryHost, REPOSITORY_PATTERN, TAG_PATTERN } from "../../src/domain/index.js";
import { PayloadInvalidError } from "../../src/errors/index.js";
import { createSeededRandom } from "../../src/simulator/index.js";
import {
  createCiSource,
  createDockerHubSource,
  createGhcrSource,
  createHarborSource,
  createQuaySource,
  createRegistrySource,
  type ParsedDelivery,
  type Source,
  type WebhookRequest,
} from "../../src/sources/index.js";
import { makeRequest, readCapture, readFixture, type Json } from "./source-test-helpers.js";

const SEED = 0x5eed_d00d;
const RANDOM_VALUES = 1_500;
const MUTATED_VALUES = 1_500;

const KEYS = [
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "events",
  "action",
  "target",
  "request",
  "host",
  "mediaType",
  "tag",
  "digest",
  "repository",
  "id",
  "push_data",
  "repo_name",
  "image",
  "type",
  "event_data",
  "resources",
  "resource_url",
  "repo_full_name",
  "data",
  "specversion",
  "docker_url",
  "updated_tags",
  "package",
  "package_version",
  "container_metadata",
  "name",
  "namespace",
  "ecosystem",
  "package_type",
  "",
];
const STRINGS = [
  "",
  "push",
  "pull",
  "1.0.1",
  "latest",
  "team/api",
  "Team/API",
  "127.0.0.1:5055",
  "PUSH_ARTIFACT",
  "application/vnd.oci.image.manifest.v1+json",
  "application/octet-stream",
  "published",
  "CONTAINER",
  `sha256:${"a".repeat(64)}`,
  "sha256:",
  "\u0000",
  "\ud800",
  "💥".repeat(50),
  "a".repeat(300_000),
  "%s%n",
  "harbor.example.com/team/api:1",
  "quay.io/acme/api",
  "../../etc/passwd",
];

function generateJson(random: () => number, depth: number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const roll = random();
  if (depth > 4 || roll < 0.3) {
    return pick([
      () => "null",
      () => "true",
      () => "false",
      () => String(Math.floor(random() * 2 ** 53) * (random() < 0.5 ? -1 : 1)),
      () => pick(["1e308", "-0", "0.5", "1.417566161e+09", "99999999999999999999999"]),
      () => JSON.stringify(pick(STRINGS)),
    ])();
  }
  if (roll < 0.4) return `${"[".repeat(2_000)}${"]".repeat(2_000)}`;
  if (roll < 0.6) {
    const items = Array.from({ length: Math.floor(random() * 4) }, () => generateJson(random, depth + 1));
    return `[${items.join(",")}]`;
  }
  const entries = Array.from(
    { length: Math.floor(random() * 6) },
    () => `${JSON.stringify(pick(KEYS))}:${generateJson(random, depth + 1)}`,
  );
  return `{${entries.join(",")}}`;
}

/** A fixture with one randomly chosen node replaced by a generated value. */
function mutate(random: () => number, base: unknown): unknown {
  const copy = structuredClone(base) as Record<string, unknown>;
  let node: Json = copy;
  for (let step = 0; step < 6; step += 1) {
    const keys = node !== null && typeof node === "object" ? Object.keys(node) : [];
    if (keys.length === 0) break;
    const key = keys[Math.floor(random() * keys.length)] as string;
    if (random() < 0.35 || node[key] === null || typeof node[key] !== "object") {
      node[key] = JSON.parse(generateJson(random, 2));
      return copy;
    }
    node = node[key];
  }
  return JSON.parse(`{"__proto__":{"polluted":true},"x":${generateJson(random, 1)}}`);
}

const SOURCES: readonly { source: Source; request: WebhookRequest; fixtures: unknown[] }[] = [
  {
    source: createDockerHubSource({ token: "t".repeat(16) }),
    request: makeRequest(),
    fixtures: [readFixture("dockerhub/push.json")],
  },
  {
    source: createRegistrySource({ bearer: "b".repeat(16) }),
    request: makeRequest(),
    fixtures: [
      readCapture("registry/distribution-2.8.2-manifest-push-tag.json").body,
      readFixture("registry/distribution-3-index-push-tag.json").body,
    ],
  },
  {
    source: createCiSource({ key: { secret: "s".repeat(32) } }),
    request: makeRequest(),
    fixtures: [readFixture("ci/push.json")],
  },
  {
    source: createHarborSource({ token: "h".repeat(16) }),
    request: makeRequest(),
    fixtures: [
      readFixture("harbor/push-artifact.json"),
      readFixture("harbor/push-artifact-cloudevents.json"),
    ],
  },
  {
    source: createQuaySource({ token: "q".repeat(16) }),
    request: makeRequest(),
    fixtures: [readFixture("quay/push.json")],
  },
  {
    source: createGhcrSource({ webhookSecret: "g".repeat(16) }),
    request: makeRequest({ headers: { "x-github-event": "package", "x-github-delivery": "d-1" } }),
    fixtures: [readFixture("ghcr/package-published.json")],
  },
];

function expectValidDelivery(delivery: ParsedDelivery): void {
  expect(Array.isArray(delivery.pushes)).toBe(true);
  if (delivery.pushes.length === 0) expect(typeof delivery.ignored).toBe("string");
  for (const push of delivery.pushes) {
    expect(push.repository).toMatch(REPOSITORY_PATTERN);
    expect(push.tag).toMatch(TAG_PATTERN);
    if (push.digest !== undefined) expect(push.digest).toMatch(DIGEST_PATTERN);
    if (push.registryHost !== undefined) expect(isRegistryHost(push.registryHost)).toBe(true);
  }
}

describe("Source.parse under hostile JSON", () => {
  it.each(SOURCES.map((entry) => [entry.source.name, entry] as const))(
    "%s throws only PayloadInvalidError or returns a valid delivery",
    (_name, { source, request, fixtures }) => {
      const random = createSeededRandom(SEED);
      const outcomes = { valid: 0, invalid: 0 };
      for (let index = 0; index < RANDOM_VALUES + MUTATED_VALUES; index += 1) {
        const json =
          index < RANDOM_VALUES
            ? JSON.parse(generateJson(random, 0))
            : mutate(random, fixtures[index % fixtures.length]);
        try {
          expectValidDelivery(source.parse(json, request, {}));
          outcomes.valid += 1;
        } catch (error) {
          if (!(error instanceof PayloadInvalidError)) {
            throw new Error(`seed ${SEED} value #${index}: ${String(error)}`, { cause: error });
          }
          expect(error.message.length).toBeLessThan(1_000);
          outcomes.invalid += 1;
        }
      }

      expect(outcomes.invalid).toBeGreaterThan(0);
      expect(outcomes.valid + outcomes.invalid).toBe(RANDOM_VALUES + MUTATED_VALUES);
      expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
    },
  );

  it("still parses the untouched fixtures (the generator is not rejecting everything)", () => {
    for (const { source, request, fixtures } of SOURCES) {
      for (const fixture of fixtures) expect(source.parse(fixture, request, {}).pushes).toHaveLength(1);
    }
  });
});
