// Helpers of the console's scripts (served as /console/ui.js): elements, messages, the admin API.
// Values are set as text or attributes, never parsed as HTML.

export const KEY = "webhook-translator.admin-token";
export const $ = (selector) => document.querySelector(selector);

/** An element with attributes and children (strings become text nodes). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "onclick") {
      node.addEventListener("click", () =>
        Promise.resolve(value()).catch((error) => {
          if (error.message !== "unauthorized") say(error.message, true);
        }),
      );
    } else node.setAttribute(name, String(value));
  }
  for (const child of children) {
    if (child !== undefined && child !== null) {
      node.append(typeof child === "string" || typeof child === "number" ? String(child) : child);
    }
  }
  return node;
}

export function say(text, isError = false) {
  const status = $("#status");
  status.textContent = text;
  status.className = isError ? "error" : "";
}

/** Calls the admin API; a 401 signs out. */
let onUnauthorized = () => {};
/** What to do when the API refuses the token (the page signs out). */
export function whenUnauthorized(handler) {
  onUnauthorized = handler;
}

export async function api(path, init = {}) {
  const token = sessionStorage.getItem(KEY);
  const response = await fetch(path, {
    ...init,
    headers: {
      Authorization: `Bearer ${token}`,
      ...(init.body ? { "Content-Type": "application/json" } : {}),
    },
  });
  if (response.status === 401) {
    onUnauthorized("The token was refused: sign in again.");
    throw new Error("unauthorized");
  }
  const body = response.status === 204 ? {} : await response.json();
  if (!response.ok) throw new Error(body.message || `HTTP ${response.status}`);
  return body;
}

export const when = (iso) => (iso ? new Date(iso).toLocaleString() : "");
export const badge = (status, text) => el("span", { class: `badge s-${status}` }, text || status);
