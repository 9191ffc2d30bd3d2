CREATE TABLE "unrouted_messages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"channel" text NOT NULL,
	"provider_id" text NOT NULL,
	"from_address" text NOT NULL,
	"to_address" text NOT NULL,
	"subject" text,
	"body" text NOT NULL,
	"attachments" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"meta" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"status" text DEFAULT 'held' NOT NULL,
	"practice_id" uuid,
	"message_id" uuid,
	"handled_by_id" uuid,
	"handled_by_token_id" uuid,
	"handled_at" timestamp with time zone,
	"note" text,
	"received_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "contact_points" ADD COLUMN "voice_consent" text DEFAULT 'unknown' NOT NULL;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "handled_through" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "unrouted_messages" ADD CONSTRAINT "unrouted_messages_practice_id_practices_id_fk" FOREIGN KEY ("practice_id") REFERENCES "public"."practices"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "unrouted_messages" ADD CONSTRAINT "unrouted_messages_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "unrouted_messages_channel_provider" ON "unrouted_messages" USING btree ("channel","provider_id");--> statement-breakpoint
CREATE INDEX "unrouted_messages_status_received_at_index" ON "unrouted_messages" USING btree ("status","received_at");