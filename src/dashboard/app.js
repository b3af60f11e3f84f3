// drover's dashboard: client-side routing over one app shell, the shared state (targets, running
// deployments) kept current by the event stream (/api/events), and the admin token prompt.
import { api, ApiError, authHeaders, getToken, setToken, setUnauthorizedHandler } from "./api.js";
import { ACTIVE_STATES, fill, h } from "./dom.js";
import { mountDeploymentPage } from "./deployment-page.js";
import { mountHistoryPage } from "./history-page.js";
import { connectEventStream } from "./sse.js";
import { mountTargetsPage } from "./targets-page.js";

/** What every page reads: `targets` (key → TargetView of /api/targets), `running` (id → state). */
const state = { targets: new Map(), running: new Map(), targetsLoaded: false };

const main = document.getElementById("main");
const live = document.getElementById("live");
const tokenPanel = document.getElementById("token-panel");
const tokenForm = document.getElementById("token-form");
const tokenInput = document.getElementById("token-input");
const tokenWhy = document.getElementById("token-why");

let page;
let stream;
let locked = false;

// --- the token prompt --------------------------------------------------------------------------

/** Shows the token prompt; `lock` (a read was refused) also removes every piece of data shown. */
function showTokenPrompt(reason, lock) {
  fill(tokenWhy, reason);
  tokenPanel.hidden = false;
  if (lock && !locked) {
    locked = true;
    document.body.classList.add("locked");
    page?.dispose();
    page = undefined;
    state.targets.clear();
    state.running.clear();
    state.targetsLoaded = false;
    fill(main);
    updateTitle();
  }
  tokenInput.focus();
}

setUnauthorizedHandler((error, method) => {
  const reads = method === "GET" || method === "HEAD";
  showTokenPrompt(
    reads
      ? `This drover shows nothing without its admin token (${error.message}).`
      : `That needs the admin token (${error.message}).`,
    reads,
  );
});

tokenForm.addEventListener("submit", (event) => {
  event.preventDefault();
  setToken(tokenInput.value.trim());
  tokenInput.value = "";
  tokenPanel.hidden = true;
  unlockAndReload();
});
document.getElementById("token-forget").addEventListener("click", () => {
  setToken(undefined);
  tokenInput.value = "";
  unlockAndReload();
});
document.getElementById("token-close").addEventListener("click", () => {
  tokenPanel.hidden = true;
});
document.getElementById("token-button").addEventListener("click", () => {
  showTokenPrompt(
    getToken() === undefined ? "No admin token set in this tab." : "An admin token is set in this tab.",
    false,
  );
});

function unlockAndReload() {
  locked = false;
  document.body.classList.remove("locked");
  stream?.restart();
  route();
  reloadShared();
}

// --- shared state --------------------------------------------------------------------------

function updateTitle() {
  const count = state.running.size;
  document.title = count === 0 ? "drover" : `(${count}) drover`;
}

/** Reads /api/targets into `state.targets`; tells the page. */
async function loadTargets() {
  const answer = await api("/api/targets");
  state.targets = new Map(answer.items.map((item) => [item.target, item]));
  state.targetsLoaded = true;
  page?.update("targets");
}

/** Reads the running deployments (for the title). */
async function loadRunning() {
  const answer = await api(`/api/deployments?state=${ACTIVE_STATES.join(",")}&limit=200`);
  state.running = new Map(answer.items.map((item) => [item.id, item.state]));
  updateTitle();
}

function reloadShared() {
  Promise.all([loadTargets(), loadRunning()]).catch(reportLoadError);
}

function reportLoadError(error) {
  if (error instanceof ApiError && error.status === 401) return;
  setLive("down", error instanceof Error ? error.message : String(error));
}

/** A deployment as the stream sent it: running set, its target's last deployment, the page. */
function applyDeployment(data) {
  const deployment = data.deployment;
  if (deployment === undefined) return;
  if (ACTIVE_STATES.includes(deployment.state)) state.running.set(deployment.id, deployment.state);
  else state.running.delete(deployment.id);
  updateTitle();
  const target = state.targets.get(deployment.targetKey);
  // A deployment to a target no rule names yet: /api/targets lists it now.
  if (target === undefined && state.targetsLoaded && data.change === "created")
    loadTargets().catch(reportLoadError);
  const last = target?.lastDeployment;
  // Deployment ids sort by creation time: the newest deployment of a target is its last one.
  if (target !== undefined && (last === undefined || last.id <= deployment.id)) {
    const lastDeployment = {
      id: deployment.id,
      state: deployment.state,
      image: `${deployment.image}:${deployment.tag}`,
      updatedAt: deployment.updatedAt,
    };
    state.targets.set(deployment.targetKey, { ...target, lastDeployment });
    page?.update("target", deployment.targetKey);
  }
  page?.update("deployment", data);
}

function onStreamEvent(event) {
  let data;
  try {
    data = JSON.parse(event.data);
  } catch {
    return;
  }
  switch (event.type) {
    case "deployment":
      applyDeployment(data);
      break;
    case "target":
      if (data.target?.target !== undefined) {
        state.targets.set(data.target.target, data.target);
        page?.update("target", data.target.target);
      }
      break;
    case "config":
      // A reload may add or drop targets.
      loadTargets().catch(reportLoadError);
      break;
    case "reset":
      reloadShared();
      page?.update("reopen");
      break;
    default:
      break;
  }
}

function setLive(kind, text) {
  live.className = `live live-${kind}`;
  fill(live, text);
}

function startStream() {
  stream = connectEventStream({
    url: "/api/events",
    headers: authHeaders,
    onOpen: () => {
      setLive("up", "live");
      // Target changes are not replayed: read everything again on every (re)connect.
      reloadShared();
      page?.update("reopen");
    },
    onEvent: onStreamEvent,
    onDown: (reason) => setLive("down", `reconnecting (${reason})`),
    onUnauthorized: (message) => {
      setLive("down", "needs the admin token");
      showTokenPrompt(`This drover shows nothing without its admin token (${message}).`, true);
    },
  });
}

// --- routing -------------------------------------------------------------------------------

const ROUTES = [
  { pattern: /^\/$/, name: "targets", mount: mountTargetsPage },
  { pattern: /^\/history$/, name: "history", mount: mountHistoryPage },
  { pattern: /^\/deployments\/([^/]+)$/, name: "deployment", mount: mountDeploymentPage },
];

function navigate(path) {
  if (path === `${location.pathname}${location.search}`) return;
  history.pushState(null, "", path);
  route();
  main.focus({ preventScroll: true });
  window.scrollTo(0, 0);
}

function route() {
  page?.dispose();
  page = undefined;
  if (locked) return;
  const found = ROUTES.map((entry) => ({ entry, match: entry.pattern.exec(location.pathname) })).find(
    ({ match }) => match !== null,
  );
  for (const link of document.querySelectorAll("nav a[data-page]")) {
    if (link.dataset.page === found?.entry.name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  fill(main);
  if (found === undefined) {
    main.append(h("h1", {}, "Not found"), h("p", {}, h("a", { href: "/" }, "Back to the targets")));
    return;
  }
  const params = found.match.slice(1).map((part) => decodeURIComponent(part));
  page = found.entry.mount({
    main,
    params,
    query: new URLSearchParams(location.search),
    state,
    navigate,
    loadTargets: () => loadTargets().catch(reportLoadError),
  });
}

document.addEventListener("click", (event) => {
  if (
    event.defaultPrevented ||
    event.button !== 0 ||
    event.metaKey ||
    event.ctrlKey ||
    event.shiftKey ||
    event.altKey
  )
    return;
  const link = event.target instanceof Element ? event.target.closest("a[href]") : null;
  if (link === null || link.target !== "" || link.origin !== location.origin) return;
  if (link.pathname.startsWith("/api/") || link.pathname.startsWith("/ui/") || link.hash !== "") return;
  event.preventDefault();
  navigate(`${link.pathname}${link.search}`);
});
window.addEventListener("popstate", () => route());

route();
updateTitle();
reloadShared();
startStream();
