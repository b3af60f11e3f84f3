// The targets page: every target grouped by environment and stack, with what Rancher runs now,
// service state, container health and the last deployment; deploy and roll back (admin token).
import { api, targetPath } from "./api.js";
import { actionButton, fill, h, outcomeElement, splitImageTag, stateBadge, timeElement } from "./dom.js";

/** The parts of a target key (`env/stack/service`), from the view or the key itself. */
function partsOf(view) {
  const [environment, stack, service] = view.target.split("/");
  return {
    environment: view.environment ?? environment,
    stack: view.stack ?? stack,
    service: view.service ?? service,
  };
}

/** What Rancher runs, as the view says it (never guessed from drover's own records). */
export function rancherSummary(view) {
  const rancher = view.rancher ?? { status: "unknown" };
  switch (rancher.status) {
    case "known":
      return {
        image: rancher.image,
        serviceState: rancher.serviceState,
        health: `${rancher.healthy}/${rancher.total} healthy`,
        healthClass: rancher.total > 0 && rancher.healthy >= rancher.total ? "good" : "bad",
        healthState: rancher.healthState,
        note: undefined,
      };
    case "unreachable":
      return {
        image: rancher.last?.status === "known" ? rancher.last.image : undefined,
        serviceState: "unreachable",
        health: "unknown",
        healthClass: "unknown",
        healthState: null,
        note: `Rancher unreachable: ${rancher.reason}${rancher.last?.status === "known" ? " (image last seen)" : ""}`,
      };
    case "missing":
      return {
        image: undefined,
        serviceState: "missing",
        health: "–",
        healthClass: "unknown",
        healthState: null,
        note: "Rancher has no such service",
      };
    default:
      return {
        image: undefined,
        serviceState: "unknown",
        health: "unknown",
        healthClass: "unknown",
        healthState: null,
        note: "not read from Rancher yet",
      };
  }
}

function infoOf(view) {
  const summary = rancherSummary(view);
  const last = view.lastDeployment;
  return [
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "Rancher runs"),
      h("dd", { class: "image", "data-field": "image" }, summary.image ?? "unknown"),
      h("dt", {}, "Service"),
      h(
        "dd",
        { "data-field": "service-state" },
        h("span", { class: `svc svc-${summary.serviceState}` }, summary.serviceState),
        typeof summary.healthState === "string" ? `, ${summary.healthState}` : "",
      ),
      h("dt", {}, "Containers"),
      h(
        "dd",
        { "data-field": "health" },
        h("span", { class: `health health-${summary.healthClass}` }, summary.health),
      ),
      h("dt", {}, "Last deployment"),
      h(
        "dd",
        { "data-field": "last-deployment" },
        last === undefined
          ? "none"
          : [
              stateBadge(last.state),
              " ",
              h("a", { href: `/deployments/${encodeURIComponent(last.id)}` }, last.image),
              " ",
              h("span", { class: "muted" }, timeElement(last.updatedAt)),
            ],
      ),
    ),
    summary.note === undefined ? "" : h("p", { class: "note", "data-field": "note" }, summary.note),
  ];
}

function deployForm(view, output) {
  const id = `deploy-${view.target.replaceAll("/", "-")}`;
  const input = h("input", {
    id,
    name: "image",
    type: "text",
    required: true,
    spellcheck: "false",
    autocomplete: "off",
    placeholder: "image:tag",
  });
  const form = h(
    "form",
    { class: "deploy" },
    h("label", { for: id }, "Deploy image:tag"),
    h("div", { class: "row" }, input, h("button", { type: "submit" }, "Deploy")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const image = splitImageTag(input.value);
    output.className = "outcome error";
    if (image === undefined) return void fill(output, "Write the image as name:tag.");
    fill(output, "…");
    output.className = "outcome";
    api("/api/deployments", { method: "POST", body: { target: view.target, ...image } }).then(
      (deployment) => {
        output.className = "outcome ok";
        fill(
          output,
          "Queued ",
          h("a", { href: `/deployments/${encodeURIComponent(deployment.id)}` }, deployment.id),
        );
        input.value = "";
      },
      (error) => {
        output.className = "outcome error";
        fill(output, error.message);
      },
    );
  });
  return form;
}

function card(view) {
  const { service } = partsOf(view);
  const info = h("div", { class: "info" }, infoOf(view));
  const output = outcomeElement();
  const rollBack = actionButton(
    "Roll back",
    output,
    async () => {
      const deployment = await api(`/api/targets/${targetPath(view.target)}/rollback`, { method: "POST" });
      return [
        `Rollback queued: `,
        h("a", { href: `/deployments/${encodeURIComponent(deployment.id)}` }, deployment.id),
      ];
    },
    { class: "secondary", "aria-label": `Roll back ${view.target}` },
  );
  const element = h(
    "article",
    { class: "target", "data-target": view.target, "aria-label": view.target },
    h("h3", {}, service),
    info,
    h("div", { class: "actions" }, deployForm(view, output), rollBack, output),
  );
  return { element, info };
}

/** Mounts the page into `ctx.main`; `update(kind, key)` follows the shared state. */
export function mountTargetsPage(ctx) {
  const { main, state } = ctx;
  const heading = h("h1", {}, "Targets");
  const body = h("div", { class: "groups", "aria-live": "off" });
  main.append(heading, body);
  let cards = new Map();
  let keys = "";

  function renderAll() {
    const views = [...state.targets.values()].sort((a, b) => a.target.localeCompare(b.target));
    keys = views.map((view) => view.target).join("\n");
    cards = new Map();
    if (!state.targetsLoaded) return void fill(body, h("p", { class: "muted" }, "Loading…"));
    if (views.length === 0) return void fill(body, h("p", {}, "No targets: the mapping file names none."));
    const groups = new Map();
    for (const view of views) {
      const { environment, stack } = partsOf(view);
      const name = `${environment} / ${stack}`;
      if (!groups.has(name)) groups.set(name, []);
      groups.get(name).push(view);
    }
    fill(
      body,
      [...groups].map(([name, members]) =>
        h(
          "section",
          { class: "group", "aria-label": name },
          h("h2", {}, name),
          h(
            "div",
            { class: "cards" },
            members.map((view) => {
              const built = card(view);
              cards.set(view.target, built);
              return built.element;
            }),
          ),
        ),
      ),
    );
  }

  renderAll();
  return {
    update(kind, key) {
      if (kind === "reopen") return;
      const sameKeys = [...state.targets.keys()].sort((a, b) => a.localeCompare(b)).join("\n") === keys;
      if (kind === "target" && sameKeys && cards.has(key)) {
        const view = state.targets.get(key);
        fill(cards.get(key).info, infoOf(view));
      } else if (kind === "targets" || kind === "target") {
        if (sameKeys && state.targetsLoaded && cards.size > 0) {
          for (const [target, built] of cards) fill(built.info, infoOf(state.targets.get(target)));
        } else renderAll();
      }
    },
    dispose() {},
  };
}
