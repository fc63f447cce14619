CREATE TABLE `jukebox_entries` (
	`user_id` integer NOT NULL,
	`position` integer NOT NULL,
	`track_id` integer NOT NULL,
	PRIMARY KEY(`user_id`, `position`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`track_id`) REFERENCES `tracks`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `jukebox_states` (
	`user_id` integer PRIMARY KEY NOT NULL,
	`current_index` integer DEFAULT 0 NOT NULL,
	`playing` integer DEFAULT false NOT NULL,
	`gain` real DEFAULT 0.75 NOT NULL,
	`position` integer DEFAULT 0 NOT NULL,
	`changed_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
