import type { User } from "../auth/users.ts";
import { Layout } from "./layout.tsx";

const TITLES: Record<number, string> = {
  400: "That did not work",
  403: "Not allowed",
  404: "Not found",
  409: "Changed meanwhile",
  429: "Slow down",
};

/** A failed page request as a full page: a reload or a boosted swap both show the message. */
export function ErrorPage(props: {
  user: User;
  csrfToken: string;
  status: number;
  message: string;
}) {
  const title = TITLES[props.status] ?? "Something went wrong";
  return (
    <Layout title={title} user={props.user} csrfToken={props.csrfToken}>
      <section class="error-page">
        <h1 safe>{title}</h1>
        <p class="error" role="alert" safe>
          {props.message}
        </p>
        <p>
          <a href="/">Back to the start</a>
        </p>
      </section>
    </Layout>
  );
}
