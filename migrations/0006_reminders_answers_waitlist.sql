ALTER TABLE "appointments" ADD COLUMN "reschedule_options" jsonb;--> statement-breakpoint
ALTER TABLE "reminders" ADD COLUMN "appointment_starts_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "reminders" ADD COLUMN "answer" text;--> statement-breakpoint
ALTER TABLE "reminders" ADD COLUMN "answered_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "reminders_message_id_index" ON "reminders" USING btree ("message_id");--> statement-breakpoint
CREATE UNIQUE INDEX "waitlist_offers_one_accepted" ON "waitlist_offers" USING btree ("slot_appointment_id") WHERE status = 'accepted';--> statement-breakpoint
CREATE UNIQUE INDEX "waitlist_offers_entry_slot" ON "waitlist_offers" USING btree ("waitlist_entry_id","slot_appointment_id");--> statement-breakpoint
CREATE INDEX "waitlist_offers_status_expires_at_index" ON "waitlist_offers" USING btree ("status","expires_at");