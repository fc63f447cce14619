// Bandstand's player bar. It lives outside #main, so boosted navigation never touches it.
// The queue is the user's saved play queue (the one Subsonic apps sync): every change is saved.
(() => {
  const $ = (id) => document.getElementById(id);
  const audio = $("audio");
  if (!audio || window.bandstandPlayer) return;

  const ui = {
    cover: $("player-cover"),
    title: $("player-title"),
    artist: $("player-artist"),
    toggle: $("player-toggle"),
    prev: $("player-prev"),
    next: $("player-next"),
    shuffle: $("player-shuffle"),
    repeat: $("player-repeat"),
    seek: $("player-seek"),
    time: $("player-time"),
    duration: $("player-duration"),
    volume: $("player-volume"),
  };
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? "";

  let queue = [];
  let index = 0;
  let shuffle = false;
  let repeat = "off"; // off | all | one
  let listened = 0; // seconds actually heard of the current track
  let lastTime = 0;
  let scrobbled = false;
  let seeking = false;

  const clock = (s) => {
    if (!Number.isFinite(s) || s < 0) s = 0;
    const m = Math.floor(s / 60);
    return `${m}:${String(Math.floor(s % 60)).padStart(2, "0")}`;
  };

  const post = (url, body, json = false) =>
    fetch(url, {
      method: "POST",
      headers: {
        "X-CSRF-Token": csrf,
        "Content-Type": json ? "application/json" : "application/x-www-form-urlencoded",
      },
      body: json ? JSON.stringify(body) : new URLSearchParams(body),
    }).catch(() => undefined);

  let saveTimer;
  const snapshot = () => ({
    ids: queue.map((t) => t.id),
    index: queue.length ? index : 0,
    positionMs: Math.round((audio.currentTime || 0) * 1000),
  });
  const save = (now = false) => {
    clearTimeout(saveTimer);
    saveTimer = undefined;
    const run = () => {
      saveTimer = undefined;
      return post("/web/queue", snapshot(), true).then(() =>
        document.body.dispatchEvent(new CustomEvent("queue-changed")),
      );
    };
    if (now) return run();
    saveTimer = setTimeout(run, 400);
  };
  // Leaving the page (reload, logout, tab closed) must not lose a save still waiting: a
  // beacon outlives the page; it carries the CSRF token in its body since it cannot set headers.
  window.addEventListener("pagehide", () => {
    if (saveTimer === undefined) return;
    clearTimeout(saveTimer);
    const body = JSON.stringify({ ...snapshot(), _csrf: csrf });
    navigator.sendBeacon("/web/queue", new Blob([body], { type: "application/json" }));
  });

  const source = (t) => {
    const playable = t.contentType && audio.canPlayType(t.contentType) !== "";
    return `/web/stream/${t.id}${playable ? "" : "?format=mp3"}`;
  };

  const markRows = () => {
    const id = queue[index]?.id;
    for (const row of document.querySelectorAll("[data-track-id].playing")) {
      row.classList.remove("playing");
      row.removeAttribute("aria-current");
    }
    if (id === undefined || audio.paused) return;
    for (const row of document.querySelectorAll(`[data-track-id="${id}"]`)) {
      row.classList.add("playing");
      row.setAttribute("aria-current", "true");
    }
  };

  const showTrack = (t) => {
    ui.title.textContent = t ? t.title : "Nothing playing";
    ui.artist.textContent = t ? t.artist : "";
    if (t?.cover) {
      ui.cover.src = t.cover;
      ui.cover.hidden = false;
    } else ui.cover.hidden = true;
    document.title = t ? `${t.title} · ${t.artist}` : document.title;
    if ("mediaSession" in navigator && t) {
      navigator.mediaSession.metadata = new MediaMetadata({
        title: t.title,
        artist: t.artist,
        album: t.album,
        artwork: t.cover ? [{ src: t.cover, sizes: "256x256" }] : [],
      });
    }
    document.dispatchEvent(new CustomEvent("bandstand:track", { detail: t ?? null }));
  };

  const load = (i, { play = true, at = 0 } = {}) => {
    const t = queue[i];
    if (!t) return;
    index = i;
    listened = 0;
    lastTime = at;
    scrobbled = false;
    audio.src = source(t);
    if (at > 0) audio.currentTime = at;
    showTrack(t);
    if (play) {
      audio.play().catch(() => undefined);
      post(`/web/scrobble/${t.id}`, { submission: "false" });
    }
    markRows();
  };

  const nextIndex = (step) => {
    if (queue.length === 0) return -1;
    if (shuffle && queue.length > 1 && step > 0) {
      let r = index;
      while (r === index) r = Math.floor(Math.random() * queue.length);
      return r;
    }
    const n = index + step;
    if (n >= 0 && n < queue.length) return n;
    if (repeat === "all") return (n + queue.length) % queue.length;
    return -1;
  };

  const go = (step) => {
    const n = nextIndex(step);
    if (n < 0) return;
    load(n);
    save(true);
  };

  const toggle = () => {
    if (!queue.length) return;
    if (!audio.src) load(index);
    else if (audio.paused) audio.play().catch(() => undefined);
    else audio.pause();
  };

  const rowsOf = (list) => [...list.querySelectorAll("[data-track]")];
  const trackOf = (row) => JSON.parse(row.dataset.track);

  const playList = (tracks, start) => {
    queue = tracks;
    load(start);
    save(true);
  };
  const enqueue = (tracks) => {
    const wasEmpty = queue.length === 0;
    queue = queue.concat(tracks);
    if (wasEmpty) load(0, { play: false });
    save(true);
  };

  // Buttons anywhere in the page: rows of a [data-tracklist], and list-wide actions.
  document.addEventListener("click", (e) => {
    const button = e.target.closest("[data-action]");
    if (!button) return;
    const action = button.dataset.action;
    if (action === "play" || action === "enqueue") {
      const row = button.closest("[data-track]");
      if (!row) return;
      if (action === "enqueue") return enqueue([trackOf(row)]);
      const list = row.closest("[data-tracklist]");
      const rows = list ? rowsOf(list) : [row];
      playList(rows.map(trackOf), rows.indexOf(row));
    } else if (action === "play-all" || action === "enqueue-all") {
      const list = document.getElementById(button.dataset.list);
      if (!list) return;
      const tracks = rowsOf(list).map(trackOf);
      if (!tracks.length) return;
      if (action === "play-all") playList(tracks, 0);
      else enqueue(tracks);
    }
  });

  ui.toggle.addEventListener("click", toggle);
  ui.prev.addEventListener("click", () => {
    if (audio.currentTime > 3) audio.currentTime = 0;
    else go(-1);
  });
  ui.next.addEventListener("click", () => go(1));
  ui.shuffle.addEventListener("click", () => {
    shuffle = !shuffle;
    ui.shuffle.setAttribute("aria-pressed", String(shuffle));
  });
  ui.repeat.addEventListener("click", () => {
    repeat = repeat === "off" ? "all" : repeat === "all" ? "one" : "off";
    ui.repeat.dataset.mode = repeat;
    ui.repeat.setAttribute("aria-label", `Repeat: ${repeat}`);
  });
  ui.seek.addEventListener("input", () => {
    seeking = true;
    ui.time.textContent = clock(Number(ui.seek.value));
  });
  ui.seek.addEventListener("change", () => {
    seeking = false;
    audio.currentTime = Number(ui.seek.value);
    lastTime = audio.currentTime;
  });
  ui.volume.addEventListener("input", () => {
    audio.volume = Number(ui.volume.value);
    localStorage.setItem("bandstand.volume", ui.volume.value);
  });
  const storedVolume = localStorage.getItem("bandstand.volume");
  if (storedVolume !== null) {
    audio.volume = Number(storedVolume);
    ui.volume.value = storedVolume;
  }

  audio.addEventListener("play", () => {
    ui.toggle.querySelector("use")?.setAttribute("href", "#i-pause");
    ui.toggle.setAttribute("aria-label", "Pause");
    markRows();
  });
  audio.addEventListener("pause", () => {
    ui.toggle.querySelector("use")?.setAttribute("href", "#i-play");
    ui.toggle.setAttribute("aria-label", "Play");
    markRows();
    save();
  });
  audio.addEventListener("loadedmetadata", () => {
    ui.seek.max = String(Math.floor(audio.duration || 0));
    ui.duration.textContent = clock(audio.duration);
  });
  audio.addEventListener("timeupdate", () => {
    const t = audio.currentTime;
    // Only real listening counts towards a scrobble, never a jump forward.
    const delta = t - lastTime;
    if (delta > 0 && delta < 2) listened += delta;
    lastTime = t;
    if (!seeking) {
      ui.seek.value = String(Math.floor(t));
      ui.time.textContent = clock(t);
    }
    const track = queue[index];
    const duration = audio.duration || (track ? track.durationMs / 1000 : 0);
    if (track && !scrobbled && duration > 0 && listened >= Math.min(duration / 2, 240)) {
      scrobbled = true;
      post(`/web/scrobble/${track.id}`, { submission: "true" });
    }
  });
  audio.addEventListener("ended", () => {
    if (repeat === "one") {
      audio.currentTime = 0;
      listened = 0;
      scrobbled = false;
      audio.play().catch(() => undefined);
      return;
    }
    go(1);
  });
  // Keep the saved position roughly current for Subsonic apps that resume it.
  setInterval(() => {
    if (!audio.paused) save();
  }, 15000);

  if ("mediaSession" in navigator) {
    const ms = navigator.mediaSession;
    ms.setActionHandler("play", () => audio.play());
    ms.setActionHandler("pause", () => audio.pause());
    ms.setActionHandler("previoustrack", () => go(-1));
    ms.setActionHandler("nexttrack", () => go(1));
    ms.setActionHandler("seekto", (d) => {
      if (d.seekTime !== undefined) audio.currentTime = d.seekTime;
    });
  }

  // Shortcuts, unless the user is typing or operating a control.
  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const el = e.target;
    if (el.closest?.("input, textarea, select, button, [contenteditable]")) return;
    if (e.key === " " || e.key === "k") toggle();
    else if (e.key === "ArrowRight" && e.shiftKey) go(1);
    else if (e.key === "ArrowLeft" && e.shiftKey) go(-1);
    else if (e.key === "ArrowRight")
      audio.currentTime = Math.min(audio.duration || 0, audio.currentTime + 10);
    else if (e.key === "ArrowLeft") audio.currentTime = Math.max(0, audio.currentTime - 10);
    else if (e.key === "m") audio.muted = !audio.muted;
    else return;
    e.preventDefault();
  });

  const restore = async () => {
    const r = await fetch("/web/queue").catch(() => undefined);
    if (!r?.ok) return;
    const saved = await r.json();
    const current = queue[index];
    queue = saved.tracks;
    if (current && !audio.paused) {
      // The queue changed elsewhere (the queue page): keep playing, follow the new position.
      const at = queue.findIndex((t) => t.id === current.id);
      index = at >= 0 ? at : Math.min(saved.index, Math.max(0, queue.length - 1));
    } else if (queue.length) {
      index = saved.index;
      load(index, { play: false, at: saved.positionMs / 1000 });
    } else {
      index = 0;
      audio.removeAttribute("src");
      showTrack(undefined);
    }
    markRows();
  };
  // Two events keep the queue page and the player in step: the player fires `queue-changed`
  // after saving (the queue page re-renders), the server answers a queue-page edit with
  // `HX-Trigger: queue-updated` (the player reloads the saved queue).
  document.body.addEventListener("queue-updated", restore);
  document.addEventListener("htmx:after:swap", markRows);

  window.bandstandPlayer = {
    audio,
    get queue() {
      return queue.slice();
    },
    get index() {
      return index;
    },
  };
  restore();
})();
