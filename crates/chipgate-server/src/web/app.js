// chipgate web app: vanilla JavaScript over the /v1/ API, no build step.
// Everything shown comes from the API; the chart's regions are drawn from the numeric
// constraints that GET /v1/rules derives from the rule files, never from numbers in here.
//
// Sections, in order: small helpers · API calls and errors · lists (cursor pages, with a
// fallback for servers that answer a bare array) · CSV export · routes (one address per view,
// History API) · sign-in · chip explorer (chart) · chip page · classify · determination ·
// order check · holds queue · review queue · orders · screening · licenses · audit · tokens · start.
"use strict";

const ROLES = ["viewer", "officer", "admin"];
const SVG_NS = "http://www.w3.org/2000/svg";
const state = {
  token: "", caller: null, chips: null, rules: null, lastOrder: null,
  // The list currently shown per view: its query, the items so far and the next cursor.
  holds: null, orders: null, review: null,
  // The determination on screen (for its CSV) and the last CSV built (read by the browser test).
  decision: null, lastCsv: null,
  // Paths whose server rejected the paging parameters: they are paged here instead.
  legacyLists: new Set(),
  // Counts route changes, so that a slow answer for an address already left is dropped.
  routeSeq: 0,
};

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

// An error answer of the API: `application/problem+json` (`title`, `detail`, `code`, `field`)
// or the older `{message, code, field}`.
class ApiError extends Error {
  constructor(status, body) {
    super(body && (body.detail || body.message) ? humanText(body.detail || body.message) : (body && body.title) || "the server answered HTTP " + status);
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
    const field = error.body.field ? " (field: " + fieldLabel(error.body.field) + ")" : "";
    return error.message + field;
  }
  if (error instanceof TypeError) return "The server could not be reached (" + error.message + ").";
  return String(error && error.message ? error.message : error);
}

// The form field a request field or CLI flag corresponds to, as people see it on the page.
const FIELD_LABELS = {
  "end-user-hq": "End user HQ", "parent-hq": "Parent HQ", "end-use": "End use", "end-user": "End user",
  "region": "Region", "eccn": "ECCN outside 3A090/4A090", "us-person": "US person involved",
  "exporter": "Exporter", "as-written": "apply provisions as written", "consignee": "Consignee",
  "destination": "Destination", "to": "Destination", "date": "Date", "quantity": "Quantity",
  "spec": "Specs", "item": "Item", "license": "License", "exception": "Exception",
  "unit-value-usd": "Unit value USD", "order-ref": "Order reference",
};

function fieldLabel(name) {
  const key = String(name).replace(/^--/, "").replaceAll("_", "-");
  return FIELD_LABELS[key] ? "“" + FIELD_LABELS[key] + "”" : "“" + words(name) + "”";
}

// The engine's notes name the CLI's flags (`--end-user-hq`); here they name the form's fields.
function humanText(text) {
  return String(text)
    .replace(/\buse (--[a-z][a-z-]*) to apply it/g, (_, flag) => "tick " + fieldLabel(flag) + " to apply it")
    .replace(/\bgive (--[a-z][a-z-]*)/g, (_, flag) => "fill in " + fieldLabel(flag))
    .replace(/`?(--[a-z][a-z-]*)( [^`\s]+)?`/g, (_, flag, value) => fieldLabel(flag) + (value ? " =" + value : ""))
    .replace(/--([a-z][a-z-]*)/g, (_, flag) => fieldLabel(flag));
}

function fail(target, error) {
  const box = typeof target === "string" ? $(target) : target;
  fill(box, el("p", { class: "message" }, errorText(error)));
}

// ---- lists: cursor pages ---------------------------------------------------------------------
// List endpoints answer `{items, next, counts?}` and take `limit` and `cursor`. A server from
// before that contract answers a bare array and rejects the new parameters; then the whole
// array is fetched once (with the old parameters) and paged, filtered and counted here, so the
// views behave the same against either.

const PAGE_SIZE = 50;

function queryString(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params || {})) {
    if (value !== undefined && value !== null && value !== "") search.set(key, value);
  }
  const text = search.toString();
  return text ? "?" + text : "";
}

// `{items, next, counts}` from either answer shape.
function asPage(data) {
  if (Array.isArray(data)) return { items: data, next: null, counts: null, paged: false };
  const body = data || {};
  return { items: body.items || [], next: body.next || null, counts: body.counts || null, paged: true };
}

// Whether an error says the server does not know one of the paging parameters.
function rejectsPaging(error, names) {
  return error instanceof ApiError && error.status === 400 &&
    (error.body.code === "invalid_query" || error.body.code === "unknown_parameter") &&
    (!error.body.field || names.includes(error.body.field));
}

// One page of `path`; `legacy(params)` answers the same page from an old server's bare array.
async function listPage(path, params, names, legacy) {
  if (!state.legacyLists.has(path)) {
    try {
      const page = asPage(await api("GET", path + queryString(params)));
      if (page.paged || !legacy) return page;
      state.legacyLists.add(path); // accepted the parameters, answered a bare array
    } catch (error) {
      if (!legacy || !rejectsPaging(error, names)) throw error;
      state.legacyLists.add(path);
    }
  }
  return legacy(params);
}

// Pages an array here: `cursor` is the offset of the page's first item.
function slicePage(items, params) {
  const offset = Number(params.cursor || 0) || 0;
  const limit = Math.max(1, Math.min(1000, Number(params.limit || PAGE_SIZE) || PAGE_SIZE));
  const end = offset + limit;
  return { items: items.slice(offset, end), next: end < items.length ? String(end) : null, paged: false };
}

// Every item of a list, page after page (for CSV exports).
async function walkAll(fetchPage, params) {
  const all = [];
  let cursor = null;
  for (let guard = 0; guard < 100000; guard++) {
    const page = await fetchPage({ ...params, cursor, limit: 1000 });
    all.push(...page.items);
    if (!page.next || page.next === cursor) break;
    cursor = page.next;
  }
  return all;
}

// ---- holds: priority, counts, pages ---------------------------------------------------------

// The queue's order of urgency: a listed or sanctioned party first, then a determination that
// could not be made, then a suspended route, then the rest.
const HOLD_PRIORITY = ["screening_hit", "indeterminate", "route_suspended"];

function holdRank(hold) {
  let rank = HOLD_PRIORITY.length;
  for (const reason of hold.reasons) {
    const at = HOLD_PRIORITY.indexOf(reason.kind);
    if (at >= 0 && at < rank) rank = at;
  }
  return rank;
}

function newestFirst(a, b) {
  return String(b.held_at).localeCompare(String(a.held_at)) || b.hold_id - a.hold_id;
}

function sortHolds(holds, sort) {
  const copy = holds.slice();
  if (sort === "oldest") return copy.sort((a, b) => -newestFirst(a, b));
  if (sort === "newest") return copy.sort(newestFirst);
  return copy.sort((a, b) => holdRank(a) - holdRank(b) || newestFirst(a, b));
}

function countKinds(holds) {
  const counts = {};
  for (const hold of holds) {
    for (const kind of new Set(hold.reasons.map((r) => r.kind))) counts[kind] = (counts[kind] || 0) + 1;
  }
  return counts;
}

// Kinds in queue order: the priority kinds first, then the others by count.
function orderedKinds(counts) {
  const rest = Object.keys(counts).filter((k) => !HOLD_PRIORITY.includes(k)).sort((a, b) => counts[b] - counts[a] || a.localeCompare(b));
  return [...HOLD_PRIORITY.filter((k) => counts[k]), ...rest];
}

// One page of holds: `{status, kind, sort, limit, cursor}` → `{items, next, counts, total?}`.
function holdsPage(params) {
  return listPage("/v1/holds", params, ["status", "kind", "sort", "limit", "cursor"], async (p) => {
    const all = asPage(await api("GET", "/v1/holds" + queryString({ open: p.status === "open" ? "true" : "false" }))).items;
    const ofStatus = all.filter((h) => p.status === "all" || p.status === "open" || (p.status === "released") === Boolean(h.released_at));
    const chosen = p.kind ? ofStatus.filter((h) => h.reasons.some((r) => r.kind === p.kind)) : ofStatus;
    return { ...slicePage(sortHolds(chosen, p.sort), p), counts: countKinds(ofStatus), total: chosen.length };
  });
}

function ordersPage(params) {
  return listPage("/v1/orders", params, ["limit", "cursor"], async (p) => {
    const all = asPage(await api("GET", "/v1/orders" + queryString({ status: p.status }))).items;
    return { ...slicePage(all, p), total: all.length };
  });
}

function licensesPage(params) {
  return listPage("/v1/licenses", params, ["limit", "cursor"], async (p) => {
    const all = asPage(await api("GET", "/v1/licenses" + queryString({ date: p.date }))).items;
    return slicePage(all, p);
  });
}

// Audit records in sequence order. An old server pages by `from` (first seq), not by cursor.
function auditPage(params) {
  return listPage("/v1/audit", params, ["cursor", "from"], async (p) => {
    const from = Number(p.cursor || 1) || 1;
    const items = asPage(await api("GET", "/v1/audit" + queryString({ from, limit: p.limit }))).items;
    const last = items.length ? items[items.length - 1].seq : null;
    return { items, next: items.length >= Number(p.limit || 100) && last !== null ? String(last + 1) : null, paged: false };
  });
}

// ---- CSV export ------------------------------------------------------------------------------
// Built here from the API's JSON, page after page, and handed to the browser as a download.

// One cell: quoted when it holds a comma, quote or line break; a leading `=`, `+`, `-` or `@`
// gets a `'` so that a spreadsheet does not run it as a formula.
function csvCell(value) {
  let text = value === null || value === undefined ? "" : Array.isArray(value) ? value.join("; ") : String(value);
  if (/^[=+\-@]/.test(text)) text = "'" + text;
  return /[",\r\n]/.test(text) ? '"' + text.replaceAll('"', '""') + '"' : text;
}

function toCsv(header, rows) {
  return [header, ...rows].map((row) => row.map(csvCell).join(",")).join("\r\n") + "\r\n";
}

function downloadCsv(name, text) {
  state.lastCsv = { name, text };
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
  const link = el("a", { href: url, download: name, class: "visually-hidden" }, name);
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

// Runs an export behind a button: the button says what it is doing, errors are shown.
async function exportCsv(button, name, build) {
  const label = button.textContent;
  button.disabled = true;
  button.textContent = "Exporting…";
  try {
    const [header, rows] = await build();
    downloadCsv(name, toCsv(header, rows));
    showMessage("Exported " + rows.length + " rows to " + name + ".", "info");
  } catch (error) {
    showMessage("The export failed: " + errorText(error));
  } finally {
    button.disabled = false;
    button.textContent = label;
  }
}

function reasonKinds(reasons) {
  return reasons.map((r) => r.kind);
}

const HOLD_CSV = ["hold_id", "order_ref", "priority", "reason_kinds", "reasons", "held_at", "held_by", "released_at", "released_by", "release_reason"];

function holdRow(h) {
  return [h.hold_id, h.order_ref, holdRank(h) + 1, reasonKinds(h.reasons), h.reasons.map(reasonText), h.held_at, h.held_by, h.released_at, h.released_by, h.release_reason];
}

const ORDER_CSV = ["order_ref", "status", "item", "eccn", "destination", "quantity", "unit_value_usd", "end_user", "consignee", "date", "license", "disposition", "hold_reasons", "authorization", "checked_at", "checked_by", "audit_seq"];

function orderRow(o) {
  const q = o.request, r = o.result, d = r.disposition;
  return [q.order_ref, o.status, q.item_id, q.eccn, q.destination, q.quantity, q.unit_value_cents === null ? null : q.unit_value_cents / 100,
    q.end_user, q.consignee, q.date, q.license, d.status, d.reasons ? reasonKinds(d.reasons) : [], d.authorization ? authorizationText(d.authorization) : null,
    r.checked_at, o.checked_by, r.audit_seq];
}

const AUDIT_CSV = ["seq", "ts", "user", "kind", "subject", "event_date", "engine_version", "ruleset_id", "list_snapshot_id", "prev_hash", "hash", "payload"];

function auditRow(r) {
  return AUDIT_CSV.map((key) => r[key]);
}

// The determination on screen, one fact per row, then its trace.
function decisionRows(d) {
  const rows = [
    ["item", d.item, d.item_name, ""], ["destination", d.destination.code, d.destination.name, ""], ["date", d.date, "", ""],
    ["outcome", d.outcome, words(d.outcome), ""], ["license_required", String(d.license_required), "", ""],
    ["eccn", d.eccn.join("; "), "", d.classification.ruleset],
  ];
  for (const x of d.reasons) rows.push(["reason", x.id, x.title, x.paragraph + ", " + x.citation]);
  for (const x of d.exceptions) rows.push(["exception", x.symbol, "", x.citation]);
  for (const p of d.listed_parties) rows.push(["listed_party", p.role + ": " + p.query, p.name + " on " + p.list, ""]);
  for (const n of d.notes) rows.push(["note", "", humanText(n), ""]);
  for (const s of d.trace) rows.push(["trace", s.rule, (s.label || s.fact) + " " + JSON.stringify(s.input) + " " + s.op + " " + JSON.stringify(s.threshold) + " → " + s.result, s.citation]);
  return rows;
}

// ---- routes: one address per view ------------------------------------------------------------
// Every view has a path the server answers with this page (see web.rs), so any view can be
// bookmarked, shared and reached with the back button. Inputs that reproduce a view (a
// determination's facts, the holds queue's filter) live in the query string.

const ROUTES = [
  [/^\/(chips\/?)?$/, "explorer"],
  [/^\/chips\/([^/]+)$/, "chip"],
  [/^\/classify$/, "classify"],
  [/^\/determination$/, "determination"],
  [/^\/check$/, "order"],
  [/^\/holds$/, "holds"],
  [/^\/holds\/([^/]+)$/, "hold"],
  [/^\/review$/, "review"],
  [/^\/review\/([^/]+)\/([^/]+)$/, "review-item"],
  [/^\/orders$/, "orders"],
  [/^\/orders\/([^/]+)$/, "order-detail"],
  [/^\/screen$/, "screen"],
  [/^\/licenses$/, "licenses"],
  [/^\/audit$/, "audit"],
  [/^\/tokens$/, "tokens"],
];

// The tab that stays lit on a detail view.
const TAB_OF = { chip: "explorer", hold: "holds", "order-detail": "orders", "review-item": "review" };

const TITLES = {
  explorer: "Chip explorer", chip: "Chip", classify: "Classify", determination: "Determination", order: "Order check",
  holds: "Holds queue", hold: "Hold", review: "Review queue", "review-item": "Review item", orders: "Orders", "order-detail": "Order", screen: "Screening",
  licenses: "Licenses & routes", audit: "Audit log", tokens: "Tokens",
};

function parseRoute(url) {
  for (const [pattern, view] of ROUTES) {
    const match = url.pathname.match(pattern);
    if (match) {
      const decode = (part) => {
        try {
          return decodeURIComponent(part);
        } catch (_) {
          return part;
        }
      };
      const id = view === "explorer" || !match[1] ? null : decode(match[1]);
      const id2 = match[2] ? decode(match[2]) : null;
      return { view, id, id2, query: new URLSearchParams(url.search) };
    }
  }
  return null;
}

async function navigate(path, replace) {
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  await renderRoute();
}

// Shows the view of the current address and loads what it needs.
async function renderRoute() {
  const route = parseRoute(window.location) || { view: "missing", id: null, query: new URLSearchParams() };
  route.seq = ++state.routeSeq;
  const tab = TAB_OF[route.view] || route.view;
  for (const link of document.querySelectorAll("#tabs a")) {
    const active = link.dataset.view === tab;
    link.classList.toggle("active", active);
    if (active) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  for (const section of document.querySelectorAll("main > section.view")) {
    section.hidden = section.id !== "view-" + route.view;
  }
  document.title = (TITLES[route.view] || "Not found") + (route.id ? " " + route.id : "") + " · chipgate";
  if (route.view === "missing") {
    showMessage("There is no page at " + window.location.pathname + ". Pick a view above.");
    return;
  }
  if (!state.caller) return;
  showMessage("");
  const loaders = {
    explorer: showExplorer, chip: showChip, classify: showClassify, determination: showDetermination,
    order: loadHoldsSummary, holds: showHolds, hold: showHold, review: showReview, "review-item": showReviewItem, orders: showOrders, "order-detail": showOrderDetail,
    licenses: loadLicenses, audit: loadAudit, tokens: loadTokens,
  };
  if (loaders[route.view]) {
    try {
      await loaders[route.view](route);
    } catch (error) {
      showMessage(errorText(error));
    }
  }
}

// Same-page links move through the History API instead of reloading the page.
function interceptLinks(event) {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const link = event.target.closest("a[href]");
  if (!link || link.hasAttribute("download") || link.target) return;
  const url = new URL(link.href, window.location.href);
  if (url.origin !== window.location.origin || !parseRoute(url)) return;
  event.preventDefault();
  navigate(url.pathname + url.search);
}

function link(path, text, attrs) {
  return el("a", { href: path, ...(attrs || {}) }, text);
}

// ---- sign-in ------------------------------------------------------------------------------------

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
  await renderRoute();
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


async function loadReference() {
  state.rules = await api("GET", "/v1/rules");
  state.chips = await api("GET", "/v1/chips?date=" + ($("#explorer-date").value || today()));
  const options = state.chips
    .slice()
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((c) => el("option", { value: c.id }, c.name + " (" + c.id + ")"));
  fill($("#classify-item"), ...options.map((o) => o.cloneNode(true)), el("option", { value: "" }, "— enter specs —"));
  fill($("#decide-item"), ...options.map((o) => o.cloneNode(true)));
  fill($("#order-item"), ...options);
  for (const id of ["#classify-item", "#decide-item", "#order-item"]) $(id).value = "nvidia-h20";
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
  fill($("#chip-details"), el("p", { class: "muted" }, "Hover over a chip, or tab to it and move with the arrow keys, for its figures; click it or press Enter to open it."));
}

// The explorer at `/chips?date=…`.
async function showExplorer(route) {
  const date = route.query.get("date");
  if (date) $("#explorer-date").value = date;
  await drawExplorer();
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
  root.append(svg("rect", { x: left, y: top, width: W - left - right, height: plotBottom - top, fill: "#fff", stroke: "#d0d5dd", class: "plot-bg" }));

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
  const axis = svg("g", { "font-size": 11, fill: "#475467", class: "axis" });
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
    axis.append(svg("text", { x: X(v), y: plotBottom + 29, "text-anchor": "middle", fill: "#b42318", "font-weight": 600, class: "threshold" }, fmt(v)));
  }
  for (const v of thresholdsY) {
    axis.append(svg("text", { x: left + 3, y: Y(v) - 3, fill: "#b42318", "font-weight": 600, class: "threshold" }, fmt(v)));
  }
  const xTitle = "total processing performance (TPP), log scale";
  axis.append(svg("text", { x: (left + W - right) / 2, y: plotBottom + 46, "text-anchor": "middle", "font-size": 12 }, xTitle));
  placed.push([left, plotBottom, W - right, plotBottom + 50]);
  axis.append(svg("text", { x: 14, y: (top + plotBottom) / 2, "text-anchor": "middle", "font-size": 12, transform: "rotate(-90 14 " + (top + plotBottom) / 2 + ")" }, "performance density (TPP / mm²), log scale"));
  root.append(axis);

  // The lane for chips whose density is unknown (no die area published).
  root.append(svg("line", { x1: left, x2: W - right, y1: laneY, y2: laneY, stroke: "#d0d5dd", "stroke-dasharray": "3 3" }));
  root.append(svg("text", { x: left, y: plotBottom + 68, "font-size": 11, fill: "#667085", class: "lane-title" }, "performance density unknown (no die area published):"));
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
  const pointsLayer = svg("g", { class: "points", role: "list", "aria-label": "chips; arrow keys move between them, Enter opens one" });
  const labelLayer = svg("g", { "font-size": 10.5, fill: "#1d2430", class: "labels" });
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
    const spoken = group.chips.map((c) => c.name + ", TPP " + fmt(c.tpp) + ", performance density " + fmt(c.performance_density) + ", " + (c.eccn.join(", ") || words(c.outcome))).join("; ");
    const point = svg("g", {
      class: "point", "data-chips": group.chips.map((c) => c.id).join(" "),
      role: "listitem", tabindex: -1, "aria-label": spoken,
      onmouseenter: () => highlightPoint(point, group.chips),
      onmouseleave: () => point.classList.remove("hover"),
      onfocus: () => highlightPoint(point, group.chips),
      onblur: () => point.classList.remove("hover"),
      onkeydown: (event) => chartKey(event, point, group.chips),
      onclick: () => openChip(group.chips[0].id),
    },
      svg("title", {}, title),
      svg("circle", { cx, cy, r: 9, class: "halo" }),
      svg("circle", { cx, cy, r: 5, fill: hollow ? "#fff" : colour, stroke: colour, "stroke-width": 2, class: hollow ? "dot hollow" : "dot" })
    );
    pointsLayer.append(point);
    const label = placeLabel(text, cx, cy, placed, group.lane, W - right, left);
    labelLayer.append(svg("text", { x: label.x, y: label.y, "text-anchor": label.anchor }, text));
    if (label.leader) {
      labelLayer.append(svg("line", { x1: cx, y1: cy, x2: label.lx, y2: label.ly, stroke: "#98a2b3", "stroke-width": 0.7 }));
    }
  }
  root.append(labelLayer, pointsLayer);
  const first = pointsLayer.querySelector(".point");
  if (first) first.setAttribute("tabindex", "0");

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
    const dot = svg("svg", { width: 12, height: 12, viewBox: "0 0 12 12", "aria-hidden": "true" },
      svg("circle", { cx: 6, cy: 6, r: 4.5, fill: hollow ? "#fff" : colour, stroke: colour, "stroke-width": 1.5, class: hollow ? "hollow" : null }));
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
    el("p", { class: "muted" }, "Click the point or press Enter to open the chip.")
  );
}

// Marks one point as the current one (hover or keyboard focus) and shows its figures.
function highlightPoint(point, chips) {
  for (const other of document.querySelectorAll("#chart-svg .point.hover")) other.classList.remove("hover");
  point.classList.add("hover");
  showChipDetails(chips);
}

// Arrow keys walk the points in TPP order (roving tabindex: only the current one is in the tab
// order); Home and End jump to the ends; Enter or Space opens the chip.
function chartKey(event, point, chips) {
  const points = [...document.querySelectorAll("#chart-svg .point")];
  const at = points.indexOf(point);
  const moves = { ArrowRight: at + 1, ArrowUp: at + 1, ArrowLeft: at - 1, ArrowDown: at - 1, Home: 0, End: points.length - 1 };
  if (event.key === "Enter" || event.key === " ") {
    event.preventDefault();
    openChip(chips[0].id);
    return;
  }
  if (!(event.key in moves)) return;
  event.preventDefault();
  const next = points[Math.max(0, Math.min(points.length - 1, moves[event.key]))];
  point.setAttribute("tabindex", "-1");
  next.setAttribute("tabindex", "0");
  next.focus();
}

function openChip(id) {
  navigate("/chips/" + encodeURIComponent(id) + "?date=" + encodeURIComponent($("#explorer-date").value || today()));
}

// ---- chip page: `/chips/<id>?date=…` --------------------------------------------------------

function figure(value) {
  if (value === null || value === undefined) return "—";
  return typeof value === "object" && "value" in value ? fmt(value.value) + (value.quality ? " (" + value.quality + ")" : "") : fmt(value);
}

async function showChip(route) {
  const box = $("#chip-page");
  const date = route.query.get("date") || $("#explorer-date").value || today();
  fill(box, el("p", { class: "muted" }, "loading " + route.id + "…"));
  try {
    const base = "/v1/chips/" + encodeURIComponent(route.id);
    const [chip, timeline, listed] = await Promise.all([api("GET", base), api("GET", base + "/timeline"), api("GET", "/v1/chips?date=" + date)]);
    const now = asPage(listed).items.find((c) => c.id === chip.id) || {};
    const query = "?item=" + encodeURIComponent(chip.id) + "&date=" + date;
    fill(box,
      el("h2", { id: "chip-name" }, chip.name),
      el("p", { class: "muted" }, [chip.vendor, chip.id, chip.architecture, chip.launch_year, "data quality: " + chip.quality].filter(Boolean).join(" · ")),
      el("p", { class: "headline " + (now.outcome || ""), id: "chip-outcome" }, "On " + date + ": " + (now.eccn && now.eccn.length ? "controlled: " + now.eccn.join(", ") : words(now.outcome || "unknown"))),
      el("p", {}, link("/classify" + query, "Classify with the full trace"), " · ", link("/determination" + query + "&destination=CN", "License determination"), " · ", link("/chips?date=" + date, "On the chart")),
      el("table", { id: "chip-figures" },
        el("tr", {}, el("th", {}, "TPP"), el("td", { class: "num" }, fmt(now.tpp)), el("th", {}, "performance density"), el("td", { class: "num" }, fmt(now.performance_density))),
        el("tr", {}, el("th", {}, "interconnect GB/s"), el("td", { class: "num" }, figure(chip.interconnect_gbs)), el("th", {}, "memory bandwidth GB/s"), el("td", { class: "num" }, figure(chip.memory_bandwidth_gbs))),
        el("tr", {}, el("th", {}, "dies"), el("td", {}, (chip.dies || []).map((d) => (d.name || "die") + ": " + figure(d.area_mm2) + " mm²").join("; ") || "—"), el("th", {}, "datacenter"), el("td", {}, chip.datacenter === null ? "—" : String(chip.datacenter))),
        Object.entries(chip.throughput || {}).map(([k, v]) => el("tr", {}, el("th", {}, k + (k.startsWith("int") ? " TOPS" : " TFLOPS")), el("td", { class: "num" }, figure(v)), el("td", {}), el("td", {})))
      ),
      el("h4", {}, "Under every rule version"),
      el("table", { id: "chip-timeline" },
        el("tr", {}, ["rule version", "in force", "citation", "classification", "why"].map((h) => el("th", {}, h))),
        timeline.entries.map((e) => el("tr", {}, el("td", {}, e.ruleset), el("td", {}, e.effective), el("td", {}, e.citation),
          el("td", {}, e.eccn.join(", ") || words(e.outcome)), el("td", {}, el("ul", { class: "tight" }, e.why.map((w) => el("li", {}, w))))))
      ),
      chip.notes ? el("p", { class: "muted" }, chip.notes) : null,
      chip.sources && chip.sources.length ? el("details", {}, el("summary", {}, "Sources (" + chip.sources.length + ")"),
        el("ul", { class: "tight" }, chip.sources.map((s) => el("li", {}, el("a", { href: s, rel: "noopener noreferrer", target: "_blank" }, s))))) : null
    );
  } catch (error) {
    fail(box, error);
  }
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
    el("p", {}, el("a", { href: "/determination?item=" + encodeURIComponent(c.chip.id || "") + "&date=" + c.date, hidden: !c.chip.id }, "License determination for this chip…")),
    el("details", {}, el("summary", {}, "Trace (" + c.trace.length + " comparisons)"), traceTable(c.trace))
  );
}

// `/classify?item=…&date=…` classifies that chip (for an officer) as soon as it is shown.
async function showClassify(route) {
  const item = route.query.get("item");
  if (route.query.get("date")) $("#classify-date").value = route.query.get("date");
  if (item === null) return;
  $("#classify-item").value = item;
  toggleSpec();
  if (hasRole("officer") && item) await runClassify();
}

// A catalog chip goes into the address; specs typed in cannot, so they are classified in place.
function submitClassify() {
  const item = $("#classify-item").value;
  if (!item) return runClassify();
  return navigate("/classify" + queryString({ item, date: $("#classify-date").value }));
}

// ---- determination: `/determination?item=…&destination=…&…` ---------------------------------
// The query string holds every input of POST /v1/decide, so the address reproduces the result.

const DECIDE_FIELDS = [
  ["item", "#decide-item"], ["destination", "#decide-to"], ["quantity", "#decide-qty"], ["end_user", "#decide-end-user"],
  ["consignee", "#decide-consignee"], ["end_user_hq", "#decide-end-user-hq"], ["parent_hq", "#decide-parent-hq"],
  ["end_use", "#decide-end-use"], ["exporter", "#decide-exporter"], ["region", "#decide-region"], ["eccn", "#decide-eccn"],
  ["us_person", "#decide-us-person"], ["date", "#decide-date"],
];

function determinationPath(inputs) {
  const params = {};
  for (const [key] of DECIDE_FIELDS) {
    const value = inputs[key];
    if (value !== undefined && value !== null && value !== "") params[key] = value;
  }
  if (inputs.as_written) params.as_written = "true";
  return "/determination" + queryString(params);
}

function decideInputsFromForm() {
  const inputs = {};
  for (const [key, id] of DECIDE_FIELDS) inputs[key] = $(id).value.trim();
  inputs.as_written = $("#decide-as-written").checked;
  return inputs;
}

function decideBody(query) {
  const body = { destination: query.get("destination") || "", as_written: query.get("as_written") === "true" };
  for (const [key] of DECIDE_FIELDS) {
    const value = query.get(key);
    if (key === "destination" || value === null || value === "") continue;
    if (key === "quantity") body.quantity = Number(value);
    else if (key === "us_person") body.us_person = value === "true";
    else body[key] = value;
  }
  return body;
}

async function showDetermination(route) {
  const query = route.query;
  for (const [key, id] of DECIDE_FIELDS) {
    if (query.has(key)) $(id).value = query.get(key);
    else if (key !== "item" && key !== "destination" && key !== "date") $(id).value = "";
  }
  $("#decide-as-written").checked = query.get("as_written") === "true";
  if (!query.get("destination") || !query.get("item") || !hasRole("officer")) return;
  await runDecide(decideBody(query));
}

async function runDecide(body) {
  const out = $("#decide-result");
  state.decision = null;
  $("#decide-csv").hidden = true;
  $("#decide-link").hidden = true;
  fill(out, el("p", { class: "muted" }, "determining…"));
  try {
    const d = await api("POST", "/v1/decide", body);
    state.decision = d;
    renderDecision(out, d);
    $("#decide-csv").hidden = false;
    const here = $("#decide-link");
    here.href = window.location.pathname + window.location.search;
    here.hidden = false;
  } catch (error) {
    fail(out, error);
  }
}

function renderDecision(out, d) {
  fill(out,
    decisionParts(d, "decide-outcome"),
    el("p", { class: "muted" }, "license rules " + d.license_rules_version + (d.list_snapshot ? " · lists " + String(d.list_snapshot).slice(0, 16) : "") + " · engine " + d.engine_version),
    d.possible_listed_parties && d.possible_listed_parties.length ? el("p", { class: "listed" }, "Possible listed parties to review: " + d.possible_listed_parties.map((p) => p.role + " “" + p.query + "” ~ " + p.name + " on " + p.list).join("; ")) : null,
    d.missing_inputs && d.missing_inputs.length ? el("p", { id: "decide-missing" }, "Missing inputs: " + d.missing_inputs.map((m) => humanText(plainText(m))).join("; ")) : null,
    d.red_flags && d.red_flags.length ? el("p", {}, "Red flags: " + d.red_flags.map((f) => humanText(plainText(f))).join("; ")) : null,
    notesAndTrace(d)
  );
}

function plainText(value) {
  if (typeof value === "string") return value;
  return value && (value.text || value.title || value.id) ? String(value.text || value.title || value.id) : JSON.stringify(value);
}

function exportDecision(button) {
  const d = state.decision;
  if (!d) return;
  return exportCsv(button, "determination-" + d.item + "-" + d.destination.code + "-" + d.date + ".csv",
    async () => [["section", "key", "value", "source"], decisionRows(d)]);
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
    exporter: text("#order-exporter"),
    region: text("#order-region"),
    eccn: text("#order-eccn"),
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
    await loadHoldsSummary();
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
          await loadHoldsSummary();
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
    el("p", {}, el("a", { href: "/orders/" + encodeURIComponent(r.order_ref) }, "Order page (link)"), " · ",
      el("a", { href: determinationPath(body) }, "the determination alone (link)")),
    el("h4", {}, "Determination"),
    decisionParts(d, "order-determination"),
    el("h4", {}, "Screening"),
    hits.length
      ? el("table", { id: "order-hits" }, el("tr", {}, ["party", "score", "list", "entry", "matched"].map((h) => el("th", {}, h))),
          hits.map(({ role, hit }) => el("tr", {}, el("td", {}, role), el("td", { class: "num" }, fmt(hit.score, 2)), el("td", {}, hit.list), el("td", {}, hit.entry.name), el("td", {}, hit.matched_alias))))
      : el("p", { class: "muted" }, check.screening.length ? "no hits" : "no parties given"),
    notesAndTrace(d)
  );
}

// The determination's headline, classification, reasons, exceptions and listed parties.
function decisionParts(d, id) {
  return [
    el("p", { class: "headline " + d.outcome, id }, words(d.outcome) + " — " + d.item_name + " to " + d.destination.name + " (" + d.destination.code + ") on " + d.date),
    el("p", {}, "classification: " + (d.eccn.join(", ") || "not controlled under 3A090/4A090") + " (" + d.classification.ruleset + ")" + (d.review_policy ? " · review policy: " + words(d.review_policy) : "")),
    d.reasons.length ? el("ul", { class: "tight" }, d.reasons.map((x) => el("li", {}, el("strong", {}, x.id), " — " + x.title + " (" + x.paragraph + ", " + x.citation + ")"))) : null,
    d.exceptions.length ? el("p", {}, "License exceptions available: " + d.exceptions.map((x) => x.symbol + " (" + x.citation + ")").join(", ")) : null,
    d.listed_parties.length ? el("p", { class: "listed" }, "Listed parties: " + d.listed_parties.map((p) => p.role + " “" + p.query + "” = " + p.name + " on " + p.list).join("; ")) : null,
  ];
}

function notesAndTrace(d) {
  return [
    d.notes.length ? el("details", { open: true }, el("summary", {}, "Notes (" + d.notes.length + ")"), el("ul", { class: "tight notes-list" }, d.notes.map((n) => el("li", {}, humanText(n))))) : null,
    el("details", {}, el("summary", {}, "Trace (" + d.trace.length + " comparisons)"), traceTable(d.trace)),
  ];
}

// A line under the order form: how many holds are open, with a link to the queue.
async function loadHoldsSummary() {
  const page = await holdsPage({ status: "open", sort: "priority", limit: 1 });
  const listed = page.counts ? page.counts.screening_hit || 0 : 0;
  fill($("#holds-summary"),
    link("/holds", "Holds queue"),
    page.items.length
      ? " — " + (page.total !== undefined ? page.total + " open" : "open holds") + (listed ? "; " + listed + " with a listed-party hit" : "") + "; next in line: " + page.items[0].order_ref
      : " — no open holds");
}

// ---- holds queue: `/holds?status=…&kind=…&sort=…` -------------------------------------------
// The officer's work queue: one page at a time from the server's cursor, filtered by reason,
// listed parties first, with the number of holds per reason.

function holdsQuery(query) {
  const status = ["open", "released", "all"].includes(query.get("status")) ? query.get("status") : "open";
  const sort = ["priority", "newest", "oldest"].includes(query.get("sort")) ? query.get("sort") : "priority";
  const limit = Math.max(1, Math.min(1000, Number(query.get("limit")) || PAGE_SIZE));
  return { status, kind: query.get("kind") || "", sort, limit };
}

function holdsPath(params) {
  return "/holds" + queryString({ ...params, status: params.status === "open" ? "" : params.status, sort: params.sort === "priority" ? "" : params.sort, limit: params.limit === PAGE_SIZE ? "" : params.limit });
}

async function showHolds(route) {
  const params = holdsQuery(route.query);
  $("#holds-status").value = params.status;
  $("#holds-sort").value = params.sort;
  fill($("#holds-table"), el("p", { class: "muted" }, "loading holds…"));
  const page = await holdsPage(params);
  if (route.seq !== state.routeSeq) return;
  state.holds = { params, items: page.items, next: page.next, counts: page.counts || {}, total: page.total };
  renderHoldKinds();
  renderHoldsTable();
}

async function moreHolds() {
  const list = state.holds;
  if (!list || !list.next) return;
  const button = $("#holds-more");
  button.disabled = true;
  try {
    const page = await holdsPage({ ...list.params, cursor: list.next });
    list.items.push(...page.items);
    list.next = page.next;
    renderHoldsTable();
  } catch (error) {
    showMessage(errorText(error));
  } finally {
    button.disabled = false;
  }
}

// The reason filter: one link per reason kind with its count, in queue order.
function renderHoldKinds() {
  const { params, counts } = state.holds;
  const kinds = orderedKinds(counts);
  if (params.kind && !kinds.includes(params.kind)) kinds.push(params.kind);
  const chip = (kind, text) => link(holdsPath({ ...params, kind }), text, {
    class: "kind" + (kind === "screening_hit" ? " listed" : ""), "data-kind": kind || "all",
    "aria-current": params.kind === kind ? "true" : null,
  });
  fill($("#holds-kinds"),
    chip("", "all reasons"),
    kinds.map((kind) => chip(kind, words(kind) + " (" + (counts[kind] || 0) + ")"))
  );
}

function renderHoldsTable() {
  const { params, items, next, total } = state.holds;
  $("#holds-more").hidden = !next;
  $("#holds-total").textContent = "showing " + items.length + (total !== undefined ? " of " + total : next ? ", more to load" : "") + " " + params.status + " hold" + (items.length === 1 ? "" : "s") + (params.kind ? " with reason " + words(params.kind) : "");
  if (!items.length) {
    fill($("#holds-table"), el("p", { class: "muted" }, "no " + (params.status === "all" ? "" : params.status + " ") + "holds" + (params.kind ? " with reason " + words(params.kind) : "")));
    return;
  }
  fill($("#holds-table"),
    el("table", { id: "holds-list" },
      el("tr", {}, ["hold", "order", "reasons", "held at", "by", "status", ""].map((h) => el("th", {}, h))),
      items.map((h) => el("tr", { "data-hold-id": h.hold_id, "data-kinds": reasonKinds(h.reasons).join(" "), class: holdRank(h) === 0 ? "listed" : null },
        el("td", {}, link("/holds/" + h.hold_id, "#" + h.hold_id)),
        el("td", {}, link("/orders/" + encodeURIComponent(h.order_ref), h.order_ref)),
        el("td", {}, el("ul", { class: "tight" }, h.reasons.map((r) => el("li", { class: r.kind === "screening_hit" ? "listed" : null }, shortReason(r))))),
        el("td", {}, h.held_at), el("td", {}, h.held_by),
        el("td", {}, h.released_at ? "released " + h.released_at + " by " + h.released_by : "open"),
        el("td", {}, !h.released_at && hasRole("officer") ? el("button", { type: "button", onclick: () => releaseFromQueue(h) }, "Release") : "")
      ))
    )
  );
}

// A reason in one line: its kind, and for a screening hit the best match.
function shortReason(r) {
  if (r.kind === "screening_hit" && r.hits && r.hits.length) return "listed party: " + r.hits[0] + (r.hits.length > 1 ? " (+" + (r.hits.length - 1) + " more)" : "");
  return reasonText(r);
}

async function releaseFromQueue(h) {
  const reason = window.prompt("Reason for releasing " + h.order_ref + " (recorded):");
  if (!reason) return;
  try {
    await api("POST", "/v1/orders/" + encodeURIComponent(h.order_ref) + "/release", { reason });
    await renderRoute();
    showMessage("Released the hold on " + h.order_ref + ".", "info");
  } catch (error) {
    showMessage(errorText(error));
  }
}

function exportHolds(button) {
  const params = state.holds ? state.holds.params : { status: "open", kind: "", sort: "priority" };
  return exportCsv(button, "holds-" + params.status + (params.kind ? "-" + params.kind : "") + ".csv",
    async () => [HOLD_CSV, (await walkAll(holdsPage, { status: params.status, kind: params.kind, sort: params.sort })).map(holdRow)]);
}

// `/holds/<id>`: the API has no single-hold route, so the pages are walked until it turns up.
async function showHold(route) {
  const box = $("#hold-page");
  fill(box, el("p", { class: "muted" }, "looking up hold #" + route.id + "…"));
  try {
    let hold = null, cursor = null;
    for (let guard = 0; guard < 100000 && !hold; guard++) {
      const page = await holdsPage({ status: "all", sort: "newest", limit: 1000, cursor });
      hold = page.items.find((h) => String(h.hold_id) === route.id) || null;
      if (!page.next) break;
      cursor = page.next;
    }
    if (!hold) {
      fill(box, el("p", { class: "message" }, "There is no hold #" + route.id + "."));
      return;
    }
    fill(box,
      el("h2", { id: "hold-title" }, "Hold #" + hold.hold_id + " on order ", link("/orders/" + encodeURIComponent(hold.order_ref), hold.order_ref)),
      el("p", { class: "headline " + (hold.released_at ? "shipped" : "held"), id: "hold-status" }, hold.released_at ? "released " + hold.released_at + " by " + hold.released_by : "open"),
      el("p", { class: "muted" }, "held " + hold.held_at + " by " + hold.held_by + " (audit record #" + hold.hold_id + ")"),
      hold.release_reason ? el("p", {}, "Release reason: " + hold.release_reason + (hold.release_seq ? " (audit record #" + hold.release_seq + ")" : "")) : null,
      el("h4", {}, "Reasons"),
      el("ul", { id: "hold-page-reasons" }, hold.reasons.map((r) => el("li", { class: r.kind === "screening_hit" ? "listed" : null }, reasonText(r)))),
      !hold.released_at && hasRole("officer") ? el("button", { type: "button", id: "hold-release", onclick: () => releaseFromQueue(hold) }, "Release hold") : null
    );
  } catch (error) {
    fail(box, error);
  }
}

// ---- review queue: `/review?state=…&list=…&min_score=…&age=…` and `/review/<party>/<entry>` --
// Parties' hits on list entries, one page at a time; each item has its own address (the deep
// link), where an officer clears it with a reason (and an expiry) or escalates it.

const REVIEW_STATES = ["pending", "open", "escalated", "cleared", "all"];
const REVIEW_CSV = ["party_id", "party_name", "entry_key", "source", "entry_name", "matched", "score", "state", "found_at", "snapshot_id", "entry_hash", "cleared_by", "clear_reason", "cleared_at", "expires"];

function reviewRow(i) {
  const c = i.clearance || {};
  return [i.party_id, i.party_name, i.entry_key, i.source, i.entry_name, i.matched, i.score, i.state, i.found_at, i.snapshot_id, i.entry_hash, c.reviewer, c.reason, c.cleared_at, c.expires];
}

function reviewQuery(query) {
  const state = REVIEW_STATES.includes(query.get("state")) ? query.get("state") : "pending";
  const limit = Math.max(1, Math.min(1000, Number(query.get("limit")) || PAGE_SIZE));
  return { state, list: (query.get("list") || "").toUpperCase(), min_score: query.get("min_score") || "", age: query.get("age") || "", limit };
}

function reviewPath(params) {
  return "/review" + queryString({ ...params, state: params.state === "pending" ? "" : params.state, limit: params.limit === PAGE_SIZE ? "" : params.limit });
}

function reviewLink(i) {
  return "/review/" + encodeURIComponent(i.party_id) + "/" + encodeURIComponent(i.entry_key);
}

async function reviewPage(params) {
  return asPage(await api("GET", "/v1/review" + queryString(params)));
}

async function showReview(route) {
  const params = reviewQuery(route.query);
  $("#review-state").value = params.state;
  $("#review-list").value = params.list;
  $("#review-score").value = params.min_score;
  $("#review-age").value = params.age;
  fill($("#review-table"), el("p", { class: "muted" }, "loading the review queue…"));
  const page = await reviewPage(params);
  if (route.seq !== state.routeSeq) return;
  state.review = { params, items: page.items, next: page.next };
  renderReviewTable();
}

async function moreReview() {
  const list = state.review;
  if (!list || !list.next) return;
  const button = $("#review-more");
  button.disabled = true;
  try {
    const page = await reviewPage({ ...list.params, cursor: list.next });
    list.items.push(...page.items);
    list.next = page.next;
    renderReviewTable();
  } catch (error) {
    showMessage(errorText(error));
  } finally {
    button.disabled = false;
  }
}

function renderReviewTable() {
  const { params, items, next } = state.review;
  $("#review-more").hidden = !next;
  $("#review-total").textContent = "showing " + items.length + (next ? ", more to load" : "") + " item" + (items.length === 1 ? "" : "s");
  if (!items.length) {
    fill($("#review-table"), el("p", { class: "muted" }, params.state === "pending" ? "nothing to review" : "no items"));
    return;
  }
  fill($("#review-table"),
    el("table", { id: "review-list-table" },
      el("tr", {}, ["party", "entry", "list", "score", "matched", "found", "state", ""].map((h) => el("th", {}, h))),
      items.map((i) => el("tr", { "data-entry-key": i.entry_key, "data-party": i.party_id, "data-state": i.state, class: i.state === "cleared" ? null : "listed" },
        el("td", {}, i.party_name + " (#" + i.party_id + ")"),
        el("td", {}, i.entry_name),
        el("td", {}, i.source),
        el("td", { class: "num" }, i.score),
        el("td", {}, i.matched),
        el("td", {}, i.found_at),
        el("td", {}, i.state + (i.clearance ? " by " + i.clearance.reviewer + (i.clearance.expires ? " until " + i.clearance.expires : "") : "")),
        el("td", {}, link(reviewLink(i), "open", { class: "review-open" }))
      ))
    )
  );
}

function exportReview(button) {
  const params = state.review ? state.review.params : { state: "pending" };
  const { limit, ...filters } = params;
  return exportCsv(button, "review-" + params.state + ".csv",
    async () => [REVIEW_CSV, (await walkAll(reviewPage, filters)).map(reviewRow)]);
}

function reviewFiltersFromForm() {
  return {
    state: $("#review-state").value, list: $("#review-list").value.trim().toUpperCase(),
    min_score: $("#review-score").value.trim(), age: $("#review-age").value.trim(), limit: PAGE_SIZE,
  };
}

// `/review/<party>/<entry key>`: the hit, the party, the entry, the history; clear or escalate.
async function showReviewItem(route) {
  const box = $("#review-item-page");
  fill(box, el("p", { class: "muted" }, "loading the review item…"));
  const path = "/v1/review/" + encodeURIComponent(route.id) + "/" + encodeURIComponent(route.id2);
  let d;
  try {
    d = await api("GET", path);
  } catch (error) {
    fail(box, error);
    return;
  }
  if (route.seq !== state.routeSeq) return;
  const i = d.item, p = d.party, e = d.entry;
  const changed = d.entry_hash_now && d.entry_hash_now !== i.entry_hash;
  const act = async (action, body) => {
    try {
      const item = await api("POST", path + "/" + action, body);
      await renderRoute();
      showMessage((action === "clear" ? "Cleared" : "Escalated") + " the hit of " + item.party_name + " on " + item.entry_key + ".", "info");
    } catch (error) {
      showMessage(errorText(error));
    }
  };
  fill(box,
    el("h2", { id: "review-item-title" }, p.name + " ~ " + i.entry_name),
    el("p", { class: "headline " + (i.state === "cleared" ? "shipped" : "held"), id: "review-item-state" }, i.state + (i.clearance ? " by " + i.clearance.reviewer + " on " + i.clearance.cleared_at + (i.clearance.expires ? ", until " + i.clearance.expires : "") + ": " + i.clearance.reason : "")),
    el("dl", { class: "facts" },
      el("dt", {}, "Party"), el("dd", {}, p.name + " (#" + p.id + (p.external_id ? ", " + p.external_id : "") + ")" + (p.country ? ", " + p.country : "") + " — status " + p.status),
      el("dt", {}, "Entry"), el("dd", {}, i.entry_name + " on " + i.source + " (key " + i.entry_key + ")"),
      el("dt", {}, "Matched"), el("dd", {}, i.matched + " (score " + i.score + ")"),
      el("dt", {}, "Found"), el("dd", {}, i.found_at + " in list snapshot " + i.snapshot_id.slice(0, 16) + "…"),
      el("dt", {}, "Entry content"), el("dd", { class: "mono" }, i.entry_hash.slice(0, 16) + "…" + (changed ? " — the entry has changed since (now " + d.entry_hash_now.slice(0, 16) + "…)" : e ? "" : " — the entry is not in the lists in use"))
    ),
    e ? el("details", { id: "review-entry" }, el("summary", {}, "The list entry"),
      el("ul", { class: "tight" },
        [["aliases", (e.alt_names || []).join("; ")], ["countries", (e.countries || []).join(", ")], ["type", e.entity_type], ["number", e.entity_number],
         ["license requirement", e.license_requirement], ["license policy", e.license_policy], ["Federal Register", e.federal_register], ["listed", e.start_date]]
          .filter(([, v]) => v).map(([k, v]) => el("li", {}, k + ": " + v)))) : null,
    el("h4", {}, "History"),
    d.history.length
      ? el("ul", { id: "review-history" }, d.history.map((h) => el("li", {}, h.at + " " + h.user + " " + h.kind.replace("review.", "") + (h.expires ? " until " + h.expires : "") + ": " + h.reason + " (audit record #" + h.seq + ")")))
      : el("p", { class: "muted", id: "review-history" }, "no clearance or escalation yet"),
    hasRole("officer")
      ? el("form", { id: "review-clear-form", class: "grid", onsubmit: (ev) => {
          ev.preventDefault();
          const expires = $("#review-expires").value;
          act("clear", { reason: $("#review-reason").value.trim(), ...(expires ? { expires } : {}) });
        } },
          el("label", {}, "Reason (recorded)", el("input", { id: "review-reason", required: true, placeholder: "why this is not the listed party" })),
          el("label", {}, "Holds until (optional)", el("input", { id: "review-expires", type: "date" })),
          el("button", { type: "submit", id: "review-clear" }, "Clear hit"),
          el("button", { type: "button", id: "review-escalate", onclick: () => act("escalate", { reason: $("#review-reason").value.trim() }) }, "Escalate"))
      : null
  );
}

// ---- orders: `/orders?status=…` and `/orders/<ref>` -----------------------------------------

async function showOrders(route) {
  const status = ["held", "shipped", "released"].includes(route.query.get("status")) ? route.query.get("status") : "";
  const limit = Math.max(1, Math.min(1000, Number(route.query.get("limit")) || PAGE_SIZE));
  $("#orders-status").value = status;
  fill($("#orders-table"), el("p", { class: "muted" }, "loading orders…"));
  const params = { status, limit };
  const page = await ordersPage(params);
  if (route.seq !== state.routeSeq) return;
  state.orders = { params, items: page.items, next: page.next, total: page.total };
  renderOrdersTable();
}

async function moreOrders() {
  const list = state.orders;
  if (!list || !list.next) return;
  try {
    const page = await ordersPage({ ...list.params, cursor: list.next });
    list.items.push(...page.items);
    list.next = page.next;
    renderOrdersTable();
  } catch (error) {
    showMessage(errorText(error));
  }
}

function renderOrdersTable() {
  const { items, next, total } = state.orders;
  $("#orders-more").hidden = !next;
  $("#orders-total").textContent = "showing " + items.length + (total !== undefined ? " of " + total : next ? ", more to load" : "") + " orders";
  if (!items.length) {
    fill($("#orders-table"), el("p", { class: "muted" }, "no orders checked yet"));
    return;
  }
  fill($("#orders-table"),
    el("table", { id: "orders-list" },
      el("tr", {}, ["order", "status", "item", "to", "quantity", "end user", "date", "why held / how shipped", "checked"].map((h) => el("th", {}, h))),
      items.map((o) => el("tr", { "data-order": o.request.order_ref },
        el("td", {}, link("/orders/" + encodeURIComponent(o.request.order_ref), o.request.order_ref)),
        el("td", { class: "status-" + o.status }, o.status),
        el("td", {}, o.request.item_id), el("td", {}, o.request.destination), el("td", { class: "num" }, fmt(o.request.quantity)),
        el("td", {}, o.request.end_user || ""), el("td", {}, o.request.date),
        el("td", {}, dispositionText(o.result.disposition)),
        el("td", {}, o.result.checked_at + " by " + o.checked_by)
      ))
    )
  );
}

function dispositionText(d) {
  if (d.reasons) return d.reasons.map((r) => words(r.kind)).join(", ");
  return d.authorization ? authorizationText(d.authorization) : words(d.status);
}

function exportOrders(button) {
  const status = state.orders ? state.orders.params.status : "";
  return exportCsv(button, "orders" + (status ? "-" + status : "") + ".csv",
    async () => [ORDER_CSV, (await walkAll(ordersPage, { status })).map(orderRow)]);
}

async function showOrderDetail(route) {
  const box = $("#order-page");
  fill(box, el("p", { class: "muted" }, "loading order " + route.id + "…"));
  try {
    const o = await api("GET", "/v1/orders/" + encodeURIComponent(route.id));
    const q = o.request, r = o.result, d = r.disposition;
    const inputs = { item: q.item_id, destination: q.destination, quantity: q.quantity, end_user: q.end_user, consignee: q.consignee, date: q.date };
    fill(box,
      el("h2", { id: "order-page-title" }, "Order " + q.order_ref),
      el("p", { class: "headline " + o.status, id: "order-page-status" }, o.status.toUpperCase() + (d.authorization ? " " + authorizationText(d.authorization) : "")),
      d.reasons ? el("ul", { class: "tight", id: "order-page-reasons" }, d.reasons.map((x) => el("li", { class: x.kind === "screening_hit" ? "listed" : null }, reasonText(x)))) : null,
      el("p", {},
        o.status !== "shipped" ? [link("/holds/" + r.audit_seq, "Hold #" + r.audit_seq), " · "] : null,
        link(determinationPath(inputs), "Determination for these inputs"), " · ",
        link("/chips/" + encodeURIComponent(q.item_id), "Chip " + q.item_id)),
      el("table", { id: "order-page-request" },
        [["item", q.item_id + (q.eccn && q.eccn.length ? " (" + q.eccn.join(", ") + ")" : "")], ["destination", q.destination], ["quantity", fmt(q.quantity)],
          ["unit value", q.unit_value_cents === null ? "—" : "$" + fmt(q.unit_value_cents / 100, 2)], ["end user", q.end_user || "—"], ["consignee", q.consignee || "—"],
          ["shipment date", q.date], ["license", q.license || "any usable"], ["checked", r.checked_at + " by " + o.checked_by + " (audit record #" + r.audit_seq + ")"]]
          .map(([k, v]) => el("tr", {}, el("th", {}, k), el("td", {}, v)))
      )
    );
  } catch (error) {
    fail(box, error);
  }
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
  const [licenses, routes] = await Promise.all([walkAll(licensesPage, { date }), api("GET", "/v1/routes?active=true").then((r) => asPage(r).items)]);
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
  const records = report.head_seq ? await latestAudit(report.head_seq, 50) : [];
  fill($("#audit"),
    records.length
      ? el("table", { id: "audit-table" },
          el("tr", {}, ["seq", "time", "user", "kind", "subject", "hash"].map((h) => el("th", {}, h))),
          records.reverse().map((r) => el("tr", {}, el("td", { class: "num" }, r.seq), el("td", {}, r.ts), el("td", {}, r.user), el("td", {}, r.kind), el("td", {}, r.subject), el("td", { class: "mono" }, r.hash.slice(0, 12)))))
      : el("p", { class: "muted" }, "no audit records yet")
  );
}

// The newest `count` records. A server that pages by cursor may not take `from`: then the
// first page is shown.
async function latestAudit(head, count) {
  const from = Math.max(1, head - count + 1);
  try {
    return asPage(await api("GET", "/v1/audit" + queryString({ from, limit: count }))).items;
  } catch (error) {
    if (!rejectsPaging(error, ["from"])) throw error;
    return (await auditPage({ limit: count })).items;
  }
}

function exportAudit(button) {
  return exportCsv(button, "audit-trail.csv", async () => [AUDIT_CSV, (await walkAll(auditPage, {})).map(auditRow)]);
}

// ---- tokens ----------------------------------------------------------------------------------

async function loadTokens() {
  const tokens = asPage(await api("GET", "/v1/tokens")).items;
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
  for (const id of ["#explorer-date", "#classify-date", "#decide-date", "#order-date", "#licenses-date"]) $(id).value = now;
  $("#order-ref").value = "SO-" + new Date().toISOString().replace(/[-:T.Z]/g, "").slice(0, 14);
  document.addEventListener("click", interceptLinks);
  window.addEventListener("popstate", () => renderRoute());
  on("#signin", "submit", () => signIn($("#token").value.trim()));
  on("#signout-button", "click", signOut);
  on("#explorer-date", "change", () => navigate("/chips?date=" + encodeURIComponent($("#explorer-date").value), true));
  on("#classify-item", "change", toggleSpec);
  on("#classify-form", "submit", submitClassify);
  on("#decide-form", "submit", () => navigate(determinationPath(decideInputsFromForm())));
  on("#decide-csv", "click", (e) => exportDecision(e.currentTarget));
  on("#holds-status", "change", () => navigate(holdsPath({ ...holdsQuery(new URLSearchParams(location.search)), status: $("#holds-status").value, kind: "" })));
  on("#holds-sort", "change", () => navigate(holdsPath({ ...holdsQuery(new URLSearchParams(location.search)), sort: $("#holds-sort").value })));
  on("#holds-more", "click", moreHolds);
  on("#holds-csv", "click", (e) => exportHolds(e.currentTarget));
  on("#review-form", "submit", () => navigate(reviewPath(reviewFiltersFromForm())));
  on("#review-state", "change", () => navigate(reviewPath(reviewFiltersFromForm())));
  on("#review-more", "click", moreReview);
  on("#review-csv", "click", (e) => exportReview(e.currentTarget));
  on("#orders-status", "change", () => navigate("/orders" + queryString({ status: $("#orders-status").value })));
  on("#orders-more", "click", moreOrders);
  on("#orders-csv", "click", (e) => exportOrders(e.currentTarget));
  on("#audit-csv", "click", (e) => exportAudit(e.currentTarget));
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
  else {
    await renderRoute();
    showMessage("Paste an API token to sign in (the first start of chipgate serve prints an admin token).", "info");
  }
});
