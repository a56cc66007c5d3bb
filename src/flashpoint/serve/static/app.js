// The workbench's pages: one small module, no framework. Each page's data is in #page-data.
const data = JSON.parse(document.getElementById("page-data").textContent || "{}");
const page = document.body.dataset.page;
const $ = (sel, root = document) => root.querySelector(sel);

async function api(method, url, body, type = "application/json") {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers["content-type"] = type;
    init.body = type === "application/json" ? JSON.stringify(body) : body;
  }
  const res = await fetch(url, init);
  const json = await res.json().catch(() => ({}));
  if (!res.ok) {
    const err = new Error(typeof json.detail === "string" ? json.detail : `${res.status} ${res.statusText}`);
    err.body = json;
    throw err;
  }
  return json;
}

function showError(el, message) {
  el.textContent = message;
  el.hidden = !message;
}

// Follow a job's server-sent events; resolves with its last state (or, with untilAnswered, as soon
// as a run's answer is ready).
function follow(url, box, untilAnswered = false) {
  box.hidden = false;
  const bar = $("progress", box);
  const text = $(".status", box);
  return new Promise((resolve) => {
    const source = new EventSource(url);
    if (untilAnswered) {
      source.addEventListener("answered", (ev) => { source.close(); resolve({ ...JSON.parse(ev.data), status: "done" }); });
    }
    source.onmessage = (ev) => {
      const s = JSON.parse(ev.data);
      bar.value = s.progress;
      text.textContent = `${s.status}, ${(100 * s.progress).toFixed(0)}%`;
      if (["done", "failed", "cancelled"].includes(s.status)) {
        source.close();
        resolve(s);
      }
    };
    source.onerror = () => { source.close(); resolve({ status: "failed", error: "lost the connection to the server" }); };
  });
}

function scenarioPage() {
  const form = $("#run-form");
  const errorBox = $("#run-error");
  for (const box of form.querySelectorAll("input.set")) {
    const slider = form.querySelector(`input.slider[data-name="${CSS.escape(box.dataset.name)}"]`);
    box.addEventListener("change", () => { slider.disabled = !box.checked; });
  }
  for (const slider of form.querySelectorAll("input.slider")) {
    const out = form.querySelector(`output[data-for="${CSS.escape(slider.dataset.name)}"]`);
    slider.addEventListener("input", () => { out.textContent = Number(slider.value).toPrecision(4); });
  }
  let current = null;
  $("#cancel-button").addEventListener("click", () => current && api("POST", `/api/runs/${current}/cancel`));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    showError(errorBox, "");
    const set = {};
    for (const box of form.querySelectorAll("input.set:checked")) {
      set[box.dataset.name] = Number(form.querySelector(`input.slider[data-name="${CSS.escape(box.dataset.name)}"]`).value);
    }
    const body = {
      scenario: data.scenario,
      interventions: [...form.querySelectorAll("input[name=intervention]:checked")].map((b) => b.value),
      runs: Number(form.runs.value), days: Number(form.days.value), seed: Number(form.seed.value), set,
      trajectories: form.trajectories.checked,
    };
    const button = $("#run-button");
    button.disabled = true;
    try {
      const job = await api("POST", "/api/runs", body);
      current = job.id;
      if (job.status !== "done") {
        $("#cancel-button").hidden = false;
        const end = await follow(`/api/runs/${job.id}/events`, $("#run-progress"), true);
        $("#cancel-button").hidden = true;
        if (end.status !== "done") throw new Error(`the run ${end.status}${end.error ? ": " + end.error : ""}`);
      }
      window.location.href = `/runs/${job.id}`;
    } catch (err) {
      showError(errorBox, err.message);
    } finally {
      button.disabled = false;
    }
  });
}

// The theatre by day (report/frontline.py builds the figure on the server, names already escaped
// for Plotly): the base map, the front line and the places of the day the slider chooses.
function theatreMap(fig) {
  const el = $("#theatre-map");
  if (!el || !window.Plotly) return;
  window.Plotly.newPlot(el, { data: fig.data, layout: fig.layout, frames: fig.frames || [],
    config: { displaylogo: false, responsive: true } });
}

// A run still coming: its answer appears (the page is loaded again) as soon as it is ready, then
// each part that follows it is marked, and the report below is loaded again, when it ends.
async function runPage() {
  if (data.map) theatreMap(data.map);
  const box = $("#run-progress");
  if (!box) return;
  $("#cancel-button").addEventListener("click", () => api("POST", `/api/runs/${data.run}/cancel`));
  const source = new EventSource(`/api/runs/${data.run}/events`);
  let parts = JSON.stringify(data.parts || null);
  source.addEventListener("answered", () => { if (!data.ready) { source.close(); window.location.reload(); } });
  source.onmessage = (ev) => {
    const s = JSON.parse(ev.data);
    $("progress", box).value = s.progress;
    $(".status", box).textContent = s.ready ? "answered; the rest is being computed" :
      `${s.status}, ${(100 * s.progress).toFixed(0)}%`;
    if (s.parts && JSON.stringify(s.parts) !== parts) {
      parts = JSON.stringify(s.parts);
      // the map comes with the settlement, just after the answer
      if (!data.map && s.parts.settlement === "done") { source.close(); window.location.reload(); return; }
      for (const [part, state] of Object.entries(s.parts)) {
        const el = document.querySelector(`#parts [data-part="${CSS.escape(part)}"]`);
        if (el) {
          el.className = `part part-${state}`;
          $("b", el).textContent = state === "pending" ? "computing" : state;
        }
      }
      const frame = $("#report");
      if (frame) frame.src = `/api/runs/${data.run}/report.html?parts=${encodeURIComponent(parts)}`;
    }
    if (["done", "failed", "cancelled"].includes(s.status)) {
      source.close();
      if (s.status !== "done" || !data.ready) window.location.reload();
      else { $("#run-state b").textContent = "done"; box.hidden = true; }
    }
  };
  source.onerror = () => { source.close(); };
}

function comparePage() {
  const chart = data.chart;
  if (chart && window.Plotly) {
    window.Plotly.newPlot("compare-chart", [
      { type: "bar", name: `A: ${chart.a_name}`, x: chart.ids, y: chart.a },
      { type: "bar", name: `B: ${chart.b_name}`, x: chart.ids, y: chart.b },
    ], { barmode: "group", height: 380, margin: { t: 30, b: 140 }, yaxis: { title: "probability", range: [0, 1] } },
    { displaylogo: false, responsive: true });
  }
  const errorBox = $("#compare-error");
  const pct = (p) => (p === null || p === undefined ? "" : `${(100 * p).toFixed(1)}%`);
  const pts = (d) => (d === null || d === undefined ? "" : `${d >= 0 ? "+" : ""}${(100 * d).toFixed(1)}`);
  const show = (c) => {
    const doc = c.comparison;
    const tbody = $("#paired-table tbody");
    tbody.replaceChildren();
    for (const [id, o] of Object.entries(doc.outcomes)) {
      const tr = document.createElement("tr");
      const cells = [id, pct(o.p_base), pct(o.p_int), `${pts(o.diff)} [${pts(o.ci95[0])} to ${pts(o.ci95[1])}]`,
        o.risk_ratio === null ? "" : o.risk_ratio.toFixed(2)];
      cells.forEach((text, i) => {
        const td = document.createElement("td");
        td.textContent = text;
        if (i) td.className = "num";
        tr.append(td);
      });
      tbody.append(tr);
    }
    const meta = $("#paired-meta");
    meta.replaceChildren(`${c.scenario}: ${c.with.join(", ")} against ${c.against.join(", ") || "as written"}, ` +
      `${c.runs.toLocaleString()} runs, seed ${c.seed} · `);
    const link = document.createElement("a");
    link.href = `/compare?c=${encodeURIComponent(c.id)}`;
    link.textContent = "permalink";
    meta.append(link);
    $("#paired").hidden = false;
  };
  const load = async (id) => {
    let c = await api("GET", `/api/compare/${id}`);
    if (!["done", "failed", "cancelled"].includes(c.status)) {
      await follow(`/api/compare/${id}/events`, $("#compare-progress"));
      c = await api("GET", `/api/compare/${id}`);
    }
    if (c.status !== "done") throw new Error(`the comparison ${c.status}${c.error ? ": " + c.error : ""}`);
    show(c);
  };
  if (data.compare) load(data.compare).catch((err) => showError(errorBox, err.message));
  const button = $("#paired-button");
  if (button) {
    button.addEventListener("click", async () => {
      showError(errorBox, "");
      button.disabled = true;
      try {
        const job = await api("POST", "/api/compare", data.request);
        await load(job.id);
      } catch (err) {
        showError(errorBox, err.message);
      } finally {
        button.disabled = false;
      }
    });
  }
}

function editorPage() {
  const source = $("#source");
  const gutter = $("#gutter");
  const problems = $("#problems");
  const validity = $("#validity");
  let bad = new Set();
  const numbers = () => {
    const n = source.value.split("\n").length;
    gutter.replaceChildren();
    for (let i = 1; i <= n; i++) {
      const span = document.createElement("span");
      span.textContent = String(i);
      if (bad.has(i)) span.className = "bad";
      gutter.append(span, "\n");
    }
    gutter.scrollTop = source.scrollTop;
  };
  const goto = (line) => {
    const lines = source.value.split("\n");
    const start = lines.slice(0, line - 1).reduce((a, l) => a + l.length + 1, 0);
    source.focus();
    source.setSelectionRange(start, start + (lines[line - 1] || "").length);
    source.scrollTop = Math.max(0, (line - 5) * 18.85);
  };
  let timer = null;
  let asked = 0;
  const check = async () => {
    const mine = ++asked;
    const res = await api("POST", "/api/scenarios/validate", source.value, "text/plain").catch((err) => ({
      ok: false, errors: [{ line: null, message: err.message }] }));
    if (mine !== asked) return;   // an older answer
    bad = new Set(res.errors.map((e) => e.line).filter((l) => l));
    problems.replaceChildren();
    for (const e of res.errors) {
      const li = document.createElement("li");
      li.textContent = e.message;
      if (e.line) li.addEventListener("click", () => goto(e.line));
      problems.append(li);
    }
    validity.textContent = res.ok ? "The scenario is valid." : `${res.errors.length} problem(s):`;
    validity.className = res.ok ? "status status-done" : "status status-failed";
    numbers();
  };
  source.addEventListener("input", () => {
    numbers();
    clearTimeout(timer);
    timer = setTimeout(check, 300);
  });
  source.addEventListener("scroll", () => { gutter.scrollTop = source.scrollTop; });
  numbers();
  if (source.value.trim()) check();
  $("#save-button").addEventListener("click", async () => {
    const errorBox = $("#save-error");
    showError(errorBox, "");
    try {
      const saved = await api("POST", "/api/scenarios", { toml: source.value, parent: data.parent });
      window.location.href = `/scenarios/${encodeURIComponent(saved.id)}`;
    } catch (err) {
      const list = (err.body && err.body.errors) || [];
      showError(errorBox, [err.message, ...list.map((e) => e.message)].join("\n"));
    }
  });
}

({ scenario: scenarioPage, run: runPage, compare: comparePage, editor: editorPage }[page] || (() => {}))();
