// The live dashboard: the figures are swapped in every few seconds, the chart drawn again.
"use strict";
(() => {
  const REFRESH_MS = 5000;
  const live = document.getElementById("live");
  let chart = null;
  let lastGood = new Date();

  function draw() {
    const box = document.getElementById("burnup");
    if (!box || typeof uPlot === "undefined") { return; }
    const days = JSON.parse(box.dataset.days);
    const x = days.map((_, index) => index);
    const planned = JSON.parse(box.dataset.planned);
    const actual = JSON.parse(box.dataset.actual);
    const width = Math.max(280, box.clientWidth || 600);
    const label = (index) => (Number.isInteger(index) && days[index] ? days[index].slice(5) : "");
    if (chart) { chart.destroy(); }
    chart = new uPlot({
      width, height: 240,
      series: [{ label: box.dataset.labelDay, value: (u, index) => label(index) },
               { label: box.dataset.labelPlanned, stroke: "#0b5cad", width: 2, dash: [6, 4] },
               { label: box.dataset.labelActual, stroke: "#1f7a3a", width: 3,
                 fill: "rgba(31,122,58,.08)" }],
      axes: [{ incrs: [1, 2, 5, 10, 20, 50], values: (u, splits) => splits.map(label) },
             { size: 70 }],
      scales: { x: { time: false } },
    }, [x, planned, actual], box);
    box.dataset.drawn = String(actual.filter((v) => v !== null).length);
  }

  function banner(show) {
    let element = document.getElementById("offline-banner");
    if (show && !element) {
      element = document.createElement("div");
      element.id = "offline-banner";
      element.className = "offline-banner";
      element.setAttribute("role", "status");
      document.body.insertBefore(element, document.body.children[1]);
    }
    if (element) {
      element.hidden = !show;
      element.textContent = corridor.t("dashboard.offline",
        { moment: lastGood.toLocaleTimeString(corridor.lang) });
    }
  }

  async function refresh() {
    try {
      const answer = await fetch(live.dataset.source, { credentials: "same-origin" });
      if (answer.status === 401) { window.location.assign("/signin"); return; }
      if (!answer.ok) { throw new Error(String(answer.status)); }
      live.innerHTML = await answer.text();
      lastGood = new Date();
      banner(false);
      draw();
      live.dataset.refreshed = String(Number(live.dataset.refreshed || 0) + 1);
    } catch (error) {
      banner(true);
    }
  }

  draw();
  setInterval(refresh, REFRESH_MS);
  window.addEventListener("resize", draw);
})();
