import { Icon } from "./icons.tsx";

/**
 * The player bar, outside `#main`: public/player.js drives it. Every control has an
 * accessible name; the now-playing text is a polite live region.
 */
export function PlayerBar() {
  return (
    <section class="player" aria-label="Player" id="player">
      {/* biome-ignore lint/a11y/useMediaCaption: music has no captions; lyrics are shown apart. */}
      <audio id="audio" preload="none"></audio>
      <img class="cover" id="player-cover" alt="" width="48" height="48" hidden />
      <div class="now" aria-live="polite">
        <strong id="player-title">Nothing playing</strong>
        <span id="player-artist"></span>
      </div>
      <div class="controls">
        <button type="button" id="player-prev" aria-label="Previous track">
          <Icon name="prev" />
        </button>
        <button type="button" id="player-toggle" aria-label="Play">
          <Icon name="play" />
        </button>
        <button type="button" id="player-next" aria-label="Next track">
          <Icon name="next" />
        </button>
        <button type="button" id="player-shuffle" aria-label="Shuffle" aria-pressed="false">
          <Icon name="shuffle" />
        </button>
        <button type="button" id="player-repeat" aria-label="Repeat: off" data-mode="off">
          <Icon name="repeat" />
        </button>
      </div>
      <div class="seek">
        <span id="player-time">0:00</span>
        <input type="range" id="player-seek" aria-label="Seek" min="0" max="0" step="1" value="0" />
        <span id="player-duration">0:00</span>
      </div>
      <input
        type="range"
        id="player-volume"
        class="volume"
        aria-label="Volume"
        min="0"
        max="1"
        step="0.05"
        value="1"
      />
    </section>
  );
}
