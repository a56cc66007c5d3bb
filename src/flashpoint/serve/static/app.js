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

// Follow a job's server-sent events; resolves with its last state.
function follow(url, box) {
  box.hidden = false;
  const bar = $("progress", box);
  const text = $(".status", box);
  return new Promise((resolve) => {
    const source = new EventSource(url);
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
        const end = await follow(`/api/runs/${job.id}/events`, $("#run-progress"));
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

// Plotly reads a few HTML tags in its texts: names from a scenario are shown as written.
const plain = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

// The theatre: Natural Earth coastlines and borders, places coloured by who holds them on the
// slider's day, air-defence rings.
function theatreMap(map) {
  const el = $("#theatre-map");
  if (!el || !window.Plotly) return;
  const { camps, share, places: order } = map.control;
  const byId = Object.fromEntries(map.places.map((p) => [p.id, p]));
  const places = order.map((id) => byId[id]).filter(Boolean);
  const index = Object.fromEntries(order.map((id, i) => [id, i]));
  const mix = (day) => places.map((p) => {
    const s = share[day][index[p.id]];
    let best = 0;
    s.forEach((v, c) => { if (v > s[best]) best = c; });
    return map.colours[camps[best]];
  });
  const hover = (day) => places.map((p) => `${plain(p.name)}, day ${day}<br>` +
    camps.map((c, i) => `${plain(map.camp_names[c] || c)}: ${(100 * share[day][index[p.id]][i]).toFixed(0)}%`)
      .join("<br>"));
  const size = (day) => places.map((p) => {
    const s = share[day][index[p.id]];
    return 7 + 9 * Math.max(...s);
  });
  const traces = [
    { x: map.basemap.coast[0], y: map.basemap.coast[1], mode: "lines", name: "coast",
      line: { color: "#5b8db8", width: 1.2 }, hoverinfo: "skip" },
    { x: map.basemap.borders[0], y: map.basemap.borders[1], mode: "lines", name: "borders",
      line: { color: "#777", width: 1.2, dash: "dash" }, hoverinfo: "skip" },
    ...map.batteries.map((b) => ({ x: b.ring[0], y: b.ring[1], mode: "lines", name: plain(`${b.name} (${b.system}), ${b.range_km} km`),
      line: { color: b.colour, width: 1 }, opacity: 0.55,
      hoverinfo: "name", showlegend: false })),
  ];
  const last = share.length - 1;
  traces.push({ x: places.map((p) => p.lon), y: places.map((p) => p.lat), mode: "markers+text", name: "places",
    text: places.map((p) => plain(p.name)), textposition: "top center", textfont: { size: 9 },
    hovertext: hover(last), hoverinfo: "text",
    marker: { color: mix(last), size: size(last), line: { color: "#333", width: 0.5 } } });
  const placeTrace = traces.length - 1;
  const midLat = (map.box[1] + map.box[3]) / 2;
  const layout = {
    height: 640, margin: { t: 10, l: 40, r: 10, b: 40 }, showlegend: false, plot_bgcolor: "#fbfbf8",
    xaxis: { range: [map.box[0], map.box[2]], showgrid: false, zeroline: false, title: "longitude" },
    yaxis: { range: [map.box[1], map.box[3]], showgrid: false, zeroline: false, title: "latitude",
      scaleanchor: "x", scaleratio: 1 / Math.cos((midLat * Math.PI) / 180) },
    sliders: [{ active: last, currentvalue: { prefix: "day " }, pad: { t: 40 },
      steps: share.map((_, day) => ({ label: String(day), method: "restyle",
        args: [{ "marker.color": [mix(day)], "marker.size": [size(day)], hovertext: [hover(day)] }, [placeTrace]] })) }],
    annotations: camps.map((c, i) => ({ xref: "paper", yref: "paper", x: 0.01, y: 0.99 - 0.05 * i, showarrow: false,
      xanchor: "left", text: `<span style="color:${map.colours[c]}">●</span> ${plain(map.camp_names[c] || c)}`,
      bgcolor: "rgba(255,255,255,0.8)" })),
  };
  window.Plotly.newPlot(el, traces, layout, { displaylogo: false, responsive: true });
}

async function runPage() {
  if (data.map) theatreMap(data.map);
  const box = $("#run-progress");
  if (!box) return;
  $("#cancel-button").addEventListener("click", () => api("POST", `/api/runs/${data.run}/cancel`));
  await follow(`/api/runs/${data.run}/events`, box);
  window.location.reload();
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
