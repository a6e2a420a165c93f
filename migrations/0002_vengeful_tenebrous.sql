CREATE TABLE `introspection_cache` (
	`workspace_id` text NOT NULL,
	`connection_id` text NOT NULL,
	`key` text NOT NULL,
	`fingerprint` text NOT NULL,
	`body` text NOT NULL,
	`etag` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	PRIMARY KEY(`workspace_id`, `connection_id`, `key`)
);
--> statement-breakpoint
CREATE INDEX `introspection_cache_expiry_idx` ON `introspection_cache` (`expires_at`);--> statement-breakpoint
ALTER TABLE `connections` ADD `cache_ttl_seconds` integer;