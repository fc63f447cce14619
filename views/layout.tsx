import type { PropsWithChildren } from "@kitajs/html";
import type { User } from "../auth/users.ts";

export interface LayoutProps {
  title: string;
  user?: User;
  csrfToken?: string;
}

/**
 * The page shell. `#main` is what boosted links swap; the player bar lives
 * outside it so audio keeps playing while the user browses.
 */
export function Layout({ title, user, csrfToken, children }: PropsWithChildren<LayoutProps>) {
  const headers = csrfToken ? JSON.stringify({ "X-CSRF-Token": csrfToken }) : undefined;
  return (
    <>
      {"<!doctype html>"}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title safe>{`${title} · Bandstand`}</title>
          <link rel="stylesheet" href="/public/app.css" />
          <script src="/public/vendor/htmx.min.js" defer></script>
        </head>
        <body
          hx-boost:inherited="swap:outerSync select:#main target:#main"
          hx-headers:inherited={headers}
        >
          <header class="top">
            <a href="/" class="brand">
              Bandstand
            </a>
            {user && (
              <nav aria-label="Main">
                <a href="/">Home</a>
                <span class="who" safe>
                  {user.username}
                </span>
                <form method="post" action="/logout" hx-boost="false">
                  <input type="hidden" name="_csrf" value={csrfToken} />
                  <button type="submit">Log out</button>
                </form>
              </nav>
            )}
          </header>
          <main id="main" hx-history-elt>
            {children}
          </main>
        </body>
      </html>
    </>
  );
}
