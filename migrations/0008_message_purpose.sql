ALTER TABLE "messages" ADD COLUMN "purpose" text;--> statement-breakpoint
-- why an outbound message went out moves from meta to its own column
UPDATE "messages" SET "purpose" = "meta" ->> 'purpose', "meta" = "meta" - 'purpose' WHERE "meta" ? 'purpose';
