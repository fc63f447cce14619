import type { PropsWithChildren } from "@kitajs/html";
import type { User } from "../auth/users.ts";
import { IconSprite } from "./icons.tsx";
import { PlayerBar } from "./player.tsx";

/** The sections of the main navigation; a page names the one it belongs to. */
export type Section =
  | "home"
  | "artists"
  | "albums"
  | "genres"
  | "search"
  | "playlists"
  | "favorites"
  | "history"
  | "queue"
  | "upload"
  | "jobs"
  | "admin"
  | "profile";

export interface LayoutProps {
  title: string;
  user?: User;
  csrfToken?: string;
  section?: Section;
  /** The live search box's current text (the search page fills it in). */
  query?: string;
}

const NAV: { section: Section; href: string; label: string; admin?: boolean }[] = [
  { section: "home", href: "/", label: "Home" },
  { section: "artists", href: "/artists", label: "Artists" },
  { section: "albums", href: "/albums", label: "Albums" },
  { section: "genres", href: "/genres", label: "Genres" },
  { section: "playlists", href: "/playlists", label: "Playlists" },
  { section: "favorites", href: "/favorites", label: "Favorites" },
  { section: "history", href: "/history", label: "History" },
  { section: "queue", href: "/queue", label: "Queue" },
  { section: "upload", href: "/upload", label: "Upload" },
  { section: "jobs", href: "/jobs", label: "Jobs" },
  { section: "admin", href: "/admin", label: "Admin", admin: true },
  { section: "profile", href: "/profile", label: "Profile" },
];

/**
 * The page shell. `#main` is what boosted links swap; the player bar and the one SSE
 * connection live outside it, so audio keeps playing and events keep coming while the user
 * browses. Every page is a full page at its own URL; htmx only picks `#main` out of it.
 */
export function Layout({
  title,
  user,
  csrfToken,
  section,
  query,
  children,
}: PropsWithChildren<LayoutProps>) {
  const headers = csrfToken ? JSON.stringify({ "X-CSRF-Token": csrfToken }) : undefined;
  const theme = user?.theme ?? "auto";
  return (
    <>
      {"<!doctype html>"}
      <html lang="en" data-theme={theme}>
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          {csrfToken && <meta name="csrf-token" content={csrfToken} />}
          <title safe>{`${title} · Bandstand`}</title>
          <link rel="stylesheet" href="/public/app.css" />
          {/* Not deferred: htmx starts on a timer once it runs after parsing, which can beat a
              deferred hx-sse still downloading — the SSE stream would then never connect. */}
          <script src="/public/vendor/htmx.min.js"></script>
          {user && <script src="/public/vendor/hx-sse.min.js"></script>}
          {user && <script src="/public/shell.js" defer></script>}
          {user && <script src="/public/player.js" defer></script>}
          {user && <script src="/public/waveform.js" defer></script>}
        </head>
        <body
          hx-boost:inherited="swap:outerSync select:#main target:#main"
          hx-headers:inherited={headers}
        >
          <a class="skip" href="#main">
            Skip to content
          </a>
          {user && <IconSprite />}
          <header class="top">
            <a href="/" class="brand">
              Bandstand
            </a>
            {user && (
              <search>
                <form class="search" action="/search" method="get">
                  <input
                    type="search"
                    name="q"
                    aria-label="Search the library"
                    placeholder="Search"
                    autocomplete="off"
                    value={query ?? ""}
                    hx-get="/search"
                    hx-trigger="input changed delay:250ms, search"
                    hx-target="#main"
                    hx-select="#main"
                    hx-swap="outerSync"
                    hx-push-url="true"
                  />
                </form>
              </search>
            )}
            {user && (
              <nav aria-label="Main">
                {NAV.filter((n) => !n.admin || user.role === "admin").map((n) => (
                  <a href={n.href} aria-current={n.section === section ? "page" : undefined}>
                    {n.label}
                  </a>
                ))}
                <form method="post" action="/logout" hx-boost="false">
                  <input type="hidden" name="_csrf" value={csrfToken} />
                  <button type="submit" class="link">
                    Log out
                  </button>
                </form>
              </nav>
            )}
          </header>
          {user && <div id="flash" class="flash" role="status" aria-live="polite"></div>}
          <main id="main" hx-history-elt>
            {children}
          </main>
          {user && <PlayerBar />}
          {user && <div id="events" hidden hx-sse:connect="/events" hx-swap="none"></div>}
        </body>
      </html>
    </>
  );
}
