// Drag-and-drop reordering of the lists in a [data-reorder] section (a playlist, the play queue).
// Its rows are li[data-track-id]; each row's [data-pos] names its position in the stored list.
// A drop posts the new order (old positions, comma-separated) and the ids the page showed (a
// stale page is refused) to the section's data-reorder URL; htmx swaps the answer into the
// section. The "Move … up/down" buttons are the keyboard (and no-drag) way to do the same.
// Also keeps keyboard focus on the same control when such a section is swapped.
(() => {
  if (window.bandstandReorder) return;
  window.bandstandReorder = true;

  const rowsOf = (box) => [...box.querySelectorAll("li[data-track-id]")];
  const posOf = (li) => li.querySelector("[data-pos]")?.dataset.pos;

  const prepare = () => {
    for (const box of document.querySelectorAll("[data-reorder]")) {
      for (const li of rowsOf(box)) {
        if (posOf(li) !== undefined) li.draggable = true;
      }
    }
  };

  const send = (box) => {
    const ids = (box.dataset.ids || "").split(",").filter((x) => x !== "");
    const order = rowsOf(box).map(posOf);
    // Entries the page does not show (a track gone from the library) keep their place at the end.
    for (let p = 0; p < ids.length; p++) if (!order.includes(String(p))) order.push(String(p));
    const values = { order: order.join(","), ids: ids.join(",") };
    const url = box.dataset.reorder;
    if (window.htmx) {
      window.htmx.ajax("POST", url, { source: box, target: box, swap: "outerSync", values });
    } else {
      const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? "";
      fetch(url, {
        method: "POST",
        headers: { "X-CSRF-Token": csrf },
        body: new URLSearchParams(values),
      }).finally(() => location.reload());
    }
  };

  let drag = null;
  document.addEventListener("dragstart", (e) => {
    const li = e.target.closest?.("[data-reorder] li[data-track-id]");
    if (!li?.draggable) return;
    const box = li.closest("[data-reorder]");
    drag = { li, box, before: rowsOf(box), dropped: false };
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", li.dataset.trackId);
    li.classList.add("dragging");
  });
  document.addEventListener("dragover", (e) => {
    if (!drag || e.target.closest?.("[data-reorder]") !== drag.box) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = "move";
    const over = e.target.closest("li[data-track-id]");
    if (!over || over === drag.li || over.parentNode !== drag.li.parentNode) return;
    const r = over.getBoundingClientRect();
    const after = e.clientY > r.top + r.height / 2;
    over.parentNode.insertBefore(drag.li, after ? over.nextSibling : over);
  });
  document.addEventListener("drop", (e) => {
    if (!drag || e.target.closest?.("[data-reorder]") !== drag.box) return;
    e.preventDefault();
    drag.dropped = true;
    const moved = rowsOf(drag.box).some((li, i) => li !== drag.before[i]);
    if (moved) send(drag.box);
  });
  document.addEventListener("dragend", () => {
    if (!drag) return;
    drag.li.classList.remove("dragging");
    if (!drag.dropped) {
      // Cancelled (Escape, dropped elsewhere): put the rows back.
      const list = drag.li.parentNode;
      for (const li of drag.before) list.appendChild(li);
    }
    drag = null;
  });

  // Focus: a swap replaces the section's buttons; put focus back on the same control (by its
  // accessible name), else its neighbour, so moving a track up and up again by keyboard works.
  let focus = null;
  document.addEventListener("htmx:before:request", () => {
    const a = document.activeElement;
    const box = a?.closest?.("[data-reorder]");
    const label = a?.getAttribute?.("aria-label");
    if (!box || !label) {
      focus = null;
      return;
    }
    const row = a.closest("li[data-track-id]");
    focus = { id: box.id, label, row: row ? rowsOf(box).indexOf(row) : -1 };
  });
  document.addEventListener("htmx:after:swap", () => {
    prepare();
    const f = focus;
    focus = null;
    if (!f) return;
    const box = document.getElementById(f.id);
    if (!box || (document.activeElement && document.activeElement !== document.body)) return;
    const buttons = [...box.querySelectorAll("button[aria-label]")].filter((b) => !b.disabled);
    const named = (label) => buttons.find((b) => b.getAttribute("aria-label") === label);
    const twin = f.label.replace(/ (up|down)$/, (m) => (m === " up" ? " down" : " up"));
    const verb = f.label.split(" ")[0];
    const rows = rowsOf(box);
    const row = rows[Math.min(f.row, rows.length - 1)];
    const nearby = row
      ? [...row.querySelectorAll("button[aria-label]")].find(
          (b) => !b.disabled && b.getAttribute("aria-label").startsWith(`${verb} `),
        )
      : undefined;
    const target = named(f.label) ?? named(twin) ?? nearby ?? box.querySelector("h2");
    if (target) {
      if (target.tagName === "H2") target.setAttribute("tabindex", "-1");
      target.focus();
    }
  });

  prepare();
})();
