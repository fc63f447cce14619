ALTER TABLE `audio_analysis` ADD `sample_peak_db` real;--> statement-breakpoint
ALTER TABLE `audio_analysis` ADD `block_summary` blob;--> statement-breakpoint
ALTER TABLE `audio_analysis` ADD `error` text;