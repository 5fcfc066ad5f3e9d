// denoise web page: submit a job, follow its progress, compare before and after.
"use strict";

const $ = (id) => document.getElementById(id);

const noiseDefaults = {
  awgn: { a: 25, label: "σ" },
  sp: { a: 0.1, label: "p" },
  rv: { a: 0.1, label: "p" },
  pg: { a: 2, label: "gain", b: 3 },
  rician: { a: 20, label: "σ" },
};

let modes = [];
let current = null; // { id, timer }
let zoom = 1;

function setState(s) { document.body.dataset.state = s; }

function showError(msg) {
  const e = $("error");
  e.textContent = msg;
  e.hidden = !msg;
  if (msg) { $("job-panel").hidden = false; }
}

function fmt(v, digits, unit) {
  if (v === null || v === undefined) return "n/a";
  if (v === "inf") return "∞" + (unit ? " " + unit : "");
  return Number(v).toFixed(digits) + (unit ? " " + unit : "");
}

function fmtBytes(n) {
  const u = ["B", "KiB", "MiB", "GiB"];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : n) + " " + u[i];
}

async function getJSON(url, opts) {
  const r = await fetch(url, opts);
  let body = null;
  try { body = await r.json(); } catch (_) { /* not JSON */ }
  if (!r.ok) {
    throw new Error((body && body.error) || (r.status + " " + r.statusText));
  }
  return body;
}

// readModes takes the modes from the list the server rendered into the page (the same
// as GET /api/modes), with the default already selected.
function readModes() {
  modes = [...$("mode").options].map((o) => ({
    name: o.value,
    available: !o.disabled,
    params: (o.dataset.params || "").split(" ").filter(Boolean),
    description: o.dataset.description || "",
  }));
}

async function init() {
  try {
    const [m, lim] = await Promise.all([getJSON("/api/modes"), getJSON("/api/limits")]);
    const nk = $("noise-kind");
    for (const k of m.noise_kinds) {
      const o = document.createElement("option");
      o.value = k;
      o.textContent = k;
      nk.appendChild(o);
    }
    $("limits-hint").textContent =
      `PNG, JPEG or TIFF (8 or 16-bit, gray or colour), a short video, or a stack (multi-page TIFF, DICOM, NIfTI); up to ${lim.max_upload}, ` +
      `${(lim.max_pixels / 1e6).toFixed(1)} megapixels per frame.`;
    $("limits-hint").dataset.maxUpload = lim.max_upload_bytes;
    modeChanged();
    setState("ready");
  } catch (err) {
    showError("Cannot load the noise kinds and limits: " + err.message);
  }
}

function modeChanged() {
  const md = modes.find((x) => x.name === $("mode").value);
  $("mode-desc").textContent = md ? md.description : "";
  for (const fs of document.querySelectorAll("fieldset[data-param]")) {
    fs.hidden = !(md && md.params.includes(fs.dataset.param));
  }
}

function noiseChanged() {
  const k = $("noise-kind").value;
  const d = noiseDefaults[k];
  $("noise-params").hidden = !d;
  if (!d) return;
  $("noise-a-label").textContent = d.label;
  $("noise-a").value = d.a;
  $("noise-b-wrap").hidden = d.b === undefined;
}

function noiseSpec() {
  const k = $("noise-kind").value;
  if (k === "none") return "";
  let spec = k + ":" + $("noise-a").value;
  if (k === "pg") spec += ":" + $("noise-b").value;
  return spec;
}

function submit(ev) {
  ev.preventDefault();
  const file = $("file").files[0];
  if (!file) { showError("Choose a file first."); return; }
  const max = Number($("limits-hint").dataset.maxUpload || 0);
  if (max && file.size > max) {
    showError(`The file is ${fmtBytes(file.size)}, more than the server's ${fmtBytes(max)} limit.`);
    return;
  }
  const md = modes.find((x) => x.name === $("mode").value);
  const fd = new FormData();
  fd.append("mode", $("mode").value);
  if (md && md.params.includes("sigma")) fd.append("sigma", $("sigma-auto").checked ? "auto" : $("sigma").value);
  if (md && md.params.includes("strength")) fd.append("strength", $("strength-auto").checked ? "auto" : $("strength").value);
  if (md && md.params.includes("frames")) fd.append("frames", $("frames").value);
  if (md && md.params.includes("impulse_kind")) fd.append("impulse_kind", $("impulse-kind").value);
  const spec = noiseSpec();
  if (spec) { fd.append("noise", spec); fd.append("seed", $("seed").value || "1"); }
  fd.append("file", file, file.name);

  showError("");
  $("result-panel").hidden = true;
  $("job-panel").hidden = false;
  $("submit").disabled = true;
  $("cancel").disabled = false;
  $("cancel").hidden = false;
  setProgress(0, "uploading…");
  setState("uploading");

  const xhr = new XMLHttpRequest();
  xhr.open("POST", "/api/jobs");
  xhr.responseType = "json";
  xhr.upload.onprogress = (e) => {
    if (e.lengthComputable) setProgress(e.loaded / e.total, `uploading ${Math.round(100 * e.loaded / e.total)}%`);
  };
  xhr.onload = () => {
    const body = xhr.response;
    if (xhr.status !== 202) {
      fail((body && body.error) || `upload refused (${xhr.status})`);
      return;
    }
    current = { id: body.id, xhr: null };
    setState("running");
    poll();
  };
  xhr.onerror = () => fail("The upload failed (the connection was closed).");
  current = { id: null, xhr };
  xhr.send(fd);
}

function setProgress(frac, text) {
  $("progress").value = frac;
  $("progress-text").textContent = text;
}

// jobEnded puts the form back once a job is over, whatever its end.
function jobEnded() {
  $("submit").disabled = false;
  $("cancel").disabled = true;
  $("cancel").hidden = true;
}

function fail(msg) {
  showError(msg);
  setState("failed");
  jobEnded();
}

async function poll() {
  if (!current || !current.id) return;
  const id = current.id;
  let st;
  try {
    st = await getJSON("/api/jobs/" + id);
  } catch (err) {
    fail(err.message);
    return;
  }
  if (!current || current.id !== id) return;
  const total = st.frames_total || "?";
  setProgress(st.progress, `${st.state}: ${st.frames_done}/${total} frame(s), ${(st.elapsed_ms / 1000).toFixed(1)} s`);
  switch (st.state) {
    case "running":
      current.timer = setTimeout(poll, 250);
      return;
    case "done":
      jobEnded();
      showResult(st);
      return;
    case "cancelled":
      fail("Cancelled.");
      setState("cancelled");
      return;
    default:
      fail(st.error || st.state);
  }
}

async function cancel() {
  if (!current) return;
  $("cancel").disabled = true;
  if (current.xhr) { current.xhr.abort(); fail("Upload cancelled."); setState("cancelled"); current = null; return; }
  clearTimeout(current.timer);
  try {
    await getJSON("/api/jobs/" + current.id, { method: "DELETE" });
  } catch (err) {
    showError(err.message);
  }
  poll();
}

function showResult(st) {
  const before = $("img-before"), after = $("img-after");
  let loaded = 0;
  const onload = () => { if (++loaded === 2) { fitZoom(); setState("done"); } };
  before.onload = after.onload = onload;
  before.src = st.preview_noisy_url;
  after.src = st.preview_result_url;
  $("stat-input").textContent =
    `${st.file}: ${st.kind === "stack" ? st.format + " stack" : st.kind}, ${st.width}×${st.height}, ${st.pix_fmt} (${st.bit_depth}-bit)` +
    (st.channels > 1 ? `, ${st.channels} channels` : "") +
    (st.frames_total > 1 ? `, ${st.frames_total} frames` : "");
  $("stat-sigma").textContent = fmt(st.sigma_estimated, 2);
  // a colour input: every plane's own estimate, named by its channel (R, G, B; Y, U, V)
  const chans = st.sigma_channels || [];
  $("stat-sigma-channels").textContent = chans.length > 1
    ? "(" + chans.map((c) => `${c.channel.toUpperCase()} ${fmt(c.sigma, 2)}`).join(", ") + ")" : "";
  $("stat-psnr-noisy").textContent = fmt(st.psnr_noisy, 2, "dB");
  $("stat-psnr").textContent = fmt(st.psnr, 2, "dB");
  $("stat-psnr").dataset.value = st.psnr === null ? "" : st.psnr;
  $("stat-ssim-noisy").textContent = fmt(st.ssim_noisy, 4);
  $("stat-ssim").textContent = fmt(st.ssim, 4);
  const mode = st.params.resolved_mode && st.params.resolved_mode !== st.params.mode
    ? `${st.params.mode} → ${st.params.resolved_mode}` : st.params.mode;
  $("stat-time").textContent = `${(st.processing_ms / 1000).toFixed(2)} s (mode ${mode})`;
  const dl = $("download");
  dl.href = st.result_url;
  dl.download = st.result_name;
  dl.textContent = "Download " + st.result_name;
  $("download-note").textContent = st.kind === "video"
    ? "FFV1 in Matroska, lossless, at the source's bit depth."
    : st.kind === "stack"
      ? `${st.format}, every page or slice, at the source's bit depth, its metadata kept.`
      : `PNG, lossless, ${st.bit_depth > 8 ? 16 : 8}-bit like the source.`;
  $("viewer-note").textContent = (st.reference ? "Before: the upload with synthetic noise " + st.params.noise + ". " : "Before: the upload. ") +
    (st.kind === "video" ? "The first frame is shown. " : "") +
    (st.kind === "stack" ? "The middle page or slice is shown. " : "") +
    (st.bit_depth > 8 ? "Shown at 8 bits; the download keeps " + st.bit_depth + "." : "");
  if (!st.reference) {
    $("stat-psnr").textContent = "n/a";
    $("stat-psnr-noisy").textContent = "no clean reference (add synthetic noise to measure)";
    $("stat-ssim").textContent = "n/a";
    $("stat-ssim-noisy").textContent = "";
  }
  $("result-panel").hidden = false;
}

// Comparison viewer: two stacked images, the "after" one clipped by the split.
function setSplit(pct) {
  $("split").value = pct;
  $("img-after").style.clipPath = `inset(0 0 0 ${pct}%)`;
  $("divider").style.left = pct + "%";
}

function setZoom(z, cx, cy) {
  const img = $("img-before");
  if (!img.naturalWidth) return;
  const v = $("viewer");
  const old = zoom;
  zoom = Math.min(Math.max(z, 0.05), 64);
  const st = $("stage");
  st.style.width = img.naturalWidth * zoom + "px";
  st.style.height = img.naturalHeight * zoom + "px";
  $("zoom-level").textContent = Math.round(zoom * 100) + "%";
  if (cx !== undefined) { // keep the point under the cursor in place
    const k = zoom / old;
    v.scrollLeft = (v.scrollLeft + cx) * k - cx;
    v.scrollTop = (v.scrollTop + cy) * k - cy;
  }
}

function fitZoom() {
  const img = $("img-before");
  const v = $("viewer");
  if (!img.naturalWidth) return;
  const z = Math.min((v.clientWidth - 4) / img.naturalWidth, (window.innerHeight * 0.7 - 4) / img.naturalHeight);
  setZoom(z > 1 ? Math.floor(z) : z);
}

function initViewer() {
  const v = $("viewer");
  $("split").addEventListener("input", (e) => setSplit(e.target.value));
  $("zoom-in").addEventListener("click", () => setZoom(zoom * 2));
  $("zoom-out").addEventListener("click", () => setZoom(zoom / 2));
  $("zoom-1").addEventListener("click", () => setZoom(1));
  $("zoom-fit").addEventListener("click", fitZoom);
  v.addEventListener("wheel", (e) => {
    e.preventDefault();
    const r = v.getBoundingClientRect();
    setZoom(zoom * (e.deltaY < 0 ? 1.25 : 0.8), e.clientX - r.left, e.clientY - r.top);
  }, { passive: false });
  let drag = null;
  v.addEventListener("pointerdown", (e) => {
    drag = { x: e.clientX, y: e.clientY, sl: v.scrollLeft, st: v.scrollTop, moved: false };
    v.classList.add("dragging");
  });
  window.addEventListener("pointermove", (e) => {
    if (!drag) return;
    const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
    v.scrollLeft = drag.sl - dx;
    v.scrollTop = drag.st - dy;
  });
  window.addEventListener("pointerup", (e) => {
    if (drag && !drag.moved) {
      const r = $("stage").getBoundingClientRect();
      if (r.width > 0) setSplit(Math.min(Math.max(100 * (e.clientX - r.left) / r.width, 0), 100).toFixed(1));
    }
    drag = null;
    v.classList.remove("dragging");
  });
}

document.addEventListener("DOMContentLoaded", () => {
  $("mode").addEventListener("change", modeChanged);
  $("noise-kind").addEventListener("change", noiseChanged);
  $("sigma-auto").addEventListener("change", (e) => { $("sigma").disabled = e.target.checked; });
  $("strength-auto").addEventListener("change", (e) => { $("strength").disabled = e.target.checked; });
  $("strength").addEventListener("input", (e) => { $("strength-out").textContent = Number(e.target.value).toFixed(2); });
  $("job-form").addEventListener("submit", submit);
  $("cancel").addEventListener("click", cancel);
  initViewer();
  setSplit(50);
  readModes();
  modeChanged();
  init();
});
