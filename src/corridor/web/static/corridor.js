// What every page shares: its words (the catalogue of its language) and signing out.
"use strict";
const corridor = (() => {
  const catalogue = JSON.parse(document.getElementById("catalogue").textContent);
  function t(key, values = {}) {
    const text = catalogue[key];
    if (text === undefined) { throw new Error(`no translation for ${key}`); }
    return text.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
  }
  async function post(url, body) {
    return fetch(url, { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-Corridor-Page": "1" },
      body: body === undefined ? undefined : JSON.stringify(body) });
  }
  const signOut = document.getElementById("sign-out");
  if (signOut) {
    signOut.addEventListener("click", async () => {
      await post("/api/v1/session:end").catch(() => null);
      window.location.assign("/signin");
    });
  }
  return { t, post, lang: document.documentElement.lang };
})();
