import type { PropsWithChildren } from "@kitajs/html";
import { Csrf, Notice } from "./account.tsx";

export type AdminTab = "users" | "library" | "settings";

const TABS: { tab: AdminTab; href: string; label: string }[] = [
  { tab: "users", href: "/admin", label: "Users" },
  { tab: "library", href: "/admin/library", label: "Music folders" },
  { tab: "settings", href: "/admin/settings", label: "Settings" },
];

/** The admin pages' heading and their own small navigation. */
export function AdminPage(props: PropsWithChildren<{ heading: string; tab: AdminTab }>) {
  return (
    <div class="admin">
      <nav class="subnav" aria-label="Administration">
        {TABS.map((t) => (
          <a href={t.href} aria-current={t.tab === props.tab ? "page" : undefined}>
            {t.label}
          </a>
        ))}
      </nav>
      <h1 safe>{props.heading}</h1>
      {props.children}
    </div>
  );
}

/**
 * The page that asks before something goes for good: what is lost (the children), a danger
 * button that posts, and Cancel back to where the admin came from.
 */
export function ConfirmRemoval(
  props: PropsWithChildren<{
    heading: string;
    tab: AdminTab;
    action: string;
    button: string;
    cancel: string;
    csrf: string;
    error?: string;
  }>,
) {
  return (
    <AdminPage heading={props.heading} tab={props.tab}>
      <Notice error={props.error} />
      <p>{props.children}</p>
      <form method="post" action={props.action} class="inline-form">
        <Csrf token={props.csrf} />
        <button type="submit" class="danger" safe>
          {props.button}
        </button>
        <a href={props.cancel}>Cancel</a>
      </form>
    </AdminPage>
  );
}
