-- Full-text search over titles, artists and albums (FTS5), kept in step by triggers
-- so no code path can forget it. Diacritics are folded: "beyonce" finds "Beyoncé".
CREATE VIRTUAL TABLE `tracks_fts` USING fts5(title, artist, album, tokenize = 'unicode61 remove_diacritics 2');
--> statement-breakpoint
CREATE VIRTUAL TABLE `albums_fts` USING fts5(name, artist, tokenize = 'unicode61 remove_diacritics 2');
--> statement-breakpoint
CREATE VIRTUAL TABLE `artists_fts` USING fts5(name, tokenize = 'unicode61 remove_diacritics 2');
--> statement-breakpoint
CREATE TRIGGER `tracks_fts_insert` AFTER INSERT ON `tracks` BEGIN
  INSERT INTO `tracks_fts`(rowid, title, artist, album)
  VALUES (new.id, new.title, new.display_artist, (SELECT name FROM albums WHERE id = new.album_id));
END;
--> statement-breakpoint
CREATE TRIGGER `tracks_fts_update` AFTER UPDATE OF title, display_artist, album_id ON `tracks` BEGIN
  DELETE FROM `tracks_fts` WHERE rowid = old.id;
  INSERT INTO `tracks_fts`(rowid, title, artist, album)
  VALUES (new.id, new.title, new.display_artist, (SELECT name FROM albums WHERE id = new.album_id));
END;
--> statement-breakpoint
CREATE TRIGGER `tracks_fts_delete` AFTER DELETE ON `tracks` BEGIN
  DELETE FROM `tracks_fts` WHERE rowid = old.id;
END;
--> statement-breakpoint
CREATE TRIGGER `albums_fts_insert` AFTER INSERT ON `albums` BEGIN
  INSERT INTO `albums_fts`(rowid, name, artist) VALUES (new.id, new.name, new.display_artist);
END;
--> statement-breakpoint
CREATE TRIGGER `albums_fts_update` AFTER UPDATE OF name, display_artist ON `albums` BEGIN
  DELETE FROM `albums_fts` WHERE rowid = old.id;
  INSERT INTO `albums_fts`(rowid, name, artist) VALUES (new.id, new.name, new.display_artist);
END;
--> statement-breakpoint
CREATE TRIGGER `albums_fts_delete` AFTER DELETE ON `albums` BEGIN
  DELETE FROM `albums_fts` WHERE rowid = old.id;
END;
--> statement-breakpoint
CREATE TRIGGER `artists_fts_insert` AFTER INSERT ON `artists` BEGIN
  INSERT INTO `artists_fts`(rowid, name) VALUES (new.id, new.name);
END;
--> statement-breakpoint
CREATE TRIGGER `artists_fts_update` AFTER UPDATE OF name ON `artists` BEGIN
  DELETE FROM `artists_fts` WHERE rowid = old.id;
  INSERT INTO `artists_fts`(rowid, name) VALUES (new.id, new.name);
END;
--> statement-breakpoint
CREATE TRIGGER `artists_fts_delete` AFTER DELETE ON `artists` BEGIN
  DELETE FROM `artists_fts` WHERE rowid = old.id;
END;
