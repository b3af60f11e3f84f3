// One deployment: its facts, phase timeline with the time spent in each phase, the new containers
// during the soak, the failure reason and the event log growing live; cancel, retry, roll back.
import { api, ApiError, targetPath } from "./api.js";
import {
  actionButton,
  deploymentImage,
  deploymentTarget,
  fill,
  formatDuration,
  h,
  isTerminal,
  outcomeElement,
  stateBadge,
  timeElement,
} from "./dom.js";
import { phaseTimeline } from "./phases.js";

/** The ended states drover retries (it refuses the others with a message). */
const RETRYABLE = new Set(["failed", "rolled-back", "canceled"]);
const PHASE_STATUS_TEXT = { done: "done", current: "now", pending: "pending", skipped: "not reached" };

function link(path, text) {
  return h("a", { href: path }, text);
}

function deploymentLink(id) {
  return link(`/deployments/${encodeURIComponent(id)}`, id);
}

function facts(deployment) {
  const rows = [
    ["State", stateBadge(deployment.state)],
    [
      "Target",
      link(`/history?target=${encodeURIComponent(deployment.targetKey)}`, deploymentTarget(deployment)),
    ],
    ["Image", h("span", { class: "image" }, deploymentImage(deployment))],
    deployment.digest === undefined ? undefined : ["Digest", h("code", {}, deployment.digest)],
    deployment.previousImage === undefined
      ? undefined
      : ["Previous image", h("span", { class: "image" }, deployment.previousImage)],
    ["Source", deployment.source],
    ["Created", timeElement(deployment.createdAt)],
    deployment.startedAt === undefined ? undefined : ["Started", timeElement(deployment.startedAt)],
    deployment.finishedAt === undefined ? undefined : ["Finished", timeElement(deployment.finishedAt)],
    deployment.parentId === undefined ? undefined : ["From", deploymentLink(deployment.parentId)],
    deployment.supersededBy === undefined
      ? undefined
      : ["Superseded by", deploymentLink(deployment.supersededBy)],
  ].filter((row) => row !== undefined);
  return h(
    "dl",
    { class: "facts" },
    rows.flatMap(([name, value]) => [h("dt", {}, name), h("dd", {}, value)]),
  );
}

function failure(deployment) {
  if (deployment.error === undefined) return "";
  return h(
    "div",
    { class: "failure", role: "alert" },
    h("h2", {}, "Why it failed"),
    h("p", {}, deployment.error.message),
    h("p", { class: "muted" }, h("code", {}, deployment.error.code)),
  );
}

function timeline(deployment, events, now) {
  const { phases, end } = phaseTimeline(events, deployment.state, now);
  return h(
    "ol",
    { class: "timeline", "aria-label": "Phases" },
    phases.map((phase) =>
      h(
        "li",
        { class: `phase phase-${phase.status}`, "data-phase": phase.state, "data-status": phase.status },
        h("span", { class: "phase-name" }, phase.state),
        h(
          "span",
          { class: "phase-time" },
          phase.ms === undefined ? PHASE_STATUS_TEXT[phase.status] : formatDuration(phase.ms),
        ),
      ),
    ),
    end === undefined
      ? ""
      : h(
          "li",
          { class: `phase phase-end state-${end.state}`, "data-phase": end.state, "data-status": "end" },
          h("span", { class: "phase-name" }, end.state),
          h(
            "span",
            { class: "phase-time" },
            end.at === undefined ? "" : timeElement(new Date(end.at).toISOString()),
          ),
        ),
  );
}

/** The containers of the launch config version this deployment created, as the target view shows them. */
function containers(deployment, view) {
  if (deployment.upgradeVersion === undefined) return h("p", { class: "muted" }, "No upgrade posted yet.");
  const rancher = view?.rancher;
  if (rancher?.status !== "known")
    return h("p", { class: "muted" }, `What Rancher runs is ${rancher?.status ?? "unknown"} right now.`);
  const mine = (rancher.containers ?? []).filter(
    (container) => container.version === deployment.upgradeVersion,
  );
  if (mine.length === 0)
    return h("p", { class: "muted" }, "Rancher runs no container of this deployment's version now.");
  return h(
    "div",
    { class: "scroll" },
    h(
      "table",
      { class: "containers" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["Container", "State", "Health", "Image", "Starts"].map((name) => h("th", { scope: "col" }, name)),
        ),
      ),
      h(
        "tbody",
        {},
        mine.map((container) =>
          h(
            "tr",
            { "data-container": container.name },
            h("td", {}, container.name),
            h("td", {}, container.state),
            h("td", {}, container.healthState ?? "no health check"),
            h("td", { class: "image" }, container.image),
            h("td", {}, String(container.startCount ?? "")),
          ),
        ),
      ),
    ),
  );
}

function eventRow(event) {
  return h(
    "li",
    { class: `event event-${event.kind}`, "data-seq": String(event.seq) },
    h("span", { class: "event-at" }, timeElement(event.at)),
    " ",
    stateBadge(event.state),
    " ",
    h("span", { class: "event-detail" }, event.detail),
  );
}

export function mountDeploymentPage(ctx) {
  const { main, params, state } = ctx;
  const id = params[0];
  const controller = new AbortController();
  const title = h("h1", {}, "Deployment ", h("code", {}, id));
  const status = h("p", { class: "muted", role: "status" }, "Loading…");
  main.append(title, status);
  let deployment;
  let events = [];
  let sections;
  let tick;

  function renderParts() {
    if (sections === undefined) return;
    fill(sections.facts, facts(deployment));
    fill(sections.failure, failure(deployment));
    fill(sections.timeline, timeline(deployment, events, Date.now()));
    fill(sections.containers, containers(deployment, state.targets.get(deployment.targetKey)));
    sections.cancel.disabled = isTerminal(deployment.state);
    sections.retry.disabled = !RETRYABLE.has(deployment.state);
    clearInterval(tick);
    if (!isTerminal(deployment.state))
      tick = setInterval(() => fill(sections.timeline, timeline(deployment, events, Date.now())), 1000);
  }

  function build() {
    const output = outcomeElement();
    const cancel = actionButton("Cancel", output, async () => {
      const answer = await api(`/api/deployments/${encodeURIComponent(id)}/cancel`, { method: "POST" });
      return `Cancel requested (${answer.state}).`;
    });
    const retry = actionButton("Retry", output, async () => {
      const answer = await api(`/api/deployments/${encodeURIComponent(id)}/retry`, { method: "POST" });
      return ["Retry queued: ", deploymentLink(answer.id)];
    });
    const rollBack = actionButton(
      "Roll back target",
      output,
      async () => {
        const answer = await api(`/api/targets/${targetPath(deployment.targetKey)}/rollback`, {
          method: "POST",
        });
        return ["Rollback queued: ", deploymentLink(answer.id)];
      },
      { class: "secondary" },
    );
    sections = {
      facts: h("div"),
      failure: h("div"),
      timeline: h("div"),
      containers: h("div"),
      log: h("ol", { class: "events", "aria-label": "Event log" }),
      cancel,
      retry,
    };
    fill(
      main,
      title,
      h("div", { class: "actions" }, cancel, retry, rollBack, output),
      sections.failure,
      h(
        "section",
        { "aria-labelledby": "phases-title" },
        h("h2", { id: "phases-title" }, "Phases"),
        sections.timeline,
      ),
      h(
        "section",
        { "aria-labelledby": "facts-title" },
        h("h2", { id: "facts-title" }, "Details"),
        sections.facts,
      ),
      h(
        "section",
        { "aria-labelledby": "containers-title" },
        h("h2", { id: "containers-title" }, "New containers"),
        sections.containers,
      ),
      h(
        "section",
        { "aria-labelledby": "log-title" },
        h("h2", { id: "log-title" }, "Event log"),
        sections.log,
      ),
    );
  }

  function addEvents(more) {
    const known = new Set(events.map((event) => event.seq));
    const fresh = more.filter((event) => !known.has(event.seq));
    if (fresh.length === 0) return;
    events = [...events, ...fresh].sort((a, b) => a.seq - b.seq);
    const appendOnly = fresh.every(
      (event) =>
        event.seq > (sections.log.lastElementChild ? Number(sections.log.lastElementChild.dataset.seq) : -1),
    );
    if (appendOnly)
      for (const event of fresh.sort((a, b) => a.seq - b.seq)) sections.log.append(eventRow(event));
    else fill(sections.log, events.map(eventRow));
  }

  async function load() {
    try {
      const answer = await api(`/api/deployments/${encodeURIComponent(id)}`, { signal: controller.signal });
      const { events: log, ...rest } = answer;
      if (deployment === undefined || rest.updatedAt >= deployment.updatedAt) deployment = rest;
      if (sections === undefined) build();
      addEvents(log);
      renderParts();
    } catch (error) {
      if (controller.signal.aborted) return;
      if (error instanceof ApiError && error.status === 401) return;
      fill(status, error.message);
      status.className = "outcome error";
      if (sections === undefined) main.replaceChildren(title, status);
    }
  }

  void load();
  return {
    update(kind, data) {
      if (kind === "reopen") return void load();
      if (deployment === undefined) return;
      if (kind === "deployment" && data.deployment?.id === id) {
        if (data.deployment.updatedAt >= deployment.updatedAt) deployment = data.deployment;
        if (data.event !== undefined) addEvents([data.event]);
        renderParts();
      } else if ((kind === "target" && data === deployment.targetKey) || kind === "targets") {
        fill(sections.containers, containers(deployment, state.targets.get(deployment.targetKey)));
      }
    },
    dispose() {
      controller.abort();
      clearInterval(tick);
    },
  };
}
