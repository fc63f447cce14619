CREATE TABLE `now_playing` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`player` text NOT NULL,
	`track_id` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`track_id`) REFERENCES `tracks`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `now_playing_player` ON `now_playing` (`user_id`,`player`);--> statement-breakpoint
CREATE INDEX `now_playing_time` ON `now_playing` (`updated_at`);