// Upload page: files picked or dropped are sent one request each (XHR, for a progress bar per
// file) to POST /api/v1/uploads with the session's CSRF header; each row then shows the outcome
// and, for a new file, its import's live status (a server-rendered part that htmx refreshes on the
// SSE `job` events). Without this script the form posts to /upload as a plain multipart form.
// The page may be swapped in by boosted navigation, which runs this script again: install once.
(() => {
  if (window.bandstandUpload) return;
  const PARALLEL = 2;
  const waiting = [];
  let running = 0;

  const csrf = () => document.querySelector('meta[name="csrf-token"]')?.getAttribute("content");
  const uploadForm = () => document.querySelector("form[data-upload]");

  /** A row for one file: its name, a progress bar named after it, and its outcome. */
  function row(file) {
    const li = document.createElement("li");
    li.className = "upload-item";
    const name = document.createElement("span");
    name.className = "file-name";
    name.textContent = file.name;
    const bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", `Uploading ${file.name}`);
    const outcome = document.createElement("span");
    outcome.className = "outcome";
    outcome.setAttribute("role", "status");
    outcome.textContent = "Waiting";
    li.append(name, bar, outcome);
    return { li, bar, outcome };
  }

  function finish(r, status, text) {
    r.li.classList.add(`outcome-${status}`);
    r.outcome.textContent = text;
  }

  /** The import's live status: the server renders it (escaped), htmx keeps it moving. */
  async function importStatus(r, jobId) {
    try {
      const res = await fetch(`/upload/imports/${encodeURIComponent(jobId)}?part=status`, {
        credentials: "same-origin",
      });
      if (!res.ok) return;
      const template = document.createElement("template");
      template.innerHTML = await res.text();
      const status = template.content.firstElementChild;
      if (!status) return;
      r.li.append(status);
      window.htmx?.process(status);
    } catch {
      // The job page link stays reachable from the jobs list.
    }
  }

  function send(file, r) {
    running += 1;
    r.outcome.textContent = "Uploading";
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/v1/uploads");
    xhr.responseType = "json";
    const token = csrf();
    if (token) xhr.setRequestHeader("X-CSRF-Token", token);
    xhr.upload.addEventListener("progress", (e) => {
      if (!e.lengthComputable) return;
      const pct = Math.min(99, Math.floor((e.loaded / e.total) * 100));
      r.bar.value = pct;
      r.outcome.textContent = `Uploading, ${pct} %`;
    });
    xhr.addEventListener("load", () => {
      const body = xhr.response;
      if (xhr.status === 202 && body?.files?.[0]) {
        const f = body.files[0];
        r.bar.value = 100;
        if (f.status === "accepted") {
          finish(r, "accepted", "Uploaded");
          if (f.jobId) importStatus(r, f.jobId);
        } else if (f.status === "duplicate") {
          finish(r, "duplicate", `Duplicate: ${f.message}`);
        } else {
          finish(r, "rejected", `Rejected: ${f.message}`);
        }
      } else if (xhr.status === 413) {
        finish(r, "rejected", uploadForm()?.dataset.tooLarge ?? "Rejected: the file is too large");
      } else {
        finish(
          r,
          "failed",
          `Failed: ${body?.error?.message ?? `the server answered ${xhr.status}`}`,
        );
      }
    });
    xhr.addEventListener("error", () => finish(r, "failed", "Failed: the connection broke off"));
    xhr.addEventListener("loadend", () => {
      running -= 1;
      next();
    });
    const data = new FormData();
    data.append("file", file, file.name);
    xhr.send(data);
  }

  function next() {
    while (running < PARALLEL && waiting.length > 0) {
      const job = waiting.shift();
      send(job.file, job.row);
    }
  }

  function start(files) {
    const form = uploadForm();
    const list = document.getElementById("upload-list");
    if (!form || !list) return;
    const max = Number(form.dataset.maxBytes) || 0;
    for (const file of files) {
      const r = row(file);
      list.append(r.li);
      if (max && file.size > max) {
        finish(r, "rejected", form.dataset.tooLarge ?? "Rejected: the file is too large");
        continue;
      }
      waiting.push({ file, row: r });
    }
    next();
  }

  function setUp() {
    const form = uploadForm();
    if (!form || form.dataset.ready) return;
    form.dataset.ready = "1";
    // Files start uploading as soon as they are chosen: the button is for the form without JS.
    const submit = form.querySelector("[data-upload-submit]");
    if (submit) submit.hidden = true;
  }

  document.addEventListener("change", (e) => {
    const input = e.target;
    if (!(input instanceof HTMLInputElement) || input.type !== "file") return;
    if (!input.closest("form[data-upload]") || !input.files?.length) return;
    start([...input.files]);
    input.value = "";
  });

  document.addEventListener("submit", (e) => {
    const form = e.target;
    if (!(form instanceof HTMLFormElement) || !form.matches("form[data-upload]")) return;
    e.preventDefault();
    const input = form.querySelector('input[type="file"]');
    if (input?.files?.length) {
      start([...input.files]);
      input.value = "";
    }
  });

  const zoneOf = (e) => (e.target instanceof Element ? e.target.closest("[data-dropzone]") : null);
  for (const type of ["dragenter", "dragover"]) {
    document.addEventListener(type, (e) => {
      if (!uploadForm()) return;
      // Dropping a file elsewhere on the upload page must not navigate away to the file.
      e.preventDefault();
      const zone = zoneOf(e);
      if (e.dataTransfer) e.dataTransfer.dropEffect = zone ? "copy" : "none";
      zone?.classList.add("dragging");
    });
  }
  document.addEventListener("dragleave", (e) => {
    const zone = zoneOf(e);
    if (zone && !zone.contains(e.relatedTarget)) zone.classList.remove("dragging");
  });
  document.addEventListener("drop", (e) => {
    if (!uploadForm()) return;
    e.preventDefault();
    const zone = zoneOf(e);
    if (!zone) return;
    zone.classList.remove("dragging");
    if (e.dataTransfer?.files?.length) start([...e.dataTransfer.files]);
  });

  document.addEventListener("htmx:after:swap", setUp);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
  window.bandstandUpload = { start };
})();
