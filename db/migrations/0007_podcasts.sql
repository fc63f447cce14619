CREATE TABLE `podcast_channels` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`url` text NOT NULL,
	`title` text,
	`description` text,
	`cover_url` text,
	`status` text DEFAULT 'new' NOT NULL,
	`error_message` text,
	`last_refreshed_at` integer,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `podcast_channels_url_unique` ON `podcast_channels` (`url`);--> statement-breakpoint
CREATE TABLE `podcast_episodes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`channel_id` integer NOT NULL,
	`guid` text NOT NULL,
	`title` text,
	`description` text,
	`published_at` integer,
	`enclosure_url` text,
	`duration_seconds` integer,
	`size` integer,
	`content_type` text,
	`status` text DEFAULT 'new' NOT NULL,
	`file_path` text,
	`error_message` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`channel_id`) REFERENCES `podcast_channels`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `podcast_episodes_guid` ON `podcast_episodes` (`channel_id`,`guid`);--> statement-breakpoint
CREATE INDEX `podcast_episodes_published` ON `podcast_episodes` (`published_at`);