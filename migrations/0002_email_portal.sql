CREATE TABLE "patient_merges" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"practice_id" uuid NOT NULL,
	"patient_id" uuid NOT NULL,
	"into_id" uuid NOT NULL,
	"moved" jsonb NOT NULL,
	"merged_by_id" uuid,
	"merged_by_token_id" uuid,
	"undone_at" timestamp with time zone,
	"undone_by_id" uuid,
	"undone_by_token_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sendgrid_events" (
	"sg_event_id" text PRIMARY KEY NOT NULL,
	"event" text NOT NULL,
	"message_id" uuid,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "conversations" ALTER COLUMN "reply_token" SET DEFAULT replace(gen_random_uuid()::text, '-', '');--> statement-breakpoint
ALTER TABLE "patient_merges" ADD CONSTRAINT "patient_merges_practice_id_practices_id_fk" FOREIGN KEY ("practice_id") REFERENCES "public"."practices"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "patient_merges" ADD CONSTRAINT "patient_merges_patient_id_patients_id_fk" FOREIGN KEY ("patient_id") REFERENCES "public"."patients"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "patient_merges" ADD CONSTRAINT "patient_merges_into_id_patients_id_fk" FOREIGN KEY ("into_id") REFERENCES "public"."patients"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "patient_merges_patient_id_created_at_index" ON "patient_merges" USING btree ("patient_id","created_at");--> statement-breakpoint
CREATE INDEX "patient_merges_into_id_index" ON "patient_merges" USING btree ("into_id");--> statement-breakpoint
CREATE INDEX "sendgrid_events_received_at_index" ON "sendgrid_events" USING btree ("received_at");--> statement-breakpoint
UPDATE "conversations" SET "reply_token" = replace(gen_random_uuid()::text, '-', '') WHERE "reply_token" IS NULL;
