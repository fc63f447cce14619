DROP INDEX `tracks_mbid`;--> statement-breakpoint
DROP INDEX `tracks_hash`;--> statement-breakpoint
CREATE INDEX `tracks_mbid` ON `tracks` (`mbid`) WHERE "tracks"."mbid" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `tracks_hash` ON `tracks` (`content_hash`) WHERE "tracks"."content_hash" IS NOT NULL;