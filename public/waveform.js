// The playing track's waveform on its album page: public/player.js fires `bandstand:track` on
// document when the track changes; an album page holds <figure data-waveform-album="ID">.
// The peaks come from the analysis (GET /web/waveform/:trackId); the played part is drawn in
// the accent colour as the audio advances.
(() => {
  if (window.bandstandWaveform) return;
  const cache = new Map();
  let current = null;
  let peaks = null;

  const load = (id) => {
    if (cache.has(id)) return Promise.resolve(cache.get(id));
    return fetch(`/web/waveform/${id}`, { headers: { accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : null))
      .catch(() => null)
      .then((w) => {
        // Only analysed tracks are kept: an unanalysed one may be analysed a minute later.
        if (w?.peaks) cache.set(id, w);
        return w;
      });
  };

  const figure = () => document.querySelector("figure[data-waveform-album]");

  const draw = () => {
    const fig = figure();
    const canvas = fig?.querySelector("canvas");
    if (!fig || fig.hidden || !canvas || !peaks) return;
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(canvas.clientWidth * ratio));
    const height = Math.max(1, Math.round(canvas.clientHeight * ratio));
    if (canvas.width !== width) canvas.width = width;
    if (canvas.height !== height) canvas.height = height;
    const g = canvas.getContext("2d");
    if (!g) return;
    const style = getComputedStyle(fig);
    const played = style.getPropertyValue("--accent").trim() || "#3d5afe";
    const rest = style.getPropertyValue("--muted").trim() || "#888";
    const audio = window.bandstandPlayer?.audio;
    const progress = audio?.duration ? audio.currentTime / audio.duration : 0;
    const pairs = peaks.length / 2;
    const mid = height / 2;
    g.clearRect(0, 0, width, height);
    for (let x = 0; x < width; x++) {
      // The (min, max) pairs under this pixel column.
      const from = Math.floor((x / width) * pairs);
      const to = Math.max(from + 1, Math.floor(((x + 1) / width) * pairs));
      let lo = 0;
      let hi = 0;
      for (let i = from; i < to && i < pairs; i++) {
        lo = Math.min(lo, peaks[2 * i]);
        hi = Math.max(hi, peaks[2 * i + 1]);
      }
      const top = mid - (hi / 128) * mid;
      const bottom = mid - (lo / 128) * mid;
      g.fillStyle = x / width < progress ? played : rest;
      g.fillRect(x, top, 1, Math.max(1, bottom - top));
    }
  };

  const render = async () => {
    const fig = figure();
    if (!fig) return;
    const track = current;
    if (!track || String(track.albumId) !== fig.dataset.waveformAlbum) {
      fig.hidden = true;
      peaks = null;
      return;
    }
    const canvas = fig.querySelector("canvas");
    const caption = fig.querySelector("figcaption");
    const w = await load(track.id);
    if (track !== current || fig !== figure()) return;
    fig.hidden = false;
    if (!w?.peaks || w.peaks.length < 2) {
      peaks = null;
      canvas.hidden = true;
      caption.textContent = w?.error
        ? `${track.title}: no waveform (the analysis failed)`
        : `${track.title}: waveform not analysed yet`;
      return;
    }
    peaks = w.peaks;
    canvas.hidden = false;
    canvas.setAttribute("aria-label", `Waveform of ${track.title}`);
    caption.textContent = `Waveform of ${track.title}`;
    draw();
  };

  document.addEventListener("bandstand:track", (e) => {
    current = e.detail ?? null;
    render();
  });
  // A boosted navigation brings a new #main: an album page may have arrived.
  document.addEventListener("htmx:after:swap", () => render());
  window.addEventListener("resize", draw);
  const audio = window.bandstandPlayer?.audio ?? document.getElementById("audio");
  audio?.addEventListener("timeupdate", draw);

  window.bandstandWaveform = { render };
  render();
})();
