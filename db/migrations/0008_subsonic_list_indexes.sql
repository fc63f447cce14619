CREATE INDEX `album_artists_artist_album` ON `album_artists` (`artist_id`,`album_id`);--> statement-breakpoint
CREATE INDEX `album_artists_album_order` ON `album_artists` (`album_id`,`position`,`artist_id`);--> statement-breakpoint
CREATE INDEX `track_artists_track_order` ON `track_artists` (`track_id`,`role`,`position`,`artist_id`);--> statement-breakpoint
CREATE INDEX `tracks_id` ON `tracks` (`id`);