import type { AlbumView } from "../library/queries.ts";
import { coverUrl } from "./tracks.tsx";

/** A grid of album cards linking to their pages. */
export function AlbumGrid(props: { albums: AlbumView[]; label: string }) {
  if (props.albums.length === 0) return <p class="empty">No albums yet.</p>;
  return (
    <ul class="albums" aria-label={props.label}>
      {props.albums.map((a) => (
        <li>
          <a href={`/albums/${a.id}`}>
            <img
              src={coverUrl(a.coverArtId, `al-${a.id}`, 200)}
              alt=""
              width="200"
              height="200"
              loading="lazy"
            />
            <span class="name" safe>
              {a.name}
            </span>
          </a>
          {a.artistId ? (
            <a class="artist" href={`/artists/${a.artistId}`} safe>
              {a.artist}
            </a>
          ) : (
            <span class="artist" safe>
              {a.artist}
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}
