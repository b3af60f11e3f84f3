// Small DOM helpers: elements are built with textContent only (API data is never parsed as HTML).

/**
 * `h("a", { href: "/", class: "x", onclick: fn }, "text", child)` → the element. Attributes whose
 * value is false, null or undefined are left out; `on…` keys add listeners.
 */
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (name === "class") element.className = value;
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces the children of `element`. */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

/** Deployment states that have not ended. */
export const ACTIVE_STATES = ["preparing", "upgrading", "verifying", "finishing", "rolling-back"];
const TERMINAL_STATES = ["superseded", "skipped", "succeeded", "rolled-back", "failed", "canceled"];

export function isTerminal(state) {
  return TERMINAL_STATES.includes(state);
}

/** A state as a badge (`class="state state-succeeded"`). */
export function stateBadge(state) {
  return h("span", { class: `state state-${state}` }, state);
}

/** `1234` ms → "1.2 s", "3 min 05 s", "2 h 03 min". */
export function formatDuration(ms) {
  if (!Number.isFinite(ms) || ms < 0) return "–";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${String(Math.floor(seconds % 60)).padStart(2, "0")} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

/** An ISO time as a `<time>` showing the local time (the full timestamp as its title). */
export function timeElement(iso) {
  if (iso === undefined) return h("span", {}, "–");
  const date = new Date(iso);
  const text = Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
  return h("time", { datetime: iso, title: iso }, text);
}

/** `image:tag` → `{ image, tag }`, or undefined when there is no tag (a registry port is not one). */
export function splitImageTag(text) {
  const trimmed = text.trim();
  const colon = trimmed.lastIndexOf(":");
  if (colon <= 0 || colon < trimmed.lastIndexOf("/") || colon === trimmed.length - 1) return undefined;
  return { image: trimmed.slice(0, colon), tag: trimmed.slice(colon + 1) };
}

/** A deployment's image as text (`name:tag`). */
export function deploymentImage(deployment) {
  return `${deployment.image}:${deployment.tag}`;
}

/** A deployment's target as text (`env/stack/service[/sidekick]`). */
export function deploymentTarget(deployment) {
  const sidekick = deployment.target?.sidekick;
  return sidekick === undefined ? deployment.targetKey : `${deployment.targetKey}/${sidekick}`;
}

/**
 * A button that runs `action()` (a promise) and shows its outcome in `output` (an element with
 * `role="status"`): the API's message when refused. Disabled while it runs.
 */
export function actionButton(label, output, action, attrs = {}) {
  const button = h("button", { type: "button", ...attrs }, label);
  button.addEventListener("click", () => {
    button.disabled = true;
    fill(output, "…");
    output.className = "outcome";
    action()
      .then(
        (message) => {
          output.className = "outcome ok";
          fill(output, message);
        },
        (error) => {
          output.className = "outcome error";
          fill(output, error instanceof Error ? error.message : String(error));
        },
      )
      .finally(() => {
        button.disabled = false;
      });
  });
  return button;
}

/** An empty live region for an action's outcome. */
export function outcomeElement() {
  return h("p", { class: "outcome", role: "status", "aria-live": "polite" });
}
