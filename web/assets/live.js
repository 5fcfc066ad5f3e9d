// denoise live preview: the MJPEG stream is an <img>; this polls the counters.
"use strict";

const $ = (id) => document.getElementById(id);

// Small pictures are shown enlarged, by a whole factor, so that pixels stay square.
function enlarge() {
  const img = $("stream");
  if (!img.naturalWidth || img.dataset.scaled) return;
  const k = Math.floor(640 / img.naturalWidth);
  if (k > 1) img.style.width = img.naturalWidth * k + "px";
  img.dataset.scaled = "1";
}

async function refresh() {
  enlarge();
  try {
    const r = await fetch("/stats", { cache: "no-store" });
    const s = await r.json();
    $("fps").textContent = s.fps.toFixed(1);
    $("latency").textContent = `${s.latency_ms.toFixed(1)} ms (average ${s.latency_avg_ms.toFixed(1)} ms)`;
    $("frames").textContent = `${s.frames_in} / ${s.frames_out}`;
    $("dropped").textContent = String(s.dropped);
    $("dropped").classList.toggle("bad", s.dropped > 0);
    $("picture").textContent = s.width ? `${s.width}×${s.height} ${s.pix_fmt}, frame ${s.frame}` : "waiting for the first frame";
    $("state").textContent = "";
  } catch (err) {
    $("state").textContent = "The pipeline has stopped (the preview server is gone).";
  }
  setTimeout(refresh, 500);
}

document.addEventListener("DOMContentLoaded", refresh);
