/* The playground page's script, served as /playground/app.js (the page's CSP allows no inline script). */

const $ = (id) => document.getElementById(id);
const state = {
  examples: [],
  shipped: {},
  edited: {},
  current: null,
  token: sessionStorage.getItem("adminToken") || "",
};
let timer;
let latestRun = 0;

async function api(path, init = {}) {
  const headers = {
    "content-type": "application/json",
    ...(state.token ? { authorization: `Bearer ${state.token}` } : {}),
  };
  const response = await fetch(path, { ...init, headers });
  if (response.status === 401) {
    state.token = prompt("Admin token for the playground") || "";
    sessionStorage.setItem("adminToken", state.token);
    if (state.token) return api(path, init);
  }
  return response.json();
}

function show(id, value) {
  $(id).textContent =
    value === undefined || value === ""
      ? "—"
      : typeof value === "string"
        ? value
        : JSON.stringify(value, null, 2);
}

function setStatus(text, kind) {
  const s = $("status");
  s.textContent = text;
  s.className = `status ${kind || ""}`;
}

function schedule() {
  clearTimeout(timer);
  timer = setTimeout(run, 250);
}

async function run() {
  clearTimeout(timer);
  const thisRun = ++latestRun;
  setStatus("translating…");
  const result = await api("/playground/translate", {
    method: "POST",
    body: JSON.stringify({
      source: $("source").value,
      target: $("target").value,
      payload: $("payload").value,
      mappings: state.edited,
    }),
  });
  // Answers can arrive out of order while the user types; only the newest request may render.
  if (thisRun !== latestRun) return;
  for (const file of result.mappings || [])
    if (!(file.path in state.shipped)) state.shipped[file.path] = file.text;
  renderTabs((result.mappings || []).map((file) => file.path));
  if (result.error) {
    show("deliveries");
    show("skipped");
    show("canonical");
    show("errors", result.error);
    setStatus(result.error.error || "error", "error");
    return;
  }
  const t = result.translation;
  $("delivery-count").textContent =
    `${t.deliveries.length} · source ${t.source}${t.detected ? " (detected)" : ""}`;
  show("deliveries", t.deliveries);
  show("skipped", t.skipped.length ? t.skipped : "");
  show("errors", "");
  show("canonical", (t.trace || []).map((step) => step.canonical).filter(Boolean));
  // Shipped mappings run compiled to JavaScript; an edited file runs on the JSONata interpreter.
  const interpreted = [...new Set((t.trace || []).flatMap((step) => step.interpreted || []))];
  const edited = interpreted.filter((path) => path in state.edited);
  setStatus(
    `${t.deliveries.length} delivered, ${t.skipped.length} skipped${edited.length ? ` · edited ${edited.length === 1 ? "file runs" : "files run"} interpreted` : ""}`,
    "ok",
  );
  $("status").title = interpreted.length
    ? `Ran on the JSONata interpreter: ${interpreted.join(", ")}`
    : "All mappings ran compiled";
}

function renderTabs(paths) {
  const tabs = $("mapping-tabs");
  tabs.replaceChildren();
  if (!paths.includes(state.current)) state.current = paths[0] || null;
  for (const path of paths) {
    const button = document.createElement("button");
    button.type = "button";
    button.setAttribute("role", "tab");
    button.textContent = path.replace(/^mappings\//, "");
    button.title = path;
    button.setAttribute("aria-selected", String(path === state.current));
    if (path in state.edited) {
      button.classList.add("edited");
      button.title = `${path} (edited: runs on the JSONata interpreter)`;
    }
    button.onclick = () => {
      state.current = path;
      renderTabs(paths);
    };
    tabs.append(button);
  }
  const text = state.current
    ? (state.edited[state.current] ?? state.shipped[state.current] ?? "")
    : "";
  if ($("mapping-text").value !== text && document.activeElement !== $("mapping-text"))
    $("mapping-text").value = text;
}

$("mapping-text").addEventListener("input", () => {
  if (!state.current) return;
  const text = $("mapping-text").value;
  if (text === state.shipped[state.current]) delete state.edited[state.current];
  else state.edited[state.current] = text;
  schedule();
});
$("reset").onclick = () => {
  if (state.current) {
    delete state.edited[state.current];
    $("mapping-text").value = state.shipped[state.current] || "";
    run();
  }
};
$("copy").onclick = () => navigator.clipboard?.writeText($("mapping-text").value);
$("download").onclick = () => {
  if (!state.current) return;
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([$("mapping-text").value], { type: "text/plain" }));
  link.download = state.current.split("/").pop();
  link.click();
};
$("payload").addEventListener("input", schedule);
$("source").addEventListener("change", schedule);
$("target").addEventListener("change", schedule);
$("example").addEventListener("change", () => {
  const example = state.examples.find((e) => e.id === $("example").value);
  if (!example) return;
  $("source").value = example.format;
  $("payload").value = JSON.stringify(example.body, null, 2);
  run();
});

(async function start() {
  const [{ formats }, { examples }] = await Promise.all([
    api("/formats"),
    api("/playground/examples"),
  ]);
  state.examples = examples || [];
  for (const f of [{ id: "auto", name: "detect" }, ...formats])
    $("source").add(new Option(`${f.id}${f.id === "auto" ? " (detect)" : ""}`, f.id));
  for (const f of formats) $("target").add(new Option(f.id, f.id));
  $("target").value = "dotted";
  for (const e of state.examples) $("example").add(new Option(e.title, e.id));
  // Open with an example chosen and translated, so the page shows what it does at once.
  const first = state.examples.find((e) => e.id === "chatwoot-message") || state.examples[0];
  if (first && !$("payload").value) {
    $("example").value = first.id;
    $("example").dispatchEvent(new Event("change"));
  }
})();
