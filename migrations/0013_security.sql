DROP INDEX "messages_channel_provider_id";--> statement-breakpoint
CREATE UNIQUE INDEX "messages_practice_channel_provider_id" ON "messages" USING btree ("practice_id","channel","provider_id");