// Deployment history: filter by target, state and image, newest first, page by page (the cursor
// of GET /api/deployments); states of listed deployments follow the event stream.
import { api, ApiError } from "./api.js";
import { deploymentImage, deploymentTarget, fill, h, stateBadge, timeElement } from "./dom.js";

const STATES = [
  "queued",
  "preparing",
  "upgrading",
  "verifying",
  "finishing",
  "rolling-back",
  "succeeded",
  "rolled-back",
  "failed",
  "canceled",
  "superseded",
  "skipped",
];
/** Deployments per page (`?limit=` in the page's URL changes it, 1–200). */
const PAGE_SIZE = 25;
const FILTERS = ["target", "state", "image"];

function filterForm(ctx) {
  const { query, state, navigate } = ctx;
  const targetList = h(
    "datalist",
    { id: "history-targets" },
    [...state.targets.keys()].sort().map((key) => h("option", { value: key })),
  );
  const target = h("input", {
    id: "history-target",
    name: "target",
    list: "history-targets",
    value: query.get("target") ?? "",
    placeholder: "env/stack/service",
    autocomplete: "off",
    spellcheck: "false",
  });
  const stateSelect = h(
    "select",
    { id: "history-state", name: "state" },
    h("option", { value: "" }, "any"),
    STATES.map((name) => h("option", { value: name, selected: query.get("state") === name }, name)),
  );
  const image = h("input", {
    id: "history-image",
    name: "image",
    value: query.get("image") ?? "",
    placeholder: "name or name:tag",
    autocomplete: "off",
    spellcheck: "false",
  });
  const form = h(
    "form",
    { class: "filters", role: "search" },
    h("div", {}, h("label", { for: "history-target" }, "Target"), target, targetList),
    h("div", {}, h("label", { for: "history-state" }, "State"), stateSelect),
    h("div", {}, h("label", { for: "history-image" }, "Image"), image),
    h(
      "div",
      { class: "buttons" },
      h("button", { type: "submit" }, "Filter"),
      h("a", { href: "/history", class: "button secondary" }, "Clear"),
    ),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const [name, input] of [
      ["target", target],
      ["state", stateSelect],
      ["image", image],
    ]) {
      const value = input.value.trim();
      if (value !== "") next.set(name, value);
    }
    const text = next.toString();
    navigate(text === "" ? "/history" : `/history?${text}`);
  });
  return form;
}

export function mountHistoryPage(ctx) {
  const { main, query } = ctx;
  const controller = new AbortController();
  const status = h("p", { class: "muted", role: "status" }, "Loading…");
  const results = h("div", { class: "scroll" });
  const paging = h("nav", { class: "paging", "aria-label": "Pages of the history" });
  main.append(h("h1", {}, "History"), filterForm(ctx), status, results, paging);
  const rows = new Map();
  let refresh;

  async function load() {
    const params = new URLSearchParams();
    for (const name of FILTERS) if (query.get(name)) params.set(name, query.get(name));
    const limit = Number(query.get("limit"));
    params.set("limit", String(Number.isInteger(limit) && limit >= 1 && limit <= 200 ? limit : PAGE_SIZE));
    if (query.get("cursor")) params.set("cursor", query.get("cursor"));
    try {
      const answer = await api(`/api/deployments?${params}`, { signal: controller.signal });
      render(answer);
    } catch (error) {
      if (controller.signal.aborted || (error instanceof ApiError && error.status === 401)) return;
      status.className = "outcome error";
      fill(status, error.message);
      fill(results);
      fill(paging);
    }
  }

  function render(answer) {
    rows.clear();
    status.className = "muted";
    fill(
      status,
      answer.items.length === 0
        ? "No deployment matches."
        : `${answer.items.length} deployment(s) on this page.`,
    );
    if (answer.items.length === 0) fill(results);
    else
      fill(
        results,
        h(
          "table",
          { class: "history" },
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              ["Deployment", "Target", "Image", "State", "Created", "Updated"].map((name) =>
                h("th", { scope: "col" }, name),
              ),
            ),
          ),
          h(
            "tbody",
            {},
            answer.items.map((deployment) => {
              const stateCell = h("td", { "data-label": "State" }, stateBadge(deployment.state));
              rows.set(deployment.id, stateCell);
              return h(
                "tr",
                { "data-deployment": deployment.id },
                h(
                  "td",
                  { "data-label": "Deployment" },
                  h("a", { href: `/deployments/${encodeURIComponent(deployment.id)}` }, deployment.id),
                ),
                h("td", { "data-label": "Target" }, deploymentTarget(deployment)),
                h("td", { "data-label": "Image", class: "image" }, deploymentImage(deployment)),
                stateCell,
                h("td", { "data-label": "Created" }, timeElement(deployment.createdAt)),
                h("td", { "data-label": "Updated" }, timeElement(deployment.updatedAt)),
              );
            }),
          ),
        ),
      );
    const links = [];
    if (query.get("cursor")) {
      const first = new URLSearchParams(query);
      first.delete("cursor");
      const text = first.toString();
      links.push(h("a", { href: text === "" ? "/history" : `/history?${text}` }, "← Newest"));
    }
    if (answer.nextCursor !== undefined) {
      const next = new URLSearchParams(query);
      next.set("cursor", answer.nextCursor);
      links.push(h("a", { href: `/history?${next}`, rel: "next" }, "Older →"));
    }
    fill(paging, links);
  }

  void load();
  return {
    update(kind, data) {
      if (kind === "reopen") return void load();
      if (kind !== "deployment") return;
      const cell = rows.get(data.deployment?.id);
      if (cell !== undefined) fill(cell, stateBadge(data.deployment.state));
      // A new deployment belongs on the first page (newest first): read it again (the filters are
      // drover's to apply), at most once per half second.
      if (data.change === "created" && !query.get("cursor") && refresh === undefined)
        refresh = setTimeout(() => {
          refresh = undefined;
          void load();
        }, 500);
    },
    dispose() {
      controller.abort();
      clearTimeout(refresh);
    },
  };
}
