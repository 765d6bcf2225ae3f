// corridor's service worker: keeps the scanner's page and its files on the phone, so that the
// scanner opens and scans with no network. It keeps nothing else: no other page (the registry and
// the manifests show names) and no answer of the API (the household cards show names). Online it
// always asks the server first, so a phone never runs an old scanner while the server answers.
"use strict";
const CACHE = "corridor-scanner-v1";
const FONTS = ["arabic-400", "arabic-700", "latin-400", "latin-700"].map(
  (part) => `/vendor/fonts/noto-sans-arabic-${part}-normal.woff2`);
const SHELL = ["/static/corridor.css", "/static/corridor.js", "/static/scanner.css",
  "/static/scanner.js", "/static/scanner.webmanifest", "/vendor/jsqr.js", "/vendor/ed25519.js",
  ...FONTS];
const SCANNER = /^\/operations\/[^/]+\/scanner$/;
const WAIT_MS = 4000;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL))
    .then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((name) => name.startsWith("corridor-")
      && name !== CACHE).map((name) => caches.delete(name))))
    .then(() => self.clients.claim()));
});

// The page asks to keep itself (it was loaded before this worker controlled it), and hears
// back once it is kept.
self.addEventListener("message", (event) => {
  const path = new URL(String(event.data && event.data.keep), self.location.origin).pathname;
  if (SCANNER.test(path)) {
    event.waitUntil(fresh(new Request(path, { credentials: "same-origin" }), path)
      .then(() => caches.match(path))
      .then((kept) => { if (kept && event.source) { event.source.postMessage({ kept: path }); } })
      .catch(() => null));
  }
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate" && SCANNER.test(url.pathname)) {
    event.respondWith(networkFirst(request, url.pathname));
  } else if (SHELL.includes(url.pathname)) {
    event.respondWith(networkFirst(request, url.pathname));
  }
});

// From the server, kept for later; a redirect (to sign in) or an error is never kept.
async function fresh(request, key) {
  const answer = await fetch(request);
  if (answer.ok && !answer.redirected) {
    const cache = await caches.open(CACHE);
    await cache.put(key, answer.clone());
  }
  return answer;
}

// The server's answer if it comes within WAIT_MS, else what the phone kept.
async function networkFirst(request, key) {
  const network = fresh(request, key);
  network.catch(() => null);  // when the kept copy answered first, a late failure is no news
  const late = new Promise((resolve) => { setTimeout(resolve, WAIT_MS, null); });
  try {
    const first = await Promise.race([network, late]);
    if (first) { return first; }
  } catch (error) {
    // offline: fall through to what is kept
  }
  const kept = await caches.match(key);
  if (kept) { return kept; }
  return network;
}
