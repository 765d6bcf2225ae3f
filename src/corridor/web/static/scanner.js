// The phone scanner: read a household's ticket (camera or typed), show the household, and with
// one tap check it in, screen it, board it or set it down. Online each scan goes to the server,
// which decides and stores it. Offline the phone verifies the ticket itself (Ed25519, against the
// key and revocation list it downloaded), keeps the scan and its own verdict in IndexedDB, and
// sends the queue when the network returns; an item leaves the queue only when the server
// acknowledged it. docs/web.md ("Scanner") says what the phone keeps and why.
import * as ed from "/vendor/ed25519.js";

const setup = JSON.parse(document.getElementById("scanner-setup").textContent);
const t = corridor.t;
const $ = (id) => document.getElementById(id);
// An id (H0123, 2017-03-20/1, BUS-001) kept whole inside Arabic text: a Unicode isolate.
const isolate = (value) => `\u2068${value}\u2069`;
const API = `/api/v1/operations/${encodeURIComponent(setup.operation_id)}`;
const KINDS = { "check-in": "checked_in", screen: "screened", board: "boarded",
  disembark: "disembarked" };
const REPEATED = { checked_in: "already_checked_in", boarded: "already_boarded" };
const SCAN_WAIT_MS = 8000;
const SYNC_EVERY_MS = 15000;
const RETRY_FIRST_MS = 1000;
const BATCH = 200;
const SCAN_EVERY_MS = 200;

// -- what the phone keeps: the queue of scans and the ticket key, in IndexedDB ---------------

const opened = new Promise((resolve, reject) => {
  const request = indexedDB.open("corridor-scanner", 1);
  request.onupgradeneeded = () => {
    request.result.createObjectStore("queue", { keyPath: "nonce" });
    request.result.createObjectStore("keys", { keyPath: "operation_id" });
  };
  request.onsuccess = () => resolve(request.result);
  request.onerror = () => reject(request.error);
});

async function stored(name, mode, work) {
  const db = await opened;
  return new Promise((resolve, reject) => {
    const transaction = db.transaction(name, mode);
    const request = work(transaction.objectStore(name));
    transaction.oncomplete = () => resolve(request ? request.result : undefined);
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error);
  });
}

const queued = async () => (await stored("queue", "readonly", (s) => s.getAll()))
  .filter((item) => item.operation_id === setup.operation_id);
const keep = (item) => stored("queue", "readwrite", (s) => s.put(item));
const forget = (nonces) => stored("queue", "readwrite", (s) => {
  nonces.forEach((nonce) => s.delete(nonce));
});

// -- tickets, verified on the phone (docs/api.md, "Tickets") ---------------------------------

const encoder = new TextEncoder();
const concat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) { out.set(part, at); at += part.length; }
  return out;
};
const fromBase64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
const fromBase64url = (text) => fromBase64(text.replace(/-/g, "+").replace(/_/g, "/")
  + "=".repeat((4 - (text.length % 4)) % 4));
const toBase64url = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-")
  .replace(/\//g, "_").replace(/=+$/, "");
const u16 = (bytes, at) => (bytes[at] << 8) | bytes[at + 1];
let keys = null;  // { publicKey, issuedAt, below, singles }

async function readRevocations(bytes, publicKey) {
  const body = bytes.subarray(0, bytes.length - 64);
  const signature = bytes.subarray(bytes.length - 64);
  const message = concat(encoder.encode("corridor-revocations-v1\n"), body);
  if (bytes.length < 87 || !await ed.verifyAsync(signature, message, publicKey,
    { zip215: false })) {
    throw new Error("the revocation list does not verify");
  }
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const decoder = new TextDecoder();
  let at = 15 + view.getUint16(13);
  if (decoder.decode(body.subarray(15, at)) !== setup.operation_id) {
    throw new Error("the revocation list is another operation's");
  }
  const below = new Map();
  const singles = new Set();
  for (const group of [below, singles]) {
    const count = view.getUint32(at); at += 4;
    for (let k = 0; k < count; k += 1) {
      const size = view.getUint16(at);
      const id = decoder.decode(body.subarray(at + 2, at + 2 + size));
      const serial = view.getUint16(at + 2 + size); at += 4 + size;
      if (group === below) { below.set(id, serial); } else { singles.add(`${id}\u0000${serial}`); }
    }
  }
  return { issuedAt: Number(view.getBigUint64(5)), below, singles };
}

async function useKeys(record) {
  const publicKey = fromBase64url(record.public_key);
  keys = { publicKey, ...await readRevocations(fromBase64(record.revocation_list), publicKey) };
  showKeys();
}

async function loadKeys() {
  const record = await stored("keys", "readonly", (s) => s.get(setup.operation_id));
  if (record) { await useKeys(record).catch(() => { keys = null; }); }
}

// Download the key and the list; keep the list only if it verifies and is not older.
async function refreshKeys() {
  const [key, list] = await Promise.all([`${API}/tickets/key`, `${API}/tickets/revocations`]
    .map((url) => fetch(url, { credentials: "same-origin" })
      .then((answer) => (answer.ok ? answer.json() : null))));
  if (!key || !list) { return; }
  const record = { operation_id: setup.operation_id, public_key: key.public_key,
    revocation_list: list.revocation_list };
  const previous = keys;
  await useKeys(record);
  if (previous && previous.issuedAt > keys.issuedAt
      && toBase64url(previous.publicKey) === key.public_key) {
    keys = previous;
    return;
  }
  await stored("keys", "readwrite", (s) => s.put(record));
}

// What a ticket says, or the code of its refusal (a revoked ticket still names its household).
async function verifyTicket(text) {
  const encoded = text.slice(4);
  if (!text.startsWith("CT1.") || !/^[A-Za-z0-9_-]+$/.test(encoded)) {
    return { refusal: "not_a_ticket" };
  }
  const data = fromBase64url(encoded);
  if (toBase64url(data) !== encoded || data.length < 72) { return { refusal: "not_a_ticket" }; }
  if (!keys) { return { refusal: "no_ticket_key" }; }
  const tag = new Uint8Array(await crypto.subtle.digest("SHA-256",
    encoder.encode(`corridor-operation-tag-v1\n${setup.operation_id}`))).subarray(0, 3);
  if (tag.some((b, i) => b !== data[i])) { return { refusal: "other_operation" }; }
  const body = data.subarray(0, data.length - 64);
  const signature = data.subarray(data.length - 64);
  const message = concat(encoder.encode(`corridor-ticket-v1\n${setup.operation_id}\n`), body);
  if (!await ed.verifyAsync(signature, message, keys.publicKey, { zip215: false })) {
    return { refusal: "bad_signature" };
  }
  const serial = u16(data, 5);
  const householdId = new TextDecoder().decode(body.subarray(7));
  const threshold = keys.below.get(householdId);
  const revoked = (threshold !== undefined && serial < threshold)
    || keys.singles.has(`${householdId}\u0000${serial}`);
  return revoked ? { refusal: "revoked", householdId, serial } : { householdId, serial };
}

// -- the operation's wall-clock time (events carry local time, no zone) -----------------------

function deviceTime(moment = new Date()) {
  try {
    const parts = Object.fromEntries(new Intl.DateTimeFormat("en-GB", {
      timeZone: setup.timezone, year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
    }).formatToParts(moment).map((part) => [part.type, part.value]));
    return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
  } catch (error) {
    return moment.toISOString().slice(0, 19);
  }
}

// -- the network ---------------------------------------------------------------------------

let reachable = true;
const online = () => navigator.onLine && reachable;

async function ask(url, options = {}) {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), SCAN_WAIT_MS);
  try {
    const answer = await fetch(url, { credentials: "same-origin", signal: abort.signal,
      ...options });
    reachable = true;
    return answer;
  } catch (error) {
    reachable = false;
    throw error;
  } finally {
    clearTimeout(timer);
    showConnection();
  }
}

const send = (url, body) => ask(url, { method: "POST", body: JSON.stringify(body),
  headers: { "Content-Type": "application/json", "X-Corridor-Page": "1" } });

// -- what the page shows ------------------------------------------------------------------

const saved = JSON.parse(localStorage.getItem(`corridor.scanner.${setup.operation_id}`) || "{}");
const device = localStorage.getItem("corridor.device")
  || `web-${crypto.randomUUID().slice(0, 8)}`;
localStorage.setItem("corridor.device", device);

// The words of a code the server sent; its own sentence if the catalogue lacks the code.
function sentence(code, fallback) {
  try { return t("refusal." + code); } catch (error) { return fallback || code; }
}

async function showConnection() {
  const items = await queued();
  const waiting = items.filter((item) => !item.problem);
  const box = $("connection");
  box.dataset.state = online() ? "online" : "offline";
  $("network").textContent = online() ? t("scanner.online") : t("scanner.offline");
  $("waiting").dataset.count = String(waiting.length);
  $("waiting").textContent = t("scanner.waiting_n", { n: waiting.length });
  $("sync").hidden = waiting.length === 0;
  const list = $("queue-list");
  list.replaceChildren(...items.map((item) => {
    const line = document.createElement("li");
    const verdict = item.event.refusal ? sentence(item.event.refusal)
      : t("scanner.accepted_offline");
    line.textContent = `${isolate(item.event.device_time.replace("T", " "))} · `
      + `${isolate(item.event.household_id)} · ${verdict}`;
    if (item.problem) {
      line.className = "problem";
      line.textContent += ` · ${t("scanner.not_accepted", { message: item.problem })}`;
    } else if (item.officer !== setup.officer) {
      line.textContent += ` · ${t("scanner.waits_for", { officer: item.officer })}`;
    }
    return line;
  }));
}

function showKeys() {
  $("keys-note").textContent = keys
    ? t("scanner.keys_kept", { moment: new Date(keys.issuedAt * 1000).toLocaleString(corridor.lang) })
    : t("scanner.no_keys");
}

function fillSetup() {
  const action = $("action");
  const convoy = $("convoy");
  if (saved.action && setup.actions.includes(saved.action)) { action.value = saved.action; }
  convoy.replaceChildren(...setup.convoys.map((c) => new Option(
    `${c.convoy_id} · ${c.destination}`, c.convoy_id)));
  if (saved.convoy && setup.convoys.some((c) => c.convoy_id === saved.convoy)) {
    convoy.value = saved.convoy;
  }
  fillVehicles();
  if (saved.vehicle) { $("vehicle").value = saved.vehicle; }
  showAction();
}

function fillVehicles() {
  const convoy = setup.convoys.find((c) => c.convoy_id === $("convoy").value);
  const options = (convoy ? convoy.vehicles : []).map((v) => new Option(v, v));
  if ($("action").value === "disembark") { options.unshift(new Option("—", "")); }
  $("vehicle").replaceChildren(...options);
}

function showAction() {
  const action = $("action").value;
  $("vehicle-label").hidden = !["board", "disembark"].includes(action);
  document.body.dataset.action = action;
}

function remember() {
  localStorage.setItem(`corridor.scanner.${setup.operation_id}`, JSON.stringify({
    action: $("action").value, convoy: $("convoy").value, vehicle: $("vehicle").value }));
}

const choice = () => ({ action: $("action").value, convoy_id: $("convoy").value || null,
  vehicle_id: $("vehicle").value || null });

// -- one scan: the household's card, then one tap ------------------------------------------

let state = "scanning";  // scanning | card | busy | verdict
let current = null;      // { householdId, ticket, verified }

function setState(next) {
  state = next;
  $("scanner").dataset.state = next;
}

function verdict(outcome, title, reason, detail = "") {
  $("card").hidden = true;
  const box = $("verdict");
  box.dataset.outcome = outcome;
  $("verdict-title").textContent = title;
  $("verdict-reason").textContent = reason;
  $("verdict-detail").textContent = detail;
  box.hidden = false;
  setState("verdict");
  box.scrollIntoView({ block: "nearest" });
  $("next").focus({ preventScroll: true });
}

function refused(code, message = "", recorded = false) {
  const reason = sentence(code, message);
  const detail = [isolate(code), message && message !== reason ? isolate(message) : "",
    recorded ? "" : t("scanner.nothing_recorded")].filter(Boolean).join(" · ");
  verdict("refused", t("scanner.refused"), reason, detail);
  $("verdict").dataset.code = code;
}

function reset() {
  current = null;
  $("card").hidden = true;
  $("verdict").hidden = true;
  delete $("verdict").dataset.code;
  $("hold-reason").value = "";
  setState("scanning");
}

async function handleCode(raw, source) {
  const text = raw.trim();
  if (!text) { return; }
  reset();
  setState("busy");
  let householdId = text;
  let verified = false;
  if (text.startsWith("CT1.")) {
    const ticket = await verifyTicket(text);
    if (ticket.refusal === "revoked") {
      current = { householdId: ticket.householdId, ticket: text, verified: true };
      await act(null, "revoked");
      return;
    }
    if (ticket.refusal) { refused(ticket.refusal); return; }
    householdId = ticket.householdId;
    verified = true;
  } else if (!/^\S{1,64}$/.test(text)) {
    refused("not_a_ticket");
    return;
  }
  current = { householdId, ticket: verified ? text : null, verified, source };
  await showCard();
}

async function showCard() {
  const { householdId, verified } = current;
  $("card-title").textContent = t("scanner.household", { household: isolate(householdId) });
  $("card-source").textContent = verified ? t("scanner.ticket_verified")
    : t("scanner.typed");
  $("card-planned").textContent = "";
  $("card-problem").hidden = true;
  $("card-members").replaceChildren();
  $("card").dataset.household = householdId;
  delete $("card").dataset.stage;
  const { action, vehicle_id: vehicle } = choice();
  $("do").textContent = {
    "check-in": t("scanner.do_check_in"), screen: t("scanner.do_clear"),
    board: t("scanner.do_board", { vehicle: isolate(vehicle || "—") }),
    disembark: t("scanner.do_disembark"),
  }[action];
  $("screening").hidden = action !== "screen";
  $("card").hidden = false;
  $("card").scrollIntoView({ block: "nearest" });
  setState("card");
  if (!online()) {
    $("card-planned").textContent = t("scanner.offline_card");
    return;
  }
  let answer;
  try {
    answer = await ask(`${API}/households/${encodeURIComponent(householdId)}/card`);
  } catch (error) {
    $("card-planned").textContent = t("scanner.offline_card");
    return;
  }
  if (state !== "card" || current === null || current.householdId !== householdId) { return; }
  const body = await answer.json().catch(() => ({}));
  if (answer.status === 404) { refused("not_registered", body.message); return; }
  if (!answer.ok) {
    $("card-problem").textContent = body.message || answer.statusText;
    $("card-problem").hidden = false;
    return;
  }
  drawCard(body);
}

function drawCard(card) {
  const { convoy_id: convoy, vehicle_id: vehicle, action } = choice();
  $("card").dataset.stage = card.stage;
  const places = card.planned.map((p) => t("scanner.planned_on",
    { convoy: isolate(p.convoy_id), vehicle: isolate(p.vehicle_id), n: p.person_ids.length }));
  $("card-planned").textContent = places.length ? places.join(" · ") : t("scanner.no_manifest");
  const elsewhere = card.planned.length > 0 && !card.planned.some((p) => p.convoy_id === convoy
    && (action !== "board" || p.vehicle_id === vehicle));
  $("card-planned").className = elsewhere ? "warn" : "";
  const status = new Map(card.status.map((s) => [s.person_id, s]));
  $("card-members").replaceChildren(...card.persons.map((person) => {
    const item = document.createElement("li");
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = person.name || person.person_id;
    const facts = document.createElement("span");
    facts.className = "note";
    facts.textContent = [person.name ? isolate(person.person_id) : "",
      person.sex ? t("sex." + person.sex) : "",
      person.age != null ? `${t("field.age")} ${person.age}` : "",
      person.age == null && person.birth_year ? `${t("field.birth_year")} ${person.birth_year}`
        : ""]
      .filter(Boolean).join(" · ");
    const stage = document.createElement("span");
    const s = status.get(person.person_id);
    stage.className = "badge";
    if (s) {
      stage.textContent = s.stays ? t("scanner.stays") : s.held ? t("scanner.held")
        : t("stage." + s.stage);
      stage.dataset.stage = s.stage;
    }
    item.append(who, facts, stage);
    return item;
  }));
}

// Record the scan: online the server decides; offline (or unreachable) the phone keeps it.
async function act(decision, localRefusal = null) {
  if (current === null) { return; }
  const { action, convoy_id: convoyId, vehicle_id: vehicleId } = choice();
  if (action === "board" && !vehicleId) { refused("unknown_convoy"); return; }
  const reason = decision === "held" ? $("hold-reason").value.trim() : "";
  if (decision === "held" && !reason) {
    $("card-problem").textContent = t("scanner.hold_needs_reason");
    $("card-problem").hidden = false;
    $("hold-reason").focus();
    return;
  }
  setState("busy");
  const event = { nonce: crypto.randomUUID(), kind: KINDS[action], device_time: deviceTime(),
    household_id: current.householdId };
  if (action === "screen") {
    event.payload = { decision: decision || "cleared" };
    if (reason) { event.reason = reason; }
  } else {
    event.convoy_id = convoyId;
  }
  if (vehicleId && (action === "board" || action === "disembark")) {
    event.vehicle_id = vehicleId;
  }
  if (online()) {
    const scan = { nonce: event.nonce, device_time: event.device_time };
    if (current.ticket) { scan.ticket = current.ticket; } else {
      scan.household_id = current.householdId;
    }
    if (event.convoy_id) { scan.convoy_id = event.convoy_id; }
    if (event.vehicle_id) { scan.vehicle_id = event.vehicle_id; }
    if (action === "screen") {
      scan.decision = event.payload.decision;
      scan.reason = reason;
    }
    let answer = null;
    try {
      answer = await send(`${API}/scans/${action}`, scan);
    } catch (error) {
      answer = null;  // unreachable: kept on the phone below, same nonce
    }
    if (answer && answer.status < 500 && answer.status !== 401) {
      const body = await answer.json().catch(() => ({}));
      if (answer.ok) { showScan(body); } else { refused(body.code || String(answer.status),
        body.message); }
      return;
    }
  }
  await queueScan(event, localRefusal);
}

function showScan(scan) {
  $("verdict").dataset.event = String(scan.event_id);
  if (scan.outcome === "accepted") {
    const done = { checked_in: t("scanner.done_check_in"), screened: t("scanner.done_screen"),
      boarded: t("scanner.done_board"), disembarked: t("scanner.done_disembark") }[scan.kind];
    verdict("accepted", done, t("scanner.persons_n", { n: scan.person_ids.length }),
      [t("scanner.household", { household: isolate(scan.household_id) }),
        ...[scan.convoy_id, scan.vehicle_id].filter(Boolean).map(isolate)].join(" · "));
  } else {
    refused(scan.refusal, scan.message, true);
  }
}

async function queueScan(event, localRefusal) {
  let refusal = localRefusal;
  if (!refusal && REPEATED[event.kind]) {
    const twice = (await queued()).some((item) => !item.event.refusal
      && item.event.kind === event.kind && item.event.household_id === event.household_id
      && item.event.convoy_id === event.convoy_id);
    if (twice) { refusal = REPEATED[event.kind]; }
  }
  if (refusal) { event.refusal = refusal; }
  await keep({ nonce: event.nonce, operation_id: setup.operation_id, officer: setup.officer,
    queued_at: new Date().toISOString(), event });
  await showConnection();
  const waiting = $("waiting").dataset.count;
  if (refusal) {
    refused(refusal, "", true);
    $("verdict-detail").textContent = t("scanner.kept_offline", { n: waiting });
  } else {
    verdict("queued", t("scanner.accepted_offline"), t("scanner.household",
      { household: isolate(event.household_id) }), t("scanner.kept_offline", { n: waiting }));
  }
}

// -- sending the queue --------------------------------------------------------------------

let syncing = false;
let retry = null;
let retryMs = RETRY_FIRST_MS;

// Send what this officer kept; after a failure try again soon, then less and less often.
async function sync() {
  if (syncing || !navigator.onLine) { return; }
  syncing = true;
  clearTimeout(retry);
  let done = true;
  try {
    const mine = (await queued()).filter((item) => !item.problem
      && item.officer === setup.officer);
    for (let at = 0; at < mine.length && done; at += BATCH) {
      done = await upload(mine.slice(at, at + BATCH));
    }
  } finally {
    syncing = false;
    retryMs = done ? RETRY_FIRST_MS : Math.min(retryMs * 2, SYNC_EVERY_MS);
    if (!done) { retry = setTimeout(sync, retryMs); }
    await showConnection();
  }
}

// One batch; true when the server answered it. Stored whole or not at all: a batch refused
// (422, or 403: a household of another site) is sent again one by one, and only an item
// refused on its own is set aside, kept on the phone with the server's sentence.
async function upload(items) {
  let answer;
  try {
    answer = await send(`${API}/events:upload`, { device, events: items.map((i) => i.event) });
  } catch (error) {
    $("sync-note").textContent = t("scanner.sync_failed");
    return false;
  }
  if (answer.ok) {
    await forget(items.map((item) => item.nonce));
    $("sync-note").textContent = t("scanner.sent_n", { n: items.length });
    return true;
  }
  const body = await answer.json().catch(() => ({}));
  if (answer.status === 401) {
    $("sync-note").textContent = t("scanner.sign_in_to_send");
    return false;
  }
  const refusedWhole = answer.status === 422 || answer.status === 403;
  if (refusedWhole && items.length > 1) {
    for (const item of items) { await upload([item]); }
    return true;
  }
  if (refusedWhole) {
    await keep({ ...items[0], problem: body.message || String(answer.status) });
    return true;
  }
  $("sync-note").textContent = t("scanner.sync_failed");
  return false;
}

// -- the camera -----------------------------------------------------------------------------

let stream = null;
let detector = null;

async function startCamera() {
  const video = $("video");
  $("camera-problem").hidden = true;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio: false,
      video: { facingMode: "environment", width: { ideal: 1280 } } });
  } catch (error) {
    $("camera-problem").textContent = t("scanner.camera_problem", { message: error.message });
    $("camera-problem").hidden = false;
    return;
  }
  if ("BarcodeDetector" in window) {
    const formats = await BarcodeDetector.getSupportedFormats().catch(() => []);
    if (formats.includes("qr_code")) { detector = new BarcodeDetector({ formats: ["qr_code"] }); }
  }
  video.dataset.decoder = detector ? "barcode-detector" : "jsqr";
  video.srcObject = stream;
  video.hidden = false;
  await video.play().catch(() => null);
  $("camera").textContent = t("scanner.camera_stop");
  setTimeout(look, SCAN_EVERY_MS);
}

function stopCamera() {
  if (stream) { stream.getTracks().forEach((track) => track.stop()); }
  stream = null;
  $("video").hidden = true;
  $("camera").textContent = t("scanner.camera_start");
}

async function look() {
  if (!stream) { return; }
  const video = $("video");
  if (state === "scanning" && video.readyState >= 2 && video.videoWidth) {
    const text = await decode(video).catch(() => null);
    if (text && state === "scanning") { await handleCode(text, "camera"); }
  }
  setTimeout(look, SCAN_EVERY_MS);
}

async function decode(video) {
  if (detector) {
    const codes = await detector.detect(video);
    return codes.length ? codes[0].rawValue : null;
  }
  const canvas = $("frame");
  const scale = Math.min(1, 800 / video.videoWidth);
  canvas.width = Math.round(video.videoWidth * scale);
  canvas.height = Math.round(video.videoHeight * scale);
  const context = canvas.getContext("2d", { willReadFrequently: true });
  context.drawImage(video, 0, 0, canvas.width, canvas.height);
  const image = context.getImageData(0, 0, canvas.width, canvas.height);
  const found = jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
  return found ? found.data : null;
}

// -- wiring ---------------------------------------------------------------------------------

$("action").addEventListener("change", () => { fillVehicles(); showAction(); remember(); });
$("convoy").addEventListener("change", () => { fillVehicles(); remember(); });
$("vehicle").addEventListener("change", remember);
$("lookup").addEventListener("submit", (event) => {
  event.preventDefault();
  const code = $("code").value;
  $("code").value = "";
  handleCode(code, "typed");
});
$("do").addEventListener("click", () => act($("action").value === "screen" ? "cleared" : null));
$("do-hold").addEventListener("click", () => act("held"));
$("cancel").addEventListener("click", reset);
$("next").addEventListener("click", reset);
$("sync").addEventListener("click", sync);
$("camera").addEventListener("click", () => (stream ? stopCamera() : startCamera()));
window.addEventListener("online", () => {
  reachable = true;
  showConnection();
  refreshKeys().catch(() => null);
  sync();
});
window.addEventListener("offline", showConnection);
setInterval(async () => {
  if (!navigator.onLine) { return; }
  if (!reachable) { await ask("/api/v1/health").catch(() => null); }
  if (reachable) { await sync(); }
}, SYNC_EVERY_MS);

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.addEventListener("message", (event) => {
    if (event.data && event.data.kept === location.pathname) {
      $("scanner").dataset.offlineReady = "true";
      $("offline-ready").hidden = false;
    }
  });
  navigator.serviceWorker.register("/static/sw.js", { scope: "/" })
    .then(() => navigator.serviceWorker.ready)
    .then((registration) => registration.active.postMessage({ keep: location.pathname }))
    .catch(() => null);
}

fillSetup();
reset();
await loadKeys();
if (navigator.onLine) { await refreshKeys().catch(() => null); }
showKeys();
await showConnection();
$("scanner").dataset.ready = "true";
sync();
