// The page shell around #main: boosted navigation swaps only #main, so the parts outside it
// (the navigation's current section, the flash messages) are kept in step here.
(() => {
  const markNav = () => {
    const path = location.pathname;
    for (const link of document.querySelectorAll('nav[aria-label="Main"] a')) {
      const href = link.getAttribute("href");
      const current = href === "/" ? path === "/" : path === href || path.startsWith(`${href}/`);
      if (current) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
  };
  const flash = () => document.getElementById("flash");
  let clearTimer;
  document.addEventListener("htmx:after:swap", (e) => {
    const f = flash();
    if (!f) return;
    // A new message stays a while; any other swap (a navigation) clears an old one.
    if (e.target === f) {
      clearTimeout(clearTimer);
      clearTimer = setTimeout(() => {
        f.textContent = "";
      }, 8000);
    } else if (e.target?.id === "main") f.textContent = "";
    markNav();
  });
  window.addEventListener("popstate", () => setTimeout(markNav, 0));
  document.addEventListener("htmx:after:history:restore", markNav);
  markNav();
})();
