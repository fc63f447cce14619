PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_now_playing` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`player` text NOT NULL,
	`track_id` integer,
	`updated_at` integer,
	`report_track_id` integer,
	`report_episode_id` integer,
	`state` text,
	`position_ms` integer,
	`playback_rate` real,
	`reported_at` integer,
	`started_at` integer,
	`heard_ms` integer,
	`scrobble` integer,
	`counted` integer,
	`expires_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`track_id`) REFERENCES `tracks`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`report_track_id`) REFERENCES `tracks`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`report_episode_id`) REFERENCES `podcast_episodes`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_now_playing`("id", "user_id", "player", "track_id", "updated_at") SELECT "id", "user_id", "player", "track_id", "updated_at" FROM `now_playing`;--> statement-breakpoint
DROP TABLE `now_playing`;--> statement-breakpoint
ALTER TABLE `__new_now_playing` RENAME TO `now_playing`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `now_playing_player` ON `now_playing` (`user_id`,`player`);--> statement-breakpoint
CREATE INDEX `now_playing_time` ON `now_playing` (`updated_at`);--> statement-breakpoint
CREATE INDEX `now_playing_expiry` ON `now_playing` (`expires_at`);