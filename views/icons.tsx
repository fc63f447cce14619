/**
 * Icons as one inline SVG sprite: system fonts on a server or a phone may lack the
 * media-control glyphs, an SVG always draws. Icons are decorative; buttons carry aria-labels.
 */
const PATHS = {
  play: "M8 5v14l11-7z",
  pause: "M6 5h4v14H6zM14 5h4v14h-4z",
  prev: "M6 6h2v12H6zM9.5 12 18 6v12z",
  next: "M16 6h2v12h-2zM6 18l8.5-6L6 6z",
  shuffle:
    "M14 4h6v6l-2.3-2.3L5.4 20 4 18.6 16.3 6.3zM4 5.4 5.4 4l5 5-1.4 1.4zm9.6 9.6 1.4-1.4 2.7 2.7L20 14v6h-6l2.3-2.3z",
  repeat: "M7 7h10v3l4-4-4-4v3H5v6h2zm10 10H7v-3l-4 4 4 4v-3h12v-6h-2z",
  plus: "M11 5h2v6h6v2h-6v6h-2v-6H5v-2h6z",
} as const;

export type IconName = keyof typeof PATHS;

export function IconSprite() {
  return (
    <svg xmlns="http://www.w3.org/2000/svg" style="display:none" aria-hidden="true">
      {Object.entries(PATHS).map(([name, d]) => (
        <symbol id={`i-${name}`} viewBox="0 0 24 24">
          <path d={d} fill="currentColor" />
        </symbol>
      ))}
    </svg>
  );
}

export function Icon({ name }: { name: IconName }) {
  return (
    <svg class="icon" width="20" height="20" aria-hidden="true" focusable="false">
      <use href={`#i-${name}`} />
    </svg>
  );
}
