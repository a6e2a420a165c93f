ALTER TABLE `credentials` ADD `approved_hosts` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `credentials` ADD `legacy_uses` text;--> statement-breakpoint
ALTER TABLE `credentials` ADD `secrets_by` text;--> statement-breakpoint
-- Existing credentials keep working for the connections that use them today: the type and config of
-- each such connection are frozen here; the Worker derives their hosts with the connector's own
-- hosts(config) (services/credential-hosts.ts). Connections made or changed later are not included.
UPDATE `credentials` SET `legacy_uses` = (SELECT json_group_array(json_object('type', c.`type`, 'config', json(c.`config`))) FROM `connections` c WHERE c.`credential_id` = `credentials`.`id`);--> statement-breakpoint
-- Idempotency fingerprints used to be unsalted SHA-256 hashes of the body, secrets included; they are
-- now HMACs under a server key. The old ones are dropped rather than kept at rest.
DELETE FROM `idempotency_keys`;
