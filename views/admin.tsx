import type { PropsWithChildren } from "@kitajs/html";

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
