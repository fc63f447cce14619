CREATE TABLE `scan_problems` (
	`folder_id` integer NOT NULL,
	`path` text NOT NULL,
	`reason` text NOT NULL,
	`message` text NOT NULL,
	`size` integer NOT NULL,
	`mtime` integer NOT NULL,
	`seen_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	PRIMARY KEY(`folder_id`, `path`),
	FOREIGN KEY (`folder_id`) REFERENCES `music_folders`(`id`) ON UPDATE no action ON DELETE cascade
);
