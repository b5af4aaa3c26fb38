// chipgate web app: vanilla JavaScript over the /v1/ API, no build step.
// Everything shown comes from the API; the chart's regions are drawn from the numeric
// constraints that GET /v1/rules derives from the rule files, never from numbers in here.
"use strict";

const ROLES = ["viewer", "officer", "admin"];
const SVG_NS = "http://www.w3.org/2000/svg";
const state = { token: "", caller: null, chips: null, rules: null, lastOrder: null };

// ---- small helpers -------------------------------------------------------------------------

const $ = (selector) => document.querySelector(selector);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  append(node, children);
  return node;
}

function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  append(node, children);
  return node;
}

// Replaces a node's children, skipping null and false (conditional parts).
function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

function fmt(value, digits) {
  if (value === null || value === undefined) return "—";
  if (typeof value !== "number") return String(value);
  const d = digits === undefined ? (Math.abs(value) >= 100 ? 0 : 2) : digits;
  return value.toLocaleString("en-US", { maximumFractionDigits: d });
}

function today() {
  return new Date().toISOString().slice(0, 10);
}

function words(snake) {
  return String(snake).replaceAll("_", " ");
}

function hasRole(role) {
  return state.caller && ROLES.indexOf(state.caller.role) >= ROLES.indexOf(role);
}

function showMessage(text, kind) {
  const box = $("#message");
  if (!text) {
    box.hidden = true;
    return;
  }
  box.textContent = text;
  box.className = "message" + (kind ? " " + kind : "");
  box.hidden = false;
}

class ApiError extends Error {
  constructor(status, body) {
    super(body && body.message ? body.message : "HTTP " + status);
    this.status = status;
    this.body = body || {};
  }
}

async function api(method, path, body) {
  const headers = {};
  if (state.token) headers["Authorization"] = "Bearer " + state.token;
  const init = { method, headers };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch (_) {
    data = { message: text };
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

function errorText(error) {
  if (error instanceof ApiError) {
    const field = error.body.field ? " [field: " + error.body.field + "]" : "";
    return error.body.code ? error.body.code + ": " + error.message + field : error.message;
  }
  return String(error && error.message ? error.message : error);
}

function fail(target, error) {
  const box = typeof target === "string" ? $(target) : target;
  fill(box, el("p", { class: "message" }, errorText(error)));
}

// ---- sign-in and navigation ------------------------------------------------------------------

async function signIn(token) {
  state.token = token;
  try {
    state.caller = await api("GET", "/v1/whoami");
  } catch (error) {
    state.caller = null;
    state.token = "";
    sessionStorage.removeItem("chipgate-token");
    applyRoles();
    showMessage(errorText(error));
    return false;
  }
  sessionStorage.setItem("chipgate-token", token);
  $("#whoami").textContent = "signed in as " + state.caller.name + " (" + state.caller.role + ")";
  $("#token").value = "";
  $("#token").hidden = true;
  $("#signin-button").hidden = true;
  $("#signout-button").hidden = false;
  showMessage("");
  applyRoles();
  await loadReference();
  await showView(currentView());
  return true;
}

function signOut() {
  state.token = "";
  state.caller = null;
  sessionStorage.removeItem("chipgate-token");
  $("#whoami").textContent = "";
  $("#token").hidden = false;
  $("#signin-button").hidden = false;
  $("#signout-button").hidden = true;
  applyRoles();
  showMessage("Signed out. Paste an API token to continue.", "info");
}

function applyRoles() {
  for (const node of document.querySelectorAll("[data-role]")) {
    node.hidden = !hasRole(node.dataset.role);
  }
}

function currentView() {
  const active = document.querySelector("#tabs button.active");
  return active ? active.dataset.view : "explorer";
}

async function showView(name) {
  for (const button of document.querySelectorAll("#tabs button")) {
    button.classList.toggle("active", button.dataset.view === name);
  }
  for (const section of document.querySelectorAll("main > section.view")) {
    section.hidden = section.id !== "view-" + name;
  }
  if (!state.caller) return;
  const loaders = {
    explorer: drawExplorer,
    order: loadHolds,
    licenses: loadLicenses,
    audit: loadAudit,
    tokens: loadTokens,
  };
  if (loaders[name]) {
    try {
      await loaders[name]();
    } catch (error) {
      showMessage(errorText(error));
    }
  }
}

async function loadReference() {
  state.rules = await api("GET", "/v1/rules");
  state.chips = await api("GET", "/v1/chips?date=" + ($("#explorer-date").value || today()));
  const options = state.chips
    .slice()
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((c) => el("option", { value: c.id }, c.name + " (" + c.id + ")"));
  fill($("#classify-item"), ...options.map((o) => o.cloneNode(true)), el("option", { value: "" }, "— enter specs —"));
  fill($("#order-item"), ...options);
  $("#classify-item").value = "nvidia-h20";
  $("#order-item").value = "nvidia-h20";
  toggleSpec();
}

// ---- chip explorer: the TPP × performance density chart -------------------------------------

const ECCN_COLOURS = { "3A090.a": "#d62728", "3A090.b": "#f28e1c" };
const OUTCOME_COLOURS = { not_controlled: "#2a9d55", indeterminate: "#8a8f98" };

function chipColour(chip) {
  if (chip.outcome === "controlled") {
    for (const eccn of chip.eccn) if (ECCN_COLOURS[eccn]) return ECCN_COLOURS[eccn];
    return "#7b3294";
  }
  return OUTCOME_COLOURS[chip.outcome] || "#8a8f98";
}

function versionOn(date) {
  let found = null;
  for (const version of state.rules || []) if (version.effective <= date) found = version;
  return found;
}

// The box a paragraph's constraints describe on the TPP × PD plane, and what else it tests.
function regionOf(paragraph) {
  const box = { x0: 0, x1: Infinity, y0: 0, y1: Infinity, other: [], planar: false };
  for (const c of paragraph.constraints) {
    const lower = c.op === ">=" || c.op === ">";
    if (c.fact === "tpp") {
      box.planar = true;
      if (lower) box.x0 = Math.max(box.x0, c.value);
      else box.x1 = Math.min(box.x1, c.value);
    } else if (c.fact === "performance_density") {
      box.planar = true;
      if (lower) box.y0 = Math.max(box.y0, c.value);
      else box.y1 = Math.min(box.y1, c.value);
    } else {
      box.other.push(c);
    }
  }
  return box;
}

function constraintText(c) {
  const names = { tpp: "TPP", performance_density: "PD", interconnect_gbs: "interconnect (GB/s)" };
  return (names[c.fact] || c.fact) + " " + c.op.replace(">=", "≥").replace("<=", "≤") + " " + fmt(c.value);
}

function niceTicks(lo, hi) {
  const ticks = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * Math.pow(10, e);
      if (v >= lo && v <= hi) ticks.push(v);
    }
  }
  return ticks;
}

async function drawExplorer() {
  const date = $("#explorer-date").value || today();
  const version = versionOn(date);
  const chart = $("#chart");
  if (!version) {
    fill(chart, el("p", { class: "message" }, "No rule version is in force on " + date + "."));
    return;
  }
  const chips = await api("GET", "/v1/chips?date=" + date);
  $("#explorer-ruleset").textContent =
    "rule version " + version.id + " (" + version.citation + "), in force " + version.effective + (version.until ? " to " + version.until : " onward");
  renderChart(chart, chips, version);
  fill($("#chip-details"), el("p", { class: "muted" }, "Hover over a chip for its figures; click it to classify."));
}

function renderChart(container, chips, version) {
  const W = 960, H = 630, left = 64, right = 20, top = 18, plotBottom = 480;
  const laneY = 585;
  const paragraphs = version.paragraphs.filter((p) => p.eccn.startsWith("3A090.") && p.constraints.length);
  const regions = paragraphs.map((p) => ({ p, box: regionOf(p) })).filter((r) => r.box.planar);

  // Domains from the chips and the thresholds, log scales.
  const xs = [], ys = [];
  for (const c of chips) {
    if (c.tpp) xs.push(c.tpp);
    if (c.performance_density) ys.push(c.performance_density);
  }
  for (const { box } of regions) {
    for (const v of [box.x0, box.x1]) if (v > 0 && isFinite(v)) xs.push(v);
    for (const v of [box.y0, box.y1]) if (v > 0 && isFinite(v)) ys.push(v);
  }
  const xLo = Math.min(...xs) / 1.5, xHi = Math.max(...xs) * 1.5;
  const yLo = Math.min(...ys) / 1.6, yHi = Math.max(...ys) * 1.6;
  const X = (v) => left + ((Math.log10(v) - Math.log10(xLo)) / (Math.log10(xHi) - Math.log10(xLo))) * (W - left - right);
  const Y = (v) => plotBottom - ((Math.log10(v) - Math.log10(yLo)) / (Math.log10(yHi) - Math.log10(yLo))) * (plotBottom - top);
  const clampX = (v) => Math.min(Math.max(v, xLo), xHi);
  const clampY = (v) => Math.min(Math.max(v, yLo), yHi);

  const root = svg("svg", { viewBox: "0 0 " + W + " " + H, role: "img", id: "chart-svg" });
  root.append(svg("title", {}, "TPP × performance density under " + version.id));
  root.append(svg("rect", { x: left, y: top, width: W - left - right, height: plotBottom - top, fill: "#fff", stroke: "#d0d5dd" }));

  // Regions: paragraphs that yield to another first, so the stronger one is drawn on top.
  const ordered = regions.slice().sort((a, b) => (b.p.yields_to.length - a.p.yields_to.length));
  const labels = [];
  for (const { p, box } of ordered) {
    const colour = ECCN_COLOURS[p.eccn] || "#7b3294";
    const x0 = X(clampX(box.x0 || xLo)), x1 = X(clampX(box.x1));
    const y0 = Y(clampY(box.y1)), y1 = Y(clampY(box.y0 || yLo));
    const conditional = box.other.length > 0 || !p.conjunctive;
    root.append(
      svg("rect", {
        x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0),
        fill: conditional ? "none" : colour, "fill-opacity": conditional ? null : 0.13,
        stroke: colour, "stroke-width": 1.2, "stroke-dasharray": conditional ? "6 4" : null,
        class: "region", "data-paragraph": p.id,
      }, svg("title", {}, p.id + ": " + p.constraints.map(constraintText).join(" and ")))
    );
    labels.push({ text: p.id + (conditional ? " (only if " + box.other.map(constraintText).join(", ") + ")" : ""), x: x0 + 4, y: y0 + 13, colour });
  }
  const placed = [];
  for (const label of labels) {
    root.append(svg("text", { x: label.x, y: label.y, fill: label.colour, "font-size": 12, "font-weight": 600 }, label.text));
    placed.push([label.x, label.y - 11, label.x + label.text.length * 7, label.y + 2]);
  }

  // Axes: ticks at 1-2-5 and at every threshold.
  const axis = svg("g", { "font-size": 11, fill: "#475467" });
  for (const v of niceTicks(xLo, xHi)) {
    axis.append(svg("line", { x1: X(v), x2: X(v), y1: plotBottom, y2: plotBottom + 4, stroke: "#98a2b3" }));
    axis.append(svg("text", { x: X(v), y: plotBottom + 16, "text-anchor": "middle" }, fmt(v, 0)));
  }
  for (const v of niceTicks(yLo, yHi)) {
    axis.append(svg("line", { x1: left - 4, x2: left, y1: Y(v), y2: Y(v), stroke: "#98a2b3" }));
    axis.append(svg("text", { x: left - 7, y: Y(v) + 4, "text-anchor": "end" }, fmt(v, 1)));
  }
  const thresholdsX = new Set(), thresholdsY = new Set();
  for (const { box } of regions) {
    for (const v of [box.x0, box.x1]) if (v > 0 && isFinite(v)) thresholdsX.add(v);
    for (const v of [box.y0, box.y1]) if (v > 0 && isFinite(v)) thresholdsY.add(v);
  }
  for (const v of thresholdsX) {
    axis.append(svg("text", { x: X(v), y: plotBottom + 29, "text-anchor": "middle", fill: "#b42318", "font-weight": 600 }, fmt(v)));
  }
  for (const v of thresholdsY) {
    axis.append(svg("text", { x: left + 3, y: Y(v) - 3, fill: "#b42318", "font-weight": 600 }, fmt(v)));
  }
  const xTitle = "total processing performance (TPP), log scale";
  axis.append(svg("text", { x: (left + W - right) / 2, y: plotBottom + 46, "text-anchor": "middle", "font-size": 12 }, xTitle));
  placed.push([left, plotBottom, W - right, plotBottom + 50]);
  axis.append(svg("text", { x: 14, y: (top + plotBottom) / 2, "text-anchor": "middle", "font-size": 12, transform: "rotate(-90 14 " + (top + plotBottom) / 2 + ")" }, "performance density (TPP / mm²), log scale"));
  root.append(axis);

  // The lane for chips whose density is unknown (no die area published).
  root.append(svg("line", { x1: left, x2: W - right, y1: laneY, y2: laneY, stroke: "#d0d5dd", "stroke-dasharray": "3 3" }));
  root.append(svg("text", { x: left, y: plotBottom + 68, "font-size": 11, fill: "#667085" }, "performance density unknown (no die area published):"));
  placed.push([left, plotBottom + 56, left + 300, plotBottom + 72]);

  // Points: chips at the same spot are one point with a joint label.
  const groups = new Map();
  const unplotted = [];
  for (const chip of chips) {
    if (!chip.tpp) {
      unplotted.push(chip);
      continue;
    }
    const lane = !chip.performance_density;
    const key = chip.tpp.toFixed(1) + "/" + (lane ? "lane" : chip.performance_density.toFixed(3));
    if (!groups.has(key)) groups.set(key, { lane, tpp: chip.tpp, pd: chip.performance_density, chips: [] });
    groups.get(key).chips.push(chip);
  }
  const pointsLayer = svg("g", {});
  const labelLayer = svg("g", { "font-size": 10.5, fill: "#1d2430" });
  const sorted = [...groups.values()].sort((a, b) => a.tpp - b.tpp);
  for (const group of sorted) {
    const cx = X(clampX(group.tpp));
    const cy = group.lane ? laneY : Y(clampY(group.pd));
    for (const box of [[cx - 5, cy - 5, cx + 5, cy + 5]]) placed.push(box);
  }
  for (const group of sorted) {
    const cx = X(clampX(group.tpp));
    const cy = group.lane ? laneY : Y(clampY(group.pd));
    const names = [...new Set(group.chips.map((c) => c.model || c.name))];
    const text = names.join(", ");
    const colour = chipColour(group.chips[0]);
    const hollow = group.chips.every((c) => c.datacenter === false);
    const title = group.chips.map((c) => c.name + ": TPP " + fmt(c.tpp) + ", PD " + fmt(c.performance_density) + ", " + (c.eccn.join(", ") || words(c.outcome))).join("\n");
    const point = svg("g", {
      class: "point", "data-chips": group.chips.map((c) => c.id).join(" "),
      onmouseenter: () => showChipDetails(group.chips),
      onclick: () => classifyFromChart(group.chips[0].id),
    },
      svg("title", {}, title),
      svg("circle", { cx, cy, r: 5, fill: hollow ? "#fff" : colour, stroke: colour, "stroke-width": 2 })
    );
    pointsLayer.append(point);
    const label = placeLabel(text, cx, cy, placed, group.lane, W - right, left);
    labelLayer.append(svg("text", { x: label.x, y: label.y, "text-anchor": label.anchor }, text));
    if (label.leader) {
      labelLayer.append(svg("line", { x1: cx, y1: cy, x2: label.lx, y2: label.ly, stroke: "#98a2b3", "stroke-width": 0.7 }));
    }
  }
  root.append(pointsLayer, labelLayer);

  fill(container, root);

  // Legend and notes: what the chart cannot show, from the same rule data.
  const notes = [legendOf([
    ["3A090.a", ECCN_COLOURS["3A090.a"], false],
    ["3A090.b", ECCN_COLOURS["3A090.b"], false],
    ["not controlled", OUTCOME_COLOURS.not_controlled, false],
    ["indeterminate", OUTCOME_COLOURS.indeterminate, false],
    ["not designed or marketed for datacenters", "#475467", true],
  ])];
  for (const { p, box } of regions) {
    if (box.other.length) {
      notes.push(el("p", {}, el("strong", {}, p.id), " (" + version.id + ") applies when " + p.constraints.map(constraintText).join(" AND ") +
        ": it also tests " + box.other.map((c) => c.fact).join(", ") + ", which this chart does not plot; its TPP bound is drawn dashed."));
    }
  }
  for (const p of version.paragraphs.filter((q) => q.eccn.startsWith("3A090.") && !regionOf(q).planar)) {
    notes.push(el("p", {}, el("strong", {}, p.id), " is not on this plane: " + (p.constraints.map(constraintText).join(" and ") || p.text)));
  }
  for (const x of version.exclusions) {
    notes.push(el("p", {}, el("strong", {}, x.id), ": takes items out of " + x.excludes.join(", ") + " when " +
      [...x.flags.map((f) => f.fact + " = " + f.is), ...x.constraints.map(constraintText)].join(" and ") + " (hollow points)."));
  }
  if (unplotted.length) {
    notes.push(el("p", {}, el("strong", {}, "Not plotted (no TPP): "),
      unplotted.map((c) => c.name + " — " + (c.kind === "system" ? "a system, classified through its components: " : "") + (c.eccn.join(", ") || words(c.outcome))).join("; ")));
  }
  fill($("#chart-notes"), ...notes);
}

function legendOf(entries) {
  const box = el("p", { class: "legend" });
  for (const [text, colour, hollow] of entries) {
    const dot = svg("svg", { width: 12, height: 12, viewBox: "0 0 12 12" },
      svg("circle", { cx: 6, cy: 6, r: 4.5, fill: hollow ? "#fff" : colour, stroke: colour, "stroke-width": 1.5 }));
    box.append(el("span", {}, dot, " " + text));
  }
  return box;
}

// Puts a label next to its point where it overlaps no earlier label or point.
function placeLabel(text, cx, cy, placed, lane, maxX, minX) {
  const width = text.length * 6.1 + 4, height = 12;
  const candidates = lane
    ? [[8, 16], [8, -8], [8, 30], [-8, 16], [-8, -8], [-8, 30], [8, -22], [14, 44], [-14, 44]]
    : [[8, 4], [-8, 4], [8, -8], [8, 16], [-8, -8], [-8, 16], [0, -12], [0, 22], [14, -20], [14, 28], [-14, -20], [-14, 28], [24, -32], [24, 40]];
  for (const [dx, dy] of candidates) {
    const anchor = dx < 0 ? "end" : dx === 0 ? "middle" : "start";
    const x0 = anchor === "end" ? cx + dx - width : anchor === "middle" ? cx - width / 2 : cx + dx;
    const box = [x0, cy + dy - height + 2, x0 + width, cy + dy + 2];
    if (box[0] < minX || box[2] > maxX) continue;
    if (!placed.some((b) => b[0] < box[2] && box[0] < b[2] && b[1] < box[3] && box[1] < b[3])) {
      placed.push(box);
      const far = Math.abs(dy) > 18 || Math.abs(dx) > 10;
      return { x: cx + dx, y: cy + dy, anchor, leader: far, lx: x0 + (anchor === "end" ? width : 0), ly: cy + dy - 4 };
    }
  }
  const box = [cx + 8, cy + 4 - height, cx + 8 + width, cy + 6];
  placed.push(box);
  return { x: cx + 8, y: cy + 4, anchor: "start", leader: false };
}

function showChipDetails(chips) {
  const box = $("#chip-details");
  fill(box,
    ...chips.map((c) =>
      el("div", {},
        el("h4", {}, c.name),
        el("p", { class: "muted" }, c.vendor + " · " + c.id + (c.launch_year ? " · " + c.launch_year : "")),
        el("table", {},
          el("tr", {}, el("th", {}, "TPP"), el("td", { class: "num" }, fmt(c.tpp))),
          el("tr", {}, el("th", {}, "performance density"), el("td", { class: "num" }, fmt(c.performance_density))),
          el("tr", {}, el("th", {}, "interconnect GB/s"), el("td", { class: "num" }, fmt(c.interconnect_gbs))),
          el("tr", {}, el("th", {}, "datacenter"), el("td", {}, c.datacenter === null ? "—" : String(c.datacenter))),
          el("tr", {}, el("th", {}, "classification"), el("td", {}, c.eccn.join(", ") || words(c.outcome))),
          el("tr", {}, el("th", {}, "paragraphs met"), el("td", {}, c.paragraphs.join(", ") || "—")),
          el("tr", {}, el("th", {}, "rule version"), el("td", {}, c.ruleset.id))
        )
      )
    ),
    el("p", { class: "muted" }, "Click the point to classify with the full trace.")
  );
}

async function classifyFromChart(id) {
  $("#classify-item").value = id;
  $("#classify-date").value = $("#explorer-date").value;
  toggleSpec();
  await showView("classify");
  if (hasRole("officer")) await runClassify();
}

// ---- classify --------------------------------------------------------------------------------

function toggleSpec() {
  $("#spec-fields").hidden = $("#classify-item").value !== "";
}

function specFromForm() {
  const number = (id) => {
    const v = $(id).value;
    return v === "" ? null : Number(v);
  };
  const throughput = {};
  for (const p of ["fp8", "fp16", "bf16", "tf32", "int8", "fp32"]) {
    const v = number("#spec-" + p);
    if (v !== null) throughput[p] = v;
  }
  const spec = { name: $("#spec-name").value, vendor: $("#spec-vendor").value, datacenter: $("#spec-datacenter").checked, throughput };
  const area = number("#spec-area");
  if (area !== null) spec.dies = [{ area_mm2: area, count: 1, non_planar: $("#spec-nonplanar").checked }];
  const interconnect = number("#spec-interconnect");
  if (interconnect !== null) spec.interconnect_gbs = interconnect;
  const bandwidth = number("#spec-membw");
  if (bandwidth !== null) spec.memory_bandwidth_gbs = bandwidth;
  return spec;
}

async function runClassify() {
  const body = {};
  const item = $("#classify-item").value;
  if (item) body.item = item;
  else body.spec = specFromForm();
  if ($("#classify-date").value) body.date = $("#classify-date").value;
  const out = $("#classify-result");
  fill(out, el("p", { class: "muted" }, "classifying…"));
  try {
    renderClassification(out, await api("POST", "/v1/classify", body));
  } catch (error) {
    fail(out, error);
  }
}

function outcomeText(c) {
  if (c.outcome === "controlled") return "controlled: " + c.eccn.join(", ");
  if (c.outcome === "not_controlled") return "not controlled under 3A090/4A090";
  const missing = c.missing_inputs.map((m) => m.fact).filter((v, i, a) => a.indexOf(v) === i);
  return "indeterminate" + (missing.length ? ": missing " + missing.join(", ") : "");
}

function traceTable(steps) {
  return el("table", { class: "trace" },
    el("tr", {}, ["rule", "citation", "fact", "input", "", "threshold", "result", "source"].map((h) => el("th", {}, h))),
    steps.map((s) =>
      el("tr", {},
        el("td", {}, s.rule),
        el("td", {}, s.citation),
        el("td", {}, s.label || s.fact),
        el("td", { class: "num" }, Array.isArray(s.input) ? "[" + s.input.join(", ") + "]" : fmt(s.input)),
        el("td", {}, s.op),
        el("td", { class: "num" }, Array.isArray(s.threshold) ? "[" + s.threshold.join(", ") + "]" : fmt(s.threshold)),
        el("td", { class: "tri-" + s.result }, s.result),
        el("td", { class: "muted" }, s.source || "")
      )
    )
  );
}

function renderClassification(out, c) {
  const m = c.metrics;
  fill(out,
    el("p", { class: "headline " + c.outcome, id: "classify-outcome" }, c.chip.name + " on " + c.date + ": " + outcomeText(c)),
    el("p", { class: "muted" }, "rules " + c.ruleset.id + " (" + c.ruleset.citation + ", in force from " + c.ruleset.effective + ") · engine " + c.engine_version),
    el("h4", {}, "Metrics"),
    el("table", {},
      el("tr", {}, el("th", {}, "TPP"), el("td", { class: "num" }, fmt(m.tpp)), el("th", {}, "performance density"), el("td", { class: "num" }, fmt(m.performance_density))),
      el("tr", {}, el("th", {}, "applicable die area mm²"), el("td", { class: "num" }, fmt(m.applicable_die_area_mm2)), el("th", {}, "interconnect GB/s"), el("td", { class: "num" }, fmt(m.interconnect_gbs)))
    ),
    el("ul", { class: "tight" }, m.derivations.map((d) => el("li", {}, el("code", {}, d.metric), " = " + d.derivation))),
    el("h4", {}, "Headroom"),
    c.headroom.length ? el("ul", { class: "tight", id: "classify-headroom" }, c.headroom.map((h) => el("li", {}, h.text))) : el("p", { class: "muted" }, "none"),
    el("h4", {}, "Paragraphs"),
    el("table", {},
      el("tr", {}, ["paragraph", "result", "excluded by", "superseded by", "citation"].map((h) => el("th", {}, h))),
      c.conclusions.map((p) => el("tr", {},
        el("td", {}, p.paragraph), el("td", { class: "tri-" + p.result }, p.result),
        el("td", {}, p.excluded_by.join(", ")), el("td", {}, p.superseded_by || ""), el("td", {}, p.citation)))
    ),
    c.missing_inputs.length ? el("p", {}, "Missing inputs: " + c.missing_inputs.map((x) => x.paragraph + " needs " + x.fact + " (" + x.inputs.join(", ") + ")").join("; ")) : null,
    el("details", {}, el("summary", {}, "Trace (" + c.trace.length + " comparisons)"), traceTable(c.trace))
  );
}

// ---- order check -----------------------------------------------------------------------------

function orderBody() {
  const text = (id) => ($(id).value.trim() === "" ? undefined : $(id).value.trim());
  const body = {
    order_ref: $("#order-ref").value.trim(),
    item: $("#order-item").value,
    quantity: Number($("#order-qty").value),
    destination: $("#order-to").value.trim(),
    end_user: text("#order-end-user"),
    consignee: text("#order-consignee"),
    end_user_hq: text("#order-end-user-hq"),
    parent_hq: text("#order-parent-hq"),
    end_use: text("#order-end-use"),
    license: text("#order-license"),
    exception: text("#order-exception"),
    date: text("#order-date"),
  };
  const value = text("#order-value");
  if (value !== undefined) body.unit_value_usd = Number(value);
  return body;
}

async function runOrder(body) {
  const out = $("#order-result");
  fill(out, el("p", { class: "muted" }, "checking…"));
  try {
    const check = await api("POST", "/v1/orders/check", body);
    state.lastOrder = body;
    renderOrder(out, check, body);
    await loadHolds();
  } catch (error) {
    fail(out, error);
  }
}

function reasonText(reason) {
  const { kind, ...rest } = reason;
  const details = Object.entries(rest).map(([k, v]) => k + ": " + (Array.isArray(v) ? v.join("; ") : typeof v === "object" && v ? JSON.stringify(v) : v));
  return words(kind) + (details.length ? " — " + details.join(" · ") : "");
}

function authorizationText(a) {
  switch (a.kind) {
    case "nlr": return "no license required (NLR)";
    case "license_exception": return "under License Exception " + a.symbol;
    case "nac": return "under NAC (notification " + a.notification + ", number " + a.nac_number + ")";
    case "license": return "against license " + a.number + " (" + fmt(a.quantity_remaining) + " left" + (a.revenue_share_due_cents ? "; revenue share due $" + fmt(a.revenue_share_due_cents / 100, 2) : "") + ")";
    default: return words(a.kind);
  }
}

function renderOrder(out, check, body) {
  const d = check.decision;
  const r = check.result;
  const held = r.disposition.status === "held";
  const headline = held ? "HELD" : "SHIPPED " + authorizationText(r.disposition.authorization);
  const hits = check.screening.flatMap((p) => p.report.hits.map((h) => ({ role: p.role, hit: h })));
  const actions = el("div", { class: "actions", id: "order-actions" });
  if (held && hasRole("officer")) {
    const reason = el("input", { id: "release-reason", placeholder: "reason for the release (recorded)", size: 40 });
    actions.append(
      el("label", {}, "Release reason", reason),
      el("button", { type: "button", id: "release-button", onclick: async () => {
        try {
          const hold = await api("POST", "/v1/orders/" + encodeURIComponent(r.order_ref) + "/release", { reason: reason.value });
          fill(actions,
            el("p", { id: "release-done" }, "Hold released by " + hold.released_by + " at " + hold.released_at + ". Check again to ship if the reasons are resolved."),
            el("button", { type: "button", class: "primary", id: "recheck-button", onclick: () => runOrder(body) }, "Check again")
          );
          await loadHolds();
        } catch (error) {
          actions.append(el("p", { class: "message" }, errorText(error)));
        }
      } }, "Release hold")
    );
  } else if (held) {
    actions.append(el("p", { class: "muted" }, "An officer can release this hold."));
  }
  fill(out,
    el("p", { class: "headline " + (held ? "held" : "shipped"), id: "order-outcome" }, "Order " + r.order_ref + ": " + headline),
    held ? el("ul", { class: "tight", id: "hold-reasons" }, r.disposition.reasons.map((x) => el("li", {}, reasonText(x)))) : null,
    el("p", { class: "muted" }, "audit record #" + r.audit_seq + " · checked " + r.checked_at + (r.replayed ? " · stored result of an earlier check (nothing written)" : "")),
    actions,
    el("h4", {}, "Determination"),
    el("p", { class: "headline " + d.outcome, id: "order-determination" }, words(d.outcome) + " — " + d.item_name + " to " + d.destination.name + " (" + d.destination.code + ") on " + d.date),
    el("p", {}, "classification: " + (d.eccn.join(", ") || "not controlled under 3A090/4A090") + " (" + d.classification.ruleset + ")" + (d.review_policy ? " · review policy: " + words(d.review_policy) : "")),
    d.reasons.length ? el("ul", { class: "tight" }, d.reasons.map((x) => el("li", {}, el("strong", {}, x.id), " — " + x.title + " (" + x.paragraph + ", " + x.citation + ")"))) : null,
    d.exceptions.length ? el("p", {}, "License exceptions available: " + d.exceptions.map((x) => x.symbol + " (" + x.citation + ")").join(", ")) : null,
    d.listed_parties.length ? el("p", {}, "Listed parties: " + d.listed_parties.map((p) => p.role + " `" + p.query + "` = " + p.name + " on " + p.list).join("; ")) : null,
    el("h4", {}, "Screening"),
    hits.length
      ? el("table", { id: "order-hits" }, el("tr", {}, ["party", "score", "list", "entry", "matched"].map((h) => el("th", {}, h))),
          hits.map(({ role, hit }) => el("tr", {}, el("td", {}, role), el("td", { class: "num" }, fmt(hit.score, 2)), el("td", {}, hit.list), el("td", {}, hit.entry.name), el("td", {}, hit.matched_alias))))
      : el("p", { class: "muted" }, check.screening.length ? "no hits" : "no parties given"),
    d.notes.length ? el("details", {}, el("summary", {}, "Notes (" + d.notes.length + ")"), el("ul", { class: "tight" }, d.notes.map((n) => el("li", {}, n)))) : null,
    el("details", {}, el("summary", {}, "Trace (" + d.trace.length + " comparisons)"), traceTable(d.trace))
  );
}

async function loadHolds() {
  const holds = await api("GET", "/v1/holds?open=true");
  const box = $("#holds");
  if (!holds.length) {
    fill(box, el("p", { class: "muted" }, "no open holds"));
    return;
  }
  fill(box,
    el("table", {},
      el("tr", {}, ["order", "held at", "by", "reasons", ""].map((h) => el("th", {}, h))),
      holds.map((h) => el("tr", {},
        el("td", {}, h.order_ref), el("td", {}, h.held_at), el("td", {}, h.held_by),
        el("td", {}, h.reasons.map(reasonText).join("; ")),
        el("td", {}, hasRole("officer") ? el("button", { type: "button", onclick: async () => {
          const reason = window.prompt("Reason for releasing " + h.order_ref + " (recorded):");
          if (!reason) return;
          try {
            await api("POST", "/v1/orders/" + encodeURIComponent(h.order_ref) + "/release", { reason });
            await loadHolds();
          } catch (error) {
            showMessage(errorText(error));
          }
        } }, "Release") : "")
      ))
    )
  );
}

// ---- screening -------------------------------------------------------------------------------

function screenReasonText(r) {
  switch (r.kind) {
    case "token_match": return "“" + r.query + "” ~ “" + r.list + "” (" + r.method + ", " + fmt(r.similarity, 2) + ", weight " + fmt(r.weight, 2) + ")";
    default: return reasonText(r);
  }
}

async function runScreen() {
  const body = { name: $("#screen-name").value };
  if ($("#screen-country").value.trim()) body.country = $("#screen-country").value.trim();
  if ($("#screen-threshold").value !== "") body.threshold = Number($("#screen-threshold").value);
  const out = $("#screen-result");
  fill(out, el("p", { class: "muted" }, "screening…"));
  try {
    const report = await api("POST", "/v1/screen", body);
    fill(out,
      el("p", { class: "headline " + (report.hits.length ? "held" : "shipped"), id: "screen-outcome" },
        report.hits.length ? report.hits.length + " hit(s) for “" + report.query + "”" : "no hits for “" + report.query + "”"),
      el("p", { class: "muted" }, "list snapshot " + report.list_snapshot.id.slice(0, 16) + " (" + report.list_snapshot.source_date + ") · threshold " + fmt(report.threshold, 2)),
      report.hits.map((h) => el("div", { class: "hit" },
        el("h4", {}, fmt(h.score, 2) + " · " + h.entry.name + " — " + h.source),
        el("p", {}, "matched “" + h.matched_alias + "”" + (h.entry.countries.length ? " · " + h.entry.countries.join(", ") : "") + (h.entry.entity_number ? " · " + h.entry.entity_number : "")),
        h.license_requirement ? el("p", {}, "license requirement: " + h.license_requirement) : null,
        h.license_policy ? el("p", {}, "license policy: " + h.license_policy) : null,
        el("ul", { class: "tight" }, h.reasons.map((r) => el("li", {}, screenReasonText(r))))
      ))
    );
  } catch (error) {
    fail(out, error);
  }
}

// ---- licenses and routes ---------------------------------------------------------------------

async function licenseAction(number, action) {
  const reason = window.prompt(action + " license " + number + ": reason (recorded)");
  if (!reason) return;
  try {
    await api("POST", "/v1/licenses/" + encodeURIComponent(number) + "/" + action, { reason });
    await loadLicenses();
  } catch (error) {
    showMessage(errorText(error));
  }
}

async function loadLicenses() {
  const date = $("#licenses-date").value || today();
  const [licenses, routes] = await Promise.all([api("GET", "/v1/licenses?date=" + date), api("GET", "/v1/routes?active=true")]);
  const box = $("#licenses");
  if (!licenses.length) fill(box, el("p", { class: "muted" }, "no licenses recorded"));
  else {
    fill(box,
      el("table", { id: "licenses-table" },
        el("tr", {}, ["number", "status", "holder", "items", "to", "remaining", "value left", "valid", "conditions", ""].map((h) => el("th", {}, h))),
        licenses.map((l) => el("tr", {},
          el("td", {}, l.number), el("td", {}, l.status), el("td", {}, l.holder), el("td", {}, l.items.join(", ")), el("td", {}, l.destinations.join(", ")),
          el("td", { class: "num" }, el("span", { class: "bar" }, el("span", { class: "fill", "data-share": l.quantity_remaining / l.quantity_cap })), fmt(l.quantity_remaining) + " of " + fmt(l.quantity_cap)),
          el("td", { class: "num" }, l.value_cap_cents ? "$" + fmt(l.value_remaining_cents / 100, 2) + " of $" + fmt(l.value_cap_cents / 100, 2) : "—"),
          el("td", {}, l.valid_from + " to " + l.valid_to),
          el("td", {}, l.conditions.map((c) => c.kind === "revenue_share" ? "revenue share " + c.percent + "%" : c.text).join("; ")),
          el("td", {}, hasRole("admin") ? ["suspend", "resume", "revoke"].map((a) => el("button", { type: "button", onclick: () => licenseAction(l.number, a) }, a)) : "")
        ))
      )
    );
    for (const fill of box.querySelectorAll(".bar > .fill")) fill.style.width = Math.round(Math.max(0, Math.min(1, Number(fill.dataset.share))) * 100) + "%";
  }
  fill($("#routes"),
    routes.length
      ? el("table", {}, el("tr", {}, ["item", "destination", "reason", "since", "by"].map((h) => el("th", {}, h))),
          routes.map((r) => el("tr", {}, el("td", {}, r.item), el("td", {}, r.destination), el("td", {}, r.reason), el("td", {}, r.suspended_at || ""), el("td", {}, r.suspended_by || ""))))
      : el("p", { class: "muted" }, "no routes suspended")
  );
}

async function addLicense() {
  const list = (id) => $(id).value.split(",").map((s) => s.trim()).filter(Boolean);
  const optional = (id) => ($(id).value.trim() ? $(id).value.trim() : null);
  const body = {
    number: $("#lic-number").value.trim(), holder: $("#lic-holder").value.trim(),
    items: list("#lic-items"), destinations: list("#lic-destinations"),
    consignee: optional("#lic-consignee"), end_user: optional("#lic-end-user"),
    quantity_cap: Number($("#lic-qty").value), valid_from: $("#lic-from").value, valid_to: $("#lic-to").value,
    conditions: $("#lic-share").value ? [{ kind: "revenue_share", percent: Number($("#lic-share").value) }] : [],
    status: $("#lic-status").value,
  };
  try {
    await api("POST", "/v1/licenses", body);
    showMessage("Recorded license " + body.number + ".", "info");
    await loadLicenses();
  } catch (error) {
    showMessage(errorText(error));
  }
}

async function routeChange(action) {
  const body = { item: $("#route-item").value.trim(), destination: $("#route-to").value.trim(), reason: $("#route-reason").value.trim() };
  try {
    await api("POST", "/v1/routes/" + action, body);
    showMessage("Route " + body.item + " → " + body.destination + " " + (action === "suspend" ? "suspended" : "resumed") + ".", "info");
    await loadLicenses();
  } catch (error) {
    showMessage(errorText(error));
  }
}

// ---- audit -----------------------------------------------------------------------------------

async function loadAudit() {
  const report = await api("GET", "/v1/audit/verify");
  const banner = $("#audit-status");
  banner.className = "banner " + (report.ok ? "ok" : "broken");
  banner.textContent = report.ok
    ? "audit trail OK: " + report.records + " records verified, head #" + report.head_seq + " (" + report.head_hash.slice(0, 16) + "…)"
    : "audit trail BROKEN at record " + (report.problem ? report.problem.seq + ": " + words(report.problem.kind) + ": " + report.problem.detail : "?");
  const from = Math.max(1, report.head_seq - 49);
  const records = report.head_seq ? await api("GET", "/v1/audit?from=" + from + "&limit=50") : [];
  fill($("#audit"),
    records.length
      ? el("table", { id: "audit-table" },
          el("tr", {}, ["seq", "time", "user", "kind", "subject", "hash"].map((h) => el("th", {}, h))),
          records.reverse().map((r) => el("tr", {}, el("td", { class: "num" }, r.seq), el("td", {}, r.ts), el("td", {}, r.user), el("td", {}, r.kind), el("td", {}, r.subject), el("td", { class: "mono" }, r.hash.slice(0, 12)))))
      : el("p", { class: "muted" }, "no audit records yet")
  );
}

// ---- tokens ----------------------------------------------------------------------------------

async function loadTokens() {
  const tokens = await api("GET", "/v1/tokens");
  fill($("#tokens"),
    el("table", {}, el("tr", {}, ["name", "role", "created", "by", "source", ""].map((h) => el("th", {}, h))),
      tokens.map((t) => el("tr", {}, el("td", {}, t.name), el("td", {}, t.role), el("td", {}, t.created), el("td", {}, t.created_by), el("td", {}, t.source),
        el("td", {}, t.source === "file" ? el("button", { type: "button", onclick: async () => {
          if (!window.confirm("Revoke token " + t.name + "?")) return;
          try {
            await api("DELETE", "/v1/tokens/" + encodeURIComponent(t.name));
            await loadTokens();
          } catch (error) {
            showMessage(errorText(error));
          }
        } }, "revoke") : ""))))
  );
}

async function createToken() {
  try {
    const created = await api("POST", "/v1/tokens", { name: $("#token-name").value.trim(), role: $("#token-role").value });
    fill($("#token-created"),
      el("p", {}, "Token " + created.name + " (" + created.role + ") — copy it now; it is not shown again:"),
      el("p", { class: "secret" }, created.token)
    );
    await loadTokens();
  } catch (error) {
    fail("#token-created", error);
  }
}

// ---- start -----------------------------------------------------------------------------------

function on(selector, event, handler) {
  $(selector).addEventListener(event, (e) => {
    if (event === "submit") e.preventDefault();
    handler(e);
  });
}

document.addEventListener("DOMContentLoaded", async () => {
  const now = today();
  for (const id of ["#explorer-date", "#classify-date", "#order-date", "#licenses-date"]) $(id).value = now;
  $("#order-ref").value = "SO-" + new Date().toISOString().replace(/[-:T.Z]/g, "").slice(0, 14);
  for (const button of document.querySelectorAll("#tabs button")) button.addEventListener("click", () => showView(button.dataset.view));
  on("#signin", "submit", () => signIn($("#token").value.trim()));
  on("#signout-button", "click", signOut);
  on("#explorer-date", "change", () => drawExplorer().catch((e) => showMessage(errorText(e))));
  on("#classify-item", "change", toggleSpec);
  on("#classify-form", "submit", runClassify);
  on("#order-form", "submit", () => runOrder(orderBody()));
  on("#screen-form", "submit", runScreen);
  on("#licenses-date", "change", () => loadLicenses().catch((e) => showMessage(errorText(e))));
  on("#license-form", "submit", addLicense);
  on("#route-form", "submit", () => routeChange("suspend"));
  on("#route-resume", "click", () => routeChange("resume"));
  on("#token-form", "submit", createToken);
  applyRoles();
  const saved = sessionStorage.getItem("chipgate-token");
  if (saved) await signIn(saved);
  else showMessage("Paste an API token to sign in (the first start of `chipgate serve` prints an admin token).", "info");
});
